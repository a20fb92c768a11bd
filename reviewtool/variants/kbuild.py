"""Which configuration builds a ``.c`` file at all: Kbuild's ``obj-$(CONFIG_X) += file.o``.

Only the Makefile in the file's own directory is read, and only the plain ``obj-y`` /
``obj-$(CONFIG_X)`` forms (with ``+=``, ``:=``, ``=`` and backslash continuations); a file the
Makefile does not mention, or a directory without a Makefile, is taken as always built. A
directory's own inclusion by its parent (``obj-$(CONFIG_XEN) += xen/``) is followed upwards.
"""

from __future__ import annotations

import re

_ASSIGN = re.compile(r"^\s*obj-(y|\$\((CONFIG_\w+)\))\s*[:+]?=\s*(.*)$")


def _logical_lines(text: str) -> list[str]:
    return text.replace("\\\n", " ").split("\n")


def _condition_in(makefile: str, target: str) -> tuple[bool, str | None]:
    """(mentioned, symbol): symbol None means ``obj-y``."""
    for line in _logical_lines(makefile):
        match = _ASSIGN.match(line.split("#", 1)[0])
        if match and target in match.group(3).split():
            return True, match.group(2)
    return False, None


def build_symbols(tree, path: str) -> tuple[str, ...]:
    """The CONFIG_ symbols that must be enabled (y or m) for ``path`` to be compiled."""
    symbols: list[str] = []
    parts = path.split("/")
    target = parts[-1].rsplit(".", 1)[0] + ".o"
    for depth in range(len(parts) - 1, 0, -1):
        directory = "/".join(parts[:depth])
        makefile = tree.read(f"{directory}/Makefile")
        if makefile is None:
            break
        mentioned, symbol = _condition_in(makefile, target)
        if symbol:
            symbols.append(symbol)
        if depth == len(parts) - 1 and not mentioned:
            break  # the Makefile does not list it: no claim about it
        target = parts[depth - 1] + "/"
    return tuple(dict.fromkeys(symbols))


def is_built(symbols: tuple[str, ...], config) -> bool:
    return all(config.get(s, "n") in ("y", "m") for s in symbols)
