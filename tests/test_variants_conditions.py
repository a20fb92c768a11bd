"""scan(): presence conditions of every line of one file."""

import pytest

from reviewtool.errors import ConditionError
from reviewtool.tree import corpus_tree
from reviewtool.variants.conditions import scan
from reviewtool.variants.config import Configuration, config_lookup
from reviewtool.variants.expr import TRUE, Defined, Unary, evaluate, negate, parse_expr, to_c


@pytest.fixture
def corpus():
    tree = corpus_tree()
    if tree.read("include/asm-i386/pgtable.h") is None:
        pytest.skip("corpus tree not present")
    return tree


def holds(cond, **cfg):
    return bool(evaluate(cond, config_lookup(Configuration(cfg))))


def test_plain_file_is_all_true():
    fc = scan("int a;\nint b;\n")
    assert fc.conditions == (TRUE, TRUE)
    assert fc.directives == () and fc.symbols == frozenset() and fc.max_depth == 0


def test_one_condition_per_physical_line():
    text = "a\n#ifdef CONFIG_X\nb\n#endif\nc"
    assert len(scan(text).conditions) == 5


def test_ifdef_block():
    fc = scan("a\n#ifdef CONFIG_X\nb\n#endif\nc\n")
    assert fc.conditions[2] == Defined("CONFIG_X")
    assert fc.conditions[0] == fc.conditions[4] == TRUE


def test_directive_lines_get_the_enclosing_condition():
    fc = scan("#ifdef A\n#ifdef B\nx\n#else\ny\n#endif\n#endif\n")
    assert fc.conditions[0] == TRUE            # #ifdef A
    assert fc.conditions[1] == Defined("A")    # #ifdef B sits in A's block
    assert fc.conditions[3] == Defined("A")    # #else
    assert fc.conditions[5] == Defined("A")    # #endif of B
    assert fc.conditions[6] == TRUE            # #endif of A


def test_ifndef_is_negated_defined():
    fc = scan("#ifndef CONFIG_PARAVIRT\nx\n#endif\n")
    assert fc.conditions[1] == Unary("!", Defined("CONFIG_PARAVIRT"))


def test_elif_chain_excludes_earlier_branches():
    text = "#if CONFIG_L == 2\na\n#elif CONFIG_L == 3\nb\n#else\nc\n#endif\n"
    fc = scan(text)
    a, b, c = fc.conditions[1], fc.conditions[3], fc.conditions[5]
    for level, expect in ((2, "a"), (3, "b"), (4, "c")):
        got = [name for name, cond in (("a", a), ("b", b), ("c", c))
               if holds(cond, CONFIG_L=str(level))]
        assert got == [expect]


def test_nested_conditions_conjoin():
    fc = scan("#ifdef CONFIG_A\n#ifndef CONFIG_B\nx\n#endif\n#endif\n")
    cond = fc.conditions[2]
    assert holds(cond, CONFIG_A="y", CONFIG_B="n")
    assert not holds(cond, CONFIG_A="y", CONFIG_B="y")
    assert not holds(cond, CONFIG_A="n", CONFIG_B="n")
    assert fc.max_depth == 2


def test_symbols_collected():
    fc = scan("#if defined(CONFIG_A) || IS_ENABLED(CONFIG_B_MODULE)\n#endif\n"
              "#ifdef __KERNEL__\n#endif\n")
    assert fc.symbols == {"CONFIG_A", "CONFIG_B"}


def test_if_zero_block_is_false_and_tolerates_garbage():
    fc = scan("#if 0\n#if garbage (((\nx\n#endif\n#endif\ny\n")
    assert to_c(fc.conditions[2]) == "0"
    assert fc.conditions[5] == TRUE


def test_if_inside_block_comment_is_not_a_directive():
    text = "/*\n#ifdef CONFIG_X\n*/\nint a;\n"
    fc = scan(text)
    assert fc.directives == ()
    assert fc.conditions[3] == TRUE


def test_if_after_one_line_comment_block_is_a_directive():
    fc = scan("/* a */\n#ifdef X\ny\n#endif\n")
    assert [d.kind for d in fc.directives] == ["ifdef", "endif"]


def test_block_comment_opening_in_string_does_not_hide_directives():
    text = 'char *s = "/*";\n#ifdef X\ny\n#endif\nchar *t = "*/";\n'
    fc = scan(text)
    assert [d.kind for d in fc.directives] == ["ifdef", "endif"]
    assert fc.conditions[2] == Defined("X")


def test_line_comment_hides_nothing_on_next_line():
    fc = scan("// comment /*\n#ifdef X\ny\n#endif\n")
    assert fc.conditions[2] == Defined("X")


def test_continuation_lines_join_into_one_directive():
    text = "#if defined(CONFIG_A) && \\\n    defined(CONFIG_B)\nx\n#endif\n"
    fc = scan(text)
    d = fc.directives[0]
    assert (d.line, d.end_line) == (1, 2)
    assert d.expr == parse_expr("defined(CONFIG_A) && defined(CONFIG_B)")
    assert fc.conditions[2] == d.expr
    assert fc.conditions[1] == TRUE      # the continuation line belongs to the directive


def test_trailing_comment_spanning_lines_extends_the_directive():
    fc = scan("#ifdef X /* a\n  b */\ny\n#endif\n")
    d = fc.directives[0]
    assert (d.line, d.end_line) == (1, 2)
    assert fc.conditions[2] == Defined("X")


@pytest.mark.parametrize("comment", ["/* a **/", "/***/", "/*/ */", "/* * / */"])
def test_a_comment_ends_at_its_first_star_slash(comment):
    fc = scan(f"{comment}\n#ifdef X\ny\n#endif\n/* */ */\n")
    assert [d.kind for d in fc.directives] == ["ifdef", "endif"]


def test_an_unterminated_comment_hides_the_rest():
    assert scan("#ifdef X\ny\n#endif\n/* open\n#ifdef Y\n").directives[-1].kind == "endif"


def test_a_hash_after_code_on_its_line_is_no_directive():
    fc = scan("x = a # b;\n\t#ifdef X\ny\n#endif\n")
    assert [d.kind for d in fc.directives] == ["ifdef", "endif"]
    assert fc.conditions[2] == Defined("X")


def test_hash_with_spaces():
    fc = scan("  #  if defined(X)\ny\n # endif\n")
    assert [d.kind for d in fc.directives] == ["if", "endif"]
    assert fc.conditions[1] == Defined("X")


def test_define_directive_fields():
    fc = scan("#define pgd_val(x)\t((x).pgd)\n#define SHARED_KERNEL_PMD 1\n"
              "#define pr(fmt, ...) printk(fmt, ##__VA_ARGS__)\n")
    f, o, v = fc.directives
    assert (f.name, f.params, f.body) == ("pgd_val", ("x",), "((x).pgd)")
    assert (o.name, o.params, o.body) == ("SHARED_KERNEL_PMD", None, "1")
    assert v.params == ("fmt", "__VA_ARGS__") and v.variadic


def test_define_with_space_before_paren_is_object_like():
    d = scan("#define X (1)\n").directives[0]
    assert d.params is None and d.body == "(1)"


def test_include_and_undef_names():
    fc = scan('#include <asm/page.h>\n#include "local.h"\n#undef FOO\n')
    assert [d.name for d in fc.directives] == ["<asm/page.h>", '"local.h"', "FOO"]
    assert [d.kind for d in fc.directives] == ["include", "include", "undef"]


def test_other_kinds():
    fc = scan("#error no\n#pragma once\n#warning w\n#\n#line 5\n")
    assert [d.kind for d in fc.directives] == ["error", "pragma", "other", "other", "other"]


def test_elif_directive_expr():
    fc = scan("#if A\n#elif B\n#endif\n")
    assert fc.directives[1].expr == parse_expr("B")


def test_else_branch_of_ifdef():
    fc = scan("#ifdef X\na\n#else\nb\n#endif\n")
    assert fc.conditions[3] == negate(Defined("X"))


def test_unbalanced_endif_names_its_line():
    with pytest.raises(ConditionError) as info:
        scan("a\n#endif\n", "f.h")
    assert info.value.line == 2 and info.value.path == "f.h"
    assert "unbalanced #endif" in str(info.value)


def test_missing_endif_names_the_unmatched_if():
    with pytest.raises(ConditionError) as info:
        scan("#ifdef A\n#endif\n#if B\nx\n", "f.h")
    assert info.value.line == 3
    assert "without #endif" in info.value.message


def test_else_after_else_raises():
    with pytest.raises(ConditionError, match="#else after #else"):
        scan("#if A\n#else\n#else\n#endif\n")


def test_elif_after_else_raises():
    with pytest.raises(ConditionError, match="#elif after #else"):
        scan("#if A\n#else\n#elif B\n#endif\n")


def test_else_without_if_raises():
    with pytest.raises(ConditionError, match="#else without #if"):
        scan("#else\n")


def test_malformed_expression_raises_with_line():
    with pytest.raises(ConditionError) as info:
        scan("x\n#if A &&\n#endif\n", "f.c")
    assert info.value.line == 2


def test_ifdef_without_name_raises():
    with pytest.raises(ConditionError):
        scan("#ifdef\n#endif\n")


def test_depth_limit():
    text = "#if 1\n" * 300 + "#endif\n" * 300
    with pytest.raises(ConditionError, match="deeper"):
        scan(text)


def test_no_trailing_newline():
    fc = scan("#ifdef X\ny\n#endif")
    assert len(fc.conditions) == 3


def test_form_feed_does_not_split_lines():
    fc = scan("a\f b\n#ifdef X\nc\n#endif\n")
    assert len(fc.conditions) == 4 and fc.conditions[2] == Defined("X")


def test_corpus_pgtable_h_depends_on_pae(corpus):
    text = corpus.read("include/asm-i386/pgtable.h")
    fc = scan(text, "include/asm-i386/pgtable.h")
    assert "CONFIG_X86_PAE" in fc.symbols
    assert len(fc.conditions) == text.count("\n")


def test_crlf_line_ends():
    fc = scan("#if defined(A) && \\\r\n defined(B)\r\nx\r\n#endif\r\n")
    assert fc.conditions[2] == parse_expr("defined(A) && defined(B)")
    assert len(fc.conditions) == 4
