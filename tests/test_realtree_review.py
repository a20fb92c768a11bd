"""Reviews against Debian's linux-source-6.1 (opt-in: skipped unless the tree is extracted at
``$REVIEWTOOL_LINUX`` or /tmp/linux-6.1; CI extracts it)."""

import json
import os
from pathlib import Path

import pytest

from helpers import run_cli

LINUX = Path(os.environ.get("REVIEWTOOL_LINUX", "/tmp/linux-6.1"))
PATCHES = Path(__file__).parent / "realtree_patches"

pytestmark = [pytest.mark.realtree,
              pytest.mark.skipif(not (LINUX / "arch/x86/mm/fault.c").exists(),
                                 reason="linux-source-6.1 not extracted")]


def review(name):
    status, out, err = run_cli("check", "--tree", LINUX, "--format", "json", "--no-exec",
                               PATCHES / name)
    assert out, err
    return status, json.loads(out)


def test_dropping_the_x86_32_guard_is_a_change_for_64_bit():
    status, doc = review("x86-32-vmalloc-fault-guard.mbox")
    assert doc["patches"][0]["scope"] == ["CONFIG_X86_32"]
    (hit,) = [f for f in doc["findings"] if f["id"] == "config-change"
              and f["severity"] == "error"]
    assert hit["function"] == "do_kern_addr_fault"
    assert {"CONFIG_X86_32": "n"} in hit["configs"]
    assert status == 1


def test_an_edit_inside_a_kmsan_block_changes_nothing_else():
    _, doc = review("kmsan-block-only.mbox")
    assert doc["patches"][0]["applied"]
    assert [f for f in doc["findings"] if f["id"] == "config-change"] == []


def test_a_change_in_some_classes_shows_without_a_scope_and_without_a_one_symbol_pair():
    """The subject names no feature; CONFIG_X86_32=n comes with CONFIG_64BIT=y and what it
    selects, so no two sampled configurations differ in CONFIG_X86_32 alone: the classes
    must still keep the 64-bit one, where the check now runs, apart."""
    _, doc = review("init-range-guard-no-scope.mbox")
    matrix = doc["patches"][0]["matrix"]
    assert doc["patches"][0]["scope"] == []
    verdicts = dict(zip([c["CONFIG_X86_32"] for c in matrix["configs"]],
                        matrix["verdicts"]["adjust_range_page_size_mask"]))
    assert verdicts == {"y": "same", "n": "changed"}


def test_a_subject_word_naming_an_unrelated_symbol_is_not_the_scope(tmp_path):
    """"memory" names CONFIG_MEMORY (the drivers/memory menu), which nothing in init.c's units
    tests: taken as the scope, every change of the patch would be outside it."""
    mail = (PATCHES / "init-range-guard-no-scope.mbox").read_text().replace(
        "compare every large range with max_low_pfn", "fix the low memory limit check")
    (tmp_path / "memory.mbox").write_text(mail)
    status, out, err = run_cli("check", "--tree", LINUX, "--format", "json", "--no-exec",
                               tmp_path / "memory.mbox")
    doc = json.loads(out)
    assert doc["patches"][0]["scope"] == []
    assert "CONFIG_MEMORY is named but nothing" in doc["patches"][0]["scope_reason"]
    assert not [f for f in doc["findings"] if f["id"] == "config-change"]


def test_generated_headers_are_named_not_fatal():
    _, doc = review("kmsan-block-only.mbox")
    (note,) = [n for n in doc["patches"][0]["notes"] if "#include target" in n]
    assert "<generated/autoconf.h>" in note and "generated at build time" in note


def test_integer_config_symbols_fold_in_c_conditions():
    """``CONFIG_PGTABLE_LEVELS == 3 && SHARED_KERNEL_PMD`` folds per class with the symbol's
    Kconfig default: the simplified condition is the same with PAE (3 levels) and a change
    without (2 levels, where the range was always copied)."""
    _, doc = review("pgd-ctor-shared-pmd-only.mbox")
    matrix = doc["patches"][0]["matrix"]
    verdicts = dict(zip([c["CONFIG_X86_PAE"] for c in matrix["configs"]],
                        matrix["verdicts"]["pgd_ctor"]))
    assert verdicts == {"y": "equivalent", "n": "changed"}
    (hit,) = [f for f in doc["findings"] if f["id"] == "config-change"]
    assert hit["severity"] == "error" and hit["configs"] == [{"CONFIG_X86_PAE": "n"}]
    assert doc["coverage"]["defaults"]["CONFIG_PGTABLE_LEVELS"] in ("2", "3")
    # the class is a 32-bit kernel (CONFIG_X86_32 is derived, not left off): 32-bit names
    assert "CONFIG_X86_32" in doc["coverage"]["implied"]
    assert "swapper_pg_dir + 768" in hit["message"]


# -- a git repository made from the tree, with 20 generated commits on top ------------------------

def _static_functions(text):
    """Line numbers (1-based) of `static ...(...)` definition lines preceded by a blank line."""
    lines = text.split("\n")
    return [n + 1 for n in range(1, len(lines) - 3)
            if lines[n].startswith("static ") and lines[n].rstrip().endswith(")")
            and "(" in lines[n] and lines[n - 1] == ""]


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    """A repository whose first commit is the extracted tree (added without copying it: git
    reads the files through --work-tree) and 20 commits on top, made from blobs with pygit2:
    19 add a comment before a static function of a different arch/x86/mm file, the last
    drops the #ifdef CONFIG_X86_32 around the vmalloc fault (the done-when patch)."""
    import subprocess
    import pygit2

    path = tmp_path_factory.mktemp("linux-git") / "linux"
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    git = ["git", "-C", str(path), f"--work-tree={LINUX}", "-c", "user.name=Test",
           "-c", "user.email=test@example.org"]
    subprocess.run(git + ["add", "-A", "."], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "linux-source-6.1"], check=True)
    repo = pygit2.Repository(str(path))
    index = repo.index
    index.read()
    author = pygit2.Signature("Test", "test@example.org", 1175800000, 0)
    files = sorted(p for p in (LINUX / "arch/x86/mm").glob("*.c") if p.name != "fault.c")
    changed = 0
    for file in files:
        if changed == 19:
            break
        text = file.read_text()
        spots = _static_functions(text)
        if not spots:
            continue
        lines = text.split("\n")
        lines.insert(spots[0] - 1, f"/* reviewed: note {changed + 1} */")
        rel = file.relative_to(LINUX).as_posix()
        _commit(repo, index, rel, "\n".join(lines), author,
                f"x86/mm: note on {file.name}\n\nA comment only.\n")
        changed += 1
    fault = (LINUX / "arch/x86/mm/fault.c").read_text()
    guard = fault.index("#ifdef CONFIG_X86_32\n\t/*\n\t * We can fault-in kernel-space")
    end = fault.index("#endif\n", guard)
    unguarded = fault[:guard] + fault[guard + len("#ifdef CONFIG_X86_32\n"):end] + \
        fault[end + len("#endif\n"):]
    _commit(repo, index, "arch/x86/mm/fault.c", unguarded, author,
            "x86/mm/32: try vmalloc_fault() on every kernel address fault\n")
    return path, changed + 1


def _commit(repo, index, rel, text, author, message):
    import pygit2

    blob = repo.create_blob(text.encode())
    index.add(pygit2.IndexEntry(rel, blob, pygit2.GIT_FILEMODE_BLOB))
    tree = index.write_tree()
    repo.create_commit("HEAD", author, author, message, tree, [repo.head.target])


def test_a_range_of_twenty_commits_is_reviewed_as_a_series(repository):
    path, count = repository
    assert count == 20
    status, out, err = run_cli("check", "HEAD~20..HEAD", "--format", "json", cwd=path)
    doc = json.loads(out)
    assert len(doc["patches"]) == 20 and all(p["applied"] for p in doc["patches"])
    assert any("HEAD~20..HEAD" in note for note in doc["notes"])
    errors = [f for f in doc["findings"] if f["id"] == "config-change"
              and f["severity"] == "error"]
    assert {f["patch"] for f in errors} == {19}
    assert errors[0]["function"] == "do_kern_addr_fault"
    assert status == 1


def test_a_warm_review_of_the_real_tree_says_what_a_cold_one_says(tmp_path):
    import subprocess
    import sys

    env = dict(os.environ, REVIEWTOOL_CACHE=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "reviewtool.cli", "check", "--format", "json",
               "--fail-on", "never", "--tree", str(LINUX),
               str(PATCHES / "pgd-ctor-shared-pmd-only.mbox")]
    root = Path(__file__).resolve().parent.parent
    cold = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    warm = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    assert cold.returncode == warm.returncode == 0, cold.stderr
    assert json.loads(cold.stdout)["findings"] and cold.stdout == warm.stdout


def test_the_model_of_a_real_file_is_described():
    """`reviewtool model` enumerates the file's own symbols against the Kconfig cone, like a
    review (it used to sample hundreds of header symbols against all of Kconfig: no end)."""
    status, out, err = run_cli("model", "arch/x86/mm/pgtable.c", "--tree", LINUX,
                               "--format", "json")
    assert status == 0, err
    doc = json.loads(out)
    assert "CONFIG_X86_PAE" in doc["symbols"]
    assert any(f["name"] == "pgd_ctor" for f in doc["functions"])


def test_a_server_serves_real_tree_reviews_as_a_one_shot_run_prints_them(tmp_path):
    """Kept 6.1 tree, units, snapshots and Kconfig model in memory: three reviews served one
    after the other (each file twice) print what one-shot runs print."""
    import shutil
    import subprocess
    import sys
    import tempfile
    from reviewtool import server
    cache = tempfile.mkdtemp(prefix="rt-")
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, REVIEWTOOL_CACHE=cache, PYTHONPATH=root)  # the code under test
    old = os.environ["REVIEWTOOL_CACHE"]
    os.environ["REVIEWTOOL_CACHE"] = cache
    try:
        server.start(idle_minutes=5)
        for name in ("x86-32-vmalloc-fault-guard.mbox", "pgd-ctor-shared-pmd-only.mbox",
                     "kmsan-block-only.mbox", "x86-32-vmalloc-fault-guard.mbox",
                     "pgd-ctor-shared-pmd-only.mbox"):
            args = ["check", "--tree", str(LINUX), "--format", "json", "--no-exec",
                    str(PATCHES / name)]
            served = subprocess.run([sys.executable, "-m", "reviewtool.client", *args],
                                    env=env, capture_output=True)
            here = subprocess.run([sys.executable, "-m", "reviewtool.cli", *args], env=env,
                                  capture_output=True)
            assert (served.returncode, served.stdout) == (here.returncode, here.stdout), name
        assert server.status()["requests"] == 5
    finally:
        server.stop()
        os.environ["REVIEWTOOL_CACHE"] = old
        shutil.rmtree(cache, ignore_errors=True)
