"""Fuzz targets: one per parser, each a hypothesis strategy and a check of the invariants.

Used by ``tests/test_fuzz.py`` (a modest budget, every run) and ``fuzz/run_fuzz.py`` (a long
run that prints the figures). The invariants, for every target:

* no exception escapes except the documented :class:`~reviewtool.errors.ReviewtoolError`
  family (and for the functions that document none, nothing at all);
* the same input gives the same output (each check runs the parser twice, caches cleared
  where there are any);
* target-specific ones: the projection keeps the input's line count and agrees with
  ``unifdef -b`` (the oracle) where unifdef can evaluate the conditionals; ``#if`` evaluation
  agrees with GCC's ``cpp``; applying a diff ``difflib`` wrote gives the post-image and
  applying the reverse diff gives the pre-image back; a parsed hunk has as many pre- and
  post-image lines as its header says.

Inputs are generated from grammars of each format (diff lines, ``#if`` tokens, C statements)
and by mutating real inputs (``corpus/patches/*.mbox``, ``corpus/tree/**/*.[ch]``).
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from hypothesis import strategies as st

from reviewtool.errors import ReviewtoolError

ROOT = Path(__file__).resolve().parent.parent
CORPUS_MAILS = [p.read_bytes() for p in sorted((ROOT / "corpus" / "patches").glob("*.mbox"))]
CORPUS_C = [p.read_text(errors="surrogateescape")
            for p in sorted((ROOT / "corpus" / "tree").rglob("*.[ch]"))]
UNIFDEF = shutil.which("unifdef")
CPP = shutil.which("cpp")


def outcome(fn: Callable, *args: Any) -> tuple:
    """``fn(*args)`` as a comparable value; a documented error is an outcome, anything else
    escapes (and fails the property)."""
    try:
        return ("ok", fn(*args))
    except ReviewtoolError as err:
        line = err.one_line()
        assert "\n" not in line and line.strip(), repr(line)
        return ("error", type(err).__name__, line)


def twice(fn: Callable, *args: Any, clear: Callable[[], None] | None = None) -> tuple:
    """Run ``fn`` twice (clearing caches in between): the same input gives the same output."""
    first = outcome(fn, *args)
    if clear is not None:
        clear()
    second = outcome(fn, *args)
    assert first == second, (first, second)
    return first


# -- mutation -------------------------------------------------------------------------------

HUGE_NUMBER = "9" * 5000  # more digits than Python's int() converts (once a ValueError)

MAIL_TOKENS = [
    b"[PATCH " + HUGE_NUMBER.encode() + b"/2] ", b"[PATCH v" + HUGE_NUMBER.encode() + b"] ",
    b"[PATCH 1/99999999] ", b"\n@@ -1," + HUGE_NUMBER.encode() + b" +1 @@\n",
    b"\nFrom ", b"\nFrom x Mon Jan  1 00:00:00 2001\n", b"\n\n", b"\r\n", b"\r", b"\x00",
    b"\xff\xfe", b"\xc3\x28", b"=?utf-8?b?", b"=?x-unknown?q?=FF?=", b"?=", b"=?utf-8?q?a_b?=",
    b'Content-Type: multipart/mixed; boundary="b"\n', b"\n--b\n", b"--b--\n",
    b"Content-Type: text/x-patch; name=x.patch\n", b"Content-Disposition: attachment; "
    b"filename=x.diff\n", b"Content-Transfer-Encoding: base64\n",
    b"Content-Transfer-Encoding: quoted-printable\n", b"=\n", b"=XX", b'charset="x-bad"',
    b"; format=flowed; delsp=yes", b"\n@@ -1,2 +1,3 @@\n", b"\n--- a/x.c\n+++ b/x.c\n",
    b"\ndiff --git a/x b/x\n", b"\n-- \n", b"\n\\ No newline at end of file\n",
    b"[PATCH 1/2] ", b"[PATCH v2 0/0] ", b"[PATCH 99999999999999999999/3]", b"Subject: ",
    b"Message-Id: <a@b>\n", b"In-Reply-To: <", b"References: <x> <y>\n", b"\n>From ",
    b"base-commit: 1234567\n", b"From: =?utf-8?b?///=?= <a@b>\n", b"\t", b" ", b"\n ",
    b"Content-Type: message/rfc822\n\n", b"MIME-Version: 1.0\n", b"Reviewtool-waive: naming: x\n",
]
C_TOKENS = [
    "{", "}", "(", ")", ";", "#if CONFIG_X86_PAE\n", "#ifdef CONFIG_PARAVIRT\n", "#else\n",
    "#endif\n", "#elif 1\n", "\n#define F(x) x\n", "/*", "*/", "//", '"', "'", "\\\n", "#",
    "__attribute__((", "static ", "inline ", "void ", "int ", "return ", "if (", "else ",
    "goto out;", "out:", "SHARED_KERNEL_PMD", "paravirt_ops.", "->", "\x00", "\t", "\n",
]


@st.composite
def mutated(draw, seeds: list, tokens: list):
    """A seed with a few random edits: insert a token, delete a range, change a byte,
    duplicate a slice, truncate."""
    blank = seeds[0][:0]
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.integers(0, 4))
        pos = draw(st.integers(0, len(data)))
        if op == 0:
            data = data[:pos] + draw(st.sampled_from(tokens)) + data[pos:]
        elif op == 1:
            data = data[:pos] + data[pos + draw(st.integers(1, 400)):]
        elif op == 2 and pos < len(data):
            if isinstance(data, bytes):
                char = bytes([draw(st.integers(0, 255))])
            else:
                char = draw(st.characters(codec="utf-8"))
            data = data[:pos] + char + data[pos + 1:]
        elif op == 3:
            end = min(len(data), pos + draw(st.integers(1, 300)))
            data = data[:end] + data[pos:end] + data[end:]
        elif op == 4:
            data = data[:pos] if pos else blank
    return data


# -- mail -------------------------------------------------------------------------------------

def check_mail(data: bytes) -> None:
    """read_bytes, order_series, parse_diff of every diff: only documented errors; same
    output twice."""
    from reviewtool.mail import order_series, read_bytes
    from reviewtool.patch import parse_diff

    result = twice(read_bytes, data, "fuzz.mbox")
    if result[0] != "ok":
        return
    mails = result[1]
    assert mails
    series = order_series(mails)
    assert series == order_series(mails)
    for mail in mails:
        assert isinstance(mail.body, str) and isinstance(mail.diff, str)
        if mail.diff:
            twice(parse_diff, mail.diff, mail.source)


PART_HEADERS = [
    "Content-Type: text/plain; charset=utf-8", "Content-Type: text/plain; charset=x-bad",
    "Content-Type: text/x-patch; name=a.patch", "Content-Type: text/html",
    "Content-Type: application/octet-stream", 'Content-Type: multipart/mixed; boundary="in"',
    "Content-Type: message/rfc822", "Content-Type: text/plain; format=flowed; delsp=yes",
    "Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: quoted-printable",
    "Content-Transfer-Encoding: 8bit", "Content-Transfer-Encoding: x-uuencode",
    "Content-Disposition: attachment; filename=x.diff", "Content-Disposition: inline",
    "Content-Type: text/plain; charset*=utf-8''%FF", "Content-Type:", "Content-Type: ;;;",
]
PART_BODIES = [
    "--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n", "LS0tIGEveC5jCisrKyBiL3guYwo=", "===",
    "a=3D=\nb=FF", "\u00e9t\u00e9 \n", "--in\nContent-Type: text/plain\n\nx\n--in--\n",
    "From: a@b\nSubject: inner\n\nbody\n", "\\ No newline at end of file\n", "-- \nsig\n",
    "x" * 200, "begin 644 x\n`\nend\n", "",
]


@st.composite
def mime_mail(draw) -> bytes:
    """A mail assembled from MIME parts with random headers, encodings and bodies."""
    head = ["From: " + draw(st.sampled_from(["a@b", "=?utf-8?b?w6k=?= <a@b>", "<>", ""])),
            "Subject: " + draw(header_text).replace("\n", " "),
            "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="b"']
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        headers = draw(st.lists(st.sampled_from(PART_HEADERS), max_size=3))
        parts.append("\n".join(headers) + "\n\n" + draw(st.sampled_from(PART_BODIES)))
    body = "".join(f"--b\n{part}\n" for part in parts) + draw(st.sampled_from(["--b--\n", ""]))
    return ("\n".join(head) + "\n\n" + body).encode("utf-8", "replace")


mail_bytes = st.one_of(st.binary(max_size=3000), mutated(CORPUS_MAILS, MAIL_TOKENS), mime_mail())


def check_headers(text: str) -> None:
    """Subject and header decoding never raise at all."""
    from reviewtool.mail.headers import decode_addresses, decode_header, message_ids
    from reviewtool.mail.subject import parse_subject

    assert parse_subject(text) == parse_subject(text)
    decode_header(text)
    decode_addresses(text)
    message_ids(text)


HEADER_PIECES = ["[PATCH", "]", "[", "v2", "v0", "1/2", "0/0", "99999999999999999999/1", "RFC",
                 HUGE_NUMBER + "/1", "v" + HUGE_NUMBER, "1/99999999",
                 "Re:", "Fwd:", "AW[2]:", " ", "=?utf-8?b?", "=?x?q?", "?=", "=FF", "<a@b>",
                 '"', "\\", ",", "(", ")", "@", "\n", "\t", "é", "\ud800"]
header_text = st.one_of(st.text(max_size=200),
                        st.lists(st.sampled_from(HEADER_PIECES), max_size=30).map("".join))


# -- diffs ------------------------------------------------------------------------------------

DIFF_LINES = [
    "--- a/x.c", "+++ b/x.c", "--- /dev/null", "+++ /dev/null", "--- a/../x.c", "+++ b/.git/x",
    "--- /etc/x", "+++ b/y.c\t2007-01-01", '--- "a/q x.c"', "@@ -1,3 +1,4 @@", "@@ -0,0 +1 @@",
    "@@ -1 +1 @@", "@@ -2,1 +2,0 @@ f()", "@@ -99999999999999999999,1 +1,1 @@", "@@ -1,0 +0,0 @@",
    " ctx", "-old", "+new", "", " ", "\\ No newline at end of file", "diff --git a/x.c b/x.c",
    "index 123abc..456def 100644", "new file mode 100644", "deleted file mode 100644",
    "rename from x.c", "rename to y.c", "similarity index 90%", "Binary files a/x and b/x differ",
    "GIT binary patch", "literal 5", "Index: x.c", "=" * 67, "-- ", "--", "+-- ", "---", "+++",
    "text", "@@", "@@ -1,2 +1,2 @@@", "\r", f"@@ -1,{HUGE_NUMBER} +1 @@",
]
diff_text = st.lists(st.one_of(st.sampled_from(DIFF_LINES), st.text(max_size=12)),
                     max_size=40).map("\n".join)


def check_diff(text: str) -> None:
    """find_diff never raises; parse_diff raises only DiffError; every hunk holds as many
    pre- and post-image lines as its header says; every file applies without raising."""
    from reviewtool.mail.extract import find_diff
    from reviewtool.patch import parse_diff
    from reviewtool.patch.apply import apply_file

    found = find_diff(text)
    assert found == find_diff(text)
    for candidate in (text, found[0]):
        result = twice(parse_diff, candidate, "fuzz.diff")
        if result[0] != "ok":
            continue
        for fpatch in result[1].files:
            for hunk in fpatch.hunks:
                assert sum(1 for l in hunk.lines if l.kind in " -") == hunk.source_length, hunk
                assert sum(1 for l in hunk.lines if l.kind in " +") == hunk.target_length, hunk
            for before in (None, "", "ctx\nold\n", "a\nctx\nold\nb\n" * 3):
                applied = apply_file(fpatch, before)
                assert len(applied.hunks) == len(fpatch.hunks)


# -- the applier --------------------------------------------------------------------------------

FILE_LINES = ["a", "b", "c", "", " x", "-- ", "--- a", "+++ b", "@@ -1 +1 @@", "\\ x", "{",
              "}", "\tint x;", "---", "+", "-"]


@st.composite
def edit_pairs(draw):
    """(pre-image lines, post-image lines, context) where the post-image is the pre-image
    with a few insertions, deletions and replacements."""
    before = draw(st.lists(st.sampled_from(FILE_LINES), max_size=40))
    after = list(before)
    for _ in range(draw(st.integers(0, 6))):
        pos = draw(st.integers(0, len(after)))
        op = draw(st.integers(0, 2))
        if op == 0:
            after[pos:pos] = draw(st.lists(st.sampled_from(FILE_LINES), min_size=1, max_size=4))
        elif op == 1:
            del after[pos:pos + draw(st.integers(1, 4))]
        elif pos < len(after):
            after[pos] = draw(st.sampled_from(FILE_LINES))
    return before, after, draw(st.integers(0, 4))


def _unified(a: list[str], b: list[str], context: int) -> str:
    return "".join(difflib.unified_diff([l + "\n" for l in a], [l + "\n" for l in b],
                                        "a/f.c", "b/f.c", n=context))


def check_apply(pair: tuple) -> None:
    """A diff difflib wrote parses, applies to its pre-image giving the post-image, and the
    reverse diff applied to the post-image gives the pre-image back."""
    from reviewtool.patch import parse_diff
    from reviewtool.patch.apply import apply_file

    before, after, context = pair
    text_a = "".join(l + "\n" for l in before)
    text_b = "".join(l + "\n" for l in after)
    for diff, source, target in ((_unified(before, after, context), text_a, text_b),
                                 (_unified(after, before, context), text_b, text_a)):
        if not diff:
            assert source == target
            continue
        patch = parse_diff(diff, "difflib.diff")
        assert len(patch.files) == 1
        result = apply_file(patch.files[0], source)
        assert result.applied, [h.reason for h in result.hunks]
        assert result.after == target
        assert result == apply_file(patch.files[0], source)


# -- #if expressions -----------------------------------------------------------------------------

EXPR_TOKENS = [
    "CONFIG_A", "CONFIG_B", "X", "defined", "(", ")", "!", "~", "-", "+", "*", "/", "%", "<<",
    ">>", "<", ">", "<=", ">=", "==", "!=", "&", "^", "|", "&&", "||", "?", ":", "0", "1", "2",
    "0x10", "0xffffffffffffffff", "18446744073709551615", "9223372036854775808", "'a'",
    "'\\n'", "'\\377'", "1u", "1UL", "IS_ENABLED", "IS_MODULE", "IS_REACHABLE", "__has_include",
    "<x.h>", '"x.h"', ",", "/*", "*/", "//", "1e5", '"s"', "0b101", "077", "089", "64", "63",
    "__has_attribute", "F", "@", "`", "\\", HUGE_NUMBER,
]
expr_text = st.lists(st.sampled_from(EXPR_TOKENS), max_size=25).map(" ".join)

LOOKUPS: list[dict] = [{}, {"CONFIG_A": 1, "CONFIG_B": 0, "X": -1},
                       {"CONFIG_A": 3, "CONFIG_A_MODULE": 1, "X": 1 << 63, "CONFIG_B": None}]


def _lookup(table: dict):
    from reviewtool.variants.expr import UNDEFINED

    return lambda name: table.get(name, UNDEFINED)


def check_expr(text: str) -> None:
    """parse_expr raises only ConditionError; evaluate, to_c, identifiers never raise; to_c
    prints an expression that parses back to the same value."""
    from reviewtool.variants.expr import config_symbols, evaluate, identifiers, parse_expr, to_c

    result = twice(parse_expr, text, "fuzz.c", 1)
    if result[0] != "ok":
        return
    expr = result[1]
    identifiers(expr)
    config_symbols(expr)
    printed = to_c(expr)
    again = parse_expr(printed, "to_c", 1)
    for table in LOOKUPS:
        value = evaluate(expr, _lookup(table))
        assert value is None or isinstance(value, int)
        assert evaluate(again, _lookup(table)) == value, (text, printed)


@st.composite
def well_formed_expr(draw, depth: int = 0) -> str:
    """A syntactically valid #if expression over plain integers and undefined names."""
    if depth > 4 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["0", "1", "2", "7", "-1", "0x10", "0xffffffffffffffff",
                                     "9223372036854775807", "1u", "3ULL", "'a'", "63", "64",
                                     "CONFIG_A", "defined(CONFIG_A)", "defined X", "65"]))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.sampled_from(["!", "~", "-", "+"])) + "(" + draw(well_formed_expr(depth + 1)) + ")"
    if kind == 1:
        return (draw(well_formed_expr(depth + 1)) + "?" + draw(well_formed_expr(depth + 1)) + ":"
                + draw(well_formed_expr(depth + 1)))
    op = draw(st.sampled_from(["*", "/", "%", "+", "-", "<<", ">>", "<", ">", "<=", ">=", "==",
                               "!=", "&", "^", "|", "&&", "||"]))
    return "(" + draw(well_formed_expr(depth + 1)) + " " + op + " " + \
        draw(well_formed_expr(depth + 1)) + ")"


def cpp_value(text: str) -> int | None:
    """What GCC's preprocessor decides for ``#if text``: 1, 0, or None when it refuses."""
    source = f"#if {text}\nTRUE\n#else\nFALSE\n#endif\n"
    proc = subprocess.run([CPP, "-P", "-w"], input=source, capture_output=True, text=True,
                          timeout=30)
    if proc.returncode != 0:
        return None
    return 1 if "TRUE" in proc.stdout else 0


def check_expr_against_cpp(text: str) -> None:
    """evaluate() decides a well-formed #if as GCC's cpp does (division by zero: cpp refuses,
    evaluate says unknown)."""
    from reviewtool.variants.expr import evaluate, parse_expr

    expr = parse_expr(text, "fuzz.c", 1)
    ours = evaluate(expr, _lookup({}))
    theirs = cpp_value(text)
    if _divides_by_zero(expr):
        # cpp refuses a division by zero it evaluates, and gives an unevaluated one GCC's own
        # type; evaluate() says unknown, or decides without it where three-valued logic can
        # ("(1/0) ? 0 : 0" is 0 whatever the test): not comparable
        assert ours is None or theirs is None or "?" in text or "&&" in text or "||" in text
        return
    assert ours is not None and int(ours != 0) == theirs, (text, ours, theirs)


def _divides_by_zero(expr) -> bool:
    from reviewtool.variants.expr import Binary, Cond, Unary, evaluate

    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Binary):
            if e.op in ("/", "%") and evaluate(e.right, _lookup({})) in (0, None):
                return True
            stack += [e.left, e.right]
        elif isinstance(e, Unary):
            stack.append(e.operand)
        elif isinstance(e, Cond):
            stack += [e.test, e.then, e.other]
    return False


# -- conditions and projection --------------------------------------------------------------------

SYMBOLS = ["CONFIG_A", "CONFIG_B", "CONFIG_C", "CONFIG_D"]
PP_LINES = [
    "#if CONFIG_A", "#ifdef CONFIG_B", "#ifndef X", "#elif defined(CONFIG_C) && !CONFIG_A",
    "#else", "#endif", "#define X 1", "#define F(a, ...) a __VA_ARGS__", "#undef X", "int x;",
    "/*", "*/", "// c", "#if 0", "# if", "#elifdef X", "#elifndef CONFIG_D", "#include <x.h>",
    "\\", "#error x", "#", '"/*"', "#if (", "#if 1 +", "#if X > 2", "  #  endif /* x */",
    "#if IS_ENABLED(CONFIG_A)", "#if CONFIG_D == 3", "#pragma once", "#if defined", "'",
    "#if CONFIG_A \\", "|| CONFIG_B", "#endif junk", "\f", "#if 1/0",
]
pp_text = st.lists(st.sampled_from(PP_LINES), max_size=30).map(lambda ls: "\n".join(ls) + "\n")
configs = st.dictionaries(st.sampled_from(SYMBOLS), st.sampled_from(["y", "n", "m", "3", "0"]),
                          max_size=4)


def _line_count(text: str) -> int:
    from reviewtool.variants import _lex

    return _lex.count_lines(text)


def check_scan(text: str) -> None:
    """scan raises only ConditionError; one condition per physical line."""
    from reviewtool.variants import _lex
    from reviewtool.variants.conditions import scan

    result = twice(scan, text, "fuzz.c", clear=_lex.directives.cache_clear)
    if result[0] == "ok":
        assert len(result[1].conditions) == _line_count(_lex.strip(text)), result[1]


def check_project(text: str, config: dict) -> None:
    """project (full and unifdef-like) raises only ConditionError and keeps the line count."""
    from reviewtool.variants import _lex
    from reviewtool.variants.config import Configuration
    from reviewtool.variants.preprocess import project

    for partial in (False, True):
        result = twice(project, text, Configuration(config), "fuzz.c", partial,
                       clear=_lex.directives.cache_clear)
        if result[0] == "ok":
            assert _line_count(result[1]) == _line_count(text), (partial, result[1])


@st.composite
def unifdef_file(draw, depth: int = 0) -> str:
    """Balanced conditionals whose expressions unifdef 2.10 evaluates."""
    def cond(d: int = 0) -> str:
        kind = draw(st.integers(0, 5 if d < 2 else 1))
        sym = draw(st.sampled_from(SYMBOLS))
        if kind == 0:
            return f"defined({sym})"
        if kind == 1:
            return sym
        if kind == 2:
            return "!" + cond(d + 1)
        if kind == 3:
            return f"{sym} {draw(st.sampled_from(['==', '!=', '<', '>=']))} {draw(st.sampled_from(['0', '1', '3']))}"
        return f"({cond(d + 1)} {draw(st.sampled_from(['&&', '||']))} {cond(d + 1)})"

    out = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 3 and draw(st.booleans()):
            head = draw(st.sampled_from(["#if {}", "#ifdef {}", "#ifndef {}"]))
            out.append(head.format(cond() if head == "#if {}" else draw(st.sampled_from(SYMBOLS))))
            out.append(draw(unifdef_file(depth + 1)))
            for _ in range(draw(st.integers(0, 2))):
                out.append(f"#elif {cond()}")
                out.append(draw(unifdef_file(depth + 1)))
            if draw(st.booleans()):
                out.append("#else")
                out.append(draw(unifdef_file(depth + 1)))
            out.append("#endif")
        else:
            out.append(draw(st.sampled_from(["int x;", "y();", "", "#define Z 1", "/* c */"])))
    return "\n".join(line for line in out if line != "" or True)


unifdef_case = st.tuples(unifdef_file().map(lambda t: t + "\n"),
                         st.dictionaries(st.sampled_from(SYMBOLS), st.sampled_from(["y", "n"]),
                                         max_size=4))


def unifdef_args(config: dict) -> list[str]:
    args = []
    for name, value in config.items():
        args += [f"-D{name}" if value == "y" else f"-U{name}", f"-U{name}_MODULE"]
    return args


def check_unifdef(case: tuple) -> None:
    """project(partial=True) gives unifdef -b's output, line for line."""
    from reviewtool.variants.config import Configuration
    from reviewtool.variants.preprocess import project

    text, config = case
    proc = subprocess.run([UNIFDEF, "-b", *unifdef_args(config)], input=text.encode(),
                          capture_output=True, timeout=30)
    if proc.returncode == 2:
        return
    ours = project(text, Configuration(config), "fuzz.c", partial=True)
    assert ours == proc.stdout.decode(), (text, config)
    assert _line_count(ours) == _line_count(text)


# -- macro expansion -------------------------------------------------------------------------------

MACRO_TOKENS = ["A", "B", "F", "G", "x", "y", "(", ")", ",", "#", "##", "__VA_ARGS__",
                "__VA_OPT__", "1", "+", "IS_ENABLED", "CONFIG_A", '"s"', "...", "/*", "*/"]
macro_tables = st.dictionaries(
    st.sampled_from(["A", "B", "F", "G", "CONFIG_A"]),
    st.tuples(st.one_of(st.none(), st.lists(st.sampled_from(["x", "y", "..."]), max_size=3)),
              st.lists(st.sampled_from(MACRO_TOKENS), max_size=12).map(" ".join)),
    max_size=5)
macro_text = st.lists(st.sampled_from(MACRO_TOKENS), max_size=20).map(" ".join)


def check_expand(case: tuple) -> None:
    """expand raises only MacroError; same output twice."""
    from reviewtool.variants.expand import expand
    from reviewtool.variants.preprocess import Macro

    table, text = case
    macros = {}
    for name, (params, body) in table.items():
        variadic = bool(params) and params[-1] == "..."
        if variadic:
            params = params[:-1] + ["__VA_ARGS__"]
        macros[name] = Macro(name, tuple(params) if params is not None else None, body,
                             variadic, "fuzz.h", 1)
    result = twice(expand, text, macros, 16, 5000)
    assert result[0] == "ok" or result[1] == "MacroError", result


# -- the tree-sitter model -------------------------------------------------------------------------

@st.composite
def c_expr(draw, depth: int = 0) -> str:
    leaves = ["a", "1", "p->x", "SHARED_KERNEL_PMD", "PTRS_PER_PMD", "0xffffffff", "1UL << 3",
              "sizeof(int)", "x++", "--x", "b[1]", "paravirt_ops.f(a)", "NULL"]
    if depth > 3 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(leaves))
    template = draw(st.sampled_from(["{} + {}", "({})", "f({}, {})", "{} ? {} : {}", "!{}",
                                     "(long){}", "{} == {} && {}", "{} = {}", "{} - {}"]))
    return template.format(*[draw(c_expr(depth + 1)) for _ in range(template.count("{}"))])


@st.composite
def c_stmt(draw, depth: int = 0) -> str:
    simple = ["x = {};", "return {};", "return;", "f({});", "goto out;", "out: ;", "break;",
              "int y = {};", "{};", ";", "spin_lock(&l);", "BUG_ON({});"]
    nested = ["if ({}) {} else {}", "{{ {} {} }}", "for (;;) {}", "while ({}) {}",
              "do {} while (0);", "switch (x) {{ case 1: {} break; default: ; }}",
              "\n#ifdef CONFIG_A\n{}\n#endif\n", "if ({}) {}"]
    if depth > 3 or draw(st.integers(0, 2)) == 0:
        template = draw(st.sampled_from(simple))
        return template.format(*[draw(c_expr()) for _ in range(template.count("{}"))])
    template = draw(st.sampled_from(nested))
    args = []
    for slot in range(template.count("{}")):
        is_expr = template.startswith(("if", "while")) and slot == 0
        args.append(draw(c_expr()) if is_expr else draw(c_stmt(depth + 1)))
    return template.format(*args)


@st.composite
def c_file(draw) -> str:
    functions = []
    for index in range(draw(st.integers(1, 3))):
        head = draw(st.sampled_from(["static void", "void", "int", "static inline int",
                                     "void __init", "unsigned long fastcall"]))
        params = draw(st.sampled_from(["void", "int a", "pgd_t *pgd, unsigned long a"]))
        body = "\n\t".join(draw(st.lists(c_stmt(), max_size=6)))
        functions.append(f"{head} f{index}({params})\n{{\n\t{body}\n}}\n")
    return "\n".join(functions)


@st.composite
def c_storm(draw) -> str:
    """A function whose body nests or repeats one construct hundreds of times (the shapes
    that once crashed or took quadratic time: '!!!!a', '((((a))))', '{{{{}}}}', '& & &')."""
    unit = draw(st.sampled_from([("!", ""), ("(", ")"), ("-", ""), ("~", ""), ("*", ""),
                                 ("&", ""), ("{", "}"), ("if (a) ", ""), ("a && ", ""),
                                 ("x++ ", ""), ("/* ", ""), ("#include <", ""), ("'", ""),
                                 ('"\\', ""), ("__attribute__((", "")]))
    count = draw(st.integers(1, 1500))
    return (f"int f(int a)\n{{\n\treturn {unit[0] * count}a{unit[1] * count};\n}}\n")


c_text = st.one_of(c_file(), mutated(CORPUS_C, C_TOKENS) if CORPUS_C else c_file(), c_storm())


def check_model(text: str) -> None:
    """definitions and canonical_body raise nothing but documented errors; same output twice
    (the parse cache cleared in between)."""
    from reviewtool.model.canon import canonical_body
    from reviewtool.model.functions import definitions
    from reviewtool.model.parse import parse

    result = twice(definitions, "arch/i386/mm/fuzz.c", text, clear=parse.cache_clear)
    if result[0] != "ok":
        return
    for definition in result[1]:
        assert definition.line <= definition.end_line
        if definition.kind == "function" and "{" in definition.text:
            body = definition.text[definition.text.index("{"):]
            twice(canonical_body, body, definition.returns_void, clear=parse.cache_clear)


body_soup = st.lists(st.sampled_from(C_TOKENS + ["x", "=", "1", "+", "a", ",", "?", ":"]),
                     max_size=40).map(lambda toks: "{" + " ".join(toks) + "}")


def check_canon_soup(text: str) -> None:
    from reviewtool.model.canon import canonical_body
    from reviewtool.model.parse import parse

    twice(canonical_body, text, True, clear=parse.cache_clear)


# -- the whole pipeline ------------------------------------------------------------------------------

def check_pipeline(data: bytes) -> None:
    """reviewtool check on a mutated corpus mail: exit 0, 1 or 2, nothing escapes."""
    import io
    import tempfile
    from contextlib import redirect_stderr, redirect_stdout

    from reviewtool.cli import main

    with tempfile.NamedTemporaryFile(suffix=".mbox") as handle:
        handle.write(data)
        handle.flush()
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = main(["check", "--format", "json", "--timeout", "20", handle.name])
    assert status in (0, 1, 2), (status, err.getvalue())  # 3: an internal error
    assert "Traceback" not in err.getvalue()
    if status == 2:
        assert out.getvalue() == "" and err.getvalue().count("\n") == 1, err.getvalue()


pipeline_mails = mutated(CORPUS_MAILS, MAIL_TOKENS)


# -- the table ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    name: str
    strategy: Any
    check: Callable[[Any], None]
    weight: int = 10  # share of the budget (relative)
    needs: str | None = None  # an external oracle program


TARGETS = [
    Target("mail", mail_bytes, check_mail, 15),
    Target("headers", header_text, check_headers, 8),
    Target("diff", diff_text, check_diff, 15),
    Target("apply", edit_pairs(), check_apply, 15),
    Target("expr", expr_text, check_expr, 12),
    Target("expr-vs-cpp", well_formed_expr(), check_expr_against_cpp, 2, CPP),
    Target("scan", pp_text, check_scan, 10),
    Target("project", st.tuples(pp_text, configs), lambda case: check_project(*case), 8),
    Target("project-vs-unifdef", unifdef_case, check_unifdef, 3, UNIFDEF),
    Target("expand", st.tuples(macro_tables, macro_text), check_expand, 8),
    Target("model", c_text, check_model, 6),
    Target("canon", body_soup, check_canon_soup, 4),
    Target("pipeline", pipeline_mails, check_pipeline, 0),  # slow: only when asked for
]
