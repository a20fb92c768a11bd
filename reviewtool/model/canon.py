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
from functools import lru_cache
from typing import Mapping, Sequence

from ..errors import ModelError
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
    try:
        return int(digits)
    except ValueError:  # more digits than Python converts (4,300): not folded
        return None


def _truth(value: int | None) -> bool | None:
    return None if value is None else value != 0


class _Printer:
    def __init__(self, live_labels: set[str] | None = None) -> None:
        self.uncertain = False
        # Locals initialised once with a pure expression and never written again: their uses
        # print as the initialiser (`size_t n = 4 * sizeof(pgd_t); f(n);` is `f(4 * sizeof
        # pgd_t);`).
        self.subst: dict[str, object] = {}
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
        """:meth:`_const`, memoised per node: :meth:`expr` asks it at every level of a nested
        expression, which was quadratic on long chains (hostile input: thousands of ``&&``)."""
        key = (node.id, id(self.subst))
        memo = self.__dict__.setdefault("_const_memo", {})
        if key not in memo:
            memo[key] = self._const(node)
        return memo[key]

    def _const(self, node) -> int | None:
        kind = node.type
        if kind == "identifier" and node_text(node) in self.subst:
            return self.const(self.subst[node_text(node)])
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
            # (x && 0 is not dropped: x may have effects; a constant left is folded)
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
        if kind == "identifier" and node_text(node) in self.subst:
            init = self.subst[node_text(node)]
            text = self.expr(init)
            parent = node.parent.type if node.parent is not None else ""
            if init.type in ("binary_expression", "conditional_expression") and parent in (
                    "binary_expression", "unary_expression", "cast_expression",
                    "field_expression", "subscript_expression", "pointer_expression",
                    "conditional_expression", "update_expression"):
                return f"( {text} )"
            return text
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
            if op == "&&" and left not in (None, 0):
                return f"!!({self.expr(right_node)})"
            if op == "||" and left == 0:
                return f"!!({self.expr(right_node)})"
            right = self.const(right_node)
            if (op == "&&" and right not in (None, 0)) or (op == "||" and right == 0):
                return f"!!({self.expr(left_node)})"  # x && 1, x || 0: the truth of x
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
            lines = [f"if {_condition(self.expr(cond_node))} {{"] + _indent(self.stmt(cons))
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
            return ([f"while {_condition(self.expr(cond_node))} {{"]
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


def _wraps(text: str, start: int) -> bool:
    """Whether the parenthesis at ``start`` closes at the end of ``text``."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index == len(text) - 1
    return False


_OPERAND = re.compile(r"[A-Za-z_]\w*")  # a name: ``! ! x`` tests what ``x`` tests


def _condition(text: str) -> str:
    """A condition as C tests it, only its truth: ``(!!((x)))`` is ``(x)``."""
    inner = text.strip()
    while True:
        if inner.startswith("(") and _wraps(inner, 0):
            inner = inner[1:-1].strip()
        elif inner.startswith("!!(") and _wraps(inner, 2):
            inner = inner[3:-1].strip()
        elif inner.startswith("! ! (") and _wraps(inner, 4):
            inner = inner[5:-1].strip()
        elif inner.startswith("! ! ") and _OPERAND.fullmatch(inner[4:]):
            inner = inner[4:]
        else:
            return f"({inner})"


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


_WRITES = ("assignment_expression", "update_expression")


def _single_assignment_locals(body, live_writes: set[str] | None) -> dict[str, object]:
    """Top-level locals ``T x = pure-expr;`` whose name and inputs nothing writes later:
    ``live_writes`` from the previous pass, else every write in the body."""
    written: set[str] = set()
    stack = [] if live_writes is not None else list(body.named_children)
    if live_writes is not None:
        written = set(live_writes)
    covered: set[int] = set()  # nodes whose identifiers are in `written` already

    def names(top) -> set[str]:
        """_identifiers(top), skipping what an enclosing write already counted: nested
        ``& & & x`` or ``x++ ++ ++`` were walked once per level (quadratic, hostile input)."""
        out, todo = set(), [top]
        while todo:
            current = todo.pop()
            if current.id in covered:
                continue
            covered.add(current.id)
            if current.type == "identifier":
                out.add(node_text(current))
            todo.extend(current.named_children)
        return out

    while stack:
        node = stack.pop()
        if node.type in _WRITES:
            target = node.child_by_field_name("left") or node.child_by_field_name("argument")
            if target is not None:
                written.update(names(target))
        elif node.type == "pointer_expression" and node_text(node).startswith("&"):
            written.update(names(node))
        stack.extend(node.named_children)
    subst: dict[str, object] = {}
    for child in body.named_children:
        if child.type != "declaration":
            continue
        inits = [c for c in child.named_children if c.type == "init_declarator"]
        if len(inits) != 1 or len([c for c in child.children if c.type == ","]):
            continue
        declarator = inits[0].child_by_field_name("declarator")
        value = inits[0].child_by_field_name("value")
        if declarator is None or value is None or declarator.type != "identifier":
            continue
        name = node_text(declarator)
        if not name:
            continue  # a MISSING identifier tree-sitter put in to recover (fuzz run)
        if name in written or _has_call(value) or value.type == "initializer_list" \
                or _identifiers(value) & written:
            continue
        if "static" in node_text(child).split(name)[0]:
            continue
        subst[name] = value
    return subst


def _declares(declaration) -> str | None:
    for child in declaration.named_children:
        if child.type == "init_declarator":
            declarator = child.child_by_field_name("declarator")
            if declarator is not None and declarator.type == "identifier":
                return node_text(declarator)
    return None


def _identifiers(node) -> set[str]:
    out, stack = set(), [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            out.add(node_text(current))
        stack.extend(current.named_children)
    return out


def _has_call(node) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in ("call_expression", "assignment_expression", "update_expression"):
            return True
        stack.extend(current.named_children)
    return False


_GOTO = re.compile(r"\bgoto\s+([A-Za-z_]\w*)")


def canonical_body(body_text: str, returns_void: bool = True) -> Canon:
    """:func:`_canonical_body`; C nested too deeply for the recursive printer (hostile
    input: thousands of ``!`` or ``(``) raises :class:`~reviewtool.errors.ModelError`."""
    try:
        return _canonical_body(body_text, returns_void)
    except RecursionError:
        raise ModelError("C nested too deeply to model (deeper than the recursion "
                         "limit)") from None


def _canonical_body(body_text: str, returns_void: bool = True) -> Canon:
    """Canonical form of a (macro-expanded) compound statement ``{ ... }``.

    Folding changes what is live, so the body is printed again until nothing moves: labels
    after a folded-away return stay only if a live ``goto`` still names them, and a local is
    replaced by its initialiser only if no live statement writes it (``pgd_size = PAGE_SIZE``
    inside a branch that ``if (!SHARED_KERNEL_PMD)`` folds away does not count).
    """
    live: set[str] | None = None
    written: set[str] | None = None
    canon = Canon(())
    for _ in range(4):
        canon, decl_lines = _canonical_pass(body_text, returns_void, live, written)
        targets = {m for line in canon.lines for m in _GOTO.findall(line)}
        writes = _written_names([l for i, l in enumerate(canon.lines) if i not in decl_lines])
        if live is not None and targets == live and writes == written:
            break
        live, written = targets, writes
    return canon


_ASSIGNED = re.compile(r"\b([A-Za-z_]\w*)\s*(?:<<|>>|[-+*/%&|^])?=(?!=)")
_UPDATED = re.compile(r"(?:\+\+|--)\s*([A-Za-z_]\w*)|\b([A-Za-z_]\w*)\s*(?:\+\+|--)|&\s*([A-Za-z_]\w*)")


def _written_names(lines: Sequence[str]) -> set[str]:
    names: set[str] = set()
    for line in lines:
        names.update(_ASSIGNED.findall(line))
        for groups in _UPDATED.findall(line):
            names.update(g for g in groups if g)
    return names


def _canonical_pass(body_text: str, returns_void: bool, live: set[str] | None,
                    written: set[str] | None) -> tuple[Canon, set[int]]:
    source = "void __reviewtool_canon__(void)\n" + body_text + "\n"
    root = parse(source).root_node
    printer = _Printer(live)
    func = next((c for c in root.named_children if c.type == "function_definition"), None)
    body = func.child_by_field_name("body") if func is not None else None
    if body is None:
        return Canon(tuple(_tokens_only(body_text)), uncertain=True,
                     note="body could not be parsed"), set()
    if root.has_error:
        printer.uncertain = True
    printer.subst = _single_assignment_locals(body, written)
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
        if child.type == "declaration" and _declares(child) in printer.subst:
            continue  # its uses print as the initialiser
        emitted = printer.stmt(child)
        if child.type == "declaration":
            declarations.update(range(len(lines), len(lines) + len(emitted)))
        lines.extend(emitted)
        if child.type in JUMPS or _ends_in_jump(printer, child):
            dead = True
    if returns_void:
        while lines and lines[-1] == "return ;":
            lines.pop()
    kept = _drop_unused_declarations(lines, {i for i in declarations if i < len(lines)})
    declared = {id(lines[j]) for j in declarations if j < len(lines)}  # identity, in one pass
    decl_lines = {i for i, line in enumerate(kept) if id(line) in declared}
    return Canon(tuple(_pretty(line) for line in kept), uncertain=printer.uncertain), decl_lines


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
    todo = [w for w in _words_of(text) if w in macros]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        body = getattr(macros[name], "body", "")
        todo.extend(w for w in _words_of(body) if w in macros and w not in seen)
    return seen


@lru_cache(maxsize=200_000)
def _words_of(text: str) -> frozenset[str]:
    """The identifiers of a text, once per distinct text: every configuration of a review
    follows the same macro bodies (WARN_ON, pr_err and what they use) from the same function."""
    return frozenset(_WORD.findall(text))


def fold_expression(text: str) -> str:
    """An expression's folded, readable form: ``(4 - ((0xc0000000UL) / (1UL << 30)))`` -> ``1``."""
    canon = canonical_body("{ __reviewtool_value__ = " + text + "; }")
    if len(canon.lines) == 1 and canon.lines[0].startswith("__reviewtool_value__ = "):
        return canon.lines[0][len("__reviewtool_value__ = "):].rstrip(";")
    return " ".join(text.split())
