"""What the interpreter runs: the definitions of a set of macro-expanded C texts.

:func:`build_program` takes ``(path, text)`` pairs, the texts already projected on one
configuration and macro-expanded (:func:`sources_from_unit` does both for a preprocessed
:class:`~reviewtool.variants.preprocess.Unit`, keeping line numbers), parses them with the shared
tree-sitter parser (:func:`reviewtool.model.parse.parse`, kernel annotations blanked) and collects:

* ``functions`` -- every function definition (:class:`FunctionDef`), ``static inline`` ones from
  headers included;
* ``prototypes`` -- the type of every function declared but not defined (builtins are called
  with these types: ``void *page_address(struct page *)`` returns a pointer, not an ``int``);
* ``typedefs``, ``structs`` (key ``"struct page"``, ``"union foo"``), ``enums`` (enumerator ->
  value);
* ``globals`` -- every file-scope object (:class:`GlobalDef`); a definition wins over an
  ``extern`` declaration, otherwise the first one read wins;
* ``unsupported`` -- name -> why it cannot run, for functions whose body does not parse or uses
  inline asm, floating point, ``setjmp`` or a ``__builtin_`` other than ``__builtin_expect``,
  ``__builtin_constant_p`` and ``__builtin_offsetof``; for globals and functions whose types
  cannot be read. A function listed here may still be callable (asm on a path never taken is
  harmless): the interpreter raises ``NotExecutable("unsupported")`` when it reaches the construct;
  a function whose body does not parse is refused outright;
* ``notes`` -- later duplicate definitions and top-level text that was not understood.

The first definition of a name wins. Reading is tolerant: what cannot be read makes only the
affected function, type or global unusable, never an exception. Types are resolved lazily and
completed at the end, so the order of the sources does not matter for types.

A small prelude (:data:`PRELUDE`) is read after the sources unless ``prelude=False``: the kernel's
fixed-width typedefs (``u8`` ... ``u64``, ``s8`` ... ``s64``, ``__u32``...), ``gfp_t``,
``phys_addr_t`` (64-bit, as with PAE), ``spinlock_t`` and ``atomic_t`` (structs of one int), and
prototypes of the common kernel primitives the world provides as builtins. Anything the
sources define wins over it.

:func:`sources_from_unit` expands macros chunk by chunk (a chunk is a line, or the lines of a
parenthesised expression that spans several) so that line numbers stay those of the tree, and adds
:data:`DEFAULT_MACROS` (``likely``, ``DECLARE_BITMAP``, ``DEFINE_SPINLOCK``, ``EXPORT_SYMBOL``...)
for the names the unit does not define: the sample tree lacks most of ``include/linux``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping, Optional, Sequence

from tree_sitter import Node, Query, QueryCursor

from ..model.parse import LANGUAGE, parse
from .ctypes_ import (CHAR, INT, LLONG, LONG, PRIMITIVES, SCHAR, SHORT, UCHAR, UINT, ULLONG,
                      ULONG, USHORT, VOID, Array, CType, Func, Int, Pointer, Struct, alignof,
                      arith, find_field, layout, normalize, sizeof)

__all__ = ["Program", "FunctionDef", "GlobalDef", "build_program", "sources_from_unit",
           "TypeError_", "PRELUDE", "DEFAULT_MACROS", "parse_int_literal", "parse_char_literal",
           "string_literal_bytes"]

PRELUDE_PATH = "<interp-prelude>"

PRELUDE = """
typedef unsigned char u8; typedef signed char s8;
typedef unsigned short u16; typedef signed short s16;
typedef unsigned int u32; typedef signed int s32;
typedef unsigned long long u64; typedef signed long long s64;
typedef u8 __u8; typedef s8 __s8; typedef u16 __u16; typedef s16 __s16;
typedef u32 __u32; typedef s32 __s32; typedef u64 __u64; typedef s64 __s64;
typedef u16 __le16; typedef u32 __le32; typedef u64 __le64;
typedef u16 __be16; typedef u32 __be32; typedef u64 __be64;
typedef unsigned int gfp_t;
typedef u64 phys_addr_t;
typedef u32 dma_addr_t;
typedef unsigned long sector_t;
typedef long long loff_t;
typedef int pid_t;
typedef unsigned int uint;
typedef unsigned long ulong;
typedef unsigned char uchar;
typedef unsigned short ushort;
typedef struct { int slock; } spinlock_t;
typedef struct { int slock; } raw_spinlock_t;
typedef struct { int lock; } rwlock_t;
typedef struct { int counter; } atomic_t;
typedef struct { long long counter; } atomic64_t;
void *memset(void *, int, size_t);
void *memcpy(void *, const void *, size_t);
void *memmove(void *, const void *, size_t);
int memcmp(const void *, const void *, size_t);
size_t strlen(const char *);
int printk(const char *, ...);
void *page_address(struct page *);
struct page *pfn_to_page(unsigned long);
unsigned long page_to_pfn(struct page *);
struct page *alloc_pages(gfp_t, unsigned int);
unsigned long __get_free_pages(gfp_t, unsigned int);
unsigned long __get_free_page(gfp_t);
unsigned long get_zeroed_page(gfp_t);
void *kmem_cache_alloc(struct kmem_cache *, gfp_t);
void *kmem_cache_zalloc(struct kmem_cache *, gfp_t);
void *kmalloc(size_t, gfp_t);
void *kzalloc(size_t, gfp_t);
void *kcalloc(size_t, size_t, gfp_t);
void *vmalloc(unsigned long);
int test_bit(int, const volatile unsigned long *);
"""

# name -> (params or None, body): used by sources_from_unit for names a unit lacks.
DEFAULT_MACROS: dict[str, tuple[Optional[tuple[str, ...]], str]] = {
    "likely": (("x",), "__builtin_expect(!!(x), 1)"),
    "unlikely": (("x",), "__builtin_expect(!!(x), 0)"),
    "NULL": (None, "((void *)0)"),
    "BITS_PER_LONG": (None, "32"),
    "BITS_PER_BYTE": (None, "8"),
    "DIV_ROUND_UP": (("n", "d"), "(((n) + (d) - 1) / (d))"),
    "BITS_TO_LONGS": (("nr",), "DIV_ROUND_UP(nr, BITS_PER_BYTE * sizeof(long))"),
    "DECLARE_BITMAP": (("name", "bits"), "unsigned long name[BITS_TO_LONGS(bits)]"),
    "DEFINE_SPINLOCK": (("x",), "spinlock_t x = { 0 }"),
    "DEFINE_RWLOCK": (("x",), "rwlock_t x = { 0 }"),
    "EXPORT_SYMBOL": (("sym",), "extern int __ksymtab_dummy"),
    "EXPORT_SYMBOL_GPL": (("sym",), "extern int __ksymtab_dummy"),
    "offsetof": (("type", "member"), "__builtin_offsetof(type, member)"),
    "container_of": (("ptr", "type", "member"),
                     "((type *)((char *)(ptr) - __builtin_offsetof(type, member)))"),
    "ARRAY_SIZE": (("arr",), "(sizeof(arr) / sizeof((arr)[0]))"),
    "barrier": ((), "do { } while (0)"),
    "smp_wmb": ((), "do { } while (0)"),
    "smp_rmb": ((), "do { } while (0)"),
    "smp_mb": ((), "do { } while (0)"),
    "wmb": ((), "do { } while (0)"),
    "rmb": ((), "do { } while (0)"),
    "mb": ((), "do { } while (0)"),
    "READ_ONCE": (("x",), "(x)"),
    "WRITE_ONCE": (("x", "val"), "((x) = (val))"),
    "ACCESS_ONCE": (("x",), "(x)"),
    "__always_inline": (None, "inline"),
    "__attribute_used__": (None, ""),
    "true": (None, "1"),
    "false": (None, "0"),
}


class TypeError_(Exception):
    """A type or constant expression that cannot be read (internal; becomes ``unsupported``)."""


# ------------------------------------------------------------------------------------------
# the records
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FunctionDef:
    name: str
    path: str
    line: int
    node: Any = field(repr=False, compare=False)   # tree-sitter function_definition
    static: bool = False
    inline: bool = False
    source: int = 0                               # index of the source it came from


@dataclass(frozen=True)
class GlobalDef:
    name: str
    type: CType
    init_node: Any = field(repr=False, compare=False)   # tree-sitter initializer or None
    is_extern: bool
    path: str
    line: int
    static: bool = False

    @property
    def defined(self) -> bool:
        """A definition (storage in this program), not an ``extern`` declaration."""
        return not self.is_extern


@dataclass
class Program:
    """The definitions of a set of sources (see the module manual)."""

    functions: dict[str, FunctionDef] = field(default_factory=dict)
    typedefs: dict[str, CType] = field(default_factory=dict)
    structs: dict[str, Struct] = field(default_factory=dict)
    globals: dict[str, GlobalDef] = field(default_factory=dict)
    enums: dict[str, int] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)
    prototypes: dict[str, Func] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sources: tuple = ()
    resolver: Any = field(default=None, repr=False)
    # compiled code of each function, shared by every Interpreter over this program
    cache: dict = field(default_factory=dict, repr=False)

    def path_of(self, name: str) -> Optional[str]:
        """Where ``name`` (function, global, typedef) is defined."""
        if name in self.functions:
            return self.functions[name].path
        if name in self.globals:
            return self.globals[name].path
        where = self.resolver.typedef_nodes.get(name) if self.resolver else None
        return where[0] if where else None

    def function_type(self, name: str) -> Optional[Func]:
        """The type of a defined function, or the prototype of a declared one."""
        if name in self.functions:
            try:
                return self.resolver.function_type(self.functions[name])
            except Exception:  # noqa: BLE001 - TypeError_, RecursionError: no usable type
                return None
        return self.prototypes.get(name)


# ------------------------------------------------------------------------------------------
# literals
# ------------------------------------------------------------------------------------------

_INT_LITERAL = re.compile(r"^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$")


def parse_int_literal(text: str) -> tuple[int, Int]:
    """Value and type of a C integer literal (ILP32 rules: ``3000000000`` is a long long,
    ``0x80000000`` an unsigned int)."""
    neg = text.startswith("-")
    body = text[1:].strip() if neg else text
    body = body.replace("'", "")
    m = _INT_LITERAL.match(body)
    if not m:
        raise TypeError_(f"not an integer constant: {text}")
    digits, suffix = m.group(1), m.group(2).lower()
    if digits[:2] in ("0x", "0X"):
        value, decimal = int(digits[2:], 16), False
    elif digits[:2] in ("0b", "0B"):
        value, decimal = int(digits[2:], 2), False
    elif digits.startswith("0") and len(digits) > 1:
        value, decimal = int(digits, 8), False
    else:
        value, decimal = int(digits), True
    unsigned = "u" in suffix
    longs = suffix.count("l")
    if longs >= 2:
        candidates = [ULLONG] if unsigned else ([LLONG] if decimal else [LLONG, ULLONG])
    elif longs == 1:
        candidates = ([ULONG, ULLONG] if unsigned else
                      ([LONG, LLONG] if decimal else [LONG, ULONG, LLONG, ULLONG]))
    else:
        candidates = ([UINT, ULONG, ULLONG] if unsigned else
                      ([INT, LONG, LLONG] if decimal else [INT, UINT, LONG, ULONG, LLONG, ULLONG]))
    t = candidates[-1]
    for c in candidates:
        limit = 1 << (c.size * 8 - (1 if c.signed else 0))
        if value < limit:
            t = c
            break
    if neg:
        return normalize(-value, t), t
    return normalize(value, t), t


_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92,
            "'": 39, '"': 34, "?": 63, "e": 27}


def _unescape(body: str) -> list[int]:
    out: list[int] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.extend(c.encode("utf-8", "surrogateescape"))
            i += 1
            continue
        i += 1
        if i >= len(body):
            break
        c = body[i]
        if c in "01234567":
            j = i
            while j < len(body) and j < i + 3 and body[j] in "01234567":
                j += 1
            out.append(int(body[i:j], 8) & 0xFF)
            i = j
        elif c == "x":
            j = i + 1
            while j < len(body) and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(body[i + 1:j] or "0", 16) & 0xFF)
            i = j
        else:
            out.append(_ESCAPES.get(c, ord(c) & 0xFF))
            i += 1
    return out


def parse_char_literal(text: str) -> int:
    """Value (an ``int``) of ``'a'``, ``'\\n'``, ``'\\xff'`` (-1: char is signed)."""
    body = text[text.index("'") + 1:text.rindex("'")]
    chars = _unescape(body)
    if not chars:
        return 0
    return normalize(chars[0], CHAR) if len(chars) == 1 else normalize(
        int.from_bytes(bytes(chars[-4:]), "big"), INT)


def string_literal_bytes(node: Node) -> bytes:
    """The bytes of a string literal or concatenated string, with the final NUL."""
    out: list[int] = []
    parts = [node] if node.type == "string_literal" else [c for c in node.children
                                                          if c.type == "string_literal"]
    for part in parts:
        text = node_text(part)
        body = text[text.index('"') + 1:text.rindex('"')]
        out.extend(_unescape(body))
    return bytes(out) + b"\0"


# ------------------------------------------------------------------------------------------
# types
# ------------------------------------------------------------------------------------------

def node_text(node: Node) -> str:
    """The text of ``node`` (``node.text`` is read once: with the shared parser's callback
    parsing every read goes back to the source)."""
    text = node.text
    return text.decode("utf-8", "surrogateescape") if text is not None else ""


def _line(node: Node) -> int:
    return node.start_point[0] + 1


class Resolver:
    """Reads types, declarators and constant expressions of a program, lazily."""

    def __init__(self) -> None:
        self.typedef_nodes: dict[str, tuple[str, Node, Node]] = {}   # name -> (path, def, decl)
        self.struct_nodes: dict[str, tuple[str, Node]] = {}          # "struct x" -> (path, node)
        self.enum_nodes: dict[str, tuple[str, Node]] = {}            # enumerator -> specifier
        self.typedefs: dict[str, CType] = {}
        self.structs: dict[str, Struct] = {}
        self.enums: dict[str, int] = {}
        self.enum_types: dict[int, Int] = {}
        self.anon: dict[tuple, CType] = {}
        self.global_types: Callable[[str], Optional[CType]] = lambda name: None
        self._busy: set = set()
        self._ftypes: dict[str, Func] = {}

    # -- specifiers ----------------------------------------------------------------------
    def base_type(self, decl: Node, scope: Any = None) -> CType:
        """The type named by the specifiers of a declaration-like node."""
        tnode = decl.child_by_field_name("type")
        if tnode is None:
            # K&R implicit int, or a macro tree-sitter could not place
            return INT
        return self.specifier(tnode, scope)

    def specifier(self, node: Node, scope: Any = None, typedef_name: str = "") -> CType:
        kind = node.type
        if kind == "primitive_type":
            name = node_text(node)
            if name in PRIMITIVES:
                return PRIMITIVES[name]
            if name in ("float", "double"):
                raise TypeError_(f"floating point type '{name}'")
            raise TypeError_(f"unknown type '{name}'")
        if kind == "sized_type_specifier":
            return self._sized(node)
        if kind == "type_identifier":
            return self.typedef(node_text(node), scope)
        if kind in ("struct_specifier", "union_specifier"):
            return self.struct_specifier(node, scope, typedef_name)
        if kind == "enum_specifier":
            return self.enum_specifier(node, scope)
        if kind == "macro_type_specifier":
            name = node_text(node.child_by_field_name("name"))
            inner = node.child_by_field_name("type")
            if name in ("typeof", "__typeof__", "__typeof") and inner is not None:
                if (scope is not None and inner.named_child_count == 1
                        and inner.named_children[0].type == "type_identifier"):
                    var = node_text(inner.named_children[0])
                    vt = scope.var_type(var) if hasattr(scope, "var_type") else None
                    if vt is not None:
                        return vt
                if inner.named_child_count == 1 and inner.named_children[0].type == \
                        "type_identifier":
                    var = node_text(inner.named_children[0])
                    if var not in self.typedef_nodes and var not in self.typedefs:
                        vt = self.global_types(var)
                        if vt is not None:
                            return vt
                return self.type_descriptor(inner, scope)
            raise TypeError_(f"unexpanded macro '{name}(...)' used as a type")
        raise TypeError_(f"unsupported type specifier '{node_text(node)[:40]}'")

    def _sized(self, node: Node) -> CType:
        words = [node_text(c) for c in node.children if c.type in
                 ("signed", "unsigned", "long", "short")]
        inner = node.child_by_field_name("type")
        base = node_text(inner) if inner is not None else "int"
        if base in ("double", "float"):
            raise TypeError_(f"floating point type '{node_text(node)}'")
        unsigned = "unsigned" in words
        longs = words.count("long")
        if base == "char":
            return UCHAR if unsigned else (SCHAR if "signed" in words else CHAR)
        if base not in ("int",):
            if base in PRIMITIVES and base not in ("signed", "unsigned"):
                t = PRIMITIVES[base]
                if isinstance(t, Int) and not words:
                    return t
            if base not in ("int", "signed", "unsigned"):
                raise TypeError_(f"unsupported type '{node_text(node)}'")
        if "short" in words:
            return USHORT if unsigned else SHORT
        if longs >= 2:
            return ULLONG if unsigned else LLONG
        if longs == 1:
            return ULONG if unsigned else LONG
        return UINT if unsigned else INT

    def typedef(self, name: str, scope: Any = None) -> CType:
        if scope is not None and hasattr(scope, "local_typedef"):
            t = scope.local_typedef(name)
            if t is not None:
                return t
        if name in self.typedefs:
            return self.typedefs[name]
        if name in self.typedef_nodes:
            if ("typedef", name) in self._busy:
                raise TypeError_(f"typedef '{name}' refers to itself")
            self._busy.add(("typedef", name))
            try:
                _, defn, decl = self.typedef_nodes[name]
                tnode = defn.child_by_field_name("type")
                base = INT if tnode is None else self.specifier(tnode, None, typedef_name=name)
                _, t = self.declarator(decl, base, None, typedef_name=name)
            finally:
                self._busy.discard(("typedef", name))
            self.typedefs[name] = t
            return t
        if name in PRIMITIVES:
            return PRIMITIVES[name]
        raise TypeError_(f"unknown type '{name}'")

    def struct_specifier(self, node: Node, scope: Any = None, typedef_name: str = "") -> CType:
        union = node.type == "union_specifier"
        kw = "union" if union else "struct"
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None:
            key = (node.start_byte, node.end_byte, id(node.tree) if hasattr(node, "tree") else 0,
                   node_text(node))
            hit = self.anon.get(key)
            if hit is None:
                st = Struct(typedef_name or "<anonymous>", union=union)
                self.anon[key] = st
                if body is not None:
                    self._complete(st, body, scope)
                hit = st
            return hit
        tag = f"{kw} {node_text(name_node)}"
        return self.struct(tag)

    def struct(self, tag: str) -> Struct:
        """The struct/union with key ``tag`` (``"struct page"``), completed if defined."""
        st = self.structs.get(tag)
        if st is None:
            kw, _, name = tag.partition(" ")
            st = self.structs[tag] = Struct(name, union=(kw == "union"))
        if not st.is_complete and tag in self.struct_nodes and tag not in self._busy:
            self._busy.add(tag)
            try:
                _, defn = self.struct_nodes[tag]
                self._complete(st, defn.child_by_field_name("body"), None)
            finally:
                self._busy.discard(tag)
        return st

    def _complete(self, st: Struct, body: Node, scope: Any) -> None:
        members: list[tuple[Optional[str], CType, Optional[int]]] = []
        for fd in body.named_children:
            if fd.type != "field_declaration":
                if fd.type in ("comment",):
                    continue
                raise TypeError_(f"cannot read member '{node_text(fd)[:40]}' of {st}")
            base = self.base_type(fd, scope)
            decls = fd.children_by_field_name("declarator")
            width_node = next((c for c in fd.named_children if c.type == "bitfield_clause"), None)
            width = None
            if width_node is not None:
                width = self.const_int(width_node.named_children[0], scope)
            if not decls:
                if isinstance(base, Struct):
                    members.append((None, self._need_complete(base), None))
                elif width is not None:
                    members.append((None, base, width))   # unnamed padding bit-field
                continue
            for d in decls:
                name, t = self.declarator(d, base, scope)
                if isinstance(t, Struct):
                    self._need_complete(t)
                if isinstance(t, Array) and isinstance(t.elem, Struct):
                    self._need_complete(t.elem)
                if isinstance(t, Func):
                    raise TypeError_(f"function member '{name}' in {st}")
                members.append((name, t, width))
        fields, size, align = layout(members, st.union)
        st.complete(fields, size, align)

    def _need_complete(self, t: Struct) -> Struct:
        if not t.is_complete:
            tag = f"{'union' if t.union else 'struct'} {t.name}"
            if tag in self.structs and self.structs[tag] is t:
                self.struct(tag)
            if not t.is_complete:
                raise TypeError_(f"incomplete type '{t}'")
        return t

    def complete(self, t: CType) -> CType:
        """``t`` with its struct completed (raises TypeError_ when it has no definition)."""
        if isinstance(t, Struct):
            return self._need_complete(t)
        if isinstance(t, Array) and isinstance(t.elem, Struct):
            self._need_complete(t.elem)
        return t

    def enum_specifier(self, node: Node, scope: Any = None) -> CType:
        body = node.child_by_field_name("body")
        if body is not None:
            return self._enum_body(body, scope)
        name = node.child_by_field_name("name")
        return UINT if name is None else self.enum_types.get(id(name), UINT)

    def _enum_body(self, body: Node, scope: Any) -> Int:
        key = (body.start_byte, node_text(body))
        cached = self.anon.get(("enum",) + key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        value = -1
        negative = False
        for e in body.named_children:
            if e.type != "enumerator":
                continue
            name = node_text(e.child_by_field_name("name"))
            v = e.child_by_field_name("value")
            value = self.const_int(v, scope) if v is not None else value + 1
            negative = negative or value < 0
            self.enums.setdefault(name, value)
        t = Int(4, negative, "int" if negative else "unsigned int")
        self.anon[("enum",) + key] = t
        return t

    def enum_value(self, name: str) -> Optional[int]:
        if name in self.enums:
            return self.enums[name]
        where = self.enum_nodes.get(name)
        if where is None or ("enum", name) in self._busy:
            return None
        self._busy.add(("enum", name))
        try:
            self._enum_body(where[1].child_by_field_name("body"), None)
        finally:
            self._busy.discard(("enum", name))
        return self.enums.get(name)

    # -- declarators -----------------------------------------------------------------------
    def declarator(self, node: Optional[Node], base: CType, scope: Any = None,
                   typedef_name: str = "", init: Optional[Node] = None
                   ) -> tuple[Optional[str], CType]:
        """``(name, type)`` of a (possibly abstract) declarator over ``base``."""
        t = base
        while node is not None:
            kind = node.type
            if kind in ("identifier", "field_identifier", "type_identifier",
                        "primitive_type"):
                return node_text(node), t
            if kind == "init_declarator":
                init = node.child_by_field_name("value")
                node = node.child_by_field_name("declarator")
            elif kind in ("pointer_declarator", "abstract_pointer_declarator"):
                t = Pointer(t)
                node = node.child_by_field_name("declarator")
            elif kind in ("array_declarator", "abstract_array_declarator"):
                size = node.child_by_field_name("size")
                if size is None:
                    length = None
                    inner = node.child_by_field_name("declarator")
                    if init is not None and (inner is None or inner.type in
                                             ("identifier", "field_identifier")):
                        length = self._init_length(init, t, scope)
                else:
                    try:
                        length = self.const_int(size, scope)
                    except TypeError_ as exc:
                        raise TypeError_(f"variable-length array ({exc})") from None
                    if length < 0:
                        raise TypeError_(f"negative array size {length}")
                t = Array(t, length)
                node = node.child_by_field_name("declarator")
            elif kind in ("function_declarator", "abstract_function_declarator"):
                params, variadic = self.parameters(node.child_by_field_name("parameters"), scope)
                t = Func(t, params, variadic)
                node = node.child_by_field_name("declarator")
            elif kind in ("parenthesized_declarator", "abstract_parenthesized_declarator",
                          "attributed_declarator"):
                inner = [c for c in node.named_children if c.type not in
                         ("attribute_specifier", "attribute_declaration", "ms_call_modifier")]
                node = inner[0] if inner else None
            elif kind == "type_qualifier" or kind == "ms_pointer_modifier":
                return None, t
            else:
                raise TypeError_(f"unsupported declarator '{node_text(node)[:40]}'")
        return None, t

    def _init_length(self, init: Node, elem: CType, scope: Any) -> int:
        if init.type in ("string_literal", "concatenated_string"):
            return len(string_literal_bytes(init))
        if init.type != "initializer_list":
            return 1
        n = index = 0
        for item in init.named_children:
            if item.type == "initializer_pair":
                d = item.child_by_field_name("designator")
                if d is not None and d.type == "subscript_designator":
                    index = self.const_int(d.named_children[0], scope)
            index += 1
            n = max(n, index)
        return n

    def parameters(self, node: Optional[Node], scope: Any = None
                   ) -> tuple[Optional[tuple], bool]:
        if node is None:
            return None, False
        params: list[CType] = []
        variadic = False
        named = [c for c in node.named_children if c.type != "comment"]
        if not named:
            return None, "..." in node_text(node)
        for p in named:
            if p.type == "variadic_parameter":
                variadic = True
                continue
            if p.type != "parameter_declaration":
                raise TypeError_(f"unsupported parameter '{node_text(p)[:40]}'")
            base = self.base_type(p, scope)
            _, t = self.declarator(p.child_by_field_name("declarator"), base, scope)
            if t == VOID and len(named) == 1 and p.child_by_field_name("declarator") is None:
                return (), variadic
            params.append(_decay(t))
        if any(c.type == "..." for c in node.children):
            variadic = True
        return tuple(params), variadic

    def type_descriptor(self, node: Node, scope: Any = None) -> CType:
        base = self.base_type(node, scope)
        _, t = self.declarator(node.child_by_field_name("declarator"), base, scope)
        return t

    def function_type(self, fn: FunctionDef) -> Func:
        hit = self._ftypes.get(fn.name)
        if hit is None:
            base = self.base_type(fn.node)
            _, t = self.declarator(fn.node.child_by_field_name("declarator"), base)
            if not isinstance(t, Func):
                raise TypeError_(f"'{fn.name}' is not a function")
            hit = self._ftypes[fn.name] = t
        return hit

    # -- constant expressions -----------------------------------------------------------------
    def const_int(self, node: Node, scope: Any = None) -> int:
        return self.const(node, scope)[0]

    def const(self, node: Node, scope: Any = None) -> tuple[int, CType]:
        """Value and type of an integer constant expression."""
        kind = node.type
        if kind == "number_literal":
            return parse_int_literal(node_text(node))
        if kind == "char_literal":
            return parse_char_literal(node_text(node)), INT
        if kind == "parenthesized_expression":
            inner = [c for c in node.named_children if c.type != "comment"]
            if len(inner) != 1:
                raise TypeError_("not a constant")
            return self.const(inner[0], scope)
        if kind == "identifier":
            name = node_text(node)
            if scope is not None and hasattr(scope, "local_enum"):
                v = scope.local_enum(name)
                if v is not None:
                    return v, INT
            v = self.enum_value(name)
            if v is None:
                raise TypeError_(f"'{name}' is not a constant")
            return v, INT
        if kind == "unary_expression":
            op = node_text(node.child_by_field_name("operator"))
            v, t = self.const(node.child_by_field_name("argument"), scope)
            if isinstance(t, Pointer):
                t = ULONG
            pt = t if not isinstance(t, Int) or t.size >= 4 else INT
            if op == "-":
                return normalize(-v, pt), pt
            if op == "+":
                return v, pt
            if op == "~":
                return normalize(~v, pt), pt
            if op == "!":
                return (0 if v else 1), INT
        if kind == "binary_expression":
            op = node_text(node.child_by_field_name("operator"))
            a, ta = self.const(node.child_by_field_name("left"), scope)
            if op == "&&" and not a:
                return 0, INT
            if op == "||" and a:
                return 1, INT
            b, tb = self.const(node.child_by_field_name("right"), scope)
            try:
                return arith(op, a, ta, b, tb)
            except ZeroDivisionError:
                raise TypeError_("division by zero in a constant") from None
        if kind == "conditional_expression":
            c, _ = self.const(node.child_by_field_name("condition"), scope)
            cons = node.child_by_field_name("consequence")
            alt = node.child_by_field_name("alternative")
            if c:
                return self.const(cons, scope) if cons is not None else (c, INT)
            return self.const(alt, scope)
        if kind == "cast_expression":
            t = self.type_descriptor(node.child_by_field_name("type"), scope)
            v, _ = self.const(node.child_by_field_name("value"), scope)
            if isinstance(t, (Int, Pointer)):
                return normalize(v, t), t
            raise TypeError_(f"cast to {t} in a constant")
        if kind == "sizeof_expression":
            tnode = node.child_by_field_name("type")
            if tnode is not None:
                t = self.type_descriptor(tnode, scope)
            else:
                value = node.child_by_field_name("value")
                name = self.typedef_in_parens(value, scope)
                # sizeof(pgd_t): tree-sitter cannot tell a typedef name from a variable
                t = self.typedef(name, scope) if name else self.expr_type(value, scope)
            t = self.complete(t)
            return sizeof(t), UINT
        if kind == "alignof_expression":
            t = self.type_descriptor(node.child_by_field_name("type"), scope)
            return alignof(self.complete(t)), UINT
        if kind == "call_expression":
            fn = node.child_by_field_name("function")
            if fn is not None and node_text(fn) in ("__builtin_offsetof", "offsetof"):
                return self.offsetof(node, scope), UINT
            if fn is not None and node_text(fn) == "__builtin_constant_p":
                return 0, INT
            if fn is not None and node_text(fn) == "__builtin_expect":
                args = node.child_by_field_name("arguments").named_children
                return self.const(args[0], scope)
        if kind == "offsetof_expression":
            t = self.type_descriptor(node.child_by_field_name("type"), scope)
            member = node.child_by_field_name("member")
            return self._offset_path(t, node_text(member)), UINT
        if kind == "pointer_expression" and node_text(node.child_by_field_name("operator")) \
                == "&":
            # &((T *)0)->member: the classic offsetof
            off = self._null_member_offset(node.child_by_field_name("argument"), scope)
            if off is not None:
                return off, ULONG
        raise TypeError_(f"not a constant expression: '{node_text(node)[:40]}'")

    def typedef_in_parens(self, node: Node, scope: Any) -> Optional[str]:
        """The typedef name that ``node`` is if it is ``(name)`` and no variable is called
        so (tree-sitter reads ``sizeof(pgd_t)`` and ``(u64)(x)`` as expressions)."""
        if node is None or node.type != "parenthesized_expression" or \
                node.named_child_count != 1 or node.named_children[0].type != "identifier":
            return None
        name = node_text(node.named_children[0])
        if scope is not None and hasattr(scope, "var_type") and scope.var_type(name) is not None:
            return None
        local = scope.local_typedef(name) if scope is not None and \
            hasattr(scope, "local_typedef") else None
        if local is not None or name in self.typedef_nodes or name in self.typedefs or \
                name in PRIMITIVES:
            return name
        return None

    def offsetof(self, call: Node, scope: Any = None) -> int:
        args = call.child_by_field_name("arguments")
        text = node_text(args).strip()[1:-1]
        depth, cut = 0, -1
        for i, ch in enumerate(text):
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            elif ch == "," and depth == 0:
                cut = i
        if cut < 0:
            raise TypeError_("malformed offsetof")
        t = self.type_text(text[:cut].strip(), scope)
        return self._offset_path(t, text[cut + 1:].strip())

    def type_text(self, text: str, scope: Any = None) -> CType:
        """The type named by C text such as ``struct page *``."""
        tree = parse(f"void __interp_probe({text});")
        fn = tree.root_node.named_children[0] if tree.root_node.named_children else None
        decl = fn.child_by_field_name("declarator") if fn is not None else None
        params = decl.child_by_field_name("parameters") if decl is not None else None
        if params is None or tree.root_node.has_error or not params.named_children:
            raise TypeError_(f"cannot read type '{text}'")
        p = params.named_children[0]
        base = self.base_type(p, scope)
        _, t = self.declarator(p.child_by_field_name("declarator"), base, scope)
        return t

    def _offset_path(self, t: CType, path: str) -> int:
        offset = 0
        for part in re.findall(r"\.?\s*([A-Za-z_]\w*)|\[([^\]]*)\]", path):
            name, index = part
            if name:
                t = self.complete(t)
                if not isinstance(t, Struct):
                    raise TypeError_(f"offsetof member '{name}' of a non-struct")
                found = find_field(t, name)
                if found is None:
                    raise TypeError_(f"no member '{name}' in {t}")
                offset += found[0]
                t = found[1].type
            else:
                if not isinstance(t, Array):
                    raise TypeError_("offsetof index into a non-array")
                tree = parse(f"int __x = {index};")
                init = tree.root_node.named_children[0].child_by_field_name("declarator")
                offset += self.const_int(init.child_by_field_name("value")) * sizeof(
                    self.complete(t.elem))
                t = t.elem
        return offset

    def _null_member_offset(self, node: Node, scope: Any) -> Optional[int]:
        path: list[str] = []
        while node.type in ("field_expression", "parenthesized_expression"):
            if node.type == "parenthesized_expression":
                node = node.named_children[0]
                continue
            path.append(node_text(node.child_by_field_name("field")))
            arrow = node_text(node.child_by_field_name("operator")) == "->"
            node = node.child_by_field_name("argument")
            if arrow:
                break
        while node.type == "parenthesized_expression":
            node = node.named_children[0]
        if node.type != "cast_expression":
            return None
        t = self.type_descriptor(node.child_by_field_name("type"), scope)
        v, _ = self.const(node.child_by_field_name("value"), scope)
        if not isinstance(t, Pointer):
            return None
        return v + self._offset_path(t.target, ".".join(reversed(path)))

    def expr_type(self, node: Node, scope: Any = None) -> CType:
        """The static type of an expression, for ``sizeof expr`` outside functions."""
        if scope is not None and hasattr(scope, "expr_type"):
            return scope.expr_type(node)
        kind = node.type
        if kind == "parenthesized_expression":
            return self.expr_type(node.named_children[0], scope)
        if kind == "identifier":
            t = self.global_types(node_text(node))
            if t is None:
                if self.enum_value(node_text(node)) is not None:
                    return INT
                raise TypeError_(f"unknown name '{node_text(node)}'")
            return t
        if kind in ("string_literal", "concatenated_string"):
            return Array(CHAR, len(string_literal_bytes(node)))
        if kind == "subscript_expression":
            t = self.expr_type(node.child_by_field_name("argument"), scope)
            if isinstance(t, (Array, Pointer)):
                return t.elem if isinstance(t, Array) else t.target
        if kind == "pointer_expression":
            t = self.expr_type(node.child_by_field_name("argument"), scope)
            if node_text(node.child_by_field_name("operator")) == "&":
                return Pointer(t)
            if isinstance(t, (Array, Pointer)):
                return t.elem if isinstance(t, Array) else t.target
        if kind == "field_expression":
            t = self.expr_type(node.child_by_field_name("argument"), scope)
            if node_text(node.child_by_field_name("operator")) == "->":
                t = t.target if isinstance(t, Pointer) else t
            t = self.complete(t)
            if isinstance(t, Struct):
                found = find_field(t, node_text(node.child_by_field_name("field")))
                if found:
                    return found[1].type
        if kind == "cast_expression":
            return self.type_descriptor(node.child_by_field_name("type"), scope)
        return self.const(node, scope)[1]


def _decay(t: CType) -> CType:
    if isinstance(t, Array):
        return Pointer(t.elem)
    if isinstance(t, Func):
        return Pointer(t)
    return t


# ------------------------------------------------------------------------------------------
# build_program
# ------------------------------------------------------------------------------------------

_ALLOWED_BUILTINS = {"__builtin_expect", "__builtin_constant_p", "__builtin_offsetof"}
# the predicates keep Python out of the common case (every call, every number)
_SCAN = """
(gnu_asm_expression) @asm
((call_expression function: (identifier) @call)
 (#match? @call "^(__builtin_|setjmp$|longjmp$|_setjmp$)"))
((number_literal) @number (#match? @number "[.eEpPfF]"))
"""
_FLOAT = re.compile(r"^-?(?:\d+\.\d*|\.\d+|\d+[eE][-+]?\d+|0[xX][0-9a-fA-F.]+[pP][-+]?\d+)"
                    r"[fFlL]?$|^-?\d+[fF]$")


@lru_cache(maxsize=None)
def _scan_query() -> Query:
    return Query(LANGUAGE, _SCAN)


def _storage(node: Node) -> set[str]:
    out = set()
    for c in node.children:
        if c.type == "storage_class_specifier":
            out.add(node_text(c).strip())
        elif c.type in ("inline", "function_specifier"):
            out.add("inline")
    return out


def _declared_name(node: Optional[Node]) -> Optional[str]:
    while node is not None:
        if node.type in ("identifier", "type_identifier", "field_identifier"):
            return node_text(node)
        inner = node.child_by_field_name("declarator")
        if inner is None:
            named = [c for c in node.named_children if c.type.endswith("declarator")
                     or c.type in ("identifier", "type_identifier")]
            inner = named[0] if named else None
        node = inner
    return None


def _first_error(node: Node) -> Optional[Node]:
    if node.type == "ERROR" or node.is_missing:
        return node
    if not node.has_error:
        return None
    for c in node.children:
        found = _first_error(c)
        if found is not None:
            return found
    return node


def _parse_error(top: Node, path: str, text: str) -> str:
    """``parse error at path:line: 'the line'`` for the first ERROR or MISSING node."""
    bad = _first_error(top) or top
    line = _line(bad)
    source = text.split("\n")[line - 1].strip() if line - 1 < text.count("\n") + 1 else ""
    what = f"missing '{bad.type}'" if bad.is_missing else "cannot read"
    if bad.type == "ERROR" and bad.parent is not None and bad.parent.type == "case_statement" \
            and any(c.type == "..." for c in bad.children):
        what = "case range, a GNU extension"
        return f"unsupported C: {what} at {path}:{line}"
    return f"parse error at {path}:{line} ({what}): '{source[:60]}'"


_SPECIFIERS = """
(struct_specifier name: (_) body: (field_declaration_list)) @struct
(union_specifier name: (_) body: (field_declaration_list)) @union
(enum_specifier body: (enumerator_list)) @enum
"""


@lru_cache(maxsize=None)
def _specifier_query() -> Query:
    return Query(LANGUAGE, _SPECIFIERS)


def compile_queries() -> None:
    """Compile the extraction's queries now, not at the first execution (a server's start)."""
    _scan_query()
    _specifier_query()


def _collect_specifiers(node: Node, path: str, res: Resolver) -> None:
    """Struct/union definitions and enumerators anywhere under ``node`` (a query: walking
    every node in Python would cost more than the rest of the reading)."""
    found = []
    for cap, nodes in QueryCursor(_specifier_query()).captures(node).items():
        found.extend((n.start_byte, cap, n) for n in nodes)
    for _, cap, n in sorted(found, key=lambda item: item[0]):
        if cap in ("struct", "union"):
            tag = f"{cap} {node_text(n.child_by_field_name('name'))}"
            res.struct_nodes.setdefault(tag, (path, n))
        else:
            for e in n.child_by_field_name("body").named_children:
                if e.type == "enumerator":
                    res.enum_nodes.setdefault(node_text(e.child_by_field_name("name")),
                                              (path, n))


def build_program(sources: Sequence[tuple[str, str]], prelude: bool = True) -> Program:
    """Read ``(path, text)`` sources into a :class:`Program` (see the module manual)."""
    res = Resolver()
    program = Program(resolver=res)
    all_sources = list(sources) + ([(PRELUDE_PATH, PRELUDE)] if prelude else [])
    program.sources = tuple(all_sources)
    pending_globals: list[tuple[str, Node, Node, Optional[Node], set[str], int]] = []
    pending_protos: list[tuple[str, Node, Node]] = []

    for index, (path, text) in enumerate(all_sources):
        root = parse(text).root_node
        _collect_specifiers(root, path, res)
        fspans: list[tuple[int, int, str]] = []
        for top in root.children:
            kind = top.type
            if kind == "function_definition":
                name = _declared_name(top.child_by_field_name("declarator"))
                if name is None:
                    program.notes.append(f"{path}:{_line(top)}: function without a name")
                    continue
                fspans.append((top.start_byte, top.end_byte, name))
                if name in program.functions:
                    program.notes.append(f"{path}:{_line(top)}: duplicate definition of "
                                         f"{name}() ignored")
                    continue
                st = _storage(top)
                program.functions[name] = FunctionDef(name, path, _line(top), top,
                                                      "static" in st, "inline" in st, index)
                if top.has_error:
                    program.unsupported[name] = _parse_error(top, path, text)
            elif kind == "type_definition":
                for d in top.children_by_field_name("declarator"):
                    name = _declared_name(d)
                    if name is not None and name not in res.typedef_nodes:
                        res.typedef_nodes[name] = (path, top, d)
            elif kind == "declaration":
                st = _storage(top)
                for d in top.children_by_field_name("declarator"):
                    name = _declared_name(d)
                    if name is None:
                        continue
                    inner = d.child_by_field_name("declarator") if d.type == "init_declarator" \
                        else d
                    if _is_function_declarator(inner):
                        pending_protos.append((name, top, d))
                    else:
                        init = d.child_by_field_name("value") if d.type == "init_declarator" \
                            else None
                        pending_globals.append((path, top, d, init, st, index))
            elif kind in ("ERROR",):
                program.notes.append(f"{path}:{_line(top)}: not understood: "
                                     f"'{node_text(top)[:50].strip()}'")
        # the constructs that make a function unsupported
        if fspans:
            starts = [s for s, _, _ in fspans]
            captures = QueryCursor(_scan_query()).captures(root)
            for cap, nodes in captures.items():
                for n in nodes:
                    i = bisect_right(starts, n.start_byte) - 1
                    if i < 0 or n.start_byte >= fspans[i][1]:
                        continue
                    fname = fspans[i][2]
                    fn = program.functions.get(fname)
                    if fn is None or fn.source != index or fname in program.unsupported:
                        continue
                    why = None
                    if cap == "asm":
                        why = "inline asm"
                    elif cap == "number" and _FLOAT.match(node_text(n)):
                        why = "floating point"
                    elif cap == "call":
                        called = node_text(n)
                        if called in ("setjmp", "longjmp", "__builtin_setjmp",
                                      "__builtin_longjmp", "_setjmp"):
                            why = f"{called}()"
                        elif called.startswith("__builtin_") and called not in _ALLOWED_BUILTINS:
                            why = f"{called}()"
                    if why:
                        program.unsupported[fname] = f"{why} at {path}:{_line(n)}"

    # types of globals and prototypes, now that every definition is known
    gtypes: dict[str, CType] = {}

    def global_type(name: str) -> Optional[CType]:
        g = program.globals.get(name)
        return g.type if g is not None else gtypes.get(name)

    res.global_types = global_type
    for path, top, d, init, st, index in pending_globals:
        name = _declared_name(d)
        assert name is not None
        try:
            base = res.base_type(top)
            _, t = res.declarator(d, base)
        except Exception as exc:  # noqa: BLE001 - TypeError_, RecursionError: one global lost
            if name not in program.globals:
                program.unsupported.setdefault(name, f"{exc} at {path}:{_line(d)}")
            continue
        extern = "extern" in st and init is None
        old = program.globals.get(name)
        record = GlobalDef(name, t, init, extern, path, _line(d), "static" in st)
        if old is None:
            program.globals[name] = record
            program.unsupported.pop(name, None)
        elif old.is_extern and not extern:
            if isinstance(old.type, Array) and isinstance(t, Array) and t.length is None:
                record = GlobalDef(name, old.type, init, False, path, _line(d), "static" in st)
            program.globals[name] = record
        elif not extern and not old.is_extern and init is not None and old.init_node is None \
                and old.path == path:
            program.globals[name] = record      # tentative definition, then the real one
        elif not extern and not old.is_extern and path != PRELUDE_PATH:
            program.notes.append(f"{path}:{_line(d)}: duplicate definition of {name} ignored")
        elif old.is_extern and isinstance(old.type, Array) and old.type.length is None \
                and isinstance(t, Array) and t.length is not None:
            program.globals[name] = GlobalDef(name, t, old.init_node, True, old.path,
                                              old.line, old.static)
    for name, top, d in pending_protos:
        if name in program.prototypes:
            continue
        try:
            base = res.base_type(top)
            _, t = res.declarator(d, base)
        except Exception:  # noqa: BLE001 - an unreadable prototype: calls go untyped
            continue
        if isinstance(t, Func):
            program.prototypes[name] = t
    for name in list(program.functions):
        try:
            program.prototypes.setdefault(name, res.function_type(program.functions[name]))
        except Exception as exc:  # noqa: BLE001 - TypeError_, RecursionError: one function lost
            fn = program.functions[name]
            program.unsupported.setdefault(name, f"{exc} at {fn.path}:{fn.line}")

    # force every type, so that the tables are complete
    for name in list(res.typedef_nodes):
        try:
            res.typedef(name)
        except Exception as exc:  # noqa: BLE001 - one typedef lost, noted
            program.notes.append(f"typedef {name}: {exc}")
    for tag in list(res.struct_nodes):
        try:
            res.struct(tag)
        except Exception as exc:  # noqa: BLE001 - one struct lost, noted
            program.notes.append(f"{tag}: {exc}")
    for name in list(res.enum_nodes):
        try:
            res.enum_value(name)
        except Exception as exc:  # noqa: BLE001 - one enumerator lost, noted
            program.notes.append(f"enumerator {name}: {exc}")
    program.typedefs = res.typedefs
    program.structs = res.structs
    program.enums = res.enums
    return program


def _is_function_declarator(node: Optional[Node]) -> bool:
    while node is not None:
        if node.type == "function_declarator":
            inner = node.child_by_field_name("declarator")
            return inner is not None and inner.type in ("identifier", "parenthesized_declarator") \
                and (inner.type == "identifier" or _declared_name(inner) is not None
                     and "*" not in node_text(inner))
        if node.type in ("parenthesized_declarator", "attributed_declarator"):
            named = [c for c in node.named_children if c.type.endswith("declarator")
                     or c.type == "identifier"]
            node = named[0] if named else None
            continue
        if node.type == "pointer_declarator":
            node = node.child_by_field_name("declarator")
            continue
        return False
    return False


# ------------------------------------------------------------------------------------------
# sources from a preprocessed unit
# ------------------------------------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_]\w*")


def default_macros() -> dict[str, Any]:
    """:data:`DEFAULT_MACROS` as ``Macro`` records, for
    :func:`~reviewtool.variants.expand.expand`."""
    from ..variants.preprocess import Macro
    return {name: Macro(name, params, body, False, "<interp-default>", 0)
            for name, (params, body) in DEFAULT_MACROS.items()}


def sources_from_unit(unit: Any, extra_macros: Optional[Mapping[str, Any]] = None,
                      defaults: bool = True) -> list[tuple[str, str]]:
    """``(path, expanded text)`` for every file of a preprocessed unit, line numbers kept.

    Macros: the unit's table, over :data:`DEFAULT_MACROS` (``defaults``), under
    ``extra_macros`` (name -> ``Macro``), which win over both."""
    macros: dict[str, Any] = default_macros() if defaults else {}
    macros.update(unit.macros)
    if extra_macros:
        macros.update(extra_macros)
    out = []
    for f in unit.files:
        # the same file recurs under tables that agree on what it uses (before and after a
        # patch, one header in several units): its expansion is remembered
        try:
            key: Optional[tuple] = (f.text, _uses(f.text, macros))
        except TypeError:
            key = None
        hit = _EXPANDED.get(key) if key is not None else None
        if hit is None:
            hit = expand_lines(f.text, macros)
            if key is not None:
                if len(_EXPANDED) >= 1024:
                    _EXPANDED.pop(next(iter(_EXPANDED)))
                _EXPANDED[key] = hit
        out.append((f.path, hit))
    return out


_EXPANDED: dict[tuple, str] = {}


@lru_cache(maxsize=8192)
def _identifiers(text: str) -> frozenset[str]:
    return frozenset(_IDENT.findall(text))


def _uses(text: str, macros: Mapping[str, Any]) -> frozenset:
    """What of ``macros`` the expansion of ``text`` can depend on: ``(name, macro or None)``
    for every identifier reachable from the text through macro bodies."""
    seen: set[str] = set()
    todo = list(_identifiers(text))
    out = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        m = macros.get(name)
        out.append((name, m))
        if name.startswith("CONFIG_") and not name.endswith("_MODULE"):
            todo.append(name + "_MODULE")   # IS_ENABLED() looks at both
        if m is not None:
            todo.extend(_identifiers(m.body))
    return frozenset(out)


def expand_lines(text: str, macros: Mapping[str, Any]) -> str:
    """Expand ``text`` chunk by chunk, keeping each chunk's first line number."""
    from ..variants.expand import expand, MacroError
    lines = _COMMENTS.sub(_blank_comment, text).split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not lines[i] or lines[i].isspace():
            out.append("")
            i += 1
            continue
        j, depth = i, 0
        while True:
            depth += _paren_balance(lines[j])
            if depth <= 0 or j + 1 >= len(lines) or j - i > 200:
                break
            j += 1
        chunk = "\n".join(lines[i:j + 1])
        if any(w in macros for w in _IDENT.findall(chunk)):
            try:
                chunk = expand(chunk, macros)
            except MacroError:
                pass   # left as written: the affected definition will not parse
        else:
            chunk = " ".join(chunk.split("\n"))
        out.append(chunk)
        out.extend([""] * (j - i))
        i = j + 1
    return "\n".join(out)


_COMMENTS = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|//[^\n]*|/\*[\s\S]*?\*/')


def _blank_comment(m: "re.Match[str]") -> str:
    text = m.group(0)
    if text[0] in "\"'":
        return text
    return " " + "\n" * text.count("\n")


_STRIP = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|//[^\n]*|/\*.*?\*/')


def _paren_balance(line: str) -> int:
    line = _STRIP.sub("", line)
    return line.count("(") - line.count(")")
