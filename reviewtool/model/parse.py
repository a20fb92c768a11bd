"""tree-sitter-c for kernel C: one parser, one query loader, annotation blanking.

Kernel annotations (``__init``, ``fastcall``, ``__user``, ``__attribute__((...))``...) are what
tree-sitter-c mostly trips over (see design.md: about 2% of the bytes of arch/x86/mm sit in ERROR
nodes, mostly these). They are replaced by spaces of the same length before parsing, so byte
offsets and line numbers still point into the original text.
"""

from __future__ import annotations

import re
from functools import lru_cache

import tree_sitter_c
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from ..resources import queries_dir

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


def blank_annotations(text: str) -> str:
    """Replace kernel annotations by spaces, keeping every offset and newline."""
    chars = None
    for match in _WITH_ARGS.finditer(text):
        depth, end = 0, match.end() - 1
        while end < len(text):
            if text[end] == "(":
                depth += 1
            elif text[end] == ")":
                depth -= 1
                if depth == 0:
                    break
            end += 1
        if chars is None:
            chars = list(text)
        for i in range(match.start(), min(end + 1, len(text))):
            if chars[i] != "\n":
                chars[i] = " "
    if chars is not None:
        text = "".join(chars)
    return _WORDS.sub(lambda m: " " * len(m.group(0)), text)


_PARSER = Parser(LANGUAGE)


@lru_cache(maxsize=512)
def parse(text: str) -> Tree:
    """Parse C ``text`` (annotations blanked first); cached by text, since variants repeat."""
    return _PARSER.parse(blank_annotations(text).encode("utf-8", "surrogateescape"))


@lru_cache(maxsize=None)
def query(name: str) -> Query:
    """Load ``queries/NAME.scm`` once."""
    path = queries_dir() / f"{name}.scm"
    return Query(LANGUAGE, path.read_text(encoding="utf-8"))


def matches(name: str, node: Node) -> list[tuple[int, dict[str, list[Node]]]]:
    return QueryCursor(query(name)).matches(node)


def node_text(node: Node) -> str:
    return node.text.decode("utf-8", "surrogateescape") if node.text is not None else ""


def has_error(node: Node) -> bool:
    return node.has_error
