"""What each file defines, includes and tests, per file version, kept between runs.

Choosing the configurations to enumerate needs, for every file a unit reads (about 1,200 on a
real kernel), the ``CONFIG_`` symbols of its conditionals, its ``#define`` sites and its
``#include`` lines. Those come from :func:`~reviewtool.variants.conditions.scan`, which also
computes the condition of every line; the facts are a small part of that, so they are kept in
a pack in the cache directory keyed by (path, file version): a second run over the same tree
reads them instead of scanning every header again (``bench: benchmarks/realtree.py``).
A file the cache cannot tell apart (no version) is scanned every time.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..cache import Pack
from ..errors import ReviewtoolError
from .conditions import scan
from .expr import config_symbols
from .memo import file_version

PACK_LIMIT = 200_000


class Facts(NamedTuple):
    symbols: frozenset[str]      # CONFIG_ symbols of the file's conditionals
    # (macro, line, body, CONFIG_ symbols of the condition the #define is under)
    defines: tuple[tuple[str, int, str, frozenset[str]], ...]
    # (file name of the target, line, CONFIG_ symbols of the condition the line is under)
    includes: tuple[tuple[str, int, frozenset[str]], ...]


_PACK = Pack("file-facts-1.pickle", PACK_LIMIT)
_MEMORY: dict[tuple[str, str], Facts | None] = {}


def facts_of(info: Any) -> Facts:
    defines, includes = [], []
    known: dict[int, frozenset[str]] = {}

    def under(line: int) -> frozenset[str]:
        condition = info.conditions[line - 1] if 0 < line <= len(info.conditions) else None
        if condition is None:
            return frozenset()
        found = known.get(id(condition))
        if found is None:
            found = known[id(condition)] = frozenset(config_symbols(condition))
        return found

    for directive in info.directives:
        if directive.kind == "define" and directive.name:
            defines.append((directive.name, directive.line, directive.body or "",
                            under(directive.line)))
        elif directive.kind == "include" and directive.name:
            includes.append((directive.name.strip("<>\"").rsplit("/", 1)[-1], directive.line,
                             under(directive.line)))
    return Facts(frozenset(info.symbols), tuple(defines), tuple(includes))


def file_facts(tree: Any, path: str) -> Facts | None:
    """The file's facts (None: absent, or its conditionals do not parse)."""
    version = file_version(tree, path)
    key = (path, version) if version is not None else None
    if key is not None:
        if key in _MEMORY:
            return _MEMORY[key]
        stored = _PACK.get(key)
        if isinstance(stored, Facts) or (stored is None and key in _PACK.data):
            _MEMORY[key] = stored
            return stored
    text = tree.read(path)
    try:
        found = facts_of(scan(text, path)) if text is not None else None
    except ReviewtoolError:
        found = None
    if key is not None:
        if len(_MEMORY) > PACK_LIMIT:
            _MEMORY.clear()
        _MEMORY[key] = found
        _PACK.put(key, found)
    return found
