"""ifdef-complexity: the patch adds configuration conditionals or configuration-dependent
macros to code several configurations share."""

from __future__ import annotations

import re
from typing import Iterable

from ..findings import Finding, format_config
from ..variants.conditions import scan
from ..variants.expr import config_symbols
from ..errors import ReviewtoolError
from . import Check
from .context import PatchContext

_COND = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif)\b")
_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)")


class IfdefComplexity(Check):
    """The patch adds configuration conditionals, or macros whose value depends on the
    configuration, to code that several configurations share.

    Rationale: every ``#ifdef`` and every macro defined three ways doubles what a reader must
    keep in mind and what a test matrix must cover ("All this paravirt stuff isn't making the
    kernel any prettier, is it?"). Not wrong by itself, so this is information: reviewtool says
    how many conditionals and configuration-dependent macros the patch adds, their values per
    configuration, and where they are used.

    Bad: a new ``SHARED_KERNEL_PMD`` that is 0, 1, or a ``paravirt_ops`` field depending on
    CONFIG_X86_PAE and CONFIG_PARAVIRT, tested in code all configurations compile.

    Good: keep the decision in one place (one run-time hook, or one conditional at the point
    of use) and leave shared code without new configuration-dependent names.
    """

    id = "ifdef-complexity"
    severity = "info"
    title = "more configuration conditionals"

    def run(self, ctx: PatchContext) -> Iterable[Finding]:
        reported: set[str] = set()
        for result in ctx.results:
            if result.after is None:
                continue
            lines = result.after.split("\n")
            added_conditionals = []
            for number in sorted(result.added):
                if number <= len(lines) and _COND.match(lines[number - 1]):
                    added_conditionals.append(number)
            symbols: set[str] = set()
            if added_conditionals:
                try:
                    directives = {d.line: d for d in scan(result.after, result.path).directives}
                except ReviewtoolError:
                    directives = {}
                for number in added_conditionals:
                    directive = directives.get(number)
                    if directive is not None and directive.expr is not None:
                        symbols |= set(config_symbols(directive.expr))
                if symbols:
                    first = added_conditionals[0]
                    yield Finding(
                        id=self.id, severity=self.severity, patch=ctx.index, file=result.path,
                        line=first, side="target",
                        message=f"adds {len(added_conditionals)} configuration conditional(s) "
                                f"on {', '.join(sorted(symbols))} to {result.path}",
                        evidence={"kind": "tree-stats",
                                  "counts": {"conditionals_added": len(added_conditionals)},
                                  "symbols": sorted(symbols)},
                        diff_line=result.target_to_diff.get(first))
            yield from self._dependent_macros(ctx, result, lines, reported)

    def _dependent_macros(self, ctx: PatchContext, result, lines, seen: set[str]
                          ) -> Iterable[Finding]:
        table = ctx.table
        if table is None:
            return
        for number in sorted(result.added):
            match = _DEFINE.match(lines[number - 1]) if number <= len(lines) else None
            if not match or match.group(1) in seen:
                continue
            name = match.group(1)
            seen.add(name)
            values: dict[str, list] = {}
            for col, model in enumerate(table.after):
                value = model.macro_value(name)
                if value is None:
                    continue
                values.setdefault(value, []).append(table.classes[col])
            if len(values) < 2:
                continue
            touched = [r.path for r in ctx.results if r.after is not None]
            users = sorted({d.name for model in table.after for path in touched
                            for d in model.by_file.get(path, ())
                            if re.search(rf"\b{re.escape(name)}\b", d.text)})
            described = "; ".join(f"{v} with {' or '.join(format_config(c) for c in cs)}"
                                  for v, cs in values.items())
            used = f", used by {', '.join(users[:5])}" if users else ""
            yield Finding(
                id=self.id, severity=self.severity, patch=ctx.index, file=result.path,
                line=number, side="target", function=None,
                message=f"adds {name}, which has {len(values)} values depending on the "
                        f"configuration ({described}){used}",
                evidence={"kind": "tree-stats", "counts": {"values": len(values),
                                                           "users": len(users)},
                          "macro": name, "values": {v: [dict(c) for c in cs]
                                                    for v, cs in values.items()},
                          "users": users},
                diff_line=result.target_to_diff.get(number))
