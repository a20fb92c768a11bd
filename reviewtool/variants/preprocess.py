"""Concrete preprocessing: what the compiler sees of a file in one configuration.

:func:`preprocess` runs the preprocessor's conditional logic over a translation unit: it reads
the root file from the tree, follows ``#include``, keeps a macro table, and decides every
``#if``/``#elif`` with the table as it is at that point. It does not expand macros in the code
(that is :func:`~reviewtool.variants.expand.expand`'s job, on demand); it records which lines
survive. The result is a :class:`Unit`:

* ``files`` -- one :class:`FileVariant` per file, root first, then in order of first inclusion.
  ``text`` is the file projected on the configuration: every line not compiled and every
  directive line is replaced by an empty line, so line numbers still match the tree
  (``len(lines)`` is the original count). ``kept[i]`` says whether line ``i + 1`` survived. A
  file included twice counts a line as kept if either inclusion kept it;
* ``macros`` -- the macro table at the end of the unit; ``definitions`` -- every ``#define``
  seen, in order, redefinitions included; ``root_definitions`` -- those of the root file
  (None when a header included the root file again, so that some may be in replays);
* ``missing`` -- ``#include`` targets not found in the tree, as written (``<linux/mm.h>``):
  a sample tree lacks most headers, and that is not an error;
* ``errors`` -- one-line messages: ``#error`` reached, an ``#if`` that cannot be evaluated
  (taken as false), an include nested too deeply.

The macro table starts with ``predefined`` (default: ``__KERNEL__`` and the compiler's own
macros, :func:`compiler_macros`) and the
configuration as Kbuild's ``autoconf.h`` defines it (``y`` -> ``CONFIG_X 1``, ``m`` ->
``CONFIG_X_MODULE 1``, numbers as written). A name not defined reads as 0 in ``#if``.
``IS_ENABLED``/``IS_BUILTIN``/``IS_MODULE``/``IS_REACHABLE`` work without ``linux/kconfig.h``.
``#if`` is evaluated on the parsed expression when every name in it is undefined or an
integer constant; otherwise the line is macro-expanded first, as C requires
(``#if PAGETABLE_LEVELS > 2`` with ``#define PAGETABLE_LEVELS (CONFIG_X ? 3 : 2)``).
``__has_include`` looks in the tree; ``__has_attribute``/``__has_builtin`` are 0.

Include search, for ``arch`` A (``i386``) and its source arch S (``x86``): ``#include "x"`` first
next to the including file; then, for ``<asm/x.h>``, ``include/asm-A/x.h`` (the 2.6 layout);
then ``arch/A/include``, ``arch/S/include``, ``arch/S/include/generated``, ``include``,
``arch/S/include/uapi``, ``arch/S/include/generated/uapi``, ``include/uapi``,
``include/generated/uapi`` (``include_dirs`` replaces this list); last, ``<asm/x.h>`` falls
back to ``include/asm-generic/x.h`` and ``include/uapi/asm-generic/x.h``, which stand in for
the generated wrappers of a modern tree. Absent directories cost nothing. ``#pragma once`` is honoured; include guards work by
normal evaluation; ``#include_next`` skips the including file itself.

:func:`project` does the same for one text without following includes. With
``partial=True`` it behaves like ``unifdef``: only the configuration's symbols are known,
everything else (other macros, ``#define`` s in the file, constant-only expressions such as
``#if 0``) is unknown, and a conditional is removed only when its value is known. Kept
conditionals and other directives stay verbatim, and the ``#elif``/``#else`` rewriting follows
unifdef 2.10 exactly (an ``#elif`` left first becomes ``#if``, a true ``#elif`` after an
unknown branch becomes ``#else``, the branch after it becomes ``#endif``). Known
differences from unifdef 2.10, which evaluates only ``! < > <= >= == != && || defined`` and
plain integers: we also evaluate arithmetic and bitwise operators, suffixed and character
constants, ``?:`` and ``IS_ENABLED(CONFIG_X)``, so we resolve conditionals it keeps.

Unbalanced conditionals raise :class:`~reviewtool.errors.ConditionError`; a root file that is
not in the tree raises :class:`~reviewtool.errors.TreeError`.

Speed (the results are the same as a plain run, which ``tests/test_memo.py`` checks): an
included header whose recorded reads match is replayed from :mod:`.memo` instead of being
run; the root file's state after the ``#include`` lines of its preamble (before its first
line of code) is kept (:class:`_Snapshot`), and a patched tree whose root differs only below
that point starts from it; a unit already made for the same tree object and configuration is
returned again (a tree's files do not change while it lives).
"""

from __future__ import annotations

import posixpath
import sys
import weakref
import re
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from operator import attrgetter
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple, Sequence

from ..errors import ConditionError, TreeError
from . import _lex
from .config import config_lookup, config_macros
from .expand import MacroError, Token, closing_paren, expand_tokens, tokenize
from .expr import (DEFINED, UNDEFINED, Defined, Unary, evaluate,
                   identifiers, parse_expr)

if TYPE_CHECKING:
    from .memo import MemoEntry

__all__ = ["Macro", "FileVariant", "Unit", "preprocess", "project", "include_dirs_for",
           "MAX_INCLUDE_DEPTH"]

MAX_INCLUDE_DEPTH = 200
MAX_IF_DEPTH = 256
# An #if or #include line is short: one that expands to more than this is a macro bomb, and it
# is met once per configuration, so it must fail fast (reviewtool.limits)
MACRO_IF_MAX_TOKENS = 10_000

_SRCARCH = {"i386": "x86", "x86_64": "x86", "x86": "x86", "sparc64": "sparc",
            "sparc32": "sparc", "ppc": "powerpc", "ppc64": "powerpc", "sh64": "sh",
            "arm64": "arm64", "um": "um"}


_RESOLVED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _weakrefable(obj: object) -> bool:
    try:
        weakref.ref(obj)
    except TypeError:
        return False
    return True


class Macro(NamedTuple):
    """A ``#define``. A named tuple rather than a dataclass: units hold tens of thousands and
    the include memo's pack stores them, and a tuple unpickles twice as fast."""

    name: str
    params: tuple[str, ...] | None = None
    body: str = ""
    variadic: bool = False
    path: str = "<predefined>"
    line: int = 0

    @property
    def function_like(self) -> bool:
        return self.params is not None


class FileVariant:
    """One file of a unit: ``path``, ``text`` (projected), ``kept`` (per line). The text is
    projected when first read; ``FileVariant(path, text, kept)`` also takes it ready-made."""

    __slots__ = ("path", "_projection", "_text", "_kept")

    def __init__(self, path: str, text: "str | _Projection", kept: Sequence[bool] | None = None):
        self.path = path
        if isinstance(text, str):
            self._projection, self._text = None, text
            self._kept = tuple(kept) if kept is not None else ()
        else:
            self._projection, self._text, self._kept = text, None, None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self._projection.text()  # type: ignore[union-attr]
        return self._text

    @property
    def kept(self) -> tuple[bool, ...]:
        if self._kept is None:
            self._kept = tuple(b != 0 for b in self._projection.kept)  # type: ignore[union-attr]
        return self._kept

    @property
    def lines(self) -> list[str]:
        return _lex.split_lines(self.text)

    def keeps_any(self, lines: Sequence[int]) -> bool:
        """Whether any of these (0-based) lines survived."""
        bits = self._projection.kept if self._projection is not None else self._kept
        return any(0 <= i < len(bits) and bits[i] for i in lines)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileVariant) and (self.path, self.text, self.kept) == (
            other.path, other.text, other.kept)

    def __hash__(self) -> int:
        return hash((self.path, self.text))

    def __repr__(self) -> str:
        return f"FileVariant({self.path!r}, {len(self.text)} characters)"


class UnitFiles(SequenceABC):
    """A unit's files, root first, as a sequence of :class:`FileVariant`: each made when first
    asked for (a unit on a real tree reads some 650 headers; a review looks at a few of them,
    and asks for the others' paths only)."""

    __slots__ = ("_tree", "_kept", "_paths", "_made")

    def __init__(self, tree: Any, kept: Mapping[str, "bytes | bytearray | tuple"]):
        self._tree, self._kept, self._paths = tree, kept, tuple(kept)
        self._made: dict[str, FileVariant] = {}

    def paths(self) -> tuple[str, ...]:
        return self._paths

    def get(self, path: str) -> FileVariant | None:
        made = self._made.get(path)
        if made is None:
            if path not in self._kept:
                return None
            made = self._made[path] = FileVariant(path, _Projection(self._tree, path,
                                                                    self._kept[path]))
        return made

    def __len__(self) -> int:
        return len(self._paths)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return tuple(self.get(p) for p in self._paths[index])
        return self.get(self._paths[index])

    def __iter__(self):
        return map(self.get, self._paths)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (UnitFiles, tuple)):
            return NotImplemented
        return tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(self._paths)

    def __repr__(self) -> str:
        return f"UnitFiles({len(self._paths)} files)"


@dataclass(frozen=True)
class Unit:
    path: str
    config: Any
    files: "Sequence[FileVariant]"  # a UnitFiles, or a tuple (a unit rebuilt by replace())
    macros: Mapping[str, Macro]
    definitions: tuple[Macro, ...] = ()
    missing: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    config_words: frozenset[str] = frozenset()  # CONFIG_ names in the #define bodies
    root_definitions: tuple[Macro, ...] | None = None

    def definitions_in(self, path: str) -> Sequence[Macro]:
        """The ``#define`` lines of ``path`` seen in this unit, in order."""
        if path == self.path and self.root_definitions is not None:
            return self.root_definitions  # of a unit's ~25,000, nearly all are the headers'
        return tuple(compress(self.definitions, map(path.__eq__, map(_PATH, self.definitions))))

    @property
    def paths(self) -> tuple[str, ...]:
        """The paths of ``files``, without making their variants."""
        if isinstance(self.files, UnitFiles):
            return self.files.paths()
        return tuple(f.path for f in self.files)

    def file(self, path: str) -> FileVariant | None:
        if isinstance(self.files, UnitFiles):
            return self.files.get(path)
        for f in self.files:
            if f.path == path:
                return f
        return None

    @property
    def root(self) -> FileVariant:
        return self.files[0]


# What the kernel's compiler (GCC 12, as Debian 12 builds 6.1 with, -std=gnu11) predefines
# and headers test: without __GNUC__, linux/compiler_types.h stops at #error "Unknown
# compiler" and none of compiler-gcc.h is seen.
_GCC = {"__GNUC__": "12", "__GNUC_MINOR__": "2", "__GNUC_PATCHLEVEL__": "0", "__STDC__": "1",
        "__STDC_VERSION__": "201112L", "__CHAR_BIT__": "8", "__SIZEOF_INT__": "4",
        "__SIZEOF_LONG_LONG__": "8", "__SIZEOF_SHORT__": "2",
        "__ORDER_LITTLE_ENDIAN__": "1234", "__ORDER_BIG_ENDIAN__": "4321",
        "__ORDER_PDP_ENDIAN__": "3412", "__BYTE_ORDER__": "__ORDER_LITTLE_ENDIAN__",
        "__ELF__": "1", "__linux__": "1"}
_X86_32 = {"__i386__": "1", "__i386": "1", "__ILP32__": "1", "__SIZEOF_LONG__": "4",
           "__SIZEOF_POINTER__": "4"}
_X86_64 = {"__x86_64__": "1", "__x86_64": "1", "__LP64__": "1", "_LP64": "1",
           "__SIZEOF_LONG__": "8", "__SIZEOF_POINTER__": "8"}


def compiler_macros(arch: str, config: Mapping[str, str]) -> dict[str, str]:
    """The compiler's predefined macros for ``arch`` in ``config``: on x86 Kbuild passes -m32
    when CONFIG_X86_32=y and -m64 otherwise; i386 (the 2.6 layout) is always 32-bit."""
    src = _SRCARCH.get(arch, arch)
    if src != "x86":
        return dict(_GCC)
    bits = _X86_32 if arch == "i386" or config.get("CONFIG_X86_32") == "y" else _X86_64
    return {**_GCC, **bits}


def include_dirs_for(arch: str) -> list[str]:
    """The default include path for ``arch`` (see the module manual)."""
    src = _SRCARCH.get(arch, arch)
    dirs = [f"arch/{arch}/include"]
    if src != arch:
        dirs.append(f"arch/{src}/include")
    dirs += [f"arch/{src}/include/generated", "include", f"arch/{src}/include/uapi",
             f"arch/{src}/include/generated/uapi", "include/uapi", "include/generated/uapi"]
    return dirs


def _project_lines(text: str, kept: bytearray | Sequence[int]) -> str:
    lines = _lex.split_lines(text)
    out = [line if k else "" for line, k in zip(lines, kept)]
    result = "\n".join(out)
    if text.endswith("\n") and lines:
        result += "\n"
    return result


class _Fallback(Exception):
    pass


_HAS_INCLUDE = frozenset({"__has_include", "__has_include_next"})
_HAS_ZERO = frozenset({"__has_attribute", "__has_builtin", "__has_cpp_attribute",
                       "__has_feature", "__has_extension", "__has_c_attribute",
                       "__has_declspec_attribute", "__has_warning"})


# The directory of an including file, by its path: the memo checks each header state's
# include resolutions against a tree (thousands per review), each asking it again.
_DIRNAMES: dict[str, str] = {}


class _Engine:
    def __init__(self, tree: Any, config: Mapping[str, str], arch: str,
                 include_dirs: Sequence[str] | None, predefined: Mapping[str, str] | None,
                 follow: bool = True):
        self.tree = tree
        self.arch = arch
        self.follow = follow
        self.dirs = list(include_dirs) if include_dirs is not None else include_dirs_for(arch)
        self.dirs_key = tuple(self.dirs)
        self.macros: dict[str, Macro] = {}
        if predefined is None:
            predefined = {"__KERNEL__": "1", **compiler_macros(arch, config)}
        for name, body in predefined.items():
            self.macros[name] = _macro_from(name, str(body), "<predefined>")
        for name, body in config_macros(config).items():
            self.macros[name] = _config_macro(name, body)
        self.definitions: list[Macro] = []
        self.root: str | None = None  # the unit's root file, and its own #defines
        self.root_definitions: list[Macro] | None = []
        self.config_words: set[str] = set()  # CONFIG_ names the #define bodies mention
        self.kept: dict[str, bytearray | bytes] = {}
        self.missing: list[str] = []
        self.errors: list[str] = []
        self.once: set[str] = set()
        # Include resolution depends only on which files the tree has: shared by every
        # preprocess() of the same tree (a review runs one per configuration and side).
        self.resolved = _RESOLVED.setdefault(tree, {}) if _weakrefable(tree) else {}
        self.values: dict[str, object] = {}
        self.frames: list[_Frame] = []  # the headers being run, innermost last
        self.snapshot: _Snapshot | None = None  # the root's state after its includes
        from .memo import memo_for
        self.memo = memo_for(tree) if follow else None

    # ---------------------------------------------------------------- #if evaluation
    def _value(self, name: str) -> object:
        if self.frames:
            self._read(name)
        m = self.macros.get(name)
        if m is None:
            return UNDEFINED
        if m.params is not None:
            return DEFINED
        body = m.body
        hit = self.values.get(body)
        if hit is None:
            hit = DEFINED
            if body:
                try:
                    e = parse_expr(body)
                except ConditionError:
                    e = None
                if e is not None and not identifiers(e):
                    v = evaluate(e, _undefined)
                    if v is not None:
                        hit = v
            self.values[body] = hit
        return hit

    def test(self, raw: _lex.Raw, path: str) -> bool:
        kw = raw.keyword
        if kw in ("ifdef", "ifndef", "elifdef", "elifndef"):
            name = _lex.first_name(raw.rest)
            if name is None:
                raise ConditionError(f"#{kw} without a macro name", path=path, line=raw.line,
                                     text=raw.text)
            if self.frames:
                self._read(name)
            present = name in self.macros
            return present if kw in ("ifdef", "elifdef") else not present
        text = raw.rest
        try:
            e = parse_expr(text, path, raw.line)
        except ConditionError:
            e = None
        if e is not None:
            v = evaluate(e, self._value)
            if v is not None:
                return v != 0
        return self._slow_test(raw, path)

    def _slow_test(self, raw: _lex.Raw, path: str) -> bool:
        toks = tokenize(raw.rest)
        try:
            pre = self._replace_defined(toks, path)
            expanded = expand_tokens(pre, _Reading(self), max_tokens=MACRO_IF_MAX_TOKENS)
            expanded = self._replace_defined(expanded, path)
            text = " ".join("0" if t.kind == "id" else t.text for t in expanded)
            e = parse_expr(text, path, raw.line)
        except (ConditionError, MacroError) as exc:
            self._error(f"{path}:{raw.line}: cannot evaluate {raw.text!r} "
                        f"({exc.message}); taken as false")
            return False
        v = evaluate(e, _undefined)
        if v is None:
            self._error(f"{path}:{raw.line}: cannot evaluate {raw.text!r} "
                        "(division by zero); taken as false")
            return False
        return v != 0

    def _replace_defined(self, toks: list[Token], path: str) -> list[Token]:
        out: list[Token] = []
        i = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            if t.kind == "id" and t.text == "defined":
                j = i + 1
                paren = j < n and toks[j].text == "("
                if paren:
                    j += 1
                if j >= n or toks[j].kind != "id":
                    raise ConditionError("defined without a macro name", path=path)
                if self.frames:
                    self._read(toks[j].text)
                value = toks[j].text in self.macros
                j += 1
                if paren:
                    if j >= n or toks[j].text != ")":
                        raise ConditionError("missing ')' after defined", path=path)
                    j += 1
                out.append(Token("number", "1" if value else "0", t.space))
                i = j
            elif t.kind == "id" and (t.text in _HAS_INCLUDE or t.text in _HAS_ZERO) \
                    and i + 1 < n and toks[i + 1].text == "(":
                j = closing_paren(toks, i + 1)
                value = False
                if t.text in _HAS_INCLUDE:
                    header = "".join(x.text for x in toks[i + 2:j])
                    value = self.resolve(header, path, t.text.endswith("_next")) is not None
                out.append(Token("number", "1" if value else "0", t.space))
                i = j + 1
            else:
                out.append(t)
                i += 1
        return out

    # ---------------------------------------------------------------- includes
    def resolve(self, target: str, cur: str, nxt: bool = False) -> str | None:
        found = self.resolved_include(target, cur, nxt)
        if self.frames:
            self.frames[-1].resolutions.append((cur, target, nxt, found))
        return found

    def resolved_include(self, target: str, cur: str, nxt: bool = False) -> str | None:
        """Where ``#include target`` in ``cur`` leads (cached per tree; nothing recorded)."""
        here = _DIRNAMES.get(cur)
        if here is None:
            here = _DIRNAMES[cur] = posixpath.dirname(cur)
        key = (self.arch, self.dirs_key, here, target, nxt)
        found = self.resolved.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = self._search(target, cur, here, nxt, self.tree)
            self.resolved[key] = found
        return found

    def resolved_include_on(self, tree: Any, target: str, cur: str,
                            nxt: bool = False) -> str | None:
        """The same, on another tree (the memo checks entries on a patch's base)."""
        if tree is self.tree:
            return self.resolved_include(target, cur, nxt)
        resolved = _RESOLVED.setdefault(tree, {}) if _weakrefable(tree) else {}
        here = posixpath.dirname(cur)
        key = (self.arch, self.dirs_key, here, target, nxt)
        found = resolved.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = resolved[key] = self._search(target, cur, here, nxt, tree)
        return found

    def _search(self, target: str, cur: str, here: str, nxt: bool, tree: Any) -> str | None:
        if len(target) < 2 or target[0] not in "<\"":
            return None
        name = target[1:-1].strip()
        candidates: list[str] = []
        if target[0] == '"':
            candidates.append(posixpath.normpath(posixpath.join(here, name)))
        if name.startswith("asm/"):
            candidates.append(f"include/asm-{self.arch}/{name[4:]}")
        candidates.extend(f"{d}/{name}" for d in self.dirs)
        if name.startswith("asm/"):
            candidates.append(f"include/asm-generic/{name[4:]}")
            candidates.append(f"include/uapi/asm-generic/{name[4:]}")
        exists = getattr(tree, "exists", None) or (lambda p: tree.read(p) is not None)
        for cand in candidates:
            cand = posixpath.normpath(cand)
            if cand.startswith("../") or cand.startswith("/") or cand == "..":
                continue
            if nxt and cand == cur:
                continue
            if exists(cand):
                return cand
        return None

    def include(self, raw: _lex.Raw, path: str, depth: int) -> None:
        target = _lex.include_target(raw.rest)
        if target is None:
            try:
                toks = expand_tokens(tokenize(raw.rest), _Reading(self),
                                     max_tokens=MACRO_IF_MAX_TOKENS)
            except MacroError as exc:
                self._error(f"{path}:{raw.line}: {exc.message}")
                return
            target = _lex.include_target("".join(t.text for t in toks))
            if target is None:
                self._error(f"{path}:{raw.line}: cannot read include {raw.text!r}")
                return
        found = self.resolve(target, path, raw.keyword == "include_next")
        if found is None:
            self._missing(target)
            return
        if self.frames:
            self._read_once(found)
        if found in self.once:
            return
        if depth + 1 > MAX_INCLUDE_DEPTH:
            for frame in self.frames:  # the message depends on the depth: not reusable
                frame.reusable = False
            self._error(f"{path}:{raw.line}: #include nested deeper than {MAX_INCLUDE_DEPTH}")
            return
        if self.memo is None:
            self.run_file(found, self.tree.read(found) or "", depth + 1)
            return
        key = (self.arch, self.dirs_key, found)
        entry = self.memo.find(key, self, room=MAX_INCLUDE_DEPTH - depth - 1)
        if entry is not None:
            self._replay(entry, depth + 1)
            return
        frame = _Frame(depth + 1)
        self.frames.append(frame)
        try:
            self.run_file(found, self.tree.read(found) or "", depth + 1)
        finally:
            self.frames.pop()
        entry = frame.entry(found, self) if frame.reusable else None
        if entry is not None:
            self.memo.add(key, entry)
            if not self.frames:
                self.memo.at_top(entry)
        if self.frames:
            parent = self.frames[-1]
            if len(frame.written) > len(parent.written):  # the header's own set, done with:
                frame.written |= parent.written          # the smaller one goes into the
                parent.written = frame.written           # larger (a dozen levels deep)
            else:
                parent.written |= frame.written
            parent.once_added |= frame.once_added
            parent.deepest = max(parent.deepest, frame.deepest)
            if entry is not None:
                parent.log.append((_CHILD, entry))
            else:
                parent.log.extend(frame.log)
                parent.reusable = False

    # ---------------------------------------------------------------- what a frame records
    # A header's effect on the engine depends only on the macros it reads that were defined
    # before it (and on which files exist and what they hold). While a header runs, a frame
    # records those reads and its effects; the memo replays the effects when the same header
    # is included again with the same values for those reads (in another configuration, on
    # the other side of the patch, or in a later run: see reviewtool.variants.memo).
    def _read(self, name: str) -> None:
        value = self.macros.get(name)
        for frame in reversed(self.frames):
            if name in frame.written or name in frame.reads:
                break
            frame.reads[name] = value

    def _read_all(self, names: Sequence[str], values: Sequence[Any]) -> None:
        """``_read`` of every name a replayed header reads, in set operations: the values
        are the entry's, which the state has (the memo matched them), and a header read
        while others run is usually nested a dozen deep and reads hundreds of names."""
        pending = dict(zip(names, values))
        for frame in reversed(self.frames):
            if not pending:
                break
            for name in (pending.keys() & frame.written) | (pending.keys() & frame.reads.keys()):
                del pending[name]
            frame.reads.update(pending)

    def _read_once(self, path: str) -> None:
        value = path in self.once
        for frame in reversed(self.frames):
            if path in frame.once_added or path in frame.once_reads:
                break
            frame.once_reads[path] = value

    def _error(self, message: str) -> None:
        self.errors.append(message)
        if self.frames:
            self.frames[-1].log.append((_ERROR, message))

    def _missing(self, target: str) -> None:
        if target not in self.missing:
            self.missing.append(target)
        if self.frames:
            self.frames[-1].log.append((_MISSING, target))

    def _replay(self, entry: "MemoEntry", depth: int) -> None:
        if self.frames:
            self._read_all(entry.names, entry.values)
            for path, _ in entry.once:
                self._read_once(path)
            parent = self.frames[-1]
            parent.deepest = max(parent.deepest, depth + entry.span)
            parent.written |= self.memo.written(entry)
            parent.log.append((_CHILD, entry))
        else:
            self.memo.at_top(entry)
        self._apply(entry)

    def _apply(self, entry: "MemoEntry") -> None:
        defined, undefined, definitions, kept_lines, rest, words = self.memo.flat(entry)
        self.config_words |= words
        if self.root in kept_lines:  # the root included from a header: its #defines replayed
            self.root_definitions = None
        macros = self.macros
        for name in undefined:
            macros.pop(name, None)
        macros.update(defined)
        self.definitions.extend(definitions)
        kept_map = self.kept
        again = kept_map.keys() & kept_lines.keys()
        if again:
            # a file included again (a guarded header runs again and keeps its comment lines
            # before the guard): a line kept by either inclusion
            before = {path: kept_map[path] for path in again}
            kept_map.update(kept_lines)
            for path in again:
                kept_map[path] = _either(before[path], kept_lines[path])
        else:
            kept_map.update(kept_lines)
        for event in rest:
            tag = event[0]
            if tag == _ONCE:
                self.once.add(event[1])
                self.memo.pragma_once.add(event[1])
            elif tag == _MISSING:
                if event[1] not in self.missing:
                    self.missing.append(event[1])
            elif tag == _ERROR:
                self.errors.append(event[1])

    # ---------------------------------------------------------------- the walk
    def run_file(self, path: str, text: str, depth: int = 0, snapshot_at: int = -1,
                 resume: "_Snapshot | None" = None) -> None:
        """Walk one file. For the root of a unit, ``snapshot_at`` names the directive before
        which the walk's state is kept (:class:`_Snapshot`), and ``resume`` starts from such
        a state instead of from the top."""
        raws, nlines = _lex.directives(text)
        kept = self.kept.get(path)
        if type(kept) is not bytearray:  # anything else is shared (snapshot, memo entry)
            kept = self.kept[path] = bytearray(nlines) if kept is None else _lines(kept)
        frame = self.frames[-1] if self.frames else None
        ranges: list[tuple[int, int]] = []
        if frame is not None:
            # logged before the nested includes (filled as the walk goes): a replay must
            # meet the files in the order of first inclusion, as a run does
            frame.log.append((_KEPT, path, nlines, ranges))
            frame.files.append(path)
        stack: list[list[Any]] = []   # [outer active, taken, seen else, raw]
        active = True
        pos = 1
        start = 0
        if resume is not None:
            stack = [list(f) for f in resume.stack]
            active, pos, start = resume.active, resume.pos, resume.index
            ranges.extend(resume.ranges)
        for index in range(start, len(raws)):
            raw = raws[index]
            if index == snapshot_at:
                self.snapshot = _Snapshot.take(self, text, raws, index, stack, active, pos,
                                               ranges)
            if active and raw.line > pos:
                ranges.append((pos - 1, raw.line - 1))
            pos = raw.end_line + 1
            kind = raw.kind
            if kind == "if" or kind == "ifdef" or kind == "ifndef":
                if active:
                    value = self.test(raw, path)
                    stack.append([True, value, False, raw])
                    active = value
                else:
                    stack.append([False, True, False, raw])
                if len(stack) > MAX_IF_DEPTH:
                    raise ConditionError(f"#if nested deeper than {MAX_IF_DEPTH}", path=path,
                                         line=raw.line, text=raw.text)
            elif kind == "elif":
                if not stack:
                    raise ConditionError("#elif without #if", path=path, line=raw.line,
                                         text=raw.text)
                frame_ = stack[-1]
                if frame_[2]:
                    raise ConditionError("#elif after #else", path=path, line=raw.line,
                                         text=raw.text)
                if frame_[0] and not frame_[1]:
                    value = self.test(raw, path)
                    frame_[1] = value
                    active = value
                else:
                    active = False
            elif kind == "else":
                if not stack:
                    raise ConditionError("#else without #if", path=path, line=raw.line,
                                         text=raw.text)
                frame_ = stack[-1]
                if frame_[2]:
                    raise ConditionError("#else after #else", path=path, line=raw.line,
                                         text=raw.text)
                frame_[2] = True
                active = frame_[0] and not frame_[1]
                frame_[1] = True
            elif kind == "endif":
                if not stack:
                    raise ConditionError("unbalanced #endif", path=path, line=raw.line,
                                         text=raw.text)
                active = stack.pop()[0]
            elif not active:
                continue
            elif kind == "define":
                m = _define(path, raw)
                if m is None:
                    self._error(f"{path}:{raw.line}: #define without a name")
                    continue
                self.macros[m.name] = m
                self.definitions.append(m)
                if path == self.root and self.root_definitions is not None:
                    self.root_definitions.append(m)
                if "CONFIG_" in m.body:
                    self.config_words |= config_words_of(m.body)
                if frame is not None:
                    frame.written.add(m.name)
                    frame.log.append((_DEFINE, m))
            elif kind == "undef":
                name = _lex.first_name(raw.rest)
                if name is not None:
                    self.macros.pop(name, None)
                    if frame is not None:
                        frame.written.add(name)
                        frame.log.append((_UNDEF, name))
            elif kind == "include":
                if self.follow:
                    self.include(raw, path, depth)
            elif kind == "error":
                self._error(f"{path}:{raw.line}: {raw.text}")
            elif kind == "pragma":
                if raw.rest.strip() == "once":
                    self.once.add(path)
                    if self.memo is not None:
                        self.memo.pragma_once.add(path)
                    if frame is not None:
                        frame.once_added.add(path)
                        frame.log.append((_ONCE, path))
        if stack:
            raw = stack[-1][3]
            raise ConditionError(f"#{raw.keyword} without #endif", path=path, line=raw.line,
                                 text=raw.text)
        if pos <= nlines:
            ranges.append((pos - 1, nlines))
        for lo, hi in ranges:
            kept[lo:hi] = b"\x01" * (hi - lo)

    def variants(self) -> UnitFiles:
        return UnitFiles(self.tree, self.kept)


# Events of a frame's log, replayed in order
_DEFINE, _UNDEF, _KEPT, _CHILD, _MISSING, _ERROR, _ONCE = range(7)
_UNSEEN = object()


class _Frame:
    """What one header (and the headers it includes) read and did; see ``_Engine._read``."""

    __slots__ = ("reads", "once_reads", "written", "once_added", "log", "files", "resolutions",
                 "reusable", "depth", "deepest")

    def __init__(self, depth: int = 0) -> None:
        self.depth = self.deepest = depth  # the header's include depth, the deepest below it
        self.reads: dict[str, Macro | None] = {}
        self.once_reads: dict[str, bool] = {}
        self.written: set[str] = set()
        self.once_added: set[str] = set()
        self.log: list[tuple] = []
        self.files: list[str] = []
        self.resolutions: list[tuple[str, str, bool, str | None]] = []
        self.reusable = True

    def entry(self, path: str, engine: "_Engine") -> "MemoEntry | None":
        from .memo import MemoEntry, file_version
        versions = []
        for name in self.files:
            version = file_version(engine.tree, name)
            if version is None:
                return None
            versions.append((name, version))
        # Whether a file is in the #pragma once set can only be true for a file that has the
        # pragma; every file asked about was run (or replayed) here or before, so a file not
        # known to have it never will: only the others are worth checking again.
        once = tuple((p, v) for p, v in self.once_reads.items() if p in engine.memo.pragma_once)
        intern = sys.intern  # the pack pickles each distinct string object once
        return MemoEntry.make(intern(path), tuple(map(intern, self.reads)),
                              tuple(self.reads.values()), once, tuple(self.log),
                              tuple((intern(p), v) for p, v in versions),
                              tuple((intern(c), intern(t), n, f if f is None else intern(f))
                                    for c, t, n, f in self.resolutions),
                              self.deepest - self.depth)


class _Reading:
    """The engine's macro table as the expander sees it, recording every name it looks up."""

    def __init__(self, engine: "_Engine"):
        self.engine = engine

    def get(self, name: str, default: Any = None) -> Any:
        if self.engine.frames:
            self.engine._read(name)
        return self.engine.macros.get(name, default)

    def __contains__(self, name: object) -> bool:
        return self.get(name) is not None  # type: ignore[arg-type]

    def __getitem__(self, name: str) -> Any:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found


class _Projection:
    """The projected text of a file, computed when first asked for: a unit reads hundreds of
    headers, and most of them are never looked at."""

    __slots__ = ("tree", "path", "_kept", "_text")

    def __init__(self, tree: Any, path: str, kept: "bytes | bytearray | tuple"):
        self.tree, self.path, self._kept, self._text = tree, path, kept, None

    @property
    def kept(self) -> "bytes | bytearray":
        if type(self._kept) is tuple:
            self._kept = _lines(self._kept)
        return self._kept

    def text(self) -> str:
        if self._text is None:
            self._text = _project_lines(self.tree.read(self.path) or "", self.kept)
        return self._text


_DEFINES: dict[tuple[str, int, str], Macro | None] = {}


def _define(path: str, raw: _lex.Raw) -> Macro | None:
    """The macro a ``#define`` line makes, one object per distinct line (the memo compares
    macro values, and the same object compares fastest)."""
    key = (path, raw.line, raw.rest)
    try:
        return _DEFINES[key]
    except KeyError:
        pass
    parsed = _lex.parse_define(raw.rest)
    m = None if parsed is None else Macro(parsed[0], parsed[1], parsed[3], parsed[2], path,
                                         raw.line)
    if len(_DEFINES) > 500_000:
        _DEFINES.clear()
    _DEFINES[key] = m
    return m


# A file's kept lines, as a unit's walk holds them: a bytearray of 0 and 1 per line (a file
# walked here), bytes (the same, shared with a snapshot), or, from a replayed header, a tuple
# ``(line count, ranges, ranges...)`` of the (start, end) line ranges each inclusion kept.
# A unit reads some 650 headers and a review looks at the text of a few: the ranges are set
# into a byte per line only for a file walked again or projected (``_lines``).

def _lines(kept: "bytes | bytearray | tuple") -> bytearray:
    """Kept lines as a bytearray of 0 and 1 (a new one: the argument may be shared)."""
    if type(kept) is not tuple:
        return bytearray(kept)
    lines = bytearray(kept[0])
    for ranges in kept[1:]:
        for lo, hi in ranges:
            lines[lo:hi] = b"\x01" * (hi - lo)
    return lines


def _either(a: "bytes | bytearray | tuple | None", b: tuple) -> "bytes | bytearray | tuple":
    """The kept lines of two inclusions of one file: a line kept by either (``b`` from a
    replayed header)."""
    if a is None or a is b:
        return b if a is None else a
    if type(a) is tuple:
        return a + b[1:] if a[0] == b[0] else a
    if len(a) != b[0]:
        return a
    lines = a if type(a) is bytearray else bytearray(a)
    for ranges in b[1:]:
        for lo, hi in ranges:
            lines[lo:hi] = b"\x01" * (hi - lo)
    return lines


_CONFIG_WORD = re.compile(r"\bCONFIG_\w+")
@lru_cache(maxsize=200_000)
def config_words_of(body: str) -> frozenset[str]:
    """The CONFIG_ names a #define body mentions (each body read once per process)."""
    return frozenset(_CONFIG_WORD.findall(body))


_CONFIG_MACROS: dict[tuple[str, str], Macro] = {}


def _config_macro(name: str, body: str) -> Macro:
    key = (name, body)
    m = _CONFIG_MACROS.get(key)
    if m is None:
        m = _CONFIG_MACROS[key] = Macro(name, None, body, False, "<config>", 0)
    return m


def _undefined(name: str) -> object:
    return UNDEFINED


def _macro_from(name: str, body: str, path: str) -> Macro:
    """A predefined macro; ``NAME(a,b)`` as the name makes it function-like."""
    parsed = _lex.parse_define(f"{name} {body}")
    if parsed is None:
        return Macro(name, None, body, False, path, 0)
    pname, params, variadic, pbody = parsed
    return Macro(pname, params, pbody, variadic, path, 0)


class _Snapshot:
    """The state of a unit's walk just after the #include lines of the root file's preamble:
    the macro table and everything else the headers left. The other side of a patch to a .c file has the same
    root text up to there (the hunk is below the includes) and the same headers, so it starts
    from here instead of replaying every header again."""

    __slots__ = ("tree", "prefix", "last", "index", "stack", "active", "pos", "ranges",
                 "macros", "kept", "definitions", "root_definitions", "config_words", "missing",
                 "errors", "once")

    @classmethod
    def take(cls, engine: "_Engine", text: str, raws, index: int, stack, active: bool,
             pos: int, ranges) -> "_Snapshot":
        snap = cls()
        snap.tree = weakref.ref(engine.tree)
        last = raws[index - 1]
        offset = 0
        for _ in range(last.end_line):  # the text up to the end of the last #include line
            offset = text.find("\n", offset) + 1
            if offset == 0:
                offset = len(text)
                break
        snap.prefix, snap.last, snap.index = text[:offset], last, index
        snap.stack = [list(f) for f in stack]
        snap.active, snap.pos, snap.ranges = active, pos, tuple(ranges)
        # copy(), not dict(): dict() copies a table with holes (#undef) item by item, 5x slower
        snap.macros = engine.macros.copy()
        snap.kept = {p: bytes(k) if isinstance(k, bytearray) else k
                     for p, k in engine.kept.items()}
        snap.definitions = list(engine.definitions)
        snap.root_definitions = (None if engine.root_definitions is None
                                 else tuple(engine.root_definitions))
        snap.config_words = set(engine.config_words)
        snap.missing, snap.errors = list(engine.missing), list(engine.errors)
        snap.once = set(engine.once)
        return snap

    def fits(self, tree: Any, path: str, text: str, raws) -> bool:
        """Whether ``tree`` (a patched tree whose base is the snapshot's) and its root text
        lead to this state."""
        from .memo import patched_base
        base, changed = patched_base(tree)
        if base is None or base is not self.tree():
            return False
        if not text.startswith(self.prefix) or len(raws) <= self.index \
                or raws[self.index - 1] != self.last:
            return False
        return not any(p in self.kept for p in changed if p != path)

    def restore(self, engine: "_Engine", path: str) -> None:
        engine.macros = self.macros.copy()
        # the root stays first; its lines are counted again (its length differs): run_file
        # makes its line map where this placeholder is
        kept: dict[str, Any] = {path: None}
        kept.update(self.kept)
        kept[path] = None
        engine.kept = kept
        engine.definitions = list(self.definitions)
        engine.root_definitions = (None if self.root_definitions is None
                                   else list(self.root_definitions))
        engine.config_words = set(self.config_words)
        engine.missing, engine.errors = list(self.missing), list(self.errors)
        engine.once = set(self.once)


_PATH = attrgetter("path")

_SNAPSHOTS: dict[tuple, _Snapshot] = {}
MAX_SNAPSHOTS = 64  # each holds a unit's macro table

# Units already made, per tree object (a weak reference: the tree's id alone could be reused
# once it is gone): a tree's files do not change while it lives, so the same unit in the same
# configuration is the same. A one-shot review rarely asks twice; the server (reviewtool.server)
# keeps its trees between requests and raises the bound, and the pre-image's units of a file
# reviewed again cost nothing.
_UNITS: dict[tuple, tuple] = {}
MAX_UNITS = 64  # each holds a unit's macro table


def _after_includes(text: str, raws) -> int:
    """Index of the directive after the last #include of the root file's preamble (the
    includes before its first line of code), -1 when there is none worth it. A patch's hunks
    nearly always lie below the preamble; an #include further down (pgtable.c includes
    <linux/slab.h> at line 360) is walked again on the other side, from here."""
    lines = None
    found = -1
    previous_end = 0
    for index, raw in enumerate(raws):
        if raw.line > previous_end + 1:
            if lines is None:
                lines = _lex.split_lines(text)
            if any(_is_code(line) for line in lines[previous_end:raw.line - 1]):
                break
        if raw.kind == "include":
            found = index + 1
        previous_end = raw.end_line
    return found if 0 < found < len(raws) else -1


def _is_code(line: str) -> bool:
    """A line that is neither blank nor (by kernel style) part of a comment."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("/*", "*", "//"))


def preprocess(tree: Any, path: str, config: Mapping[str, str], arch: str = "i386",
               include_dirs: Sequence[str] | None = None,
               predefined: Mapping[str, str] | None = None) -> Unit:
    """Preprocess the unit rooted at ``path`` under ``config`` (see the module manual)."""
    text = tree.read(path)
    if text is None:
        raise TreeError("no such file in the tree", path=path)
    from .memo import memo_for
    key = None
    if include_dirs is None and predefined is None and memo_for(tree) is not None:
        key = (path, tuple(sorted(config.items())), arch)
        done = _UNITS.get((id(tree),) + key)
        if done is not None and done[0]() is tree:
            return done[1]
    engine = _Engine(tree, config, arch, include_dirs, predefined)
    engine.root = path
    raws, _ = _lex.directives(text)
    snap = None
    base = getattr(tree, "base", None)  # a patched tree: its base's snapshot (fits() checks)
    if key is not None and base is not None:
        snap = _SNAPSHOTS.get((id(base),) + key)
    if snap is not None and snap.fits(tree, path, text, raws):
        snap.restore(engine, path)
        engine.run_file(path, text, resume=snap)
    else:
        at = _after_includes(text, raws) if key is not None else -1
        engine.run_file(path, text, snapshot_at=at)
        if key is not None and engine.snapshot is not None:
            # kept per tree: a patched side that could not start from its base's snapshot
            # must not push that snapshot out (the server reviews the same base again)
            mine = (id(tree),) + key
            _SNAPSHOTS.pop(mine, None)
            _SNAPSHOTS[mine] = engine.snapshot
            if len(_SNAPSHOTS) > MAX_SNAPSHOTS:
                del _SNAPSHOTS[next(iter(_SNAPSHOTS))]
    # the engine ends here: its table becomes the unit's, read-only, without a copy
    unit = Unit(path, config, engine.variants(), MappingProxyType(engine.macros),
                tuple(engine.definitions), tuple(engine.missing), tuple(engine.errors),
                frozenset(engine.config_words),
                None if engine.root_definitions is None else tuple(engine.root_definitions))
    if key is not None and MAX_UNITS:
        _UNITS[(id(tree),) + key] = (weakref.ref(tree), unit)
        while len(_UNITS) > MAX_UNITS:
            del _UNITS[next(iter(_UNITS))]
    return unit


# -------------------------------------------------------------------------------------------
# project()
# -------------------------------------------------------------------------------------------

class _NoTree:
    def read(self, path: str) -> None:
        return None


def project(text: str, config: Mapping[str, str], path: str = "<input>",
            partial: bool = False) -> str:
    """``text`` projected on ``config``, one file, no includes (see the module manual)."""
    if not partial:
        engine = _Engine(_NoTree(), config, "i386", [], None, follow=False)
        engine.run_file(path, text)
        return _project_lines(text, engine.kept[path])
    return _unifdef(text, config, path)


# unifdef's states
(OUTSIDE, FALSE_PREFIX, TRUE_PREFIX, PASS_MIDDLE, FALSE_MIDDLE, TRUE_MIDDLE, PASS_ELSE,
 FALSE_ELSE, TRUE_ELSE, FALSE_TRAILER) = range(10)
_PRINTING = frozenset({OUTSIDE, TRUE_PREFIX, PASS_MIDDLE, TRUE_MIDDLE, PASS_ELSE, TRUE_ELSE})
_KEYWORD = re.compile(r"^([ \t\f\v]*#[ \t\f\v]*)([A-Za-z_]\w*)(.*)$")


def _classify(raw: _lex.Raw, lookup: Any, path: str) -> int | None:
    """1 true, 0 false, None unknown -- unifdef's view of a conditional."""
    kw = raw.keyword
    try:
        if kw in ("ifdef", "ifndef", "elifdef", "elifndef"):
            name = _lex.first_name(raw.rest)
            if name is None:
                raise ConditionError(f"#{kw} without a macro name", path=path,
                                     line=raw.line, text=raw.text)
            e = Defined(name) if kw in ("ifdef", "elifdef") else Unary("!", Defined(name))
        else:
            e = parse_expr(raw.rest, path, raw.line)
    except ConditionError:
        return None
    if not identifiers(e):
        return None           # unifdef leaves constant-only expressions alone (no -k)
    v = evaluate(e, lookup)
    if v is None:
        return None
    return 1 if v else 0


def _unifdef(text: str, config: Mapping[str, str], path: str) -> str:
    raws, nlines = _lex.directives(text)
    lines = _lex.split_lines(text)
    out = [""] * nlines
    lookup = config_lookup(config, partial=True)
    stack: list[list[Any]] = []     # [state, raw]
    state = OUTSIDE
    pos = 1

    def keep(lo: int, hi: int) -> None:
        out[lo - 1:hi] = lines[lo - 1:hi]

    def edit(raw: _lex.Raw, keyword: str, keep_rest: bool) -> None:
        m = _KEYWORD.match(lines[raw.line - 1])
        if not m:
            keep(raw.line, raw.end_line)
            return
        if keep_rest:
            out[raw.line - 1] = m.group(1) + keyword + m.group(3)
            keep(raw.line + 1, raw.end_line)
        else:
            out[raw.line - 1] = m.group(1) + keyword

    for raw in raws:
        if state in _PRINTING and raw.line > pos:
            keep(pos, raw.line - 1)
        pos = raw.end_line + 1
        kind = raw.kind
        if kind in ("if", "ifdef", "ifndef"):
            if state in _PRINTING:
                v = _classify(raw, lookup, path)
                if v is None:
                    keep(raw.line, raw.end_line)
                    new = PASS_MIDDLE
                else:
                    new = TRUE_PREFIX if v else FALSE_PREFIX
            else:
                new = FALSE_TRAILER
            stack.append([state, raw])
            if len(stack) > MAX_IF_DEPTH:
                raise ConditionError(f"#if nested deeper than {MAX_IF_DEPTH}", path=path,
                                     line=raw.line, text=raw.text)
            state = new
        elif kind == "elif":
            if state == OUTSIDE:
                raise ConditionError("#elif without #if", path=path, line=raw.line,
                                     text=raw.text)
            if state in (PASS_ELSE, FALSE_ELSE, TRUE_ELSE):
                raise ConditionError("#elif after #else", path=path, line=raw.line,
                                     text=raw.text)
            if state in (TRUE_PREFIX, FALSE_TRAILER):
                state = FALSE_TRAILER
            elif state == TRUE_MIDDLE:
                edit(raw, "endif", False)
                state = FALSE_TRAILER
            else:
                v = _classify(raw, lookup, path)
                if state == FALSE_PREFIX:
                    if v is None:
                        kw = raw.keyword
                        if kw == "elif":
                            edit(raw, "if  ", True)
                        else:
                            edit(raw, kw[3:], True)
                        state = PASS_MIDDLE
                    elif v:
                        state = TRUE_PREFIX
                else:  # PASS_MIDDLE, FALSE_MIDDLE
                    if v is None:
                        keep(raw.line, raw.end_line)
                        state = PASS_MIDDLE
                    elif v:
                        edit(raw, "else", False)
                        state = TRUE_MIDDLE
                    else:
                        state = FALSE_MIDDLE
        elif kind == "else":
            if state == OUTSIDE:
                raise ConditionError("#else without #if", path=path, line=raw.line,
                                     text=raw.text)
            if state in (PASS_ELSE, FALSE_ELSE, TRUE_ELSE):
                raise ConditionError("#else after #else", path=path, line=raw.line,
                                     text=raw.text)
            if state == FALSE_PREFIX:
                state = TRUE_ELSE
            elif state in (TRUE_PREFIX, FALSE_TRAILER):
                state = FALSE_ELSE
            elif state in (PASS_MIDDLE, FALSE_MIDDLE):
                keep(raw.line, raw.end_line)
                state = PASS_ELSE
            else:  # TRUE_MIDDLE
                edit(raw, "endif", False)
                state = FALSE_ELSE
        elif kind == "endif":
            if state == OUTSIDE:
                raise ConditionError("unbalanced #endif", path=path, line=raw.line,
                                     text=raw.text)
            if state in (PASS_MIDDLE, FALSE_MIDDLE, TRUE_MIDDLE, PASS_ELSE):
                keep(raw.line, raw.end_line)
            state = stack.pop()[0]
        elif state in _PRINTING:
            keep(raw.line, raw.end_line)
    if stack:
        raw = stack[-1][1]
        raise ConditionError(f"#{raw.keyword} without #endif", path=path, line=raw.line,
                             text=raw.text)
    if pos <= nlines:
        keep(pos, nlines)
    result = "\n".join(out)
    if text.endswith("\n") and nlines:
        result += "\n"
    return result
