"""Headers preprocessed once, replayed everywhere: the include memo.

A review preprocesses the same translation unit in every configuration it enumerates, on both
sides of the patch, and on a real kernel tree a unit reads about 1,200 headers. Most of those
headers do the same thing every time: what a header does depends only on

* the macros it reads that were defined before it was included (include guards, ``CONFIG_``
  symbols, ``#ifdef __ASSEMBLY__``...) and whether a ``#pragma once`` file was seen;
* the files it reads (their content) and where its ``#include`` lines resolve.

While a header runs, the preprocessor records both (``preprocess._Frame``). The result is a
:class:`MemoEntry`: the reads with the values they had, and a log of the effects in order
(``#define``/``#undef``, kept lines, nested headers as their own entries, missing includes,
errors). Including a header again with the same values for its reads replays the log instead
of running the header. An entry is used on a tree only after checking, once per tree, that
every file it read has the same version there (its git blob id, whatever the tree: a
directory tree computes it once per size and modification time) and that its includes
resolve to the same files; so an
entry recorded on the pre-image serves the post-image for every header the patch leaves alone,
and a changed file is never served stale.

Entries are kept in memory for the process and, unless caching is off
(:mod:`reviewtool.cache`), in one pack file in the cache directory, so the next run over the
same tree starts warm. The pack keeps the most recently used entries (``MAX_PER_HEADER`` per
header, ``MAX_ENTRIES`` in all).
"""

from __future__ import annotations

import secrets
import time
import weakref
from itertools import compress
from operator import ne
from typing import Any, NamedTuple

from .. import cache
from ..tree import git_blob_id

MAX_PER_HEADER = 64  # a review enumerates 18-64 configurations, each may read a header anew
MAX_ENTRIES = 60_000
MAX_AGE = 30 * 24 * 3600  # entries unused for a month leave the pack
MAX_FLAT = 256  # folded entries kept in memory (on Linux 6.1, 128 of them take ~18 MB; a
# server keeps more: reviewtool.server.KEEP_FLATS)
MAX_FOLD_ITEMS = 2_000_000  # #defines held by the folds that nested entries' spans point into
MAX_RUNS = 200_000  # entries whose own log is kept in runs (tuples of shared macros)
PACK_NAME = "preprocess-memo-3.pickle"  # -3: macros are named tuples
# The entries replayed, or made by a header run, at the top of a unit (not those nested in a
# header being run: a later review replays the header), most recent last, so that a server
# starting afresh folds them before its first request (Memo.prefold).
_TOPS = cache.Pack("preprocess-tops-1.pickle", 1024)
PREFOLD = 128  # top entries a server folds at its start


class MemoEntry(NamedTuple):
    uid: str
    path: str
    names: tuple[str, ...]                 # macros read before being written in the header
    values: tuple[Any, ...]                # their values then (a Macro, or None: undefined)
    once: tuple[tuple[str, bool], ...]     # #pragma once files asked about, and the answer
    log: tuple[tuple, ...]                 # effects, in order (preprocess._DEFINE...)
    files: tuple[tuple[str, str], ...]     # files run directly in this header, with versions
    resolutions: tuple[tuple[str, str, bool, str | None], ...]  # (includer, target, next, found)
    span: int = 0                          # how many #include levels it nests below itself

    @classmethod
    def make(cls, path, names, values, once, log, files, resolutions, span=0) -> "MemoEntry":
        return cls(secrets.token_hex(8), path, names, values, once, log, files, resolutions,
                   span)


_VERSIONS: "weakref.WeakKeyDictionary[Any, dict[str, str | None]]" = weakref.WeakKeyDictionary()


def file_version(tree: Any, path: str) -> str | None:
    """A string that changes whenever the file's content does (None: absent, or a tree that
    cannot say)."""
    try:
        known = _VERSIONS.setdefault(tree, {})
    except TypeError:
        known = {}
    if path in known:
        return known[path]
    version_of = getattr(tree, "version", None)
    if version_of is not None:
        version = version_of(path)
    else:  # a stand-in tree: its content is its version
        text = tree.read(path)
        version = None if text is None else git_blob_id(text)
    known[path] = version
    return version


class Memo:
    """Entries per (arch, include path, header), with their per-tree validity."""

    def __init__(self) -> None:
        self.entries: dict[tuple, list[MemoEntry]] = {}
        self.used: dict[str, float] = {}
        self.valid: "weakref.WeakKeyDictionary[Any, dict[str, bool]]" = \
            weakref.WeakKeyDictionary()
        self._written: dict[str, frozenset[str]] = {}
        self._flat: dict[str, tuple] = {}
        self._spans: dict[str, tuple] = {}  # nested entry -> (fold, start, end): see _fold
        self._fold_items = 0
        self._last_valid: tuple | None = None  # (weak reference to a tree, its verdicts)
        self._quick: dict[str, tuple[tuple, tuple]] = {}  # per entry: names that told apart
        self._own_runs: dict[str, tuple] = {}
        self._config_words: dict[str, frozenset[str]] = {}
        self.pragma_once: set[str] = set()  # files seen to have #pragma once
        self._closure: dict[str, frozenset[str]] = {}
        self.loaded = False
        self.dirty = False
        self.hits = self.misses = 0

    # -- lookup ----------------------------------------------------------------------------
    def find(self, key: tuple, engine: Any, room: int = 1 << 30) -> MemoEntry | None:
        """An entry for the header ``key`` that the engine's state reads the same way, valid
        on its tree, and nesting no deeper than ``room`` more #include levels (a run that
        deep would stop at the include limit and say so)."""
        if not self.loaded:
            self.load()
        entries = self.entries.get(key)
        if entries:
            get = engine.macros.get
            once = engine.once
            quick = self._quick
            for index, entry in enumerate(entries):
                if entry.span > room:
                    continue
                known = quick.get(entry.uid)
                if known is not None and tuple(map(get, known[0])) != known[1]:
                    continue
                names, values = entry.names, entry.values
                # the first name read differently, if any (C speed, stops there)
                differs = next(compress(zip(names, values), map(ne, map(get, names), values)),
                               None)
                if differs is not None:
                    self._learn(entry, differs)
                    continue
                if entry.once and any((p in once) != v for p, v in entry.once):
                    continue
                if not self.is_valid(entry, engine):
                    continue
                if index:  # most recently used first
                    entries.insert(0, entries.pop(index))
                self.used[entry.uid] = time.time()
                self.hits += 1
                return entry
        self.misses += 1
        return None

    def _learn(self, entry: MemoEntry, differs: tuple[str, Any]) -> None:
        """Remember a name whose value told this state from the entry's (``differs``: the
        name and the entry's value): a header has up to ``MAX_PER_HEADER`` entries reading
        hundreds of names each, and they differ in a few (the configuration's symbols), so
        the next lookup compares those first."""
        if len(self._quick) > MAX_ENTRIES:
            self._quick.clear()
        names, values = self._quick.get(entry.uid, ((), ()))
        self._quick[entry.uid] = (names + (differs[0],), values + (differs[1],))

    def is_valid(self, entry: MemoEntry, engine: Any) -> bool:
        tree = engine.tree
        last = self._last_valid  # the same tree as the last call, nearly always: a weak
        if last is not None and last[0]() is tree:  # dictionary's setdefault is Python code
            known = last[1]
        else:
            try:
                known = self.valid.setdefault(tree, {})
            except TypeError:
                return False
            self._last_valid = (weakref.ref(tree), known)
        verdict = known.get(entry.uid)
        if verdict is None:
            base, changed = patched_base(tree)
            if base is not None:
                # a patch that only modifies files: valid on the patched tree when valid on
                # the base and none of the files read (nested headers too) is modified
                verdict = (self.is_valid(entry, _OnTree(engine, base))
                           and self.closure(entry).isdisjoint(changed))
            else:
                verdict = (all(file_version(tree, p) == v for p, v in entry.files)
                           and all(engine.resolved_include(target, cur, nxt) == found
                                   for cur, target, nxt, found in entry.resolutions)
                           and all(self.is_valid(event[1], engine)
                                   for event in entry.log if event[0] == _CHILD))
            known[entry.uid] = verdict
        return verdict

    def closure(self, entry: MemoEntry) -> frozenset[str]:
        """Every file the entry and its nested headers read."""
        found = self._closure.get(entry.uid)
        if found is None:
            paths = {p for p, _ in entry.files}
            for event in entry.log:
                if event[0] == _CHILD:
                    paths |= self.closure(event[1])
            found = self._closure[entry.uid] = frozenset(paths)
        return found

    def written(self, entry: MemoEntry) -> frozenset[str]:
        """Every macro name the entry (and its nested headers) defines or undefines."""
        found = self._written.get(entry.uid)
        if found is None:
            names: set[str] = set()
            for event in entry.log:
                tag = event[0]
                if tag == _DEFINE:
                    names.add(event[1].name)
                elif tag == _UNDEF:
                    names.add(event[1])
                elif tag == _CHILD:
                    names |= self.written(event[1])
            found = self._written[entry.uid] = frozenset(names)
        return found

    def flat(self, entry: MemoEntry):
        """The entry's log with nested headers inlined and folded, for a replay in C-speed
        dict and list operations: (final definitions, names left undefined, every #define in
        order, ``path -> (line count, kept ranges...)`` (see ``preprocess._lines``), the other
        events, the CONFIG_ names the #define bodies mention). Made once per entry replayed
        directly (at the top of a unit; nested entries are folded into it)."""
        uid = entry.uid
        found = self._flat.pop(uid, None)
        if found is not None:
            self._flat[uid] = found  # most recently used last
        else:
            fold = _Fold()
            self._fold(entry, fold)
            self._fold_items += len(fold.names)
            if self._fold_items > MAX_FOLD_ITEMS:  # the folds the spans point into: let go
                self._spans.clear()
                self._fold_items = len(fold.names)
            final = dict(zip(fold.names, fold.values))
            undefined = tuple(sorted(n for n in set(fold.undefs) if final[n] is None))
            for name in undefined:
                del final[name]
            kept: dict[str, list] = {}  # path -> [line count, ranges, ranges...]
            for path, nlines, ranges in fold.kept:
                lines = kept.get(path)
                if lines is None:
                    kept[path] = [nlines, ranges]
                else:
                    lines.append(ranges)
            found = self._flat[uid] = (final, undefined, tuple(fold.definitions),
                                       {p: tuple(k) for p, k in kept.items()},
                                       tuple(fold.rest), self._words(entry))
            if len(self._flat) > MAX_FLAT:  # each holds a whole macro table: bound memory
                del self._flat[next(iter(self._flat))]
        return found

    @staticmethod
    def at_top(entry: MemoEntry) -> None:
        """Note an entry replayed, or made by a header run, at the top of a unit: where a
        replay folds it (most recent last; a small pack, 1,024 uids)."""
        _TOPS.put(entry.uid, entry.path)

    def prefold(self, limit: int = PREFOLD) -> int:
        """Fold the ``limit`` entries last replayed at the top of a unit (by this process or
        an earlier one) that the memo still holds, before they are asked for: a server's first
        review of a file reviewed before it started finds them folded (the fault.c patch's
        units replay 94 top-level entries, 0.03 s of folds). Returns how many were folded."""
        if not self.loaded:
            self.load()
        _TOPS.load()
        wanted = [uid for uid in list(_TOPS.data)[-limit:] if uid not in self._flat]
        if not wanted:
            return 0
        by_uid = {e.uid: e for found in self.entries.values() for e in found}
        done = 0
        for uid in wanted:  # oldest first: the newest end up most recently used
            entry = by_uid.get(uid)
            if entry is not None:
                self.flat(entry)
                done += 1
        return done

    def _fold(self, entry: MemoEntry, fold: "_Fold") -> None:
        """The entry's log, its nested headers inlined, appended to ``fold``; each nested
        entry folded once is then taken as slices of the fold it was first folded in (its
        span there): the configurations of a review replay different entries of a big
        header (<linux/sched.h>, a dozen of them) that differ in a few headers deep down and
        share the rest (123,000 #defines folded for the fault.c review, 34,000 distinct)."""
        names, values, definitions, kept, rest, undefs = (
            fold.names, fold.values, fold.definitions, fold.kept, fold.rest, fold.undefs)
        spans = self._spans
        start = (len(names), len(definitions), len(kept), len(rest), len(undefs))
        for event in self._runs(entry):
            tag = event[0]
            if tag == _RUN:  # consecutive #defines, in C-speed extends
                names.extend(event[1])
                values.extend(event[2])
                definitions.extend(event[2])
            elif tag == _CHILD:
                span = spans.get(event[1].uid)
                if span is None:
                    self._fold(event[1], fold)
                    continue
                other, (n0, d0, k0, r0, u0), (n1, d1, k1, r1, u1) = span
                names += other.names[n0:n1]
                values += other.values[n0:n1]
                definitions += other.definitions[d0:d1]
                kept += other.kept[k0:k1]
                if r1 > r0:
                    rest += other.rest[r0:r1]
                if u1 > u0:
                    undefs += other.undefs[u0:u1]
            elif tag == _KEPT:  # the ranges, set into lines only when asked for
                kept.append(event[1:])
            elif tag == _UNDEF:
                names.append(event[1])
                values.append(None)
                undefs.append(event[1])
            else:
                rest.append(event)
        spans[entry.uid] = (fold, start, (len(names), len(definitions), len(kept), len(rest),
                                          len(undefs)))

    def _runs(self, entry: MemoEntry) -> tuple[tuple, ...]:
        """The entry's own log with each run of consecutive #defines as one event (_RUN,
        names, macros): a header's log is mostly #defines, and folding the same headers again
        for every configuration's top-level entries was a Python loop over each of them."""
        found = self._own_runs.get(entry.uid)
        if found is None:
            out: list[tuple] = []
            names: list[str] = []
            macros: list[Any] = []
            for event in entry.log:
                if event[0] == _DEFINE:
                    names.append(event[1].name)
                    macros.append(event[1])
                    continue
                if macros:
                    out.append((_RUN, tuple(names), tuple(macros)))
                    names, macros = [], []
                out.append(event)
            if macros:
                out.append((_RUN, tuple(names), tuple(macros)))
            if len(self._own_runs) > MAX_RUNS:
                self._own_runs.clear()
            found = self._own_runs[entry.uid] = tuple(out)
        return found

    def _words(self, entry: MemoEntry) -> frozenset[str]:
        """The CONFIG_ names the #define bodies of the entry and its nested headers mention."""
        found = self._config_words.get(entry.uid)
        if found is None:
            words: set[str] = set()
            for event in entry.log:
                tag = event[0]
                if tag == _DEFINE:
                    if "CONFIG_" in event[1].body:
                        words |= config_words_of(event[1].body)
                elif tag == _CHILD:
                    words |= self._words(event[1])
            if len(self._config_words) > MAX_RUNS:
                self._config_words.clear()
            found = self._config_words[entry.uid] = frozenset(words)
        return found

    # -- storing ---------------------------------------------------------------------------
    def add(self, key: tuple, entry: MemoEntry) -> None:
        entries = self.entries.setdefault(key, [])
        entries.insert(0, entry)
        del entries[MAX_PER_HEADER:]
        self.used[entry.uid] = time.time()
        self.dirty = True

    def load(self) -> None:
        self.loaded = True
        root = cache.cache_root()
        if root is None:
            return
        cache.on_exit(self.flush)
        stored = cache.load(root / PACK_NAME)
        if not isinstance(stored, tuple) or len(stored) != 3:
            return
        entries, used, pragma_once = stored
        if not isinstance(entries, dict) or not isinstance(used, dict):
            return
        self.pragma_once |= set(pragma_once)
        for key, found in entries.items():
            mine = self.entries.setdefault(key, [])
            mine.extend(e for e in found if isinstance(e, MemoEntry))
        for uid, when in used.items():
            self.used.setdefault(uid, when)

    def flush(self) -> None:
        """Write the pack if this process added entries (most recently used kept)."""
        if not self.dirty:
            return
        root = cache.cache_root()
        if root is None:
            return
        self.dirty = False
        stale = time.time() - MAX_AGE
        ranked = sorted(((self.used.get(e.uid, 0.0), key, e)
                         for key, found in self.entries.items() for e in found
                         if self.used.get(e.uid, 0.0) >= stale),
                        key=lambda item: -item[0])[:MAX_ENTRIES]
        entries: dict[tuple, list[MemoEntry]] = {}
        for _, key, entry in ranked:
            entries.setdefault(key, []).append(entry)
        used = {e.uid: when for when, _, e in ranked}
        cache.save(root / PACK_NAME, (entries, used, sorted(self.pragma_once)))


def patched_base(tree: Any) -> tuple[Any, frozenset[str]]:
    """(base, modified paths) for a patched tree (an OverlayTree) whose patch only modifies
    files that exist in the base, else (None, empty): adding or deleting a file can change
    where an #include leads."""
    base, changes = getattr(tree, "base", None), getattr(tree, "changes", None)
    if base is None or not isinstance(changes, dict):
        return None, frozenset()
    for path, text in changes.items():
        if text is None or not base.exists(path):
            return None, frozenset()
    return base, frozenset(changes)


class _OnTree:
    """An engine seen on another tree (its base), for checking an entry there."""

    def __init__(self, engine: Any, tree: Any):
        self.engine = engine.engine if isinstance(engine, _OnTree) else engine
        self.tree = tree

    def resolved_include(self, target: str, cur: str, nxt: bool = False) -> str | None:
        return self.engine.resolved_include_on(self.tree, target, cur, nxt)


_MEMO = Memo()


ENABLED = True  # tests compare runs with and without it


def memo_for(tree: Any) -> Memo | None:
    """The memo a preprocess of ``tree`` uses (None: off, or a tree that cannot be told
    apart)."""
    if not ENABLED:
        return None
    try:
        weakref.ref(tree)
    except TypeError:
        return None
    return _MEMO


def stats() -> dict[str, int]:
    return {"hits": _MEMO.hits, "misses": _MEMO.misses,
            "entries": sum(len(v) for v in _MEMO.entries.values())}


def reset() -> None:
    """Forget every entry in memory (tests, benchmarks of a cold start)."""
    global _MEMO
    _MEMO.flush()
    _MEMO = Memo()


from .preprocess import _CHILD, _DEFINE, _KEPT, _UNDEF, config_words_of  # noqa: E402  (the log's event tags)


class _Fold:
    """An entry's log with its nested headers inlined (Memo.flat): every #define and #undef
    (name, macro or None) in order, the #defines, the files' kept ranges (path, line count,
    ranges), the other events and the names #undef'd."""

    __slots__ = ("names", "values", "definitions", "kept", "rest", "undefs")

    def __init__(self) -> None:
        self.names: list[str] = []
        self.values: list[Any] = []
        self.definitions: list[Any] = []
        self.kept: list[tuple] = []
        self.rest: list[tuple] = []
        self.undefs: list[str] = []


_RUN = -1  # a run of consecutive #defines in a folded log (never stored in an entry)
