"""Finding preprocessor directives in a file quickly (internal to :mod:`reviewtool.variants`).

One pass of a compiled regex blanks comments (string and character literals are matched so
that a ``/*`` inside them is not a comment); a second finds directive lines. Nothing loops over
characters in Python. A comment is replaced by a space, and each newline inside it by a
backslash-newline, so line numbers are kept and a directive whose trailing comment runs onto
the next lines covers those lines too (as in C, where a comment is one space). A line that
continues the previous one (backslash-newline) is never a directive, so a ``#if`` inside a
multi-line comment is not one either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_COMMENTS = re.compile(
    r"//[^\n\\]*(?:\\[\s\S][^\n\\]*)*"
    # to its first */, unrolled (runs of non-stars, then stars: no test of "*/" at each
    # character, which took half the time of a header's directives); unterminated: to the end
    r"|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/"
    r"|/\*[\s\S]*"
    # an unterminated literal ends with its line, as GCC lexes it (and in linear time:
    # failing at every quote of a line full of them was quadratic)
    r"|\"[^\"\\\n]*(?:\\[\s\S][^\"\\\n]*)*(?:\"|(?=\n)|\\?\Z)"
    r"|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*(?:'|(?=\n)|\\?\Z)"
)

COMMENTS = _COMMENTS  # comments, strings and character literals, for other stages

_DIRECTIVE = re.compile(r"^[ \t\f\v]*#[ \t\f\v]*([A-Za-z_]\w*)?((?:[^\n]*\\\n)*[^\n]*)", re.M)

_NAME = re.compile(r"\s*([A-Za-z_]\w*)")
_DEFINE = re.compile(r"\s*([A-Za-z_]\w*)(\([^)]*\))?([\s\S]*)")
_INCLUDE = re.compile(r"\s*(<[^>\n]*>|\"[^\"\n]*\")")

KINDS = {
    "if": "if", "ifdef": "ifdef", "ifndef": "ifndef", "elif": "elif", "elifdef": "elif",
    "elifndef": "elif", "else": "else", "endif": "endif", "define": "define",
    "undef": "undef", "include": "include", "include_next": "include", "import": "include",
    "error": "error", "pragma": "pragma",
}

CONDITIONALS = frozenset({"if", "ifdef", "ifndef", "elif", "else", "endif"})


def _blank(m: re.Match[str]) -> str:
    s = m.group(0)
    if s[0] != "/":
        return s
    n = s.count("\n")
    return " " + "\\\n" * n if n else " "


def strip(text: str) -> str:
    """``text`` with comments blanked as described in the module docstring (and CRLF line
    ends read as LF, which keeps the line count)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if "/*" not in text and "//" not in text:
        return text
    return _COMMENTS.sub(_blank, text)


@dataclass(frozen=True, slots=True)
class Raw:
    """A directive as found: lines are 1-based physical lines."""
    line: int
    end_line: int
    keyword: str          # as written: 'ifdef', 'include_next', '' for a null directive
    kind: str             # normalised kind, see KINDS ('other' for the rest)
    rest: str             # text after the keyword, continuations joined, comments blanked
    text: str             # the logical line, '#' + keyword + rest, stripped


def count_lines(text: str) -> int:
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


@lru_cache(maxsize=4096)
def directives(text: str) -> tuple[tuple[Raw, ...], int]:
    """All directives of ``text`` in order, and the number of physical lines."""
    stripped = strip(text)
    out = []
    line = 1
    last = 0
    count, find, rfind, match = stripped.count, stripped.find, stripped.rfind, _DIRECTIVE.match
    # from one '#' to the next (a header has a few hundred), each taken when only blanks
    # precede it on its line: scanning every position for a line start was most of the time
    at = find("#")
    while at >= 0:
        start = rfind("\n", 0, at) + 1
        if start != at and stripped[start:at].strip(" \t\f\v"):
            at = find("#", at + 1)
            continue
        m = match(stripped, start)
        at = find("#", m.end())
        line += count("\n", last, start)
        last = start
        if start >= 2 and stripped[start - 2] == "\\":
            # continues the previous line: not a directive (e.g. inside a multi-line comment)
            continue
        keyword = m.group(1) or ""
        body = m.group(2)
        nl = body.count("\n")
        if nl:
            body = body.replace("\\\n", "")
        end = line + nl
        kind = KINDS.get(keyword, "other")
        text_line = ("#" + keyword + body).strip()
        out.append(Raw(line, end, keyword, kind, body, text_line))
        line = end
        last = m.end()
    return tuple(out), count_lines(text)


def split_lines(text: str) -> list[str]:
    """Physical lines (only '\\n' separates lines; a form feed does not)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def first_name(rest: str) -> str | None:
    m = _NAME.match(rest)
    return m.group(1) if m else None


def parse_define(rest: str) -> tuple[str, tuple[str, ...] | None, bool, str] | None:
    """``NAME(params) body`` -> (name, params or None, variadic, body); None if no name.

    An anonymous ``...`` becomes the parameter ``__VA_ARGS__``; ``args...`` becomes ``args``.
    """
    m = _DEFINE.match(rest)
    if not m:
        return None
    name, plist, body = m.group(1), m.group(2), m.group(3)
    if plist is None:
        return name, None, False, body.strip()
    params = []
    variadic = False
    inner = plist[1:-1].strip()
    if inner:
        for p in inner.split(","):
            p = p.strip()
            if p == "...":
                params.append("__VA_ARGS__")
                variadic = True
            elif p.endswith("..."):
                params.append(p[:-3].strip())
                variadic = True
            else:
                params.append(p)
    return name, tuple(params), variadic, body.strip()


def include_target(rest: str) -> str | None:
    m = _INCLUDE.match(rest)
    return m.group(1) if m else None
