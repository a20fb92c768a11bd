"""project(partial=True) against the real C tool: ``unifdef -b``, line by line.

``unifdef -b`` blanks the lines it removes, so its output and ours line up. For each file and
configuration, symbols set ``y`` are passed as ``-DCONFIG_X -UCONFIG_X_MODULE``, ``m`` as
``-UCONFIG_X -DCONFIG_X_MODULE``, ``n`` as ``-U`` both, numbers as ``-DCONFIG_X=value``.

Intentional differences (documented in :mod:`reviewtool.variants.preprocess`): unifdef 2.10
evaluates only ``! < > <= >= == != && || defined``, identifiers and plain integers; we also
evaluate arithmetic, bitwise operators, suffixed and character constants, ``?:`` and
``IS_ENABLED()``. A file with such a conditional over a known symbol is not compared (it is
counted). A file unifdef itself rejects (exit status 2: a conditional continued with a
backslash, a multi-line comment on an ``#elif`` line) is skipped likewise.
"""

import re
import shutil
import subprocess

import pytest

from reviewtool.errors import ConditionError
from reviewtool.tree import corpus_tree
from reviewtool.variants import _lex
from reviewtool.variants.conditions import directive_expr
from reviewtool.variants.config import Configuration
from reviewtool.variants.expr import (KCONFIG_CALLS, Binary, Call, Defined, Ident, Num, Unary,
                                      identifiers)
from reviewtool.variants.preprocess import project

UNIFDEF = shutil.which("unifdef")
pytestmark = pytest.mark.skipif(UNIFDEF is None, reason="unifdef not installed")

CONFIGS = [
    {"CONFIG_X86_PAE": "y", "CONFIG_PARAVIRT": "n", "CONFIG_HIGHMEM64G": "y"},
    {"CONFIG_X86_PAE": "n", "CONFIG_PARAVIRT": "y", "CONFIG_HIGHPTE": "n"},
    {"CONFIG_X86_PAE": "y", "CONFIG_PARAVIRT": "y", "CONFIG_SMP": "m", "CONFIG_XEN": "y"},
    {"CONFIG_HIGHMEM": "n", "CONFIG_HIGHPTE": "y", "CONFIG_PAGE_OFFSET": "0xC0000000"},
]

_PLAIN = re.compile(r"(0[xX][0-9a-fA-F]+|\d+)\Z")
_UNIFDEF_OPS = frozenset({"&&", "||", "==", "!=", "<", ">", "<=", ">="})


def unifdef_args(config):
    args = []
    for name, value in config.items():
        if value == "y":
            args += [f"-D{name}", f"-U{name}_MODULE"]
        elif value == "m":
            args += [f"-U{name}", f"-D{name}_MODULE"]
        elif value == "n":
            args += [f"-U{name}", f"-U{name}_MODULE"]
        else:
            args += [f"-D{name}={value}", f"-U{name}_MODULE"]
    return args


def unifdef_evaluates(expr):
    """True when unifdef 2.10 can evaluate every construct of ``expr``."""
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Num):
            if e.text is None or not _PLAIN.match(e.text):
                return False
        elif isinstance(e, (Ident, Defined)):
            continue
        elif isinstance(e, Unary):
            if e.op != "!":
                return False
            stack.append(e.operand)
        elif isinstance(e, Binary):
            if e.op not in _UNIFDEF_OPS:
                return False
            stack += [e.left, e.right]
        elif isinstance(e, Call):
            if e.name in KCONFIG_CALLS:
                return False
        else:
            return False
    return True


def comparable(text, config):
    known = set(config) | {name + "_MODULE" for name in config}
    raws, _ = _lex.directives(text)
    for raw in raws:
        if raw.kind in ("if", "elif"):
            try:
                e = directive_expr(raw, "<oracle>")
            except ConditionError:
                continue
            if identifiers(e) & known and not unifdef_evaluates(e):
                return False
    return True


def run_unifdef(text, config):
    proc = subprocess.run([UNIFDEF, "-b", *unifdef_args(config)],
                          input=text.encode("utf-8", "surrogateescape"), capture_output=True,
                          timeout=60)
    if proc.returncode == 2:
        return None
    return proc.stdout.decode("utf-8", "surrogateescape")


def compare_files(tree, paths, configs):
    """-> (compared, skipped, differences: list of (path, config, line, theirs, ours))."""
    compared = skipped = 0
    differences = []
    for config in configs:
        for path in paths:
            text = tree.read(path)
            theirs = run_unifdef(text, config)
            if theirs is None or not comparable(text, config):
                skipped += 1
                continue
            ours = project(text, Configuration(config), path, partial=True)
            compared += 1
            a, b = theirs.split("\n"), ours.split("\n")
            if len(a) != len(b):
                differences.append((path, config, 0, f"{len(a)} lines", f"{len(b)} lines"))
            for number, (x, y) in enumerate(zip(a, b), 1):
                if x != y:
                    differences.append((path, config, number, x, y))
                    break
    return compared, skipped, differences


# ------------------------------------------------------------------ small cases first

@pytest.mark.parametrize("text", [
    "#ifdef CONFIG_X\nx\n#else\ny\n#endif\n",
    "#if defined(CONFIG_X) && defined(CONFIG_U)\na\n#elif CONFIG_L == 3\nb\n#else\nc\n#endif\n",
    "#ifdef CONFIG_U\nu\n#elif defined(CONFIG_X)\nx\n#elif defined(CONFIG_V)\nv\n#else\ne\n#endif\n",
    "#ifdef CONFIG_N\nn\n#elif defined(CONFIG_U)\nu\n#elif defined(CONFIG_X)\nx\n#endif\n",
    "#if !defined(CONFIG_N) || CONFIG_U\na\n#endif\n#if CONFIG_U && !CONFIG_X\nb\n#endif\n",
    "#ifdef CONFIG_U\n#ifndef CONFIG_X\nnx\n#endif\n#endif\n#ifdef CONFIG_N\n#if CONFIG_U\n#endif\n#endif\n",
    "#if 0\nz\n#endif\n#if 1\no\n#endif\n#if CONFIG_L > 2 /* c */\nl\n#endif // t\n",
    "#ifdef CONFIG_N\n#define A(x) \\\n x\n#endif\n#ifdef CONFIG_X\n#define B(x) \\\n x\n#endif\n",
    "/*\n#ifdef CONFIG_X\n*/\nint a;\n#ifdef CONFIG_X_MODULE\nm\n#endif\n",
    "  #  ifdef CONFIG_N\n n\n  #  elif  CONFIG_U\nu\n # else\nz\n #endif /* Y */\n",
])
def test_snippet_matches_unifdef(text):
    config = {"CONFIG_X": "y", "CONFIG_N": "n", "CONFIG_L": "3"}
    assert project(text, Configuration(config), partial=True) == run_unifdef(text, config)


# ------------------------------------------------------------------ the sample tree

def test_corpus_tree_matches_unifdef():
    tree = corpus_tree()
    paths = list(tree.walk((".c", ".h")))
    if not paths:
        pytest.skip("corpus tree not present")
    compared, skipped, differences = compare_files(tree, paths, CONFIGS)
    assert differences == []
    assert compared >= len(paths) * len(CONFIGS) // 2, (compared, skipped)
