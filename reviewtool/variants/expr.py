"""``#if`` expressions: parse, inspect, evaluate, print.

Parsing
=======

:func:`parse_expr` reads the full C ``#if`` grammar into a small tree of frozen dataclasses:

=================  =====================================================================
``Num(value)``     an integer: decimal, hex, octal or binary literal with any ``u``/``l``
                   suffix, or a character literal (``'a'``, ``'\\n'``). ``unsigned`` is set
                   by a ``u`` suffix or a value too large for ``intmax_t``; ``text`` keeps
                   the spelling (not part of equality) so :func:`to_c` prints ``0xC0000000``.
``Ident(name)``    a macro or symbol read as a value (``CONFIG_PGTABLE_LEVELS``)
``Defined(name)``  ``defined X`` or ``defined(X)``
``Unary(op, x)``   ``!`` ``~`` ``-`` ``+``
``Binary(op,l,r)`` ``* / % + - << >> < <= > >= == != & ^ | && ||``
``Cond(t, a, b)``  ``t ? a : b``
``Call(name, a)``  ``IS_ENABLED(CONFIG_X)``, ``IS_BUILTIN``, ``IS_MODULE``, ``IS_REACHABLE``,
                   and any other function-like macro (``__has_include(<x.h>)`` keeps its
                   argument as an ``Ident`` of the raw text)
=================  =====================================================================

Comments are stripped first. Anything else (a string literal, a floating constant, a stray
token, an empty expression) raises :class:`~reviewtool.errors.ConditionError` carrying the
path, line and text given by the caller. Parsing is cached on the text.

Evaluating
==========

:func:`evaluate` follows the C preprocessor: 64-bit ``intmax_t`` arithmetic that wraps, the
usual arithmetic conversions to ``uintmax_t`` when either operand is unsigned (so
``-1 > 0u`` is true), shifts by a negative count shift the other way, a shift of 64 or more
gives 0 (or the sign), ``&&``/``||``/``?:`` short-circuit. A ``lookup(name)`` callback gives
each identifier's value:

* an ``int`` -- the macro's value;
* :data:`UNDEFINED` -- not defined: reads as 0, ``defined`` is 0;
* :data:`DEFINED` -- defined, value not an integer we know: ``defined`` is 1, the value is
  unknown;
* ``None`` (:data:`UNKNOWN`) -- we do not know: the result is three-valued, ``0 && x`` is 0,
  ``1 || x`` is 1, anything else touching ``x`` is ``None``.

Division or remainder by zero gives ``None``, never an exception. ``IS_BUILTIN(X)`` is 1 when
``X`` is defined as 1, ``IS_MODULE(X)`` is ``IS_BUILTIN(X_MODULE)``, ``IS_ENABLED`` is either,
``IS_REACHABLE(X)`` is ``IS_BUILTIN(X) || (IS_MODULE(X) && IS_BUILTIN(MODULE))`` -- what
``include/linux/kconfig.h`` computes, without needing that header. Other calls are unknown.

Building and printing
=====================

:func:`negate`, :func:`conj` and :func:`disj` build presence conditions and simplify on the
way (``TRUE``/``FALSE`` absorb, ``!!x`` is ``x`` as a condition, ``x && x`` is ``x``).
:func:`to_c` prints an expression back as C with only the parentheses it needs;
:func:`identifiers` and :func:`config_symbols` list the names an expression reads
(``CONFIG_X_MODULE`` and ``IS_ENABLED(CONFIG_X)`` both count as ``CONFIG_X``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Union

from ..errors import ConditionError

__all__ = [
    "Expr", "Num", "Ident", "Defined", "Unary", "Binary", "Cond", "Call", "TRUE", "FALSE",
    "UNDEFINED", "DEFINED", "UNKNOWN", "KCONFIG_CALLS", "parse_expr", "config_symbols",
    "identifiers", "evaluate", "negate", "conj", "disj", "to_c", "strip_comments",
]


# --------------------------------------------------------------------------------------------
# The tree
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Num:
    value: int
    unsigned: bool = False
    text: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Ident:
    name: str


@dataclass(frozen=True)
class Defined:
    name: str


@dataclass(frozen=True)
class Unary:
    op: str
    operand: "Expr"


@dataclass(frozen=True)
class Binary:
    op: str
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Cond:
    test: "Expr"
    then: "Expr"
    other: "Expr"


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple["Expr", ...] = ()


Expr = Union[Num, Ident, Defined, Unary, Binary, Cond, Call]

TRUE = Num(1)
FALSE = Num(0)


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self):
        return self.name


UNDEFINED = _Sentinel("UNDEFINED")
"""Lookup answer: the name is not defined (reads as 0)."""
DEFINED = _Sentinel("DEFINED")
"""Lookup answer: the name is defined but its value is not an integer we know."""
UNKNOWN = None
"""Lookup answer: nothing is known about the name."""

KCONFIG_CALLS = frozenset({"IS_ENABLED", "IS_BUILTIN", "IS_MODULE", "IS_REACHABLE"})

Lookup = Callable[[str], object]


# --------------------------------------------------------------------------------------------
# Lexing
# --------------------------------------------------------------------------------------------

_COMMENT = re.compile(r"/\*[\s\S]*?(?:\*/|\Z)|//[^\n]*|\"(?:[^\"\\\n]|\\.)*(?:\"|\\?(?=\n)|\\?\Z)"
                      r"|'(?:[^'\\\n]|\\.)*(?:'|\\?(?=\n)|\\?\Z)")  # unterminated: to the line end


def strip_comments(text: str) -> str:
    """Replace each C comment in ``text`` by one space; string and char literals are kept."""
    if "/" not in text:
        return text
    return _COMMENT.sub(lambda m: " " if m.group(0)[0] == "/" else m.group(0), text)


_TOKEN = re.compile(r"""
    (?P<ws>\s+|\\\n)
  | (?P<num>\.?\d(?:[eEpP][+-]|[\w.])*)
  | (?P<char>[LuU]?'(?:[^'\\\n]|\\.)*')
  | (?P<id>[A-Za-z_$][\w$]*)
  | (?P<op>&&|\|\||<<|>>|<=|>=|==|!=|[-+*/%<>&^|!~?:(),])
  | (?P<bad>.)
""", re.X | re.S)

_INT = re.compile(r"(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9]\d*)([uU](?:ll|LL|[lL])?|(?:ll|LL|[lL])[uU]?)?\Z")

_MASK = (1 << 64) - 1
_SMAX = (1 << 63) - 1


def _int_literal(text: str) -> Num | None:
    m = _INT.match(text)
    if not m:
        return None
    digits, suffix = m.group(1), m.group(2) or ""
    if digits[:2] in ("0x", "0X"):
        value = int(digits[2:], 16)
    elif digits[:2] in ("0b", "0B"):
        value = int(digits[2:], 2)
    elif digits.startswith("0"):
        value = int(digits, 8)
    else:
        try:
            value = int(digits)
        except ValueError:  # more digits than Python converts (4,300): not a constant we use
            return None
    unsigned = "u" in suffix or "U" in suffix or value > _SMAX
    return Num(value & _MASK, unsigned, text)


_ESCAPES = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "e": 27,
            "\\": 92, "'": 39, '"': 34, "?": 63}


def _char_literal(text: str) -> Num | None:
    body = text[text.index("'") + 1:-1]
    if not body:
        return None
    values = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            values.append(ord(c))
            i += 1
            continue
        i += 1
        if i >= len(body):
            return None
        c = body[i]
        if c in _ESCAPES:
            values.append(_ESCAPES[c])
            i += 1
        elif c in "01234567":
            j = i
            while j < len(body) and j < i + 3 and body[j] in "01234567":
                j += 1
            values.append(int(body[i:j], 8))
            i = j
        elif c == "x":
            j = i + 1
            while j < len(body) and body[j] in "0123456789abcdefABCDEF":
                j += 1
            if j == i + 1:
                return None
            values.append(int(body[i + 1:j], 16))
            i = j
        else:
            values.append(ord(c))
            i += 1
    if len(values) == 1:
        v = values[0] & 0xFF
        return Num(v - 256 if v > 127 else v, False, text)   # char is signed on x86
    value = 0
    for v in values:
        value = ((value << 8) | (v & 0xFF)) & 0xFFFFFFFF
    if value > 0x7FFFFFFF:
        value -= 1 << 32
    return Num(value, False, text)


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

_BINARY_PREC = {
    "*": 10, "/": 10, "%": 10,
    "+": 9, "-": 9,
    "<<": 8, ">>": 8,
    "<": 7, "<=": 7, ">": 7, ">=": 7,
    "==": 6, "!=": 6,
    "&": 5, "^": 4, "|": 3, "&&": 2, "||": 1,
}
_UNARY = ("!", "~", "-", "+")


class _Malformed(Exception):
    pass


class _Parser:
    __slots__ = ("toks", "pos")

    def __init__(self, toks: list[tuple[str, str]]):
        self.toks = toks
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.toks):
            raise _Malformed("unexpected end of expression")
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def expect(self, text: str) -> None:
        kind, value = self.take()
        if kind != "op" or value != text:
            raise _Malformed(f"expected {text!r}, found {value!r}")

    def parse(self) -> Expr:
        expr = self.conditional()
        if self.pos != len(self.toks):
            raise _Malformed(f"unexpected {self.toks[self.pos][1]!r}")
        return expr

    def conditional(self) -> Expr:
        test = self.binary(1)
        tok = self.peek()
        if tok == ("op", "?"):
            self.pos += 1
            then = self.conditional()
            self.expect(":")
            other = self.conditional()
            return Cond(test, then, other)
        return test

    def binary(self, min_prec: int) -> Expr:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok is None or tok[0] != "op":
                return left
            prec = _BINARY_PREC.get(tok[1])
            if prec is None or prec < min_prec:
                return left
            self.pos += 1
            right = self.binary(prec + 1)
            left = Binary(tok[1], left, right)

    def unary(self) -> Expr:
        kind, value = self.take()
        if kind == "op":
            if value in _UNARY:
                return Unary(value, self.unary())
            if value == "(":
                inner = self.conditional()
                self.expect(")")
                return inner
            raise _Malformed(f"unexpected {value!r}")
        if kind == "num":
            num = _int_literal(value)
            if num is None:
                raise _Malformed(f"bad integer constant {value!r}")
            return num
        if kind == "char":
            num = _char_literal(value)
            if num is None:
                raise _Malformed(f"bad character constant {value!r}")
            return num
        # identifier
        if value == "defined":
            tok = self.take()
            if tok == ("op", "("):
                name = self.take()
                if name[0] != "id":
                    raise _Malformed("defined without a macro name")
                self.expect(")")
                return Defined(name[1])
            if tok[0] != "id":
                raise _Malformed("defined without a macro name")
            return Defined(tok[1])
        if self.peek() == ("op", "("):
            return self.call(value)
        return Ident(value)

    def call(self, name: str) -> Expr:
        self.pos += 1          # the '('
        start = self.pos
        depth = 0
        cuts = [start]
        while True:
            if self.pos >= len(self.toks):
                raise _Malformed(f"unterminated argument list of {name}")
            kind, value = self.toks[self.pos]
            if kind == "op" and value == "(":
                depth += 1
            elif kind == "op" and value == ")":
                if depth == 0:
                    break
                depth -= 1
            elif kind == "op" and value == "," and depth == 0:
                cuts.append(self.pos + 1)
            self.pos += 1
        end = self.pos
        self.pos += 1          # the ')'
        if end == start:
            return Call(name, ())
        bounds = list(zip(cuts, [c - 1 for c in cuts[1:]] + [end]))
        args = []
        for lo, hi in bounds:
            piece = self.toks[lo:hi]
            if not piece:
                raise _Malformed(f"empty argument to {name}")
            try:
                args.append(_Parser(piece).parse())
            except _Malformed:
                # __has_include(<linux/x.h>) and friends: keep the raw text
                args.append(Ident("".join(v for _, v in piece)))
        return Call(name, tuple(args))


def _tokens(text: str) -> list[tuple[str, str]]:
    toks = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "ws":
            continue
        if kind == "bad":
            raise _Malformed(f"unexpected character {m.group(0)!r}")
        toks.append((kind, m.group(0)))
    return toks


_CACHE: dict[str, object] = {}


def parse_expr(text: str, path: str | None = None, line: int | None = None) -> Expr:
    """Parse the text of an ``#if``/``#elif`` expression; raise ConditionError if malformed."""
    hit = _CACHE.get(text)
    if hit is None:
        try:
            cleaned = strip_comments(text)
            if "__has_include" in cleaned:
                cleaned = _quote_has_include(cleaned)
            toks = _tokens(cleaned)
            if not toks:
                raise _Malformed("#if with no expression")
            hit = _Parser(toks).parse()
        except _Malformed as exc:
            hit = str(exc)
        except RecursionError:
            hit = "expression nested too deeply"
        if len(_CACHE) > 100_000:
            _CACHE.clear()
        _CACHE[text] = hit
    if isinstance(hit, str):
        raise ConditionError(f"malformed #if expression ({hit})", path=path, line=line, text=text)
    return hit  # type: ignore[return-value]


_HAS_INCLUDE = re.compile(r"(__has_include(?:_next)?\s*\(\s*)(<[^>\n]*>|\"[^\"\n]*\")(\s*\))")


def _quote_has_include(text: str) -> str:
    # <linux/x.h> is not an expression token: turn it into an identifier-like placeholder
    def sub(m: re.Match[str]) -> str:
        header = m.group(2)
        enc = "".join(c if c.isalnum() else f"_{ord(c):02x}" for c in header)
        return f"{m.group(1)}__hdr_{enc}{m.group(3)}"
    return _HAS_INCLUDE.sub(sub, text)


def has_include_target(arg: Expr) -> str | None:
    """For ``__has_include(<x.h>)``: the header as written, or None."""
    if isinstance(arg, Ident) and arg.name.startswith("__hdr_"):
        return re.sub(r"_([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), arg.name[6:])
    return None


# --------------------------------------------------------------------------------------------
# Inspecting
# --------------------------------------------------------------------------------------------

def _walk_names(expr: Expr, out: set[str]) -> None:
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Ident) or isinstance(e, Defined):
            out.add(e.name)
        elif isinstance(e, Unary):
            stack.append(e.operand)
        elif isinstance(e, Binary):
            stack.append(e.left)
            stack.append(e.right)
        elif isinstance(e, Cond):
            stack.extend((e.test, e.then, e.other))
        elif isinstance(e, Call):
            out.add(e.name)
            stack.extend(e.args)


def identifiers(expr: Expr) -> frozenset[str]:
    """Every macro name the expression reads (as a value, in ``defined``, or called)."""
    out: set[str] = set()
    _walk_names(expr, out)
    return frozenset(out)


_SYM_CACHE: dict[Expr, frozenset[str]] = {}


def config_symbols(expr: Expr) -> frozenset[str]:
    """The ``CONFIG_`` symbols the expression depends on (``CONFIG_X_MODULE`` counts as
    ``CONFIG_X``)."""
    hit = _SYM_CACHE.get(expr)
    if hit is not None:
        return hit
    names = set()
    for name in identifiers(expr):
        if name.startswith("CONFIG_"):
            if name.endswith("_MODULE") and len(name) > len("CONFIG__MODULE"):
                name = name[:-len("_MODULE")]
            names.add(name)
    result = frozenset(names)
    if len(_SYM_CACHE) > 50_000:
        _SYM_CACHE.clear()
    _SYM_CACHE[expr] = result
    return result


# --------------------------------------------------------------------------------------------
# Evaluating
# --------------------------------------------------------------------------------------------

def _signed(v: int) -> int:
    v &= _MASK
    return v - (1 << 64) if v > _SMAX else v


def _as(v: int, unsigned: bool) -> int:
    return v & _MASK if unsigned else _signed(v)


def _truncdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _builtin(name: str, look: Lookup) -> int | None:
    r = look(name)
    if r is UNDEFINED or r is DEFINED:
        return 0
    if r is None:
        return None
    return 1 if r == 1 else 0


def _kconfig_call(e: Call, look: Lookup) -> int | None:
    if len(e.args) != 1 or not isinstance(e.args[0], Ident):
        return None
    name = e.args[0].name
    if e.name == "IS_BUILTIN":
        return _builtin(name, look)
    if e.name == "IS_MODULE":
        return _builtin(name + "_MODULE", look)
    builtin = _builtin(name, look)
    module = _builtin(name + "_MODULE", look)
    if e.name == "IS_REACHABLE" and module != 0:
        defined_module = _builtin("MODULE", look)
        module = _and3(module, defined_module)
    return _or3(builtin, module)


def _and3(a: int | None, b: int | None) -> int | None:
    if a == 0 or b == 0:
        return 0
    if a is None or b is None:
        return None
    return 1


def _or3(a: int | None, b: int | None) -> int | None:
    if (a is not None and a != 0) or (b is not None and b != 0):
        return 1
    if a is None or b is None:
        return None
    return 0


def _unsigned_type(e: Expr, look: Lookup) -> bool:
    """Whether ``e`` has an unsigned type, decided without evaluating it (C's usual
    arithmetic conversions; a macro's value is unsigned when too large for intmax_t)."""
    if isinstance(e, Num):
        return e.unsigned
    if isinstance(e, Ident):
        r = look(e.name)
        return isinstance(r, int) and r > _SMAX
    if isinstance(e, Unary):
        return e.op != "!" and _unsigned_type(e.operand, look)
    if isinstance(e, Binary):
        if e.op in ("<", "<=", ">", ">=", "==", "!=", "&&", "||"):
            return False
        if e.op in ("<<", ">>"):
            return _unsigned_type(e.left, look)
        return _unsigned_type(e.left, look) or _unsigned_type(e.right, look)
    if isinstance(e, Cond):
        return _unsigned_type(e.then, look) or _unsigned_type(e.other, look)
    return False


def _ev(e: Expr, look: Lookup) -> tuple[int, bool] | None:
    if isinstance(e, Num):
        return e.value, e.unsigned
    if isinstance(e, Ident):
        r = look(e.name)
        if r is UNDEFINED:
            return 0, False
        if r is None or r is DEFINED:
            return None
        r = int(r)  # type: ignore[arg-type]
        return (r & _MASK, True) if r > _SMAX else (_signed(r), False)
    if isinstance(e, Defined):
        r = look(e.name)
        if r is None:
            return None
        return (0 if r is UNDEFINED else 1), False
    if isinstance(e, Binary):
        op = e.op
        if op == "&&" or op == "||":
            left = _ev(e.left, look)
            lv = None if left is None else left[0]
            if op == "&&" and lv == 0:
                return 0, False
            if op == "||" and lv is not None and lv != 0:
                return 1, False
            right = _ev(e.right, look)
            rv = None if right is None else right[0]
            res = _and3(lv, rv) if op == "&&" else _or3(lv, rv)
            return None if res is None else (res, False)
        left = _ev(e.left, look)
        right = _ev(e.right, look)
        if left is None or right is None:
            return None
        (a, au), (b, bu) = left, right
        if op in ("<<", ">>"):
            count = b if not bu else b & _MASK
            if au:
                a &= _MASK
            if op == ">>":
                count = -count
            if count >= 0:
                res = 0 if count >= 64 else a << count
            else:
                count = -count
                res = (-1 if a < 0 else 0) if count >= 64 else a >> count
            return _as(res, au), au
        unsigned = au or bu
        if unsigned:
            a &= _MASK
            b &= _MASK
        if op == "+":
            return _as(a + b, unsigned), unsigned
        if op == "-":
            return _as(a - b, unsigned), unsigned
        if op == "*":
            return _as(a * b, unsigned), unsigned
        if op == "/" or op == "%":
            if b == 0:
                return None
            q = _truncdiv(a, b)
            return _as(q if op == "/" else a - b * q, unsigned), unsigned
        if op == "&":
            return _as(a & b, unsigned), unsigned
        if op == "|":
            return _as(a | b, unsigned), unsigned
        if op == "^":
            return _as(a ^ b, unsigned), unsigned
        if op == "<":
            return int(a < b), False
        if op == "<=":
            return int(a <= b), False
        if op == ">":
            return int(a > b), False
        if op == ">=":
            return int(a >= b), False
        if op == "==":
            return int(a == b), False
        if op == "!=":
            return int(a != b), False
        raise ValueError(f"unknown operator {op!r}")
    if isinstance(e, Unary):
        inner = _ev(e.operand, look)
        if inner is None:
            return None
        v, u = inner
        if e.op == "!":
            return int(v == 0), False
        if e.op == "-":
            return _as(-v, u), u
        if e.op == "~":
            return _as(~v, u), u
        return v, u
    if isinstance(e, Cond):
        # C: the result has the common type of both branches, so an unsigned branch makes
        # the whole ?: unsigned even when the other one is chosen ("-1 > (1 ? 0 : 0u)" is 1)
        unsigned = _unsigned_type(e.then, look) or _unsigned_type(e.other, look)
        test = _ev(e.test, look)
        if test is None:
            a = _ev(e.then, look)
            b = _ev(e.other, look)
            if a is None or b is None or _as(a[0], unsigned) != _as(b[0], unsigned):
                return None
            chosen = a
        else:
            chosen = _ev(e.then if test[0] else e.other, look)
            if chosen is None:
                return None
        return (_as(chosen[0] & _MASK, True), True) if unsigned else chosen
    if isinstance(e, Call):
        if e.name in KCONFIG_CALLS:
            r = _kconfig_call(e, look)
            return None if r is None else (r, False)
        return None
    raise TypeError(f"not an expression: {e!r}")


def evaluate(expr: Expr, lookup: Lookup) -> int | None:
    """Value of ``expr`` under ``lookup`` (see the module manual), or None when unknown."""
    try:
        res = _ev(expr, lookup)
    except RecursionError:
        return None
    return None if res is None else res[0]


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------

def _const(e: Expr) -> int | None:
    if isinstance(e, Num):
        return e.value
    return None


def negate(e: Expr) -> Expr:
    """``!e``, simplified as a condition."""
    c = _const(e)
    if c is not None:
        return FALSE if c else TRUE
    if isinstance(e, Unary) and e.op == "!":
        return e.operand
    return Unary("!", e)


def conj(a: Expr, b: Expr) -> Expr:
    """``a && b``, simplified as a condition."""
    ca, cb = _const(a), _const(b)
    if ca == 0 or cb == 0:
        return FALSE
    if ca is not None:
        return b if cb is None else TRUE
    if cb is not None:
        return a
    if a == b:
        return a
    return Binary("&&", a, b)


def disj(a: Expr, b: Expr) -> Expr:
    """``a || b``, simplified as a condition."""
    ca, cb = _const(a), _const(b)
    if (ca is not None and ca != 0) or (cb is not None and cb != 0):
        return TRUE
    if ca is not None:
        return b
    if cb is not None:
        return a
    if a == b:
        return a
    return Binary("||", a, b)


# --------------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------------

_UNARY_PREC = 11
_ATOM_PREC = 12


def _prec(e: Expr) -> int:
    if isinstance(e, Binary):
        return _BINARY_PREC[e.op]
    if isinstance(e, Unary):
        return _UNARY_PREC
    if isinstance(e, Cond):
        return 0
    return _ATOM_PREC


def _paren(e: Expr, need: int) -> str:
    text = to_c(e)
    return f"({text})" if _prec(e) < need else text


def to_c(expr: Expr) -> str:
    """The expression as C text, parenthesised only where needed."""
    e = expr
    if isinstance(e, Num):
        if e.text is not None:
            return e.text
        return f"{e.value}U" if e.unsigned else str(e.value)
    if isinstance(e, Ident):
        return e.name
    if isinstance(e, Defined):
        return f"defined({e.name})"
    if isinstance(e, Call):
        args = []
        for a in e.args:
            target = has_include_target(a)
            args.append(target if target is not None else to_c(a))
        return f"{e.name}({', '.join(args)})"
    if isinstance(e, Unary):
        inner = _paren(e.operand, _UNARY_PREC)
        if e.op in "-+" and inner.startswith(e.op):
            inner = f"({inner})"
        return f"{e.op}{inner}"
    if isinstance(e, Binary):
        prec = _BINARY_PREC[e.op]
        return f"{_paren(e.left, prec)} {e.op} {_paren(e.right, prec + 1)}"
    if isinstance(e, Cond):
        return f"{_paren(e.test, 1)} ? {_paren(e.then, 0)} : {_paren(e.other, 0)}"
    raise TypeError(f"not an expression: {e!r}")
