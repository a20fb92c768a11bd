"""config-change: the patch changes what is built, or how it behaves, outside its scope."""

from __future__ import annotations

import re
from typing import Iterable

from ..findings import Finding, format_config
from ..model.compare import NOTABLE, Cell
from . import Check
from .context import PatchContext
from .locate import locate_definition

KIND_WORDS = {
    "function": "a function", "variable": "a variable", "macro": "a macro",
    "no-op macro": "a no-op macro", "absent": "absent",
}


class ConfigChange(Check):
    """A patch changes compiled code or behaviour in a configuration outside its scope.

    Rationale: a patch about one feature (its scope: ``paravirt`` in the subject means
    ``CONFIG_PARAVIRT``) should leave kernels built without that feature alone. reviewtool
    builds a model of every touched function per configuration class, before and after the
    patch, folds configuration-dependent macros to their value in that class, and compares.
    A function or variable newly built (or no longer built) where every scope symbol is off is an
    error: nothing proves it unused. A body whose canonical form differs is an error; one that
    is only compiled differently (an empty function replacing a no-op macro) is reported as
    info.

    Bad (scope CONFIG_PARAVIRT; with CONFIG_X86_PAE=y, CONFIG_PARAVIRT=n the function is now
    built where a no-op macro stood)::

        -#ifndef CONFIG_X86_PAE
        -void vmalloc_sync_all(void)
        +void _vmalloc_sync_all(void)

    Good (same feature; with SHARED_KERNEL_PMD folded to 1 the body is empty, like the macro)::

        -#ifndef CONFIG_X86_PAE
         void vmalloc_sync_all(void)
         {
        +	if (SHARED_KERNEL_PMD)
        +		return;
    """

    id = "config-change"
    severity = "error"
    title = "change outside the patch's scope"

    def run(self, ctx: PatchContext) -> Iterable[Finding]:
        table = ctx.table
        if table is None or not ctx.scope:
            return
        columns = ctx.out_of_scope
        scope = ", ".join(ctx.scope)
        for name in table.names:
            groups: dict[tuple, list[int]] = {}
            for col in columns:
                cell = table.cell(name, col)
                if cell.verdict not in NOTABLE:
                    continue
                execution = None
                if cell.verdict in ("changed", "uncertain") and ctx.execute:
                    execution = ctx.execution(name, col)
                key = (cell.verdict, cell.before, cell.after,
                       execution.verdict if execution else None)
                groups.setdefault(key, []).append((col, execution))
            for (verdict, _, _, _), entries in groups.items():
                cols = [c for c, _ in entries]
                yield self._finding(ctx, name, verdict, cols, scope, entries[0][1])

    def _finding(self, ctx: PatchContext, name: str, verdict: str, cols: list[int],
                 scope: str, execution=None) -> Finding:
        table = ctx.table
        cell: Cell = table.cell(name, cols[0])
        configs = tuple(table.classes[c] for c in cols)
        where = " or ".join(format_config(c) for c in configs)
        folded = ", ".join(f"{m}={v}" for m, v in cell.folded)
        folded_note = f" (folded: {folded})" if folded else ""
        before_kind = KIND_WORDS.get(cell.before, cell.before)
        if verdict == "added":
            severity = "error"
            previously = _previously(ctx, name, cols[0])
            message = (f"functional change outside the patch's scope ({scope}): with {where}, "
                       f"{name}() is now built{previously}. Nothing proves it unused there.")
        elif verdict == "removed":
            severity = "error"
            message = (f"{name} ({before_kind}) is no longer built with {where}, outside the "
                       f"patch's scope ({scope}).")
        elif verdict == "changed":
            severity = "error"
            message = (f"functional change outside the patch's scope ({scope}): with {where}, "
                       f"{name}() behaves differently: {_summary(cell)}{folded_note}.")
        elif verdict == "uncertain":
            severity = "warning"
            message = (f"{name}() reads differently with {where}, outside the patch's scope "
                       f"({scope}){folded_note}; it {cell.note}.")
            if execution is None:
                message += " Not decided: check it, or prove it by execution."
        elif verdict == "helper":
            severity = "info"
            message = (f"{name}() is a new static function with {where}; not visible outside "
                       f"its file, it is judged through the functions that call it.")
        elif verdict == "renamed":
            severity = "info"
            message = (f"{name}() is new with {where} but carries {cell.note}; same "
                       f"behaviour once inlined.")
        else:
            severity = "info"
            extra = f"; {cell.note}" if cell.note else ""
            message = (f"{name} is compiled differently with {where} ({before_kind} before, "
                       f"{KIND_WORDS.get(cell.after, cell.after)} after) but behaves the same "
                       f"once configuration-dependent macros are folded{folded_note}{extra}.")
        side = "source" if verdict == "removed" else "target"
        location = locate_definition(ctx, name, cols, side)
        evidence = {
            "kind": "variant-diff", "before": cell.before, "after": cell.after,
            "verdict": verdict, "folded": dict(cell.folded), "diff": list(cell.diff),
        }
        if execution is not None:
            # Running the code before and after decides what folding could not.
            evidence = {**evidence, **execution.to_evidence(), "kind": "execution",
                        "folding": verdict}
            if execution.verdict == "differs":
                severity = "error"
                message += f" Executed on the i386 model: {execution.witness}."
            elif execution.verdict == "no-difference-found":
                severity = "warning"
                message += (f" Executed on the i386 model: no difference found in "
                            f"{execution.states} model states.")
            else:
                message += f" Not executable on the i386 model: {execution.reason}."
        return Finding(id=self.id, severity=severity, message=message, patch=ctx.index,
                       file=location.path, line=location.line, side=location.side,
                       function=name, configs=configs, evidence=evidence,
                       diff_line=location.diff_line, hunk=location.hunk)


def _previously(ctx: PatchContext, name: str, col: int) -> str:
    """What stood there before: the same name absent, or a sibling (``vmalloc_sync_all`` for
    ``_vmalloc_sync_all``) that was a no-op macro."""
    table = ctx.table
    stem = name.lstrip("_")
    for other in table.names:
        if other != name and other.lstrip("_") == stem:
            kind = table.before[col].kind(other)
            if kind != "absent":
                return (f" where before there was only {KIND_WORDS.get(kind, kind)} "
                        f"{other}()")
    return " where before it was not"


_LOCK = re.compile(r"\b(spin_lock\w*|spin_unlock\w*|write_lock\w*|write_unlock\w*|"
                   r"read_lock\w*|read_unlock\w*|mutex_lock\w*|mutex_unlock\w*)\(\s*&?\s*"
                   r"([A-Za-z_][\w.>-]*)")


def _locks_held(lines: tuple[str, ...]) -> list[frozenset[str]]:
    """For each canonical line, the locks held when it runs (straight-line approximation)."""
    held: set[str] = set()
    out = []
    for line in lines:
        match = _LOCK.search(line)
        if match and "unlock" in match.group(1):
            held.discard(match.group(2))
        out.append(frozenset(held))
        if match and "unlock" not in match.group(1):
            held.add(match.group(2))
    return out


def _lock_change(cell: Cell, statement: str) -> str:
    def under(lines):
        locks = _locks_held(lines)
        return next((locks[i] for i, l in enumerate(lines) if l.strip() == statement), None)

    before, after = under(cell.before_canon), under(cell.after_canon)
    if before is None or after is None or before == after:
        return ""
    call = statement.split("(")[0] + "()"
    lost, gained = sorted(before - after), sorted(after - before)
    if lost:
        return f"{call} now runs outside {', '.join(lost)} (it ran under it before)"
    return f"{call} now runs under {', '.join(gained)}"


def _summary(cell: Cell) -> str:
    """A reviewer's one-liner for a canonical diff: what moved, what appeared, what went."""
    removed = [l[1:].strip() for l in cell.diff if l.startswith("-") and l[1:].strip()]
    added = [l[1:].strip() for l in cell.diff if l.startswith("+") and l[1:].strip()]
    moved = [l for l in removed if l in added]
    parts = [change for change in (_lock_change(cell, m) for m in moved) if change]
    if moved and not parts:
        parts.append("statements reordered (" + "; ".join(_short(m) for m in moved[:2]) + ")")
    gone = [l for l in removed if l not in added]
    new = [l for l in added if l not in removed]
    if gone:
        parts.append("no longer " + "; ".join(_short(g) for g in gone[:2]))
    if new:
        parts.append("now " + "; ".join(_short(n) for n in new[:2]))
    return ", ".join(parts) or "canonical bodies differ"


def _short(line: str) -> str:
    text = " ".join(line.split())
    for a, b in ((" ( ", "("), (" )", ")"), (" ,", ","), ("( ", "("), (" ;", ";"), ("& ", "&")):
        text = text.replace(a, b)
    return text if len(text) < 70 else text[:67] + "..."
