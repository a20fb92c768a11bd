"""Patch subject lines: ``Re: [RFC PATCH net-next v3 01/10] x86/mm: foo`` into its parts.

Modelled on b4's ``LoreSubject``: it keeps what it read (``prefixes``) apart from what it inferred
(``notes``), so a report can say "revision 1 assumed" instead of pretending the subject said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewtool.limits import MAX_MESSAGES
from reviewtool.mail.headers import decode_header

# Only the reply and forward markers that cannot be mistaken for a subsystem prefix ("tr:", "sv:").
_REPLY = re.compile(r"(?i)^(re|aw)(\s*\[\d+\])?\s*:\s*")
_FORWARD = re.compile(r"(?i)^fwd?\s*:\s*")
# "v2", "V2", and the run-together "PATCHv2" / "PATCH-v2" that some senders type.
_REVISION = re.compile(r"(?i)^(?:patch-?)?v(\d+)$")
_COUNTER = re.compile(r"^(\d+)/(\d+)$")


@dataclass(frozen=True)
class Subject:
    raw: str
    title: str
    prefixes: tuple[str, ...]
    revision: int
    counter: int | None
    total: int | None
    is_reply: bool
    notes: tuple[str, ...]


def parse_subject(raw: str) -> Subject:
    """Parse a subject; never raises.  RFC 2047 words left in ``raw`` are decoded."""
    notes: list[str] = []
    if "=?" in raw:
        raw, more = decode_header(raw)
        notes.extend(more)
    text = " ".join(raw.split())
    rest = text
    prefixes: list[str] = []
    is_reply = False
    forwarded = False
    while True:
        m = _REPLY.match(rest)
        if m:
            is_reply = True
            rest = rest[m.end():]
            continue
        m = _FORWARD.match(rest)
        if m:
            forwarded = True
            rest = rest[m.end():]
            continue
        if rest.startswith("["):
            close = rest.find("]")
            if close < 0:
                notes.append("unclosed '[' in subject kept in the title")
                break
            prefixes.extend(w for w in re.split(r"[\s,]+", rest[1:close]) if w)
            rest = rest[close + 1:].lstrip()
            continue
        break

    revision: int | None = None
    counter: int | None = None
    total: int | None = None
    for word in prefixes:
        m = _REVISION.match(word)
        if m and revision is None and len(m.group(1)) > 6:
            notes.append(f"implausible revision {word[:20]!r} ignored")
            continue
        if m and revision is None:
            revision = int(m.group(1))
            if not re.match(r"(?i)^v\d+$", word):
                notes.append(f"revision {revision} read from {word!r}")
            continue
        m = _COUNTER.match(word)
        if m and counter is None:
            if max(len(m.group(1)), len(m.group(2))) > 4 or \
                    max(int(m.group(1)), int(m.group(2))) > MAX_MESSAGES:
                # a series is ordered in a list that long: [PATCH 1/99999999] is a memory bomb
                notes.append(f"implausible n/m counter {word[:20]!r} ignored")
                continue
            counter, total = int(m.group(1)), int(m.group(2))
    if revision is None:
        revision = 1
        notes.append("revision 1 assumed")
    elif revision == 0:
        notes.append("revision 0 read as written")
    if counter is None:
        notes.append("no n/m counter")
    elif total is not None and counter > total:
        notes.append(f"counter {counter} exceeds total {total}")
    if forwarded:
        notes.append("forwarded mail")
    return Subject(raw=text, title=rest.strip(), prefixes=tuple(prefixes), revision=revision,
                   counter=counter, total=total, is_reply=is_reply, notes=tuple(notes))
