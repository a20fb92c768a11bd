"""Kconfig models kept between runs: reading Linux 6.1's Kconfig takes seconds (kconfiglib
parses 1,700 files, then every symbol is converted), and it does not change between reviews.

The key is the tree's identity: a git revision, or for a directory the size and modification
time of every Kconfig file kconfiglib read (a changed file is never served stale). The model
is pickled under ``kconfig/`` in the cache directory (:mod:`reviewtool.cache`); a cache that
cannot be read or written is ignored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path
from types import MappingProxyType

from ..cache import cache_root, load, save
from .kconfig import KconfigModel, read_kconfig

_PROXIES = ("symbols", "choices", "choice_info", "readers")
MIN_FILES = 50  # small trees (the bundled corpus) are read directly


def cache_dir() -> Path | None:
    root = cache_root()
    return None if root is None else root / "kconfig"


def _name(*parts: object) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()


def _stamps(root: str, files) -> tuple:
    """(path, size, modification time) of each Kconfig file; a missing file stamps None."""
    out = []
    for rel in files:
        try:
            info = os.stat(os.path.join(root, rel))
        except OSError:
            out.append((rel, None, None))
            continue
        out.append((rel, info.st_size, info.st_mtime_ns))
    return tuple(out)


def _to_plain(model: KconfigModel) -> KconfigModel:
    return dataclasses.replace(model, **{f: dict(getattr(model, f)) for f in _PROXIES})


def _from_plain(model: KconfigModel) -> KconfigModel:
    return dataclasses.replace(model, **{f: MappingProxyType(getattr(model, f))
                                         for f in _PROXIES})


def read_kconfig_cached(tree, arch: str = "i386") -> KconfigModel | None:
    """The tree's Kconfig model, from the cache when the files it was read from are
    unchanged. A git revision is its own key; for a directory, an index per (tree, arch)
    lists the Kconfig files kconfiglib read with their size and modification time (a new
    Kconfig file only counts once an existing one sources it, and then that one changed)."""
    directory = cache_dir()
    root = getattr(tree, "root", None)
    if directory is None or (tree.kind != "git" and root is None):
        return read_kconfig(tree, arch)
    if tree.kind == "git":
        index_path = None
        model_path = directory / f"{_name(arch, 'git', tree.revision)}.pickle"
    else:
        index_path = directory / f"{_name(arch, tree.kind, root)}.index"
        index = load(index_path)
        model_path = None
        if isinstance(index, tuple) and len(index) == 2 and \
                _stamps(str(root), [entry[0] for entry in index[0]]) == index[0]:
            model_path = directory / index[1]
    if model_path is not None:
        stored = load(model_path)
        if isinstance(stored, KconfigModel):
            return _from_plain(stored)
    model = read_kconfig(tree, arch)
    if model is None:
        return None
    if index_path is None:
        save(model_path, _to_plain(model))
    elif len(model.files) >= MIN_FILES:
        stamps = _stamps(str(root), model.files)
        name = f"{_name(arch, tree.kind, root, stamps)}.pickle"
        if save(directory / name, _to_plain(model)):
            save(index_path, (stamps, name))
    return model
