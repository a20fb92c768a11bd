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
import pickle
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from ..cache import DeepRecursion, cache_root, load, save
from ..tree import stat_stamp
from .kconfig import KconfigModel, KSymbol, read_kconfig

_PROXIES = ("symbols", "choices", "choice_info", "readers")
MIN_FILES = 50  # small trees (the bundled corpus) are read directly


def cache_dir() -> Path | None:
    root = cache_root()
    return None if root is None else root / "kconfig"


FORMAT = 3  # 2: symbols pickled one by one; 3: a model has its content digest


def _name(*parts: object) -> str:
    return hashlib.sha256("\0".join(map(str, (FORMAT,) + parts)).encode()).hexdigest()


def _stamps(root: str, files, tree=None) -> tuple:
    """(path, size, modification time) of each Kconfig file; a missing file stamps None.
    A tree that stamps files itself (DirTree.stamp) is asked: a kept tree answers from
    memory while it is unchanged, which it checks for these files too."""
    stamp = getattr(tree, "stamp", None)
    if stamp is not None:
        return tuple((rel,) + stamp(rel) for rel in files)
    return tuple((rel,) + stat_stamp(os.path.join(root, rel)) for rel in files)


class _LazySymbols(Mapping):
    """``name -> KSymbol`` unpickled one symbol at a time: a review looks at a few hundred
    of Linux 6.1's 16,000 symbols, and unpickling all of them cost a quarter of a second."""

    def __init__(self, raw: dict[str, bytes]):
        self._raw = raw
        self._done: dict[str, KSymbol] = {}

    def __getitem__(self, name: str) -> KSymbol:
        found = self._done.get(name)
        if found is None:
            with DeepRecursion():
                found = self._done[name] = pickle.loads(self._raw[name])
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _to_plain(model: KconfigModel) -> KconfigModel:
    plain = {f: dict(getattr(model, f)) for f in _PROXIES}
    with DeepRecursion():  # long || chains nest deeply
        plain["symbols"] = {name: pickle.dumps(symbol, protocol=pickle.HIGHEST_PROTOCOL)
                            for name, symbol in model.symbols.items()}
    return dataclasses.replace(model, **plain)


def _from_plain(model: KconfigModel) -> KconfigModel:
    lazy = {f: MappingProxyType(getattr(model, f)) for f in _PROXIES if f != "symbols"}
    return dataclasses.replace(model, symbols=_LazySymbols(model.symbols), **lazy)


# Models read back in this process, by the name of their pickle (a revision, or the stamps of
# every Kconfig file read): the same name is the same model, so the same object comes back,
# and what was remembered about it (variants.kconfig.answers) with it.
_LOADED: dict[str, KconfigModel] = {}
MAX_LOADED = 4
# The same models by digest: a git revision of a tree whose model is loaded (the directory the
# server reviewed, another commit that left every Kconfig file alone) is handed that model
# (a small file per revision names its digest) instead of unpickling its own (0.01-0.03 s).
_BY_DIGEST: dict[str, KconfigModel] = {}


def _remember(path, model: KconfigModel) -> KconfigModel:
    _LOADED[str(path)] = model
    while len(_LOADED) > MAX_LOADED:
        del _LOADED[next(iter(_LOADED))]
    if model.digest:
        _BY_DIGEST.pop(model.digest, None)
        _BY_DIGEST[model.digest] = model
        while len(_BY_DIGEST) > MAX_LOADED:
            del _BY_DIGEST[next(iter(_BY_DIGEST))]
    return model


def read_kconfig_cached(tree, arch: str = "i386") -> KconfigModel | None:
    """The tree's Kconfig model, from the cache when the files it was read from are
    unchanged. A git revision is its own key; for a directory, an index per (tree, arch)
    lists the Kconfig files kconfiglib read with their size and modification time (a new
    Kconfig file only counts once an existing one sources it, and then that one changed)."""
    directory = cache_dir()
    root = getattr(tree, "root", None)
    if directory is None or (tree.kind != "git" and root is None):
        return read_kconfig(tree, arch)
    digest_path = None
    if tree.kind == "git":
        index_path = None
        model_path = directory / f"{_name(arch, 'git', tree.revision)}.pickle"
        digest_path = model_path.with_suffix(".digest")
        digest = load(digest_path) if _BY_DIGEST else None
        if isinstance(digest, str) and digest in _BY_DIGEST:
            return _BY_DIGEST[digest]
    else:
        index_path = directory / f"{_name(arch, tree.kind, root)}.index"
        index = load(index_path)
        model_path = None
        if isinstance(index, tuple) and len(index) == 2 and \
                _stamps(str(root), [entry[0] for entry in index[0]], tree) == index[0]:
            model_path = directory / index[1]
    if model_path is not None:
        known = _LOADED.get(str(model_path))
        if known is not None:
            return known
        stored = load(model_path)
        if isinstance(stored, KconfigModel) and all(
                isinstance(v, bytes) for v in list(stored.symbols.values())[:1]):
            if digest_path is not None and stored.digest and not digest_path.exists():
                save(digest_path, stored.digest)
            return _remember(model_path, _from_plain(stored))
    model = read_kconfig(tree, arch)
    if model is None:
        return None
    try:
        plain = _to_plain(model)
    except (pickle.PicklingError, RecursionError, TypeError, AttributeError):
        return model  # not kept: read again next time
    if index_path is None:
        if save(model_path, plain):
            if model.digest:
                save(digest_path, model.digest)
            _remember(model_path, model)
    elif len(model.files) >= MIN_FILES:
        stamps = _stamps(str(root), model.files, tree)
        name = f"{_name(arch, tree.kind, root, stamps)}.pickle"
        if save(directory / name, plain):
            save(index_path, (stamps, name))
            _remember(directory / name, model)
    return model
