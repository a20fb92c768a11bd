"""Review without a tree: what the diff alone says about configurations.

With ``--no-tree`` (or when no tree can be found) there are no headers, no Kconfig and no
function bodies beyond the hunks. What remains is the preprocessor structure the hunks show:
each hunk's pre- and post-image lines (:mod:`reviewtool.patch.partial`) are projected onto
every assignment of the ``CONFIG_`` symbols their conditionals use, and the surviving code
lines compared. A hunk whose code changes in an out-of-scope configuration differently from
the others (a guard removed, a block moved out of an ``#ifdef``) is a ``config-change``; it
is an error when the hunk shows its enclosing conditionals, a warning saying so when an
``#if`` lies outside the hunk. A change made alike in every configuration is a warning:
without the tree's macros nothing can be folded.
"""

from __future__ import annotations

import itertools
import re
from typing import Mapping, Sequence

from ..errors import ReviewtoolError
from ..findings import Finding
from ..patch import Patch
from ..patch.partial import partial_images
from ..variants.conditions import scan
from ..variants.config import Configuration
from ..variants.preprocess import project
from .context import infer_scope

MAX_SYMBOLS = 6
_COMMENT = re.compile(r"/\*.*?\*/|//.*$")
_FUNCTION = re.compile(r"([A-Za-z_]\w*)\s*\(")


def _code(lines: Sequence[str]) -> list[str]:
    out = []
    for line in lines:
        text = " ".join(_COMMENT.sub(" ", line).split())
        if text and not text.startswith(("*", "/*", "#")):
            out.append(text)
    return out


def _function(section: str) -> str | None:
    match = _FUNCTION.search(section or "")
    return match.group(1) if match else None


def review_patch_only(index: int, mail, patch: Patch, arch: str,
                      scope_override: Sequence[str] | None = None,
                      words: Mapping[str, str] | None = None):
    """(findings, notes, scope, scope reason) for one patch reviewed from its diff alone."""
    notes = ["patch-only review: no tree, so no headers, Kconfig or whole functions; "
             "conclusions rest on the conditionals the hunks show"]
    images = []
    symbols: set[str] = set()
    for fpatch in patch.files:
        if not fpatch.path.endswith((".c", ".h")):
            continue
        before, after = partial_images(fpatch)
        for image in (before, after):
            try:
                symbols |= set(scan(image.text, fpatch.path).symbols)
            except ReviewtoolError as err:
                notes.append(f"{fpatch.path}: {err.one_line()}")
        images.append((fpatch, before, after))
    if scope_override:
        scope, reason = list(scope_override), "given with --scope"
    else:
        scope, reason = infer_scope(mail, None, arch, words, symbols)
    findings: list[Finding] = []
    if not scope:
        notes.append("no scope inferred: config-change needs one (--scope)")
        return findings, notes, scope, reason
    varied = sorted(symbols | set(scope))[:MAX_SYMBOLS]
    if len(symbols | set(scope)) > MAX_SYMBOLS:
        notes.append(f"only {MAX_SYMBOLS} symbols varied: {', '.join(varied)}")
    configs = [Configuration(dict(zip(varied, values)))
               for values in itertools.product(("y", "n"), repeat=len(varied))]
    for fpatch, before, after in images:
        projected = []
        for config in configs:
            try:
                projected.append((config, project(before.text, config, fpatch.path).split("\n"),
                                  project(after.text, config, fpatch.path).split("\n")))
            except ReviewtoolError as err:
                notes.append(f"{fpatch.path}: {err.one_line()}")
                break
        for hunk in fpatch.hunks:
            src = range(hunk.source_start, hunk.source_start + hunk.source_length)
            tgt = range(hunk.target_start, hunk.target_start + hunk.target_length)
            changed = {}
            for config, pre, post in projected:
                old = _code(pre[n - 1] for n in src if 0 < n <= len(pre))
                new = _code(post[n - 1] for n in tgt if 0 < n <= len(post))
                changed[config] = (old != new, tuple(old), tuple(new))
            out_of_scope = [c for c in changed if all(c.get(s, "n") == "n" for s in scope)]
            hits = [c for c in out_of_scope if changed[c][0]]
            if not hits:
                continue
            alike = len({changed[c][1:] for c in changed}) == 1 or all(
                changed[c][0] for c in changed) and len({changed[c][2] for c in changed}) == 1
            unknown = any(n in before.unknown_lines for n in src) or any(
                n in after.unknown_lines for n in tgt)
            function = _function(hunk.section)
            where = " or ".join(", ".join(f"{k}={v}" for k, v in c.items()) for c in hits[:4])
            if unknown:
                severity = "warning"
                why = ("uncertain: the #if enclosing this hunk lies outside it, so its "
                       "condition is unknown")
            elif alike:
                severity = "warning"
                why = ("the change is the same in every configuration; without the tree its "
                       "macros cannot be folded, so whether it matters out of scope is not "
                       "decided")
            else:
                severity = "error"
                why = "the hunk's own conditionals make this change configuration-specific"
            message = (f"{'in ' + function + '(): ' if function else ''}code changes with "
                       f"{where}, outside the patch's scope ({', '.join(scope)}); {why}.")
            findings.append(Finding(
                id="config-change", severity=severity, message=message, patch=index,
                file=fpatch.path, line=hunk.target_start, side="target", function=function,
                configs=tuple(tuple((k, v) for k, v in c.items() if k in symbols | set(scope))
                              for c in hits),
                evidence={"kind": "variant-diff", "before": "hunk", "after": "hunk",
                          "verdict": "changed", "patch_only": True, "uncertain": unknown},
                diff_line=hunk.diff_line, hunk=hunk.header))
    return findings, notes, scope, reason
