"""naming: a new identifier breaks the tree's own convention."""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from ..findings import Finding
from . import Check
from .context import PatchContext

# Definitions of functions (at the start of a line, as kernel style puts them) and macros.
_FUNC_DEF = re.compile(r"^(?:[A-Za-z_][\w\s\*]*?[\s\*])?(_{1,2}[a-z][a-z0-9_]*)\s*\([^;]*$",
                       re.M)
_MACRO_DEF = re.compile(r"^\s*#\s*define\s+(_{1,2}[a-z][a-z0-9_]*)\b", re.M)
_NEW_NAME = re.compile(r"^_[a-z][a-z0-9_]*$")


def underscore_counts(ctx: PatchContext) -> tuple[Counter, dict[str, list[str]]]:
    """How many lower-case names the tree defines with one and with two leading underscores,
    in the arch directories and the directories the patch touches."""
    roots = {f"arch/{ctx.arch}/", f"include/asm-{ctx.arch}/", f"arch/{ctx.arch}/include/"}
    roots |= {path.rsplit("/", 1)[0] + "/" for path in (ctx.patch.paths if ctx.patch else ())}
    counts: Counter = Counter()
    examples: dict[str, list[str]] = {"__": [], "_": []}
    seen: set[str] = set()
    seen_paths: set[str] = set()
    for path in ctx.before.walk((".c", ".h"), tuple(sorted(roots))):
        if path in seen_paths:
            continue
        seen_paths.add(path)
        text = ctx.before.read(path) or ""
        for name in _FUNC_DEF.findall(text) + _MACRO_DEF.findall(text):
            if name in seen:
                continue
            seen.add(name)
            kind = "__" if name.startswith("__") else "_"
            counts[kind] += 1
            if len(examples[kind]) < 4:
                examples[kind].append(name)
    return counts, examples


class Naming(Check):
    """A new identifier breaks the naming convention the tree itself follows.

    Rationale: the kernel names the low-level variant of a function with a double underscore
    (``__pa``, ``__set_pte``, ``__flush_tlb``). A new ``_name`` next to ``name`` reads as a
    typo of that convention. reviewtool counts, in the directories the patch touches and the
    architecture's own, how many names use ``__`` and how many ``_``, and quotes the counts.

    Bad::

        +void _vmalloc_sync_all(void)

    Good::

        +void __vmalloc_sync_all(void)
    """

    id = "naming"
    severity = "warning"
    title = "name against the tree's convention"

    def run(self, ctx: PatchContext) -> Iterable[Finding]:
        new = _new_names(ctx)
        candidates = {n: w for n, w in new.items() if _NEW_NAME.match(n)}
        if not candidates:
            return
        counts, examples = underscore_counts(ctx)
        if counts["__"] <= counts["_"]:
            return
        for name, (path, line, diff_line, hunk) in sorted(candidates.items()):
            proposal = "_" + name
            message = (f"{name} starts with a single underscore; this tree names such helpers "
                       f"with two: {counts['__']} definitions use '__' "
                       f"(e.g. {', '.join(examples['__'][:3])}) against {counts['_']} with '_'"
                       f". Suggest {proposal}.")
            yield Finding(id=self.id, severity=self.severity, message=message,
                          patch=ctx.index, file=path, line=line, side="target", function=name,
                          evidence={"kind": "tree-stats",
                                    "counts": {"double_underscore": counts["__"],
                                               "single_underscore": counts["_"]},
                                    "examples": examples, "proposal": proposal},
                          diff_line=diff_line, hunk=hunk)


def _new_names(ctx: PatchContext) -> dict[str, tuple[str, int, int | None, str | None]]:
    """Functions and macros defined on lines the patch adds, and not defined before."""
    found: dict[str, tuple[str, int, int | None, str | None]] = {}
    before_text = {r.path: r.before or "" for r in ctx.results}
    for result in ctx.results:
        if result.after is None:
            continue
        lines = result.after.split("\n")
        for number in sorted(result.added):
            if number > len(lines):
                continue
            text = lines[number - 1]
            match = _FUNC_DEF.match(text) or _MACRO_DEF.match(text)
            if not match:
                continue
            name = match.group(1)
            if re.search(rf"\b{re.escape(name)}\b", before_text.get(result.path, "")):
                continue
            hunk = next((h.hunk.header for h in result.hunks if h.applied and h.target_at
                         <= number <= h.target_at + h.hunk.target_length), None)
            found.setdefault(name, (result.path, number, result.target_to_diff.get(number),
                                    hunk))
    return found
