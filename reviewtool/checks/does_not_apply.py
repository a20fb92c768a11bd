"""does-not-apply: a hunk that does not apply to the tree."""

from __future__ import annotations

from typing import Iterable

from ..findings import Finding
from . import Check
from .context import PatchContext


class DoesNotApply(Check):
    """A hunk of the patch does not apply to the tree it is reviewed against.

    Rationale: a review of a patch that does not apply reviews something else. reviewtool applies
    every hunk in memory with the offsets and fuzz GNU patch tolerates and names each hunk it
    cannot place, with the first line it could not find. The other hunks are still applied and
    reviewed.

    Bad: a hunk whose context was changed by another patch queued first
    (``line 598 is 'spin_lock(&pgd_lock);', expected 'spin_lock_irqsave(&pgd_lock, flags);'``).

    Good: rebase the patch on the tree it is sent against.
    """

    id = "does-not-apply"
    severity = "error"
    title = "hunk does not apply"

    def run(self, ctx: PatchContext) -> Iterable[Finding]:
        for result in ctx.results:
            for hres in result.hunks:
                if hres.applied:
                    continue
                hunk = hres.hunk
                yield Finding(
                    id=self.id, severity=self.severity, patch=ctx.index, file=result.path,
                    line=hunk.source_start, side="source", function=hunk.section or None,
                    message=f"hunk {hunk.index + 1} ({hunk.header}) does not apply: "
                            f"{hres.reason}",
                    evidence={"kind": "apply", "hunk": hunk.header, "reason": hres.reason},
                    diff_line=hunk.diff_line, hunk=hunk.header)
