"""Reading input files into :class:`Mail` records: single mails, mboxes, MIME parts, bare diffs."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from typing import BinaryIO

from reviewtool.errors import MailError
from reviewtool.limits import MAX_INPUT_BYTES, MAX_LINE_CHARS, MAX_MESSAGES, MAX_MIME_DEPTH
from reviewtool.mail.extract import find_diff
from reviewtool.mail.headers import (decode_addresses, decode_bytes, decode_header, first_header,
                                     message_ids)
from reviewtool.mail.subject import Subject, parse_subject


@dataclass(frozen=True)
class Mail:
    source: str
    subject: Subject
    message_id: str
    author: str
    date: str
    in_reply_to: str
    references: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    body: str
    diff: str
    diff_offset: int
    from_sha: str
    base_commit: str
    notes: tuple[str, ...]
    is_plain_diff: bool


# Like git mailsplit's is_from_line: "From <anything> ... hh:mm[:ss] ... yyyy".  A description line
# such as "From the spec:" must not split a format-patch file that git wrote without escaping.
_FROM_LINE = re.compile(rb"^From \S+ .*\d:\d\d(?::\d\d)?\b.*\d{4}\s*$")  # see _is_from_line
_FROM_HEAD = re.compile(rb"From \S+ ")
_FROM_TIME = re.compile(rb"\d:\d\d(?::\d\d)?\b")
_FROM_YEAR = re.compile(rb"\d{4}\s*$")
_FORMAT_PATCH = re.compile(rb"^From ([0-9a-f]{40}|[0-9a-f]{64}) Mon Sep 17 00:00:00 2001\s*$")
_FORMAT_PATCH_TEXT = re.compile(r"^From ([0-9a-f]{40}|[0-9a-f]{64}) Mon Sep 17 00:00:00 2001[ \t]*$",
                                re.MULTILINE)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
_BASE_COMMIT = re.compile(r"^base-commit: *([0-9a-fA-F]{7,64})\s*$", re.MULTILINE)
_KNOWN_HEADERS = {b"from", b"subject", b"date", b"message-id", b"to", b"cc", b"received",
                  b"return-path", b"mime-version", b"in-reply-to", b"references", b"delivered-to",
                  b"content-type", b"sender", b"reply-to", b"list-id", b"x-mailer"}
_PATCH_TYPES = {"text/x-patch", "text/x-diff", "text/x-diff-patch", "text/patch", "text/diff",
                "application/x-patch", "application/x-diff"}
_PATCH_NAMES = (".patch", ".diff", ".dif", ".patch.txt", ".diff.txt")


def read_inputs(paths: Sequence[str], stdin: BinaryIO | None = None) -> list[Mail]:
    """Read every path (``-`` is stdin) into mails, in order; raise :class:`MailError` on bad input."""
    if isinstance(paths, (str, bytes)):
        paths = [os.fsdecode(paths)]  # one path given bare: do not read it letter by letter
    mails: list[Mail] = []
    for path in paths:
        path = os.fsdecode(path)
        data = _read(path, stdin)
        mails.extend(_parse_input(data, path))
    return mails


def read_bytes(data: bytes, source: str) -> list[Mail]:
    """Mails from bytes already in memory (a revision range turned into format-patch text);
    ``source`` names them in notes and errors."""
    return _parse_input(data, source)


def _read(path: str, stdin: BinaryIO | None) -> bytes:
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        try:
            data = stream.read(MAX_INPUT_BYTES + 1)
        except (OSError, ValueError) as err:
            raise MailError(f"cannot read standard input: {err}", path="-") from None
        if isinstance(data, str):  # a text stream handed over by mistake
            data = data.encode("utf-8", "surrogateescape")
        return data
    try:
        with open(path, "rb") as f:
            return f.read(MAX_INPUT_BYTES + 1)  # more is refused by _check_text
    except IsADirectoryError:
        raise MailError("cannot read: is a directory", path=path) from None
    except OSError as err:
        raise MailError(f"cannot read: {err.strerror or err}", path=path) from None


def _check_text(data: bytes, path: str) -> None:
    if len(data) > MAX_INPUT_BYTES:
        raise MailError(f"input larger than {MAX_INPUT_BYTES} bytes (reviewtool.limits)",
                        path=path)
    if not data.strip():
        raise MailError("empty input, neither a mail nor a diff", path=path)
    if b"\0" in data:
        raise MailError("binary file (contains NUL bytes), neither a mail nor a diff", path=path)
    head = data[:65536]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27) or b == 127)
    if controls * 20 > len(head):
        raise MailError("binary file (control bytes), neither a mail nor a diff", path=path)
    if len(data) > MAX_LINE_CHARS and max(map(len, data.split(b"\n"))) > MAX_LINE_CHARS:
        number = next(k for k, line in enumerate(data.split(b"\n"), start=1)
                      if len(line) > MAX_LINE_CHARS)
        raise MailError(f"line {number} longer than {MAX_LINE_CHARS} bytes (reviewtool.limits)",
                        path=path)


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _known_header(line: bytes) -> bool:
    m = _HEADER_LINE.match(line)
    return bool(m) and line[:m.end() - 1].lower() in _KNOWN_HEADERS


def _is_header_block(data: bytes) -> bool:
    """True if ``data`` starts with RFC 822 header lines naming at least one mail header."""
    lines = _lines(data)
    first = lines[0]
    m = _HEADER_LINE.match(first)
    if not m:
        return False
    if first[:m.end() - 1].lower() in _KNOWN_HEADERS:
        return True
    known = False
    for line in lines:
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            continue
        m = _HEADER_LINE.match(line)
        if not m:
            return False
        known = known or line[:m.end() - 1].lower() in _KNOWN_HEADERS
    return known


def _is_from_line(line: bytes) -> bool:
    """``_FROM_LINE.match(line)`` in linear time: that regex backtracks quadratically on a
    long ``From `` line full of times and no year (hostile input)."""
    head = _FROM_HEAD.match(line)
    if head is None:
        return False
    year = _FROM_YEAR.search(line, head.end())
    if year is None:
        return False
    # the time must end where the year starts at the latest (\b looks one byte further);
    # "h:mm" alone (then ":" follows, a word boundary) when "h:mm:ss" would end too late
    last = year.start()
    return any(m.end() <= last or m.start() + 4 <= last
               for m in _FROM_TIME.finditer(line, head.end(), last + 1))


def _split_mbox(data: bytes) -> list[tuple[bytes, bytes]] | None:
    """(From line, message bytes) for each message, or None if ``data`` is not an mbox."""
    lines = _lines(data)
    if not lines[0].startswith(b"From ") or len(lines) < 2:
        return None
    if not (_is_from_line(lines[0]) or _known_header(lines[1])):
        return None
    starts = [0]
    for k in range(1, len(lines) - 1):
        if lines[k].startswith(b"From ") and _is_from_line(lines[k]) \
                and _HEADER_LINE.match(lines[k + 1]):
            starts.append(k)
    starts.append(len(lines))
    messages = []
    for a, b in zip(starts, starts[1:]):
        chunk = b"\n".join(lines[a + 1:b])
        # mboxrd escapes every ">*From " line with one more ">"; mboxo escaped "From " to ">From ".
        chunk = _ESCAPED_FROM.sub(rb"\1", chunk)
        messages.append((lines[a], chunk))
    return messages


def _parse_input(data: bytes, path: str) -> list[Mail]:
    _check_text(data, path)
    data = data.replace(b"\r\n", b"\n")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    data = data.lstrip(b"\n")
    mbox = _split_mbox(data)
    if mbox is not None:
        if len(mbox) > MAX_MESSAGES:
            raise MailError(f"more than {MAX_MESSAGES} messages ({len(mbox)}; "
                            "reviewtool.limits)", path=path)
        many = len(mbox) > 1
        return [_parse_message(chunk, f"{path}#{k}" if many else path, from_line)
                for k, (from_line, chunk) in enumerate(mbox, start=1)]
    if _is_header_block(data):
        mail = _parse_message(data, path, None)
        if not mail.subject.raw:
            # quilt keeps patches as files with a From: header and no Subject:
            mail = dataclasses.replace(mail, subject=_file_subject(path))
        return [mail]
    text, notes = decode_bytes(data, None, "input")
    diff, offset, diff_notes = find_diff(text)
    if not diff:
        raise MailError("neither a mail (no headers) nor a diff (no diff found)", path=path)
    return [_plain_diff(path, text, diff, offset, notes + diff_notes)]


def _file_subject(path: str) -> Subject:
    name = "(stdin)" if path == "-" else os.path.basename(path.rstrip("/")) or path
    stem = name
    for ext in _PATCH_NAMES:
        if stem.lower().endswith(ext) and len(stem) > len(ext):
            stem = stem[:-len(ext)]
            break
    return Subject(raw=name, title=stem, prefixes=(), revision=1, counter=None, total=None,
                   is_reply=False, notes=("subject taken from the file name", "revision 1 assumed"))


def _plain_diff(path: str, text: str, diff: str, offset: int, notes: tuple[str, ...]) -> Mail:
    if offset:
        notes += ("text before the diff kept as its description",)
    return Mail(source=path, subject=_file_subject(path), message_id="", author="", date="",
                in_reply_to="", references=(), to=(), cc=(), body=text, diff=diff,
                diff_offset=offset, from_sha="", base_commit=_base_commit(text), notes=notes,
                is_plain_diff=True)


def _base_commit(text: str) -> str:
    m = _BASE_COMMIT.search(text)
    return m.group(1) if m else ""


def _parse_message(data: bytes, source: str, from_line: bytes | None) -> Mail:
    try:
        return _parse_message_unguarded(data, source, from_line)
    except MailError:
        raise
    except RecursionError:
        raise MailError(f"MIME parts nested deeper than {MAX_MIME_DEPTH}", path=source) from None
    except Exception as err:  # the email package has had crash bugs on hostile input
        raise MailError(f"cannot parse mail ({type(err).__name__}: {err})".replace("\n", " "),
                        path=source) from None


def _parse_message_unguarded(data: bytes, source: str, from_line: bytes | None) -> Mail:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if _mime_depth(msg) > MAX_MIME_DEPTH:
        raise MailError(f"MIME parts nested deeper than {MAX_MIME_DEPTH}", path=source)
    items = list(msg.raw_items())
    notes: list[str] = []

    def header(name: str) -> str:
        value, more = decode_header(first_header(items, name) or "")
        notes.extend(more)
        return value

    def addresses(name: str) -> tuple[str, ...]:
        values: list[str] = []
        for key, raw in items:
            if key.lower() == name:
                found, more = decode_addresses(str(raw))
                values.extend(found)
                notes.extend(more)
        return tuple(values)

    subject = parse_subject(header("subject"))
    authors = addresses("from")
    message_id = next(iter(message_ids(header("message-id"))), "")
    in_reply_to = next(iter(message_ids(header("in-reply-to"))), "")
    references = message_ids(header("references"))

    body, body_notes, attached_sha = _body(msg)
    notes.extend(body_notes)
    diff, offset, diff_notes = find_diff(body)
    notes.extend(diff_notes)
    from_sha = ""
    if from_line is not None:
        m = _FORMAT_PATCH.match(from_line)
        from_sha = m.group(1).decode("ascii") if m else ""
    from_sha = from_sha or attached_sha
    if not subject.raw:
        notes.append("no Subject header")
    return Mail(source=source, subject=subject, message_id=message_id,
                author=authors[0] if authors else "", date=header("date"),
                in_reply_to=in_reply_to, references=references, to=addresses("to"),
                cc=addresses("cc"), body=body, diff=diff, diff_offset=offset, from_sha=from_sha,
                base_commit=_base_commit(body), notes=tuple(dict.fromkeys(notes)),
                is_plain_diff=False)


def _mime_depth(msg: Message) -> int:
    """How deeply multipart parts nest (1 for a single-part mail), without recursion."""
    deepest = 0
    todo = [(msg, 1)]
    while todo:
        part, depth = todo.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_MIME_DEPTH and part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                todo.extend((child, depth + 1) for child in payload)
    return deepest


def _part_text(part: Message, label: str) -> tuple[str, list[str]]:
    notes: list[str] = []
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    if any("Base64" in type(d).__name__ for d in part.defects):
        notes.append(f"{label}: damaged base64")
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text, more = decode_bytes(payload, charset, label)
    notes.extend(more)
    text = text.replace("\r\n", "\n")
    try:
        flowed = str(part.get_param("format") or "").lower() == "flowed"
        delsp = str(part.get_param("delsp") or "").lower() == "yes"
    except Exception:
        flowed = delsp = False
    if flowed:
        text = _unflow(text, delsp)
        notes.append(f"{label}: format=flowed text unwrapped")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, notes


def _unflow(text: str, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed the way git mailinfo does: unstuff a leading space, join a line
    ending in a space (a soft break) to the next; the ``-- `` signature line stays."""
    out: list[str] = []
    pending = ""
    for line in text.split("\n"):
        if line == "-- ":
            if pending:
                out.append(pending)
                pending = ""
            out.append(line)
            continue
        if line.startswith(" "):
            line = line[1:]
        if line.endswith(" "):
            pending += line[:-1] if delsp else line
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


def _body(msg: Message) -> tuple[str, list[str], str]:
    """The text that carries the description and the diff: the text/plain parts and patch
    attachments, in mail order.  Returns (body, notes, format-patch sha found in an attachment)."""
    pieces: list[str] = []
    notes: list[str] = []
    attached_sha = ""
    saw_html = False
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            ctype = part.get_content_type()
            disposition = part.get_content_disposition()
            filename = part.get_filename()
        except Exception:
            ctype, disposition, filename = "application/octet-stream", "attachment", None
        named_patch = bool(filename) and filename.lower().endswith(_PATCH_NAMES)
        is_patch = ctype in _PATCH_TYPES or (named_patch and (
            ctype.startswith("text/") or ctype.startswith("application/")))
        if ctype.startswith("multipart/"):
            ctype = "text/plain"  # a multipart without its boundary: read it as text
            notes.append("multipart part without boundary read as text")
        if not is_patch and ctype != "text/plain":
            if ctype == "text/html":
                saw_html = True
            elif ctype not in ("application/pgp-signature", "application/pkcs7-signature"):
                notes.append(f"{ctype} part {filename or ''} ignored".replace("  ", " "))
            continue
        attachment = is_patch or disposition == "attachment"
        label = f"attachment {filename}" if filename else f"{ctype} part"
        text, more = _part_text(part, label)
        notes.extend(more)
        if attachment:
            # quilt mails are a single part with "inline; filename=x.patch": not an attachment
            if find_diff(text)[0] and msg.is_multipart():
                notes.append(f"patch found in {label}" if filename
                             else f"patch found in attachment ({ctype})")
            m = _FORMAT_PATCH_TEXT.match(text)
            if m and not attached_sha:
                attached_sha = m.group(1)
        if pieces and not pieces[-1].endswith("\n"):
            pieces[-1] += "\n"
        pieces.append(text)
    if saw_html and not pieces:
        notes.append("only an HTML part, not read")
    body = "".join(pieces)
    if body and not body.endswith("\n"):
        body += "\n"  # MIME gives the newline before a boundary to the boundary
    return body, notes, attached_sha
