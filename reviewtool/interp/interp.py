"""The interpreter: runs the functions of a :class:`~reviewtool.interp.program.Program`.

How it runs
===========

Each C function is translated once into Python source, compiled, and instantiated once per
:class:`Interpreter` with that interpreter's memory, globals and callees bound in. Tree-sitter
nodes are never walked at run time. A translation is cached in ``Program.cache`` and shared with
any other program in which the function has the same text, place and meaning (every name it
uses resolves to the same type layout, global, prototype or constant): the programs before and
after a patch share all the functions the patch leaves alone. The translation keeps C
semantics:

* every value is a Python ``int`` normalised to its static C type (ILP32: ``unsigned long`` wraps
  at 32 bits, ``unsigned long long`` at 64, signed types wrap two's complement); struct and
  union values are ``bytes`` of exactly ``sizeof`` bytes;
* integer promotions and the usual arithmetic conversions decide every operator's type;
  comparisons of pointers are unsigned; ``&&``, ``||``, ``?:`` short-circuit; ``,`` evaluates
  left to right;
* shifts take the count modulo the width of the promoted left operand (what the x86 shift
  instructions do for 32-bit operands, and what gcc's 64-bit shift sequences give on i386 for
  counts below 64); ``/`` and ``%`` truncate toward zero; a division by zero is a ``fault``;
* pointer arithmetic scales by the size of the target (``void *`` and function pointers by 1,
  as in GNU C); ``p - q`` divides by it;
* locals whose address is never taken are Python locals; arrays, structs and address-taken
  locals live in a stack frame in memory (``[0x30000000, 0x31000000)``, dropped when the
  outermost call returns); ``static`` locals live in the heap and persist for the life of the
  interpreter (keyed by function and name);
* globals are allocated in the heap (:meth:`Memory.alloc`, named after the global) on first
  use and initialised from their initialisers (designated initialisers, nested braces, brace
  elision, strings); a global the program declares but does not define is allocated zeroed with
  its declared type; :meth:`Interpreter.place_global` pins one at an address the world prepared.
  :meth:`Interpreter.allocate_globals` allocates them all in name order, for runs that must
  agree on addresses;
* functions have stable fake addresses in ``[0x01000000, 0x01100000)`` (from a hash of the
  name, so that two programs agree); a call through a pointer finds the function by address;
* ``goto`` (forward, backward, out of loops) works for labels at the top level of a block that
  encloses the ``goto``; ``switch`` falls through; GNU statement expressions ``({ ... })`` and
  ``x ?: y`` work;
* calls: a function the program defines runs its C; otherwise a builtin of that name (a Python
  callable ``builtin(interpreter, args)``, args as values, result converted to the declared
  return type, or to ``int`` without a prototype); otherwise ``NotExecutable("unmodelled-call")``
  naming it. Names in ``builtins_first`` go to the builtin even when the program defines them,
  and so does a function the program lists as unsupported when a builtin has its name. With
  ``stdlib`` (default), ``memset``, ``memcpy``, ``memmove``, ``memcmp`` and ``strlen`` have
  default builtins under the caller's. Extra arguments are ignored and missing ones are 0, as
  the i386 calling convention makes a ``(void *)native_nop`` hook behave;
* an identifier nobody declared is a builtin's address when a builtin has that name, else
  ``NotExecutable("unmodelled-global")`` when reached; used as an object (``current->mm``) it is
  that verdict at once, with its line.

For traces: :attr:`Interpreter.call_stack` and :attr:`~Interpreter.current_function` read the C
functions running from the Python stack (free until asked); ``on_call(name, args)`` is called at
the entry of every program function (settable at any time).

Bounds: ``Limits.steps`` counts statements (added per straight-line block, checked at every
function entry, loop iteration and ``goto``), per outermost call; ``Limits.depth`` the C call
depth; ``Limits.memory`` the bytes :class:`Memory` backs. Each ends the run with
:class:`~reviewtool.interp.NotExecutable` (``step-limit``, ``depth-limit``, ``memory-limit``).

What is not run (``NotExecutable("unsupported")`` when reached, with ``path:line``): inline asm,
floating point, variable-length arrays, ``setjmp``, ``__builtin_*`` other than
``__builtin_expect``, ``__builtin_constant_p`` (always 0) and ``__builtin_offsetof``, case
ranges, ``goto`` into a block from outside it, ``break``/``continue``/``return`` out of a
statement expression, casts to a union.

Exceptions raised by builtins pass through unchanged (a world may end a run with its own);
anything else that goes wrong inside the interpreter becomes ``NotExecutable("unsupported",
"internal error ...")`` with the C line it happened on.
"""

from __future__ import annotations

import linecache
import sys
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping, Optional, Sequence, Union

from tree_sitter import Node

from . import Limits, NotExecutable
from .ctypes_ import (CHAR, INT, UINT, ULONG, VOID, VOIDP, Array, CType, Field, Func,
                      Int, Pointer, Struct, Void, arith, common_type, find_field, normalize,
                      promote, sizeof)
from .memory import Memory
from .program import (FunctionDef, Program, TypeError_, node_text, parse_char_literal,
                      parse_int_literal, string_literal_bytes)

__all__ = ["Interpreter", "Builtin", "Value", "STACK_BASE", "STACK_END", "FUNC_BASE"]

Value = Union[int, bytes]
Builtin = Callable[["Interpreter", list], Optional[Value]]

STACK_BASE = 0x30000000
STACK_END = 0x31000000
FUNC_BASE = 0x01000000
FUNC_SLOTS = 0x10000
M32 = 0xFFFFFFFF


class CompileError(Exception):
    """A construct that cannot be translated (becomes a run-time ``unsupported``)."""

    def __init__(self, message: str, node: Optional[Node] = None, reason: str = "unsupported"):
        super().__init__(message)
        self.message = message
        self.node = node
        self.reason = reason


class _Goto(Exception):
    __slots__ = ("label",)

    def __init__(self, label: int):
        self.label = label


class _BuiltinRaised(Exception):
    """Carries an exception a builtin raised through the interpreter, unchanged."""

    def __init__(self, original: BaseException):
        self.original = original


# ------------------------------------------------------------------------------------------
# expressions
# ------------------------------------------------------------------------------------------

class Expr:
    """A translated expression: Python code (or an lvalue) and its static C type."""

    __slots__ = ("code", "type", "lv", "const", "isbool", "fname", "unknown")

    def __init__(self, code: Optional[str], type: CType, lv: Any = None,
                 const: Optional[int] = None, isbool: bool = False,
                 fname: Optional[str] = None, unknown: Optional[str] = None):
        self.code = code
        self.type = type
        self.lv = lv          # None | ("py", name) | ("mem", addr) | ("bit", addr, field)
        self.const = const
        self.isbool = isbool
        self.fname = fname    # a function designator: the function's name
        self.unknown = unknown  # an undeclared name (a builtin's address, or nothing)


def _c(value: int) -> str:
    return f"({value})" if value < 0 else str(value)


def _simple(code: str) -> bool:
    """Code that is cheap and side-effect free to evaluate twice."""
    return code.isidentifier() or code.lstrip("-").isdigit() or (
        code.startswith("(") and code.endswith(")") and code[1:-1].replace(" ", "").replace(
            "+", "").replace("_", "").isalnum() and "(" not in code[1:-1])


def _wrap(code: str, t: CType) -> str:
    """Code that brings an out-of-range integer result into ``t``'s range.

    ``code`` binds at least as tightly as ``+`` (an atom, a call, a sum, a product, a negation
    or a parenthesised shift): Python's ``&`` binds less tightly, so no extra parentheses are
    needed, which keeps deep kernel expressions under Python's nesting limit."""
    if isinstance(t, Pointer):
        return f"({code} & {M32})"
    assert isinstance(t, Int)
    bits = t.size * 8
    if t.is_bool:
        return f"(1 if {code} else 0)"
    if t.signed:
        half = 1 << (bits - 1)
        return f"(({code} + {half} & {(1 << bits) - 1}) - {half})"
    return f"({code} & {(1 << bits) - 1})"


@dataclass
class Var:
    kind: str            # "py" | "mem" | "static" | "global" | "func"
    type: CType
    name: str            # python name, frame offset as str, binding name, or C name


@dataclass
class Compiled:
    """One translated function (or global initialiser), shared by interpreters."""

    name: str
    factory: Any
    bindings: list
    source: str
    lines: dict            # generated line -> (path, C line)
    error: Optional[CompileError] = None
    path: str = ""
    line: int = 0


class _Scope:
    """Lets the resolver see a function's local names (``typeof``, ``sizeof x``)."""

    def __init__(self, comp: "FunctionCompiler"):
        self.comp = comp

    def var_type(self, name: str) -> Optional[CType]:
        v = self.comp.lookup(name)
        return v.type if v is not None else None

    def local_typedef(self, name: str) -> Optional[CType]:
        for scope in reversed(self.comp.typedef_scopes):
            if name in scope:
                return scope[name]
        return None

    def expr_type(self, node: Node) -> CType:
        try:
            e = self.comp.expr(node)
        except CompileError as exc:
            raise TypeError_(exc.message) from None
        return e.type


_ARITH_OPS = {"+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^"}
_CMP_OPS = {"<", ">", "<=", ">=", "==", "!="}
_ASSIGN_OPS = {"=": None, "+=": "+", "-=": "-", "*=": "*", "/=": "/", "%=": "%", "<<=": "<<",
               ">>=": ">>", "&=": "&", "|=": "|", "^=": "^"}
_LOOPS = ("while_statement", "for_statement", "do_statement")


class FunctionCompiler:
    """Translates one function (or one initialiser) into the source of a Python factory."""

    def __init__(self, program: Program, name: str, path: str):
        self.program = program
        self.res = program.resolver
        self.name = name
        self.path = path
        self.lines: list[str] = []
        self.line_map: dict[int, tuple[str, int]] = {}
        self.ind = 2
        self.bindings: list[tuple] = []
        self._binding_index: dict[tuple, str] = {}
        self.scopes: list[dict[str, Var]] = []
        self.typedef_scopes: list[dict[str, CType]] = []
        self.frame = 0
        self.pylocals: list[str] = []
        self.ntmp = 0
        self.addressed: set[str] = set()
        self.labels: dict[str, tuple[int, int, int]] = {}   # name -> (id, block key, index)
        self.block_stack: list[int] = []
        self.ctl: list[dict] = []   # control contexts, innermost last
        self.cur_line = 0
        self.scope_obj = _Scope(self)
        self.nested_defs = 0
        self.in_stmt_expr = 0
        self.in_initializer = False
        self.pending_defs: list = []
        self.ret_type: CType = VOID

    # -- output -------------------------------------------------------------------------------
    def emit(self, line: str) -> None:
        self.lines.append("    " * self.ind + line)
        if self.cur_line:
            self.line_map[len(self.lines)] = (self.path, self.cur_line)

    def tmp(self) -> str:
        self.ntmp += 1
        return f"_t{self.ntmp}"

    def bind(self, *key: Any) -> str:
        name = self._binding_index.get(key)
        if name is None:
            name = f"_b{len(self.bindings)}"
            self.bindings.append(key)
            self._binding_index[key] = name
        return name

    def fail_code(self, message: str, reason: str = "unsupported") -> str:
        return f"_fail({self.bind('fail', reason, message)})"

    def where(self, node: Optional[Node]) -> str:
        line = node.start_point[0] + 1 if node is not None else self.cur_line
        return f"{self.path}:{line}"

    def error(self, message: str, node: Optional[Node]) -> CompileError:
        return CompileError(" ".join(f"{message} at {self.where(node)}".split()), node)

    def undeclared(self, e: Expr, node: Optional[Node]) -> None:
        """Refuse to look inside a name nobody declared (its type is unknown)."""
        if e.unknown is not None:
            raise CompileError(f"unmodelled global: {e.unknown} (undeclared) at "
                               f"{self.where(node)}", node, "unmodelled-global")

    # -- names ----------------------------------------------------------------------------------
    def lookup(self, name: str) -> Optional[Var]:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def declare_local(self, name: str, t: CType, node: Node) -> Var:
        if isinstance(t, Array) and t.length is None:
            raise self.error(f"array '{name}' of unknown size", node)
        self.res.complete(t) if isinstance(t, (Struct, Array)) else None
        if isinstance(t, (Struct, Array)) or name in self.addressed:
            size = max(sizeof(t), 1)
            align = 4 if size >= 4 else (2 if size >= 2 else 1)
            self.frame = (self.frame + align - 1) // align * align
            var = Var("mem", t, str(self.frame))
            self.frame += size
        else:
            pyname = f"v_{name}_{len(self.pylocals)}"
            self.pylocals.append(pyname)
            var = Var("py", t, pyname)
        self.scopes[-1][name] = var
        return var

    def var_expr(self, var: Var, cname: str) -> Expr:
        if var.kind == "py":
            return Expr(None, var.type, ("py", var.name))
        if var.kind == "mem":
            return Expr(None, var.type, ("mem", f"(fb + {var.name})"))
        if var.kind in ("static", "global"):
            return Expr(None, var.type, ("mem", var.name))
        raise AssertionError(var.kind)

    def ident(self, node: Node) -> Expr:
        name = node_text(node)
        var = self.lookup(name)
        if var is not None:
            if var.kind == "func":
                return Expr(self.bind("faddr", name), var.type, fname=name)
            return self.var_expr(var, name)
        program = self.program
        g = program.globals.get(name)
        if g is not None:
            return Expr(None, g.type, ("mem", self.bind("global", name)))
        if name in program.functions or name in program.prototypes:
            ft = program.function_type(name) or Func(INT, None)
            return Expr(self.bind("faddr", name), ft, fname=name)
        value = self.res.enum_value(name)
        if value is not None:
            return Expr(_c(value), INT, const=value)
        if name in program.unsupported:
            raise self.error(f"'{name}': {program.unsupported[name]}", node)
        if self.in_initializer:
            # in a static initialiser an undeclared name can only be a function's address
            return Expr(self.bind("faddr", name), Func(INT, None), fname=name)
        # a builtin function, or a global nobody declared: decided when reached
        return Expr(f"_unknown({self.bind('name', name)})", ULONG, unknown=name)

    # -- types ------------------------------------------------------------------------------------
    def type_of(self, tnode: Node) -> CType:
        try:
            return self.res.type_descriptor(tnode, self.scope_obj)
        except TypeError_ as exc:
            raise self.error(str(exc), tnode) from None

    def complete(self, t: CType, node: Node) -> CType:
        try:
            return self.res.complete(t)
        except TypeError_ as exc:
            raise self.error(str(exc), node) from None

    # -- rvalues and conversions -------------------------------------------------------------------
    def rvalue(self, e: Expr) -> Expr:
        lv = e.lv
        if lv is None:
            if isinstance(e.type, Func):
                return Expr(e.code, Pointer(e.type), const=e.const, fname=e.fname)
            return e
        t = e.type
        if lv[0] == "py":
            return Expr(lv[1], t)
        if lv[0] == "bit":
            return Expr(self._read_bits(lv[1], lv[2]), t)
        addr = lv[1]
        if isinstance(t, Array):
            return Expr(addr, Pointer(t.elem))
        if isinstance(t, Func):
            return Expr(addr, Pointer(t))
        if isinstance(t, Struct):
            if not t.is_complete:
                raise self.error(f"incomplete type '{t}'", None)
            return Expr(f"RB({addr}, {t.size})", t)
        if isinstance(t, Void):
            raise self.error("value of type void", None)
        if isinstance(t, Int):
            if t.signed:
                half = 1 << (t.size * 8 - 1)
                return Expr(f"((R({addr}, {t.size}) ^ {half}) - {half})", t)
            return Expr(f"R({addr}, {t.size})", t)
        return Expr(f"R({addr}, 4)", t)

    def _read_bits(self, addr: str, f: Field) -> str:
        t = f.type
        assert isinstance(t, Int) and f.bit_width is not None and f.bit_offset is not None
        code = f"((R({addr}, {t.size}) >> {f.bit_offset}) & {(1 << f.bit_width) - 1})"
        if t.signed and not t.is_bool:
            half = 1 << (f.bit_width - 1)
            code = f"(({code} ^ {half}) - {half})"
        return code

    def conv(self, e: Expr, t: CType, node: Optional[Node] = None) -> str:
        """Code for rvalue ``e`` converted to ``t``."""
        src = e.type
        if isinstance(t, Void):
            return e.code or "None"
        if isinstance(t, Struct):
            if not isinstance(src, Struct) or not (src is t or (src.name == t.name and
                                                                src.size == t.size)):
                raise self.error(f"cannot convert {src} to {t}", node)
            return e.code
        if isinstance(src, (Struct, Void)):
            raise self.error(f"cannot convert {src} to {t}", node)
        if isinstance(t, Array):
            raise self.error(f"cannot convert to array {t}", node)
        if e.const is not None:
            return _c(normalize(e.const, t))
        code = e.code
        if e.isbool:
            if isinstance(t, Int) and t.is_bool:
                return f"(1 if {code} else 0)"
            return f"(1 if {code} else 0)"
        if isinstance(t, Int) and t.is_bool:
            if isinstance(src, Int) and src.is_bool:
                return code
            return f"(1 if {code} else 0)"
        if isinstance(t, (Pointer, Func)):
            if isinstance(src, (Pointer, Func)) or (isinstance(src, Int) and not src.signed
                                                     and src.size <= 4):
                return code
            return f"({code} & {M32})"
        assert isinstance(t, Int)
        if isinstance(src, (Pointer, Func)):
            src = ULONG
        if not isinstance(src, Int):
            raise self.error(f"cannot convert {src} to {t}", node)
        if src.size == t.size and src.signed == t.signed:
            return code
        if src.is_bool:
            return code
        if src.size < t.size and (t.signed or not src.signed):
            return code
        if not t.signed and src.signed and src.size <= t.size:
            return f"({code} & {(1 << (t.size * 8)) - 1})"
        return _wrap(code, t)

    def value(self, e: Expr, node: Optional[Node] = None) -> Expr:
        """An rvalue whose code yields a C value (not a Python bool)."""
        e = self.rvalue(e)
        if e.isbool:
            return Expr(f"(1 if {e.code} else 0)", e.type)
        return e

    # -- conditions -------------------------------------------------------------------------------
    def cond(self, node: Node) -> tuple[str, Optional[int]]:
        """Python truth-valued code for a C condition, and its value if constant."""
        kind = node.type
        if kind == "parenthesized_expression":
            inner = self._paren_inner(node)
            if inner is not None and inner.type != "compound_statement":
                return self.cond(inner)
        if kind == "unary_expression" and node_text(node.child_by_field_name("operator")) == "!":
            code, const = self.cond(node.child_by_field_name("argument"))
            if const is not None:
                return ("False" if const else "True"), (0 if const else 1)
            return f"(not {code})", None
        if kind == "binary_expression":
            op = node_text(node.child_by_field_name("operator"))
            if op in ("&&", "||"):
                lc, lk = self.cond(node.child_by_field_name("left"))
                if lk is not None:
                    if op == "&&" and not lk:
                        return "False", 0
                    if op == "||" and lk:
                        return "True", 1
                    return self.cond(node.child_by_field_name("right"))
                rc, rk = self.cond(node.child_by_field_name("right"))
                if rk is not None:
                    if op == "&&" and rk:
                        return lc, None
                    if op == "||" and not rk:
                        return lc, None
                return f"({lc} {'and' if op == '&&' else 'or'} {rc})", None
        e = self.rvalue(self.expr(node))
        if isinstance(e.type, (Struct, Void)):
            raise self.error(f"{e.type} used as a condition", node)
        if e.const is not None:
            return ("True" if e.const else "False"), (1 if e.const else 0)
        return e.code, None

    def _paren_inner(self, node: Node) -> Optional[Node]:
        inner = [c for c in node.named_children if c.type != "comment"]
        return inner[0] if len(inner) == 1 else None

    # -- expressions ------------------------------------------------------------------------------
    def expr(self, node: Node) -> Expr:
        method = getattr(self, "x_" + node.type, None)
        if method is None:
            if node.type == "ERROR" or node.is_missing:
                raise self.error(f"parse error: '{node_text(node)[:40]}'", node)
            raise self.error(f"unsupported C: {node.type} '{node_text(node)[:40]}'", node)
        return method(node)

    def x_parenthesized_expression(self, node: Node) -> Expr:
        inner = self._paren_inner(node)
        if inner is None:
            raise self.error("empty parentheses", node)
        if inner.type == "compound_statement":
            return self.statement_expression(inner)
        return self.expr(inner)

    def x_number_literal(self, node: Node) -> Expr:
        text = node_text(node)
        try:
            value, t = parse_int_literal(text)
        except TypeError_:
            raise self.error(f"floating point constant '{text}'", node) from None
        return Expr(_c(value), t, const=value)

    def x_char_literal(self, node: Node) -> Expr:
        value = parse_char_literal(node_text(node))
        return Expr(_c(value), INT, const=value)

    def x_true(self, node: Node) -> Expr:
        return Expr("1", INT, const=1)

    def x_false(self, node: Node) -> Expr:
        return Expr("0", INT, const=0)

    def x_null(self, node: Node) -> Expr:
        return Expr("0", VOIDP, const=0)

    def x_string_literal(self, node: Node) -> Expr:
        data = string_literal_bytes(node)
        return Expr(None, Array(CHAR, len(data)), ("mem", self.bind("string", data)))

    x_concatenated_string = x_string_literal

    def x_gnu_asm_expression(self, node: Node) -> Expr:
        raise self.error("inline asm", node)

    def x_identifier(self, node: Node) -> Expr:
        return self.ident(node)

    def x_sizeof_expression(self, node: Node) -> Expr:
        try:
            value, t = self.res.const(node, self.scope_obj)
        except TypeError_ as exc:
            raise self.error(str(exc), node) from None
        return Expr(_c(value), t, const=value)

    x_alignof_expression = x_sizeof_expression
    x_offsetof_expression = x_sizeof_expression

    def x_unary_expression(self, node: Node) -> Expr:
        op = node_text(node.child_by_field_name("operator"))
        arg = node.child_by_field_name("argument")
        if op == "!":
            code, const = self.cond(arg)
            if const is not None:
                return Expr(str(1 - const), INT, const=1 - const)
            return Expr(f"(not {code})", INT, isbool=True)
        e = self.value(self.expr(arg))
        if not isinstance(e.type, Int):
            raise self.error(f"unary '{op}' on {e.type}", node)
        t = promote(e.type)
        if e.const is not None:
            v = normalize(e.const, t)
            v = {"-": -v, "+": v, "~": ~v}[op]
            v = normalize(v, t)
            return Expr(_c(v), t, const=v)
        code = self.conv(e, t)
        if op == "+":
            return Expr(code, t)
        if op == "-":
            return Expr(_wrap(f"-{code}", t), t)
        if op == "~":
            if t.signed:
                return Expr(f"(~{code})", t)
            return Expr(f"({code} ^ {(1 << (t.size * 8)) - 1})", t)
        raise self.error(f"unary operator '{op}'", node)

    def x_pointer_expression(self, node: Node) -> Expr:
        op = node_text(node.child_by_field_name("operator"))
        arg = node.child_by_field_name("argument")
        if op == "*":
            e = self.rvalue(self.expr(arg))
            self.undeclared(e, node)
            t = e.type
            if isinstance(t, Pointer):
                target = t.target
                if isinstance(target, Func):
                    return Expr(e.code, target)
                if isinstance(target, Void):
                    raise self.error("dereference of void *", node)
                return Expr(None, target, ("mem", e.code))
            raise self.error(f"dereference of {t}", node)
        # address-of
        e = self.expr(arg)
        self.undeclared(e, node)
        if e.lv is None:
            if isinstance(e.type, Func):
                return Expr(e.code, Pointer(e.type), fname=e.fname)
            raise self.error("address of a value", node)
        if e.lv[0] == "py":
            raise self.error("address of a register local", node)
        if e.lv[0] == "bit":
            raise self.error("address of a bit-field", node)
        return Expr(e.lv[1], Pointer(e.type))

    def _fake_cast(self, node: Node) -> Optional[tuple[CType, Node]]:
        """``(T)(x)`` that tree-sitter read as a call: (T, x)."""
        if node.type != "call_expression":
            return None
        fnode = node.child_by_field_name("function")
        args = [c for c in node.child_by_field_name("arguments").named_children
                if c.type != "comment"]
        if fnode.type != "parenthesized_expression" or len(args) != 1:
            return None
        tname = self.res.typedef_in_parens(fnode, self.scope_obj)
        if tname is None:
            return None
        return self.res.typedef(tname, self.scope_obj), args[0]

    def x_field_expression(self, node: Node) -> Expr:
        arrow = node_text(node.child_by_field_name("operator")) == "->"
        fname = node_text(node.child_by_field_name("field"))
        argnode = node.child_by_field_name("argument")
        fake = self._fake_cast(argnode)
        if fake is not None:
            # (T)(x).f is (T)((x).f)
            inner = self._field(self.expr(fake[1]), arrow, fname, node)
            return self._cast_expr(self.complete(fake[0], node), inner, node)
        return self._field(self.expr(argnode), arrow, fname, node)

    def _field(self, base: Expr, arrow: bool, fname: str, node: Node) -> Expr:
        self.undeclared(base, node)
        if arrow:
            base = self.rvalue(base)
            if not isinstance(base.type, Pointer):
                raise self.error(f"'->{fname}' on {base.type}", node)
            st = self.complete(base.type.target, node)
            if not isinstance(st, Struct):
                raise self.error(f"'->{fname}' on a pointer to {st}", node)
            found = find_field(st, fname)
            if found is None:
                raise self.error(f"no member '{fname}' in {st}", node)
            off, f = found
            addr = base.code if off == 0 else f"({base.code} + {off})"
            if f.bit_width is not None:
                return Expr(None, f.type, ("bit", addr, f))
            return Expr(None, f.type, ("mem", addr))
        st = self.complete(base.type, node)
        if not isinstance(st, Struct):
            raise self.error(f"'.{fname}' on {st}", node)
        found = find_field(st, fname)
        if found is None:
            raise self.error(f"no member '{fname}' in {st}", node)
        off, f = found
        if base.lv is not None and base.lv[0] == "mem":
            a = base.lv[1]
            addr = a if off == 0 else f"({a} + {off})"
            if f.bit_width is not None:
                return Expr(None, f.type, ("bit", addr, f))
            return Expr(None, f.type, ("mem", addr))
        # a member of a struct value (a call's result, a compound literal)
        b = self.rvalue(base)
        t = f.type
        size = sizeof(t)
        if isinstance(t, Struct):
            return Expr(f"{b.code}[{off}:{off + size}]", t)
        if isinstance(t, Array):
            raise self.error("array member of a struct value", node)
        if f.bit_width is not None:
            raw = f"int.from_bytes({b.code}[{off}:{off + size}], 'little')"
            code = f"(({raw} >> {f.bit_offset}) & {(1 << f.bit_width) - 1})"
            return Expr(code, t)
        code = f"int.from_bytes({b.code}[{off}:{off + size}], 'little')"
        if isinstance(t, Int) and t.signed:
            half = 1 << (size * 8 - 1)
            code = f"(({code} ^ {half}) - {half})"
        return Expr(code, t)

    def x_subscript_expression(self, node: Node) -> Expr:
        argnode = node.child_by_field_name("argument")
        fake = self._fake_cast(argnode)
        if fake is not None:
            # (T)(x)[i] is (T)((x)[i])
            inner = self._subscript(self.value(self.expr(fake[1])), node)
            return self._cast_expr(self.complete(fake[0], node), inner, node)
        return self._subscript(self.value(self.expr(argnode)), node)

    def _subscript(self, a: Expr, node: Node) -> Expr:
        self.undeclared(a, node)
        i = self.value(self.expr(node.child_by_field_name("index")))
        if isinstance(i.type, Pointer) and isinstance(a.type, Int):
            a, i = i, a
        if not isinstance(a.type, Pointer) or not isinstance(i.type, Int):
            raise self.error(f"subscript of {a.type}", node)
        elem = a.type.target
        if isinstance(elem, Void) or isinstance(elem, Func):
            raise self.error(f"subscript of {a.type}", node)
        size = sizeof(self.complete(elem, node))
        return Expr(None, elem, ("mem", self._offset(a.code, i, size)))

    def _offset(self, base: str, i: Expr, size: int, sign: str = "+") -> str:
        if i.const is not None:
            off = i.const * size
            if off == 0:
                return base
            return f"({base} {sign} {_c(off)})"
        icode = i.code if size == 1 else f"{i.code} * {size}"
        return f"({base} {sign} {icode})"

    def x_binary_expression(self, node: Node) -> Expr:
        op = node_text(node.child_by_field_name("operator"))
        if op in ("&&", "||"):
            code, const = self.cond(node)
            if const is not None:
                return Expr(str(const), INT, const=const)
            return Expr(code, INT, isbool=True)
        left = self.value(self.expr(node.child_by_field_name("left")))
        right = self.value(self.expr(node.child_by_field_name("right")))
        return self.binop(op, left, right, node)

    def binop(self, op: str, l: Expr, r: Expr, node: Optional[Node]) -> Expr:
        lt, rt = l.type, r.type
        for t in (lt, rt):
            if isinstance(t, (Struct, Void, Array)):
                raise self.error(f"operator '{op}' on {t}", node)
        lp, rp = isinstance(lt, Pointer), isinstance(rt, Pointer)
        if lp or rp:
            if op in _CMP_OPS:
                lc = l.code if lp else self.conv(l, VOIDP)
                rc = r.code if rp else self.conv(r, VOIDP)
                if l.const is not None and r.const is not None:
                    v = arith(op, l.const, ULONG, r.const, ULONG)[0]
                    return Expr(str(v), INT, const=v)
                return Expr(f"({lc} {op} {rc})", INT, isbool=True)
            if op == "+" and not (lp and rp):
                p, i = (l, r) if lp else (r, l)
                return self._ptr_add(p, i, "+", node)
            if op == "-" and lp and not rp:
                return self._ptr_add(l, r, "-", node)
            if op == "-" and lp and rp:
                size = self._elem_size(lt, node)
                return Expr(f"_pdiff({l.code}, {r.code}, {size})", INT)
            if op in ("&", "|", "^", "&&", "||"):
                lt = ULONG if lp else lt
                rt = ULONG if rp else rt
                l = Expr(l.code, lt, const=l.const)
                r = Expr(r.code, rt, const=r.const)
            else:
                raise self.error(f"operator '{op}' on a pointer", node)
        assert isinstance(lt, Int) and isinstance(rt, Int)
        if l.const is not None and r.const is not None:
            try:
                v, t = arith(op, l.const, lt, r.const, rt)
            except ZeroDivisionError:
                return Expr(self.fail_code(f"division by zero at {self.where(node)}", "fault"),
                            common_type(lt, rt))
            return Expr(_c(v), t, const=v)
        if op in ("<<", ">>"):
            t = promote(lt)
            bits = t.size * 8
            lc = self.conv(l, t)
            if r.const is not None:
                count = str(r.const % bits)
            else:
                count = f"({r.code} & {bits - 1})"
            if op == "<<":
                return Expr(_wrap(f"({lc} << {count})", t), t)
            return Expr(f"({lc} >> {count})", t)
        t = common_type(lt, rt)
        lc, rc = self.conv(l, t), self.conv(r, t)
        if op in _CMP_OPS:
            return Expr(f"({lc} {op} {rc})", INT, isbool=True)
        if op in ("+", "-", "*"):
            return Expr(_wrap(f"{lc} {op} {rc}", t), t)
        if op in ("&", "|", "^"):
            return Expr(f"({lc} {op} {rc})", t)
        if op in ("/", "%"):
            if not t.signed and r.const:
                return Expr(f"({lc} {'//' if op == '/' else '%'} {rc})", t)
            fn = ("_sdiv" if op == "/" else "_smod") if t.signed else (
                "_udiv" if op == "/" else "_umod")
            code = f"{fn}({lc}, {rc})"
            return Expr(_wrap(code, t) if t.signed else code, t)
        raise self.error(f"operator '{op}'", node)

    def _elem_size(self, t: CType, node: Optional[Node]) -> int:
        assert isinstance(t, Pointer)
        target = t.target
        if isinstance(target, (Void, Func)):
            return 1
        return max(sizeof(self.complete(target, node)), 1) if not isinstance(target, Array) \
            else max(sizeof(self.complete(target, node)), 1)

    def _ptr_add(self, p: Expr, i: Expr, sign: str, node: Optional[Node]) -> Expr:
        if not isinstance(i.type, Int):
            raise self.error(f"pointer {sign} {i.type}", node)
        size = self._elem_size(p.type, node)
        if p.const is not None and i.const is not None:
            v = (p.const + (i.const * size if sign == "+" else -i.const * size)) & M32
            return Expr(str(v), p.type, const=v)
        if i.const is not None and i.const == 0:
            return Expr(p.code, p.type)
        return Expr(f"({self._offset(p.code, i, size, sign)} & {M32})", p.type)

    def x_conditional_expression(self, node: Node) -> Expr:
        cons_node = node.child_by_field_name("consequence")
        if cons_node is not None:
            ccode, cconst = self.cond(node.child_by_field_name("condition"))
        alt = self.value(self.expr(node.child_by_field_name("alternative")))
        if cons_node is None:
            # GNU x ?: y
            cond_e = self.value(self.expr(node.child_by_field_name("condition")))
            t = self._cond_type(cond_e, alt, node)
            tmp = self.tmp()
            c_as = self.conv(cond_e, t, node)
            return Expr(f"({tmp} if ({tmp} := {c_as}) else {self.conv(alt, t, node)})", t)
        cons = self.value(self.expr(cons_node))
        t = self._cond_type(cons, alt, node)
        if cconst is not None:
            chosen = cons if cconst else alt
            if isinstance(t, Void):
                return Expr(chosen.code, t)
            return Expr(self.conv(chosen, t, node), t,
                        const=(normalize(chosen.const, t) if chosen.const is not None
                               and isinstance(t, (Int, Pointer)) else None))
        if isinstance(t, Void):
            return Expr(f"({cons.code} if {ccode} else {alt.code})", t)
        return Expr(f"({self.conv(cons, t, node)} if {ccode} else {self.conv(alt, t, node)})",
                    t)

    def _cond_type(self, a: Expr, b: Expr, node: Node) -> CType:
        ta, tb = a.type, b.type
        if isinstance(ta, Void) or isinstance(tb, Void):
            return VOID
        if isinstance(ta, Int) and isinstance(tb, Int):
            return common_type(ta, tb)
        if isinstance(ta, Pointer) and isinstance(tb, Pointer):
            if isinstance(ta.target, Void):
                return tb if b.const is None or a.const is not None else ta
            return ta
        if isinstance(ta, Pointer) and isinstance(tb, Int):
            return ta
        if isinstance(tb, Pointer) and isinstance(ta, Int):
            return tb
        if isinstance(ta, Struct) and isinstance(tb, Struct):
            return ta
        raise self.error(f"incompatible operands of ?: ({ta}, {tb})", node)

    def x_comma_expression(self, node: Node) -> Expr:
        left = self.rvalue(self.expr(node.child_by_field_name("left")))
        right = self.value(self.expr(node.child_by_field_name("right")))
        return Expr(f"({left.code or 'None'}, {right.code})[1]", right.type)

    def x_cast_expression(self, node: Node) -> Expr:
        tnode = node.child_by_field_name("type")
        vnode = node.child_by_field_name("value")
        # (x) - y, (x) * y, (x) & y: tree-sitter cannot know x is no type
        if tnode.named_child_count == 1 and tnode.named_children[0].type == "type_identifier":
            name = node_text(tnode.named_children[0])
            if self._is_variable(name) and vnode.type in ("unary_expression",
                                                          "pointer_expression"):
                op = node_text(vnode.child_by_field_name("operator"))
                if op in ("-", "+", "*", "&"):
                    left = self.value(self.ident(tnode.named_children[0]))
                    right = self.value(self.expr(vnode.child_by_field_name("argument")))
                    return self.binop(op, left, right, node)
        return self._cast(self.type_of(tnode), vnode, node)

    def _cast(self, t: CType, vnode: Node, node: Node) -> Expr:
        return self._cast_expr(t, self.expr(vnode), node)

    def _cast_expr(self, t: CType, e: Expr, node: Node) -> Expr:
        e = self.value(e)
        if isinstance(t, Void):
            return Expr(f"({e.code}, None)[1]" if e.code else "None", VOID)
        if isinstance(t, Struct):
            if isinstance(e.type, Struct):
                return Expr(self.conv(e, t, node), t)
            raise self.error(f"cast to {t}", node)
        if isinstance(t, Array):
            raise self.error(f"cast to array {t}", node)
        if isinstance(e.type, Struct):
            raise self.error(f"cast of {e.type} to {t}", node)
        code = self.conv(e, t, node)
        const = normalize(e.const, t) if e.const is not None else None
        return Expr(code, t, const=const)

    def _is_variable(self, name: str) -> bool:
        if self.lookup(name) is not None:
            return True
        if name in self.res.typedef_nodes or name in self.res.typedefs:
            return False
        return name in self.program.globals

    def x_compound_literal_expression(self, node: Node) -> Expr:
        t = self.complete(self.type_of(node.child_by_field_name("type")), node)
        init = node.child_by_field_name("value")
        if isinstance(t, (Int, Pointer)):
            items = [c for c in init.named_children if c.type != "comment"]
            if not items:
                return Expr("0", t, const=0)
            e = self.value(self.expr(items[0]))
            return Expr(self.conv(e, t, node), t,
                        const=normalize(e.const, t) if e.const is not None else None)
        if isinstance(t, Struct):
            return Expr(self.pack(t, init), t)
        if isinstance(t, Array):
            # an array compound literal lives in the frame
            off = self._frame_slot(t)
            addr = f"(fb + {off})"
            self.emit_init(addr, t, init)
            return Expr(None, t, ("mem", addr))
        raise self.error(f"compound literal of {t}", node)

    def _frame_slot(self, t: CType) -> int:
        size = max(sizeof(t), 1)
        self.frame = (self.frame + 3) // 4 * 4
        off = self.frame
        self.frame += size
        return off

    # -- initialisers ----------------------------------------------------------------------------
    def flatten(self, t: CType, init: Node, base: int, out: list) -> None:
        """Leaves ``(offset, type, Expr, field)`` of a brace initialiser for an object of
        type ``t`` at offset ``base``."""
        t = self.complete(t, init)
        if init.type != "initializer_list":
            if isinstance(t, Array) and init.type in ("string_literal", "concatenated_string") \
                    and isinstance(t.elem, Int) and t.elem.size == 1:
                data = string_literal_bytes(init)
                n = t.length if t.length is not None else len(data)
                for k, byte in enumerate(data[:n]):
                    out.append((base + k, t.elem, Expr(str(byte), t.elem, const=byte), None))
                return
            e = self.value(self.expr(init))
            if isinstance(t, (Struct, Array)) and not (isinstance(t, Struct) and
                                                       isinstance(e.type, Struct)):
                # brace elision at the top: the first scalar of t
                self._elide(t, [init], 0, base, out, {0: e})
                return
            out.append((base, t, e, None))
            return
        items = [c for c in init.named_children if c.type != "comment"]
        if isinstance(t, (Int, Pointer)):
            if items:
                self.flatten(t, items[0], base, out)
            return
        members = self._members(t)
        cursor = 0
        idx = 0
        while idx < len(items):
            item = items[idx]
            if item.type == "initializer_pair":
                designators = [c for c in item.named_children if c.type in
                               ("field_designator", "subscript_designator")]
                value = item.child_by_field_name("value")
                sub_t, off, cursor = self._designate(t, designators[0], members, item)
                for d in designators[1:]:
                    sub_t = self.complete(sub_t, item)
                    sub_members = self._members(sub_t)
                    sub_t, off2, _ = self._designate(sub_t, d, sub_members, item)
                    off += off2
                self.flatten(sub_t, value, base + off, out)
                cursor += 1
                idx += 1
                continue
            if cursor >= len(members):
                break   # excess initialisers are ignored, as gcc does after a warning
            _, mt, moff, mfield = members[cursor]
            if item.type == "initializer_list":
                self.flatten(mt, item, base + moff, out)
                idx += 1
            elif isinstance(mt, (Struct, Array)):
                first = self.value(self.expr(item)) if not (
                    item.type in ("string_literal", "concatenated_string")
                    and isinstance(mt, Array)) else None
                if first is not None and isinstance(mt, Struct) and isinstance(first.type,
                                                                              Struct):
                    out.append((base + moff, mt, first, None))
                    idx += 1
                elif first is None:
                    self.flatten(mt, item, base + moff, out)
                    idx += 1
                else:
                    idx = self._elide(mt, items, idx, base + moff, out, {idx: first})
            else:
                out.append((base + moff, mt, self.value(self.expr(item)), mfield))
                idx += 1
            cursor += 1
            if isinstance(t, Struct) and t.union:
                break

    def _members(self, t: CType) -> list:
        """``(name, type, offset, field)`` of the members an initialiser list walks."""
        if isinstance(t, Struct):
            out = []
            for f in t.fields:
                if f.name is None and f.bit_width is not None:
                    continue
                out.append((f.name, f.type, f.offset, f if f.bit_width is not None else None))
            return out
        if isinstance(t, Array):
            n = t.length if t.length is not None else 0
            size = sizeof(t.elem)
            return [(None, t.elem, k * size, None) for k in range(n)]
        return [(None, t, 0, None)]

    def _designate(self, t: CType, d: Node, members: list, node: Node
                   ) -> tuple[CType, int, int]:
        if d.type == "field_designator":
            name = node_text(d.named_children[0]) if d.named_children else \
                node_text(d).lstrip(".").strip()
            if not isinstance(t, Struct):
                raise self.error(f"designator .{name} for {t}", node)
            for k, (mname, mt, moff, _) in enumerate(members):
                if mname == name:
                    return mt, moff, k
            found = find_field(t, name)
            if found is None:
                raise self.error(f"no member '{name}' in {t}", node)
            return found[1].type, found[0], len(members)
        if not isinstance(t, Array):
            raise self.error(f"index designator for {t}", node)
        try:
            k = self.res.const_int(d.named_children[0], self.scope_obj)
        except TypeError_ as exc:
            raise self.error(str(exc), node) from None
        size = sizeof(t.elem)
        return t.elem, k * size, k

    def _elide(self, t: CType, items: list, idx: int, base: int, out: list,
               ready: dict) -> int:
        """Fill ``t`` from ``items[idx:]`` without braces; returns the next index."""
        t = self.complete(t, items[idx] if idx < len(items) else None)
        for _, mt, moff, mfield in self._members(t):
            if idx >= len(items) or items[idx].type == "initializer_pair":
                return idx
            item = items[idx]
            if item.type == "initializer_list":
                self.flatten(mt, item, base + moff, out)
                idx += 1
                continue
            e = ready.pop(idx, None)
            if isinstance(mt, (Struct, Array)):
                if e is None and not (item.type in ("string_literal", "concatenated_string")
                                      and isinstance(mt, Array)):
                    e = self.value(self.expr(item))
                if e is not None and isinstance(mt, Struct) and isinstance(e.type, Struct):
                    out.append((base + moff, mt, e, None))
                    idx += 1
                elif e is None:
                    self.flatten(mt, item, base + moff, out)
                    idx += 1
                else:
                    idx = self._elide(mt, items, idx, base + moff, out, {idx: e})
                continue
            if e is None:
                e = self.value(self.expr(item))
            out.append((base + moff, mt, e, mfield))
            idx += 1
            if isinstance(t, Struct) and t.union:
                break
        return idx

    def pack(self, t: Struct, init: Node) -> str:
        """Code building the bytes of a struct value from a brace initialiser."""
        leaves: list = []
        self.flatten(t, init, 0, leaves)
        parts: list[str] = []
        const = 0
        for off, lt, e, f in leaves:
            if isinstance(lt, Struct):
                if e.const is None:
                    parts.append(f"(int.from_bytes({self.conv(e, lt)}, 'little') << {off * 8})")
                continue
            size = sizeof(lt)
            shift = off * 8
            if f is not None:
                mask = (1 << f.bit_width) - 1
                shift += f.bit_offset
                if e.const is not None:
                    const |= (e.const & mask) << shift
                    continue
                parts.append(f"(({self.conv(e, lt)} & {mask}) << {shift})")
                continue
            mask = (1 << (size * 8)) - 1
            if e.const is not None:
                const |= (normalize(e.const, lt) & mask) << shift
                continue
            code = self.conv(e, lt)
            if isinstance(lt, Int) and not lt.signed or isinstance(lt, Pointer):
                parts.append(f"({code} << {shift})" if shift else code)
            else:
                parts.append(f"(({code} & {mask}) << {shift})")
        if const:
            parts.append(str(const))
        if not parts:
            return f"{self.bind('const', bytes(t.size))}"
        expr = " | ".join(parts)
        return f"({expr}).to_bytes({t.size}, 'little')"

    def emit_init(self, addr: str, t: CType, init: Node) -> None:
        """Statements that initialise the object at ``addr`` (zeroed first)."""
        t = self.complete(t, init)
        if isinstance(t, Struct) and init.type != "initializer_list":
            e = self.value(self.expr(init))
            if isinstance(e.type, Struct):
                self.emit(f"WB({addr}, {self.conv(e, t, init)})")
                return
        leaves: list = []
        self.flatten(t, init, 0, leaves)
        self.emit(f"WB({addr}, {self.bind('const', bytes(sizeof(t)))})")
        if addr.startswith("(") or not addr.isidentifier():
            base = self.tmp()
            self.emit(f"{base} = {addr}")
        else:
            base = addr
        for off, lt, e, f in leaves:
            if e.const is not None and e.const == 0 and f is None:
                continue
            a = base if off == 0 else f"{base} + {off}"
            if f is not None:
                self.emit(f"_wbits({a}, {lt.size}, {f.bit_offset}, {f.bit_width}, "
                          f"{self.conv(e, lt)})")
            elif isinstance(lt, Struct):
                self.emit(f"WB({a}, {self.conv(e, lt)})")
            else:
                self.emit(f"W({a}, {sizeof(lt)}, {self.conv(e, lt)})")

    # -- assignment --------------------------------------------------------------------------
    def store(self, lv: tuple, t: CType, code: str) -> str:
        """An expression that stores ``code`` (already of type ``t``) and yields it."""
        if lv[0] == "py":
            return f"({lv[1]} := {code})"
        if lv[0] == "bit":
            f = lv[2]
            return f"_wbits({lv[1]}, {f.type.size}, {f.bit_offset}, {f.bit_width}, {code})"
        if isinstance(t, Struct):
            return f"WB({lv[1]}, {code})"
        return f"W({lv[1]}, {sizeof(t)}, {code})"

    def _stable_lv(self, lv: tuple) -> tuple[tuple, str]:
        """The lvalue with its address in a temporary when evaluating it twice would be wrong
        or slow; returns (lvalue for the read, lvalue for the write) sharing the temp."""
        if lv[0] == "py" or _simple(lv[1]):
            return lv, ""
        tmp = self.tmp()
        first = (lv[0], f"({tmp} := {lv[1]})") + tuple(lv[2:])
        return first, tmp

    def x_assignment_expression(self, node: Node) -> Expr:
        op = node_text(node.child_by_field_name("operator"))
        target = self.expr(node.child_by_field_name("left"))
        if target.lv is None:
            raise self.error("assignment to a value", node)
        t = target.type
        if isinstance(t, Array):
            raise self.error("assignment to an array", node)
        right = self.value(self.expr(node.child_by_field_name("right")))
        binop = _ASSIGN_OPS.get(op)
        if binop is None:
            return Expr(self.store(target.lv, t, self.conv(right, t, node)), t)
        first, tmp = self._stable_lv(target.lv)
        if tmp:
            # read with the temp assigned inside the write's address argument: the address is
            # evaluated first (Python evaluates call arguments left to right)
            read_lv = (target.lv[0], tmp) + tuple(target.lv[2:])
            cur = self.rvalue(Expr(None, t, read_lv))
            result = self.binop(binop, cur, right, node)
            return Expr(self.store(first, t, self.conv(result, t, node)), t)
        cur = self.rvalue(Expr(None, t, target.lv))
        result = self.binop(binop, cur, right, node)
        return Expr(self.store(target.lv, t, self.conv(result, t, node)), t)

    def x_update_expression(self, node: Node, value_used: bool = True) -> Expr:
        op = node_text(node.child_by_field_name("operator"))
        arg = node.child_by_field_name("argument")
        target = self.expr(arg)
        if target.lv is None:
            raise self.error(f"'{op}' on a value", node)
        t = target.type
        if not isinstance(t, (Int, Pointer)):
            raise self.error(f"'{op}' on {t}", node)
        prefix = node.children[0].type in ("++", "--")
        one = Expr("1", INT, const=1)
        first, tmp = self._stable_lv(target.lv)
        read_lv = (target.lv[0], tmp) + tuple(target.lv[2:]) if tmp else target.lv
        cur = self.rvalue(Expr(None, t, read_lv))
        if prefix or not value_used:
            new = self.binop("+" if op == "++" else "-", cur, one, node)
            return Expr(self.store(first, t, self.conv(new, t, node)), t)
        # postfix with its value used: keep the old value
        old = self.tmp()
        new = self.binop("+" if op == "++" else "-", Expr(old, t), one, node)
        if tmp:
            # evaluate the address into tmp first, then read, then write
            addr_first = f"({tmp} := {target.lv[1]})"
            return Expr(f"({addr_first}, ({old} := {cur.code}), "
                        f"{self.store(read_lv, t, self.conv(new, t, node))})[1]", t)
        return Expr(f"(({old} := {cur.code}), {self.store(read_lv, t, self.conv(new, t, node))}"
                    f")[0]", t)

    # -- calls -------------------------------------------------------------------------------------
    def x_call_expression(self, node: Node) -> Expr:
        fnode = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        arg_nodes = [c for c in args_node.named_children if c.type != "comment"]
        if fnode.type == "parenthesized_expression" and len(arg_nodes) == 1:
            tname = self.res.typedef_in_parens(fnode, self.scope_obj)
            if tname is not None:
                # (u64)(x): a cast tree-sitter read as a call
                return self._cast(self.complete(self.res.typedef(tname, self.scope_obj), node),
                                  arg_nodes[0], node)
        if fnode.type == "identifier":
            name = node_text(fnode)
            special = self._builtin_call(name, arg_nodes, node)
            if special is not None:
                return special
            var = self.lookup(name)
            if var is None or var.kind == "func":
                return self._direct_call(name, arg_nodes, node)
        callee = self.rvalue(self.expr(fnode))
        t = callee.type
        if isinstance(t, Pointer) and isinstance(t.target, Func):
            ft = t.target
        elif isinstance(t, Func):
            ft = t
        else:
            raise self.error(f"call through {t}", node)
        if callee.fname:
            return self._direct_call(callee.fname, arg_nodes, node)
        args = self._args(ft, arg_nodes, node)
        code = f"_callp({callee.code}{''.join(', ' + a for a in args)})"
        return self._call_result(code, ft.ret, node)

    def _builtin_call(self, name: str, arg_nodes: list, node: Node) -> Optional[Expr]:
        if not name.startswith("__builtin_"):
            return None
        if name == "__builtin_expect":
            if not arg_nodes:
                raise self.error("__builtin_expect without arguments", node)
            e = self.value(self.expr(arg_nodes[0]))
            return Expr(self.conv(e, INT if not isinstance(e.type, Int) or e.type.size < 4
                                  else e.type, node),
                        e.type if isinstance(e.type, Int) and e.type.size >= 4 else INT,
                        const=e.const)
        if name == "__builtin_constant_p":
            return Expr("0", INT, const=0)
        if name == "__builtin_offsetof":
            try:
                v = self.res.offsetof(node, self.scope_obj)
            except TypeError_ as exc:
                raise self.error(str(exc), node) from None
            return Expr(str(v), UINT, const=v)
        if name in self.program.functions:
            return None
        raise self.error(f"{name}()", node)

    def _args(self, ft: Func, arg_nodes: list, node: Node) -> list[str]:
        out = []
        params = ft.params
        for k, a in enumerate(arg_nodes):
            e = self.value(self.expr(a))
            if params is not None and k < len(params):
                out.append(self.conv(e, params[k], a))
            elif isinstance(e.type, Int) and e.type.size < 4:
                out.append(self.conv(e, INT, a))
            else:
                if isinstance(e.type, Void):
                    raise self.error("void value as an argument", a)
                out.append(e.code)
        if params is not None and len(out) < len(params):
            for p in params[len(out):]:
                out.append(self.bind("const", bytes(sizeof(p))) if isinstance(p, Struct)
                           else "0")
        return out

    def _direct_call(self, name: str, arg_nodes: list, node: Node) -> Expr:
        ft = self.program.function_type(name)
        if ft is None:
            ft = Func(INT, None)
        args = self._args(ft, arg_nodes, node)
        slot = self.bind("call", name)
        code = f"{slot}[0]({', '.join(args)})"
        return self._call_result(code, ft.ret, node)

    def _call_result(self, code: str, ret: CType, node: Node) -> Expr:
        if isinstance(ret, Struct):
            self.complete(ret, node)
        return Expr(code, ret)

    # -- statement expressions ---------------------------------------------------------------------
    def statement_expression(self, block: Node) -> Expr:
        """``({ ... })``: a nested Python function, called where the value is needed."""
        fname = f"_se{self.nested_defs}"
        self.nested_defs += 1
        saved_lines, saved_ind, saved_map = self.lines, self.ind, self.line_map
        outer_locals = [v.name for scope in self.scopes for v in scope.values()
                        if v.kind == "py"]
        self.lines, self.line_map = [], {}
        self.ind = 0
        self.scopes.append({})
        self.ctl.append({"kind": "stmtexpr"})
        self.in_stmt_expr += 1
        start_locals = len(self.pylocals)
        items = [c for c in block.named_children if c.type != "comment"]
        result: Optional[Expr] = None
        try:
            for k, item in enumerate(items):
                if k == len(items) - 1 and item.type == "expression_statement":
                    inner = [c for c in item.named_children if c.type != "comment"]
                    if inner:
                        self.cur_line = item.start_point[0] + 1
                        result = self.value(self.expr(inner[0]))
                        break
                self.statement(item)
        finally:
            self.in_stmt_expr -= 1
            self.ctl.pop()
            self.scopes.pop()
            body, body_map = self.lines, self.line_map
            self.lines, self.ind, self.line_map = saved_lines, saved_ind, saved_map
        own = self.pylocals[start_locals:]
        names = " ".join(body)
        used = [n for n in outer_locals if n in names]
        header = [f"def {fname}():"]
        if used:
            header.append(f"    nonlocal {', '.join(sorted(set(used)))}")
        for n in own:
            header.append(f"    {n} = 0")
        ret = "None" if result is None or isinstance(result.type, Void) else result.code
        tail = [f"    return {ret}"]
        # the def goes before the statement being compiled
        self.pending_defs.append((header, body, body_map, tail))
        t = result.type if result is not None else VOID
        return Expr(f"{fname}()", t)

    # -- statements ------------------------------------------------------------------------------
    def statement(self, node: Node) -> None:
        kind = node.type
        if kind == "comment":
            return
        self.cur_line = node.start_point[0] + 1
        if kind == "compound_statement":
            self.scopes.append({})
            self.typedef_scopes.append({})
            try:
                self.block([c for c in node.named_children if c.type != "comment"], node)
            finally:
                self.scopes.pop()
                self.typedef_scopes.pop()
            return
        saved = len(self.lines)
        saved_defs = len(self.pending_defs)
        saved_ctl = len(self.ctl)
        saved_ind = len(self.scopes), len(self.typedef_scopes), self.ind
        try:
            getattr(self, "s_" + kind, self.s_unknown)(node)
        except CompileError as exc:
            del self.lines[saved:]
            for k in [k for k in self.line_map if k > saved]:
                del self.line_map[k]
            del self.pending_defs[saved_defs:]
            del self.ctl[saved_ctl:]
            del self.scopes[saved_ind[0]:]
            del self.typedef_scopes[saved_ind[1]:]
            self.ind = saved_ind[2]
            self.emit(self.fail_code(exc.message, exc.reason))
        except (TypeError_, RecursionError) as exc:
            del self.lines[saved:]
            for k in [k for k in self.line_map if k > saved]:
                del self.line_map[k]
            del self.pending_defs[saved_defs:]
            del self.ctl[saved_ctl:]
            del self.scopes[saved_ind[0]:]
            del self.typedef_scopes[saved_ind[1]:]
            self.ind = saved_ind[2]
            self.emit(self.fail_code(f"{exc} at {self.where(node)}"))

    def flush_defs(self, at: int) -> None:
        """Insert the statement-expression functions made while compiling the statement that
        starts at output line ``at``."""
        if not self.pending_defs:
            return
        pad = "    " * self.ind
        block: list[str] = []
        for header, body, body_map, tail in self.pending_defs:
            block += [pad + h for h in header] + [pad + "    " + b for b in body] + \
                [pad + t for t in tail]
        self.pending_defs = []
        self.lines[at:at] = block
        shift = len(block)
        self.line_map = {(k + shift if k > at else k): v for k, v in self.line_map.items()}

    def s_unknown(self, node: Node) -> None:
        if node.type == "ERROR" or node.has_error:
            raise self.error(f"parse error: '{node_text(node)[:40]}'", node)
        raise self.error(f"unsupported C: {node.type} '{node_text(node)[:40]}'", node)

    def s_expression_statement(self, node: Node) -> None:
        inner = [c for c in node.named_children if c.type != "comment"]
        if not inner:
            return
        start = len(self.lines)
        self.effect(inner[0])
        self.flush_defs(start)

    def effect(self, node: Node) -> None:
        """Statements for an expression whose value is not used."""
        kind = node.type
        if kind == "parenthesized_expression":
            inner = self._paren_inner(node)
            if inner is not None and inner.type != "compound_statement":
                return self.effect(inner)
        if kind == "comma_expression":
            self.effect(node.child_by_field_name("left"))
            self.effect(node.child_by_field_name("right"))
            return
        if kind == "update_expression":
            e = self.x_update_expression(node, value_used=False)
            self._emit_store_stmt(e.code)
            return
        if kind == "assignment_expression":
            e = self.x_assignment_expression(node)
            self._emit_store_stmt(e.code)
            return
        if kind == "cast_expression":
            t = self.type_of(node.child_by_field_name("type"))
            if isinstance(t, Void):
                return self.effect(node.child_by_field_name("value"))
        if kind == "conditional_expression" and node.child_by_field_name("consequence"):
            code, const = self.cond(node.child_by_field_name("condition"))
            if const is not None:
                chosen = node.child_by_field_name("consequence" if const else "alternative")
                return self.effect(chosen)
            self.emit(f"if {code}:")
            self.ind += 1
            mark = len(self.lines)
            self.effect(node.child_by_field_name("consequence"))
            if len(self.lines) == mark:
                self.emit("pass")
            self.ind -= 1
            self.emit("else:")
            self.ind += 1
            mark = len(self.lines)
            self.effect(node.child_by_field_name("alternative"))
            if len(self.lines) == mark:
                self.emit("pass")
            self.ind -= 1
            return
        e = self.rvalue(self.expr(node))
        if e.const is not None or e.code is None:
            return
        if e.code.isidentifier():
            return
        self.emit(e.code)

    def _emit_store_stmt(self, code: str) -> None:
        # "(v := x)" as a statement is "v = x"
        if code.startswith("(") and code.endswith(")") and " := " in code:
            inner = code[1:-1]
            name, _, rest = inner.partition(" := ")
            if name.isidentifier() and _balanced(rest):
                self.emit(f"{name} = {rest}")
                return
        self.emit(code)

    def s_declaration(self, node: Node) -> None:
        storage = {node_text(c) for c in node.children if c.type == "storage_class_specifier"}
        tnode = node.child_by_field_name("type")
        try:
            base = INT if tnode is None else self.res.specifier(tnode, self.scope_obj)
        except TypeError_ as exc:
            raise self.error(str(exc), node) from None
        start = len(self.lines)
        for d in node.children_by_field_name("declarator"):
            init = d.child_by_field_name("value") if d.type == "init_declarator" else None
            try:
                name, t = self.res.declarator(d, base, self.scope_obj, init=init)
            except TypeError_ as exc:
                raise self.error(str(exc), d) from None
            if name is None:
                continue
            if isinstance(t, Func):
                self.scopes[-1][name] = Var("func", t, name)
                continue
            if "extern" in storage:
                g = self.program.globals.get(name)
                if g is None:
                    self.scopes[-1][name] = Var("global", t, self.bind("extern", name, t))
                else:
                    self.scopes[-1][name] = Var("global", g.type, self.bind("global", name))
                continue
            if "static" in storage:
                key = f"{self.name}.{name}"
                self.complete(t, d)
                binding = self.bind("static", key, t, init, self.path)
                self.scopes[-1][name] = Var("static", t, binding)
                continue
            var = self.declare_local(name, t, d)
            if var.kind == "py":
                if init is not None:
                    e = self.value(self.expr(init)) if init.type != "initializer_list" else \
                        self._scalar_braces(init, t)
                    self.emit(f"{var.name} = {self.conv(e, t, init)}")
                continue
            addr = f"(fb + {var.name})"
            if init is None:
                self.emit(f"WB({addr}, {self.bind('const', bytes(max(sizeof(t), 0)))})")
            elif isinstance(t, (Int, Pointer)):
                e = self.value(self.expr(init)) if init.type != "initializer_list" else \
                    self._scalar_braces(init, t)
                self.emit(f"W({addr}, {sizeof(t)}, {self.conv(e, t, init)})")
            else:
                self.emit_init(addr, t, init)
        self.flush_defs(start)

    def _scalar_braces(self, init: Node, t: CType) -> Expr:
        items = [c for c in init.named_children if c.type != "comment"]
        if not items:
            return Expr("0", t, const=0)
        return self.value(self.expr(items[0]))

    def s_type_definition(self, node: Node) -> None:
        base = self.res.base_type(node, self.scope_obj)
        for d in node.children_by_field_name("declarator"):
            name, t = self.res.declarator(d, base, self.scope_obj)
            if name:
                self.typedef_scopes[-1][name] = t

    def s_struct_specifier(self, node: Node) -> None:
        return None   # a local struct definition: collected with the program's structs

    s_union_specifier = s_struct_specifier
    s_enum_specifier = s_struct_specifier

    def _body(self, node: Optional[Node]) -> None:
        """A sub-statement as an indented Python block (never empty)."""
        self.ind += 1
        mark = len(self.lines)
        if node is not None:
            self.statement(node)
        if len(self.lines) == mark:
            self.emit("pass")
        self.ind -= 1

    def s_if_statement(self, node: Node) -> None:
        cnode = node.child_by_field_name("condition")
        cons = node.child_by_field_name("consequence")
        alt = node.child_by_field_name("alternative")
        if alt is not None and alt.type == "else_clause":
            inner = [c for c in alt.named_children if c.type != "comment"]
            alt = inner[0] if inner else None
        start = len(self.lines)
        code, const = self.cond(cnode)
        if const is not None:
            taken, dead = (cons, alt) if const else (alt, cons)
            if dead is None or not _has_label(dead):
                self.flush_defs(start)
                if taken is not None:
                    self.statement(taken)
                return
        self.emit(f"if {code}:")
        self.flush_defs(start)
        self._body(cons)
        if alt is not None:
            if alt.type == "if_statement":
                self.emit("else:")
                self._body(alt)
            else:
                self.emit("else:")
                self._body(alt)

    def _step(self) -> None:
        self.emit("S[0] += 1")
        self.emit("if S[0] > LIM[0]: _steplimit()")

    def s_while_statement(self, node: Node) -> None:
        cnode = node.child_by_field_name("condition")
        body = node.child_by_field_name("body")
        ctx = {"kind": "loop", "id": self._new_id()}
        self.emit("while True:")
        self.ind += 1
        self._step()
        start = len(self.lines)
        code, const = self.cond(cnode)
        if const is None or not const:
            self.emit(f"if not {code}: break")
        self.flush_defs(start)
        self.ctl.append(ctx)
        try:
            self._body_inline(body)
        finally:
            self.ctl.pop()
        self.ind -= 1

    def _body_inline(self, node: Optional[Node]) -> None:
        mark = len(self.lines)
        if node is not None:
            self.statement(node)
        if len(self.lines) == mark:
            self.emit("pass")

    def _new_id(self) -> int:
        self.ntmp += 1
        return self.ntmp

    def s_for_statement(self, node: Node) -> None:
        self.scopes.append({})
        try:
            self._for(node)
        finally:
            self.scopes.pop()

    def _for(self, node: Node) -> None:
        init = node.child_by_field_name("initializer")
        cnode = node.child_by_field_name("condition")
        update = node.child_by_field_name("update")
        body = node.child_by_field_name("body")
        if init is not None:
            if init.type == "declaration":
                self.s_declaration(init)
            else:
                start = len(self.lines)
                self.effect(init)
                self.flush_defs(start)
        ctx = {"kind": "loop", "id": self._new_id()}
        uses_continue = body is not None and _has_continue(body)
        flag = f"_f{ctx['id']}"
        if uses_continue and update is not None:
            self.emit(f"{flag} = False")
        self.emit("while True:")
        self.ind += 1
        if uses_continue and update is not None:
            self.emit(f"if {flag}:")
            self.ind += 1
            start = len(self.lines)
            self.effect(update)
            self.flush_defs(start)
            self.ind -= 1
            self.emit(f"{flag} = True")
        self._step()
        if cnode is not None:
            start = len(self.lines)
            code, const = self.cond(cnode)
            if const is None or not const:
                self.emit(f"if not {code}: break")
            self.flush_defs(start)
        self.ctl.append(ctx)
        try:
            self._body_inline(body)
        finally:
            self.ctl.pop()
        if update is not None and not uses_continue:
            start = len(self.lines)
            self.effect(update)
            self.flush_defs(start)
        self.ind -= 1

    def s_do_statement(self, node: Node) -> None:
        cnode = node.child_by_field_name("condition")
        body = node.child_by_field_name("body")
        ctx = {"kind": "loop", "id": self._new_id()}
        uses_continue = body is not None and _has_continue(body)
        # do { ... } while (0) without break or continue is just its body (the constant is
        # read without translating the condition, which may hold a statement expression)
        try:
            const: Optional[int] = self.res.const_int(cnode, self.scope_obj)
        except (TypeError_, RecursionError):
            const = None
        if const == 0 and not uses_continue and not _has_break(body):
            self.statement(body)
            return
        flag = f"_f{ctx['id']}"
        if uses_continue:
            self.emit(f"{flag} = False")
        self.emit("while True:")
        self.ind += 1
        if uses_continue:
            self.emit(f"if {flag}:")
            self.ind += 1
            start = len(self.lines)
            code, c2 = self.cond(cnode)
            self.emit(f"if not {code}: break")
            self.flush_defs(start)
            self.ind -= 1
            self.emit(f"{flag} = True")
        self._step()
        self.ctl.append(ctx)
        try:
            self._body_inline(body)
        finally:
            self.ctl.pop()
        if not uses_continue:
            start = len(self.lines)
            code, c2 = self.cond(cnode)
            if c2 is None:
                self.emit(f"if not {code}: break")
            elif not c2:
                self.emit("break")
            self.flush_defs(start)
        self.ind -= 1

    def s_switch_statement(self, node: Node) -> None:
        cnode = node.child_by_field_name("condition")
        body = node.child_by_field_name("body")
        start = len(self.lines)
        e = self.value(self.expr(cnode))
        if not isinstance(e.type, Int):
            raise self.error(f"switch on {e.type}", node)
        t = promote(e.type)
        sid = self._new_id()
        skey = node.start_byte
        sw, cv = f"_sw{sid}", f"_c{sid}"
        if body is None or body.type != "compound_statement":
            raise self.error("switch without a braced body", node)
        items = [c for c in body.named_children if c.type != "comment"]
        cases: dict[int, int] = {}
        default = None
        groups: list[list[Node]] = []
        for item in items:
            if item.type != "case_statement":
                if groups:
                    groups[-1].append(item)
                elif _has_label(item):
                    raise self.error("labelled statement before the first case", item)
                continue
            k = len(groups)
            value = item.child_by_field_name("value")
            if value is None:
                default = k
            else:
                if any(c.type == "ERROR" for c in item.children):
                    raise self.error("case range", item)
                try:
                    v, _ = self.res.const(value, self.scope_obj)
                except TypeError_ as exc:
                    raise self.error(str(exc), value) from None
                cases.setdefault(normalize(v, t), k)
            body_items = [c for c in item.named_children if c != value
                          and c.type != "comment"]
            groups.append(body_items)
        n = len(groups)
        table = self.bind("dict", tuple(sorted(cases.items())))
        self.emit(f"{sw} = {self.conv(e, t)}")
        self.emit(f"{cv} = {table}.get({sw}, {n if default is None else default})")
        self.flush_defs(start)
        ctx = {"kind": "switch", "id": sid, "escapes": {}}
        self.emit(f"_esc{sid} = 0")
        self.emit("while True:")
        self.ind += 1
        self.ctl.append(ctx)
        try:
            for k, group in enumerate(groups):
                self.emit(f"if {cv} <= {k}:")
                self.ind += 1
                mark = len(self.lines)
                self.scopes.append({})
                try:
                    self.block(group, None, key=("case", skey, k))
                finally:
                    self.scopes.pop()
                if len(self.lines) == mark:
                    self.emit("pass")
                self.ind -= 1
            self.emit("break")
        finally:
            self.ctl.pop()
        self.ind -= 1
        self._escape_tail(ctx)

    def _escape_tail(self, ctx: dict) -> None:
        """After a wrapper loop: redo the break/continue that had to leave it."""
        for code, action in sorted(ctx.get("escapes", {}).items()):
            self.emit(f"if _esc{ctx['id']} == {code}:")
            self.ind += 1
            self._jump(action[0], action[1])
            self.ind -= 1

    def _jump(self, what: str, target: int) -> None:
        """Emit ``break``/``continue`` to the C construct with id ``target``."""
        for ctx in reversed(self.ctl):
            if ctx["kind"] == "stmtexpr":
                raise self.error(f"{what} out of a statement expression", None)
            if ctx.get("id") == target and ctx["kind"] in ("loop", "switch"):
                self.emit(what)
                return
            if ctx["kind"] in ("switch", "dispatch", "loop"):
                # a wrapper (or a loop that is not the target) in between
                escapes = ctx.setdefault("escapes", {})
                code = None
                for k, v in escapes.items():
                    if v == (what, target):
                        code = k
                if code is None:
                    code = len(escapes) + 1
                    escapes[code] = (what, target)
                self.emit(f"_esc{ctx['id']} = {code}")
                self.emit("break")
                return
        raise self.error(f"{what} outside a loop", None)

    def s_break_statement(self, node: Node) -> None:
        for ctx in reversed(self.ctl):
            if ctx["kind"] in ("loop", "switch"):
                self._jump("break", ctx["id"])
                return
            if ctx["kind"] == "stmtexpr":
                break
        raise self.error("break outside a loop or switch", node)

    def s_continue_statement(self, node: Node) -> None:
        for ctx in reversed(self.ctl):
            if ctx["kind"] == "loop":
                self._jump("continue", ctx["id"])
                return
            if ctx["kind"] == "stmtexpr":
                break
        raise self.error("continue outside a loop", node)

    def s_return_statement(self, node: Node) -> None:
        if self.in_stmt_expr:
            raise self.error("return out of a statement expression", node)
        inner = [c for c in node.named_children if c.type != "comment"]
        start = len(self.lines)
        ret = self.ret_type
        if not inner:
            self.emit("return " + ("None" if isinstance(ret, Void) else self._zero(ret)))
            return
        e = self.value(self.expr(inner[0])) if not isinstance(ret, Void) else \
            self.rvalue(self.expr(inner[0]))
        if isinstance(ret, Void):
            if e.code and not e.code.isidentifier() and e.const is None:
                self.emit(e.code)
            self.emit("return None")
        else:
            self.emit(f"return {self.conv(e, ret, node)}")
        self.flush_defs(start)

    def _zero(self, t: CType) -> str:
        if isinstance(t, Struct):
            return self.bind("const", bytes(t.size))
        return "0"

    def s_goto_statement(self, node: Node) -> None:
        label = node_text(node.child_by_field_name("label"))
        info = self.labels.get(label)
        if info is None:
            raise self.error(f"goto {label}: label not at the top of a block", node)
        lid, key, _ = info
        if key not in self.block_stack:
            raise self.error(f"goto {label}: jump into a block", node)
        for ctx in reversed(self.ctl):
            if ctx["kind"] == "stmtexpr":
                raise self.error("goto out of a statement expression", node)
            if ctx["kind"] == "dispatch" and ctx["key"] == key:
                break
        self.emit(f"raise _Goto({lid})")

    def s_labeled_statement(self, node: Node) -> None:
        # a label not at the top of a block: only its statement runs; a goto to it is refused
        inner = [c for c in node.named_children if c.type not in ("statement_identifier",
                                                                  "comment")]
        for c in inner:
            self.statement(c)

    def s_case_statement(self, node: Node) -> None:
        raise self.error("case label outside the top of a switch", node)

    def s_gnu_asm_expression(self, node: Node) -> None:
        raise self.error("inline asm", node)

    s_asm_statement = s_gnu_asm_expression

    # -- blocks and labels --------------------------------------------------------------------
    def block(self, items: list, node: Optional[Node], key: Any = None) -> None:
        key = key if key is not None else (node.start_byte, node.end_byte, node.type) \
            if node is not None else id(items)
        hkey = hash(key)
        # labels at the top of this block
        segments: list[list[Node]] = [[]]
        seg_labels: list[list[str]] = [[]]
        for item in items:
            names = []
            inner = item
            while inner.type == "labeled_statement":
                names.append(node_text(inner.child_by_field_name("label")))
                rest = [c for c in inner.named_children if c.type not in
                        ("statement_identifier", "comment")]
                inner = rest[0] if rest else None
                if inner is None:
                    break
            if names:
                segments.append([inner] if inner is not None else [])
                seg_labels.append(names)
            else:
                segments[-1].append(item)
        count = sum(1 for i in items if i.type not in ("declaration",))
        if count > 1:
            self.emit(f"S[0] += {count}")
        if len(segments) == 1:
            self.block_stack.append(hkey)
            try:
                for item in items:
                    self.statement(item)
            finally:
                self.block_stack.pop()
            return
        did = self._new_id()
        index_of: list[tuple[int, int]] = []
        for k, names in enumerate(seg_labels):
            for name in names:
                lid = self.labels[name][0] if name in self.labels else None
                if lid is not None:
                    index_of.append((lid, k))
        table = self.bind("dict", tuple(sorted(index_of)))
        pc = f"_pc{did}"
        ctx = {"kind": "dispatch", "id": did, "key": hkey, "escapes": {}}
        self.emit(f"{pc} = 0")
        self.emit(f"_esc{did} = 0")
        self.emit("while True:")
        self.ind += 1
        self.emit("try:")
        self.ind += 1
        self.block_stack.append(hkey)
        self.ctl.append(ctx)
        try:
            for k, seg in enumerate(segments):
                if k == 0 and not seg:
                    continue
                self.emit(f"if {pc} <= {k}:")
                self.ind += 1
                mark = len(self.lines)
                for item in seg:
                    self.statement(item)
                if len(self.lines) == mark:
                    self.emit("pass")
                self.ind -= 1
            self.emit("break")
        finally:
            self.ctl.pop()
            self.block_stack.pop()
        self.ind -= 1
        self.emit("except _Goto as _g:")
        self.ind += 1
        self.emit(f"{pc} = {table}.get(_g.label, -1)")
        self.emit(f"if {pc} < 0: raise")
        self._step()
        self.ind -= 1
        self.ind -= 1
        self._escape_tail(ctx)

    def collect_labels(self, body: Node) -> None:
        """Number every label that sits at the top of a block, with that block's key."""
        stack = [(body, None)]
        while stack:
            n, parent_key = stack.pop()
            if n.type == "compound_statement":
                key = hash((n.start_byte, n.end_byte, n.type))
                items = [c for c in n.named_children if c.type != "comment"]
                self._labels_of(items, key)
            if n.type == "switch_statement":
                body_node = n.child_by_field_name("body")
                if body_node is not None:
                    cases = [c for c in body_node.named_children if c.type == "case_statement"]
                    for k, case in enumerate(cases):
                        value = case.child_by_field_name("value")
                        items = [c for c in case.named_children if c != value
                                 and c.type != "comment"]
                        self._labels_of(items, hash(("case", n.start_byte, k)))
            for c in n.children:
                stack.append((c, None))

    def _labels_of(self, items: list, key: int) -> None:
        for index, item in enumerate(items):
            inner = item
            while inner is not None and inner.type == "labeled_statement":
                name = node_text(inner.child_by_field_name("label"))
                if name not in self.labels:
                    self.labels[name] = (len(self.labels) + 1, key, index)
                rest = [c for c in inner.named_children if c.type not in
                        ("statement_identifier", "comment")]
                inner = rest[0] if rest else None

    # -- functions ----------------------------------------------------------------------------
    def compile_function(self, fn: FunctionDef) -> str:
        ft = self.res.function_type(fn)
        self.ret_type = ft.ret
        self.pending_defs: list = []
        body = fn.node.child_by_field_name("body")
        self.addressed = _addressed_names(body)
        # parameters
        decl = fn.node.child_by_field_name("declarator")
        fdecl = decl
        while fdecl is not None and fdecl.type != "function_declarator":
            fdecl = fdecl.child_by_field_name("declarator")
        params = []
        plist = fdecl.child_by_field_name("parameters") if fdecl is not None else None
        for p in (plist.named_children if plist is not None else []):
            if p.type != "parameter_declaration":
                continue
            base = self.res.base_type(p)
            name, t = self.res.declarator(p.child_by_field_name("declarator"), base)
            if t == VOID and name is None:
                continue
            if isinstance(t, Array):
                t = Pointer(t.elem)
            elif isinstance(t, Func):
                t = Pointer(t)
            params.append((name, t))
        self.collect_labels(body)
        self.scopes.append({})
        self.typedef_scopes.append({})
        prologue: list[str] = []
        param_names: set[str] = set()
        for k, (name, t) in enumerate(params):
            if name is None:
                continue
            var = self.declare_local(name, t, fn.node)
            arg = f"a{k}"
            if var.kind == "py":
                param_names.add(var.name)
                if isinstance(t, Int):
                    conv = _wrap(arg, t)
                else:
                    conv = f"({arg} & {M32})"
                prologue.append(f"{var.name} = {conv}")
            elif isinstance(t, Struct):
                prologue.append(f"WB(fb + {var.name}, {arg})")
            else:
                prologue.append(f"W(fb + {var.name}, {sizeof(t)}, {arg})")
        self.cur_line = fn.line
        self.ind = 3
        items = [c for c in body.named_children if c.type != "comment"] if body else []
        self.block(items, body)
        if not isinstance(ft.ret, Void):
            self.emit(f"return {self._zero(ft.ret)}")
        elif not self.lines:
            self.emit("pass")
        self.scopes.pop()
        body_lines = self.lines
        # assemble
        args = ", ".join([f"a{k}=0" for k in range(len(params))] + ["*_extra"])
        head = ["def __factory(R, W, RB, WB, S, LIM, D, SP, H, _bindings):",
                "    (_steplimit, _depthlimit, _stacklimit, _fail, _unknown, _callp, _pdiff,"
                " _sdiv, _smod, _udiv, _umod, _wbits, _case, _label, _Goto) = H"]
        if self.bindings:
            head.append(f"    ({', '.join(f'_b{i}' for i in range(len(self.bindings)))},) = "
                        f"_bindings")
        head.append(f"    def {_pyname(fn.name)}({args}):")
        pad = "        "
        head.append(pad + "D[0] += 1")
        head.append(pad + "if D[0] > LIM[1]: _depthlimit()")
        head.append(pad + "S[0] += 1")
        head.append(pad + "if S[0] > LIM[0]: _steplimit()")
        frame = (self.frame + 7) // 8 * 8
        head.append(pad + "fb = SP[0]")
        if frame:
            head.append(pad + f"SP[0] = fb + {frame}")
            head.append(pad + f"if SP[0] > {STACK_END}: _stacklimit()")
        head.append(pad + "try:")
        for n in self.pylocals:
            if n not in param_names:
                head.append(pad + f"    {n} = 0")
        for line in prologue:
            head.append(pad + "    " + line)
        offset = len(head)
        tail = [pad + "finally:", pad + "    D[0] -= 1", pad + "    SP[0] = fb",
                f"    return {_pyname(fn.name)}"]
        self.line_map = {k + offset: v for k, v in self.line_map.items()}
        source = "\n".join(head + body_lines + tail) + "\n"
        return source


def _balanced(code: str) -> bool:
    depth = 0
    for ch in code:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _pyname(name: str) -> str:
    return "c_" + name


def _walk(node: Node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if n.child_count:
            stack.extend(reversed(n.children))


def _addressed_names(body: Optional[Node]) -> set[str]:
    """Names whose address is taken anywhere in ``body`` (they must live in memory)."""
    out: set[str] = set()
    if body is None:
        return out
    for n in _walk(body):
        if n.type == "pointer_expression" and n.children and n.children[0].type == "&":
            arg = n.child_by_field_name("argument")
            # only parentheses are looked through: &p[i] and &s.f do not take the address of
            # a pointer p (an array or struct base lives in memory anyway)
            while arg is not None and arg.type == "parenthesized_expression":
                inner = [c for c in arg.named_children if c.type != "comment"]
                arg = inner[0] if len(inner) == 1 else None
            if arg is not None and arg.type == "identifier":
                out.add(node_text(arg))
    return out


def _has_label(node: Node) -> bool:
    return any(n.type == "labeled_statement" for n in _walk(node))


def _has_continue(body: Node) -> bool:
    """A ``continue`` in ``body`` that belongs to the loop around it."""
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type == "continue_statement":
            return True
        if n.type in _LOOPS:
            continue
        stack.extend(n.children)
    return False


def _has_break(body: Node) -> bool:
    """A ``break`` in ``body`` that belongs to the loop around it."""
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type == "break_statement":
            return True
        if n.type in _LOOPS or n.type == "switch_statement":
            continue
        stack.extend(n.children)
    return False


# ------------------------------------------------------------------------------------------
# run-time helpers
# ------------------------------------------------------------------------------------------

def _pdiff(p: int, q: int, size: int) -> int:
    d = ((p - q + 0x80000000) & M32) - 0x80000000
    if size == 1:
        return d
    r = abs(d) // size
    return -r if d < 0 else r


def _sdiv(a: int, b: int) -> int:
    if b == 0:
        raise NotExecutable("fault", "division by zero")
    q = abs(a) // abs(b)
    return -q if (a < 0) != (b < 0) else q


def _smod(a: int, b: int) -> int:
    return a - _sdiv(a, b) * b


def _udiv(a: int, b: int) -> int:
    if b == 0:
        raise NotExecutable("fault", "division by zero")
    return a // b


def _umod(a: int, b: int) -> int:
    if b == 0:
        raise NotExecutable("fault", "division by zero")
    return a % b


def _case(table: tuple, value: int, default: int) -> int:
    for v, k in table:
        if v == value:
            return k
    return default


def _label(table: tuple, goto: _Goto) -> int:
    for lid, k in table:
        if lid == goto.label:
            return k
    raise goto


# ------------------------------------------------------------------------------------------
# the interpreter
# ------------------------------------------------------------------------------------------

def _std_memset(it: "Interpreter", args: list) -> int:
    dst, c, n = args[0], args[1], args[2]
    it.memory.fill(dst, n & M32, c & 0xFF)
    return dst


def _std_memcpy(it: "Interpreter", args: list) -> int:
    dst, src, n = args[0], args[1], args[2] & M32
    if n > it.memory.limit:
        raise NotExecutable("memory-limit", f"memcpy of {n} bytes")
    it.memory.write_bytes(dst, it.memory.read_bytes(src, n))
    return dst


def _std_memcmp(it: "Interpreter", args: list) -> int:
    a = it.memory.read_bytes(args[0], args[2] & M32)
    b = it.memory.read_bytes(args[1], args[2] & M32)
    for x, y in zip(a, b):
        if x != y:
            return x - y
    return 0


def _std_strlen(it: "Interpreter", args: list) -> int:
    addr, n = args[0], 0
    while it.memory.read(addr + n, 1):
        n += 1
        if n > it.memory.limit:
            raise NotExecutable("fault", "unterminated string")
    return n


STDLIB: dict[str, Builtin] = {"memset": _std_memset, "memcpy": _std_memcpy,
                              "memmove": _std_memcpy, "memcmp": _std_memcmp,
                              "strlen": _std_strlen}


class Interpreter:
    """Runs the functions of ``program`` on ``memory`` (see the module manual)."""

    def __init__(self, program: Program, memory: Memory,
                 builtins: Mapping[str, Builtin] = {}, limits: Limits = Limits(), *,
                 builtins_first: Collection[str] = (), stdlib: bool = True,
                 on_call: Optional[Callable[[str, tuple], None]] = None):
        self.program = program
        self.memory = memory
        self.builtins: dict[str, Builtin] = dict(STDLIB) if stdlib else {}
        self.builtins.update(builtins)
        self.limits = limits
        self.builtins_first = frozenset(builtins_first)
        self._on_call = on_call
        # the memory bound of the limits holds whatever Memory the caller made
        memory.limit = min(memory.limit, limits.memory)
        self._S = [0]
        self._LIM = [limits.steps, limits.depth]
        self._D = [0]
        self._SP = [STACK_BASE]
        self._active = 0
        self._instances: dict[str, Callable] = {}
        self._cells: dict[str, list] = {}
        self._globals: dict[str, tuple[int, CType]] = {}
        self._by_addr: list[tuple[int, int, str]] = []
        self._statics: dict[str, tuple[int, CType]] = {}
        self._strings: dict[bytes, int] = {}
        self._faddr: dict[str, int] = {}
        self._fat: dict[int, str] = {}
        self._fslots: set[int] = set()
        self._externs: dict[str, tuple[int, CType]] = {}
        self._helpers = (self._steplimit, self._depthlimit, self._stacklimit, self._fail,
                         self._unknown, self._callp, _pdiff, _sdiv, _smod, _udiv, _umod,
                         self._wbits, _case, _label, _Goto)
        read, write, read_bytes, write_bytes = (memory.read, memory.write, memory.read_bytes,
                                                memory.write_bytes)

        def W(addr: int, size: int, value: int) -> int:
            write(addr, size, value)
            return value

        def WB(addr: int, data: bytes) -> bytes:
            write_bytes(addr, data)
            return data

        self._R, self._W, self._RB, self._WB = read, W, read_bytes, WB

    # ------------------------------------------------------------------ public API
    @property
    def steps(self) -> int:
        """Statements executed so far (over every call)."""
        return self._S[0]

    @property
    def current_function(self) -> str:
        """The C function running right now (innermost), or ``""``; for messages."""
        frame = sys._getframe(1)
        while frame is not None:
            fname = frame.f_code.co_filename
            if fname.startswith("<c:") and "=@" not in fname:
                return fname[3:fname.index("@")]
            frame = frame.f_back
        return ""

    @property
    def call_stack(self) -> tuple[str, ...]:
        """The C functions running right now, outermost first (read from the Python stack,
        so it costs nothing until asked)."""
        out = []
        frame = sys._getframe(1)
        while frame is not None:
            fname = frame.f_code.co_filename
            if fname.startswith("<c:") and "=@" not in fname:
                out.append(fname[3:fname.index("@")])
            frame = frame.f_back
        return tuple(reversed(out))

    @property
    def on_call(self) -> Optional[Callable[[str, tuple], None]]:
        """Called as ``on_call(name, args)`` at the entry of every program function; setting
        it drops the instances made without it."""
        return self._on_call

    @on_call.setter
    def on_call(self, hook: Optional[Callable[[str, tuple], None]]) -> None:
        self._on_call = hook
        self._instances.clear()
        for name, cell in self._cells.items():
            cell[0] = self._stub(name, cell)

    def call(self, name: str, args: Sequence[Union[int, bytes]] = ()) -> Optional[Value]:
        """Run function ``name`` (program function or builtin) with ``args``."""
        return self._run(lambda: self._callable(name)(*args), name)

    def call_pointer(self, addr: int, args: Sequence[Union[int, bytes]] = ()) -> Optional[Value]:
        """Call the function whose address is ``addr``."""
        return self._run(lambda: self._callp(addr, *args), self._fat.get(addr, hex(addr)))

    def compile(self, name: str) -> None:
        """Translate ``name`` now; raises NotExecutable when it cannot be run at all."""
        if name not in self.program.functions:
            raise NotExecutable("unmodelled-call", f"unmodelled call: {name}()")
        compiled = self._compiled(name)
        if compiled.error is not None:
            raise NotExecutable(compiled.error.reason, compiled.error.message)

    def function_address(self, name: str) -> int:
        """The stable fake address of function ``name`` (any name, defined or not)."""
        addr = self._faddr.get(name)
        if addr is None:
            slot = zlib.crc32(name.encode()) % FUNC_SLOTS
            while slot in self._fslots:
                slot = (slot + 1) % FUNC_SLOTS
            self._fslots.add(slot)
            addr = FUNC_BASE + 16 * slot
            self._faddr[name] = addr
            self._fat[addr] = name
        return addr

    def function_at(self, addr: int) -> Optional[str]:
        """The function whose address is ``addr``: by name if the interpreter gave it out,
        or the program function that would get it."""
        name = self._fat.get(addr)
        if name is None and FUNC_BASE <= addr < FUNC_BASE + 16 * FUNC_SLOTS and addr % 16 == 0:
            for candidate in list(self.program.functions) + list(self.builtins):
                if candidate not in self._faddr:
                    self.function_address(candidate)
            name = self._fat.get(addr)
        return name

    def global_address(self, name: str) -> int:
        """Storage of global ``name``, allocated and initialised on first use."""
        try:
            return self._global_address(name)
        except (NotExecutable, _BuiltinRaised):
            raise
        except Exception as exc:  # noqa: BLE001 - an interpreter bug must not escape raw
            raise NotExecutable("unsupported", f"internal error {type(exc).__name__}: {exc} "
                                               f"(global {name})") from exc

    def _global_address(self, name: str) -> int:
        hit = self._globals.get(name)
        if hit is not None:
            return hit[0]
        g = self.program.globals.get(name)
        if g is None:
            if name in self._externs:
                return self._externs[name][0]
            raise NotExecutable("unmodelled-global", f"unmodelled global: {name}")
        t = g.type
        try:
            t = self.program.resolver.complete(t)
        except TypeError_ as exc:
            raise NotExecutable("unsupported", f"global {name}: {exc}", g.path, g.line) from None
        size = sizeof(t)
        addr = self.memory.alloc(max(size, 1), 8 if size >= 8 else 4, name)
        self._register(name, addr, t)
        if g.init_node is not None:
            self._run_init(name, addr, t, g.init_node, g.path)
        return addr

    def allocate_globals(self, names: Optional[Sequence[str]] = None) -> None:
        """Allocate globals now, in name order (default: every defined global of the
        program), so that two runs that use them differently still agree on addresses."""
        for name in sorted(names if names is not None else
                           [n for n, g in self.program.globals.items() if not g.is_extern]):
            self.global_address(name)

    def place_global(self, name: str, addr: int) -> None:
        """Pin global ``name`` at ``addr`` (the world prepared its contents). Instances
        translated with the old address are dropped."""
        g = self.program.globals.get(name)
        t: CType = g.type if g is not None else Array(CHAR, None)
        try:
            t = self.program.resolver.complete(t)
        except TypeError_:
            pass
        if name in self._globals:
            old = self._globals[name][0]
            self._by_addr = [r for r in self._by_addr if r[2] != name or r[0] != old]
            self._instances.clear()
            for name_, cell in self._cells.items():
                cell[0] = self._stub(name_, cell)
        self._register(name, addr, t)

    def type_of_global(self, name: str) -> CType:
        """The declared type of global ``name``."""
        g = self.program.globals.get(name)
        if g is None:
            raise NotExecutable("unmodelled-global", f"unmodelled global: {name}")
        try:
            return self.program.resolver.complete(g.type)
        except TypeError_:
            return g.type

    def symbol_at(self, addr: int) -> Optional[str]:
        """``pgd_lock``, ``swapper_pg_dir+0x300``, ``vmalloc_sync_all.insync``, a function's
        name: what the interpreter knows lives at ``addr``."""
        addr &= M32
        if addr in self._fat:
            return self._fat[addr]
        for start, size, name in self._by_addr:
            if start <= addr < start + max(size, 1):
                return name if addr == start else f"{name}+{addr - start:#x}"
        return None

    def read_typed(self, addr: int, t: CType) -> Value:
        """The value of type ``t`` at ``addr`` (bytes for structs and arrays)."""
        if isinstance(t, (Struct, Array)):
            return self.memory.read_bytes(addr, sizeof(t))
        if isinstance(t, Int):
            return normalize(self.memory.read(addr, t.size), t)
        return self.memory.read(addr, 4)

    def write_typed(self, addr: int, t: CType, value: Value) -> None:
        """Store ``value`` as type ``t`` at ``addr``."""
        if isinstance(value, (bytes, bytearray)):
            self.memory.write_bytes(addr, bytes(value)[:sizeof(t)])
        else:
            self.memory.write(addr, sizeof(t) if isinstance(t, (Int, Pointer)) else 4, value)

    # ------------------------------------------------------------------ running
    def _run(self, thunk: Callable[[], Any], name: str) -> Optional[Value]:
        outer = self._active == 0
        if outer:
            self._D[0] = 0
            self._SP[0] = STACK_BASE
            self._LIM[0] = self._S[0] + self.limits.steps
        self._active += 1
        try:
            result = thunk()
        except NotExecutable:
            raise
        except _BuiltinRaised as wrapped:
            raise wrapped.original from None
        except _Goto:
            raise NotExecutable("unsupported", f"goto to a label outside its block in {name}") \
                from None
        except RecursionError:
            raise NotExecutable("depth-limit", f"Python recursion limit in {name}") from None
        except MemoryError:
            raise NotExecutable("memory-limit", f"out of memory in {name}") from None
        except Exception as exc:  # noqa: BLE001 - an interpreter bug must not escape raw
            where = _c_location(exc)
            raise NotExecutable("unsupported", f"internal error {type(exc).__name__}: {exc}"
                                f"{' at ' + where if where else ''} (running {name})") from exc
        finally:
            self._active -= 1
            if outer:
                self._D[0] = 0
                if self._SP[0] != STACK_BASE or True:
                    self.memory.unmap(STACK_BASE, STACK_END - STACK_BASE)
                self._SP[0] = STACK_BASE
        if isinstance(result, bool):
            result = int(result)
        return result

    def _steplimit(self) -> None:
        raise NotExecutable("step-limit", f"step limit ({self.limits.steps} steps)")

    def _depthlimit(self) -> None:
        raise NotExecutable("depth-limit", f"call depth limit ({self.limits.depth})")

    def _stacklimit(self) -> None:
        raise NotExecutable("memory-limit", "stack limit (16 MiB of locals)")

    def _fail(self, what: tuple) -> None:
        reason, message = what
        raise NotExecutable(reason, message if reason != "unsupported" or
                            message.startswith("unsupported") else f"unsupported C: {message}")

    def _unknown(self, name: str) -> int:
        if name in self.builtins:
            return self.function_address(name)
        if name in self._externs:
            return self._externs[name][0]
        raise NotExecutable("unmodelled-global", f"unmodelled global: {name}")

    def _callp(self, addr: int, *args: Any) -> Any:
        name = self._fat.get(addr)
        if name is None:
            name = self.function_at(addr)
        if name is None:
            if addr == 0:
                raise NotExecutable("fault", "call through a NULL function pointer")
            raise NotExecutable("fault", f"call through 0x{addr:08x}, which is no function")
        return self._callable(name)(*args)

    def _wbits(self, addr: int, size: int, bit: int, width: int, value: int) -> int:
        mask = ((1 << width) - 1) << bit
        word = self.memory.read(addr, size)
        self.memory.write(addr, size, (word & ~mask) | ((value << bit) & mask))
        return value

    # ------------------------------------------------------------------ functions
    def _callable(self, name: str) -> Callable:
        inst = self._instances.get(name)
        if inst is not None:
            return inst
        program = self.program
        if name in program.functions and name not in self.builtins_first and not (
                name in self.builtins and name in program.unsupported):
            inst = self._instantiate(name)
        elif name in self.builtins:
            inst = self._builtin_wrapper(name, self.builtins[name])
        else:
            if name in self.program.functions:
                inst = self._instantiate(name)
            else:
                raise NotExecutable("unmodelled-call", f"unmodelled call: {name}()")
        self._instances[name] = inst
        return inst

    def _builtin_wrapper(self, name: str, fn: Builtin) -> Callable:
        ft = self.program.prototypes.get(name)
        ret = ft.ret if ft is not None else INT
        me = self

        def call_builtin(*args: Any) -> Any:
            try:
                result = fn(me, list(args))
            except NotExecutable:
                raise
            except _BuiltinRaised:
                raise
            except Exception as exc:  # noqa: BLE001 - passed through unchanged (manual)
                raise _BuiltinRaised(exc) from exc
            if isinstance(ret, Void):
                return None
            if result is None:
                return 0 if not isinstance(ret, Struct) else bytes(ret.size)
            if isinstance(ret, Struct):
                if not isinstance(result, (bytes, bytearray)) or len(result) != ret.size:
                    raise NotExecutable("unsupported", f"builtin {name}() returned "
                                                       f"{result!r} for a {ret}")
                return bytes(result)
            if isinstance(result, (bytes, bytearray)):
                raise NotExecutable("unsupported", f"builtin {name}() returned bytes for {ret}")
            return normalize(int(result), ret)

        call_builtin.__name__ = f"builtin_{name}"
        return call_builtin

    def _stub(self, name: str, cell: list) -> Callable:
        def resolve(*args: Any) -> Any:
            target = self._callable(name)
            cell[0] = target
            return target(*args)
        return resolve

    def _cell(self, name: str) -> list:
        cell = self._cells.get(name)
        if cell is None:
            cell = [None]
            cell[0] = self._stub(name, cell)
            self._cells[name] = cell
        return cell

    def _compiled(self, name: str) -> Compiled:
        cache = self.program.cache
        hit = cache.get(name)
        if hit is None:
            hit = cache[name] = _compile_function(self.program, name)
        return hit

    def _instantiate(self, name: str) -> Callable:
        compiled = self._compiled(name)
        if compiled.error is not None:
            err = compiled.error

            def refuse(*args: Any) -> Any:
                raise NotExecutable(err.reason, err.message)
            return refuse
        bindings = [self._resolve(b) for b in compiled.bindings]
        helpers = self._helpers
        fn = compiled.factory(self._R, self._W, self._RB, self._WB, self._S, self._LIM,
                              self._D, self._SP, helpers, bindings)
        if self._on_call is not None:
            hook, inner = self._on_call, fn

            def traced(*args: Any) -> Any:
                hook(name, args)
                return inner(*args)
            return traced
        return fn

    def _resolve(self, key: tuple) -> Any:
        kind = key[0]
        if kind == "global":
            return self.global_address(key[1])
        if kind == "call":
            return self._cell(key[1])
        if kind == "faddr":
            return self.function_address(key[1])
        if kind in ("const", "name"):
            return key[1]
        if kind == "fail":
            return (key[1], key[2])
        if kind == "dict":
            return dict(key[1])
        if kind == "string":
            addr = self._strings.get(key[1])
            if addr is None:
                addr = self.memory.alloc(len(key[1]), 1, "string")
                self.memory.write_bytes(addr, key[1])
                self._strings[key[1]] = addr
            return addr
        if kind == "static":
            _, skey, t, init, path = key
            hit = self._statics.get(skey)
            if hit is None:
                size = sizeof(t)
                addr = self.memory.alloc(max(size, 1), 8 if size >= 8 else 4, skey)
                self._statics[skey] = (addr, t)
                self._register(skey, addr, t)
                if init is not None:
                    self._run_init(skey, addr, t, init, path)
                return addr
            return hit[0]
        if kind == "extern":
            # extern declared inside a function, unknown to the program
            name, t = key[1], key[2]
            hit = self._externs.get(name)
            if hit is None:
                size = sizeof(t)
                addr = self.memory.alloc(max(size, 1), 4, name)
                self._externs[name] = (addr, t)
                self._register(name, addr, t)
                return addr
            return hit[0]
        raise AssertionError(kind)

    def _register(self, name: str, addr: int, t: CType) -> None:
        self._globals[name] = (addr, t)
        self._by_addr.append((addr, sizeof(t), name))

    def _run_init(self, name: str, addr: int, t: CType, init: Node, path: str) -> None:
        key = ("init", name, path)
        cache = self.program.cache
        compiled = cache.get(key)
        if compiled is None:
            compiled = cache[key] = _compile_init(self.program, name, t, init, path)
        if compiled.error is not None:
            raise NotExecutable(compiled.error.reason, compiled.error.message)
        bindings = [self._resolve(b) for b in compiled.bindings]
        fn = compiled.factory(self._R, self._W, self._RB, self._WB, self._S, self._LIM,
                              self._D, self._SP, self._helpers, bindings)
        saved = self._SP[0]
        try:
            fn(addr)
        finally:
            self._SP[0] = saved


def _c_location(exc: BaseException) -> str:
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.startswith("<c:"):
            lines = _LINE_MAPS.get(code.co_filename)
            if lines:
                hit = lines.get(tb.tb_lineno)
                if hit:
                    where = f"{hit[0]}:{hit[1]}"
        tb = tb.tb_next
    return where


_LINE_MAPS: dict[str, dict] = {}
_SERIAL = [0]


def _filename(name: str) -> str:
    """A unique pseudo file name for generated code: ``<c:pgd_ctor@12>``."""
    _SERIAL[0] += 1
    return f"<c:{name}@{_SERIAL[0]}>"


def _exec_factory(source: str, filename: str) -> Any:
    namespace: dict[str, Any] = {}
    code = compile(source, filename, "exec")
    # tracebacks through generated code show its lines (bounded: programs come and go)
    if len(linecache.cache) > 20_000:
        for key in [k for k in linecache.cache if k.startswith("<c:")]:
            del linecache.cache[key]
            _LINE_MAPS.pop(key, None)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)  # noqa: S102 - our own generated code
    return namespace


_SHARED: dict[tuple, Compiled] = {}


def _type_key(t: CType, memo: dict, active: set) -> tuple:
    """A structural description of ``t`` (struct layouts included) that two programs share
    exactly when the type is the same."""
    if isinstance(t, Int):
        return ("i", t.size, t.signed, t.name)
    if isinstance(t, Pointer):
        return ("p", _type_key(t.target, memo, active))
    if isinstance(t, Array):
        return ("a", t.length, _type_key(t.elem, memo, active))
    if isinstance(t, Func):
        params = None if t.params is None else tuple(_type_key(p, memo, active)
                                                     for p in t.params)
        return ("f", _type_key(t.ret, memo, active), params, t.variadic)
    if isinstance(t, Struct):
        k = id(t)
        if k in memo:
            return memo[k]
        if k in active:
            return ("s-ref", t.name, t.union)
        top = not active
        active.add(k)
        key = ("s", t.name, t.union, t.is_complete, t.size, t.align,
               tuple((f.name, f.offset, f.bit_offset, f.bit_width,
                      _type_key(f.type, memo, active)) for f in t.fields))
        active.discard(k)
        if top:
            # only a struct described from the top is complete: inside another one, the
            # structs being described are mere references
            memo[k] = key
        return key
    return ("v",)


def _function_key(program: Program, fn: FunctionDef) -> tuple:
    """What the translation of ``fn`` depends on: its text and place, and the meaning in
    ``program`` of every identifier it contains (types with their layouts, globals,
    prototypes, enumerators, what is unsupported)."""
    from .program import _identifiers   # noqa: PLC0415 - one regex, shared
    memo = program.cache.setdefault(("typekeys",), {})
    text = node_text(fn.node)
    res = program.resolver
    parts = []
    for name in sorted(_identifiers(text)):
        meaning: list = []
        t = res.typedefs.get(name)
        if t is not None:
            meaning.append(("t", _type_key(t, memo, set())))
        elif name in res.typedef_nodes:
            meaning.append(("t?",))
        for kw in ("struct", "union"):
            st = program.structs.get(f"{kw} {name}")
            if st is not None:
                meaning.append((kw, _type_key(st, memo, set())))
        g = program.globals.get(name)
        if g is not None:
            meaning.append(("g", _type_key(g.type, memo, set()), g.is_extern))
        if name in program.functions or name in program.prototypes:
            ft = program.function_type(name)
            meaning.append(("f", name in program.functions,
                            None if ft is None else _type_key(ft, memo, set())))
        value = res.enum_value(name)
        if value is not None:
            meaning.append(("e", value))
        if name in program.unsupported:
            meaning.append(("u", program.unsupported[name]))
        if meaning:
            parts.append((name, tuple(meaning)))
    return (fn.name, fn.path, fn.line, text, tuple(parts))


def _compile_function(program: Program, name: str) -> Compiled:
    """The translation of ``name``, shared with every program where it means the same."""
    fn = program.functions[name]
    try:
        key: Optional[tuple] = _function_key(program, fn)
    except Exception:  # noqa: BLE001 - TypeError_, RecursionError: translate without sharing
        key = None
    if key is not None:
        hit = _SHARED.get(key)
        if hit is not None:
            return hit
    compiled = _translate_function(program, name)
    if key is not None:
        if len(_SHARED) >= 4096:
            _SHARED.pop(next(iter(_SHARED)))
        _SHARED[key] = compiled
    return compiled


def _translate_function(program: Program, name: str) -> Compiled:
    fn = program.functions[name]
    if name in program.unsupported and program.unsupported[name].startswith(
            ("parse error", "unsupported C")):
        return Compiled(name, None, [], "", {}, CompileError(
            f"{name}(): {program.unsupported[name]}"), fn.path, fn.line)
    comp = FunctionCompiler(program, name, fn.path)
    try:
        source = comp.compile_function(fn)
    except CompileError as exc:
        return Compiled(name, None, [], "", {}, exc, fn.path, fn.line)
    except (TypeError_, RecursionError) as exc:
        return Compiled(name, None, [], "", {}, CompileError(
            f"{name}(): {exc} at {fn.path}:{fn.line}"), fn.path, fn.line)
    except Exception as exc:  # noqa: BLE001 - a translator bug makes one function unusable
        return Compiled(name, None, [], "", {}, CompileError(
            f"{name}(): internal error while translating ({type(exc).__name__}: {exc}) at "
            f"{comp.where(None)}"), fn.path, fn.line)
    filename = _filename(name)
    try:
        namespace = _exec_factory(source, filename)
    except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
        return Compiled(name, None, [], source, {}, CompileError(
            f"{name}(): cannot translate ({type(exc).__name__}: {exc}) at {fn.path}:{fn.line}"),
            fn.path, fn.line)
    _LINE_MAPS[filename] = comp.line_map
    return Compiled(name, namespace["__factory"], comp.bindings, source, comp.line_map, None,
                    fn.path, fn.line)


def _compile_init(program: Program, name: str, t: CType, init: Node, path: str) -> Compiled:
    comp = FunctionCompiler(program, name, path)
    comp.ret_type = VOID
    comp.pending_defs = []
    comp.scopes.append({})
    comp.typedef_scopes.append({})
    comp.ind = 2
    comp.cur_line = init.start_point[0] + 1
    comp.in_initializer = True
    try:
        if isinstance(t, (Int, Pointer)):
            e = comp.value(comp.expr(init)) if init.type != "initializer_list" else \
                comp._scalar_braces(init, t)
            comp.emit(f"W(base, {sizeof(t)}, {comp.conv(e, t, init)})")
        else:
            comp.emit_init("base", t, init)
    except CompileError as exc:
        return Compiled(name, None, [], "", {}, exc, path, comp.cur_line)
    except Exception as exc:  # noqa: BLE001 - TypeError_, RecursionError, a translator bug
        return Compiled(name, None, [], "", {}, CompileError(
            f"initializer of {name}: {exc} at {path}:{comp.cur_line}"), path, comp.cur_line)
    head = ["def __factory(R, W, RB, WB, S, LIM, D, SP, H, _bindings):",
            "    (_steplimit, _depthlimit, _stacklimit, _fail, _unknown, _callp, _pdiff,"
            " _sdiv, _smod, _udiv, _umod, _wbits, _case, _label, _Goto) = H"]
    if comp.bindings:
        head.append(f"    ({', '.join(f'_b{i}' for i in range(len(comp.bindings)))},) = "
                    f"_bindings")
    head.append("    def init(base):")
    head.append("        fb = SP[0]")
    body = comp.lines or ["        pass"]
    source = "\n".join(head + body + ["    return init"]) + "\n"
    try:
        namespace = _exec_factory(source, _filename(f"{name}="))
    except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
        return Compiled(name, None, [], source, {}, CompileError(
            f"initializer of {name}: cannot translate ({exc})"), path, comp.cur_line)
    return Compiled(name, namespace["__factory"], comp.bindings, source, {}, None, path,
                    comp.cur_line)
