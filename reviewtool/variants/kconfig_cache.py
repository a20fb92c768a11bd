"""Kconfig models kept between runs: reading Linux 6.1's Kconfig takes seconds (kconfiglib
parses 1,700 files, then every symbol is converted), and it does not change between reviews.

The key is the tree's identity: a git revision, or for a directory the path, size and
modification time of every ``Kconfig*`` file (a changed file is never served stale). The model
is pickled under ``kconfig/`` in the cache directory (:mod:`reviewtool.cache`); a cache that
cannot be read or written is ignored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import sys
from pathlib import Path
from types import MappingProxyType

from ..cache import cache_root
from .kconfig import KconfigModel, read_kconfig

_PROXIES = ("symbols", "choices", "choice_info", "readers")
MIN_FILES = 50  # small trees (the bundled corpus) are read directly


def cache_dir() -> Path | None:
    root = cache_root()
    return None if root is None else root / "kconfig"


def _key(tree, arch: str) -> str | None:
    digest = hashlib.sha256(f"{arch}\0{tree.kind}\0".encode())
    if tree.kind == "git":
        digest.update(tree.revision.encode())
        return digest.hexdigest()
    root = getattr(tree, "root", None)
    if root is None:
        return None
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("Kconfig"):
                path = os.path.join(dirpath, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
                count += 1
    return digest.hexdigest() if count >= MIN_FILES else None


def _to_plain(model: KconfigModel) -> KconfigModel:
    return dataclasses.replace(model, **{f: dict(getattr(model, f)) for f in _PROXIES})


def _from_plain(model: KconfigModel) -> KconfigModel:
    return dataclasses.replace(model, **{f: MappingProxyType(getattr(model, f))
                                         for f in _PROXIES})


class _DeepRecursion:
    """Kconfig expressions nest deeply (long ``||`` chains): pickle needs the room."""

    def __enter__(self):
        self.old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(self.old, 50_000))

    def __exit__(self, *exc):
        sys.setrecursionlimit(self.old)


def read_kconfig_cached(tree, arch: str = "i386") -> KconfigModel | None:
    key = _key(tree, arch) if cache_dir() is not None else None
    if key is None:
        return read_kconfig(tree, arch)
    path = cache_dir() / f"{key}.pickle"
    try:
        with _DeepRecursion(), open(path, "rb") as handle:
            return _from_plain(pickle.load(handle))
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError,
            ValueError, RecursionError):
        pass
    model = read_kconfig(tree, arch)
    if model is not None:
        tmp = path.with_suffix(".tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with _DeepRecursion(), open(tmp, "wb") as handle:
                pickle.dump(_to_plain(model), handle, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
    return model
