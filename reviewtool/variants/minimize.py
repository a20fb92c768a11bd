"""Say a set of configurations in as few symbols as possible.

``minimize(selected, universe)`` drops, greedily and in a fixed order, every symbol whose value
is not needed to tell the selected configurations from the others of the universe, and returns
the distinct remaining assignments. ``{PAE=y, PARAVIRT=y, HIGHPTE=y}`` and
``{PAE=n, PARAVIRT=y, HIGHPTE=n}`` out of all eight become ``[{PARAVIRT: y}]`` when every
PARAVIRT=y configuration is selected.
"""

from __future__ import annotations

from typing import Mapping, Sequence


def _project(config: Mapping[str, str], keep: Sequence[str]) -> tuple[tuple[str, str], ...]:
    return tuple((s, config.get(s, "n")) for s in keep)


def minimize(selected: Sequence[Mapping[str, str]], universe: Sequence[Mapping[str, str]]
             ) -> list[dict[str, str]]:
    symbols = sorted({s for c in universe for s in c} | {s for c in selected for s in c})
    chosen = {tuple(sorted(c.items())) for c in selected}
    others = [c for c in universe if tuple(sorted(c.items())) not in chosen]
    keep = list(symbols)
    for symbol in symbols:
        trial = [s for s in keep if s != symbol]
        inside = {_project(c, trial) for c in selected}
        if not any(_project(c, trial) in inside for c in others):
            keep = trial
    return [dict(p) for p in sorted({_project(c, keep) for c in selected})]
