"""The hostile corpus (tests/hostile/, each file named after what it attacks) end to end through
the command line, in a subprocess with a timeout: the exit status, at most one line on stderr
starting with ``reviewtool: `` and never a traceback, within a few seconds.

Inputs too big to keep in the repository (a 20 MB mail) or that need the file system (a
symlink pointing out of the tree) are built here. The bounds are documented in
``reviewtool/limits.py``.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, SEED

HOSTILE = Path(__file__).resolve().parent / "hostile"
# CPU time of one CLI run on hostile input, interpreter start-up (~0.3 s) included. The
# analysis itself ends within a second; the margin is for slower machines.
WALL = 5.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli(*args, timeout=60, cwd=ROOT):
    """Run ``reviewtool check ARGS``; returns (status, stdout, stderr, CPU seconds it used:
    not wall time, so that a loaded machine does not fail the bounds)."""
    # children that ended earlier (a server another test started) are reaped when the next
    # process starts, and their CPU time would be charged to this one: reap them first
    subprocess._cleanup()
    started = _children_cpu()
    proc = subprocess.run([sys.executable, "-m", "reviewtool.cli", "check", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"})
    elapsed = _children_cpu() - started
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) <= 1, proc.stderr
    assert all(line.startswith("reviewtool: ") for line in lines), proc.stderr
    return proc.returncode, proc.stdout, proc.stderr, elapsed


# file, extra arguments, exit status, text expected on stderr (exit 2) or in the JSON report
CASES = [
    ("empty.mbox", (), 2, "empty input"),
    ("binary.patch", (), 2, "binary file"),
    ("nul-bytes.mbox", (), 2, "binary file (contains NUL bytes)"),
    ("huge-line.diff", (), 2, "line 6 longer than 100000 bytes"),
    ("path-escape.diff", (), 2, "outside the tree (path escapes the tree)"),
    ("absolute-path.diff", (), 2, "outside the tree (absolute path outside the tree)"),
    ("dot-git.diff", (), 2, "outside the tree (path inside .git)"),
    ("nested-dot-git.diff", (), 2, "outside the tree (path inside .git)"),
    ("truncated-hunk.diff", (), 2, "malformed diff"),
    ("mime-bomb.mbox", (), 2, "MIME parts nested deeper than 64"),
    ("many-messages.mbox", (), 2, "more than 5000 messages"),
    ("many-hunks.diff", (), 2, "more than 10000 hunks"),
    ("no-diff.mbox", (), 2, "no diff found"),
    ("unbalanced-if.diff", ("--tree", HOSTILE / "unbalanced-if.tree"), 0,
     "#ifdef without #endif"),
    ("deep-if-nesting.diff", (), 0, "#if nested deeper than 256"),
    ("macro-bomb.diff", ("--tree", HOSTILE / "macro-bomb.tree"), 0, "(a macro bomb?)"),
    ("unknown-charset.mbox", (), 1, "x-unknown-42"),
    ("base64-garbage.mbox", (), 0, "damaged base64"),
    ("crlf-mixed.mbox", (), 1, "_vmalloc_sync_all"),
    # inputs that once took quadratic time (regular expressions, tree-sitter-c)
    ("from-line-redos.mbox", (), 0, "vmalloc_sync_all_renamed"),
    ("waiver-redos.mbox", (), 0, "vmalloc_sync_all_renamed"),
    ("comment-storm.diff", (), 0, "arch/i386/mm/evil.c"),
    ("attribute-storm.diff", (), 0, "arch/i386/mm/evil.c"),
    ("if-storm.diff", (), 0, "arch/i386/mm/evil.c"),
    # C nested thousands deep: once a RecursionError traceback (and, with tree-sitter trees
    # parsed through callbacks, a segmentation fault)
    ("deep-expression.diff", (), 0, "C nested too deeply to model"),
    ("deep-parentheses.diff", (), 0, "C nested too deeply to model"),
    ("deep-blocks.diff", (), 0, "C nested too deeply to model"),
    # numbers: more digits than int() converts, a series that would need 800 MB of slots
    ("huge-number.diff", (), 2, "malformed diff"),
    ("huge-counter.mbox", (), 0, "vmalloc_sync_all_renamed"),  # reviewed as one patch
]


# the seed patch with its mail damaged: a whole review (timed by the benchmarks, not here)
FULL_REVIEWS = {"unknown-charset.mbox", "crlf-mixed.mbox"}


def test_every_corpus_file_has_a_case():
    named = {case[0] for case in CASES}
    files = {p.name for p in HOSTILE.iterdir() if p.is_file()}
    assert files == named


@pytest.mark.parametrize("name,args,status,expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_end_to_end(name, args, status, expected):
    code, out, err, elapsed = cli("--format", "json", *args, HOSTILE / name)
    assert code == status, err
    if name not in FULL_REVIEWS:
        assert elapsed < WALL, f"{name} took {elapsed:.1f} s"
    if status == 2:
        assert out == "" and err.startswith("reviewtool: ") and expected in err, err
    else:
        assert err == ""
        report = json.loads(out)
        assert expected in out, report


def test_macro_bomb_is_an_analysis_finding_naming_the_macro():
    code, out, err, elapsed = cli("--format", "json", "--tree", HOSTILE / "macro-bomb.tree",
                                  HOSTILE / "macro-bomb.diff")
    finding = json.loads(out)["findings"][0]
    assert finding["id"] == "analysis-error"
    assert "arch/i386/mm/bomb.c:" in finding["message"] and "macro bomb" in finding["message"]


@pytest.fixture
def escaping_tree(tmp_path):
    """A tree with a file and a directory that are symlinks to a directory outside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.c").write_text("int secret;\n")
    tree = tmp_path / "tree"
    (tree / "arch/i386/mm").mkdir(parents=True)
    (tree / "arch/i386/mm/link.c").symlink_to(outside / "secret.c")
    (tree / "arch/i386/evil").symlink_to(outside)
    return tree, outside


SYMLINK_DIFFS = {
    "modify-symlinked-file": "--- a/arch/i386/mm/link.c\n+++ b/arch/i386/mm/link.c\n"
                             "@@ -1,1 +1,2 @@\n int secret;\n+int more;\n",
    "modify-through-symlinked-dir": "--- a/arch/i386/evil/secret.c\n+++ b/arch/i386/evil/secret.c\n"
                                    "@@ -1,1 +1,2 @@\n int secret;\n+int more;\n",
    "create-through-symlinked-dir": "--- /dev/null\n+++ b/arch/i386/evil/new.c\n"
                                    "@@ -0,0 +1,1 @@\n+int planted;\n",
}


@pytest.mark.parametrize("kind", sorted(SYMLINK_DIFFS))
def test_symlink_escape_is_refused_with_a_finding(tmp_path, escaping_tree, kind):
    tree, outside = escaping_tree
    diff = tmp_path / f"symlink-escape-{kind}.diff"
    diff.write_text(SYMLINK_DIFFS[kind])
    before = sorted((p.name, p.read_bytes()) for p in outside.iterdir())
    code, out, err, _ = cli("--format", "json", "--tree", tree, diff)
    assert code == 1 and err == ""
    findings = json.loads(out)["findings"]
    assert [f["id"] for f in findings] == ["does-not-apply"]
    assert "leaves the tree through a symlink" in findings[0]["message"]
    assert sorted((p.name, p.read_bytes()) for p in outside.iterdir()) == before


def test_mail_larger_than_the_bound_is_refused(tmp_path):
    from reviewtool.limits import MAX_INPUT_BYTES

    path = tmp_path / "huge-mail.mbox"
    line = b"x" * 1000 + b"\n"
    path.write_bytes(SEED.read_bytes() + line * (MAX_INPUT_BYTES // len(line) + 1))
    code, out, err, _ = cli(path)
    assert code == 2 and out == ""
    assert f"input larger than {MAX_INPUT_BYTES} bytes" in err


def test_timeout_is_a_finding_naming_the_patch():
    code, out, err, elapsed = cli("--format", "json", "--timeout", "0.01", SEED)
    assert code == 1
    finding = json.loads(out)["findings"][0]
    assert finding["id"] == "timeout" and finding["severity"] == "error"
    assert finding["evidence"] == {"kind": "limit", "limit": "timeout", "seconds": 0.01}
    assert "[patch 07/20] Allow paravirt backend" in finding["message"]
    assert err.startswith("reviewtool: patch 0 ([patch 07/20]") and "--timeout 0.01" in err


def test_negative_timeout_is_a_usage_error():
    code, out, err, _ = cli("--timeout", "-1", SEED)
    assert code == 2 and "--timeout" in err


def test_nothing_is_written_to_the_hostile_trees(tmp_path):
    trees = [HOSTILE / "macro-bomb.tree", HOSTILE / "unbalanced-if.tree"]
    copies = []
    for tree in trees:
        copy = tmp_path / tree.name
        shutil.copytree(tree, copy)
        copies.append(copy)

    def snapshot():
        return {p: (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else None)
                for copy in copies for p in [copy.parent, *copy.rglob("*")]}

    before = snapshot()
    for copy in copies:
        cli("--format", "json", "--tree", copy, HOSTILE / (copy.name[:-len(".tree")] + ".diff"))
    assert snapshot() == before


def test_kconfig_shell_is_never_run(tmp_path):
    """$(shell,...) in a tree's Kconfig is answered without executing anything."""
    marker = tmp_path / "pwned"
    tree = tmp_path / "tree"
    (tree / "arch/i386/mm").mkdir(parents=True)
    (tree / "arch/i386/mm/x.c").write_text("int a;\nvoid f(void)\n{\n}\n")
    (tree / "arch/i386/Kconfig").write_text(
        f'mainmenu "$(shell,touch {marker})"\n'
        f"config X86_PAE\n\tbool \"PAE\"\n\tdefault $(shell,touch {marker} && echo y)\n"
        f"config CC_OK\n\tbool \"cc $(shell,touch {marker})\"\n"
        f'source "arch/i386/Kconfig.$(shell,touch {marker})"\n')
    from reviewtool.tree import DirTree
    from reviewtool.variants.kconfig import read_kconfig

    kconfig = read_kconfig(DirTree(tree), "i386")  # read to the end, every $(shell) answered
    assert set(kconfig.symbols) == {"CONFIG_X86_PAE", "CONFIG_CC_OK"}
    assert sum("not run" in w for w in kconfig.warnings) == 4
    diff = tmp_path / "x.diff"
    diff.write_text("--- a/arch/i386/mm/x.c\n+++ b/arch/i386/mm/x.c\n@@ -3,2 +3,3 @@\n {\n"
                    "+\tg();\n }\n")
    code, out, err, _ = cli("--format", "json", "--tree", tree, diff)
    assert code in (0, 1), err
    assert not marker.exists()


def test_kconfig_bomb_in_the_tree_is_a_note(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(HOSTILE / "unbalanced-if.tree", tree)
    (tree / "arch/i386/mm/x.c").write_text("int a;\nvoid f(void)\n{\n}\n")
    lines = ["A0 = xxxxxxxx"] + [f"A{i} = $(A{i - 1})$(A{i - 1})" for i in range(1, 64)]
    (tree / "arch/i386/Kconfig").write_text("\n".join(lines) + '\nconfig X86_PAE\n'
                                            '\tbool "$(A63)"\n')
    diff = tmp_path / "x.diff"
    diff.write_text("--- a/arch/i386/mm/x.c\n+++ b/arch/i386/mm/x.c\n@@ -3,2 +3,3 @@\n {\n"
                    "+\tg();\n }\n")
    code, out, err, elapsed = cli("--format", "json", "--tree", tree, diff)
    assert code == 0 and elapsed < WALL
    assert "Kconfig not used" in out and "macro bomb" in out


def test_many_failing_hunks_are_findings_quickly(tmp_path):
    """9,999 hunks (just under the bound) that match nowhere: each a does-not-apply finding,
    in bounded time (the hunk search once took minutes on such input)."""
    diff = tmp_path / "many-failing-hunks.diff"
    diff.write_text("--- a/arch/i386/mm/fault.c\n+++ b/arch/i386/mm/fault.c\n" + "".join(
        f"@@ -{i % 600 + 1},3 +{i % 600 + 1},3 @@\n ctx\n-nope{i}\n+new\n ctx\n"
        for i in range(9999)))
    code, out, err, elapsed = cli("--format", "json", diff)
    assert code == 1 and err == "" and elapsed < 2 * WALL
    findings = json.loads(out)["findings"]
    assert len(findings) == 9999 and {f["id"] for f in findings} == {"does-not-apply"}
