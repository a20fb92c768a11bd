"""Property and fuzz tests (hypothesis) of every parser, with a modest budget on every run.

The targets, their input grammars and invariants are in ``fuzz/targets.py``; ``python
fuzz/run_fuzz.py --examples 100000`` runs the same properties much longer and prints the
figures. ``FUZZ_EXAMPLES`` (environment, default 3) scales the budget here (about 15 s on 2
cores). Inputs that once crashed or broke an invariant are kept below as explicit examples
(regressions).
"""

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz import targets as T  # noqa: E402

SCALE = float(os.environ.get("FUZZ_EXAMPLES", "3"))


def budget(n: int):
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None, database=None,
                    derandomize=True, suppress_health_check=list(HealthCheck))


@budget(120)
@given(T.mail_bytes)
@example(b"From: a@b\nSubject: =?x?q?\xc3\xa9?=\n\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n")
@example(b"From x " + b"1:11 " * 2000 + b"x\nSubject: y\n\nhello\n")
@example(b"Subject: [PATCH 99999999999999999999/3]\n\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")
@example(b"Subject: [PATCH 1/99999999]\n\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")  # 800 MB
@example(b"--- a/x\n+++ b/x\n@@ -1," + b"9" * 5000 + b" +1 @@\n-a\n")  # int() digit limit
def test_mail_reader(data):
    T.check_mail(data)


@budget(150)
@given(T.header_text)
@example("=?x?q?\xe9?=")  # once UnicodeEncodeError out of decode_header
@example("=?utf-8?q?\ud800?=")
@example("[PATCH v" + "9" * 5000 + "] x")
def test_headers(text):
    T.check_headers(text)


@budget(150)
@given(T.diff_text)
def test_diff_reader(text):
    T.check_diff(text)


@budget(150)
@given(T.edit_pairs())
@example(([], ["a"], 0))  # "@@ -0,0 +1 @@" under a/f.c: the file exists (was: "already exists")
@example((["a"], [], 0))  # "@@ -1 +0,0 @@": the file is emptied, not deleted
@example((["a", "b"], ["x", "a", "b"], 0))  # diff -U0 insertion at the top of a file
def test_apply_and_reverse(pair):
    T.check_apply(pair)


@budget(150)
@given(T.expr_text)
@example("9" * 5000)  # once a ValueError (int() digit limit), now a malformed constant
def test_if_expressions(text):
    T.check_expr(text)


@pytest.mark.skipif(T.CPP is None, reason="cpp not installed")
@budget(25)
@given(T.well_formed_expr())
@example("!(!(!((0 / 0))))?0:0")
@example("(-1 < 0u)")
@example("(1 << 64)")
@example("(-9223372036854775807 - 1) / -1")
@example("-1 > (1 ? 0 : 0u)")  # once 0: ?: has the common type of both branches (fuzz run)
@example("(1 ? -1 : 0u) / 2 > 0")
def test_if_evaluation_against_cpp(text):
    T.check_expr_against_cpp(text)


@budget(120)
@given(T.pp_text)
def test_scan(text):
    T.check_scan(text)


@budget(80)
@given(T.pp_text, T.configs)
def test_projection(text, config):
    T.check_project(text, config)


@pytest.mark.skipif(T.UNIFDEF is None, reason="unifdef not installed")
@budget(40)
@given(T.unifdef_case)
def test_projection_against_unifdef(case):
    T.check_unifdef(case)


@budget(100)
@given(T.macro_tables, T.macro_text)
def test_macro_expansion(table, text):
    T.check_expand((table, text))


@budget(40)
@given(T.c_text)
@example("int x;\n" + "/* " * 3000)  # once super-linear in tree-sitter-c
@example("int x;\n" + "__attribute__((" * 3000)
@example("int f(int a)\n{\n\treturn " + "!" * 3000 + "a;\n}\n")  # once a segfault
@example("void f(void)\n{\n" + "{" * 2000 + "}" * 2000 + "\n}\n")
def test_model(text):
    T.check_model(text)


@budget(80)
@given(T.body_soup)
@example("{ x = " + "!" * 600 + "a; }")  # once a segfault, then a RecursionError
@example("{" + "(" * 3000 + "a" + ")" * 3000 + ";}")
@example("{\x00 static  #elif 1\n \\\n void  ) , + \\\n void  static  x = a */ \\\n"
         " #ifdef CONFIG_PARAVIRT\n #else\n \t goto out;}")  # a MISSING identifier (fuzz run)
def test_canonical_body(text):
    T.check_canon_soup(text)


@budget(3)
@given(T.pipeline_mails)
def test_whole_pipeline(data):
    T.check_pipeline(data)
