"""simpler-alternative: a smaller change would do the same."""

from __future__ import annotations

from typing import Iterable

from ..findings import Finding
from ..model.parse import node_text, parse
from . import Check
from .context import PatchContext


def negate(condition: str) -> str:
    text = condition.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    if text.startswith("!") and not text.startswith("!="):
        inner = text[1:].strip()
        if _simple(inner):
            return inner
        if inner.startswith("(") and inner.endswith(")") and _balanced(inner[1:-1]):
            return inner[1:-1].strip()
    return f"!{text}" if _simple(text) else f"!({text})"


def _simple(text: str) -> bool:
    return text.replace("_", "").replace(".", "").replace("->", "").isalnum()


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def guarded_wrapper(text: str) -> tuple[str, str] | None:
    """If a function's body is exactly ``if (COND) target(args);``, return (COND, target)."""
    root = parse(text).root_node
    func = next((c for c in root.named_children if c.type == "function_definition"), None)
    if func is None:
        return None
    body = func.child_by_field_name("body")
    stmts = [c for c in body.named_children if c.type != "comment"] if body else []
    if len(stmts) != 1 or stmts[0].type != "if_statement":
        return None
    stmt = stmts[0]
    if stmt.child_by_field_name("alternative") is not None:
        return None
    cons = stmt.child_by_field_name("consequence")
    if cons.type == "compound_statement":
        inner = [c for c in cons.named_children if c.type != "comment"]
        if len(inner) != 1:
            return None
        cons = inner[0]
    if cons.type != "expression_statement" or not cons.named_children:
        return None
    call = cons.named_children[0]
    if call.type != "call_expression":
        return None
    function = call.child_by_field_name("function")
    if function is None or function.type != "identifier":
        return None
    condition = stmt.child_by_field_name("condition")
    cond_text = node_text(condition)
    if cond_text.startswith("(") and cond_text.endswith(")"):
        cond_text = cond_text[1:-1]
    return cond_text.strip(), node_text(function)


class SimplerAlternative(Check):
    """A smaller change would do the same thing.

    Rationale: renaming a function and adding a guarded inline wrapper under the old name adds a
    symbol, an indirection and (often) a configuration where the renamed body is now compiled for
    nothing. An early return at the top of the original function does the same with one line
    and keeps the name every caller knows.

    Bad::

        -void vmalloc_sync_all(void)
        +void _vmalloc_sync_all(void)
        ...
        +static inline void vmalloc_sync_all(void)
        +{
        +	if (!SHARED_KERNEL_PMD)
        +		_vmalloc_sync_all();
        +}

    Good::

         void vmalloc_sync_all(void)
         {
        +	if (SHARED_KERNEL_PMD)
        +		return;
    """

    id = "simpler-alternative"
    severity = "warning"
    title = "a smaller change would do"

    def run(self, ctx: PatchContext) -> Iterable[Finding]:
        table = ctx.table
        if table is None:
            return
        reported: set[str] = set()
        for col, model in enumerate(table.after):
            before = table.before[col]
            for name in table.names:
                if name in reported or name not in model.defs:
                    continue
                definition = model.defs[name]
                wrapper = guarded_wrapper(definition.text)
                if wrapper is None:
                    continue
                condition, target = wrapper
                renamed = (target in model.defs and target not in before.defs
                           and target.strip("_") == name.strip("_")
                           and (name in before.defs or before.kind(name) != "absent"))
                if not renamed:
                    continue
                reported.add(name)
                suggestion = f"if ({negate(condition)}) return;"
                body_at = model.defs[target]
                location = ctx.result(body_at.path)
                line = body_at.line
                diff_line = location.target_to_diff.get(line) if location else None
                hunk = None
                if location is not None:
                    hunk = next((h.hunk.header for h in location.hunks if h.applied
                                 and h.target_at <= line <= h.target_at + h.hunk.target_length),
                                None)
                message = (f"{name}() was renamed to {target}() and wrapped in an inline "
                           f"'if ({condition}) {target}();'; putting '{suggestion}' at the top "
                           f"of {name}() would do the same without the rename, the wrapper or "
                           f"the new symbol.")
                yield Finding(
                    id=self.id, severity=self.severity, message=message, patch=ctx.index,
                    file=body_at.path, line=line, side="target", function=name,
                    evidence={"kind": "suggestion", "replace": f"rename {name} -> {target} + "
                              f"wrapper 'if ({condition}) {target}();'",
                              "with": suggestion, "in": name,
                              "wrapper": {"file": definition.path, "line": definition.line}},
                    diff_line=diff_line, hunk=hunk)
