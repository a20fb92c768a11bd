"""Project configuration (.reviewtool.toml) and waivers (trailer, configuration, baseline)."""

import json
import shutil

import pytest

from helpers import ROOT, SEED, run_cli
from test_hooks import git, make_repo


@pytest.fixture()
def tree(tmp_path):
    target = tmp_path / "tree"
    shutil.copytree(ROOT / "corpus" / "tree", target)
    return target


def review(tree, *args):
    status, out, err = run_cli("check", "--tree", tree, "--format", "json", *args, SEED)
    return status, (json.loads(out) if out else None), err


def test_unknown_key_names_the_key_and_the_file(tree):
    (tree / ".reviewtool.toml").write_text('fail-on = "error"\ncolour = "blue"\n')
    status, _, err = review(tree)
    assert status == 2 and "'colour'" in err and ".reviewtool.toml" in err


def test_unknown_check_in_severity_is_an_error(tree):
    (tree / ".reviewtool.toml").write_text('[severity]\nnamig = "info"\n')
    status, _, err = review(tree)
    assert status == 2 and "'namig'" in err


def test_a_check_can_be_turned_off(tree):
    (tree / ".reviewtool.toml").write_text("[checks]\nnaming = false\n")
    _, doc, _ = review(tree)
    assert not [f for f in doc["findings"] if f["id"] == "naming"]


def test_severity_override(tree):
    (tree / ".reviewtool.toml").write_text('[severity]\nnaming = "info"\n')
    _, doc, _ = review(tree)
    assert [f["severity"] for f in doc["findings"] if f["id"] == "naming"] == ["info"]


def test_fail_on_from_the_project(tree):
    (tree / ".reviewtool.toml").write_text('fail-on = "never"\n')
    assert review(tree)[0] == 0


def test_scope_words_from_the_project(tree):
    (tree / ".reviewtool.toml").write_text('[scope]\nwords = { backend = "CONFIG_XEN" }\n')
    _, doc, _ = review(tree)
    assert "CONFIG_XEN" in doc["patches"][0]["scope"]


def test_pyproject_tool_table_is_read(tree):
    (tree / "pyproject.toml").write_text('[tool.reviewtool]\n[tool.reviewtool.checks]\n'
                                         'simpler-alternative = false\n')
    _, doc, _ = review(tree)
    assert not [f for f in doc["findings"] if f["id"] == "simpler-alternative"]


def test_waiver_in_configuration_marks_finding_waived(tree):
    (tree / ".reviewtool.toml").write_text(
        '[[waive]]\nid = "config-change"\nfunction = "pgd_ctor"\n'
        'reason = "pgd not visible yet"\n')
    _, doc, _ = review(tree)
    (hit,) = [f for f in doc["findings"] if f["function"] == "pgd_ctor"
              and f["severity"] == "error"]
    assert hit["waived"] and "pgd not visible yet" in hit["waiver"]


def test_baseline_hides_known_findings(tree, tmp_path):
    _, first, _ = review(tree)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(first))
    status, doc, _ = review(tree, "--baseline", old)
    assert status == 0 and all(f["waived"] for f in doc["findings"])


def test_unreadable_baseline_is_a_usage_error(tree, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert review(tree, "--baseline", bad)[0] == 2


def test_trailer_waives_and_lets_the_seed_through_the_hook(tmp_path):
    repo = make_repo(tmp_path / "r", SEED, subject=(
        "Allow paravirt backend to choose kernel PMD sharing\n\n"
        "Reviewtool-waive: config-change _vmalloc_sync_all: only built, never called\n"
        "Reviewtool-waive: config-change pgd_ctor: the new pgd is not visible yet\n"))
    from reviewtool.hooks import install
    install(str(repo), "sendemail-validate")
    out = tmp_path / "out"
    git(repo, "format-patch", "-q", "-1", "-o", str(out))
    mail = sorted(out.iterdir())[0]
    proc = git(repo, "send-email", "--dry-run", "--confirm=never", "--to", "a@example.org",
               "--from", "t@example.org", str(mail), check=False)
    if "is not a git command" in proc.stderr:
        pytest.skip("git send-email missing")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    status, out_json, _ = run_cli("check", "--tree", repo, "--format", "json", mail)
    doc = json.loads(out_json)
    waived = [f for f in doc["findings"] if f["waived"]]
    assert {f["function"] for f in waived} >= {"_vmalloc_sync_all", "pgd_ctor"}
    assert status == 0
