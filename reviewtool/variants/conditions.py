"""Presence conditions: under which ``#if`` condition every line of one file is compiled.

:func:`scan` reads one file's text (no include following, no macro table) and returns a
:class:`FileConditions`:

* ``directives`` -- every preprocessor directive as a :class:`Directive` (first and last
  physical line, kind, logical text with continuations joined and comments removed, the macro
  or header name, the parsed expression of ``#if``/``#elif``/``#ifdef``/``#ifndef``, and the
  parameters and body of a ``#define``);
* ``conditions[i]`` -- the presence condition of physical line ``i + 1``: the conjunction of the
  enclosing branch conditions. An ``#elif`` branch is ``!(earlier tests) && test``, an
  ``#else`` branch ``!(all tests)``. The lines of ``#if``/``#elif``/``#else``/``#endif`` get the
  condition of the block they sit in (the one outside the conditional); any other directive
  gets the condition of its branch;
* ``symbols`` -- the ``CONFIG_`` symbols the conditions depend on; ``max_depth`` -- the deepest
  nesting.

``#ifdef X`` is ``Defined("X")``, ``#ifndef X`` is ``!Defined("X")``, ``#if 0`` blocks get the
condition ``0``. Conditions are :mod:`~reviewtool.variants.expr` trees built with
``conj``/``negate``, so constant branches fold away.

What is handled: backslash continuations, ``/* */`` comments over several lines (a ``#if``
inside a comment is not a directive; a comment that starts on a directive line makes the
following lines part of that directive), ``//`` comments, ``# if`` with spaces, string and
character literals containing ``/*``, null directives, ``#elifdef``/``#elifndef``.

Errors (:class:`~reviewtool.errors.ConditionError`, with path, line and text): an ``#endif``,
``#else`` or ``#elif`` without ``#if`` (its own line), an ``#if`` never closed (the line of the
unmatched ``#if``), ``#elif``/``#else`` after ``#else``, ``#ifdef`` without a name, a malformed
expression in a branch that is not constant-false (inside ``#if 0`` it is tolerated, as C
does, and recorded as the expression ``0``), nesting deeper than :data:`MAX_DEPTH`.

Not handled: a directive that follows a multi-line comment on the comment's last line
(``*/ #define X``) is taken for ordinary text; trigraphs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConditionError
from . import _lex
from .expr import (FALSE, TRUE, Defined, Expr, Unary, config_symbols, conj, negate,
                   parse_expr)

__all__ = ["Directive", "FileConditions", "scan", "MAX_DEPTH"]

MAX_DEPTH = 256


@dataclass(frozen=True)
class Directive:
    line: int
    end_line: int
    kind: str
    text: str
    name: str | None = None
    expr: Expr | None = None
    params: tuple[str, ...] | None = None
    body: str | None = None
    variadic: bool = False


@dataclass(frozen=True)
class FileConditions:
    path: str
    directives: tuple[Directive, ...]
    conditions: tuple[Expr, ...]
    symbols: frozenset[str]
    max_depth: int

    def condition(self, line: int) -> Expr:
        """Presence condition of 1-based physical ``line`` (TRUE past the end)."""
        if 1 <= line <= len(self.conditions):
            return self.conditions[line - 1]
        return TRUE


def directive_expr(raw: _lex.Raw, path: str) -> Expr:
    """The test of an ``#if``/``#elif``/``#ifdef``/``#ifndef`` (raises ConditionError)."""
    kw = raw.keyword
    if kw in ("ifdef", "ifndef", "elifdef", "elifndef"):
        name = _lex.first_name(raw.rest)
        if name is None:
            raise ConditionError(f"#{kw} without a macro name", path=path, line=raw.line,
                                 text=raw.text)
        return Defined(name) if kw in ("ifdef", "elifdef") else Unary("!", Defined(name))
    return parse_expr(raw.rest, path, raw.line)


def make_directive(raw: _lex.Raw, expr: Expr | None) -> Directive:
    kind = raw.kind
    if kind == "define":
        parsed = _lex.parse_define(raw.rest)
        if parsed is None:
            return Directive(raw.line, raw.end_line, kind, raw.text)
        name, params, variadic, body = parsed
        return Directive(raw.line, raw.end_line, kind, raw.text, name, None, params, body,
                         variadic)
    if kind in ("ifdef", "ifndef", "undef"):
        return Directive(raw.line, raw.end_line, kind, raw.text, _lex.first_name(raw.rest),
                         expr)
    if kind == "include":
        target = _lex.include_target(raw.rest)
        return Directive(raw.line, raw.end_line, kind, raw.text,
                         target if target is not None else raw.rest.strip())
    return Directive(raw.line, raw.end_line, kind, raw.text, None, expr)


class _Frame:
    __slots__ = ("parent", "rest", "raw", "seen_else")

    def __init__(self, parent: Expr, rest: Expr, raw: _lex.Raw):
        self.parent = parent      # condition outside the conditional
        self.rest = rest          # conjunction of the negated tests so far
        self.raw = raw
        self.seen_else = False


def scan(text: str, path: str = "<input>") -> FileConditions:
    """Presence conditions of every line of one file (see the module manual)."""
    raws, nlines = _lex.directives(text)
    directives: list[Directive] = []
    conds: list[Expr] = []
    stack: list[_Frame] = []
    cur: Expr = TRUE
    max_depth = 0
    distinct: set[Expr] = set()

    def test_of(raw: _lex.Raw, context: Expr) -> Expr:
        try:
            return directive_expr(raw, path)
        except ConditionError:
            if context == FALSE:
                return FALSE
            raise

    for raw in raws:
        gap = raw.line - 1 - len(conds)
        if gap > 0:
            conds.extend([cur] * gap)
        kind = raw.kind
        expr = None
        span = raw.end_line - raw.line + 1
        if kind in ("if", "ifdef", "ifndef"):
            expr = test_of(raw, cur)
            conds.extend([cur] * span)
            stack.append(_Frame(cur, negate(expr), raw))
            if len(stack) > MAX_DEPTH:
                raise ConditionError(f"#if nested deeper than {MAX_DEPTH}", path=path,
                                     line=raw.line, text=raw.text)
            max_depth = max(max_depth, len(stack))
            cur = conj(cur, expr)
            distinct.add(cur)
        elif kind == "elif":
            if not stack:
                raise ConditionError("#elif without #if", path=path, line=raw.line,
                                     text=raw.text)
            frame = stack[-1]
            if frame.seen_else:
                raise ConditionError("#elif after #else", path=path, line=raw.line,
                                     text=raw.text)
            expr = test_of(raw, conj(frame.parent, frame.rest))
            conds.extend([frame.parent] * span)
            cur = conj(frame.parent, conj(frame.rest, expr))
            frame.rest = conj(frame.rest, negate(expr))
            distinct.add(cur)
        elif kind == "else":
            if not stack:
                raise ConditionError("#else without #if", path=path, line=raw.line,
                                     text=raw.text)
            frame = stack[-1]
            if frame.seen_else:
                raise ConditionError("#else after #else", path=path, line=raw.line,
                                     text=raw.text)
            frame.seen_else = True
            conds.extend([frame.parent] * span)
            cur = conj(frame.parent, frame.rest)
            distinct.add(cur)
        elif kind == "endif":
            if not stack:
                raise ConditionError("unbalanced #endif", path=path, line=raw.line,
                                     text=raw.text)
            frame = stack.pop()
            cur = frame.parent
            conds.extend([cur] * span)
        else:
            conds.extend([cur] * span)
        directives.append(make_directive(raw, expr))
    if stack:
        raw = stack[-1].raw
        raise ConditionError(f"#{raw.keyword} without #endif", path=path, line=raw.line,
                             text=raw.text)
    gap = nlines - len(conds)
    if gap > 0:
        conds.extend([cur] * gap)
    elif gap < 0:
        del conds[nlines:]
    symbols: set[str] = set()
    for c in distinct:
        symbols |= config_symbols(c)
    return FileConditions(path, tuple(directives), tuple(conds), frozenset(symbols), max_depth)
