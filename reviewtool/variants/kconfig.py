"""Kconfig constraints, read with kconfiglib, as ``#if``-style expressions.

:func:`read_kconfig` parses the tree's Kconfig -- the top-level ``Kconfig`` when the tree has
one (it sources ``arch/$SRCARCH/Kconfig``), else ``arch/ARCH/Kconfig`` (the 2.6 layout, where
the architecture's file was the top of the menu) -- and returns a :class:`KconfigModel`, or
``None`` when the tree has neither. Files are read through ``tree.read`` (an overlay tree with
a patched Kconfig is seen as patched); a ``source`` of a file missing from the tree reads as an
empty file and adds a warning, so a sample tree with a few Kconfig files still loads.
``srctree``, ``ARCH``, ``SRCARCH`` and ``KERNELVERSION`` are set only while parsing and restored
afterwards; Kconfig's ``$(shell,...)`` is never run (it expands to ``n``, with a warning, which
keeps ``def_bool $(success,...)`` lines of Linux 5.x/6.x parseable) and no ``kconfigfunctions``
module is imported. The ``modules`` attribute of Linux 5.16+ is read as the ``option modules``
kconfiglib 14 knows, so the whole Linux 6.1 Kconfig (16,000 symbols) loads in about 1.5 s.
A kconfiglib error becomes one :class:`~reviewtool.errors.KconfigError` line.

Each ``config`` becomes a :class:`KSymbol`:

* ``name`` with its ``CONFIG_`` prefix, ``type`` (bool, tristate, int, hex, string; unknown for
  a symbol only referenced),
* ``depends`` -- the direct dependencies (``depends on`` plus enclosing ``if``/``menu``/
  ``choice``) as an expression over ``CONFIG_`` names that
  :func:`~reviewtool.variants.expr.evaluate` understands with
  :func:`~reviewtool.variants.config.config_lookup`: a bool ``X`` is ``defined(CONFIG_X)``, a
  tristate ``IS_ENABLED(CONFIG_X)``, ``X = m`` ``defined(CONFIG_X_MODULE)``, ``N >= 3``
  ``CONFIG_N >= 3``; a string comparison is an unknown call,
* ``choice`` -- the choice it belongs to (its name, or ``file:line`` of an unnamed choice),
* ``defaults`` -- the constant values its ``default`` lines can give, in order, with
  ``default_rules`` the (value, condition) pairs themselves,
* ``prompt`` -- whether the user can set it; ``selected_by`` -- when a ``select`` forces it.

:meth:`KconfigModel.allows` checks a *partial* assignment (a
:class:`~reviewtool.variants.config.Configuration`); symbols it does not assign are free. It
first extends the assignment with what it forces (:meth:`KconfigModel.implied`, unit
propagation over bool symbols: ``X86_PAE=y`` forces the literals of its ``depends``,
``X86_32=y`` and so ``64BIT=n``; a bool whose dependencies became false is ``n``; a bool
without prompt whose default is decided takes it), so on Linux 6.1 ``X86_PAE=y`` with
``PGTABLE_LEVELS=5`` is refuted although ``X86_5LEVEL`` was never assigned. Then it answers:

* ``False`` when it is refuted: a symbol ``y``/``m`` whose dependencies are false, a bool
  symbol ``m``, a symbol ``n`` that a true ``select`` forces on, two members of one choice
  ``y``, all members of a mandatory bool choice assigned ``n`` while the choice is visible, or
  a symbol without a prompt assigned a value its defaults cannot give (``PAGE_OFFSET`` is
  ``0xC0000000`` unless a ``VMSPLIT_*`` choice member says otherwise);
* ``True`` when every rule is decided and holds; ``None`` when some rule depends on free
  symbols.

:meth:`KconfigModel.domain` gives the values to enumerate: ``("y", "n")`` for bool (and for a
symbol Kconfig does not know), ``("y", "m", "n")`` for tristate, the distinct defaults for
int/hex/string.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import io
import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from ..cache import cache_root, code_digest, load, save
from ..errors import KconfigError
from .config import int_value, lookup_over
from .expr import (FALSE, TRUE, Binary, Call, Defined, Expr, Ident, Num, Unary, conj, disj,
                   evaluate, identifiers, negate)

__all__ = ["KSymbol", "KconfigModel", "read_kconfig", "kconfig_from_text"]


@dataclass(frozen=True)
class KSymbol:
    name: str
    type: str
    depends: Expr = TRUE
    choice: str | None = None
    defaults: tuple[str, ...] = ()
    prompt: bool = False
    default_rules: tuple[tuple[Expr, Expr], ...] = ()
    selected_by: Expr = FALSE
    path: str | None = None
    line: int | None = None


# What a model answered (its cones, which assignments it allows, derived defaults), per model:
# a review asks the same questions for every class, and the server for every request on the
# same tree. Keyed by the model's digest (or its id, with the model in the entry so that the
# id stays its own).
_ANSWERS: dict[Any, tuple[Any, dict]] = {}
MAX_ANSWERED_MODELS = 32
MAX_ANSWERS = 20_000


def answers(model: Any) -> dict:
    """The dictionary of remembered answers of ``model`` (callers choose their keys)."""
    digest = getattr(model, "digest", "")
    key = digest or id(model)
    entry = _ANSWERS.pop(key, None)
    if entry is None or (not digest and entry[0] is not model):
        entry = (model, {})
    _ANSWERS[key] = entry  # most recently asked last: the tree's own model stays
    while len(_ANSWERS) > MAX_ANSWERED_MODELS:
        del _ANSWERS[next(iter(_ANSWERS))]
    if len(entry[1]) > MAX_ANSWERS:
        entry[1].clear()
    return entry[1]


# Answers kept in the cache directory (one small file each, under kconfig/answers/), for the
# questions a review asks once (its configuration classes, their derived defaults): keyed by
# the model's digest, the question and the code that answers it. A server's first review of a
# file, or of the same file in a git revision of the tree, then reads them (the fault.c
# patch's: 0.02-0.05 s of Kconfig evaluation).
_ANSWER_CODE = ("variants/kconfig.py", "variants/defaults.py", "variants/classes.py",
                "variants/expr.py", "variants/config.py")
MAX_ANSWER_FILES = 4000


def remembered(model: Any, key: tuple, compute: Any) -> Any:
    """``answers(model)[key]``, else what the cache directory holds for the model and
    ``key``, else ``compute()`` (then kept there). ``key`` must print the same in every
    process (tuples of strings and numbers: no sets)."""
    memo = answers(model)
    if key in memo:
        return memo[key]
    path = _answer_path(model, key)
    if path is not None:
        stored = load(path)
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key:
            try:
                os.utime(path)  # recently used: pruned last
            except OSError:
                pass
            memo[key] = stored[1]
            return stored[1]
    found = memo[key] = compute()
    if path is not None and save(path, (key, found)):
        _prune(path.parent)
    return found


def _answer_path(model: Any, key: tuple) -> Path | None:
    digest = getattr(model, "digest", "")
    root = cache_root()
    if not digest or root is None:
        return None
    name = hashlib.sha256(code_digest(*_ANSWER_CODE) + digest.encode()
                          + repr(key).encode("utf-8", "surrogateescape")).hexdigest()
    return root / "kconfig" / "answers" / f"{name}.pickle"


def _prune(directory: Path) -> None:
    """Keep the ``MAX_ANSWER_FILES`` most recently used answers (checked on one write in 64)."""
    if secrets.randbelow(64):
        return
    try:
        found = [(entry.stat().st_mtime, entry.path) for entry in os.scandir(directory)]
    except OSError:
        return
    for _, path in sorted(found)[:max(len(found) - MAX_ANSWER_FILES, 0)]:
        try:
            os.unlink(path)
        except OSError:
            pass


@dataclass(frozen=True)
class KChoice:
    name: str
    type: str
    optional: bool
    depends: Expr
    members: tuple[str, ...]


@dataclass(frozen=True)
class KconfigModel:
    symbols: Mapping[str, KSymbol]
    choices: Mapping[str, tuple[str, ...]]
    warnings: tuple[str, ...] = ()
    choice_info: Mapping[str, KChoice] = field(default_factory=dict)
    path: str | None = None
    readers: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False,
                                                   compare=False)
    files: tuple[str, ...] = field(default=(), repr=False, compare=False)  # Kconfig files read
    # what the model was read from (the arch, and the path and content of every file read):
    # models of equal digests are the same model (a directory and a git revision of one tree)
    # and share their answers, in the process and in the cache directory; "" for none
    digest: str = field(default="", repr=False, compare=False)

    def restricted(self, names: Iterable[str], depth: int = 2) -> "KconfigModel":
        """The model cut down to ``names`` and the symbols their rules mention, ``depth``
        levels deep: symbols outside are free. On a modern tree (16,000 symbols) this keeps
        :meth:`allows` to the cone that can matter instead of the whole Kconfig."""
        memo = answers(self)
        key = ("restricted", frozenset(names), depth)
        found = memo.get(key)
        if found is None:
            found = memo[key] = self._restricted(key[1], depth)
        return found

    def _restricted(self, names: frozenset[str], depth: int) -> "KconfigModel":
        keep = {n for n in names if n in self.symbols}
        frontier = set(keep)
        for _ in range(depth):
            grown: set[str] = set()
            for name in frontier:
                sym = self.symbols[name]
                mentioned = set(identifiers(sym.depends)) | set(identifiers(sym.selected_by))
                for value, cond in sym.default_rules:
                    mentioned |= identifiers(value) | identifiers(cond)
                for other in mentioned:
                    if other.endswith("_MODULE") and other[:-7] in self.symbols:
                        other = other[:-7]
                    if other in self.symbols and other not in keep:
                        grown.add(other)
            keep |= grown
            frontier = grown
        choices = {c: m for c, m in self.choices.items() if set(m) & keep}
        for members in choices.values():
            keep |= {m for m in members if m in self.symbols}
        symbols = {n: self.symbols[n] for n in keep}
        readers = {n: tuple(r for r in rs if r in keep)
                   for n, rs in self.readers.items() if n in keep}
        infos = {c: i for c, i in self.choice_info.items() if c in choices}
        digest = ""
        if self.digest:
            digest = hashlib.sha256("\0".join([self.digest, "restricted", str(depth)]
                                               + sorted(names)).encode()).hexdigest()
        return KconfigModel(MappingProxyType(symbols), MappingProxyType(choices), self.warnings,
                            MappingProxyType(infos), self.path, MappingProxyType(readers),
                            digest=digest)

    def symbol(self, name: str) -> KSymbol | None:
        if not name.startswith("CONFIG_"):
            name = "CONFIG_" + name
        return self.symbols.get(name)

    def domain(self, name: str) -> tuple[str, ...]:
        sym = self.symbol(name)
        if sym is None or sym.type in ("bool", "unknown"):
            return ("y", "n")
        if sym.type == "tristate":
            return ("y", "m", "n")
        seen: list[str] = []
        keys: set[Any] = set()
        for value in sym.defaults:
            key = int_value(value) if sym.type in ("int", "hex") else value
            if key is None:
                key = value
            if key not in keys:
                keys.add(key)
                seen.append(value)
        return tuple(seen)

    def implied(self, config: Mapping[str, str]) -> dict[str, str] | None:
        """``config`` extended with what it forces on bool symbols (unit propagation), or
        None when that runs into a contradiction. A symbol ``y`` forces the literals of its
        ``depends`` (``X86_PAE=y`` gives ``X86_32=y``); a bool whose dependencies became false
        is ``n``; a bool without prompt whose default is now decided takes it; a bool a true
        ``select`` forces is ``y``."""
        assign = dict(config.items())
        look = lookup_over(assign, partial=True)
        queue = list(assign)
        budget = 20_000
        while queue and budget > 0:
            budget -= 1
            name = queue.pop()
            sym = self.symbols.get(name)
            if sym is not None and assign.get(name) in ("y", "m"):
                # (a select that overrides dependencies is a Kconfig warning: not followed)
                for lit, want in self._literals(sym.depends):
                    cur = assign.get(lit)
                    if cur is None:
                        assign[lit] = want
                        queue.append(lit)
                    elif (cur in ("y", "m")) != (want == "y"):
                        return None
            for reader in self.readers.get(name, ()):
                if reader in assign:
                    continue
                rs = self.symbols[reader]
                if rs.type != "bool":
                    continue
                sel = evaluate(rs.selected_by, look)
                if sel is None:
                    continue
                value = None
                if sel:
                    value = "y"
                else:
                    dep = evaluate(rs.depends, look)
                    if dep == 0:
                        value = "n"
                    elif dep is not None and not rs.prompt and rs.choice is None:
                        possible = self._default_values(rs, look) if rs.default_rules else {"n"}
                        if possible is not None and len(possible) == 1:
                            value = next(iter(possible))
                if value is not None:
                    assign[reader] = value
                    queue.append(reader)
        return assign

    def _literals(self, expr: Expr) -> list[tuple[str, str]]:
        """The (symbol, 'y'/'n') facts a true ``expr`` implies, when it is a conjunction."""
        out: list[tuple[str, str]] = []
        stack = [expr]
        while stack:
            e = stack.pop()
            if isinstance(e, Binary) and e.op == "&&":
                stack += [e.left, e.right]
                continue
            negated = False
            if isinstance(e, Unary) and e.op == "!":
                negated, e = True, e.operand
            name = None
            if isinstance(e, Defined):
                name = e.name
            elif isinstance(e, Call) and e.name == "IS_ENABLED" and len(e.args) == 1 \
                    and isinstance(e.args[0], Ident):
                name = e.args[0].name
            sym = self.symbols.get(name) if name else None
            if sym is None or sym.type not in ("bool", "tristate"):
                continue
            if isinstance(e, Defined) and not negated:
                out.append((name, "y"))
            elif negated and (sym.type == "bool" or isinstance(e, Call)):
                out.append((name, "n"))
            elif not negated and sym.type == "bool":
                out.append((name, "y"))
        return out

    def allows(self, config: Mapping[str, str]) -> bool | None:
        memo = answers(self)
        key = ("allows", tuple(sorted(config.items())))
        if key not in memo:
            memo[key] = self._allows(config)
        return memo[key]

    def _allows(self, config: Mapping[str, str]) -> bool | None:
        extended = self.implied(config)
        if extended is None:
            return False
        config = extended
        look = lookup_over(config, partial=True)
        verdict: bool | None = True
        for name, value in config.items():
            sym = self.symbols.get(name)
            if sym is None:
                continue
            result = self._check_symbol(sym, value, look)
            if result is False:
                return False
            if result is None:
                verdict = None
        for info in self.choice_info.values():
            result = self._check_choice(info, config, look)
            if result is False:
                return False
            if result is None:
                verdict = None
        return verdict

    # ------------------------------------------------------------------ rules
    def _check_symbol(self, sym: KSymbol, value: str, look: Any) -> bool | None:
        verdict: bool | None = True
        boolish = sym.type in ("bool", "tristate", "unknown")
        on = value in ("y", "m") if boolish else True
        if boolish and value not in ("y", "m", "n"):
            return False
        if value == "m" and sym.type == "bool":
            return False
        dep = evaluate(sym.depends, look)
        if on:
            if dep == 0:
                # a select overrides dependencies (with a warning in Kconfig)
                if sym.selected_by == FALSE or evaluate(sym.selected_by, look) == 0:
                    return False
                verdict = None
            elif dep is None:
                verdict = None
        if boolish and value == "n":
            sel = evaluate(sym.selected_by, look)
            if sel is not None and sel != 0:
                return False
            if sel is None:
                verdict = None
        if not sym.prompt and sym.choice is None and sym.default_rules:
            possible = self._default_values(sym, look)
            if possible is None:
                verdict = None
            else:
                if boolish:
                    got = "y" if on else "n"
                    if dep == 0:
                        possible = {"n"}
                    elif dep is None:
                        possible = possible | {"n"}
                    if sym.selected_by != FALSE and evaluate(sym.selected_by, look) != 0:
                        possible = possible | {"y"}
                else:
                    got = _key(sym.type, value)
                if got not in possible:
                    return False
                if len(possible) > 1:
                    verdict = None
        return verdict

    def _default_values(self, sym: KSymbol, look: Any) -> set[Any] | None:
        boolish = sym.type in ("bool", "tristate", "unknown")
        possible: set[Any] = set()
        decided = False
        for value_expr, cond in sym.default_rules:
            c = evaluate(cond, look)
            if c == 0:
                continue
            if boolish:
                v = evaluate(value_expr, look)
                if v is None:
                    possible |= {"y", "n"}
                else:
                    possible.add("y" if v else "n")
            elif isinstance(value_expr, Num):
                possible.add(value_expr.value)
            else:
                return None          # a default taken from another symbol: not decided here
            if c is not None:
                decided = True
                break
        if not decided:
            possible.add("n" if boolish else None)
        return possible

    def _check_choice(self, info: KChoice, config: Mapping[str, str], look: Any) -> bool | None:
        assigned = [config.get(m) for m in info.members]
        ys = sum(1 for v in assigned if v == "y")
        if ys > 1:
            return False
        if ys == 1 and any(v == "m" for v in assigned):
            return False
        if any(v is None for v in assigned):
            return True if ys <= 1 else False
        if ys == 0 and info.type == "bool" and not info.optional \
                and not any(v == "m" for v in assigned):
            dep = evaluate(info.depends, look)
            if dep is None:
                return None
            if dep != 0:
                return False
        return True


def _key(type_: str, value: str) -> Any:
    if type_ in ("int", "hex"):
        v = int_value(value)
        return v if v is not None else value
    return value


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------

_LOCK = threading.Lock()
_MODULES = re.compile(r"^([ \t]+)modules[ \t]*$", re.M)
_FAKE_ROOT = "/__reviewtool_kconfig_tree__"
KCONFIG_MAX_CALLS = 50_000  # $(...) expansions reading one Kconfig tree (Linux 6.1 x86: 483)
KCONFIG_MAX_CHARS = 1_000_000  # characters one $(...) may expand to
_SRCARCH = {"i386": "x86", "x86_64": "x86", "sparc64": "sparc", "ppc": "powerpc"}


def _make_class(kconfiglib: Any) -> Any:
    class TreeKconfig(kconfiglib.Kconfig):
        def __init__(self, tree: Any, filename: str, notes: list[str]):
            self._rt_tree = tree
            self._rt_notes = notes
            self._rt_calls = 0
            super().__init__(filename, warn=True, warn_to_stderr=False)

        def _fn_val(self, args: Any) -> str:  # kconfiglib's hook: every $(...) goes here
            # a preprocessor bomb (A = $(B)$(B), B = $(C)$(C)...) takes exponential time
            # and memory: bounded (reviewtool.limits)
            self._rt_calls += 1
            if self._rt_calls > KCONFIG_MAX_CALLS:
                self._parse_error(f"more than {KCONFIG_MAX_CALLS} macro expansions "
                                  "(a macro bomb?)")
            value = super()._fn_val(args)
            if len(value) > KCONFIG_MAX_CHARS:
                self._parse_error(f"a macro expanded to more than {KCONFIG_MAX_CHARS} "
                                  "characters (a macro bomb?)")
            return value

        def _open(self, filename: str, mode: str) -> Any:   # noqa: ARG002 - kconfiglib's hook
            prefix = _FAKE_ROOT + os.sep
            rel = filename[len(prefix):] if filename.startswith(prefix) else filename
            text = self._rt_tree.read(rel) if not os.path.isabs(rel) else None
            if text is None:
                self._rt_notes.append(f"{rel}: sourced but not in the tree (read as empty)")
                text = ""
            elif "modules" in text:
                # Linux 5.16+ writes 'modules' where kconfiglib 14 knows 'option modules'
                text = _MODULES.sub(r"\1option modules", text)
            return io.StringIO(text)

    return TreeKconfig


def _one_line(exc: BaseException) -> tuple[str, str | None, int | None]:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    msg = lines[0] if lines else type(exc).__name__
    path = line = None
    parts = msg.split(":", 2)
    if len(parts) == 3 and parts[1].strip().isdigit():
        path, line, msg = parts[0], int(parts[1]), parts[2].strip()
        if path.startswith(_FAKE_ROOT + "/"):
            path = path[len(_FAKE_ROOT) + 1:]
    return msg, path, line


def read_kconfig(tree: Any, arch: str = "i386") -> KconfigModel | None:
    """Read the tree's Kconfig for ``arch`` (see the module manual); None when it has none."""
    src = _SRCARCH.get(arch, arch)
    candidates = ["Kconfig", f"arch/{arch}/Kconfig", f"arch/{src}/Kconfig"]
    top = next((c for c in candidates if tree.read(c) is not None), None)
    if top is None:
        return None
    try:
        import kconfiglib
    except ImportError as exc:   # pragma: no cover - a declared dependency
        raise KconfigError(f"kconfiglib is not installed ({exc})", path=top) from None
    notes: list[str] = []
    env = {"srctree": _FAKE_ROOT, "ARCH": arch, "SRCARCH": src, "KERNELVERSION": "2.6",
           "KCONFIG_FUNCTIONS": "_reviewtool_no_kconfig_functions_",
           "CC": "gcc", "LD": "ld", "HOSTCC": "gcc"}

    def no_shell(kconf: Any, _name: str, command: str) -> str:
        notes.append(f"$(shell,{command}) not run (taken as 'n')")
        return "n"

    def tree_glob(pattern: str) -> Any:
        prefix = _FAKE_ROOT + os.sep
        rel = pattern[len(prefix):] if pattern.startswith(prefix) else pattern
        if not any(c in rel for c in "*?["):
            return iter([pattern])
        names = [p for p in tree.walk(("Kconfig",)) if fnmatch.fnmatchcase(p, rel)]
        return iter(sorted(prefix + p for p in names))

    with _LOCK:
        saved = {k: os.environ.get(k) for k in env}
        saved_shell, saved_glob = kconfiglib._shell_fn, kconfiglib.iglob
        try:
            os.environ.update(env)
            kconfiglib._shell_fn = no_shell
            kconfiglib.iglob = tree_glob
            kconf = _make_class(kconfiglib)(tree, top, notes)
        except kconfiglib.KconfigError as exc:
            msg, path, line = _one_line(exc)
            raise KconfigError(msg, path=path or top, line=line) from None
        except (OSError, UnicodeError, ValueError, RecursionError, MemoryError) as exc:
            msg, path, line = _one_line(exc)
            raise KconfigError(msg, path=path or top, line=line) from None
        finally:
            kconfiglib._shell_fn, kconfiglib.iglob = saved_shell, saved_glob
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    model = _model(kconf, kconfiglib, notes, top)
    return dataclasses.replace(model, digest=_content_digest(tree, arch, top, model.files))


def _content_digest(tree: Any, arch: str, top: str, files: Iterable[str]) -> str:
    """What a model is read from: the arch, its top file, and each file's path and content."""
    digest = hashlib.sha256(f"{arch}\0{top}".encode())
    for path in files:
        text = tree.read(path)
        digest.update(b"\0" + path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(b"-" if text is None else
                      hashlib.sha1(text.encode("utf-8", "surrogateescape")).digest())
    return digest.hexdigest()


def kconfig_from_text(text: str, files: Mapping[str, str] | None = None) -> KconfigModel:
    """A model from Kconfig text (and other files it sources), for tests and tools."""
    class _Mem:
        def __init__(self, data: Mapping[str, str]):
            self.data = dict(data)

        def read(self, path: str) -> str | None:
            return self.data.get(path)

        def walk(self, suffixes: tuple[str, ...] = (".c", ".h")) -> Any:
            return iter(sorted(p for p in self.data if p.endswith(suffixes)))

    data = {"Kconfig": text}
    data.update(files or {})
    model = read_kconfig(_Mem(data))
    assert model is not None
    return model


def _model(kconf: Any, k: Any, notes: list[str], top: str) -> KconfigModel:
    conv = _Converter(kconf, k)
    choice_names: dict[int, str] = {}
    choices: dict[str, tuple[str, ...]] = {}
    infos: dict[str, KChoice] = {}
    for ch in kconf.choices:
        if ch.name:
            cname = ch.name
        elif ch.nodes:
            cname = f"{ch.nodes[0].filename}:{ch.nodes[0].linenr}"
        else:   # pragma: no cover
            cname = f"choice{len(choices)}"
        choice_names[id(ch)] = cname
        members = tuple("CONFIG_" + s.name for s in ch.syms)
        choices[cname] = members
        infos[cname] = KChoice(cname, k.TYPE_TO_STR.get(ch.orig_type, "bool") or "bool",
                               bool(ch.is_optional), conv.expr(ch.direct_dep), members)
    symbols: dict[str, KSymbol] = {}
    for sym in kconf.unique_defined_syms:
        type_ = k.TYPE_TO_STR.get(sym.orig_type) or "unknown"
        rules = []
        defaults = []
        for value, cond in sym.defaults:
            vexpr = conv.value(value, type_)
            rules.append((vexpr, conv.expr(cond)))
            if isinstance(value, k.Symbol) and conv.constant(value):
                defaults.append(value.name)
        node = sym.nodes[0] if sym.nodes else None
        symbols["CONFIG_" + sym.name] = KSymbol(
            name="CONFIG_" + sym.name,
            type=type_,
            depends=conv.expr(sym.direct_dep),
            choice=choice_names.get(id(sym.choice)) if sym.choice is not None else None,
            defaults=tuple(defaults),
            prompt=any(n.prompt for n in sym.nodes),
            default_rules=tuple(rules),
            selected_by=conv.expr(sym.rev_dep),
            path=node.filename if node else None,
            line=node.linenr if node else None,
        )
    warnings = tuple(notes) + tuple(" ".join(w.split()) for w in kconf.warnings)
    readers: dict[str, list[str]] = {}
    for name, ks in symbols.items():
        names = set(identifiers(ks.depends)) | set(identifiers(ks.selected_by))
        for value, cond in ks.default_rules:
            names |= identifiers(value) | identifiers(cond)
        for n in names:
            if n.endswith("_MODULE") and n[:-7] in symbols:
                n = n[:-7]
            if n in symbols and n != name:
                readers.setdefault(n, []).append(name)
    prefix = _FAKE_ROOT + "/"
    files = tuple(sorted({f[len(prefix):] if f.startswith(prefix) else f
                          for f in getattr(kconf, "kconfig_filenames", ())}))
    return KconfigModel(MappingProxyType(symbols), MappingProxyType(choices), warnings,
                        MappingProxyType(infos), top,
                        MappingProxyType({k: tuple(v) for k, v in readers.items()}), files)


class _Converter:
    """kconfiglib expressions -> our Expr."""

    def __init__(self, kconf: Any, k: Any):
        self.kconf = kconf
        self.k = k
        self.active: set[int] = set()

    def sym_type(self, sym: Any) -> str:
        return self.k.TYPE_TO_STR.get(sym.orig_type) or "unknown"

    def expr(self, e: Any) -> Expr:
        k = self.k
        if isinstance(e, tuple):
            op = e[0]
            if op == k.AND:
                return conj(self.expr(e[1]), self.expr(e[2]))
            if op == k.OR:
                return disj(self.expr(e[1]), self.expr(e[2]))
            if op == k.NOT:
                return negate(self.expr(e[1]))
            return self.relation(op, e[1], e[2])
        if isinstance(e, k.Choice):
            # a choice in an expression is its mode: on when the choice is visible
            if id(e) in self.active:
                return Call("__kconfig_choice__", ())
            self.active.add(id(e))
            try:
                return self.expr(e.direct_dep)
            finally:
                self.active.discard(id(e))
        return self.truth(e)

    def constant(self, sym: Any) -> bool:
        """Quoted constants, and unquoted numbers (which kconfiglib keeps as undefined
        symbols named after themselves)."""
        if sym.is_constant:
            return True
        return not sym.nodes and (int_value(sym.name) is not None or
                                  (sym.name[:2].lower() == "0x" and _hex(sym.name) is not None))

    def truth(self, sym: Any) -> Expr:
        if self.constant(sym):
            return TRUE if sym.name in ("y", "m") else FALSE
        name = "CONFIG_" + sym.name
        type_ = self.sym_type(sym)
        if type_ == "bool":
            return Defined(name)
        if type_ == "tristate":
            return Call("IS_ENABLED", (Ident(name),))
        if type_ == "unknown":
            return Defined(name)       # defined in a file the tree lacks: leave it free
        return FALSE                   # int/hex/string in a boolean context is n

    def value(self, sym: Any, type_: str) -> Expr:
        if isinstance(sym, tuple):
            return self.expr(sym)
        if isinstance(sym, self.k.Choice):
            return Call("__kconfig_choice__", ())
        if self.constant(sym):
            if type_ in ("int", "hex"):
                v = int_value(sym.name) if type_ == "int" else _hex(sym.name)
                if v is not None:
                    return Num(v, False, sym.name)
            if type_ in ("bool", "tristate", "unknown"):
                return TRUE if sym.name in ("y", "m") else FALSE
            return Call("__kconfig_string__", (Ident("_" + str(abs(hash(sym.name)))),))
        if type_ in ("int", "hex"):
            return Ident("CONFIG_" + sym.name)
        return self.truth(sym)

    def relation(self, op: Any, a: Any, b: Any) -> Expr:
        k = self.k
        ops = {k.EQUAL: "==", k.UNEQUAL: "!=", k.LESS: "<", k.LESS_EQUAL: "<=",
               k.GREATER: ">", k.GREATER_EQUAL: ">="}
        cop = ops[op]
        # bool/tristate against y/m/n
        for sym, const in ((a, b), (b, a)):
            if not isinstance(sym, k.Symbol) or not isinstance(const, k.Symbol):
                continue
            if not self.constant(sym) and const.is_constant and const.name in ("y", "n", "m") \
                    and self.sym_type(sym) in ("bool", "tristate", "unknown") \
                    and cop in ("==", "!="):
                name = "CONFIG_" + sym.name
                if const.name == "y":
                    e: Expr = Defined(name)
                elif const.name == "m":
                    e = Defined(name + "_MODULE")
                else:
                    e = negate(disj(Defined(name), Defined(name + "_MODULE")))
                return e if cop == "==" else negate(e)
        left, right = self.operand(a), self.operand(b)
        if left is None or right is None:
            return Call("__kconfig_compare__", ())
        return Binary(cop, left, right)

    def operand(self, sym: Any) -> Expr | None:
        k = self.k
        if not isinstance(sym, k.Symbol):
            return None
        if self.constant(sym):
            v = int_value(sym.name)
            if v is None:
                v = _hex(sym.name)
            return Num(v, False, sym.name) if v is not None else None
        if self.sym_type(sym) in ("int", "hex"):
            return Ident("CONFIG_" + sym.name)
        return None


def _hex(text: str) -> int | None:
    t = text.strip()
    if t[:2].lower() == "0x":
        t = t[2:]
    try:
        return int(t, 16)
    except ValueError:
        return None
