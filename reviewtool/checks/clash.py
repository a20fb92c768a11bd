"""clash: the patch conflicts with another queued patch given with ``--against``."""

from __future__ import annotations

from typing import Iterable

from ..findings import Finding
from ..model.functions import definitions
from . import Check
from .context import PatchContext, apply_patch


def _changed_functions(results, tree) -> set[str]:
    names = set()
    for result in results:
        text = result.before
        if text is None:
            continue
        for definition in definitions(result.path, text):
            if any(definition.line <= n <= definition.end_line for n in result.removed) or any(
                    definition.line <= h.source_at <= definition.end_line
                    for h in result.hunks if h.applied):
                names.add(definition.name)
    return names


class Clash(Check):
    """The patch conflicts with another patch queued for the same tree.

    Rationale: a maintainer applies many patches; two that rewrite the same lines cannot both go
    in as they are ("Your change clashes pretty fundamentally with ..."). reviewtool applies the
    other patch (``--against``) first and then this one: a hunk that then fails is a textual clash
    (error); both patches changing the same function without textual conflict is a semantic clash
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
        mine = _changed_functions(ctx.results, ctx.before)
        for other in ctx.against:
            other_results, other_tree = apply_patch(other.patch, ctx.before)
            if not all(r.applied for r in other_results):
                continue  # the other patch does not apply here: nothing to compare
            on_top, _ = apply_patch(ctx.patch, other_tree)
            failed = [(r, h) for r in on_top for h in r.hunks if not h.applied]
            mine_ok = {(r.path, h.hunk.index) for r in ctx.results for h in r.hunks if h.applied}
            failed = [(r, h) for r, h in failed if (r.path, h.hunk.index) in mine_ok]
            info = {"subject": other.mail.subject.raw, "message_id": other.mail.message_id,
                    "source": other.mail.source}
            theirs = _changed_functions(other_results, ctx.before)
            if failed:
                result, hres = failed[0]
                hunk = hres.hunk
                common = sorted(mine & theirs)
                message = (f"clashes with \"{other.mail.subject.raw}\": {len(failed)} hunk(s) "
                           f"no longer apply once it is in (first: {result.path} {hunk.header}"
                           f": {hres.reason})")
                if common:
                    message += f"; both rewrite {', '.join(common)}"
                yield Finding(id=self.id, severity="error", message=message, patch=ctx.index,
                              file=result.path, line=hunk.source_start, side="source",
                              function=hunk.section or None,
                              evidence={"kind": "clash", "other": info, "clash": "textual",
                                        "hunks": [h.hunk.header for _, h in failed],
                                        "functions": common},
                              diff_line=hunk.diff_line, hunk=hunk.header)
                continue
            common = sorted(mine & theirs)
            if common:
                yield Finding(id=self.id, severity="warning", patch=ctx.index,
                              message=f"both this patch and \"{other.mail.subject.raw}\" change "
                                      f"{', '.join(common)}; they apply together but the "
                                      f"result needs a second look",
                              file=ctx.results[0].path if ctx.results else None,
                              function=common[0],
                              evidence={"kind": "clash", "other": info,
                                        "clash": "same-function", "functions": common})
