"""Values for the int/hex symbols a unit uses but the configuration classes do not vary.

``CONFIG_PAGE_OFFSET`` appears in macro bodies (``__PAGE_OFFSET``), not in conditionals, so it is
not part of the classes; giving it its Kconfig default (the first ``default`` rule whose
condition holds in that configuration, e.g. 0xC0000000 for VMSPLIT_3G) lets
``USER_PTRS_PER_PGD`` fold to 768 instead of staying an opaque expression. The values used are
reported in the coverage, so a reader knows which split was assumed.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from .config import Configuration, config_lookup
from .expr import evaluate
from .kconfig import KconfigModel


def with_int_defaults(configs: Sequence, kconfig: KconfigModel | None,
                      names: set[str]) -> tuple[list, dict[str, str]]:
    """Give int/hex symbols the unit uses (``CONFIG_PAGE_OFFSET``) their Kconfig default in
    each configuration, so that constant expressions fold; returns the values used."""
    if kconfig is None:
        return list(configs), {}
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
