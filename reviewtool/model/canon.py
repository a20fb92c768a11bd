"""Canonical behaviour of a function body in one configuration.

The body is macro-expanded with that configuration's macro table, re-parsed, and printed one
statement per line with everything the compiler would fold already folded:

- integer constant expressions are evaluated (``!1`` -> ``0``, ``1UL << 22`` -> ``4194304``);
- ``if (0) ...`` / ``if (1) ...`` keep only the live branch; ``do { ... } while (0)`` is its body;
  ``?:``, ``&&`` and ``||`` with a constant operand are reduced;
- statements after an unconditional ``return``/``goto``/``break``/``continue`` in the same block are
  dead (up to the next label);
- expression statements without effect (``((void)0);``, ``;``) vanish, and so does a trailing
  ``return;`` of a void function;
- local declarations whose names nothing uses any more (and whose initialiser calls nothing) go.

So the no-op macro ``#define vmalloc_sync_all() ((void)0)`` and the function
``void vmalloc_sync_all(void) { if (1) return; ... }`` both have an empty canonical body, and two
versions of a function compare equal exactly when they do the same thing modulo this folding.
``uncertain`` is set when tree-sitter could not parse part of the body (an ERROR node): equality is
then still meaningful, inequality may be an artefact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from .parse import node_text, parse

_INT = re.compile(r"^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$")
_WORD = re.compile(r"[A-Za-z_]\w*")
JUMPS = ("return_statement", "goto_statement", "break_statement", "continue_statement")
MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Canon:
    lines: tuple[str, ...]
    uncertain: bool = False
    note: str = ""

    @property
    def empty(self) -> bool:
        return not self.lines


def _int(text: str) -> int | None:
    m = _INT.match(text.strip())
    if not m:
        return None
    digits = m.group(1)
    if digits.lower().startswith("0x"):
        return int(digits, 16)
    if digits.startswith("0") and len(digits) > 1:
        return int(digits, 8)
    return int(digits)


def _truth(value: int | None) -> bool | None:
    return None if value is None else value != 0


class _Printer:
    def __init__(self, live_labels: set[str] | None = None) -> None:
        self.uncertain = False
        # Labels some live `goto` names; None means all labels count as live (first pass).
        self.live_labels = live_labels

    def reachable_label(self, node) -> bool:
        if node.type != "labeled_statement":
            return False
        if self.live_labels is None:
            return True
        label = node.child_by_field_name("label")
        return label is not None and node_text(label) in self.live_labels

    # -- expressions ---------------------------------------------------------------------
    def const(self, node) -> int | None:
        kind = node.type
        if kind == "number_literal":
            return _int(node_text(node))
        if kind == "parenthesized_expression":
            inner = [c for c in node.named_children if c.type != "comment"]
            return self.const(inner[0]) if len(inner) == 1 else None
        if kind == "cast_expression":
            value = node.child_by_field_name("value")
            return self.const(value) if value is not None else None
        if kind == "unary_expression":
            op = node_text(node.child_by_field_name("operator"))
            arg = self.const(node.child_by_field_name("argument"))
            if arg is None:
                return None
            return {"!": int(not arg), "-": -arg, "+": arg, "~": ~arg & MASK64}.get(op)
        if kind == "binary_expression":
            op = node_text(node.child_by_field_name("operator"))
            left = self.const(node.child_by_field_name("left"))
            if op == "&&" and left == 0:
                return 0
            if op == "||" and left not in (None, 0):
                return 1
            right = self.const(node.child_by_field_name("right"))
            if op == "&&" and right == 0:
                return None  # left may have effects; not a constant expression to drop
            if left is None or right is None:
                return None
            return _binop(op, left, right)
        if kind == "conditional_expression":
            test = self.const(node.child_by_field_name("condition"))
            if test is None:
                return None
            branch = node.child_by_field_name("consequence" if test else "alternative")
            return self.const(branch) if branch is not None else None
        return None

    def expr(self, node) -> str:
        value = self.const(node)
        if value is not None:
            return str(value)
        kind = node.type
        if kind == "ERROR":
            self.uncertain = True
        if kind == "comment":
            return ""
        if kind == "parenthesized_expression":
            inner = [c for c in node.named_children if c.type != "comment"]
            if len(inner) == 1 and inner[0].type in ("identifier", "number_literal",
                                                      "parenthesized_expression",
                                                      "field_expression", "call_expression"):
                return self.expr(inner[0])
        if kind == "conditional_expression":
            test = self.const(node.child_by_field_name("condition"))
            if test is not None:
                branch = node.child_by_field_name("consequence" if test else "alternative")
                if branch is not None:
                    return self.expr(branch)
        if kind == "binary_expression":
            op = node_text(node.child_by_field_name("operator"))
            left_node = node.child_by_field_name("left")
            right_node = node.child_by_field_name("right")
            left = self.const(left_node)
            right = self.const(right_node)
            if op == "&&" and left not in (None, 0):
                return f"!!({self.expr(right_node)})"
            if op == "||" and left == 0:
                return f"!!({self.expr(right_node)})"
        if node.child_count == 0 or kind in ("string_literal", "char_literal",
                                               "concatenated_string"):
            return " ".join(node_text(node).split()) if kind == "concatenated_string" \
                else node_text(node)
        parts = [self.expr(child) for child in node.children]
        return " ".join(p for p in parts if p)

    # -- statements ----------------------------------------------------------------------
    def block(self, node) -> list[str]:
        out: list[str] = []
        dead = False
        for child in node.named_children:
            if child.type == "comment":
                continue
            if dead and not self.reachable_label(child):
                continue
            dead = False
            out.extend(self.stmt(child))
            if child.type in JUMPS or _ends_in_jump(self, child):
                dead = True
        return out

    def stmt(self, node) -> list[str]:
        kind = node.type
        if kind == "compound_statement":
            return self.block(node)
        if kind == "comment":
            return []
        if kind == "if_statement":
            cond_node = node.child_by_field_name("condition")
            test = self.const(cond_node)
            cons = node.child_by_field_name("consequence")
            alt = node.child_by_field_name("alternative")
            if alt is not None and alt.type == "else_clause":
                alt = alt.named_children[-1] if alt.named_children else None
            if test is not None:
                chosen = cons if test else alt
                return self.stmt(chosen) if chosen is not None else []
            lines = [f"if {self.expr(cond_node)} {{"] + _indent(self.stmt(cons))
            if alt is not None:
                lines += ["} else {"] + _indent(self.stmt(alt))
            return lines + ["}"]
        if kind == "do_statement":
            cond_node = node.child_by_field_name("condition")
            body = self.stmt(node.child_by_field_name("body"))
            if self.const(cond_node) == 0 and not _has_break(node.child_by_field_name("body")):
                return body
            return ["do {"] + _indent(body) + [f"}} while {self.expr(cond_node)}"]
        if kind == "while_statement":
            cond_node = node.child_by_field_name("condition")
            if self.const(cond_node) == 0:
                return []
            return ([f"while {self.expr(cond_node)} {{"]
                    + _indent(self.stmt(node.child_by_field_name("body"))) + ["}"])
        if kind == "for_statement":
            body = node.child_by_field_name("body")
            head = [self.expr(c) for c in node.children
                    if c != body and c.type not in ("for", "comment")]
            return [f"for {' '.join(h for h in head if h)} {{"] + _indent(
                self.stmt(body) if body is not None else []) + ["}"]
        if kind == "switch_statement":
            cond_node = node.child_by_field_name("condition")
            return ([f"switch {self.expr(cond_node)} {{"]
                    + _indent(self.stmt(node.child_by_field_name("body"))) + ["}"])
        if kind == "case_statement":
            value = node.child_by_field_name("value")
            head = f"case {self.expr(value)}:" if value is not None else "default:"
            lines = [head]
            for child in node.named_children:
                if child != value and child.type != "comment":
                    lines.extend(self.stmt(child))
            return lines
        if kind == "labeled_statement":
            label = node.child_by_field_name("label")
            rest = [c for c in node.named_children if c != label and c.type != "comment"]
            lines = [f"{node_text(label)}:"]
            for child in rest:
                lines.extend(self.stmt(child))
            return lines
        if kind == "expression_statement":
            inner = [c for c in node.named_children if c.type != "comment"]
            if not inner:
                return []
            if all(self._no_effect(c) for c in inner):
                return []
            return [" ".join(self.expr(c) for c in inner) + " ;"]
        if kind == "ERROR":
            self.uncertain = True
        return [self.expr(node)]

    def _no_effect(self, node) -> bool:
        """A constant, possibly cast to void: ``((void)0)``."""
        if self.const(node) is not None:
            return True
        if node.type == "parenthesized_expression" and len(node.named_children) == 1:
            return self._no_effect(node.named_children[0])
        if node.type == "cast_expression":
            value = node.child_by_field_name("value")
            return value is not None and self._no_effect(value)
        return False


def _ends_in_jump(printer: _Printer, node) -> bool:
    """``if (1) return;`` folds to a jump too."""
    if node.type == "if_statement":
        test = printer.const(node.child_by_field_name("condition"))
        cons = node.child_by_field_name("consequence")
        alt = node.child_by_field_name("alternative")
        if alt is not None and alt.type == "else_clause":
            alt = alt.named_children[-1] if alt.named_children else None
        chosen = cons if test else alt
        if test is None or chosen is None:
            return False
        return chosen.type in JUMPS or _ends_in_jump(printer, chosen)
    if node.type == "compound_statement":
        kids = [c for c in node.named_children if c.type != "comment"]
        return bool(kids) and (kids[-1].type in JUMPS or _ends_in_jump(printer, kids[-1]))
    return False


def _has_break(node) -> bool:
    if node is None:
        return False
    if node.type == "break_statement":
        return True
    if node.type in ("for_statement", "while_statement", "do_statement", "switch_statement"):
        return False
    return any(_has_break(c) for c in node.named_children)


def _binop(op: str, a: int, b: int) -> int | None:
    try:
        result = {
            "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
            "/": lambda: int(a / b) if b else None, "%": lambda: a % b if b else None,
            "<<": lambda: (a << b) & MASK64 if 0 <= b < 64 else None,
            ">>": lambda: a >> b if 0 <= b < 64 else None,
            "<": lambda: int(a < b), ">": lambda: int(a > b), "<=": lambda: int(a <= b),
            ">=": lambda: int(a >= b), "==": lambda: int(a == b), "!=": lambda: int(a != b),
            "&": lambda: a & b, "|": lambda: a | b, "^": lambda: a ^ b,
            "&&": lambda: int(bool(a) and bool(b)), "||": lambda: int(bool(a) or bool(b)),
        }[op]()
    except KeyError:
        return None
    return result


def _indent(lines: list[str]) -> list[str]:
    return ["\t" + line for line in lines]


def _declared(line: str) -> set[str]:
    """Names a canonical declaration line declares: the last identifier before '=', ',' or ';'
    at each declarator, and for macro declarations (``DECLARE_BITMAP ( insync , 1024 )``) the
    first argument."""
    head = line.split("=", 1)[0]
    m = re.match(r"^(?:static\s+)?([A-Z_][A-Z0-9_]*)\s*\(\s*([A-Za-z_]\w*)", head)
    if m:
        return {m.group(2)}
    names = set()
    for part in head.rstrip(" ;").split(","):
        words = _WORD.findall(part.split("[")[0])
        if words:
            names.add(words[-1])
    return names


def _drop_unused_declarations(lines: list[str], declarations: set[int]) -> list[str]:
    changed = True
    keep = list(range(len(lines)))
    while changed:
        changed = False
        for index in list(keep):
            if index not in declarations:
                continue
            line = lines[index]
            init = line.split("=", 1)[1] if "=" in line else ""
            if "(" in init and re.search(r"[A-Za-z_]\w*\s*\(", init):
                continue  # the initialiser calls something: keep its effect
            names = _declared(line)
            used = any(names & set(_WORD.findall(lines[other]))
                       for other in keep if other != index)
            if not used:
                keep.remove(index)
                changed = True
    return [lines[i] for i in keep]


_GOTO = re.compile(r"\bgoto\s+([A-Za-z_]\w*)")


def canonical_body(body_text: str, returns_void: bool = True) -> Canon:
    """Canonical form of a (macro-expanded) compound statement ``{ ... }``.

    Labels after a folded-away return are reachable only through a live ``goto``: the body is
    printed again with the labels the previous pass still jumps to, until that set is stable.
    """
    live: set[str] | None = None
    for _ in range(4):
        canon = _canonical_pass(body_text, returns_void, live)
        targets = {m for line in canon.lines for m in _GOTO.findall(line)}
        if live is not None and targets == live:
            break
        live = targets
    return canon


def _canonical_pass(body_text: str, returns_void: bool, live: set[str] | None) -> Canon:
    source = "void __reviewtool_canon__(void)\n" + body_text + "\n"
    root = parse(source).root_node
    printer = _Printer(live)
    func = next((c for c in root.named_children if c.type == "function_definition"), None)
    body = func.child_by_field_name("body") if func is not None else None
    if body is None:
        return Canon(tuple(_tokens_only(body_text)), uncertain=True,
                     note="body could not be parsed")
    if root.has_error:
        printer.uncertain = True
    # Declarations are only dropped at the top level of the body, where their scope is the body.
    lines: list[str] = []
    declarations: set[int] = set()
    dead = False
    for child in body.named_children:
        if child.type == "comment":
            continue
        if dead and not printer.reachable_label(child):
            continue
        dead = False
        emitted = printer.stmt(child)
        if child.type == "declaration":
            declarations.update(range(len(lines), len(lines) + len(emitted)))
        lines.extend(emitted)
        if child.type in JUMPS or _ends_in_jump(printer, child):
            dead = True
    if returns_void:
        while lines and lines[-1] == "return ;":
            lines.pop()
    lines = _drop_unused_declarations(lines, {i for i in declarations if i < len(lines)})
    return Canon(tuple(_pretty(line) for line in lines), uncertain=printer.uncertain)


_SPACING = [
    (re.compile(r"\( "), "("), (re.compile(r" \)"), ")"), (re.compile(r" ,"), ","),
    (re.compile(r"(?<=[\w\]\)]) \("), "("),   # f ( -> f(
    (re.compile(r" ;$"), ";"), (re.compile(r" ?(\.|->) ?"), r"\1"),
    (re.compile(r"\[ "), "["), (re.compile(r" \]"), "]"), (re.compile(r" \["), "["),
    (re.compile(r"(\+\+|--) (?=[\w(])"), r"\1"), (re.compile(r"(?<=[\w)]) (\+\+|--)"), r"\1"),
]


def _pretty(line: str) -> str:
    """Readable spacing; deterministic, so equal bodies stay equal."""
    indent = len(line) - len(line.lstrip("\t"))
    text = line[indent:]
    for pattern, repl in _SPACING:
        text = pattern.sub(repl, text)
    return "\t" * indent + text


def _tokens_only(text: str) -> list[str]:
    return [" ".join(text.split())] if text.strip() else []


def expanded_body(definition_text: str, expand_fn) -> str:
    """The definition's body ``{...}`` with macros expanded by ``expand_fn``."""
    start = definition_text.find("{")
    if start < 0:
        return "{}"
    return "{ " + expand_fn(definition_text[start + 1:definition_text.rfind("}")]) + " }"


def canonical_macro_call(body: str, expand_fn) -> Canon:
    """Canonical form of a function-like macro used as a statement (``M(...);``)."""
    return canonical_body("{ " + expand_fn(body) + " ; }")


def referenced_macros(text: str, macros: Mapping[str, object]) -> set[str]:
    """Macro names used by ``text``, transitively through macro bodies."""
    seen: set[str] = set()
    todo = [w for w in _WORD.findall(text) if w in macros]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        body = getattr(macros[name], "body", "")
        todo.extend(w for w in _WORD.findall(body) if w in macros and w not in seen)
    return seen
