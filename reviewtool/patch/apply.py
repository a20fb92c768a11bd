"""Apply a parsed diff in memory, with the offsets and fuzz GNU ``patch`` tolerates.

Nothing is written anywhere: :func:`apply_file` takes the pre-image text and returns the post-image
text plus, per hunk, where it landed (offset, fuzz) or why it failed. A failed hunk is left out (as
``patch`` leaves a ``.rej``) and the others still apply.

Written here rather than taken from a library because reviewtool needs, for every hunk, the
line where it landed and the maps between pre-image, post-image and diff lines; ``patch-ng`` works
on files on disk and ``whatthepatch.apply_diff`` has no offset search or fuzz.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from . import FilePatch, Hunk

MAX_FUZZ = 2  # GNU patch's default


@dataclass(frozen=True)
class HunkResult:
    hunk: Hunk
    applied: bool
    offset: int = 0  # lines between where the header said and where it applied
    fuzz: int = 0  # context lines ignored at each end
    source_at: int = 0  # 1-based pre-image line where the hunk's first line matched
    target_at: int = 0  # 1-based post-image line where the hunk's first line landed
    reason: str = ""

    @property
    def status(self) -> str:
        if not self.applied:
            return "failed"
        if self.fuzz:
            return f"applied with fuzz {self.fuzz}"
        if self.offset:
            return f"applied at offset {self.offset:+d}"
        return "applied"


@dataclass(frozen=True)
class FileResult:
    patch: FilePatch
    before: str | None  # pre-image text (None: file is new)
    after: str | None  # post-image text (None: file deleted, or could not be patched)
    hunks: tuple[HunkResult, ...]
    added: frozenset[int] = frozenset()  # post-image lines the patch added
    removed: frozenset[int] = frozenset()  # pre-image lines the patch removed
    target_to_diff: dict[int, int] = field(default_factory=dict)  # post-image line -> diff line
    source_to_diff: dict[int, int] = field(default_factory=dict)  # pre-image line -> diff line
    target_to_source: dict[int, int] = field(default_factory=dict)  # unchanged lines, post -> pre

    @property
    def applied(self) -> bool:
        return all(h.applied for h in self.hunks)

    @property
    def path(self) -> str:
        return self.patch.path


def _split(text: str) -> tuple[list[str], bool]:
    """Lines without their newline, and whether the text ended with one."""
    if text == "":
        return [], True
    ends = text.endswith("\n")
    lines = text.split("\n")
    if ends:
        lines.pop()
    return lines, ends


def _matches(lines: list[str], at: int, want: list[str]) -> bool:
    if at < 0 or at + len(want) > len(lines):
        return False
    for i, text in enumerate(want):
        if lines[at + i] != text:
            return False
    return True


def _index(lines: list[str]) -> dict[str, list[int]]:
    """Line text -> the positions where it occurs, ascending."""
    index: dict[str, list[int]] = {}
    for at, text in enumerate(lines):
        index.setdefault(text, []).append(at)
    return index


def _search(lines: list[str], want: list[str], expected: int, floor: int,
            index: dict[str, list[int]] | None = None) -> int | None:
    """Nearest position >= floor where ``want`` matches, searching outwards from ``expected``
    (at equal distance, after it before before it). With ``index`` only the places where the
    rarest wanted line occurs are tried: a hunk that matches nowhere costs the occurrences of
    one line, not the whole file (10,000 failing hunks on a big file took minutes)."""
    if not want:
        return max(min(expected, len(lines)), floor)
    if index is None:
        index = _index(lines)
    anchor = min(range(len(want)), key=lambda k: len(index.get(want[k], ())))
    positions = index.get(want[anchor], [])
    target = expected + anchor  # where the anchor line would be
    right = bisect.bisect_left(positions, target)
    left = right - 1
    while left >= 0 or right < len(positions):
        # outwards from the target: the nearer side first, at a tie the later position
        if right < len(positions) and (left < 0 or
                                       positions[right] - target <= target - positions[left]):
            at = positions[right] - anchor
            right += 1
        else:
            at = positions[left] - anchor
            left -= 1
            if at < floor:
                left = -1  # everything further back is below the floor too
                continue
        if at >= floor and _matches(lines, at, want):
            return at
    return None


def _context_trim(hunk: Hunk, fuzz: int) -> tuple[int, int]:
    """How many leading/trailing lines fuzz may drop: only context lines, at most ``fuzz``."""
    lead = 0
    while lead < fuzz and lead < len(hunk.lines) and hunk.lines[lead].kind == " ":
        lead += 1
    trail = 0
    while (trail < fuzz and trail < len(hunk.lines) - lead
           and hunk.lines[len(hunk.lines) - 1 - trail].kind == " "):
        trail += 1
    return lead, trail


def apply_file(fpatch: FilePatch, before: str | None) -> FileResult:
    """Apply every hunk of ``fpatch`` to ``before`` (``None`` when the file does not exist)."""
    if fpatch.is_binary:
        reason = "binary diff: not applied"
        return FileResult(fpatch, before, before,
                          tuple(HunkResult(h, False, reason=reason) for h in fpatch.hunks))
    if before is None and not fpatch.is_new and not fpatch.may_be_new:
        reason = f"{fpatch.source_path} is not in the tree"
        return FileResult(fpatch, None, None,
                          tuple(HunkResult(h, False, reason=reason) for h in fpatch.hunks))
    if before is not None and fpatch.is_new:
        reason = f"{fpatch.target_path} already exists in the tree"
        return FileResult(fpatch, before, before,
                          tuple(HunkResult(h, False, reason=reason) for h in fpatch.hunks))

    lines, ends_nl = _split(before or "")
    index = _index(lines)  # where each line occurs: the hunk search tries only those
    out: list[str] = []
    # Source positions of the out lines that are unchanged from the pre-image.
    origin: list[int | None] = []
    diff_of: list[int | None] = []
    results: list[HunkResult] = []
    removed: set[int] = set()
    source_to_diff: dict[int, int] = {}
    cursor = 0  # next pre-image index not yet copied
    drift = 0  # offset of the previous hunk, carried forward as patch does

    for hunk in fpatch.hunks:
        placed = None
        for fuzz in range(MAX_FUZZ + 1):
            lead, trail = _context_trim(hunk, fuzz)
            if fuzz and lead + trail == 0:
                continue
            body = hunk.lines[lead:len(hunk.lines) - trail]
            want = [line.text for line in body if line.kind in " -"]
            start = hunk.source_start - 1 if hunk.source_length else hunk.source_start
            expected = start + lead + drift
            at = _search(lines, want, expected, cursor, index)
            if at is not None:
                placed = (at, fuzz, body, expected)
                break
        if placed is None:
            results.append(HunkResult(hunk, False, reason=_why(lines, hunk, cursor, index)))
            continue
        at, fuzz, body, expected = placed
        offset = at - (expected - drift)
        drift = offset
        for i in range(cursor, at):
            out.append(lines[i])
            origin.append(i + 1)
            diff_of.append(None)
        target_at = len(out) + 1
        src = at
        for line in body:
            if line.kind == " ":
                out.append(lines[src])
                origin.append(src + 1)
                diff_of.append(line.diff_line)
                source_to_diff[src + 1] = line.diff_line
                src += 1
            elif line.kind == "-":
                removed.add(src + 1)
                source_to_diff[src + 1] = line.diff_line
                src += 1
            else:
                out.append(line.text)
                origin.append(None)
                diff_of.append(line.diff_line)
        cursor = src
        results.append(HunkResult(hunk, True, offset=offset, fuzz=fuzz, source_at=at + 1,
                                  target_at=target_at))
    for i in range(cursor, len(lines)):
        out.append(lines[i])
        origin.append(i + 1)
        diff_of.append(None)

    if fpatch.is_deleted and all(r.applied for r in results):
        after = None
    else:
        after = "\n".join(out) + ("\n" if out and ends_nl else "")
    added = frozenset(i + 1 for i, o in enumerate(origin) if o is None)
    return FileResult(
        patch=fpatch, before=before, after=after, hunks=tuple(results), added=added,
        removed=frozenset(removed),
        target_to_diff={i + 1: d for i, d in enumerate(diff_of) if d is not None},
        source_to_diff=source_to_diff,
        target_to_source={i + 1: o for i, o in enumerate(origin) if o is not None},
    )


def _why(lines: list[str], hunk: Hunk, cursor: int,
         index: dict[str, list[int]] | None = None) -> str:
    """Say which expected line is missing, the way a reviewer would look for it."""
    want = [line for line in hunk.lines if line.kind in " -"]
    if not want:
        return "nothing to anchor the hunk to"
    start = max(hunk.source_start - 1, 0)
    for i, line in enumerate(want):
        at = start + i
        if at >= len(lines):
            return (f"file has {len(lines)} lines, hunk expects line {at + 1}: "
                    f"{line.text.strip()!r}")
        if lines[at] != line.text:
            found = (any(at >= cursor for at in index.get(line.text, ())) if index is not None
                     else any(text == line.text for text in lines[cursor:]))
            detail = "found elsewhere, out of order" if found else "not in the file"
            return (f"line {at + 1} is {lines[at].strip()!r}, expected "
                    f"{line.text.strip()!r} ({detail})")
    return "context does not match"
