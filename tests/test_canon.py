"""Canonical bodies: what folding makes equal and what it keeps apart."""

from reviewtool.model.canon import canonical_body


def canon(body: str, returns_void: bool = True) -> tuple[str, ...]:
    return canonical_body(body, returns_void).lines


def test_if_one_return_makes_the_rest_dead():
    assert canon("{ unsigned long a; if (1) return; for (a = 0; a < 3; a++) f(a); }") == ()


def test_if_zero_branch_vanishes():
    assert canon("{ if (0) return; f(); }") == ("f();",)


def test_negated_constant_folds():
    assert canon("{ if (!0) g(); }") == ("g();",)


def test_runtime_condition_is_kept():
    assert canon("{ if (!paravirt_ops.shared_kernel_pmd) g(); }")[0].startswith("if")


def test_do_while_zero_is_its_body():
    assert canon("{ do { } while (0); f(); }") == ("f();",)


def test_void_cast_zero_is_no_statement():
    assert canon("{ ((void)0); }") == ()


def test_trailing_return_in_void_function_is_dropped():
    assert canon("{ f(); return; }") == canon("{ f(); }")


def test_trailing_return_kept_when_not_void():
    assert canon("{ return; }", returns_void=False) == ("return;",)


def test_statement_order_matters():
    locked = canon("{ unsigned long flags; spin_lock(&l, flags); clone(p); unlock(&l, flags); }")
    unlocked = canon("{ unsigned long flags; clone(p); spin_lock(&l, flags); unlock(&l, flags); }")
    assert locked != unlocked


def test_constant_arithmetic_is_evaluated():
    assert canon("{ memset(p, 0, (3221225472UL / (1UL << 22)) * 4); }") == (
        "memset(p, 0, 3072);",)


def test_unused_local_declaration_is_dropped():
    assert canon("{ unsigned long flags; f(); }") == ("f();",)


def test_declaration_with_call_initialiser_is_kept():
    assert canon("{ struct page *p = alloc_page(1); }") != ()


def test_comments_do_not_matter():
    assert canon("{ /* must happen under lock */ f(); }") == canon("{ f(); }")


def test_label_after_return_stays_reachable():
    lines = canon("{ if (x) goto out; return; out: f(); }", returns_void=False)
    assert "out:" in lines and "f();" in lines


def test_single_assignment_local_is_propagated():
    assert canon("{ size_t n = 4 * sizeof(pgd_t); f(n, n); }") == canon(
        "{ f(4 * sizeof(pgd_t), 4 * sizeof(pgd_t)); }")


def test_propagation_keeps_precedence():
    assert canon("{ int n = a + b; f(n * 2); }") != canon("{ f(a + b * 2); }")


def test_local_written_later_is_not_propagated():
    assert canon("{ int n = 4; n = g(); f(n); }") != canon("{ f(4); }")


def test_a_condition_is_read_for_its_truth_only():
    from reviewtool.model.canon import canonical_body
    plain = canonical_body("{ if (X) a(); }").lines
    assert canonical_body("{ if (0 || (1 && X)) a(); }").lines == plain
    assert canonical_body("{ if (!!((X)) || 0) a(); }").lines == plain


def test_a_value_keeps_its_zero_or_one():
    from reviewtool.model.canon import canonical_body
    assert canonical_body("{ y = x || 0; }").lines == ("y = !!(x);",)
    assert canonical_body("{ y = x; }").lines != canonical_body("{ y = x || 0; }").lines
