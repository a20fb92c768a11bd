"""Partial pre- and post-images built from a diff alone, for review without a tree.

Each hunk's lines are placed at their own line numbers (context and removed lines in the
pre-image, context and added lines in the post-image); every other line is blank, so line
numbers stay true. A conditional whose ``#if`` lies before the first hunk shows up as an
``#else``/``#elif``/``#endif`` with no opening: :func:`balance` blanks those and says which
hunks they sit in, because there the enclosing condition is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import FilePatch

_OPEN = re.compile(r"^\s*#\s*if(n?def)?\b")
_MIDDLE = re.compile(r"^\s*#\s*(else|elif)\b")
_CLOSE = re.compile(r"^\s*#\s*endif\b")


@dataclass(frozen=True)
class PartialImage:
    text: str
    unknown_lines: frozenset[int]  # lines whose enclosing #if the diff does not show


def _close_comments(texts: list[str]) -> list[str]:
    """A hunk may start inside a ``/* ... */`` comment or stop before its end: blank the
    fragment whose other half is outside, so it cannot swallow the hunk's directives."""
    out = list(texts)
    # a leading "*/" closes a comment opened before the hunk
    for i, text in enumerate(out):
        if "/*" in text and ("*/" not in text or text.index("/*") < text.index("*/")):
            break
        if "*/" in text:
            for j in range(i):
                out[j] = ""
            out[i] = text[text.index("*/") + 2:]
            break
    # a trailing "/*" opens a comment that ends after the hunk
    open_at = None
    for i, text in enumerate(out):
        position = 0
        while True:
            if open_at is None:
                start = text.find("/*", position)
                if start < 0:
                    break
                open_at, position = (i, start), start + 2
            else:
                end = text.find("*/", position if i == open_at[0] else 0)
                if end < 0:
                    break
                open_at, position = None, end + 2
    if open_at is not None:
        line, column = open_at
        out[line] = out[line][:column]
        for j in range(line + 1, len(out)):
            out[j] = ""
    return out


def _image(fpatch: FilePatch, side: str) -> list[str]:
    kinds = " -" if side == "source" else " +"
    numbered = []
    for hunk in fpatch.hunks:
        lines = [line for line in hunk.lines if line.kind in kinds]
        texts = _close_comments([line.text for line in lines])
        for line, text in zip(lines, texts):
            number = line.source_line if side == "source" else line.target_line
            if number:
                numbered.append((number, text))
    size = max((n for n, _ in numbered), default=0)
    lines = [""] * size
    for number, text in numbered:
        lines[number - 1] = text
    return lines


def balance(lines: list[str]) -> tuple[list[str], frozenset[int]]:
    """Blank the conditionals opened or closed outside what the diff shows; return the lines
    and the line numbers whose enclosing condition is therefore unknown."""
    out = list(lines)
    depth = 0
    unknown: set[int] = set()
    outside = 0  # conditionals opened before the first hunk that are still open
    for number, text in enumerate(lines, 1):
        if _OPEN.match(text):
            depth += 1
        elif _MIDDLE.match(text):
            if depth == 0:
                out[number - 1] = ""
                outside = max(outside, 1)
        elif _CLOSE.match(text):
            if depth == 0:
                out[number - 1] = ""
                outside = max(outside - 1, 0)
                # everything up to here sat inside a conditional the diff does not show
                unknown.update(range(1, number + 1))
            else:
                depth -= 1
        if outside:
            unknown.add(number)
    if depth:  # opened in a hunk, closed after the last one
        for number in range(len(lines), 0, -1):
            if depth == 0:
                break
            if _OPEN.match(lines[number - 1]):
                out[number - 1] = ""
                depth -= 1
                unknown.update(range(number, len(lines) + 1))
    return out, frozenset(unknown)


def partial_images(fpatch: FilePatch) -> tuple[PartialImage, PartialImage]:
    before, unknown_before = balance(_image(fpatch, "source"))
    after, unknown_after = balance(_image(fpatch, "target"))
    return (PartialImage("\n".join(before) + "\n", unknown_before),
            PartialImage("\n".join(after) + "\n", unknown_after))
