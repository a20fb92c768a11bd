"""Locating hunks inside a mail's diff text, for quoting. Formatting only: the diff was parsed
long before; this just finds line ranges again in the text being quoted."""

from __future__ import annotations

import re

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")
_FILE_START = re.compile(r"^(?:diff --git |Index: |={20,}$|--- )")


def hunk_ranges(diff: str) -> list[tuple[int, int]]:
    """1-based (first, last) diff lines of every hunk, header included."""
    lines = diff.split("\n")
    ranges = []
    start = None
    for number, line in enumerate(lines, 1):
        if _HUNK.match(line):
            if start is not None:
                ranges.append((start, number - 1))
            start = number
        elif start is not None and _FILE_START.match(line) and not line.startswith("--- a"):
            if line.startswith("--- ") and number < len(lines) and \
                    not lines[number].startswith("+++ "):
                continue
            ranges.append((start, number - 1))
            start = None
    if start is not None:
        end = len(lines)
        while end > start and not lines[end - 1].strip():
            end -= 1
        ranges.append((start, end))
    return [(a, _trim(lines, a, b)) for a, b in ranges]


def _trim(lines: list[str], first: int, last: int) -> int:
    while last > first and (not lines[last - 1] or lines[last - 1] in ("-- ", "--")):
        last -= 1
    return last


def file_header(diff: str, hunk_first: int) -> list[int]:
    """Diff lines of the ``--- a/...``/``+++ b/...`` pair the hunk belongs to."""
    lines = diff.split("\n")
    for number in range(hunk_first - 1, 0, -1):
        if lines[number - 1].startswith("+++ ") and number > 1 and \
                lines[number - 2].startswith("--- "):
            return [number - 1, number]
    return []
