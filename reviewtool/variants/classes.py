"""Configuration classes: the assignments of a few ``CONFIG_`` symbols worth examining.

A file's code depends on a handful of symbols (a median of 2 and at most 27 per file under
Linux 6.1 ``arch/x86``), so :func:`enumerate_configs` enumerates every assignment of the given
symbols over their domains (:meth:`~reviewtool.variants.kconfig.KconfigModel.domain`: bool
``y``/``n``, tristate ``y``/``m``/``n``, int/hex the values their defaults can take; ``y``/``n``
without Kconfig) and drops those Kconfig refutes
(:meth:`~reviewtool.variants.kconfig.KconfigModel.allows` is ``False``; ``None`` -- not
refuted -- is kept). The order is deterministic: symbols sorted by name, values in domain order
(``y`` before ``n``), the last symbol varying fastest.

Past ``limit`` assignments it samples instead, each sample built greedily so that it respects
the constraints (a value Kconfig refutes given the choices so far is replaced by the next one
in the domain):

* ``most-enabled`` (every symbol at its first value, ``y``) and ``least-enabled`` (last, ``n``);
* ``one-enabled``: each symbol ``y`` with the others as low as they go;
* ``one-disabled``: each symbol ``n`` with the others as high as they go.

The coverage dict reports it in the findings contract's form::

    {"symbols": [...], "classes": 4, "of": 4}
    {"symbols": [...], "classes": 58, "of": 134217728,
     "sampled": "one-enabled,one-disabled,most-enabled,least-enabled"}

``of`` is the number of allowed assignments when enumerated, the size of the product of the
domains when sampled; ``excluded`` (when non-zero) counts assignments Kconfig refuted.
A symbol whose domain is empty (an int without constant defaults) is left unassigned and listed
under ``unassigned``.
"""

from __future__ import annotations

import itertools
from typing import Iterable, Sequence

from .config import Configuration
from .kconfig import KconfigModel

MAX_VARIED = 8  # symbols whose assignments a review enumerates; the rest keep one value

__all__ = ["enumerate_configs", "SAMPLING"]

SAMPLING = "one-enabled,one-disabled,most-enabled,least-enabled"


def _domain(kconfig: KconfigModel | None, name: str) -> tuple[str, ...]:
    if kconfig is None:
        return ("y", "n")
    return kconfig.domain(name)


def _allowed(kconfig: KconfigModel | None, config: Configuration) -> bool:
    return kconfig is None or kconfig.allows(config) is not False


def _greedy(order: Sequence[str], prefs: dict[str, tuple[str, ...]],
            kconfig: KconfigModel | None) -> Configuration | None:
    chosen: dict[str, str] = {}
    for name in order:
        for value in prefs[name]:
            trial = dict(chosen)
            trial[name] = value
            if _allowed(kconfig, Configuration(trial)):
                chosen = trial
                break
        else:
            return None
    return Configuration(chosen)


def enumerate_configs(symbols: Iterable[str], kconfig: KconfigModel | None,
                      limit: int = 256) -> tuple[list[Configuration], dict]:
    """Configuration classes over ``symbols`` (see the module manual)."""
    names = sorted({s if s.startswith("CONFIG_") else "CONFIG_" + s for s in symbols})
    domains = {n: _domain(kconfig, n) for n in names}
    unassigned = [n for n in names if not domains[n]]
    names = [n for n in names if domains[n]]
    total = 1
    for n in names:
        total *= len(domains[n])
    coverage: dict = {"symbols": names}
    if unassigned:
        coverage["unassigned"] = unassigned
    if total <= limit:
        configs = []
        excluded = 0
        for values in itertools.product(*(domains[n] for n in names)):
            config = Configuration(zip(names, values))
            if _allowed(kconfig, config):
                configs.append(config)
            else:
                excluded += 1
        coverage["classes"] = len(configs)
        coverage["of"] = len(configs)
        if excluded:
            coverage["excluded"] = excluded
        return configs, coverage

    high = {n: domains[n] for n in names}
    low = {n: tuple(reversed(domains[n])) for n in names}
    samples: list[Configuration] = []
    seen: set[Configuration] = set()

    def add(config: Configuration | None) -> None:
        if config is not None and config not in seen and len(samples) < limit:
            seen.add(config)
            samples.append(config)

    add(_greedy(names, high, kconfig))
    add(_greedy(names, low, kconfig))
    for n in names:
        prefs = dict(low)
        prefs[n] = high[n]
        add(_greedy([n] + [m for m in names if m != n], prefs, kconfig))
    for n in names:
        prefs = dict(high)
        prefs[n] = low[n]
        add(_greedy([n] + [m for m in names if m != n], prefs, kconfig))
    coverage["classes"] = len(samples)
    coverage["of"] = total
    coverage["sampled"] = SAMPLING
    return samples, coverage
