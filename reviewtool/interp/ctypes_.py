"""C types on i386 (ILP32), and the integer arithmetic of C on them.

Types are small frozen dataclasses:

* :class:`Void`;
* :class:`Int` ``(size, signed, name)``: ``char`` 1 (signed, as gcc on x86), ``short`` 2, ``int`` 4,
  ``long`` 4, ``long long`` 8, ``_Bool`` 1 (a store converts to 0/1), enums 4 (unsigned
  when no enumerator is negative, as gcc does);
* :class:`Pointer` ``(target)``: 4 bytes, compared and stored as unsigned 32-bit values;
* :class:`Array` ``(elem, length)``; ``length`` is ``None`` for ``int a[]``;
* :class:`Struct` ``(name, fields, size, align, union)`` with :class:`Field` ``(name, type,
  offset, bit_offset, bit_width)``; an anonymous member has ``name`` ``None`` and its fields are
  found through it (:func:`find_field`);
* :class:`Func` ``(ret, params, variadic)``; ``params`` is ``None`` for an old-style ``f()``.

Alignment follows the i386 System V ABI as gcc implements it: ``long long`` and ``double`` are
aligned to 4 inside structs (so ``struct { int a; long long b; }`` is 12 bytes), bit-fields are
packed into units of their declared type and never straddle a unit boundary.

A :class:`Struct` is the one type compared by identity: it is created incomplete when its tag is
first seen and completed once when its definition is read, because ``struct page { struct page
*next; }`` refers to itself. That completion (:meth:`Struct.complete`) is the only mutation.

Values are Python ``int`` s normalised to their type: an ``unsigned long`` is in ``[0, 2**32)``, an
``int`` in ``[-2**31, 2**31)``, a pointer in ``[0, 2**32)``. :func:`normalize` does that;
:func:`arith` evaluates one binary operator the way C does (usual arithmetic conversions,
wrap-around, shifts by the count modulo the width as the x86 shift instructions do, division
truncating toward zero) and is what constant folding uses; the interpreter generates code with
the same semantics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

__all__ = ["CType", "Void", "Int", "Pointer", "Array", "Struct", "Field", "Func",
           "VOID", "BOOL", "CHAR", "SCHAR", "UCHAR", "SHORT", "USHORT", "INT", "UINT", "LONG",
           "ULONG", "LLONG", "ULLONG", "SIZE_T", "PTRDIFF_T", "VOIDP", "CHARP",
           "sizeof", "alignof", "normalize", "is_integer", "is_pointer", "is_scalar",
           "is_aggregate", "promote", "common_type", "arith", "find_field", "type_name",
           "compatible", "PRIMITIVES"]


class CType:
    """Base of every C type."""

    __slots__ = ()


@dataclass(frozen=True)
class Void(CType):
    def __str__(self) -> str:
        return "void"


@dataclass(frozen=True)
class Int(CType):
    size: int
    signed: bool
    name: str = ""

    def __str__(self) -> str:
        return self.name or f"{'' if self.signed else 'u'}int{self.size * 8}"

    @property
    def is_bool(self) -> bool:
        return self.name == "_Bool"


@dataclass(frozen=True)
class Pointer(CType):
    target: CType

    def __str__(self) -> str:
        return f"{type_name(self.target)} *"


@dataclass(frozen=True)
class Array(CType):
    elem: CType
    length: Optional[int]

    def __str__(self) -> str:
        return f"{type_name(self.elem)}[{'' if self.length is None else self.length}]"


@dataclass(frozen=True)
class Field:
    name: Optional[str]
    type: CType
    offset: int
    bit_offset: Optional[int] = None   # bit position inside the unit at ``offset``
    bit_width: Optional[int] = None


@dataclass(frozen=True, eq=False)
class Struct(CType):
    name: str
    fields: tuple = field(default=(), repr=False)
    size: int = 0
    align: int = 1
    union: bool = False
    complete_: bool = field(default=False, repr=False)

    def __str__(self) -> str:
        return f"{'union' if self.union else 'struct'} {self.name}"

    def complete(self, fields: tuple, size: int, align: int) -> None:
        """Give an incomplete struct its layout (once; see the module manual)."""
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "align", align)
        object.__setattr__(self, "complete_", True)

    @property
    def is_complete(self) -> bool:
        return self.complete_


@dataclass(frozen=True)
class Func(CType):
    ret: CType
    params: Optional[tuple] = None
    variadic: bool = False

    def __str__(self) -> str:
        ps = "..." if self.params is None else ", ".join(type_name(p) for p in self.params)
        return f"{type_name(self.ret)} ({ps})"


VOID = Void()
BOOL = Int(1, False, "_Bool")
CHAR = Int(1, True, "char")
SCHAR = Int(1, True, "signed char")
UCHAR = Int(1, False, "unsigned char")
SHORT = Int(2, True, "short")
USHORT = Int(2, False, "unsigned short")
INT = Int(4, True, "int")
UINT = Int(4, False, "unsigned int")
LONG = Int(4, True, "long")
ULONG = Int(4, False, "unsigned long")
LLONG = Int(8, True, "long long")
ULLONG = Int(8, False, "unsigned long long")
SIZE_T = Int(4, False, "unsigned int")
PTRDIFF_T = INT
VOIDP = Pointer(VOID)
CHARP = Pointer(CHAR)

# tree-sitter-c reads these as primitive types; the kernel's own typedefs (u32...) come from
# the program or the interpreter's prelude.
PRIMITIVES = {
    "void": VOID, "char": CHAR, "int": INT, "short": SHORT, "long": LONG, "_Bool": BOOL,
    "bool": BOOL, "signed": INT, "unsigned": UINT,
    "int8_t": SCHAR, "uint8_t": UCHAR, "int16_t": SHORT, "uint16_t": USHORT,
    "int32_t": INT, "uint32_t": UINT, "int64_t": LLONG, "uint64_t": ULLONG,
    "size_t": SIZE_T, "ssize_t": INT, "ptrdiff_t": INT, "intptr_t": INT,
    "uintptr_t": ULONG, "char16_t": USHORT, "char32_t": UINT,
    "wchar_t": LONG,
}

_RANK = {"_Bool": 0, "char": 1, "signed char": 1, "unsigned char": 1, "short": 2,
         "unsigned short": 2, "int": 3, "unsigned int": 3, "long": 4, "unsigned long": 4,
         "long long": 5, "unsigned long long": 5}


def type_name(t: CType) -> str:
    return str(t)


def sizeof(t: CType) -> int:
    """Size in bytes; ``sizeof(void)`` and functions are 1 as in GNU C."""
    if isinstance(t, Int):
        return t.size
    if isinstance(t, Pointer):
        return 4
    if isinstance(t, Array):
        return 0 if t.length is None else t.length * sizeof(t.elem)
    if isinstance(t, Struct):
        return t.size
    return 1


def alignof(t: CType) -> int:
    """Alignment inside a struct on i386: at most 4 (``long long`` is 4-aligned)."""
    if isinstance(t, Int):
        return min(t.size, 4)
    if isinstance(t, Pointer):
        return 4
    if isinstance(t, Array):
        return alignof(t.elem)
    if isinstance(t, Struct):
        return t.align
    return 1


def is_integer(t: CType) -> bool:
    return isinstance(t, Int)


def is_pointer(t: CType) -> bool:
    return isinstance(t, Pointer)


def is_scalar(t: CType) -> bool:
    return isinstance(t, (Int, Pointer))


def is_aggregate(t: CType) -> bool:
    return isinstance(t, (Struct, Array))


def compatible(a: CType, b: CType) -> bool:
    """Loose compatibility, for struct assignment and pointer comparison: same struct, or
    two scalars."""
    if isinstance(a, Struct) or isinstance(b, Struct):
        return a is b or (isinstance(a, Struct) and isinstance(b, Struct)
                          and a.name == b.name and a.size == b.size and a.union == b.union)
    return True


def normalize(value: int, t: CType) -> int:
    """``value`` converted to ``t`` (modulo the width; ``_Bool`` is 0 or 1)."""
    if isinstance(t, Int):
        if t.name == "_Bool":
            return 1 if value else 0
        bits = t.size * 8
        value &= (1 << bits) - 1
        if t.signed and value >> (bits - 1):
            value -= 1 << bits
        return value
    if isinstance(t, Pointer):
        return value & 0xFFFFFFFF
    return value


def promote(t: CType) -> CType:
    """Integer promotion: everything narrower than int becomes int."""
    if isinstance(t, Int) and t.size < 4:
        return INT
    return t


def common_type(a: CType, b: CType) -> Int:
    """The usual arithmetic conversions for two integer types, ILP32."""
    a, b = promote(a), promote(b)
    assert isinstance(a, Int) and isinstance(b, Int)
    if a.size != b.size:
        return a if a.size > b.size else b
    if a.signed == b.signed:
        return a if _RANK.get(a.name, 3) >= _RANK.get(b.name, 3) else b
    # same size, one unsigned: the unsigned one wins (int and long are both 4 bytes)
    unsigned = a if not a.signed else b
    other = b if unsigned is a else a
    if _RANK.get(other.name, 3) > _RANK.get(unsigned.name, 3):
        return Int(unsigned.size, False, "unsigned " + other.name)
    return unsigned


def _div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return -q if (a < 0) != (b < 0) else q


def arith(op: str, a: int, ta: CType, b: int, tb: CType) -> tuple[int, CType]:
    """One integer binary operator with C semantics; returns ``(value, type)``.

    Raises ZeroDivisionError for ``/`` and ``%`` by zero (the caller decides what that means).
    Pointer operands are treated as ``unsigned long``.
    """
    if isinstance(ta, Pointer):
        ta = ULONG
    if isinstance(tb, Pointer):
        tb = ULONG
    if op in ("<<", ">>"):
        t = promote(ta)
        bits = sizeof(t) * 8
        count = b % bits
        value = a << count if op == "<<" else normalize(a, t) >> count
        return normalize(value, t), t
    if op in ("&&", "||"):
        return (1 if (a and b) else 0) if op == "&&" else (1 if (a or b) else 0), INT
    t = common_type(ta, tb)
    a, b = normalize(a, t), normalize(b, t)
    if op == "+":
        v = a + b
    elif op == "-":
        v = a - b
    elif op == "*":
        v = a * b
    elif op == "/":
        v = _div(a, b)
    elif op == "%":
        v = a - _div(a, b) * b
    elif op == "&":
        v = a & b
    elif op == "|":
        v = a | b
    elif op == "^":
        v = a ^ b
    elif op == "<":
        return int(a < b), INT
    elif op == ">":
        return int(a > b), INT
    elif op == "<=":
        return int(a <= b), INT
    elif op == ">=":
        return int(a >= b), INT
    elif op == "==":
        return int(a == b), INT
    elif op == "!=":
        return int(a != b), INT
    else:
        raise ValueError(op)
    return normalize(v, t), t


def find_field(t: Struct, name: str) -> Optional[tuple[int, Field]]:
    """``(offset, field)`` of member ``name``, looking through anonymous members."""
    for f in t.fields:
        if f.name == name:
            return f.offset, f
    for f in t.fields:
        if f.name is None and isinstance(f.type, Struct):
            inner = find_field(f.type, name)
            if inner is not None:
                return f.offset + inner[0], inner[1]
    return None


def layout(members: list[tuple[Optional[str], CType, Optional[int]]], union: bool
           ) -> tuple[tuple[Field, ...], int, int]:
    """Lay out ``(name, type, bit_width)`` members; returns ``(fields, size, align)``."""
    fields: list[Field] = []
    align = 1
    if union:
        size = 0
        for name, t, width in members:
            a = alignof(t)
            align = max(align, a)
            if width is not None:
                if width == 0:
                    continue
                fields.append(Field(name, t, 0, 0, width))
                size = max(size, sizeof(t))
            else:
                fields.append(Field(name, t, 0))
                size = max(size, sizeof(t))
        size = (size + align - 1) // align * align
        return tuple(fields), size, align
    bit = 0  # next free bit
    for name, t, width in members:
        a = alignof(t)
        if width is not None:
            unit = sizeof(t) * 8
            if width == 0:
                bit = (bit + unit - 1) // unit * unit
                continue
            if bit // unit != (bit + width - 1) // unit:
                bit = (bit + unit - 1) // unit * unit
            unit_start = bit // unit * unit
            fields.append(Field(name, t, unit_start // 8, bit - unit_start, width))
            bit += width
            if name is not None:
                align = max(align, a)
            continue
        offset = (bit + 7) // 8
        offset = (offset + a - 1) // a * a
        fields.append(Field(name, t, offset))
        align = max(align, a)
        bit = (offset + sizeof(t)) * 8
    size = (bit + 7) // 8
    size = (size + align - 1) // align * align
    return tuple(fields), size, align
