"""Everything the checks of one patch look at, built once: the applied patch, the trees before and
after, the configuration classes, the variant table, the scope.

Scope (design.md): the symbols inferred from the subject (its prefix and words, matched against the
tree's Kconfig symbols and a few well-known aliases), from the body only when the subject names
nothing, plus the symbols that make a new run-time condition run-time: for a macro such as
``SHARED_KERNEL_PMD`` that is a constant in some configurations and a ``paravirt_ops`` field in
others, the symbols of the innermost conditional around its run-time definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from ..mail import Mail
from ..model.compare import VariantTable, analyse
from ..model.unit import FACTS, ConfigModel, ScanCache as _Files, config_words, probe_models
from ..patch import Patch
from ..patch.apply import FileResult, HunkResult, apply_file
from .. import tree as trees
from ..tree import OverlayTree, Tree
from ..variants.classes import MAX_VARIED, enumerate_configs
from ..variants.conditions import scan
from ..variants.kconfig import KconfigModel, remembered
from ..variants.expr import config_symbols
from ..variants.kbuild import build_symbols
from ..variants.defaults import with_implied_bools, with_int_defaults
from ..errors import ReviewtoolError

# Subject words that name a feature under another symbol than the word itself.
ALIASES = {
    "paravirt": "PARAVIRT", "paravirtualization": "PARAVIRT", "pv": "PARAVIRT",
    "xen": "XEN", "vmi": "VMI", "kvm": "KVM", "lguest": "LGUEST_GUEST", "pae": "X86_PAE",
    "highmem": "HIGHMEM", "highpte": "HIGHPTE", "numa": "NUMA", "smp": "SMP", "kmsan": "KMSAN",
    "kasan": "KASAN", "kfence": "KFENCE", "hugetlb": "HUGETLB_PAGE", "memcg": "MEMCG",
}
_RUNTIME_IDENT = re.compile(r"[A-Za-z_]\w*")
_C_WORDS = {"unsigned", "signed", "long", "int", "short", "char", "void", "sizeof", "const",
            "volatile", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "UL", "ULL"}


@dataclass
class AgainstPatch:
    mail: Mail
    patch: Patch


@dataclass
class PatchContext:
    index: int
    mail: Mail
    patch: Patch | None
    results: tuple[FileResult, ...]
    before: Tree
    after: Tree
    arch: str
    kconfig: KconfigModel | None = None
    scope: tuple[str, ...] = ()
    scope_reason: str = ""
    table: VariantTable | None = None
    against: tuple[AgainstPatch, ...] = ()
    notes: list[str] = field(default_factory=list)
    tus: tuple[str, ...] = ()  # translation units compared (.c files, and touched headers)
    build: dict = field(default_factory=dict)  # unit -> CONFIG_ symbols its Makefile rule needs
    execute: bool = True  # run changed functions on the i386 model (config-change evidence)
    _executions: dict = field(default_factory=dict, repr=False)

    def execution(self, name: str, col: int):
        """Differential execution of ``name`` in column ``col``'s configuration class on the
        i386 model (:mod:`reviewtool.interp.differential`), computed once."""
        key = (name, col)
        if key not in self._executions:
            from ..interp.differential import ExecutionResult, execute

            kinds = {model[col].defs.get(name).kind if name in model[col].defs else "absent"
                     for model in (self.table.before, self.table.after)}
            if kinds != {"function"}:  # a variable, a macro, or absent on one side
                self._executions[key] = ExecutionResult(
                    name, "not-executable", 0,
                    reason=f"{name} is not a function on both sides")
                return self._executions[key]

            config = dict(self.table.configs[col].items())
            built = [tu for tu in self.tus if tu.endswith(".c") and all(
                config.get(s, "n") in ("y", "m") for s in self.build.get(tu, ()))]
            self._executions[key] = execute(
                name, self.before, self.after, [tu for tu in built if self.before.exists(tu)],
                [tu for tu in built if self.after.exists(tu)], config, arch=self.arch)
        return self._executions[key]

    def result(self, path: str) -> FileResult | None:
        for result in self.results:
            if result.path == path:
                return result
        return None

    @property
    def out_of_scope(self) -> list[int]:
        """Columns of the variant table where every scope symbol is off."""
        if self.table is None or not self.scope:
            return []
        cols = []
        for col, cls in enumerate(self.table.classes):
            config = dict(self.table.configs[col].items())
            if all(config.get(s, "n") == "n" for s in self.scope):
                cols.append(col)
        return cols


def apply_patch(patch: Patch, base: Tree) -> tuple[tuple[FileResult, ...], OverlayTree]:
    results = []
    changes: dict[str, str | None] = {}
    for fpatch in patch.files:
        refused = next((why for why in (base.refuses(p) for p in (fpatch.source_path,
                        fpatch.target_path) if p) if why), None)
        if refused:  # a path through a symlink out of the tree: nothing read, nothing applied
            results.append(FileResult(fpatch, None, None, tuple(
                HunkResult(h, False, reason=f"{fpatch.path}: {refused}") for h in fpatch.hunks)))
            continue
        before = base.read(fpatch.source_path) if fpatch.source_path else None
        result = apply_file(fpatch, before)
        results.append(result)
        if fpatch.is_deleted and result.applied:
            changes[fpatch.source_path] = None
        elif result.after is not None and fpatch.target_path:
            changes[fpatch.target_path] = result.after
            if fpatch.source_path and fpatch.source_path != fpatch.target_path:
                changes[fpatch.source_path] = None
    return tuple(results), _post_image(base, changes)


# The post-image of the same changes to the same tree object, kept: a server reviewing a patch
# it has reviewed (a hook run again, the sendemail-validate hook's review of the mail of a
# commit the post-commit hook reviewed) finds its units, snapshots and models under it
# instead of preprocessing that side again in every configuration. Keyed by the base's id:
# the post-image holds its base, so the id is not another tree's while the entry lives.
_POST_IMAGES: dict[tuple, OverlayTree] = {}
MAX_POST_IMAGES = 8


def _post_image(base: Tree, changes: dict[str, str | None]) -> OverlayTree:
    key = (id(base), tuple(sorted(changes.items(), key=lambda item: item[0])))
    after = _POST_IMAGES.pop(key, None)
    if after is None or after.base is not base:
        after = OverlayTree(base, changes)
    _POST_IMAGES[key] = after  # most recently used last
    while len(_POST_IMAGES) > MAX_POST_IMAGES:
        del _POST_IMAGES[next(iter(_POST_IMAGES))]
    if trees.KEEP:  # a server: a base it no longer keeps (an edited directory, replaced by a
        # new tree object) is let go, with its caches, rather than held by a post-image
        for stale in [k for k, image in _POST_IMAGES.items() if not trees.still_kept(image)]:
            del _POST_IMAGES[stale]
    return after


# -- translation units and symbols ---------------------------------------------------------------

def translation_units(patch: Patch, before: Tree, after: Tree, arch: str) -> list[str]:
    """The touched ``.c`` files, and for touched headers the ``.c`` files that include them
    (searched near the header: the arch directory and the header's own directory)."""
    tus: list[str] = []
    headers = []
    for fpatch in patch.files:
        path = fpatch.path
        if path.endswith(".c"):
            tus.append(path)
        elif path.endswith(".h"):
            headers.append(path)
    if headers:
        wanted = {h.rsplit("/", 1)[-1] for h in headers}
        near = {f"arch/{arch}/"} | {h.rsplit("/", 1)[0] + "/" for h in headers}
        for candidate in before.walk((".c",), tuple(sorted(near))):
            if candidate in tus:
                continue
            text = before.read(candidate) or ""
            if any(f"{name}>" in text or f'{name}"' in text for name in wanted):
                tus.append(candidate)
        if not tus:
            tus.extend(headers)
    return tus


MAX_MACRO_DEPTH = 3  # macro bodies followed from a touched definition


def relevant_symbols(models: list, changed: Mapping[tuple[int, str], set[int]],
                     build: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """The symbols that can matter to the names the patch touches, each with its tier (lower
    is closer to the change): those of the conditionals around (0) the changed lines, the
    definitions containing them and the Makefile rules of the units, and (1..) every
    ``#define`` of a macro those definitions use, following macro bodies up to
    ``MAX_MACRO_DEPTH`` levels, with the ``#include`` lines through which those files are
    reached."""
    files = _Files()
    relevant: dict[str, int] = {}

    def note(symbols, tier: int) -> None:
        for symbol in symbols:
            relevant[symbol] = min(tier, relevant.get(symbol, tier))

    for needed in build.values():
        note(needed, 0)

    def conds(tree, path, lines, tier: int) -> None:
        info = files.scan(tree, path)
        if info is None:
            return
        for line in lines:
            if 0 < line <= len(info.conditions):
                note(config_symbols(info.conditions[line - 1]), tier)

    for tree, model in models:
        wanted_files: dict[str, int] = {}
        # the files this probe read, indexed: every #define site and #include line
        present = FACTS.present(tree, {p for unit in model.units for p in unit.paths})
        todo: list[tuple[str, int]] = []
        for (tree_id, path), lines in changed.items():
            if tree_id != id(tree):
                continue
            conds(tree, path, lines, 0)
            wanted_files[path] = 0
            for definition in model.by_file.get(path, ()):
                if any(definition.line <= n <= definition.end_line for n in lines):
                    conds(tree, path, range(definition.line, definition.end_line + 1), 0)
                    todo += [(w, 1) for w in _WORDS.findall(definition.text)]
            todo += [(w, 1) for n in lines for w in _WORDS.findall(_line(tree, path, n))]
        seen: set[str] = set()
        while todo:
            name, depth = todo.pop(0)
            if name in seen or depth > MAX_MACRO_DEPTH:
                continue
            seen.add(name)
            for path, line, body, under in FACTS.sites(name, present):
                note(under, depth)
                wanted_files[path] = min(depth, wanted_files.get(path, depth))
                todo += [(w, depth + 1) for w in _WORDS.findall(body)]
        # include chains up to the units' roots
        frontier = sorted(wanted_files.items(), key=lambda item: item[1])
        visited: set[str] = set()
        while frontier:
            path, tier = frontier.pop(0)
            if path in visited:
                continue
            visited.add(path)
            for includer, line, under in FACTS.included_by(path.rsplit("/", 1)[-1], present):
                note(under, tier)
                frontier.append((includer, tier))
    return relevant


def choose_varied(relevant: Mapping[str, int], scope: Sequence[str],
                  limit: int = MAX_VARIED) -> tuple[list[str], list[str]]:
    """The symbols to enumerate (the scope first, then by tier and name) and those left at
    one value because there are too many to enumerate."""
    ordered = [s for s in scope] + sorted((s for s in relevant if s not in scope),
                                          key=lambda s: (relevant[s], s))
    return ordered[:max(limit, len(scope))], ordered[max(limit, len(scope)):]


_WORDS = re.compile(r"[A-Za-z_]\w*")
_CONFIG_WORD = re.compile(r"\bCONFIG_\w+")


def _line(tree: Tree, path: str, number: int) -> str:
    text = tree.read(path) or ""
    lines = text.split("\n")
    return lines[number - 1] if 0 < number <= len(lines) else ""


# -- touched names ---------------------------------------------------------------------------

def _directive_blocks(text: str, path: str) -> list[tuple[int, int]]:
    """(first, last) line of every conditional block, from its #if to its #endif."""
    blocks, stack = [], []
    for directive in scan(text, path).directives:
        if directive.kind in ("if", "ifdef", "ifndef"):
            stack.append(directive.line)
        elif directive.kind == "endif" and stack:
            blocks.append((stack.pop(), directive.end_line))
    return blocks


def touched_names_for(results: Sequence[FileResult], before_trees: Tree, after_tree: Tree):
    """Returns a function for :func:`analyse`: the names whose definition overlaps a changed
    line (either side), or sits in a conditional block whose directive the patch changed, plus
    the names of touched macros (a macro can become a function)."""

    def touched(before: Sequence[ConfigModel], after: Sequence[ConfigModel]) -> list[str]:
        names: dict[str, tuple[str, int]] = {}
        for result in results:
            sides = ((before, result.patch.source_path, result.removed, result.before),
                     (after, result.patch.target_path, result.added, result.after))
            for models, path, changed, text in sides:
                if not path or not changed or text is None:
                    continue
                spans = [(line, line) for line in changed]
                try:
                    blocks = _directive_blocks(text, path)
                except ReviewtoolError:
                    blocks = []
                for first, last in blocks:
                    if any(first <= line <= last and _is_directive(text, line)
                           for line in changed):
                        spans.append((first, last))
                for model in models:
                    for definition in model.by_file.get(path, ()):
                        if any(definition.line <= hi and lo <= definition.end_line
                               for lo, hi in spans):
                            names.setdefault(definition.name, (path, definition.line))
                    for unit in model.units:
                        for macro in unit.definitions_in(path):
                            if macro.line in changed and macro.params is not None:
                                names.setdefault(macro.name, (path, macro.line))
        return sorted(names, key=lambda n: (names[n], n))

    return touched


_CONDITIONAL = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b")


def _is_directive(text: str, line: int) -> bool:
    """A conditional directive (#define and #include lines do not open blocks)."""
    lines = text.split("\n")
    return 0 < line <= len(lines) and bool(_CONDITIONAL.match(lines[line - 1]))


# -- scope -----------------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^A-Za-z0-9_]+", text) if len(w) >= 2]


# Subject prefixes name where a patch is, not a feature: "x86/mm:", "i386:", "arm64:".
NOT_FEATURES = {"x86", "i386", "x86_64", "arm", "arm64", "powerpc", "ppc", "s390", "sparc",
                "mips", "riscv", "ia64", "alpha", "um", "mm", "fs", "net", "block", "kernel",
                "lib", "drivers", "sched", "core", "arch", "patch", "rfc", "mmu"}


def scope_from_words(text: str, kconfig: KconfigModel | None, arch: str,
                     words: Mapping[str, str] | None = None,
                     seen: Iterable[str] = ()) -> list[str]:
    """Feature symbols named by ``text``; ``words`` is the project's own mapping
    (``[scope] words`` in .reviewtool.toml), tried first. Without Kconfig, ``seen`` (the
    symbols the patch's own conditionals use) stands in for the known symbols."""
    known = set(kconfig.symbols) if kconfig is not None else set(seen)
    found: list[str] = []
    for word in _words(text):
        if words and word.lower() in words:
            if words[word.lower()] not in found:
                found.append(words[word.lower()])
            continue
        if word.lower() in NOT_FEATURES or word.lower() == arch.lower():
            continue
        candidates = []
        upper = word.upper()
        if upper.startswith("CONFIG_"):  # named outright: "drop the CONFIG_X86_32 guard"
            candidates.append(upper)
        if word.lower() in ALIASES:
            candidates.append("CONFIG_" + ALIASES[word.lower()])
        candidates += [f"CONFIG_{upper}", f"CONFIG_X86_{upper}"]
        for cand in candidates:
            if (cand in known or (not known and word.lower() in ALIASES)) and cand not in found:
                if kconfig is not None and cand in kconfig.symbols \
                        and kconfig.symbols[cand].type not in ("bool", "tristate"):
                    continue
                found.append(cand)
                break
    return found


def runtime_scope(results: Sequence[FileResult], after: Sequence[ConfigModel],
                  after_tree: Tree) -> list[str]:
    """Symbols that make the new run-time conditions of the patch run-time."""
    added_text = []
    for result in results:
        if result.after is None:
            continue
        lines = result.after.split("\n")
        added_text += [lines[n - 1] for n in sorted(result.added) if n <= len(lines)]
    # what re.findall(r"\b(?:if|while)\s*\((.*)\)|\?", joined) captured, without its
    # quadratic backtracking on hostile text (thousands of "if (" and no ")"): from the first
    # "if (" to the last ")"
    joined = " ".join(added_text)
    first = re.search(r"\b(?:if|while)\s*\(", joined)
    last = joined.rfind(")")
    conditions = joined[first.end():last] if first and last >= first.end() else ""
    candidates = set(_RUNTIME_IDENT.findall(conditions))
    found: list[str] = []
    for name in sorted(candidates):
        for model in after:
            macro = model.macro(name)
            if macro is None or macro.params is not None:
                continue
            value = model.macro_value(name) or ""
            if not (set(_RUNTIME_IDENT.findall(value)) - _C_WORDS):
                continue  # a constant in this configuration
            text = after_tree.read(macro.path)
            if text is None:
                continue
            for symbol in _innermost_condition_symbols(text, macro.path, macro.line):
                if symbol not in found:
                    found.append(symbol)
    return found


def _innermost_condition_symbols(text: str, path: str, line: int) -> list[str]:
    stack: list = []
    for directive in scan(text, path).directives:
        if directive.line >= line:
            break
        if directive.kind in ("if", "ifdef", "ifndef"):
            stack.append(directive)
        elif directive.kind in ("elif",) and stack:
            stack[-1] = directive
        elif directive.kind == "endif" and stack:
            stack.pop()
    for directive in reversed(stack):
        if directive.expr is not None:
            from ..variants.expr import config_symbols
            symbols = sorted(config_symbols(directive.expr))
            if symbols:
                return symbols
    return []


def infer_scope(mail: Mail, kconfig: KconfigModel | None, arch: str,
                words: Mapping[str, str] | None = None,
                seen: Iterable[str] = ()) -> tuple[list[str], str]:
    title = mail.subject.title
    found = scope_from_words(title, kconfig, arch, words, seen)
    if found:
        return found, "from the subject"
    found = scope_from_words(mail.body[: max(len(mail.body) - len(mail.diff), 0)], kconfig, arch,
                             words, seen)
    if found:
        return found, "from the description (the subject names no feature)"
    return [], "none inferred"


def _related_scope(scope: list[str], reason: str, involved: set[str]) -> tuple[list[str], str]:
    """The inferred scope without the symbols nothing the patch touches depends on (none of
    the files its units read tests them, no Makefile rule of theirs needs them): a word of
    the subject that happens to name a symbol ("memory leak": CONFIG_MEMORY, the drivers/memory
    menu) would make every change of the patch a change outside its scope."""
    unrelated = [s for s in scope if s not in involved]
    if not unrelated:
        return scope, reason
    kept = [s for s in scope if s in involved]
    why = (f"{', '.join(unrelated)} {'is' if len(unrelated) == 1 else 'are'} named but nothing "
           f"the patch touches depends on {'it' if len(unrelated) == 1 else 'them'}")
    return kept, (f"{reason}; {why}" if kept else f"none inferred ({why})")


def missing_includes_note(models: Sequence[ConfigModel], shown: int = 5) -> list[str]:
    """Say which #include targets the tree lacks: a source tree has no generated headers
    (``<generated/autoconf.h>``, ``<asm/unistd_32.h>``), a sample tree lacks most. The review
    goes on without what they define."""
    missing = sorted({m for model in models for unit in model.units for m in unit.missing})
    if not missing:
        return []
    generated = [m for m in missing if "generated/" in m]
    missing = generated + [m for m in missing if m not in generated]  # the why, first
    listed = ", ".join(missing[:shown]) + (f" and {len(missing) - shown} more"
                                           if len(missing) > shown else "")
    why = (" (among them headers generated at build time, absent from a source tree)"
           if generated else "")
    return [f"{len(missing)} #include target(s) not in the tree{why}, reviewed without what "
            f"they define: {listed}"]


def _classes(varied: Sequence[str], kconfig: KconfigModel | None, limit: int):
    """The configurations to build (``enumerate_configs`` under the Kconfig cone of the
    varied symbols), remembered per model content (the cache directory keeps them)."""
    if kconfig is None:
        return enumerate_configs(sorted(varied), None, limit=limit)
    configs, coverage = remembered(kconfig, ("classes", tuple(sorted(varied)), limit),
                                   lambda: enumerate_configs(sorted(varied),
                                                             kconfig.restricted(varied),
                                                             limit=limit))
    return list(configs), dict(coverage)


def build_context(index: int, mail: Mail, patch: Patch, base: Tree, arch: str,
                  kconfig: KconfigModel | None, scope_override: Sequence[str] | None = None,
                  against: Sequence[AgainstPatch] = (), limit: int = 64,
                  words: Mapping[str, str] | None = None, execute: bool = True) -> PatchContext:
    results, after = apply_patch(patch, base)
    ctx = PatchContext(index=index, mail=mail, patch=patch, results=results, before=base,
                       after=after, arch=arch, kconfig=kconfig, against=tuple(against),
                       execute=execute)
    if scope_override:
        scope, reason = list(scope_override), "given with --scope"
    else:
        scope, reason = infer_scope(mail, kconfig, arch, words)
    tus = translation_units(patch, base, after, arch)
    if not tus:
        ctx.scope, ctx.scope_reason = tuple(scope), reason
        ctx.notes.append("no C file or header touched: nothing to compare per configuration")
        return ctx
    build = {tu: build_symbols(base, tu) for tu in tus if tu.endswith(".c")}
    ctx.tus, ctx.build = tuple(tus), build
    involved, probes = probe_models([base, after], tus, arch, build)
    if not scope_override:  # the project's own words ([scope] words) are meant
        scope, reason = _related_scope(scope, reason, involved | set((words or {}).values()))
    changed: dict[tuple[int, str], set[int]] = {}
    for result in results:
        if result.patch.source_path and result.removed:
            changed[(id(base), result.patch.source_path)] = set(result.removed)
        if result.patch.target_path and result.added:
            changed[(id(after), result.patch.target_path)] = set(result.added)
    tiers = {s: t for s, t in relevant_symbols(probes, changed, build).items()
             if s in involved}
    varied, fixed = choose_varied(tiers, scope)
    configs, coverage = _classes(varied, kconfig, limit)
    relevant = set(tiers) | set(scope)
    # int symbols get their Kconfig default when a #define body or the patched files' C code
    # uses them (``if (CONFIG_PGTABLE_LEVELS == 3 && SHARED_KERNEL_PMD)`` folds per class)
    names_used = config_words(u for _, m in probes for u in m.units)
    for result in results:
        for text in (result.before, result.after):
            if text and "CONFIG_" in text:
                names_used |= set(_CONFIG_WORD.findall(text))
    configs, defaults = with_int_defaults(configs, kconfig, names_used)
    configs, implied = with_implied_bools(configs, kconfig, involved - set(varied))
    coverage = dict(coverage)
    if implied:
        coverage["implied"] = sorted(implied)
    coverage["involved"] = sorted(involved)
    coverage["relevant"] = sorted(relevant)
    if fixed:
        coverage["not_varied"] = fixed  # more relevant symbols than can be enumerated
    if defaults:
        coverage["defaults"] = defaults
    touched = touched_names_for(results, base, after)
    ctx.table = analyse(base, after, tus, configs, touched, arch, scope=scope,
                        coverage=coverage, build_symbols=build)
    ctx.notes += missing_includes_note(ctx.table.before + ctx.table.after)
    if not scope_override:
        extra = [s for s in runtime_scope(results, ctx.table.after, after) if s not in scope]
        if extra:
            scope += extra
            reason += f"; {', '.join(extra)} from new run-time conditions"
            ctx.table.symbols += [s for s in extra if s not in ctx.table.symbols]
    ctx.scope, ctx.scope_reason = tuple(scope), reason
    return ctx
