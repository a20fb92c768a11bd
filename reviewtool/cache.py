"""Where reviewtool keeps what it computed, between runs, and how it reads and writes it.

Everything cached is derived from file contents and checked against them before use, so a
stale entry is never served; deleting the directory only costs time. The directory is
``$REVIEWTOOL_CACHE`` when set (``off`` turns caching off), else
``$XDG_CACHE_HOME/reviewtool`` (``~/.cache/reviewtool``). A cache that cannot be read or
written is ignored: the run goes on without it.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .locations import cache_dir

FORMAT = 2  # bump when a cached structure changes shape (2: directory file versions are blob ids)

_READ_ERRORS = (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError,
                ValueError, RecursionError, ImportError, IndexError, KeyError, MemoryError)


def cache_root() -> Path | None:
    """The cache directory, or None when caching is off (:func:`locations.cache_dir`)."""
    found = cache_dir()
    return None if found is None else Path(found)


@contextmanager
def off():
    """``--no-cache``: nothing is read from or written to the cache while inside."""
    before = os.environ.get("REVIEWTOOL_CACHE")
    os.environ["REVIEWTOOL_CACHE"] = "off"
    try:
        yield
    finally:
        if before is None:
            del os.environ["REVIEWTOOL_CACHE"]
        else:
            os.environ["REVIEWTOOL_CACHE"] = before


class DeepRecursion:
    """Nested structures (Kconfig expressions, include chains) need room to pickle."""

    def __enter__(self) -> None:
        self.old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(self.old, 50_000))

    def __exit__(self, *exc: object) -> None:
        sys.setrecursionlimit(self.old)


def load(path: Path) -> Any | None:
    """The object pickled at ``path``, or None (absent, unreadable, another format)."""
    try:
        with DeepRecursion(), open(path, "rb") as handle:
            stored = pickle.load(handle)
    except _READ_ERRORS:
        return None
    if not isinstance(stored, tuple) or len(stored) != 2 or stored[0] != FORMAT:
        return None
    return stored[1]


def save(path: Path, value: Any) -> bool:
    """Pickle ``value`` to ``path`` atomically (a reader sees the old file or the new one)."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with DeepRecursion(), os.fdopen(fd, "wb") as handle:
            pickle.dump((FORMAT, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        return True
    except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False


_CODE_DIGESTS: dict[tuple[str, ...], bytes] = {}


def code_digest(*modules: str) -> bytes:
    """A hash of the source of ``modules`` (paths under the package, ``model/canon.py``):
    what a cached answer was computed by, so that a changed reviewtool never reads what an
    older one stored."""
    found = _CODE_DIGESTS.get(modules)
    if found is None:
        import hashlib
        digest = hashlib.sha1()
        package = Path(__file__).resolve().parent
        for name in modules:
            try:
                digest.update((package / name).read_bytes())
            except OSError:  # not readable (a zipped install): nothing stored is trusted
                digest.update(os.urandom(16))
        found = _CODE_DIGESTS[modules] = digest.digest()
    return found


_WRITERS: list = []


def on_exit(writer) -> None:
    """Run ``writer`` when the process ends (``flush_all``, or at interpreter exit)."""
    if writer not in _WRITERS:
        _WRITERS.append(writer)
        import atexit
        atexit.register(writer)


SMALL_PACK = 2_000  # entries: a pack this small is written in a few milliseconds


def pending(large: bool = False) -> bool:
    """Whether a cache has something new to write (``flush_all`` would write); ``large``:
    something more than a small pack (a fork to write it behind costs ~8 ms, writing the
    pack of the header states last replayed at the top, which every run touches, ~2 ms)."""
    for writer in _WRITERS:
        owner = getattr(writer, "__self__", None)
        if not getattr(owner, "dirty", True):
            continue
        if not large or not isinstance(owner, Pack) or len(owner.data) > SMALL_PACK:
            return True
    return False


def flush_all() -> None:
    """Write every cache that has something new (the command calls this before its quick
    exit, which skips the interpreter's own exit handlers)."""
    for writer in list(_WRITERS):
        writer()


class Pack:
    """A dictionary kept in one file of the cache directory: read whole on first use, written
    back whole (atomically) when the process ends if something was added; the most recently
    used ``limit`` keys are kept. For small derived facts about file versions, where one
    read of the pack is much cheaper than recomputing its entries."""

    def __init__(self, name: str, limit: int):
        self.name, self.limit = name, limit
        self.data: dict = {}
        self.loaded = False
        self.dirty = False

    def _load(self) -> None:
        self.loaded = True
        root = cache_root()
        if root is None:
            return
        stored = load(root / self.name)
        if isinstance(stored, dict):
            self.data = stored
        on_exit(self.flush)

    def load(self) -> None:
        """Read the pack now (a server, before its first request) rather than at first use."""
        if not self.loaded:
            self._load()

    def get(self, key: Any) -> Any | None:
        if not self.loaded:
            self._load()
        return self.data.get(key)

    def put(self, key: Any, value: Any) -> None:
        if not self.loaded:
            self._load()
        self.data.pop(key, None)  # most recent last
        self.data[key] = value
        self.dirty = True

    def flush(self) -> None:
        if not self.dirty:
            return
        root = cache_root()
        if root is None:
            return
        self.dirty = False
        if len(self.data) > self.limit:
            self.data = dict(list(self.data.items())[-self.limit:])
        save(root / self.name, self.data)
