"""expand(): macro expansion for the semantic model."""

import pytest

from reviewtool.errors import ConditionError
from reviewtool.variants.expand import MacroError, expand, tokenize
from reviewtool.variants.preprocess import Macro


def table(*defines):
    """table("A 1", "f(x) x+1") -> macro table."""
    from reviewtool.variants._lex import parse_define
    out = {}
    for text in defines:
        name, params, variadic, body = parse_define(text)
        out[name] = Macro(name, params, body, variadic, "t.h", 1)
    return out


def test_tokenize_drops_comments_keeps_literals():
    toks = tokenize('a /* x */ "s /* */" \'c\' // tail\n+= 0x1UL')
    assert [t.text for t in toks] == ["a", '"s /* */"', "'c'", "+=", "0x1UL"]
    assert [t.kind for t in toks] == ["id", "string", "char", "punct", "number"]


def test_object_like():
    assert expand("x = SHARED_KERNEL_PMD;", table("SHARED_KERNEL_PMD 1")) == "x = 1 ;"


def test_function_like_with_nested_parentheses():
    assert expand("f((a, b), c)", table("f(x, y) g(y, x)")) == "g ( c , ( a , b ) )"


def test_nested_macros_rescanned():
    t = table("PAGE_OFFSET ((unsigned long)__PAGE_OFFSET)", "__PAGE_OFFSET 0xC0000000")
    assert expand("PAGE_OFFSET", t) == "( ( unsigned long ) 0xC0000000 )"


def test_arguments_expanded_before_substitution():
    assert expand("f(A)", table("f(x) [x]", "A 1")) == "[ 1 ]"


def test_function_like_name_without_paren_left_alone():
    assert expand("int f; f (1)", table("f(x) <x>")) == "int f ; < 1 >"


def test_stringify():
    assert expand('str(a  +  "b\\n")', table("str(x) #x")) == '"a + \\"b\\\\n\\""'


def test_paste():
    assert expand("cat(pgd, _val)", table("cat(a, b) a##b")) == "pgd_val"


def test_paste_with_empty_argument():
    assert expand("cat(, x) cat(y, )", table("cat(a, b) a ## b")) == "x y"


def test_paste_operand_not_expanded_first():
    assert expand("cat(A, 1)", table("cat(a, b) a##b", "A zzz")) == "A1"


def test_variadic():
    t = table("pr(fmt, ...) printk(fmt, __VA_ARGS__)")
    assert expand('pr("%d", 1, 2)', t) == 'printk ( "%d" , 1 , 2 )'


def test_gnu_comma_paste_drops_comma_when_empty():
    t = table("pr(fmt, ...) printk(fmt, ##__VA_ARGS__)")
    assert expand('pr("x")', t) == 'printk ( "x" )'
    assert expand('pr("x", 1)', t) == 'printk ( "x" , 1 )'


def test_named_variadic():
    t = table("pr(fmt, args...) printk(fmt , ## args)")
    assert expand('pr("x", a, b)', t) == 'printk ( "x" , a , b )'


def test_va_opt():
    t = table("f(a, ...) g(a __VA_OPT__(,) __VA_ARGS__)")
    assert expand("f(1) f(1, 2)", t) == "g ( 1 ) g ( 1 , 2 )"


def test_self_reference_stops():
    assert expand("foo", table("foo foo + 1")) == "foo + 1"


def test_mutual_recursion_stops():
    assert expand("a", table("a b", "b a")) == "a"


def test_function_like_self_reference_stops():
    assert expand("f(1)", table("f(x) f(x) + 1")) == "f ( 1 ) + 1"


def test_standard_example_from_c99():
    t = table("x 3", "f(a) f(x * (a))", "z z[0]", "g f", "t(a) a")
    t["x"] = Macro("x", None, "2", False, "t.h", 2)       # #undef x / #define x 2
    out = expand("f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);", t)
    assert out == ("f ( 2 * ( y + 1 ) ) + f ( 2 * ( f ( 2 * ( z [ 0 ] ) ) ) ) % "
                   "f ( 2 * ( 0 ) ) + t ( 1 ) ;")


def test_wrong_argument_count_left_alone():
    assert expand("f(1, 2)", table("f(x) x")) == "f ( 1 , 2 )"


def test_unterminated_invocation_left_alone():
    assert expand("f(1", table("f(x) x")) == "f ( 1"


def test_is_enabled_builtin():
    t = table("CONFIG_A 1", "CONFIG_B_MODULE 1")
    assert expand("IS_ENABLED(CONFIG_A) IS_ENABLED(CONFIG_B) IS_BUILTIN(CONFIG_B) "
                  "IS_ENABLED(CONFIG_C)", t) == "1 1 0 0"


def test_macro_bomb_raises_macro_error():
    bomb = table(*(f"A{i} A{i + 1} A{i + 1}" for i in range(40)))
    with pytest.raises(MacroError, match="tokens"):
        expand("A0", bomb)


def test_deep_chain_raises_macro_error():
    chain = table(*(f"B{i} B{i + 1}" for i in range(100)))
    with pytest.raises(MacroError, match="deeper"):
        expand("B0", chain, max_depth=64)


def test_macro_error_is_a_condition_error():
    assert issubclass(MacroError, ConditionError)
