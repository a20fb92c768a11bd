"""What a file defines in one configuration: functions and file-scope variables.

Works on a projected variant (directive lines blanked, line numbers kept), so every definition's
line range is a range of the real file. ERROR islands are tolerated: a function is found as long as
tree-sitter recognised its definition, and ``has_error`` says whether its body held an ERROR node.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from ..cache import Pack
from ..errors import ModelError
from .parse import matches, node_text, parse

PARAVIRT_OBJECTS = ("paravirt_ops", "pv_ops", "pv_mmu_ops", "pv_cpu_ops", "pv_irq_ops")


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str  # "function" | "variable"
    path: str
    line: int  # first line (1-based)
    end_line: int
    text: str  # the definition's source text in this variant
    is_static: bool = False
    is_inline: bool = False
    calls: tuple[str, ...] = ()
    hooks: tuple[str, ...] = ()  # paravirt_ops.X called directly
    params: tuple[str, ...] = ()
    returns_void: bool = False
    has_error: bool = False


def _storage(node) -> tuple[bool, bool]:
    static = inline = False
    for child in node.children:
        if child.type == "storage_class_specifier":
            word = node_text(child)
            static |= word == "static"
            inline |= word in ("inline", "__inline", "__inline__")
        elif child.type == "compound_statement":
            break
    return static, inline


def _params(declarator) -> tuple[str, ...]:
    node = declarator
    while node is not None and node.type != "function_declarator":
        node = node.child_by_field_name("declarator")
    if node is None:
        return ()
    plist = node.child_by_field_name("parameters")
    names = []
    for param in plist.named_children if plist else ():
        inner = param.child_by_field_name("declarator")
        while inner is not None and inner.type != "identifier":
            inner = inner.child_by_field_name("declarator")
        if inner is not None:
            names.append(node_text(inner))
    return tuple(names)


def _calls(node) -> tuple[tuple[str, ...], tuple[str, ...]]:
    calls: list[str] = []
    hooks: list[str] = []
    for _, caps in matches("calls", node):
        name = node_text(caps["name"][0])
        if "object" in caps:
            if node_text(caps["object"][0]) in PARAVIRT_OBJECTS:
                hooks.append(name)
        elif name not in calls:
            calls.append(name)
    return tuple(calls), tuple(dict.fromkeys(hooks))


_PARSED = Pack("definitions-1.pickle", 50_000)


@lru_cache(maxsize=1024)
def definitions(path: str, text: str) -> tuple[Definition, ...]:
    """Functions and file-scope variables defined in ``text`` (a projected variant of ``path``).
    Cached: a header usually projects to the same text in many configurations, and the parse
    is kept in the cache directory keyed by the text's hash (a later run over the same tree
    does not parse it again). C nested too deeply to walk raises
    :class:`~reviewtool.errors.ModelError`."""
    key = (path, hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest())
    stored = _PARSED.get(key)
    if isinstance(stored, tuple):
        return stored
    try:
        found = _definitions(path, text)
    except RecursionError:
        raise ModelError("C nested too deeply to model (deeper than the recursion limit)",
                         path=path) from None
    _PARSED.put(key, found)
    return found


def _definitions(path: str, text: str) -> tuple[Definition, ...]:
    root = parse(text, path).root_node  # the variants of a file share a parse
    found: list[Definition] = []
    for _, caps in matches("functions", root):
        node = caps["definition.function"][0]
        name = node_text(caps["name"][0])
        static, inline = _storage(node)
        body = node.child_by_field_name("body")
        calls, hooks = _calls(body) if body is not None else ((), ())
        type_node = node.child_by_field_name("type")
        declarator = node.child_by_field_name("declarator")
        returns_void = (type_node is not None and node_text(type_node) == "void"
                        and declarator is not None and declarator.type == "function_declarator")
        found.append(Definition(
            name=name, kind="function", path=path, line=node.start_point[0] + 1,
            end_line=node.end_point[0] + 1, text=_slice(text, node), is_static=static,
            is_inline=inline, calls=calls, hooks=hooks,
            params=_params(declarator) if declarator is not None else (),
            returns_void=returns_void, has_error=node.has_error))
    for _, caps in matches("globals", root):
        node = caps.get("definition.variable", caps.get("definition.macro_variable"))[0]
        if node.parent is not None and node.parent.type != "translation_unit":
            continue
        source = node_text(node)
        if source.lstrip().startswith(("extern", "typedef")):
            continue
        found.append(Definition(
            name=node_text(caps["name"][0]), kind="variable", path=path,
            line=node.start_point[0] + 1, end_line=node.end_point[0] + 1, text=source,
            is_static=source.lstrip().startswith("static"), has_error=node.has_error))
    found.sort(key=lambda d: (d.line, d.name))
    return tuple(found)


def _slice(text: str, node) -> str:
    data = text.encode("utf-8", "surrogateescape")
    return data[node.start_byte:node.end_byte].decode("utf-8", "surrogateescape")
