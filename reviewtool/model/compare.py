"""Compare the model before and after a patch, name by name, configuration by configuration.

The result is a :class:`VariantTable`: for every name the patch touches and every configuration
class, a :class:`Cell` with a verdict:

``absent``      not built before nor after;
``same``        the same source and behaviour;
``equivalent``  compiled differently, same canonical behaviour (a no-op macro that became an empty
                function; a function whose ``if (SHARED_KERNEL_PMD) return;`` folds away);
``renamed``     a new function that carries the body a former name had, that name now calling it;
``added``       a function or variable now built where before it was not;
``removed``     no longer built where before it was;
``changed``     built before and after, with different canonical behaviour;
``helper``      a new static function: not visible outside its file, judged through its callers;
``uncertain``   different, but only where folding cannot compare: calls into new helpers,
                macros the unit does not define (a header the tree lacks), or parse errors.

Configuration classes: every assignment of the symbols that appear in the conditionals of the
files involved is examined (or a sample when there are too many); the symbols that matter are
those whose value changes some verdict, and the classes are the assignments of those symbols.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

from .canon import Canon, _WORD
from .unit import ConfigModel

BUILT = ("function", "variable")
CHANGES = ("added", "removed", "changed", "uncertain")
NOTABLE = CHANGES + ("equivalent", "renamed", "helper")


@dataclass(frozen=True)
class Cell:
    verdict: str
    before: str  # kind before: function, variable, macro, no-op macro, absent
    after: str
    diff: tuple[str, ...] = ()
    note: str = ""
    folded: tuple[tuple[str, str], ...] = ()  # configuration-dependent macros and their value
    before_canon: tuple[str, ...] = ()
    after_canon: tuple[str, ...] = ()


@dataclass
class VariantTable:
    names: list[str]
    configs: list  # Configuration, one representative per class
    classes: list[tuple[tuple[str, str], ...]]  # the class of each config, over `symbols`
    symbols: list[str]  # the symbols that matter (plus scope)
    cells: dict[tuple[str, int], Cell] = field(default_factory=dict)
    coverage: dict = field(default_factory=dict)
    before: list[ConfigModel] = field(default_factory=list)
    after: list[ConfigModel] = field(default_factory=list)

    def cell(self, name: str, index: int) -> Cell:
        return self.cells[(name, index)]


def _call_target(canon: Canon, after: ConfigModel, params: Sequence[str]) -> str | None:
    """If ``canon`` is a single call ``f(params...)``, return ``f``."""
    if len(canon.lines) != 1:
        return None
    words = canon.lines[0].replace("(", " ( ").replace(")", " ) ").split()
    if len(words) < 4 or words[1] != "(" or words[-2:] != [")", ";"]:
        return None
    args = [w for w in words[2:-2] if w != ","]
    if args != list(params):
        return None
    return words[0] if words[0] in after.defs else None


def compare_name(name: str, before: ConfigModel, after: ConfigModel) -> Cell:
    kb, ka = before.kind(name), after.kind(name)
    if kb == "absent" and ka == "absent":
        return Cell("absent", kb, ka)
    if kb == "absent":
        if ka == "function" and after.defs[name].is_static:
            return Cell("helper", kb, ka, note="new static function")
        return Cell("added" if ka in BUILT else "absent", kb, ka)
    if ka == "absent":
        return Cell("removed" if kb in BUILT or kb == "no-op macro" or kb == "macro" else "absent",
                    kb, ka)
    cb, ca = before.canon(name), after.canon(name)
    note = ""
    if cb.lines != ca.lines and name in after.defs:
        target = _call_target(ca, after, after.defs[name].params)
        if target is not None and target not in before.defs and target != name:
            inlined = after.canon(target)
            if inlined.lines == cb.lines:
                ca = inlined
                note = f"now a wrapper calling {target}()"
    if cb.lines == ca.lines:
        same_source = (kb == ka and name in before.defs and name in after.defs
                       and _plain(before.defs[name].text) == _plain(after.defs[name].text))
        if kb == ka and not same_source and name not in before.defs:
            same_source = before.macro(name) == after.macro(name) or (
                before.macro(name) is not None and after.macro(name) is not None
                and before.macro(name).body == after.macro(name).body)
        return Cell("same" if same_source else "equivalent", kb, ka, note=note,
                    before_canon=cb.lines, after_canon=ca.lines)
    diff = tuple(difflib.unified_diff(list(cb.lines), list(ca.lines), lineterm="", n=1))[2:]
    verdict, why = "changed", ""
    if cb.uncertain != ca.uncertain:
        verdict, why = "uncertain", "part of one side could not be parsed"
    else:
        blocks = _changed_blocks(cb.lines, ca.lines)
        named = [_opaque_names(_WORD_SET(a + b), before, after, _CALLED_SET(a + b))
                 for a, b in blocks]
        if blocks and all(named):
            names = sorted(set().union(*named))
            verdict = "uncertain"
            why = "differs only where it calls or uses " + ", ".join(names[:4]) + \
                  " (new helpers or macros this unit does not define): folding cannot compare"
    return Cell(verdict, kb, ka, diff=diff[:40], note=why or note, before_canon=cb.lines,
                after_canon=ca.lines)


_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)|//[^\n]*", re.S)  # unterminated: linear


def _plain(text: str) -> str:
    """Source without comments and layout: blank lines left by a projection do not count."""
    return " ".join(_COMMENT.sub(" ", text).split())


def _WORD_SET(lines: Sequence[str]) -> set[str]:
    return {w for line in lines for w in _WORD.findall(line)}


def _changed_blocks(a: Sequence[str], b: Sequence[str]) -> list[tuple[list[str], list[str]]]:
    matcher = difflib.SequenceMatcher(a=list(a), b=list(b), autojunk=False)
    return [(list(a[i1:i2]), list(b[j1:j2])) for op, i1, i2, j1, j2 in matcher.get_opcodes()
            if op != "equal"]


_CALLED = re.compile(r"([A-Za-z_]\w*)\s*\(")


_NOT_CALLS = frozenset({"if", "while", "for", "switch", "return", "sizeof", "typeof",
                        "__typeof__", "_Alignof", "__alignof__", "defined", "case", "do"})


def _CALLED_SET(lines: Sequence[str]) -> set[str]:
    return {w for line in lines for w in _CALLED.findall(line)} - _NOT_CALLS


def _opaque_names(words: set[str], before: ConfigModel, after: ConfigModel,
                  called: set[str] | None = None) -> set[str]:
    """Those of ``words`` whose effect folding cannot see: functions new in this configuration
    (only the ``called`` words are looked up as functions: searching every header for the
    definition of a local variable's name is what made this slow on a real tree), and macro
    names some unit defines but that reached a canonical body unexpanded."""
    opaque = set()
    for word in words:
        if any(word in unit.macros for model in (before, after) for unit in model.units):
            opaque.add(word)
        elif (called is None or word in called) and word in after.defs \
                and after.defs[word].kind == "function" and word not in before.defs:
            opaque.add(word)
    return opaque


def _reclassify_renames(names: Iterable[str], cells: dict[str, Cell], before: ConfigModel,
                        after: ConfigModel) -> None:
    for new in names:
        if cells[new].verdict != "added" or new not in after.defs:
            continue
        new_canon = after.canon(new).lines
        for old, cell in cells.items():
            if old == new or old not in before.defs or before.kind(old) != "function":
                continue
            if before.canon(old).lines != new_canon or old not in after.defs:
                continue
            if _call_target(after.canon(old), after, after.defs[old].params) == new:
                cells[new] = Cell("renamed", "absent",
                                  cells[new].after, note=f"the former body of {old}()",
                                  before_canon=before.canon(old).lines, after_canon=new_canon)
                break


def _folded(name: str, models: Sequence[ConfigModel]) -> dict[int, tuple[tuple[str, str], ...]]:
    """Per configuration, the object-like macros ``name`` uses whose value depends on it."""
    used: set[str] = set()
    for model in models:
        if name in model.defs:
            used |= {w for w in _WORD.findall(model.defs[name].text)
                     if model.macro(w) is not None and model.macro(w).params is None}
    values: dict[str, list[str | None]] = {m: [model.macro_value(m) for model in models]
                                           for m in sorted(used)}
    dependent = [m for m, vals in values.items() if len(set(vals)) > 1]
    return {i: tuple((m, values[m][i] if values[m][i] is not None else "undefined")
                     for m in dependent) for i in range(len(models))}


def build_cells(names: Sequence[str], before: ConfigModel, after: ConfigModel
                ) -> dict[str, Cell]:
    cells = {name: compare_name(name, before, after) for name in names}
    _reclassify_renames(names, cells, before, after)
    return cells


def analyse(before_tree, after_tree, tus: Sequence[str], configs: Sequence,
            touched: Callable[[Sequence[ConfigModel], Sequence[ConfigModel]], list[str]],
            arch: str, scope: Sequence[str] = (), coverage: Mapping | None = None,
            build_symbols: Mapping[str, tuple[str, ...]] | None = None) -> VariantTable:
    """Build before/after models for every configuration and compare the touched names."""
    before = [ConfigModel.build(before_tree, [t for t in tus if before_tree.exists(t)], c, arch,
                                build_symbols) for c in configs]
    after = [ConfigModel.build(after_tree, [t for t in tus if after_tree.exists(t)], c, arch,
                               build_symbols) for c in configs]
    names = touched(before, after)
    per_config = [build_cells(names, b, a) for b, a in zip(before, after)]
    folded_after = {name: _folded(name, after) for name in names}
    symbols = _mattering(configs, per_config, names, scope,
                         implied=(coverage or {}).get("implied", ()))
    classes: dict[tuple, int] = {}
    for index, config in enumerate(configs):
        key = tuple((s, _value(config, s)) for s in symbols)
        classes.setdefault(key, index)
    table = VariantTable(names=list(names), configs=[configs[i] for i in classes.values()],
                         classes=list(classes.keys()), symbols=symbols,
                         before=[before[i] for i in classes.values()],
                         after=[after[i] for i in classes.values()])
    for column, index in enumerate(classes.values()):
        for name in names:
            cell = per_config[index][name]
            folded = folded_after[name].get(index, ())
            if folded:
                cell = Cell(**{**cell.__dict__, "folded": folded})
            table.cells[(name, column)] = cell
    table.coverage = dict(coverage or {})
    table.coverage.update({"symbols": symbols, "classes": len(classes),
                           "of": len(classes) if "sampled" not in table.coverage
                           else table.coverage.get("of", len(classes)),
                           "configurations_examined": len(configs)})
    return table


def _value(config, symbol: str) -> str:
    return dict(config.items()).get(symbol, "n") if hasattr(config, "items") else "n"


def _mattering(configs: Sequence, per_config: Sequence[dict[str, Cell]], names: Sequence[str],
               scope: Sequence[str], implied: Iterable[str] = ()) -> list[str]:
    """Symbols whose value changes some verdict, between configurations differing only there,
    then enough others that no class mixes configurations with different verdicts."""
    vectors = [tuple(cells[n].verdict + "|" + "\n".join(cells[n].after_canon)
                     + "|" + "\n".join(cells[n].before_canon) for n in names)
               for cells in per_config]
    assignments = [dict(c.items()) for c in configs]
    symbols = sorted({s for a in assignments for s in a})
    matter = set()
    index = {tuple(sorted(a.items())): i for i, a in enumerate(assignments)}
    for i, a in enumerate(assignments):
        for s in symbols:
            if s in matter:
                continue
            for value in {b.get(s) for b in assignments} - {a.get(s)}:
                flipped = dict(a)
                flipped[s] = value
                j = index.get(tuple(sorted(flipped.items())))
                if j is not None and _verdicts(vectors[j]) != _verdicts(vectors[i]):
                    matter.add(s)
                    break
    matter |= _separating(assignments, [_verdicts(v) for v in vectors], symbols,
                          matter | (set(scope) & set(symbols)), implied)
    ordered = [s for s in symbols if s in matter]
    for s in scope:
        if s not in ordered and s in symbols:
            ordered.append(s)
    return ordered


def _separating(assignments: Sequence[Mapping[str, str]], verdicts: Sequence[tuple],
                symbols: Sequence[str], chosen: set[str],
                implied: Iterable[str] = ()) -> set[str]:
    """Symbols to add to ``chosen`` so that no class (configurations agreeing on the chosen
    symbols) holds configurations with different verdicts. Flipping one symbol finds most;
    but a sample of configurations under Kconfig constraints may hold no two that differ in
    one symbol only (CONFIG_X86_32=n comes with CONFIG_64BIT=y and what that selects), and
    then the classes would merge a configuration where the function changed with one where
    it did not, and show only the first. Greedy: the symbol leaving the fewest mixed classes
    (ties: a y/n symbol before an int value, an enumerated one before one ``implied`` by the
    others, then name order), until none is left."""
    implied = set(implied)
    added: set[str] = set()

    def mixed(extra: Sequence[str]) -> int:
        keys = sorted(chosen | added) + list(extra)
        groups: dict[tuple, set[tuple]] = {}
        for assignment, verdict in zip(assignments, verdicts):
            groups.setdefault(tuple(assignment.get(s) for s in keys), set()).add(verdict)
        return sum(1 for found in groups.values() if len(found) > 1)

    while mixed(()):
        candidates = [s for s in symbols if s not in chosen and s not in added]
        if not candidates:
            break
        added.add(min(candidates, key=lambda s: (mixed([s]), not _is_bool(assignments, s),
                                                 s in implied, s)))
    return added


def _is_bool(assignments: Sequence[Mapping[str, str]], symbol: str) -> bool:
    return all(a.get(symbol, "n") in ("y", "n", "m") for a in assignments)


def _verdicts(vector: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.split("|", 1)[0] for v in vector)
