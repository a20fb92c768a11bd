#!/usr/bin/env python3
"""Scaling probe: every parser on one token repeated 1,500 and 6,000 times; a parser whose time
grows more than 6-fold (quadratic or worse) on a unit and takes over 0.3 s is listed with the
unit. Random fuzzing rarely builds such inputs; this is how the quadratic regular expressions,
lexers and tree-sitter inputs fixed under issue 6 were found.

    python fuzz/scaling.py [TARGET...]     # targets: see TARGETS below; prints one line each
"""
import sys, time
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
from reviewtool.errors import ReviewtoolError
from reviewtool.mail import read_bytes
from reviewtool.mail.extract import find_diff
from reviewtool.patch import parse_diff
from reviewtool.variants.conditions import scan
from reviewtool.variants.preprocess import project
from reviewtool.variants.config import Configuration
from reviewtool.variants.expr import parse_expr
from reviewtool.variants.expand import expand
from reviewtool.model.functions import definitions
from reviewtool.model.canon import canonical_body
from reviewtool.mail.subject import parse_subject
from reviewtool.mail.headers import decode_header, decode_addresses
from reviewtool.model.parse import parse
from reviewtool.limits import time_limit

def t(fn, arg):
    start = time.perf_counter()
    try:
        with time_limit(20, "x"):
            fn(arg)
    except ReviewtoolError:
        pass
    return time.perf_counter() - start

UNITS = ["/*", "*/", "//", '"', "'", "\\", "\\\n", "(", ")", "{", "}", "[", "#", "#if x\n", "#endif\n", "#else\n",
         "if (", "a ", "a,", "1:11 ", "From ", "=?", "?=", "=?utf-8?q?", "<", ">", "@", "\"a\" ", "--- ", "+++ ",
         "@@ ", "-", "+", " ", "\t", "\n", "\n\n", "diff ", "Index: ", "====================\n", "__attribute__((",
         "__init ", "x=", "#define A(x) x\n", "A(", "defined(", "&&", "||", "?", ":", "0x", "'a'", ">>", "<<",
         "Re: ", "[PATCH ", "[", "]", "v2 ", "1/2 ", "\r", "\r\n", ">From ", "-- \n", "\\ No newline\n", "GIT binary patch\n",
         "literal 5\n", "new file mode 100644\n", "*", "&", "->", ";", "case 1:", "goto a;", "a: ", "return ", "else ", "do ", "while (",
         "switch (", "=", "==", "!", "~", "sizeof(", "(int)", "struct a {", "typedef ", "enum {", "asm(", "\"\\", "L'", "u8\"", "0",
         "1.5e+", ".", "...", "#include <", "#include \"", "__VA_ARGS__", "##", "# ", "IS_ENABLED(", "CONFIG_A ", "@@ -1 +1 @@\n"]
TARGETS = {
    "mail": lambda s: read_bytes(b"From: a@b\nSubject: " + s.encode("utf-8", "replace")[:900] + b"\n\n" + s.encode("utf-8", "replace"), "x"),
    "mailraw": lambda s: read_bytes(s.encode("utf-8", "replace"), "x"),
    "find_diff": lambda s: find_diff("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n" + s),
    "parse_diff": lambda s: parse_diff("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+" + s + "\n x\n"),
    "scan": lambda s: scan(s),
    "project": lambda s: project(s, Configuration({"CONFIG_A": "y"})),
    "unifdef": lambda s: project(s, Configuration({"CONFIG_A": "y"}), partial=True),
    "expr": lambda s: parse_expr(s[:90000]),
    "expand": lambda s: expand(s, {}),
    "definitions": lambda s: (parse.cache_clear(), definitions("x.c", "void f(void)\n{\n" + s + "\n}\n")),
    "canon": lambda s: (parse.cache_clear(), canonical_body("{" + s + "}")),
    "subject": lambda s: parse_subject(s),
    "header": lambda s: (decode_header(s), decode_addresses(s)),
}
names = sys.argv[1:] or list(TARGETS)
failed = False
for name in names:
    fn = TARGETS[name]
    worst = []
    for unit in UNITS:
        small = t(fn, unit * 1500)
        big = t(fn, unit * 6000)
        if big > 0.3 and big / max(small, 1e-3) > 6:
            worst.append((big, unit, small))
    worst.sort(reverse=True)
    print(f"{name:12}", "linear" if not worst else
          [(repr(u), round(s, 3), round(b, 2)) for b, u, s in worst[:6]], flush=True)
    failed = failed or bool(worst)
sys.exit(1 if failed else 0)
