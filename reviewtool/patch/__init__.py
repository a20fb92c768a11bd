"""Unified diffs: parse them into hunks that keep every line's three coordinates.

Each :class:`DiffLine` carries its source (pre-image) line, target (post-image) line and diff line
(1-based line of the diff text it came from) explicitly, as unidiff does: SARIF wants the target line,
the reply mail wants the diff line. Reading is delegated to :mod:`unidiff`; this module adds path
normalisation (``a/``/``b/`` and quilt's ``linux-2.6.21/`` prefixes, paths escaping the tree) and
turns unidiff's exceptions into one-line :class:`~reviewtool.errors.DiffError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import unidiff

from ..errors import DiffError, TreeError
from ..limits import MAX_HUNKS, MAX_LINE_CHARS

def normalize_path(path: str) -> str:
    """Return ``path`` as a clean relative POSIX path or raise :class:`TreeError`.

    Paths name files of a tree; this lives with the diff reader because that is where
    untrusted paths first come in (``../``, absolute, ``.git/``)."""
    if path and "\\" not in path and path[0] != "/" and path[-1] != "/" \
            and "//" not in path and "/." not in "/" + path:
        return path  # no empty, ".", ".." or ".git" part: already clean (nearly every path)
    raw = path.replace("\\", "/")
    if raw.startswith("/"):
        raise TreeError("absolute path outside the tree", path=path)
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise TreeError("path escapes the tree", path=path)
    if any(p.lower() == ".git" for p in parts):  # as git apply: no .git component anywhere
        raise TreeError("path inside .git", path=path)
    return "/".join(parts)


DEV_NULL = "/dev/null"


@dataclass(frozen=True)
class DiffLine:
    kind: str  # ' ', '-', '+'
    text: str  # without the prefix and the newline
    source_line: int | None
    target_line: int | None
    diff_line: int


@dataclass(frozen=True)
class Hunk:
    index: int  # 0-based within its file
    source_start: int
    source_length: int
    target_start: int
    target_length: int
    section: str  # the function name git/diff put after the second @@
    lines: tuple[DiffLine, ...]
    diff_line: int  # line of the @@ header in the diff text

    @property
    def header(self) -> str:
        head = (f"@@ -{self.source_start},{self.source_length} "
                f"+{self.target_start},{self.target_length} @@")
        return f"{head} {self.section}" if self.section else head

    @property
    def before(self) -> list[str]:
        return [line.text for line in self.lines if line.kind in " -"]

    @property
    def after(self) -> list[str]:
        return [line.text for line in self.lines if line.kind in " +"]


@dataclass(frozen=True)
class FilePatch:
    source_path: str | None  # None for a new file
    target_path: str | None  # None for a deleted file
    hunks: tuple[Hunk, ...]
    diff_line: int  # line of the '--- ' header
    is_binary: bool = False
    # A lone "@@ -0,0" hunk under a header that does not say the file is new (no /dev/null,
    # no git "new file mode", no 1970 timestamp): the file is created if the tree lacks it,
    # else the lines are inserted at its top, as GNU patch does (diff -U0 writes such hunks)
    may_be_new: bool = False

    @property
    def path(self) -> str:
        return self.target_path or self.source_path or ""

    @property
    def is_new(self) -> bool:
        return self.source_path is None

    @property
    def is_deleted(self) -> bool:
        return self.target_path is None


@dataclass(frozen=True)
class Patch:
    files: tuple[FilePatch, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.files)


# Path prefixes that mark the two sides of a diff rather than a directory of the tree: git's
# a/ b/, and copies of the tree such as quilt's linux-2.6.21/ or linux.orig/.
_TREE_COPY = re.compile(r"^(a|b|i|w|c|o|old|new|orig|linux[^/]*|[^/]+\.orig|[^/]+-\d[^/]*)$")


def _strip(raw: str, other: str | None) -> str:
    path = raw.split("\t", 1)[0].strip()
    if path.startswith('"') and path.endswith('"'):
        path = path[1:-1]
    parts = path.split("/")
    if len(parts) > 1 and (_TREE_COPY.match(parts[0]) or (
            other and "/" in other and other.split("/")[0] != parts[0])):
        path = "/".join(parts[1:])
    return path


def _clean(raw: str | None, other: str | None, diff_line: int) -> str | None:
    if raw is None or raw.strip().split("\t")[0] == DEV_NULL:
        return None
    stripped = _strip(raw, other)
    try:
        return normalize_path(stripped)
    except TreeError as err:
        raise DiffError(f"diff names a file outside the tree ({err.message})",
                        path=stripped, line=diff_line, text=raw) from None


def _header_says(pfile, raw: str, git_line: str, timestamp: str | None) -> bool:
    """The file header marks the side as absent: /dev/null, git's mode line, or the epoch
    timestamp ``diff -N`` and old quilt write."""
    if raw.strip().split("\t")[0] == DEV_NULL:
        return True
    if any(str(line).startswith(git_line) for line in pfile.patch_info or ()):
        return True
    return bool(timestamp) and timestamp.strip().startswith(("1970-01-01", "1969-12-31"))


def parse_diff(text: str, source: str = "<diff>") -> Patch:
    """Parse unified diff ``text`` (git, quilt or plain ``diff -u`` style) into a :class:`Patch`.

    Raises :class:`DiffError` for a malformed or truncated diff, a path outside the tree, or a
    diff past the bounds of :mod:`reviewtool.limits` (hunks, line length).
    """
    if len(text) > MAX_LINE_CHARS:
        for number, line in enumerate(text.split("\n"), start=1):
            if len(line) > MAX_LINE_CHARS:
                raise DiffError(f"diff line longer than {MAX_LINE_CHARS} characters "
                                "(reviewtool.limits)", path=source, line=number)
    if text.count("\n@@ ") > MAX_HUNKS:
        raise DiffError(f"more than {MAX_HUNKS} hunks (reviewtool.limits)", path=source)
    try:
        patchset = unidiff.PatchSet(text)
    except unidiff.UnidiffParseError as err:
        raise DiffError(f"malformed diff: {err}", path=source) from None
    except (ValueError, IndexError) as err:  # unidiff is not hardened against every input
        raise DiffError(f"malformed diff: {err}", path=source) from None
    if sum(len(pfile) for pfile in patchset) > MAX_HUNKS:
        raise DiffError(f"more than {MAX_HUNKS} hunks (reviewtool.limits)", path=source)
    files = []
    for pfile in patchset:
        first = pfile[0][0].diff_line_no - 3 if len(pfile) and len(pfile[0]) else 0
        src_raw = pfile.source_file
        tgt_raw = pfile.target_file
        src_strip = None if src_raw == DEV_NULL else _strip(src_raw, tgt_raw)
        tgt_strip = None if tgt_raw == DEV_NULL else _strip(tgt_raw, src_raw)
        source_path = _clean(src_raw if src_strip is not None else None, tgt_strip, first)
        target_path = _clean(tgt_raw if tgt_strip is not None else None, src_strip, first)
        # unidiff takes a lone "@@ -0,0" ("+0,0") hunk for a new (deleted) file; only the
        # header can say so: otherwise it inserts at the top (empties the file)
        added = pfile.is_added_file and _header_says(pfile, src_raw, "new file mode",
                                                     pfile.source_timestamp)
        removed = pfile.is_removed_file and _header_says(pfile, tgt_raw, "deleted file mode",
                                                         pfile.target_timestamp)
        if added:
            source_path = None
        if removed:
            target_path = None
        hunks = []
        for index, uhunk in enumerate(pfile):
            lines = tuple(
                DiffLine(kind=line.line_type, text=line.value.rstrip("\n").rstrip("\r"),
                         source_line=line.source_line_no, target_line=line.target_line_no,
                         diff_line=line.diff_line_no)
                for line in uhunk if line.line_type in (" ", "-", "+"))
            header_line = lines[0].diff_line - 1 if lines else 0
            hunks.append(Hunk(index=index, source_start=uhunk.source_start,
                              source_length=uhunk.source_length,
                              target_start=uhunk.target_start,
                              target_length=uhunk.target_length,
                              section=uhunk.section_header.strip(), lines=lines,
                              diff_line=header_line))
        files.append(FilePatch(source_path=source_path, target_path=target_path,
                               hunks=tuple(hunks), diff_line=max(first, 1),
                               is_binary=bool(getattr(pfile, "is_binary_file", False)),
                               may_be_new=pfile.is_added_file and not added))
    if not files:
        raise DiffError("no diff found", path=source)
    return Patch(files=tuple(files))


def reverse_patch(patch: Patch) -> Patch:
    """The patch that undoes ``patch`` (``patch -R``): removed and added lines swapped."""
    files = []
    for fpatch in patch.files:
        hunks = tuple(Hunk(
            index=h.index, source_start=h.target_start, source_length=h.target_length,
            target_start=h.source_start, target_length=h.source_length, section=h.section,
            lines=tuple(DiffLine(kind={"-": "+", "+": "-"}.get(l.kind, l.kind), text=l.text,
                                 source_line=l.target_line, target_line=l.source_line,
                                 diff_line=l.diff_line) for l in h.lines),
            diff_line=h.diff_line) for h in fpatch.hunks)
        files.append(FilePatch(source_path=fpatch.target_path, target_path=fpatch.source_path,
                               hunks=hunks, diff_line=fpatch.diff_line,
                               is_binary=fpatch.is_binary))
    return Patch(files=tuple(files))
