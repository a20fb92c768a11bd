"""The semantic model of one configuration of the tree: what each name is, and what it does.

A :class:`ConfigModel` gathers the translation units reviewtool looks at (the touched ``.c`` files
and the ``.c`` files that include a touched header), each preprocessed for one configuration, and
answers for a name: is it a function, a variable, a macro, a no-op macro, or absent; and what is its
canonical behaviour (:mod:`reviewtool.model.canon`) once that configuration's macros are expanded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ..variants.expand import expand
from ..variants.preprocess import Macro, Unit, preprocess
from .canon import Canon, canonical_body, fold_expression, canonical_macro_call, expanded_body, referenced_macros
from .functions import Definition, definitions

_CANON_CACHE: dict[tuple, Canon] = {}
_VALUE_CACHE: dict[tuple, str] = {}


@dataclass
class ConfigModel:
    config: object  # variants.config.Configuration
    units: tuple[Unit, ...]
    defs: dict[str, Definition] = field(default_factory=dict)
    unit_of: dict[str, int] = field(default_factory=dict)  # name -> index of the unit defining it
    by_file: dict[str, list[Definition]] = field(default_factory=dict)

    @classmethod
    def build(cls, tree, tus: Sequence[str], config, arch: str,
              build_symbols: Mapping[str, tuple[str, ...]] | None = None) -> "ConfigModel":
        """Preprocess every unit Kbuild compiles in ``config`` (``build_symbols``: the
        symbols a unit's Makefile rule needs) and collect what they define."""
        needs = build_symbols or {}
        units = tuple(preprocess(tree, tu, config, arch=arch) for tu in tus
                      if all(config.get(s, "n") in ("y", "m") for s in needs.get(tu, ())))
        model = cls(config=config, units=units)
        for index, unit in enumerate(units):
            for variant in unit.files:
                if variant.path in model.by_file:
                    continue
                found = definitions(variant.path, variant.text)
                model.by_file[variant.path] = found
                for definition in found:
                    if definition.name not in model.defs:
                        model.defs[definition.name] = definition
                        model.unit_of[definition.name] = index
        return model

    # -- what a name is ------------------------------------------------------------------
    def macro(self, name: str) -> Macro | None:
        for unit in self.units:
            if name in unit.macros:
                return unit.macros[name]
        return None

    def macros_for(self, name: str) -> Mapping[str, Macro]:
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
            if key not in _CANON_CACHE:
                if definition.kind != "function":
                    _CANON_CACHE[key] = Canon((" ".join(expand(definition.text, macros)
                                                        .split()),))
                else:
                    body = expanded_body(definition.text, lambda t: expand(t, macros))
                    _CANON_CACHE[key] = canonical_body(body, definition.returns_void)
            return _CANON_CACHE[key]
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
        if key not in _CANON_CACHE:
            _CANON_CACHE[key] = canonical_macro_call(macro.body, lambda t: expand(t, macros))
        return _CANON_CACHE[key]

    def macro_value(self, name: str) -> str | None:
        """The fully expanded text of an object-like macro, for evidence (``SHARED_KERNEL_PMD=1``)."""
        macro = self.macro(name)
        if macro is None or macro.params is not None:
            return None
        macros = self.macros_for(name)
        key = ("v", macro.body, tuple(sorted((m, macros[m].params, macros[m].body)
                                             for m in referenced_macros(macro.body, macros))))
        if key not in _VALUE_CACHE:
            _VALUE_CACHE[key] = fold_expression(expand(macro.body, macros))
        return _VALUE_CACHE[key]
