"""Source trees, read-only: a directory, the bundled corpus, or a patched overlay of either.

A tree answers ``read(path)`` with the file's text or ``None`` and never writes anything. Paths are
POSIX, relative to the top of the tree; a path that escapes the tree (``..``, absolute, through a
symlink pointing outside) is refused with :class:`~reviewtool.errors.TreeError`.
"""

from __future__ import annotations

import errno
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
        self._links: set[str] = set()  # paths answered from that are symbolic links
        self._stamped: dict[str, tuple] = {}  # stamp(): path -> (size, modification time)
        self._watch: _Watch | None = None  # see arm()
        self._unwatched = False  # no watch could be had: every check looks at every file
        self._armed = (0, 0, 0, 0)  # how many of each kind of answer the watch covers

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

    def stamp(self, path: str) -> tuple[int | None, int | None]:
        """(size, modification time) of a file (None, None: none there), what the Kconfig
        cache keys a model on, asked of the tree so that ``unchanged`` covers the Kconfig
        files too and a kept tree answers from memory. A stat only: nothing is read, so
        the directories are not checked as a read's are (1,500 Kconfig files in as many
        directories: their real paths made ``unchanged`` four times slower)."""
        known = self._stamped.get(path)
        if known is None:
            known = self._stamped[path] = stat_stamp(f"{self.path}/{path}")
        return known

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
        it has had no entry created, removed or renamed since. Once armed (``arm``), a watch
        with no event since, over the same answers, says so without looking again."""
        watch = self._watch
        if watch is not None and self._armed == self._counts() and watch.quiet():
            return True
        return self._still(self._dirs.items(), self._parents.items(), self._versions.items(),
                           self._stamped.items())

    def _counts(self) -> tuple[int, int, int, int]:
        return len(self._versions), len(self._parents), len(self._dirs), len(self._stamped)

    def _still(self, dirs, parents, versions, stamped) -> bool:
        """Whether these answers (items of ``_dirs``, ``_parents``, ``_versions`` and
        ``_stamped``) hold."""
        for path, known in stamped:
            if stat_stamp(f"{self.path}/{path}") != known:
                return False
        for rel_dir, inside in dirs:
            if self._inside(os.path.realpath(f"{self.path}/{rel_dir}" if rel_dir
                                             else self.path)) != inside:
                return False
        moved = {d for d, sig in parents if _dir_signature(d) != sig}
        for path, (version, full) in versions:
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

    def arm(self) -> bool:
        """Watch (Linux inotify) every directory the tree's answers came from, and the ones
        above them, so that ``unchanged`` can trust a quiet watch instead of a stat per file
        (a server checks its kept tree before each request: 2,300 files looked at and 1,500
        Kconfig files, ~15 ms). The answers given since the last arm are checked now, after
        their directories are watched: a change after that is an event. False: the tree no
        longer holds. Where inotify is missing or full, nothing is watched (``unchanged``
        looks at every file, as before)."""
        counts = self._counts()
        if self._armed == counts:
            return True
        if self._watch is None and not self._unwatched and not any(self._armed):
            self._watch = _Watch.open()  # only from the first answer: a watch opened later
            self._unwatched = self._watch is None  # would miss the directories before
        watch = self._watch
        nv, np_, nd, ns = self._armed
        versions = list(self._versions.items())[nv:]
        parents = list(self._parents.items())[np_:]
        dirs = list(self._dirs.items())[nd:]
        stamped = list(self._stamped.items())[ns:]
        if watch is not None:
            places = {os.path.dirname(full) for _, (_, full) in versions if full is not None}
            places |= {d for d, _ in parents}
            places |= {os.path.dirname(f"{self.path}/{path}") for path, _ in stamped}
            for path in self._links:
                places.add(os.path.dirname(os.path.realpath(f"{self.path}/{path}")))
            if not all(watch.add_within(place, self.path) for place in places):
                watch.close()  # never again for this tree (see above)
                self._watch, self._unwatched = None, True
        if not self._still(dirs, parents, versions, stamped):
            return False
        self._armed = counts
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
                self._links.add(path)  # arm() watches where it points too
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


def stat_stamp(full: str) -> tuple[int | None, int | None]:
    """(size, modification time) of the file at ``full``, following links; (None, None):
    none there."""
    try:
        info = os.stat(full)
    except OSError:
        return None, None
    return info.st_size, info.st_mtime_ns


# inotify events that change what a directory holds or a file in it says (not reads)
_IN_MASK = (0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800)
# IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE, IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE,
# IN_DELETE_SELF, IN_MOVE_SELF


class _Watch:
    """An inotify instance (through libc with ctypes: the standard library has no binding)
    over the directories a kept tree answered from. ``quiet`` says whether nothing happened
    in any of them since it was last asked."""

    def __init__(self, fd: int, add, errno_of) -> None:
        self.fd, self._add, self._errno = fd, add, errno_of
        self.dirs: set[str] = set()

    @classmethod
    def open(cls) -> "_Watch | None":
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            init, add = libc.inotify_init1, libc.inotify_add_watch
            add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
            fd = init(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError, ImportError):  # not Linux, no libc
            return None
        return cls(fd, add, ctypes.get_errno) if fd >= 0 else None

    def add_within(self, directory: str, top: str) -> bool:
        """Watch ``directory`` and each directory above it up to ``top`` (a rename there
        moves it; a directory that is not there is created in the one above); False when
        the watch cannot (the limit of watches reached)."""
        while directory not in self.dirs:
            if self.fd < 0:
                return False
            if self._add(self.fd, os.fsencode(directory), _IN_MASK) >= 0:
                self.dirs.add(directory)
            elif self._errno() not in (errno.ENOENT, errno.ENOTDIR):
                return False
            if directory == top or not directory.startswith(top + os.sep):
                break
            directory = os.path.dirname(directory)
        return True

    def quiet(self) -> bool:
        """No event since the last call (what came is read away: the caller looks again)."""
        if self.fd < 0:
            return False
        came = False
        while True:
            try:
                came = bool(os.read(self.fd, 1 << 16)) or came
            except BlockingIOError:
                return not came
            except OSError:
                self.close()
                return False

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __del__(self) -> None:
        self.close()


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


def arm_kept() -> None:
    """Arm the watch of every kept tree that has one (``DirTree.arm``), dropping a tree
    that no longer holds: a server does this between requests, after the client has its
    answer."""
    for key, tree in list(_KEPT.items()):
        arm = getattr(tree, "arm", None)
        if arm is not None and not arm():
            del _KEPT[key]


def still_kept(tree: Tree) -> bool:
    """Whether ``tree``, or the tree under its overlays (a patch's post-image, a series'
    stack of them), is one the process keeps (``kept_tree``)."""
    tree = _under_overlays(tree)
    return any(_under_overlays(kept) is tree for kept in _KEPT.values())


def _under_overlays(tree: Tree) -> Tree:
    while isinstance(tree, OverlayTree):
        tree = tree.base
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
