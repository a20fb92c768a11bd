"""Source trees, read-only: a directory, the bundled corpus, or a patched overlay of either.

A tree answers ``read(path)`` with the file's text or ``None`` and never writes anything. Paths are
POSIX, relative to the top of the tree; a path that escapes the tree (``..``, absolute, through a
symlink pointing outside) is refused with :class:`~reviewtool.errors.TreeError`.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

from ..cache import Pack
from ..errors import TreeError
from ..patch import normalize_path  # noqa: F401  (re-exported: trees use it too)
from ..resources import corpus_dir


def git_blob_id(text: str) -> str:
    """The id git gives a blob with this content, so that a patched file's version matches
    the commit that has the same content."""
    data = text.encode("utf-8", errors="surrogateescape")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


_UNKNOWN = object()

# (full path, size/mtime/inode) -> git blob id of a directory tree's file (DirTree.version)
_CONTENT_IDS = Pack("content-ids-1.pickle", 200_000)


class Tree:
    """Interface: ``kind``, ``path``, ``revision``, ``read``, ``exists``, ``walk``."""

    kind = "none"
    path = ""
    revision = ""

    def read(self, path: str) -> str | None:  # pragma: no cover - interface
        raise NotImplementedError

    def exists(self, path: str) -> bool:
        """Without reading the file when the tree can say from its version (a stat, a git
        tree entry); a file already read answers from the read cache."""
        cache = getattr(self, "_cache", None)
        if cache is not None and path in cache:
            return cache[path] is not None
        return self.version(path) is not None

    def version(self, path: str) -> str | None:
        """A string that changes whenever the file's content does, None when absent (caches
        key on it: see reviewtool.variants.memo)."""
        text = self.read(path)
        return None if text is None else git_blob_id(text)

    def refuses(self, path: str) -> str | None:
        """Why a patch may not touch ``path`` (it leaves the tree: ``..``, absolute, ``.git``,
        through a symlink pointing outside), or None. Nothing is read."""
        try:
            normalize_path(path)
        except TreeError as err:
            return err.message
        return None

    def walk(self, suffixes: tuple[str, ...] = (".c", ".h"),
             under: tuple[str, ...] = ()) -> Iterator[str]:  # pragma: no cover
        """Paths of files ending in ``suffixes``, sorted, below the ``under`` directories
        (the whole tree when empty: expensive on a real kernel)."""
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.kind} {self.path}" + (f" @ {self.revision}" if self.revision else "")

    def unchanged(self) -> bool:
        """Whether everything the tree answered so far still holds (see ``kept_tree``);
        a tree that cannot tell says no."""
        return False


class DirTree(Tree):
    kind = "dir"

    def __init__(self, root: str | os.PathLike[str], kind: str = "dir"):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise TreeError("not a directory", path=str(root))
        self.kind = kind
        self.path = str(self.root)
        self._cache: dict[str, str | None] = {}
        self._dirs: dict[str, bool] = {}
        self._versions: dict[str, tuple] = {}  # every stat the tree answered from, full path
        self._content: dict[str, str] = {}  # path -> content id (version())
        self._parents: dict[str, object] = {}  # directories of missed files, as first seen

    def _resolve(self, path: str) -> Path:
        rel = normalize_path(path)
        full = (self.root / rel).resolve()
        if full != self.root and self.root not in full.parents:
            raise TreeError("path leaves the tree through a symlink", path=path)
        return full

    def refuses(self, path: str) -> str | None:
        try:
            self._resolve(path)  # an existing prefix that is a symlink out of the tree
        except TreeError as err:
            return err.message
        except OSError as err:  # a symlink loop
            return f"cannot resolve the path ({err.strerror or err})"
        return None

    def read(self, path: str) -> str | None:
        if path in self._cache:  # the preprocessor asks for the same paths again and again
            return self._cache[path]
        try:
            rel = normalize_path(path)
        except TreeError:
            return None
        if rel in self._cache:
            self._cache[path] = self._cache[rel]
            return self._cache[rel]
        data = None
        if self._stat_known(rel) is not None:  # a regular file, really inside the tree
            try:
                with open(f"{self.path}/{rel}", "rb") as handle:
                    data = handle.read()
            except OSError:
                data = None
        text = None if data is None else data.decode("utf-8", errors="surrogateescape")
        self._cache[rel] = self._cache[path] = text
        if KEEP and text is not None:  # for a git revision of the same file (see _BLOBS)
            remember_blob(self.version(rel), text)
        return text

    def exists(self, path: str) -> bool:
        if path in self._cache:
            return self._cache[path] is not None
        return self._stat_known(path) is not None  # no need for its content id

    def version(self, path: str) -> str | None:
        """The file's content id: git's blob id, so that a file has the same version in this
        tree, in a copy of it and in a git repository of it (the include memo's header
        states and the file facts serve all of them). Remembered in the cache directory per
        file, size, modification time and inode (as git's index tells a changed file): a
        stat, and the file read and hashed only when that changed."""
        stat_version = self._stat_known(path)
        if stat_version is None:
            return None
        content = self._content.get(path)
        if content is None:
            key = (self._versions[path][1], stat_version)
            content = _CONTENT_IDS.get(key)
            if content is None:
                text = self.read(path)
                if text is None:
                    return None
                content = git_blob_id(text)  # the file's bytes (read with surrogateescape)
                _CONTENT_IDS.put(key, content)
            self._content[path] = content
        return content

    def _stat_known(self, path: str) -> str | None:
        """Size, modification time and inode of a regular file inside the tree (None: not
        one). Asked once per path: the tree's answers stay those of the moment it first
        looked (see ``unchanged``)."""
        if self._cache.get(path, "") is None:
            return None
        known = self._versions.get(path)
        if known is None:
            version, full = self._stat_version(path)
            known = self._versions[path] = (version, full)
            if version is None and full is not None:
                parent = os.path.dirname(full)
                if parent not in self._parents:
                    self._parents[parent] = _dir_signature(parent)
        return known[0]

    def unchanged(self) -> bool:
        """Whether every answer the tree gave is still true of the directory: each file it
        looked at has the same version, each file it missed is still missing, each directory
        is in the same place. A long-running process (``reviewtool server``) keeps a tree, and
        what it derived from it, only while this holds. A file missed is checked through its
        directory: one whose modification time and inode are those seen at the first miss in
        it has had no entry created, removed or renamed since."""
        for rel_dir, inside in self._dirs.items():
            if self._inside(os.path.realpath(f"{self.path}/{rel_dir}" if rel_dir
                                             else self.path)) != inside:
                return False
        moved = {d for d, sig in self._parents.items() if _dir_signature(d) != sig}
        for path, (version, full) in self._versions.items():
            if full is None:
                continue  # not a path of the tree at all
            if version is None:
                if os.path.dirname(full) in moved and self._stat_version(path)[0] is not None:
                    return False
                continue
            try:
                info = os.lstat(full)
            except OSError:
                return False
            if stat.S_ISREG(info.st_mode):
                if f"stat:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}" != version:
                    return False
            elif self._stat_version(path)[0] != version:  # a symlink: follow it
                return False
        return True

    def _stat_version(self, path: str) -> tuple[str | None, str | None]:
        """(version, the file's full path; None for a path outside the tree)."""
        try:
            rel = normalize_path(path)
        except (TreeError, ValueError):
            return None, None
        full = f"{self.path}/{rel}"
        try:
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                if not self._inside(os.path.realpath(full)):
                    return None, full  # read() refuses it too
                info = os.stat(full)
            if not self._inside_dir(posixpath.dirname(rel)):
                return None, full
        except (OSError, ValueError):
            return None, full
        if not stat.S_ISREG(info.st_mode):
            return None, full
        return f"stat:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}", full

    def _inside(self, real: str) -> bool:
        return real == self.path or real.startswith(self.path + os.sep)

    def _inside_dir(self, rel_dir: str) -> bool:
        """Whether a directory of the tree really lies inside it (no symlink out), per
        directory once."""
        known = self._dirs.get(rel_dir)
        if known is None:
            known = self._dirs[rel_dir] = self._inside(
                os.path.realpath(f"{self.path}/{rel_dir}" if rel_dir else self.path))
        return known

    def walk(self, suffixes: tuple[str, ...] = (".c", ".h"),
             under: tuple[str, ...] = ()) -> Iterator[str]:
        for start in ([self.root / u.rstrip("/") for u in under] if under else [self.root]):
            yield from self._walk(start, suffixes)

    def _walk(self, start: Path, suffixes: tuple[str, ...]) -> Iterator[str]:
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(suffixes):
                    yield Path(dirpath, name).relative_to(self.root).as_posix()


def _dir_signature(path: str, racy_ns: int = 2_000_000_000) -> object:
    """Modification time and inode of a directory (None: absent). A directory modified in
    the last two seconds could change again within the same clock tick without its time
    moving (git's "racy" entries): its signature then matches nothing, not even itself."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None
    if time.time_ns() - info.st_mtime_ns < racy_ns:
        return object()
    return f"{info.st_mtime_ns}:{info.st_ino}"


class NoTree(Tree):
    """No tree at all (``--no-tree``): every read misses."""

    kind = "none"

    def read(self, path: str) -> str | None:
        return None

    def walk(self, suffixes: tuple[str, ...] = (".c", ".h"),
             under: tuple[str, ...] = ()) -> Iterator[str]:
        return iter(())


def corpus_tree() -> DirTree:
    return kept_tree(("corpus", str(corpus_dir())),
                     lambda: DirTree(corpus_dir() / "tree", kind="corpus"))


# Trees kept between commands by a long-running process (reviewtool.server raises KEEP): a
# kept tree carries every cache keyed on it (units, include resolution, memo verdicts), and it
# is handed out again only while ``unchanged()`` says its answers still hold.
KEEP = 0
_KEPT: dict[tuple, Tree] = {}


# Texts by git blob id, shared by the trees such a process keeps: the first review of a git
# revision reads blobs (from pack files: deltas inflated) of headers that a directory tree of
# the same files, or another revision, has read already. Bounded by their length.
_BLOBS: dict[str, str] = {}
_BLOB_CHARS = [0]
MAX_BLOB_CHARS = 64 << 20


def remember_blob(blob_id: str | None, text: str | None) -> None:
    """Keep ``text`` as the content of ``blob_id`` (only while trees are kept: KEEP)."""
    if not KEEP or blob_id is None or text is None or blob_id in _BLOBS:
        return
    _BLOBS[blob_id] = text
    _BLOB_CHARS[0] += len(text)
    while _BLOB_CHARS[0] > MAX_BLOB_CHARS and len(_BLOBS) > 1:
        _BLOB_CHARS[0] -= len(_BLOBS.pop(next(iter(_BLOBS))))


def known_blob(blob_id: str) -> str | None:
    return _BLOBS.get(blob_id)


def kept_tree(key: tuple, make) -> Tree:
    """The tree ``make()`` would give for ``key`` (("dir", path), ("git", repo, commit)...):
    the kept one when it is still true to its files, else a new one."""
    if not KEEP:
        return make()
    tree = _KEPT.pop(key, None)
    if tree is None or not tree.unchanged():
        tree = make()
    _KEPT[key] = tree  # most recently used last
    while len(_KEPT) > KEEP:
        del _KEPT[next(iter(_KEPT))]
    return tree


def kept(key: tuple) -> Tree | None:
    """The tree kept for ``key``, if any, without handing it out (``kept_tree`` does that)."""
    return _KEPT.get(key)


def is_kernel_tree(root: str | os.PathLike[str]) -> bool:
    """A directory looks like a kernel tree when it has the top-level Kconfig/Makefile and arch/."""
    base = Path(root)
    return (base / "arch").is_dir() and (base / "Makefile").is_file() and (
        (base / "Kconfig").is_file() or (base / "init").is_dir())



@dataclass(eq=False)  # identity: caches key on the tree object
class OverlayTree(Tree):
    """A tree with some files replaced (the post-image of a patch) or deleted (``None``)."""

    base: Tree
    changes: Mapping[str, str | None] = field(default_factory=dict)
    _versions: dict = field(default_factory=dict, init=False, repr=False)

    @property
    def kind(self) -> str:  # type: ignore[override]
        return self.base.kind

    @property
    def path(self) -> str:  # type: ignore[override]
        return self.base.path

    @property
    def revision(self) -> str:  # type: ignore[override]
        return self.base.revision

    def read(self, path: str) -> str | None:
        if path in self.changes:
            return self.changes[path]
        return self.base.read(path)

    def exists(self, path: str) -> bool:
        if path in self.changes:
            return self.changes[path] is not None
        exists = getattr(self.base, "exists", None)  # a test's stand-in tree may lack it
        return exists(path) if exists is not None else self.base.read(path) is not None

    def version(self, path: str) -> str | None:
        known = self._versions.get(path, _UNKNOWN)
        if known is _UNKNOWN:
            if path in self.changes:
                text = self.changes[path]
                known = None if text is None else git_blob_id(text)
            else:  # a series stacks one overlay per patch: remember, do not recurse again
                version = getattr(self.base, "version", None)
                known = version(path) if version is not None else Tree.version(self, path)
            self._versions[path] = known
        return known

    def refuses(self, path: str) -> str | None:
        refuses = getattr(self.base, "refuses", None)  # a test's stand-in tree may lack it
        return refuses(path) if refuses is not None else Tree.refuses(self, path)

    def walk(self, suffixes: tuple[str, ...] = (".c", ".h"),
             under: tuple[str, ...] = ()) -> Iterator[str]:
        seen = set()
        prefixes = tuple(u.rstrip("/") + "/" for u in under)
        for p in self.base.walk(suffixes, under):
            seen.add(p)
            if self.changes.get(p, "") is not None:
                yield p
        for p, text in sorted(self.changes.items()):
            if p not in seen and text is not None and p.endswith(suffixes) and (
                    not prefixes or p.startswith(prefixes)):
                yield p
