"""clash: the patch conflicts with another queued patch given with ``--against``."""

from __future__ import annotations

import re
from typing import Iterable

from ..findings import Finding
from ..model.functions import definitions
from . import Check
from .context import PatchContext, apply_patch

_IDENT = re.compile(r"[A-Za-z_]\w*")
_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)")
_TYPE = re.compile(r"^\s*(?:typedef\s+)?(?:struct|union|enum)\s+([A-Za-z_]\w*)\s*\{|"
                   r"^\s*typedef\b.*?\b([A-Za-z_]\w*)\s*;")
_C_WORDS = {"if", "else", "for", "while", "do", "return", "switch", "case", "break", "goto",
            "continue", "sizeof", "struct", "union", "enum", "static", "inline", "const",
            "void", "int", "long", "unsigned", "char", "short", "signed", "extern", "default"}


def _changed_functions(results) -> set[str]:
    """Functions whose pre-image holds a line the patch removes or a hunk it places."""
    names = set()
    for result in results:
        if result.before is None:
            continue
        for definition in definitions(result.path, result.before):
            if definition.kind != "function":
                continue
            if any(definition.line <= n <= definition.end_line for n in result.removed) or any(
                    definition.line <= h.source_at <= definition.end_line
                    for h in result.hunks if h.applied):
                names.add(definition.name)
    return names


def _changed_definitions(results) -> set[str]:
    """Everything the patch redefines: functions, and macros and types on changed lines."""
    names = _changed_functions(results)
    for result in results:
        for text, lines in ((result.before, result.removed), (result.after, result.added)):
            if text is None:
                continue
            source = text.split("\n")
            for number in lines:
                if number <= len(source):
                    line = source[number - 1]
                    match = _DEFINE.match(line) or _TYPE.match(line)
                    if match:
                        names.add(next(g for g in match.groups() if g))
    return names


def _new_code_identifiers(results) -> set[str]:
    found: set[str] = set()
    for result in results:
        if result.after is None:
            continue
        source = result.after.split("\n")
        for number in result.added:
            if number <= len(source):
                line = source[number - 1].split("//")[0]
                found |= set(_IDENT.findall(line)) - _C_WORDS
    return found


class Clash(Check):
    """The patch conflicts with another patch queued for the same tree.

    Rationale: a maintainer applies many patches; two that rewrite the same lines cannot both go
    in as they are ("Your change clashes pretty fundamentally with ..."). reviewtool takes the
    other patch (``--against``: an mbox, a directory of mails, a quilt ``series`` file, or a git
    branch or range) and reports three kinds of clash:

    * ``textual``: the two do not apply in either order (error); when only one order works,
      a warning says which must go first;
    * ``same-function``: both change the same function, without textual conflict (warning);
    * ``dependency``: one changes a macro, type or function that the other's new code uses
      (warning).

    Bad: two patches both rewriting ``pgd_ctor()`` and ``pgd_alloc()`` in
    arch/i386/mm/pgtable.c.

    Good: rebase one on the other, or agree on an order with the other author.
    """

    id = "clash"
    severity = "error"
    title = "conflicts with a queued patch"

    def run(self, ctx: PatchContext) -> Iterable[Finding]:
        if ctx.patch is None:
            return
        mine_ok = {(r.path, h.hunk.index) for r in ctx.results for h in r.hunks if h.applied}
        for other in ctx.against:
            other_results, other_tree = apply_patch(other.patch, ctx.before)
            if not all(r.applied for r in other_results):
                ctx.notes.append(f"--against {other.mail.source}: does not apply to this tree;"
                                 " not compared")
                continue
            info = {"subject": other.mail.subject.raw, "message_id": other.mail.message_id,
                    "source": other.mail.source}
            on_top, _ = apply_patch(ctx.patch, other_tree)
            failed_after = [(r, h) for r in on_top for h in r.hunks
                            if not h.applied and (r.path, h.hunk.index) in mine_ok]
            theirs_on_mine, _ = apply_patch(other.patch, ctx.after)
            failed_before = [(r, h) for r in theirs_on_mine for h in r.hunks if not h.applied]
            common = sorted(_changed_functions(ctx.results) & _changed_functions(other_results))
            if failed_after or failed_before:
                yield self._textual(ctx, other, info, failed_after, failed_before, common)
                continue
            if common:
                yield self._finding(ctx, "same-function", info, common,
                                    f"both this patch and \"{other.mail.subject.raw}\" change "
                                    f"{', '.join(common)}; they apply together, but the result "
                                    f"needs a second look")
                continue
            theirs_use = _new_code_identifiers(other_results) & _changed_definitions(ctx.results)
            mine_use = _new_code_identifiers(ctx.results) & _changed_definitions(other_results)
            if theirs_use or mine_use:
                parts = []
                if theirs_use:
                    parts.append(f"its new code uses {', '.join(sorted(theirs_use)[:4])}, "
                                 f"which this patch changes")
                if mine_use:
                    parts.append(f"this patch's new code uses "
                                 f"{', '.join(sorted(mine_use)[:4])}, which it changes")
                yield self._finding(ctx, "dependency", info, sorted(theirs_use | mine_use),
                                    f"depends on \"{other.mail.subject.raw}\": "
                                    + "; ".join(parts))

    def _textual(self, ctx, other, info, failed_after, failed_before, common) -> Finding:
        both = bool(failed_after) and bool(failed_before)
        first = failed_after[0] if failed_after else None
        subject = other.mail.subject.raw
        if both:
            result, hres = first
            message = (f"clashes with \"{subject}\": they do not apply in either order; "
                       f"{len(failed_after)} hunk(s) of this patch fail once it is in (first: "
                       f"{result.path} {hres.hunk.header}: {hres.reason})")
        elif failed_after:
            result, hres = first
            message = (f"applies only before \"{subject}\": {len(failed_after)} hunk(s) fail "
                       f"on top of it (first: {result.path} {hres.hunk.header})")
        else:
            message = (f"\"{subject}\" no longer applies on top of this patch "
                       f"({len(failed_before)} hunk(s) fail): it has to go first")
        if common:
            message += f"; both rewrite {', '.join(common)}"
        hunk = first[1].hunk if first else None
        return Finding(
            id=self.id, severity="error" if both else "warning", message=message,
            patch=ctx.index, file=first[0].path if first else (ctx.results[0].path
                                                               if ctx.results else None),
            line=hunk.source_start if hunk else None, side="source",
            function=(common[0] if common else None),
            evidence={"kind": "clash", "other": info, "clash": "textual",
                      "both_orders": both,
                      "hunks": [h.hunk.header for _, h in failed_after],
                      "functions": common},
            diff_line=hunk.diff_line if hunk else None, hunk=hunk.header if hunk else None)

    def _finding(self, ctx, kind, info, names, message) -> Finding:
        return Finding(id=self.id, severity="warning", patch=ctx.index, message=message,
                       file=ctx.results[0].path if ctx.results else None,
                       function=names[0] if names else None,
                       evidence={"kind": "clash", "other": info, "clash": kind,
                                 "names": names})
