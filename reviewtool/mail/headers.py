"""Header and charset decoding, in one place, never raising on a bad charset.

The standard library's ``policy.default`` headers turn an unknown charset or raw 8-bit bytes into
U+FFFD; reviewers' mails from 2007 are full of both, and a replacement character in an author's name
is a loss we can avoid.  So headers are decoded here from their raw form: 8-bit bytes as UTF-8 when
they are valid UTF-8, else latin-1; RFC 2047 encoded words by their charset, else latin-1.  Every
fallback leaves a note instead of raising.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.utils
import re
from collections.abc import Iterable

# charset, optional RFC 2231 language, encoding, text
_ENCODED_WORD = re.compile(r"=\?([^?*\s]+)(?:\*[^?\s]*)?\?([qQbB])\?([^?\s]*)\?=")
_SPECIALS = re.compile(r'[(),.:;<>@\[\]"\\]')


def decode_bytes(data: bytes, charset: str | None, what: str) -> tuple[str, tuple[str, ...]]:
    """Decode ``data`` declared as ``charset`` (None: undeclared); never raises.

    Undeclared or us-ascii text that is not ASCII is tried as UTF-8 then latin-1, because old mailers
    send 8-bit text without saying so.  ``what`` names the text in the notes.
    """
    declared = (charset or "").strip().strip('"').lower()
    if declared in ("", "us-ascii", "ascii", "unknown-8bit", "x-unknown"):
        try:
            return data.decode("utf-8"), ()
        except UnicodeDecodeError:
            return data.decode("latin-1"), (f"{what}: undeclared 8-bit text, decoded as latin-1",)
    try:
        codecs.lookup(declared)
    except LookupError:
        return data.decode("latin-1"), (f"unknown charset {declared}, decoded as latin-1",)
    try:
        return data.decode(declared), ()
    except (UnicodeDecodeError, ValueError):
        pass
    if declared not in ("utf-8", "utf8"):
        try:
            text = data.decode("utf-8")
            return text, (f"{what}: invalid {declared} text, decoded as utf-8",)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1"), (f"{what}: invalid {declared} text, decoded as latin-1",)


def _decode_word(charset: str, encoding: str, text: str) -> tuple[str, tuple[str, ...]]:
    if encoding in "qQ":
        try:
            data = text.replace("_", " ").encode("ascii", "surrogateescape")
        except UnicodeEncodeError:  # not ASCII: not a valid encoded word, decoded anyway
            data = text.replace("_", " ").encode("utf-8", "replace")
        raw = re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)
    else:
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return text, (f"bad base64 encoded word {text[:20]!r} kept as is",)
    return decode_bytes(raw, charset, "header")


def decode_header(raw: str) -> tuple[str, tuple[str, ...]]:
    """Decode a raw header value (8-bit bytes as surrogate escapes, RFC 2047 words) and unfold it."""
    notes: list[str] = []
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        text, more = decode_bytes(raw.encode("ascii", "surrogateescape"), None, "header")
        notes.extend(more)
    else:
        text = raw
    out: list[str] = []
    pos = 0
    last_was_word = False
    for m in _ENCODED_WORD.finditer(text):
        gap = text[pos:m.start()]
        # RFC 2047 6.2: whitespace between two adjacent encoded words is not displayed.
        if not (last_was_word and gap.strip() == ""):
            out.append(gap)
        word, more = _decode_word(m.group(1), m.group(2), m.group(3))
        out.append(word)
        notes.extend(more)
        pos = m.end()
        last_was_word = True
    out.append(text[pos:])
    return " ".join("".join(out).split()), tuple(dict.fromkeys(notes))


def _format_address(name: str, addr: str) -> str:
    if not name:
        return addr
    if not addr:
        return name
    if _SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def decode_addresses(raw: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split an address header into decoded ``Name <addr>`` strings."""
    notes: list[str] = []
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        raw, more = decode_bytes(raw.encode("ascii", "surrogateescape"), None, "header")
        notes.extend(more)
    try:
        pairs = email.utils.getaddresses([" ".join(raw.split())])
    except Exception:  # the stdlib address parser has had crash bugs on hostile input
        pairs = []
    result: list[str] = []
    for name, addr in pairs:
        if not name and not addr:
            continue
        decoded, more = decode_header(name)
        notes.extend(more)
        result.append(_format_address(decoded, addr.strip()))
    if not result and raw.strip():
        decoded, more = decode_header(raw)
        notes.extend(more)
        result.append(decoded)
    return tuple(result), tuple(dict.fromkeys(notes))


_MSGID = re.compile(r"<([^<>\s]+)>")


def message_ids(raw: str) -> tuple[str, ...]:
    """The message ids in a Message-ID, In-Reply-To or References value, without ``<>``."""
    found = _MSGID.findall(raw)
    if found:
        return tuple(found)
    return tuple(w.strip("<>") for w in raw.split() if w.strip("<>"))


def first_header(items: Iterable[tuple[str, str]], name: str) -> str | None:
    name = name.lower()
    for key, value in items:
        if key.lower() == name:
            return str(value)
    return None
