"""Variants: under which configuration every line of the tree is compiled.

This stage sits between ``tree`` and ``model``. It answers two kinds of question:

*Symbolically, for one file* -- :func:`scan` gives each physical line its presence condition,
an ``#if`` expression over macros (``defined(CONFIG_X86_PAE) && !defined(CONFIG_PARAVIRT)``),
and says which ``CONFIG_`` symbols the file's conditionals read. Cheap: a regex pass per file;
the 1,150 ``.c``/``.h`` files of Linux 6.1 ``arch/x86`` scan in about a third of a second.

*Concretely, for one configuration* -- :func:`preprocess` follows the includes of a
translation unit, keeps the macro table and decides every conditional, yielding the text of
each file as the compiler sees it (lines kept in place, the rest blank), the macros defined at
the end (``SHARED_KERNEL_PMD`` is ``0`` in one configuration and ``(paravirt_ops.shared_kernel_pmd)``
in another), the ``#define`` s seen, the headers the tree lacks. :func:`project` does it for one
text; with ``partial=True`` it is a drop-in for ``unifdef -b`` (and is tested against it).
:func:`expand` expands macros in code for the semantic model.

Which configurations? :func:`read_kconfig` reads the tree's Kconfig with kconfiglib into
``#if``-style dependencies; :func:`enumerate_configs` lists the assignments of a set of symbols
that Kconfig does not refute (sampling when there are too many), with the ``coverage`` record
the findings contract wants.

Modules (each docstring is its manual):

==================  ==========================================================================
``expr``            ``#if`` expressions: parse, evaluate (three-valued), simplify, print
``config``          :class:`Configuration`, :func:`config_lookup`
``conditions``      :func:`scan`, :class:`Directive`, :class:`FileConditions`
``preprocess``      :func:`preprocess`, :func:`project`, :class:`Unit`, :class:`FileVariant`,
                    :class:`Macro`
``expand``          :func:`tokenize`, :func:`expand`, :class:`MacroError`
``kconfig``         :func:`read_kconfig`, :class:`KconfigModel`, :class:`KSymbol`
``classes``         :func:`enumerate_configs`
==================  ==========================================================================

Errors: :class:`~reviewtool.errors.ConditionError` (unbalanced or malformed conditionals;
:class:`MacroError` is a subclass for runaway macro expansion) and
:class:`~reviewtool.errors.KconfigError`.
"""

from __future__ import annotations

from .classes import enumerate_configs
from .conditions import Directive, FileConditions, scan
from .config import Configuration, config_lookup, config_macros
from .expand import MacroError, Token, expand, tokenize
from .expr import (DEFINED, FALSE, TRUE, UNDEFINED, UNKNOWN, Binary, Call, Cond, Defined, Expr,
                   Ident, Num, Unary, config_symbols, conj, disj, evaluate, identifiers,
                   negate, parse_expr, to_c)
from .kconfig import KconfigModel, KSymbol, read_kconfig
from .preprocess import FileVariant, Macro, Unit, preprocess, project

__all__ = [
    "Binary", "Call", "Cond", "Configuration", "DEFINED", "Defined", "Directive", "Expr",
    "FALSE", "FileConditions", "FileVariant", "Ident", "KSymbol", "KconfigModel", "Macro",
    "MacroError", "Num", "TRUE", "Token", "UNDEFINED", "UNKNOWN", "Unary", "Unit",
    "config_lookup", "config_macros", "config_symbols", "conj", "disj", "enumerate_configs",
    "evaluate", "expand", "identifiers", "negate", "parse_expr", "preprocess", "project",
    "read_kconfig", "scan", "to_c", "tokenize",
]
