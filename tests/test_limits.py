"""Every bound of reviewtool/limits.py, hit in-process: a clear one-line error of the
ReviewtoolError family, quickly (CPU time, so that a loaded machine does not fail them).
(tests/test_hostile.py hits them through the CLI.)"""

import signal
import time

import pytest

from reviewtool import limits
from reviewtool.errors import (ConditionError, DiffError, MailError, ModelError,
                               ReviewtoolError, TimeLimitError)
from reviewtool.mail import read_bytes
from reviewtool.patch import parse_diff
from reviewtool.variants.conditions import MAX_DEPTH, scan
from reviewtool.variants.expand import MacroError, expand
from reviewtool.variants.preprocess import MAX_IF_DEPTH, Macro, project

MAIL = b"From: a@b\nSubject: [PATCH] x\n\n"
DIFF = "--- a/f.c\n+++ b/f.c\n@@ -1,1 +1,1 @@\n-a\n+b\n"


def one_line(err: ReviewtoolError) -> str:
    text = err.one_line()
    assert "\n" not in text
    return text


def test_the_constants_are_the_ones_enforced():
    from reviewtool.patch.apply import MAX_FUZZ
    from reviewtool.tree.git import MAX_RANGE
    from reviewtool.variants.kconfig import KCONFIG_MAX_CALLS, KCONFIG_MAX_CHARS
    from reviewtool.variants.preprocess import MACRO_IF_MAX_TOKENS, MAX_INCLUDE_DEPTH

    assert limits.MAX_IF_DEPTH == MAX_DEPTH == MAX_IF_DEPTH
    assert limits.MAX_INCLUDE_DEPTH == MAX_INCLUDE_DEPTH
    assert limits.MACRO_IF_MAX_TOKENS == MACRO_IF_MAX_TOKENS
    assert limits.MAX_RANGE == MAX_RANGE and limits.MAX_FUZZ == MAX_FUZZ
    assert (limits.KCONFIG_MAX_CALLS, limits.KCONFIG_MAX_CHARS) == (KCONFIG_MAX_CALLS,
                                                                     KCONFIG_MAX_CHARS)
    assert expand.__defaults__ == (limits.MACRO_MAX_DEPTH, limits.MACRO_MAX_TOKENS)
    for name in limits.__all__:
        assert name in limits.__doc__ or name == "time_limit"


def test_input_size(monkeypatch):
    monkeypatch.setattr("reviewtool.mail.reader.MAX_INPUT_BYTES", 1000)
    with pytest.raises(MailError) as err:
        read_bytes(MAIL + DIFF.encode() + b"x" * 1000, "big.mbox")
    assert "input larger than 1000 bytes" in one_line(err.value)


def test_message_count():
    mbox = b"".join(b"From a Mon Jan  1 00:00:00 2001\nFrom: a@b\nSubject: m\n\nx\n"
                    for _ in range(limits.MAX_MESSAGES + 1))
    with pytest.raises(MailError, match="more than 5000 messages"):
        read_bytes(mbox, "many.mbox")
    assert len(read_bytes(mbox.split(b"From a", 2)[1] and mbox[:len(mbox) // 2], "half")) > 1


def test_line_length_in_mail_and_diff():
    with pytest.raises(MailError, match="line 4 longer than 100000 bytes"):
        read_bytes(MAIL + b"y" * (limits.MAX_LINE_CHARS + 1) + b"\n" + DIFF.encode(), "x")
    long_diff = DIFF.replace("+b", "+" + "b" * limits.MAX_LINE_CHARS)
    with pytest.raises(DiffError) as err:
        parse_diff(long_diff, "x.diff")
    assert err.value.line == 5 and "longer than 100000 characters" in one_line(err.value)


def test_mime_depth():
    depth = limits.MAX_MIME_DEPTH + 1
    parts = [b"From: a@b\nSubject: x\nMIME-Version: 1.0\n"]
    for d in range(depth):
        parts.append(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (d, d))
    parts.append(b"Content-Type: text/plain\n\n" + DIFF.encode())
    parts += [b"--b%d--\n" % d for d in reversed(range(depth))]
    with pytest.raises(MailError, match="MIME parts nested deeper than 64"):
        read_bytes(b"".join(parts), "mime.mbox")


def test_hunk_count():
    many = "--- a/f.c\n+++ b/f.c\n" + "".join(f"@@ -{i},1 +{i},1 @@\n-a\n+b\n"
                                              for i in range(1, limits.MAX_HUNKS + 2))
    started = time.process_time()
    with pytest.raises(DiffError, match="more than 10000 hunks"):
        parse_diff(many, "many.diff")
    assert time.process_time() - started < 1
    assert len(parse_diff(many.rsplit("@@ -", 1)[0], "x").files[0].hunks) == limits.MAX_HUNKS


def test_if_nesting_depth_in_scan_and_projection():
    deep = "".join(f"#ifdef CONFIG_X{i}\n" for i in range(MAX_DEPTH + 1)) + "int x;\n" + \
        "#endif\n" * (MAX_DEPTH + 1)
    with pytest.raises(ConditionError) as err:
        scan(deep, "deep.c")
    assert err.value.line == MAX_DEPTH + 1 and "nested deeper than 256" in one_line(err.value)
    with pytest.raises(ConditionError, match="nested deeper than 256"):
        project(deep, {}, "deep.c")
    ok = "".join(f"#ifdef CONFIG_X{i}\n" for i in range(MAX_DEPTH)) + "int x;\n" + \
        "#endif\n" * MAX_DEPTH
    assert scan(ok, "ok.c").max_depth == MAX_DEPTH


def _bomb():
    macros = {"A0": Macro("A0", None, " ".join(["x"] * 10), path="bomb.h", line=1)}
    for i in range(1, 10):
        macros[f"A{i}"] = Macro(f"A{i}", None, " ".join([f"A{i - 1}"] * 10), path="bomb.h",
                                line=i + 1)
    macros["CALL"] = Macro("CALL", ("x",), " ".join(["x"] * 10), path="bomb.h", line=11)
    macros["B0"] = Macro("B0", None, "CALL(" * 8 + "y" + ")" * 8, path="bomb.h", line=12)
    macros["DEEP0"] = Macro("DEEP0", None, "z", path="bomb.h", line=13)
    for i in range(1, 100):
        macros[f"DEEP{i}"] = Macro(f"DEEP{i}", None, f"DEEP{i - 1}", path="bomb.h", line=13 + i)
    return macros


@pytest.mark.parametrize("text", ["A9", "B0", "A9 + B0"])
def test_macro_bomb_fails_fast_naming_the_macro(text):
    started = time.process_time()
    with pytest.raises(MacroError) as err:
        expand(text, _bomb())
    assert time.process_time() - started < 2  # about 0.3 s; margin for a loaded machine
    assert "more than 200000 tokens (a macro bomb?)" in one_line(err.value)
    assert err.value.path == "bomb.h" and err.value.line


def test_macro_expansion_depth():
    with pytest.raises(MacroError, match="nested deeper than 64"):
        expand("DEEP99", _bomb())
    assert expand("DEEP60", _bomb()) == "z"


def test_macro_bomb_in_an_if_line_is_taken_as_false_quickly():
    from reviewtool.tree import OverlayTree, Tree
    from reviewtool.variants.preprocess import preprocess

    lines = ["#define A0 x x x x x x x x x x"] + [
        f"#define A{i} " + " ".join([f"A{i - 1}"] * 10) for i in range(1, 10)]
    text = "\n".join(lines + ["#if A9 > 1", "int bomb;", "#endif", "int after;", ""])
    started = time.process_time()
    unit = preprocess(OverlayTree(Tree(), {"bomb.c": text}), "bomb.c", {})
    assert time.process_time() - started < 0.5
    assert any("macro bomb" in e for e in unit.errors)
    assert "int after;" in unit.files[0].text and "int bomb;" not in unit.files[0].text


@pytest.mark.parametrize("op", [":=", "="])
def test_kconfig_macro_bomb(op):
    from reviewtool.errors import KconfigError
    from reviewtool.variants.kconfig import kconfig_from_text

    lines = [f"A0 {op} xxxxxxxx"] + [f"A{i} {op} $(A{i - 1})$(A{i - 1})" for i in range(1, 40)]
    started = time.process_time()
    with pytest.raises(KconfigError, match="a macro bomb"):
        kconfig_from_text("\n".join(lines) + '\nconfig X86_PAE\n\tbool "$(A39)"\n')
    assert time.process_time() - started < 2


def test_tree_sitter_parse_is_bounded(monkeypatch):
    from reviewtool.model import parse as parse_module

    started = time.process_time()
    parse_module.parse("int x;\n" + "/* " * 30000)  # once minutes: unterminated comments
    parse_module.parse("int x;\n" + "__attribute__((" * 30000)
    parse_module.parse("void f(void)\n{\n a" + "x #include <" * 8000 + "\n}\n")  # was 7 s
    assert time.process_time() - started < 2
    monkeypatch.setattr(parse_module, "MAX_PARSE_SECONDS", 0.0)
    with pytest.raises(ModelError, match="did not finish parsing"):
        parse_module.parse("int y;\n" * 50000)
    assert parse_module.parse("int z;").root_node.type == "translation_unit"  # usable again


def test_time_limit_raises_and_restores():
    with pytest.raises(TimeLimitError) as err:
        with limits.time_limit(0.05, "patch 3 ([PATCH] x)"):
            while True:
                pass
    assert one_line(err.value) == "patch 3 ([PATCH] x): review stopped after 0.05 s (--timeout 0.05)"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with limits.time_limit(0, "no limit"):
        time.sleep(0.01)


def test_time_limit_fires_again_when_swallowed():
    caught = 0
    started = time.monotonic()
    with pytest.raises(TimeLimitError):
        with limits.time_limit(0.05, "x"):
            try:
                time.sleep(2)
            except Exception:  # a careless broad except swallows the first alarm
                caught += 1
            time.sleep(2)  # the work goes on: the limit fires again
    assert caught == 1 and time.monotonic() - started < 1


def test_time_limits_nest():
    with pytest.raises(TimeLimitError, match="outer"):
        with limits.time_limit(0.1, "outer"):
            with limits.time_limit(5, "inner"):  # longer than the outer: the outer stays
                time.sleep(2)
    with limits.time_limit(5, "outer"):
        with pytest.raises(TimeLimitError, match="inner"):
            with limits.time_limit(0.05, "inner"):
                time.sleep(2)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 4 < left <= 5  # the outer limit is re-armed with what is left of it
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_lexers_are_linear_on_unterminated_literals():
    """A line full of quotes that never close was quadratic in three lexers (the comment
    stripper, the #if comment stripper, the C tokenizer): found by the scaling probe. An
    unterminated literal now ends with its line, as GCC lexes it."""
    from reviewtool.variants._lex import strip
    from reviewtool.variants.expand import tokenize
    from reviewtool.variants.expr import strip_comments

    storm = "/* */ " + "'\"\\" * 33000  # a 100,000-character line
    started = time.process_time()
    strip(storm)
    strip_comments(storm)
    tokenize(storm)
    assert time.process_time() - started < 1
    assert [t.text for t in tokenize("X('b, c) d\ny")] == ["X", "(", "'b, c) d", "y"]
    assert strip("'x /* not a comment\n/* c */ y") == "'x /* not a comment\n  y"


@pytest.mark.parametrize("unit", ["&&", "+++ ", "GIT binary patch\n", "v2 ", "x++ "])
def test_canonical_body_is_linear_on_long_chains(unit):
    """Found by fuzz/scaling.py: nested '& & &' walked once per level, declarations matched
    against every kept line, constants folded again at every level (once 10-15 s each)."""
    from reviewtool.model.canon import canonical_body

    started = time.process_time()
    try:
        canonical_body("{" + unit * 6000 + "}")
    except ModelError:
        pass  # nested deeper than the recursion limit: a documented error
    assert time.process_time() - started < 2


def test_applying_many_failing_hunks_is_fast():
    """10,000 hunks that match nowhere in a 20,000-line file took minutes (each searched the
    whole file three times); the search now tries only where the rarest wanted line occurs."""
    from reviewtool.patch.apply import apply_file

    before = "".join(f"line {i}\n" for i in range(20000))
    diff = "--- a/f.c\n+++ b/f.c\n" + "".join(
        f"@@ -{i * 2 + 1},3 +{i * 2 + 1},3 @@\n ctx\n-nope{i}\n+new\n ctx\n"
        for i in range(limits.MAX_HUNKS))
    fpatch = parse_diff(diff).files[0]
    started = time.process_time()
    result = apply_file(fpatch, before)
    assert time.process_time() - started < 5
    assert not any(h.applied for h in result.hunks)
    assert "not in the file" in result.hunks[0].reason
    same = "}\n" * 20000  # every line alike: the nearest place is found first
    diff = "--- a/f.c\n+++ b/f.c\n" + "".join(
        f"@@ -{i * 2 + 1},3 +{i * 2 + 1},3 @@\n }}\n-}}\n+new\n }}\n" for i in range(2000))
    result = apply_file(parse_diff(diff).files[0], same)
    assert all(h.applied for h in result.hunks)
