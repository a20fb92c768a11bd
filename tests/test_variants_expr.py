"""#if expressions: parsing, evaluation (C preprocessor semantics), building, printing."""

import pytest

from reviewtool.errors import ConditionError
from reviewtool.variants.config import Configuration, config_lookup
from reviewtool.variants.expr import (DEFINED, FALSE, TRUE, UNDEFINED, Binary, Call, Cond,
                                      Defined, Ident, Num, Unary, config_symbols, conj, disj,
                                      evaluate, identifiers, negate, parse_expr, to_c)


def undef(name):
    return UNDEFINED


def ev(text, **values):
    def look(name):
        return values.get(name, UNDEFINED)
    return evaluate(parse_expr(text), look)


def test_precedence_of_multiplication_over_addition():
    assert ev("1 + 2 * 3") == 7


def test_precedence_of_shift_comparison_equality_bitwise_logic():
    assert ev("1 << 2 + 1 == 8 && 1 | 2 ^ 3 & 1") == 1
    assert parse_expr("a || b && c") == Binary("||", Ident("a"), Binary("&&", Ident("b"), Ident("c")))


def test_left_associativity():
    assert ev("10 - 4 - 3") == 3
    assert ev("64 / 4 / 2") == 8


def test_conditional_is_right_associative():
    assert parse_expr("a ? b : c ? d : e") == Cond(Ident("a"), Ident("b"),
                                                   Cond(Ident("c"), Ident("d"), Ident("e")))
    assert ev("0 ? 1 : 0 ? 2 : 3") == 3


def test_hex_octal_binary_literals():
    assert ev("0x10 + 010 + 0b11") == 16 + 8 + 3


def test_hex_literal_keeps_its_spelling_for_printing():
    assert to_c(parse_expr("CONFIG_PAGE_OFFSET == 0xC0000000")) == "CONFIG_PAGE_OFFSET == 0xC0000000"


def test_unsigned_suffix_makes_comparison_unsigned():
    assert ev("-1 > 0") == 0
    assert ev("-1 > 0u") == 1
    assert ev("-1 > 0UL") == 1


def test_long_suffixes_accepted():
    assert ev("1L + 2ll + 3ULL + 4lu") == 10


def test_64_bit_wraparound():
    assert ev("0xFFFFFFFFFFFFFFFF == -1") == 1
    assert ev("0x7FFFFFFFFFFFFFFF + 1 < 0") == 1


def test_division_truncates_toward_zero():
    assert ev("-7 / 2") == -3
    assert ev("-7 % 2") == -1


def test_division_by_zero_is_unknown_not_a_crash():
    assert ev("1 / 0") is None
    assert ev("1 % 0") is None


def test_short_circuit_skips_division_by_zero():
    assert ev("0 && 1 / 0") == 0
    assert ev("1 || 1 / 0") == 1


def test_char_literals():
    assert ev("'a' == 97 && '\\n' == 10 && '\\x41' == 65 && '\\0' == 0") == 1


def test_defined_with_and_without_parentheses():
    assert parse_expr("defined X") == Defined("X")
    assert parse_expr("defined(X)") == Defined("X")
    assert ev("defined X && !defined(Y)", X=1) == 1


def test_undefined_identifier_reads_as_zero():
    assert ev("FOO + 1") == 1
    assert ev("FOO == 0") == 1


def test_identifier_value_from_lookup():
    assert ev("CONFIG_PGTABLE_LEVELS > 2", CONFIG_PGTABLE_LEVELS=3) == 1
    assert ev("CONFIG_PGTABLE_LEVELS > 2", CONFIG_PGTABLE_LEVELS=2) == 0


def test_unknown_propagates_three_valued():
    look = lambda name: None  # noqa: E731
    assert evaluate(parse_expr("0 && X"), look) == 0
    assert evaluate(parse_expr("X && 0"), look) == 0
    assert evaluate(parse_expr("1 || X"), look) == 1
    assert evaluate(parse_expr("X || 1"), look) == 1
    assert evaluate(parse_expr("X && 1"), look) is None
    assert evaluate(parse_expr("X + 1 > 0"), look) is None
    assert evaluate(parse_expr("defined X"), look) is None


def test_defined_but_not_integer_value():
    look = lambda name: DEFINED  # noqa: E731
    assert evaluate(parse_expr("defined(X)"), look) == 1
    assert evaluate(parse_expr("X"), look) is None


def test_conditional_with_unknown_test_but_equal_branches():
    look = lambda name: None  # noqa: E731
    assert evaluate(parse_expr("X ? 2 : 2"), look) == 2
    assert evaluate(parse_expr("X ? 1 : 2"), look) is None


@pytest.mark.parametrize("value,enabled,builtin,module", [
    ("y", 1, 1, 0), ("m", 1, 0, 1), ("n", 0, 0, 0)])
def test_is_enabled_builtin_module(value, enabled, builtin, module):
    look = config_lookup(Configuration({"CONFIG_X": value}))
    assert evaluate(parse_expr("IS_ENABLED(CONFIG_X)"), look) == enabled
    assert evaluate(parse_expr("IS_BUILTIN(CONFIG_X)"), look) == builtin
    assert evaluate(parse_expr("IS_MODULE(CONFIG_X)"), look) == module


def test_is_reachable_needs_module_for_m():
    look = config_lookup(Configuration({"CONFIG_X": "m"}))
    assert evaluate(parse_expr("IS_REACHABLE(CONFIG_X)"), look) == 0


def test_is_enabled_parses_as_call():
    assert parse_expr("IS_ENABLED(CONFIG_X)") == Call("IS_ENABLED", (Ident("CONFIG_X"),))


def test_unknown_function_like_macro_is_unknown():
    assert ev("FOO(1, 2)") is None


def test_unary_operators():
    assert ev("~0 == -1 && -(-3) == 3 && +4 == 4 && !5 == 0") == 1


def test_shift_by_negative_and_large_counts():
    assert ev("8 >> -1") == 16
    assert ev("1 << 64") == 0
    assert ev("(0 - 8) >> 1") == -4


def test_comments_stripped():
    assert parse_expr("defined(A) /* why */ && B // tail") == \
        Binary("&&", Defined("A"), Ident("B"))


def test_continuation_in_expression():
    assert parse_expr("A \\\n && B") == Binary("&&", Ident("A"), Ident("B"))


@pytest.mark.parametrize("text", ["", "1 +", "(1", "1 )", "defined", "defined(", "1.5",
                                  "08", "\"str\"", "A B", "? 1 : 2", "1 ? 2", "@"])
def test_malformed_raises_condition_error(text):
    with pytest.raises(ConditionError):
        parse_expr(text, "x.h", 7)


def test_condition_error_carries_path_line_text():
    with pytest.raises(ConditionError) as info:
        parse_expr("A &&", "arch/x86/mm/fault.c", 12)
    err = info.value
    assert (err.path, err.line, err.text) == ("arch/x86/mm/fault.c", 12, "A &&")
    assert str(err).startswith("arch/x86/mm/fault.c:12: malformed #if expression")


def test_config_symbols_maps_module_and_is_enabled():
    e = parse_expr("defined(CONFIG_A_MODULE) || IS_ENABLED(CONFIG_B) || CONFIG_C > 2 || FOO")
    assert config_symbols(e) == {"CONFIG_A", "CONFIG_B", "CONFIG_C"}


def test_identifiers_lists_every_name():
    e = parse_expr("defined(A) && B(C) + D")
    assert identifiers(e) == {"A", "B", "C", "D"}


def test_negate_simplifies():
    assert negate(TRUE) == FALSE
    assert negate(Unary("!", Defined("X"))) == Defined("X")
    assert negate(Defined("X")) == Unary("!", Defined("X"))


def test_conj_and_disj_absorb_constants():
    x = Defined("X")
    assert conj(TRUE, x) == x
    assert conj(x, FALSE) == FALSE
    assert disj(FALSE, x) == x
    assert disj(x, TRUE) == TRUE
    assert conj(x, x) == x


def test_to_c_round_trips():
    for text in ["defined(A) && !defined(B)", "(A || B) && C", "A - (B - C)", "-(-A)",
                 "A ? B : C", "(A ? B : C) + 1", "IS_ENABLED(CONFIG_X) || X << 2 > 1"]:
        e = parse_expr(text)
        assert parse_expr(to_c(e)) == e, text


def test_num_equality_ignores_spelling():
    assert parse_expr("0x10") == Num(16)


def test_conditional_has_the_common_type_of_its_branches():
    """C: an unsigned branch makes the whole ?: unsigned, even the other branch's value
    (found by the fuzz run against cpp)."""
    undefined = lambda name: UNDEFINED  # noqa: E731
    assert evaluate(parse_expr("-1 > (1 ? 0 : 0u)"), undefined) == 1
    assert evaluate(parse_expr("(1 ? -1 : 0u)"), undefined) == (1 << 64) - 1
    assert evaluate(parse_expr("(1 ? -1 : 0)"), undefined) == -1
    assert evaluate(parse_expr("-1 > (X ? 1 : 1u)"), lambda name: None) == 1
