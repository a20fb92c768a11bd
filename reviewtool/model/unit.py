"""The semantic model of one configuration of the tree: what each name is, and what it does.

A :class:`ConfigModel` gathers the translation units reviewtool looks at (the touched ``.c`` files
and the ``.c`` files that include a touched header), each preprocessed for one configuration, and
answers for a name: is it a function, a variable, a macro, a no-op macro, or absent; and what is its
canonical behaviour (:mod:`reviewtool.model.canon`) once that configuration's macros are expanded.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ..cache import Pack, code_digest
from ..errors import ReviewtoolError
from ..variants.conditions import scan
from ..variants.config import Configuration
from ..variants.expand import expand
from ..variants.facts import file_facts
from ..variants.memo import file_version
from ..variants.preprocess import Macro, Unit, preprocess
from .canon import Canon, canonical_body, fold_expression, canonical_macro_call, expanded_body, referenced_macros
from .functions import Definition, definitions

_CANON_CACHE: dict[tuple, Canon] = {}
_MODELS: dict[tuple, "ConfigModel"] = {}
MAX_MODELS = 64
_VALUE_CACHE: dict[tuple, str] = {}

# Canonical forms and folded values kept in the cache directory, keyed by a hash of what they
# are computed from (the definition's text, the bodies of the macros it uses) and of the code
# that computes them: a later run, or a server started afresh, reviewing the same function
# again does not expand and fold it again (the pgtable.c patch's ten bodies: ~45 ms).
_CANON_PACK = Pack("canon-1.pickle", 4000)
_CODE = ("model/canon.py", "model/parse.py", "variants/expand.py", "variants/_lex.py")


def _computed(cache: dict, key: tuple, compute):
    """``cache[key]``, else what the cache directory holds for it, else ``compute()``."""
    found = cache.get(key)
    if found is None:
        stored = hashlib.sha1(code_digest(*_CODE))
        stored.update(repr(key).encode("utf-8", "surrogateescape"))
        digest = stored.digest()
        found = _CANON_PACK.get(digest)
        if found is None:
            found = compute()
            _CANON_PACK.put(digest, found)
        cache[key] = found
    return found


_MENTIONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class _Mentions:
    """Which files of one tree have a word in their text: ``checked`` the paths looked at,
    ``hits`` those that have it, with the (0-based) lines where it is."""

    __slots__ = ("checked", "hits")

    def __init__(self) -> None:
        self.checked: set[str] = set()
        self.hits: dict[str, tuple[int, ...]] = {}


def _mentions(tree, name: str) -> _Mentions:
    """The files of ``tree`` that mention ``name``, shared by the models of every
    configuration (they look up the same names in the same headers)."""
    if tree is None:
        return _Mentions()
    try:
        per_tree = _MENTIONS.setdefault(tree, {})
    except TypeError:
        return _Mentions()
    found = per_tree.get(name)
    if found is None:
        found = per_tree[name] = _Mentions()
    return found


class _Index:
    """Definitions of a model's files, parsed on demand.

    A real kernel unit reads hundreds of headers; parsing every one of them with tree-sitter in
    every configuration would dominate a review. A file is parsed only when its definitions
    are asked for (``by_file``) or when its text mentions a name being looked up (``defs``).
    """

    def __init__(self, units: tuple[Unit, ...], tree=None):
        # (unit index, path, the unit); the file's variant is made only when its lines are
        # looked at, its text projected only for the files whose original text (``tree``)
        # mentions a name looked up
        self.files: list[tuple[int, str, Unit]] = []
        self.tree = tree
        self.position: dict[str, int] = {}  # path -> its place in ``files``
        for index, unit in enumerate(units):
            for path in unit.paths:
                if path not in self.position:
                    self.position[path] = len(self.files)
                    self.files.append((index, path, unit))
        self.parsed: dict[str, tuple[Definition, ...]] = {}
        self.defs: dict[str, Definition] = {}
        self.unit_of: dict[str, int] = {}
        self.looked_up: set[str] = set()
        self.complete = False

    def _original(self, path: str, unit: Unit) -> str:
        text = self.tree.read(path) if self.tree is not None else None
        return text if text is not None else unit.file(path).text

    def _parse(self, index: int, path: str, unit: Unit) -> tuple[Definition, ...]:
        if path not in self.parsed:
            found = definitions(path, unit.file(path).text)
            self.parsed[path] = found
            for definition in found:
                if definition.name not in self.defs:
                    self.defs[definition.name] = definition
                    self.unit_of[definition.name] = index
        return self.parsed[path]

    def lookup(self, name: str) -> Definition | None:
        if name not in self.looked_up and not self.complete:
            self.looked_up.add(name)
            pattern = re.compile(rf"\b{re.escape(name)}\b")
            mentions = _mentions(self.tree, name)
            files, position = self.files, self.position
            for path in position.keys() - mentions.checked:
                original = self._original(path, files[position[path]][2])
                if name in original and pattern.search(original):
                    mentions.hits[path] = tuple(
                        i for i, line in enumerate(original.split("\n"))
                        if name in line and pattern.search(line))
                mentions.checked.add(path)
            # in the order of the files: the first definition of a name is the one it has;
            # a file has the word in this configuration when one of its lines with it is
            # kept (what searching the projected text would say, without projecting it)
            hits = mentions.hits
            for at in sorted(position[path] for path in hits.keys() & position.keys()):
                index, path, unit = files[at]
                if path not in self.parsed and unit.file(path).keeps_any(hits[path]):
                    self._parse(index, path, unit)
        return self.defs.get(name)

    def everything(self) -> dict[str, Definition]:
        if not self.complete:
            for index, path, unit in self.files:
                self._parse(index, path, unit)
            self.complete = True
        return self.defs

    def file(self, path: str) -> tuple[Definition, ...]:
        at = self.position.get(path)
        if at is None:
            return ()
        index, _, unit = self.files[at]
        return self._parse(index, path, unit)


class _Defs(Mapping):
    """``name -> Definition`` over an :class:`_Index`; iterating parses everything."""

    def __init__(self, index: _Index):
        self._index = index

    def __getitem__(self, name: str) -> Definition:
        found = self._index.lookup(name)
        if found is None:
            raise KeyError(name)
        return found

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._index.lookup(name) is not None

    def get(self, name, default=None):
        found = self._index.lookup(name) if isinstance(name, str) else None
        return default if found is None else found

    def __iter__(self):
        return iter(self._index.everything())

    def __len__(self) -> int:
        return len(self._index.everything())


class _ByFile:
    """``path -> definitions of that file``, parsed on demand."""

    def __init__(self, index: _Index):
        self._index = index

    def get(self, path: str, default=()):
        return self._index.file(path) or default

    def __contains__(self, path: str) -> bool:
        return path in self._index.position


@dataclass
class ConfigModel:
    config: object  # variants.config.Configuration
    units: tuple[Unit, ...]
    tree: object = field(default=None, repr=False, compare=False)  # the units' tree
    _index: _Index = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = _Index(self.units, self.tree)

    @property
    def defs(self) -> Mapping[str, Definition]:
        return _Defs(self._index)

    @property
    def by_file(self) -> _ByFile:
        return _ByFile(self._index)

    @property
    def unit_of(self) -> dict[str, int]:
        return self._index.unit_of

    @classmethod
    def build(cls, tree, tus: Sequence[str], config, arch: str,
              build_symbols: Mapping[str, tuple[str, ...]] | None = None) -> "ConfigModel":
        """Preprocess every unit Kbuild compiles in ``config`` (``build_symbols``: the
        symbols a unit's Makefile rule needs); definitions are read lazily."""
        needs = build_symbols or {}
        units = tuple(preprocess(tree, tu, config, arch=arch) for tu in tus
                      if all(config.get(s, "n") in ("y", "m") for s in needs.get(tu, ())))
        # The same units (preprocess keeps them per tree) make the same model: reuse it, with
        # the definitions it parsed and the names it looked up (the server reviews the same
        # file again). The entry holds the model, and so its units: their ids stay theirs.
        key = (id(tree), tuple(sorted(config.items())), tuple(id(u) for u in units))
        model = _MODELS.get(key)
        if model is None:
            model = _MODELS[key] = cls(config=config, units=units, tree=tree)
            while len(_MODELS) > MAX_MODELS:
                del _MODELS[next(iter(_MODELS))]
        return model

    # -- what a name is ------------------------------------------------------------------
    def macro(self, name: str) -> Macro | None:
        for unit in self.units:
            if name in unit.macros:
                return unit.macros[name]
        return None

    def macros_for(self, name: str) -> Mapping[str, Macro]:
        self._index.lookup(name)
        index = self.unit_of.get(name, 0)
        return self.units[index].macros if self.units else {}

    def kind(self, name: str) -> str:
        """``function``, ``variable``, ``macro``, ``no-op macro`` or ``absent``."""
        if name in self.defs:
            return self.defs[name].kind
        macro = self.macro(name)
        if macro is None:
            return "absent"
        if macro.params is not None and self.canon(name).empty:
            return "no-op macro"
        return "macro"

    def where(self, name: str) -> tuple[str, int] | None:
        if name in self.defs:
            return self.defs[name].path, self.defs[name].line
        macro = self.macro(name)
        return (macro.path, macro.line) if macro is not None else None

    def canon(self, name: str) -> Canon:
        """Canonical behaviour of ``name`` (a function's body, a function-like macro's
        expansion as a statement); an empty Canon for what does nothing or is absent."""
        if name in self.defs:
            definition = self.defs[name]
            macros = self.macros_for(name)
            used = referenced_macros(definition.text, macros)
            key = ("f", definition.text, definition.returns_void,
                   tuple(sorted((m, macros[m].params, macros[m].body) for m in used)))
            if definition.kind != "function":
                return _computed(_CANON_CACHE, key, lambda: Canon((" ".join(
                    expand(definition.text, macros).split()),)))
            return _computed(_CANON_CACHE, key, lambda: canonical_body(
                expanded_body(definition.text, lambda t: expand(t, macros)),
                definition.returns_void))
        macro = self.macro(name)
        if macro is None:
            return Canon(())
        macros = self.units[0].macros if self.units else {}
        for unit in self.units:
            if name in unit.macros:
                macros = unit.macros
                break
        used = referenced_macros(macro.body, macros)
        key = ("m", macro.body, tuple(sorted((m, macros[m].params, macros[m].body)
                                             for m in used)))
        return _computed(_CANON_CACHE, key,
                         lambda: canonical_macro_call(macro.body, lambda t: expand(t, macros)))

    def macro_value(self, name: str) -> str | None:
        """The fully expanded text of an object-like macro, for evidence (``SHARED_KERNEL_PMD=1``)."""
        macro = self.macro(name)
        if macro is None or macro.params is not None:
            return None
        # the table of the unit that defines it, as ``canon`` takes for a macro: not
        # ``macros_for``, which looks for a C definition of the name first (parsing every
        # header that mentions PAGE_SHIFT, in every configuration, to find none)
        macros = next(unit.macros for unit in self.units if name in unit.macros)
        key = ("v", macro.body, tuple(sorted((m, macros[m].params, macros[m].body)
                                             for m in referenced_macros(macro.body, macros))))
        return _computed(_VALUE_CACHE, key, lambda: fold_expression(expand(macro.body, macros)))


_SCANS: dict[tuple[str, str], object] = {}


class ScanCache:
    """Presence conditions (``scan``) of the files units read, each file version scanned once
    per process (the two sides of a patch share every file it leaves alone)."""

    def __init__(self) -> None:
        self.scans: dict[tuple[int, str], object] = {}

    def scan(self, tree, path: str):
        version = file_version(tree, path)
        key = (path, version) if version is not None else None
        if key is not None and key in _SCANS:
            return _SCANS[key]
        local = (id(tree), path)
        if local in self.scans:
            return self.scans[local]
        text = tree.read(path)
        try:
            found = scan(text, path) if text is not None else None
        except ReviewtoolError:
            found = None
        if key is not None:
            if len(_SCANS) > 50_000:
                _SCANS.clear()
            _SCANS[key] = found
        else:
            self.scans[local] = found
        return found


class FileFacts:
    """Process-wide index of what files define and include, per file version: where each
    macro is #defined and which files #include a header of a given name. The patch's
    relevant symbols are found by following a few names through it; walking every directive
    of every header of every probe model for each patch was what cost seconds on a series."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.define_sites: dict[str, list[tuple[str, str, int, str]]] = {}
        self.includers: dict[str, list[tuple[str, str, int]]] = {}

    def present(self, tree, paths) -> set[tuple[str, str]]:
        """(path, version) of ``paths``, each indexed."""
        out = set()
        for path in paths:
            version = file_version(tree, path)
            if version is None:
                continue
            key = (path, version)
            out.add(key)
            if key in self.seen:
                continue
            self.seen.add(key)
            facts = file_facts(tree, path)
            if facts is None:
                continue
            for name, line, body, under in facts.defines:
                self.define_sites.setdefault(name, []).append((path, version, line, body,
                                                               under))
            for base, line, under in facts.includes:
                self.includers.setdefault(base, []).append((path, version, line, under))
        return out

    def sites(self, name: str, present: set[tuple[str, str]]):
        """(path, line, body, symbols of the condition around it) of each #define."""
        return [(p, line, body, under) for p, v, line, body, under
                in self.define_sites.get(name, ()) if (p, v) in present]

    def included_by(self, base: str, present: set[tuple[str, str]]):
        """(path, line, symbols of the condition around it) of each #include of ``base``."""
        return [(p, line, under) for p, v, line, under in self.includers.get(base, ())
                if (p, v) in present]


FACTS = FileFacts()


def config_words(units) -> set[str]:
    """The CONFIG_ names the #define bodies of ``units`` mention."""
    found: set[str] = set()
    for unit in units:
        found |= unit.config_words
    return found


def probe_models(trees: Sequence, tus: Sequence[str], arch: str,
                 build: Mapping[str, tuple[str, ...]] | None = None) -> tuple[set[str], list]:
    """Two probe configurations (all off, then every symbol seen so far on) per tree, so that
    headers included only under a symbol are seen. Returns every CONFIG_ symbol in the
    conditionals of the files read, and the probe models as (tree, model) pairs."""
    symbols: set[str] = set()
    models = []
    read: dict[int, set[str]] = {}  # per tree, the files whose symbols are in (the probes
    for round_ in range(2):         # share most of their ~650 headers)
        config = Configuration({s: "y" for s in symbols} if round_ else {})
        for tree in trees:
            model = ConfigModel.build(tree, [t for t in tus if tree.exists(t)], config, arch)
            models.append((tree, model))
            done = read.setdefault(id(tree), set())
            for unit in model.units:
                for path in unit.paths:
                    if path in done:
                        continue
                    done.add(path)
                    facts = file_facts(tree, path)
                    if facts is not None:
                        symbols |= facts.symbols
    for needed in (build or {}).values():
        symbols |= set(needed)
    return symbols, models
