"""Values for the int/hex symbols a unit uses but the configuration classes do not vary.

``CONFIG_PAGE_OFFSET`` appears in macro bodies (``__PAGE_OFFSET``), not in conditionals, so it is
not part of the classes; giving it its Kconfig default (the first ``default`` rule whose
condition holds in that configuration, e.g. 0xC0000000 for VMSPLIT_3G) lets
``USER_PTRS_PER_PGD`` fold to 768 instead of staying an opaque expression. The values used are
reported in the coverage, so a reader knows which split was assumed.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from .config import Configuration, config_lookup, lookup_over
from .expr import evaluate, identifiers
from .kconfig import KconfigModel, remembered


def with_int_defaults(configs: Sequence, kconfig: KconfigModel | None,
                      names: set[str]) -> tuple[list, dict[str, str]]:
    """Give int/hex symbols the unit uses (``CONFIG_PAGE_OFFSET``) their Kconfig default in
    each configuration, so that constant expressions fold; returns the values used."""
    if kconfig is None:
        return list(configs), {}
    return _remembered(_with_int_defaults, configs, kconfig, names)


def _remembered(compute, configs, kconfig, names) -> tuple[list, dict[str, str]]:
    """``compute(configs, kconfig, names)``, once per model and question (the server asks
    again for every review of the same file; the cache directory keeps it for the next
    process: ``kconfig.remembered``); the caller gets its own copies."""
    key = (compute.__name__, tuple(tuple(sorted(c.items())) for c in configs),
           tuple(sorted(names)))
    out, values = remembered(kconfig, key, lambda: compute(configs, kconfig, names))
    return list(out), dict(values)


def _with_int_defaults(configs, kconfig, names):
    used: dict[str, str] = {}
    out = []
    for config in configs:
        values = dict(config.items())
        for name in sorted(names):
            symbol = kconfig.symbols.get(name)
            if symbol is None or symbol.type not in ("int", "hex") or name in values:
                continue
            value = _default_value(symbol, values)
            if value is not None:
                values[name] = value
                used.setdefault(name, value)
        out.append(Configuration(values))
    return out, used


def _default_value(symbol, values: Mapping[str, str]) -> str | None:
    lookup = config_lookup(Configuration(values))
    for value, condition in getattr(symbol, "default_rules", ()):
        try:
            if evaluate(condition, lookup):
                number = evaluate(value, lookup)
                if number is not None:
                    return hex(number) if symbol.type == "hex" else str(number)
        except Exception:  # a rule we cannot evaluate: try the next one
            continue
    return symbol.defaults[-1] if symbol.defaults else None


def with_implied_bools(configs: Sequence, kconfig: KconfigModel | None,
                       names: set[str]) -> tuple[list, dict[str, str]]:
    """Give the promptless bool symbols among ``names`` that no class varies the value Kconfig
    derives for them (``config X86_32 def_bool y depends on !64BIT``), so that a class is not
    left with every architecture symbol off; a symbol with a prompt stays off (the user did not
    choose it). Returns the configurations and the symbols set, with the value of the first
    configuration that set them (reported in the coverage)."""
    if kconfig is None or not names:
        return list(configs), {}
    return _remembered(_with_implied_bools, configs, kconfig, names)


def _with_implied_bools(configs, kconfig, names):
    derived = []  # the promptless bools among names, looked up once
    for name in sorted(names):
        symbol = kconfig.symbols.get(name)
        if symbol is not None and not symbol.prompt and not symbol.choice \
                and symbol.type in ("bool", "tristate"):
            derived.append((name, symbol))
    implied: dict[str, str] = {}
    out = []
    for config in configs:
        values = dict(config.items())
        lookup = lookup_over(values)
        todo = derived
        for _ in range(3):  # a derived symbol may depend on another one
            newly: set[str] = set()
            for name, symbol in todo:
                if name in values:
                    continue
                if _derives_on(symbol, values, lookup):
                    values[name] = "y"
                    implied.setdefault(name, "y")
                    newly.add(name)
            if not newly:
                break
            # the next pass asks again only what reads a symbol set in this one: the others'
            # rules would read the same values and answer the same
            todo = [(name, symbol) for name, symbol in derived
                    if name not in values and not newly.isdisjoint(_rule_names(symbol))]
        out.append(Configuration(values))
    return out, implied


# symbol id -> (symbol, the names its rules read, {their values: derived on?}, the names as a
# set). The classes of a review differ in a few symbols, and a promptless bool's rules read
# others (a select from any of 50 drivers): with the values of what it reads as the key, each
# rule is evaluated once per distinct input instead of once per class and pass. The symbol is
# kept in the entry so that its id cannot be reused while the entry lives.
_DERIVED: dict[int, tuple] = {}


def _rule_names(symbol) -> frozenset[str]:
    """The names a promptless symbol's rules read."""
    return _derived_entry(symbol)[3]


def _derived_entry(symbol) -> tuple:
    entry = _DERIVED.get(id(symbol))
    if entry is None or entry[0] is not symbol:
        names: set[str] = set(identifiers(symbol.selected_by)) | set(identifiers(symbol.depends))
        for value, condition in symbol.default_rules:
            names |= identifiers(value) | identifiers(condition)
        names |= {n[:-7] for n in names if n.endswith("_MODULE")}  # X_MODULE reads X
        if len(_DERIVED) > 50_000:
            _DERIVED.clear()
        entry = _DERIVED[id(symbol)] = (symbol, tuple(sorted(names)), {}, frozenset(names))
    return entry


def _derives_on(symbol, values: Mapping[str, str], lookup) -> bool:
    _, names, known, _ = _derived_entry(symbol)
    key = tuple([values.get(n) for n in names])
    on = known.get(key)
    if on is None:
        try:
            on = bool(evaluate(symbol.selected_by, lookup)) or (
                bool(evaluate(symbol.depends, lookup)) and _first_default(symbol, lookup))
        except Exception:  # a rule we cannot evaluate: leave the symbol off
            on = False
        if len(known) > 256:
            known.clear()
        known[key] = on
    return on


def _first_default(symbol, lookup) -> bool:
    """Kconfig takes the first ``default`` whose condition holds; unknown counts as off."""
    for value, condition in symbol.default_rules:
        holds = evaluate(condition, lookup)
        if holds == 0:
            continue
        return bool(holds) and bool(evaluate(value, lookup))
    return False
