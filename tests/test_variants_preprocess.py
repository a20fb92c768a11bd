"""preprocess() and project(): concrete per-configuration preprocessing."""

import pytest

from reviewtool.errors import ConditionError, TreeError
from reviewtool.tree import corpus_tree
from reviewtool.variants.config import Configuration
from reviewtool.variants.preprocess import Macro, preprocess, project


class DictTree:
    """A tiny in-memory Tree: path -> text."""

    kind = "dict"
    path = ""
    revision = ""

    def __init__(self, files):
        self.files = dict(files)
        self.reads = []

    def read(self, path):
        self.reads.append(path)
        return self.files.get(path)

    def exists(self, path):
        return path in self.files

    def walk(self, suffixes=(".c", ".h")):
        return iter(sorted(p for p in self.files if p.endswith(suffixes)))


def C(**kw):
    return Configuration(kw)


def lines(unit, path):
    return unit.file(path).text.split("\n")


@pytest.fixture
def corpus():
    tree = corpus_tree()
    if tree.read("arch/i386/mm/pgtable.c") is None:
        pytest.skip("corpus tree not present")
    return tree


# ------------------------------------------------------------------ preprocess

def test_root_first_then_includes_in_order():
    tree = DictTree({"a.c": '#include "b.h"\n#include "c.h"\n', "b.h": "b\n", "c.h": "c\n"})
    unit = preprocess(tree, "a.c", C())
    assert [f.path for f in unit.files] == ["a.c", "b.h", "c.h"]


def test_projection_keeps_line_count_and_blanks_directives():
    text = "a\n#ifdef CONFIG_X\nb\n#else\nc\n#endif\nd\n"
    unit = preprocess(DictTree({"a.c": text}), "a.c", C(X="y"))
    assert unit.root.text == "a\n\nb\n\n\n\nd\n"
    assert len(unit.root.text.split("\n")) == len(text.split("\n"))
    assert unit.root.kept == (True, False, True, False, False, False, True)


def test_config_n_takes_else_branch():
    text = "#ifdef CONFIG_X\nb\n#else\nc\n#endif\n"
    unit = preprocess(DictTree({"a.c": text}), "a.c", C(X="n"))
    assert unit.root.text == "\n\n\nc\n\n"


def test_module_defines_config_x_module_only():
    text = "#ifdef CONFIG_X\nbuiltin\n#endif\n#ifdef CONFIG_X_MODULE\nmodule\n#endif\n"
    unit = preprocess(DictTree({"a.c": text}), "a.c", C(X="m"))
    assert "builtin" not in unit.root.text and "module" in unit.root.text


def test_integer_config_value():
    text = "#if CONFIG_PGTABLE_LEVELS > 2\nthree\n#endif\n"
    assert "three" in preprocess(DictTree({"a.c": text}), "a.c", C(PGTABLE_LEVELS="3")).root.text
    assert "three" not in preprocess(DictTree({"a.c": text}), "a.c", C(PGTABLE_LEVELS="2")).root.text


def test_hex_config_value():
    text = "#if CONFIG_PAGE_OFFSET == 0xC0000000\nthree_one\n#endif\n"
    unit = preprocess(DictTree({"a.c": text}), "a.c", C(PAGE_OFFSET="0xC0000000"))
    assert "three_one" in unit.root.text


def test_is_enabled_without_kconfig_h():
    text = "#if IS_ENABLED(CONFIG_X)\non\n#endif\n"
    assert "on" in preprocess(DictTree({"a.c": text}), "a.c", C(X="m")).root.text
    assert "on" not in preprocess(DictTree({"a.c": text}), "a.c", C(X="n")).root.text


def test_include_guard_second_inclusion_is_empty():
    tree = DictTree({
        "a.c": '#include "g.h"\n#include "g.h"\nint x = G;\n',
        "g.h": "#ifndef G_H\n#define G_H\n#define G 1\nint g;\n#endif\n"})
    unit = preprocess(tree, "a.c", C())
    assert [m.name for m in unit.definitions] == ["G_H", "G"]
    assert unit.file("g.h").text.split("\n")[3] == "int g;"


def test_asm_include_resolves_to_2_6_layout():
    tree = DictTree({"arch/i386/mm/x.c": "#include <asm/page.h>\n",
                     "include/asm-i386/page.h": "#define PAGE_SHIFT 12\n"})
    unit = preprocess(tree, "arch/i386/mm/x.c", C())
    assert unit.file("include/asm-i386/page.h") is not None
    assert unit.macros["PAGE_SHIFT"].body == "12"


def test_asm_include_resolves_to_modern_layout():
    tree = DictTree({"arch/x86/mm/x.c": "#include <asm/pgtable.h>\n",
                     "arch/x86/include/asm/pgtable.h": "#define PGT 1\n"})
    unit = preprocess(tree, "arch/x86/mm/x.c", C())
    assert "arch/x86/include/asm/pgtable.h" in [f.path for f in unit.files]


def test_asm_generic_fallback_for_generated_wrappers():
    tree = DictTree({"arch/x86/mm/x.c": "#include <asm/mmiowb.h>\n",
                     "include/asm-generic/mmiowb.h": "#define MMIOWB 1\n"})
    unit = preprocess(tree, "arch/x86/mm/x.c", C(), arch="x86")
    assert "MMIOWB" in unit.macros


def test_quoted_include_relative_to_including_file_first():
    tree = DictTree({"arch/i386/mm/x.c": '#include "local.h"\n',
                     "arch/i386/mm/local.h": "#define WHERE 1\n",
                     "include/local.h": "#define WHERE 2\n"})
    unit = preprocess(tree, "arch/i386/mm/x.c", C())
    assert unit.macros["WHERE"].body == "1"


def test_linux_include_from_include_dir():
    tree = DictTree({"a.c": "#include <linux/mm.h>\n", "include/linux/mm.h": "mm\n"})
    assert preprocess(tree, "a.c", C()).file("include/linux/mm.h") is not None


def test_missing_includes_are_recorded_not_errors():
    tree = DictTree({"a.c": "#include <linux/mm.h>\n#include <linux/mm.h>\nint a;\n"})
    unit = preprocess(tree, "a.c", C())
    assert unit.missing == ("<linux/mm.h>",)
    assert unit.errors == ()


def test_include_under_false_condition_not_followed():
    tree = DictTree({"a.c": "#ifdef CONFIG_X\n#include \"x.h\"\n#endif\n", "x.h": "x\n"})
    unit = preprocess(tree, "a.c", C(X="n"))
    assert [f.path for f in unit.files] == ["a.c"]
    assert "x.h" not in tree.reads


def test_macro_defined_under_ifdef_differs_per_config():
    tree = DictTree({
        "a.c": '#include "defs.h"\n',
        "defs.h": "#ifdef CONFIG_PARAVIRT\n#define SHARED_KERNEL_PMD (paravirt_ops.shared_kernel_pmd)\n"
                  "#else\n#define SHARED_KERNEL_PMD 1\n#endif\n"})
    on = preprocess(tree, "a.c", C(PARAVIRT="y"))
    off = preprocess(tree, "a.c", C(PARAVIRT="n"))
    assert on.macros["SHARED_KERNEL_PMD"].body == "(paravirt_ops.shared_kernel_pmd)"
    assert off.macros["SHARED_KERNEL_PMD"].body == "1"
    assert off.macros["SHARED_KERNEL_PMD"] == Macro("SHARED_KERNEL_PMD", None, "1", False, "defs.h", 4)


def test_if_uses_macros_defined_earlier():
    text = ("#ifdef CONFIG_X86_PAE\n#define LEVELS 3\n#else\n#define LEVELS 2\n#endif\n"
            "#if LEVELS > 2\npmd\n#endif\n")
    assert "pmd" in preprocess(DictTree({"a.c": text}), "a.c", C(X86_PAE="y")).root.text
    assert "pmd" not in preprocess(DictTree({"a.c": text}), "a.c", C(X86_PAE="n")).root.text


def test_if_needs_macro_expansion():
    text = ("#define LEVELS(pae) ((pae) ? 3 : 2)\n#define PAE CONFIG_X86_PAE\n"
            "#if LEVELS(PAE) == 3\nthree\n#endif\n")
    assert "three" in preprocess(DictTree({"a.c": text}), "a.c", C(X86_PAE="y")).root.text
    assert "three" not in preprocess(DictTree({"a.c": text}), "a.c", C(X86_PAE="n")).root.text


def test_undef_removes_macro():
    text = "#define A 1\n#undef A\n#ifdef A\nstill\n#endif\n"
    unit = preprocess(DictTree({"a.c": text}), "a.c", C())
    assert "A" not in unit.macros and "still" not in unit.root.text


def test_undef_config_symbol():
    text = "#undef CONFIG_X\n#ifdef CONFIG_X\nx\n#endif\n"
    assert "x" not in preprocess(DictTree({"a.c": text}), "a.c", C(X="y")).root.text


def test_redefinitions_recorded_in_order():
    text = "#define A 1\n#undef A\n#define A 2\n"
    unit = preprocess(DictTree({"a.c": text}), "a.c", C())
    assert [(m.name, m.body, m.line) for m in unit.definitions] == [("A", "1", 1), ("A", "2", 3)]
    assert unit.macros["A"].body == "2"


def test_definitions_in_the_root_are_its_own():
    tree = DictTree({"a.c": '#define F(x) x\n#include "h.h"\n#define G 2\n',
                     "h.h": "#define H 1\n#define F2(y) y\n"})
    unit = preprocess(tree, "a.c", C())
    assert [m.name for m in unit.definitions_in("a.c")] == ["F", "G"]
    assert [m.name for m in unit.definitions_in("h.h")] == ["H", "F2"]


def test_definitions_in_a_root_included_again_by_a_header():
    tree = DictTree({"a.c": '#ifndef ONCE\n#define ONCE\n#include "h.h"\n#endif\n#define R 1\n',
                     "h.h": '#define H 1\n#include "a.c"\n'})
    first = preprocess(tree, "a.c", C())
    again = preprocess(tree, "a.c", C(X="y"))  # h.h, with a.c inside, replayed
    assert again.root_definitions is None
    for unit in (first, again):
        assert [m.name for m in unit.definitions_in("a.c")] == ["ONCE", "R", "R"]


def test_kernel_predefined_by_default():
    text = "#ifdef __KERNEL__\nk\n#endif\n"
    assert "k" in preprocess(DictTree({"a.c": text}), "a.c", C()).root.text
    assert "k" not in preprocess(DictTree({"a.c": text}), "a.c", C(), predefined={}).root.text


def test_error_directive_reached_is_reported():
    text = "#ifndef CONFIG_X\n#error need X\n#endif\n"
    assert preprocess(DictTree({"a.c": text}), "a.c", C(X="y")).errors == ()
    errors = preprocess(DictTree({"a.c": text}), "a.c", C(X="n")).errors
    assert len(errors) == 1 and "a.c:2" in errors[0] and "need X" in errors[0]


def test_unevaluable_if_is_false_and_reported():
    text = "#if FOO(1)\nx\n#endif\n"
    unit = preprocess(DictTree({"a.c": text}), "a.c", C())
    assert "x" not in unit.root.text and unit.errors


def test_has_include_looks_in_the_tree():
    tree = DictTree({"a.c": "#if __has_include(<linux/x.h>)\nyes\n#endif\n"
                            "#if __has_include(<linux/none.h>)\nno\n#endif\n",
                     "include/linux/x.h": ""})
    text = preprocess(tree, "a.c", C()).root.text
    assert "yes" in text and "no" not in text


def test_include_recursion_is_bounded():
    tree = DictTree({"a.c": '#include "a.h"\n', "a.h": '#include "a.h"\nx\n'})
    unit = preprocess(tree, "a.c", C())
    assert any("nested deeper" in e for e in unit.errors)


def test_pragma_once():
    tree = DictTree({"a.c": '#include "o.h"\n#include "o.h"\n', "o.h": "#pragma once\n#define O 1\n"})
    assert len(preprocess(tree, "a.c", C()).definitions) == 1


def test_file_included_twice_merges_kept_lines():
    tree = DictTree({"a.c": '#define FIRST\n#include "t.h"\n#undef FIRST\n#include "t.h"\n',
                     "t.h": "#ifdef FIRST\none\n#else\ntwo\n#endif\n"})
    unit = preprocess(tree, "a.c", C())
    assert unit.file("t.h").text == "\none\n\ntwo\n\n"


def test_computed_include():
    tree = DictTree({"a.c": '#define HDR <linux/h.h>\n#include HDR\n', "include/linux/h.h": "h\n"})
    assert preprocess(tree, "a.c", C()).file("include/linux/h.h") is not None


def test_unbalanced_in_header_raises():
    tree = DictTree({"a.c": '#include "b.h"\n', "b.h": "#ifdef X\n"})
    with pytest.raises(ConditionError) as info:
        preprocess(tree, "a.c", C())
    assert info.value.path == "b.h"


def test_missing_root_raises_tree_error():
    with pytest.raises(TreeError):
        preprocess(DictTree({}), "nope.c", C())


def test_elif_not_evaluated_after_true_branch():
    text = "#if 1\na\n#elif 1/0\nb\n#endif\n"
    unit = preprocess(DictTree({"a.c": text}), "a.c", C())
    assert unit.errors == () and "b" not in unit.root.text


def test_skipped_group_may_hold_garbage():
    text = "#if 0\n#if ((( garbage\n#endif\n#else\nok\n#endif\n"
    assert "ok" in preprocess(DictTree({"a.c": text}), "a.c", C()).root.text


# ------------------------------------------------------------------ the corpus

def test_corpus_pgtable_c_pae_pulls_3level_headers(corpus):
    unit = preprocess(corpus, "arch/i386/mm/pgtable.c", C(X86_PAE="y", HIGHMEM64G="y"))
    paths = [f.path for f in unit.files]
    assert "include/asm-i386/pgtable-3level.h" in paths
    assert "include/asm-i386/pgtable-2level.h" not in paths
    assert unit.macros["PTRS_PER_PMD"].body == "512"


def test_corpus_pgtable_c_non_pae_pulls_2level_headers(corpus):
    unit = preprocess(corpus, "arch/i386/mm/pgtable.c", C(X86_PAE="n"))
    paths = [f.path for f in unit.files]
    assert "include/asm-i386/pgtable-2level.h" in paths
    assert "include/asm-i386/pgtable-3level.h" not in paths
    assert unit.missing                   # a sample tree, not a whole kernel
    for name in unit.missing:
        if name.startswith("<linux/"):
            assert corpus.read("include/" + name[1:-1]) is None


def test_corpus_projection_line_counts(corpus):
    unit = preprocess(corpus, "arch/i386/mm/pgtable.c", C(X86_PAE="y", PARAVIRT="y"))
    for f in unit.files:
        original = corpus.read(f.path)
        assert len(f.text.split("\n")) == len(original.split("\n")), f.path
        assert len(f.kept) == original.count("\n") + (0 if original.endswith("\n") else 1)


# ------------------------------------------------------------------ project

def test_project_keeps_line_count():
    text = "a\n#ifdef CONFIG_X\nb\n#endif\nc"
    out = project(text, C(X="n"))
    assert out == "a\n\n\n\nc"


def test_project_tracks_defines_in_the_file():
    text = "#define HAVE_Y\n#ifdef HAVE_Y\ny\n#endif\n"
    assert project(text, C()) == "\n\ny\n\n"


def test_project_partial_keeps_unknown_conditionals():
    text = "#ifdef CONFIG_X\nx\n#endif\n#ifdef CONFIG_OTHER\no\n#endif\n"
    out = project(text, C(X="n"), partial=True)
    assert out == "\n\n\n#ifdef CONFIG_OTHER\no\n#endif\n"


def test_project_partial_ignores_defines_like_unifdef():
    text = "#define CONFIG_Q 1\n#ifdef CONFIG_Q\nq\n#endif\n"
    assert project(text, C(), partial=True) == text


def test_project_partial_keeps_constant_if_zero_like_unifdef():
    text = "#if 0\nz\n#endif\n"
    assert project(text, C(X="y"), partial=True) == text
    assert project(text, C(X="y")) == "\n\n\n"


def test_project_partial_elif_becomes_if_when_first_branch_removed():
    text = "#ifdef CONFIG_X\nx\n#elif defined(CONFIG_Y)\ny\n#endif\n"
    out = project(text, C(X="n"), partial=True)
    assert out == "\n\n#if   defined(CONFIG_Y)\ny\n#endif\n"


def test_project_partial_true_elif_after_unknown_becomes_else():
    text = "#ifdef CONFIG_Y\ny\n#elif defined(CONFIG_X)\nx\n#else\nz\n#endif\n"
    out = project(text, C(X="y"), partial=True)
    assert out == "#ifdef CONFIG_Y\ny\n#else\nx\n#endif\n\n\n"


def test_project_partial_short_circuit_with_unknown():
    text = "#if defined(CONFIG_X) || defined(CONFIG_U)\nx\n#endif\n"
    assert project(text, C(X="y"), partial=True) == "\nx\n\n"
    assert project(text, C(X="n"), partial=True) == text


def test_project_partial_unbalanced_raises():
    with pytest.raises(ConditionError):
        project("#endif\n", C(), partial=True)


def test_include_with_dotdot_is_normalised():
    tree = DictTree({"arch/i386/mm/x.c": '#include "../kernel/k.h"\n',
                     "arch/i386/kernel/k.h": "#define K 1\n"})
    assert "K" in preprocess(tree, "arch/i386/mm/x.c", C()).macros


class _Files:
    def __init__(self, files):
        self.files = files

    def read(self, path):
        return self.files.get(path)


def test_the_compiler_macros_follow_the_word_size_of_the_configuration():
    text = ("#ifndef __GNUC__\n#error Unknown compiler\n#endif\n"
            "#ifdef __x86_64__\nint wide;\n#endif\n#ifdef __i386__\nint narrow;\n#endif\n")
    tree = _Files({"a.c": text})
    off = preprocess(tree, "a.c", {}, arch="x86")
    on = preprocess(tree, "a.c", {"CONFIG_X86_32": "y"}, arch="x86")
    assert off.errors == () and "int wide;" in off.root.text and "narrow" not in off.root.text
    assert "int narrow;" in on.root.text and "wide" not in on.root.text


def test_explicit_predefined_macros_replace_the_compiler_ones():
    tree = _Files({"a.c": "#ifdef __GNUC__\nint gcc;\n#endif\n"})
    unit = preprocess(tree, "a.c", {}, arch="x86", predefined={"__KERNEL__": "1"})
    assert "gcc" not in unit.root.text


def test_unit_files_made_when_asked_for():
    tree = DictTree({"a.c": '#include "h.h"\nint a;\n', "h.h": "#ifdef CONFIG_X\nint h;\n#endif\n"})
    unit = preprocess(tree, "a.c", C(X="y"))
    assert unit.paths == ("a.c", "h.h")
    assert not unit.files._made  # the paths alone make no variant
    assert unit.file("h.h") is unit.files[1] is list(unit.files)[1]
    assert unit.file("h.h").text == "\nint h;\n\n"
    assert unit.file("nope.h") is None
    assert [f.path for f in unit.files[:1]] == ["a.c"] and len(unit.files) == 2
    assert unit.files == tuple(unit.files)
