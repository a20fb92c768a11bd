"""Bad input: one line on stderr, exit 2 when nothing can be reviewed, never a traceback,
nothing written."""


from helpers import ROOT, SEED, run_cli

DIFF = """\
--- a/arch/i386/mm/fault.c
+++ b/arch/i386/mm/fault.c
@@ -590,3 +590,3 @@
 
-void vmalloc_sync_all(void)
+void vmalloc_sync_all_renamed(void)
 {
"""


def check_unusable(path):
    status, out, err = run_cli("check", path)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("reviewtool: ")
    assert "Traceback" not in err
    return err


def test_missing_file(tmp_path):
    assert "nope.mbox" in check_unusable(tmp_path / "nope.mbox")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.mbox"
    path.write_bytes(b"")
    assert "empty" in check_unusable(path)


def test_binary_file(tmp_path):
    path = tmp_path / "blob.patch"
    path.write_bytes(bytes(range(256)) * 8)
    assert "binary" in check_unusable(path)


def test_mail_without_any_diff(tmp_path):
    path = tmp_path / "reply.mbox"
    path.write_text("From: a@b\nSubject: Re: [patch 07/20] foo\n\nLooks good to me.\n")
    assert "no diff" in check_unusable(path)


def test_diff_escaping_the_tree(tmp_path):
    path = tmp_path / "escape.diff"
    path.write_text(DIFF.replace("a/arch", "a/../../etc").replace("b/arch", "b/../../etc"))
    assert "outside the tree" in check_unusable(path)


def test_truncated_hunk(tmp_path):
    path = tmp_path / "truncated.diff"
    path.write_text("\n".join(DIFF.split("\n")[:5]) + "\n")
    assert "malformed diff" in check_unusable(path)


def test_unknown_charset_is_read_with_a_note(tmp_path):
    text = SEED.read_text().replace("Subject: [patch 07/20]",
                                    "Content-Type: text/plain; charset=x-unknown-42\n"
                                    "Subject: [patch 07/20]", 1)
    path = tmp_path / "charset.mbox"
    path.write_text(text)
    status, out, err = run_cli("check", "--format", "json", path)
    assert status == 1 and "Traceback" not in err
    assert "x-unknown-42" in out


def test_hunk_that_does_not_apply_is_a_finding(tmp_path):
    path = tmp_path / "stale.diff"
    path.write_text(DIFF.replace("-void vmalloc_sync_all(void)", "-void vmalloc_sync_every(void)"))
    status, out, err = run_cli("check", "--format", "json", path)
    assert status == 1
    assert '"does-not-apply"' in out and "hunk 1" in out


def test_unbalanced_if_in_touched_file(tmp_path):
    tree = tmp_path / "tree"
    (tree / "arch/i386/mm").mkdir(parents=True)
    (tree / "arch/i386/mm/x.c").write_text("#ifdef CONFIG_X86_PAE\nint a;\nvoid f(void)\n{\n}\n")
    path = tmp_path / "x.diff"
    path.write_text("--- a/arch/i386/mm/x.c\n+++ b/arch/i386/mm/x.c\n@@ -4,2 +4,3 @@\n {\n"
                    "+\tg();\n }\n")
    status, out, err = run_cli("check", "--tree", tree, "--format", "json",
                               "--scope", "CONFIG_PARAVIRT", path)
    assert "Traceback" not in err
    assert '"analysis-error"' in out and "x.c:1" in out


def test_nothing_written_into_the_tree(tmp_path):
    tree = ROOT / "corpus" / "tree"
    before = {p: p.stat().st_mtime_ns for p in tree.rglob("*")}
    run_cli("check", "--format", "json", SEED)
    assert {p: p.stat().st_mtime_ns for p in tree.rglob("*")} == before


def test_unknown_format_is_a_usage_error():
    status, _, err = run_cli("check", "--format", "xml", SEED)
    assert status == 2 and "invalid choice" in err


def test_model_of_a_missing_file_is_one_line():
    status, out, err = run_cli("model", "arch/i386/mm/nope.c")
    assert status == 2 and err.count("\n") == 1


def test_standard_input_is_read_with_dash():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "reviewtool.cli", "check", "--format", "json",
                           "-"], input=SEED.read_bytes(), capture_output=True, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    assert b'"[patch 07/20] Allow paravirt backend' in proc.stdout


def test_internal_error_is_one_line_with_exit_3(monkeypatch):
    import reviewtool.checks.context as context

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(context, "build_context", broken)
    status, out, err = run_cli("check", SEED)
    assert status == 3 and err.count("\n") == 1 and "simulated bug" in err
