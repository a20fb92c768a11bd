"""tree-sitter-c for kernel C: one parser, one query loader, annotation blanking.

Kernel annotations (``__init``, ``fastcall``, ``__user``, ``__attribute__((...))``...) are what
tree-sitter-c mostly trips over (see design.md: about 2% of the bytes of arch/x86/mm sit in ERROR
nodes, mostly these). They are replaced by spaces of the same length before parsing, so byte
offsets and line numbers still point into the original text.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache

import tree_sitter_c
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from ..errors import ModelError
from ..limits import MAX_PARSE_SECONDS
from ..resources import queries_dir
from ..variants import _lex

LANGUAGE = Language(tree_sitter_c.language())

ANNOTATIONS = (
    "__init", "__exit", "__initdata", "__exitdata", "__initconst", "__devinit", "__devexit",
    "__devinitdata", "__cpuinit", "__cpuinitdata", "__meminit", "__ref", "__refdata",
    "__user", "__kernel", "__iomem", "__percpu", "__rcu", "__force", "__bitwise", "__nocast",
    "__must_check", "__always_inline", "noinline", "__noinline", "__cold", "__hot",
    "__read_mostly", "__ro_after_init", "__visible", "__weak", "__maybe_unused", "__used",
    "__kprobes", "nokprobe_inline", "notrace", "__noreturn", "__packed", "__aligned_largest",
    "asmlinkage", "fastcall", "__sched", "__lockfunc", "__latent_entropy", "__pure",
    "__always_unused", "__noinstr_section", "noinstr", "__cpuidle", "__head", "__irq_entry",
    "__page_aligned_data", "__page_aligned_bss", "__init_or_module", "__nocfi", "__no_kcsan",
    "__no_sanitize_address", "__flatten", "__naked", "__section_mostly", "__releases",
    "__acquires", "__must_hold",
)
# Annotations that take an argument list: blank the name and its balanced parentheses.
ANNOTATIONS_WITH_ARGS = (
    "__attribute__", "__aligned", "__section", "__releases", "__acquires", "__must_hold",
    "__printf", "__scanf", "__alias", "__cond_lock", "__diag_ignore", "__assume_aligned",
    "__counted_by", "__free",
)

_WORDS = re.compile(r"\b(?:%s)\b" % "|".join(sorted(map(re.escape, ANNOTATIONS), key=len,
                                                       reverse=True)))
_WITH_ARGS = re.compile(r"\b(?:%s)\s*\(" % "|".join(map(re.escape, ANNOTATIONS_WITH_ARGS)))


def _closing_parens(text: str) -> dict[int, int]:
    """Offset of each ``(`` -> offset of its ``)``, in one pass (unclosed ones are absent)."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in re.finditer(r"[()]", text):
        if m.group(0) == "(":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.start()
    return pairs


def blank_annotations(text: str) -> str:
    """Replace kernel annotations by spaces, keeping every offset and newline. An annotation
    whose parenthesis is never closed is blanked to the end. Linear in the text, whatever it
    holds (hostile input: thousands of unclosed ``__attribute__((``)."""
    chars = None
    pairs: dict[int, int] | None = None
    done = 0  # chars before this offset are already blanked
    for match in _WITH_ARGS.finditer(text):
        if pairs is None:
            pairs = _closing_parens(text)
        end = pairs.get(match.end() - 1, len(text) - 1)
        if chars is None:
            chars = list(text)
        for i in range(max(match.start(), done), min(end + 1, len(text))):
            if chars[i] != "\n":
                chars[i] = " "
        done = max(done, end + 1)
    if chars is not None:
        text = "".join(chars)
    return _WORDS.sub(lambda m: " " * len(m.group(0)), text)


def _blank_unterminated_comment(text: str) -> str:
    """An unterminated ``/*`` comments out the rest of the file (the compiler would stop
    there): blank it, keeping newlines, because tree-sitter-c takes super-linear time on a
    tail of unterminated comment openers (hostile input)."""
    start = text.rfind("/*")
    if start < 0 or text.rfind("*/") > start:
        return text
    last = None
    for last in _lex.COMMENTS.finditer(text):
        pass
    if last is None or not last.group(0).startswith("/*") or last.group(0).endswith("*/"):
        return text
    tail = text[last.start():]
    return text[:last.start()] + re.sub(r"[^\n]", " ", tail)


_PARSER = Parser(LANGUAGE)


_INCLUDE_OR_LITERAL = re.compile(
    r"//[^\n]*|/\*[\s\S]*?(?:\*/|\Z)|\"(?:[^\"\\\n]|\\.)*(?:\"|\\?(?=\n)|\\?\Z)"
    r"|'(?:[^'\\\n]|\\.)*(?:'|\\?(?=\n)|\\?\Z)|#[ \t]*include")
_NON_SPACE = re.compile(r"\S")


def _blank_midline_includes(text: str) -> str:
    """Blank the ``#`` of an ``#include`` that does not start its line (outside comments and
    literals): no directive can sit there, and tree-sitter-c takes quadratic time on a line
    of ``#include <`` that never closes (hostile input). Linear: each line's start is looked
    at once."""
    if "include" not in text or "#" not in text:
        return text
    chars = None
    searched = 0  # newlines are looked for once, from here
    line_start = 0
    state = None  # for the current line: None unknown, else whether a # there is mid-line
    for m in _INCLUDE_OR_LITERAL.finditer(text):
        if text[m.start()] != "#":
            continue
        newline = text.rfind("\n", searched, m.start())
        if newline >= 0:
            line_start, state = newline + 1, None
        searched = m.start()
        if state is None:
            state = _NON_SPACE.search(text, line_start, m.start()) is not None
            if not state:
                state = True  # a directive starts the line; the next # on it is mid-line
                continue
        if chars is None:
            chars = list(text)
        chars[m.start()] = " "
    return "".join(chars) if chars is not None else text


@lru_cache(maxsize=512)
def parse(text: str, path: str | None = None) -> Tree:
    """Parse C ``text`` (annotations blanked first); cached by text, since variants repeat.
    With ``path``, the text is taken as a variant of that file: the last variant of it parsed
    is reused for what the two have in common (tree-sitter's incremental parsing: the lines
    where they differ are edited into a copy of its tree), about half the time of a parse
    from scratch, and the same tree.

    Raises :class:`~reviewtool.errors.ModelError` when tree-sitter takes longer than
    :data:`MAX_PARSE_SECONDS` (see :mod:`reviewtool.limits`); parsing goes through Python
    callbacks so that ``check --timeout`` can interrupt it too."""
    data = _blank_midline_includes(_blank_unterminated_comment(blank_annotations(text)))\
        .encode("utf-8", "surrogateescape")
    last = _LAST.pop(path, None) if path is not None else None
    old = _edited(last[0], last[1], data) if last is not None else None
    started = time.monotonic()

    def read(offset: int, point) -> bytes:  # noqa: ARG001 - tree-sitter's signature
        return data[offset:offset + 65536]

    def progress(state, has_error) -> bool:  # noqa: ARG001 - True cancels the parse
        return time.monotonic() - started > MAX_PARSE_SECONDS

    try:
        if old is None:
            tree = _PARSER.parse(read, progress_callback=progress)
        else:
            tree = _PARSER.parse(read, old_tree=old, progress_callback=progress)
        # A tree parsed through callbacks reads node text back through them, and crashes
        # the interpreter if that fails (a RecursionError deep in a model walk): reparse
        # from the bytes, reusing the whole tree (about a third of the first parse)
        tree = _PARSER.parse(data, old_tree=tree)
    except ValueError:
        _PARSER.reset()
        raise ModelError(f"tree-sitter did not finish parsing within {MAX_PARSE_SECONDS:g} s "
                         "(reviewtool.limits)") from None
    except BaseException:
        _PARSER.reset()  # --timeout's TimeLimitError raised inside the progress callback
        raise
    if path is not None:
        _LAST[path] = (data, tree)  # most recent last
        while len(_LAST) > MAX_LAST:
            del _LAST[next(iter(_LAST))]
    return tree


# path -> (bytes, tree) of the last variant of the file parsed, for the next one
_LAST: dict[str, tuple[bytes, Tree]] = {}
MAX_LAST = 256


def _edited(old_data: bytes, old_tree: Tree, data: bytes) -> Tree | None:
    """A copy of ``old_tree`` told where ``data`` differs from ``old_data``, line by line (the
    variants of a file have the same lines, some emptied); None when the line counts differ."""
    before, after = old_data.split(b"\n"), data.split(b"\n")
    if len(before) != len(after):
        return None
    starts = [0]
    for line in before:
        starts.append(starts[-1] + len(line) + 1)
    tree = old_tree.copy()
    last = len(before) - 1
    while last >= 0:  # from the end: an edit leaves the offsets before it as they were
        if before[last] == after[last]:
            last -= 1
            continue
        first = last
        while first > 0 and before[first - 1] != after[first - 1]:
            first -= 1
        start = starts[first]
        new_length = sum(len(line) + 1 for line in after[first:last + 1]) - 1
        tree.edit(start_byte=start, old_end_byte=starts[last] + len(before[last]),
                  new_end_byte=start + new_length, start_point=(first, 0),
                  old_end_point=(last, len(before[last])),
                  new_end_point=(last, len(after[last])))
        last = first - 1
    return tree


@lru_cache(maxsize=None)
def query(name: str) -> Query:
    """Load ``queries/NAME.scm`` once."""
    path = queries_dir() / f"{name}.scm"
    return Query(LANGUAGE, path.read_text(encoding="utf-8"))


def compile_queries() -> int:
    """Compile every query of ``queries/`` now, not at the first parse (~15 ms: a server
    does it at its start). Returns how many."""
    names = sorted(path.stem for path in queries_dir().glob("*.scm"))
    for name in names:
        query(name)
    return len(names)


def matches(name: str, node: Node) -> list[tuple[int, dict[str, list[Node]]]]:
    return QueryCursor(query(name)).matches(node)


def node_text(node: Node) -> str:
    return node.text.decode("utf-8", "surrogateescape") if node.text is not None else ""


def has_error(node: Node) -> bool:
    return node.has_error
