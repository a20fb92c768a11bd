"""Git hooks, tested for real: `git send-email --dry-run` with the sendemail-validate hook,
and `git push` to a local bare repository with the pre-push hook."""

import os
import shutil
import subprocess

import pytest

from helpers import ROOT, SEED, SEED_V2
from reviewtool.checks.context import apply_patch
from reviewtool.hooks import MARKER, install, uninstall
from reviewtool.mail import read_inputs
from reviewtool.patch import parse_diff
from reviewtool.tree import DirTree

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "GIT_AUTHOR_NAME": "T",
       "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T",
       "GIT_COMMITTER_EMAIL": "t@example.org", "NO_COLOR": "1"}


def git(repo, *args, check=True, stdin=None):
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          env=ENV, check=check, input=stdin, timeout=300)


def make_repo(path, patch=None, subject="Allow paravirt backend to choose kernel PMD sharing"):
    shutil.copytree(ROOT / "corpus" / "tree", path)
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "2.6.21 sample tree")
    if patch is not None:
        mail = read_inputs([str(patch)])[0]
        results, _ = apply_patch(parse_diff(mail.diff), DirTree(path))
        for result in results:
            (path / result.path).write_text(result.after)
        git(path, "commit", "-qam", subject)
    return path


def has_send_email():
    proc = subprocess.run(["git", "send-email", "-h"], capture_output=True, text=True)
    return "is not a git command" not in proc.stderr


def test_install_never_clobbers_and_uninstall_restores(tmp_path):
    repo = make_repo(tmp_path / "r")
    original = repo / ".git/hooks/pre-push"
    original.write_text("#!/bin/sh\nexit 0\n")
    original.chmod(0o755)
    install(str(repo), "pre-push")
    assert MARKER in original.read_text()
    assert (repo / ".git/hooks/pre-push.reviewtool-chained").read_text() == "#!/bin/sh\nexit 0\n"
    uninstall(str(repo), "pre-push")
    assert original.read_text() == "#!/bin/sh\nexit 0\n"


def test_install_honours_core_hookspath(tmp_path):
    repo = make_repo(tmp_path / "r")
    git(repo, "config", "core.hooksPath", "my-hooks")
    install(str(repo), "pre-commit")
    assert MARKER in (repo / "my-hooks/pre-commit").read_text()


@pytest.mark.skipif(not has_send_email(), reason="git send-email (Debian git-email) missing")
@pytest.mark.parametrize("patch,refused", [(SEED, True), (SEED_V2, False)])
def test_send_email_dry_run(tmp_path, patch, refused):
    repo = make_repo(tmp_path / "r", patch)
    install(str(repo), "sendemail-validate")
    out = tmp_path / "out"
    git(repo, "format-patch", "-q", "-1", "-o", str(out))
    proc = git(repo, "send-email", "--dry-run", "--confirm=never", "--to", "a@example.org",
               "--from", "t@example.org", *map(str, sorted(out.iterdir())), check=False)
    output = proc.stdout + proc.stderr
    if refused:
        assert proc.returncode != 0 and "rejected by sendemail-validate hook" in output
        assert "config-change" in output
    else:
        assert proc.returncode == 0, output


def test_cover_letter_passes_the_hook(tmp_path):
    repo = make_repo(tmp_path / "r")
    cover = tmp_path / "cover.patch"
    cover.write_text("From: T <t@example.org>\nSubject: [PATCH 0/2] paravirt: things\n\n"
                     "This series does things.\n")
    proc = subprocess.run(["python3", "-m", "reviewtool.cli", "hook", "run",
                           "sendemail-validate", str(cover)], cwd=repo, env=ENV,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("patch,refused", [(SEED, True), (SEED_V2, False)])
def test_push_to_bare_repository(tmp_path, patch, refused):
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    repo = make_repo(tmp_path / "r")
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "origin", "main")
    install(str(repo), "pre-push")
    mail = read_inputs([str(patch)])[0]
    results, _ = apply_patch(parse_diff(mail.diff), DirTree(repo))
    for result in results:
        (repo / result.path).write_text(result.after)
    git(repo, "commit", "-qam", "paravirt: allow the backend to choose kernel PMD sharing")
    proc = git(repo, "push", "origin", "main", check=False)
    if refused:
        assert proc.returncode != 0, proc.stdout + proc.stderr
    else:
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_crashing_reviewtool_does_not_block_by_default(tmp_path):
    repo = make_repo(tmp_path / "r", SEED)
    env = {**ENV, "REVIEWTOOL_HOOK_SIMULATE_CRASH": "1"}
    proc = subprocess.run(["python3", "-m", "reviewtool.cli", "hook", "run", "pre-commit"],
                          cwd=repo, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0 and "reviewtool crashed" in proc.stderr
    assert "not blocking" in proc.stderr


def test_crashing_reviewtool_blocks_when_strict(tmp_path):
    repo = make_repo(tmp_path / "r", SEED)
    env = {**ENV, "REVIEWTOOL_HOOK_SIMULATE_CRASH": "1", "REVIEWTOOL_HOOK_STRICT": "1"}
    proc = subprocess.run(["python3", "-m", "reviewtool.cli", "hook", "run", "pre-commit"],
                          cwd=repo, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 1 and "blocking" in proc.stderr


def test_post_commit_without_a_server_reviews_nothing(tmp_path, monkeypatch):
    from reviewtool import cli, hooks
    repo = make_repo(tmp_path / "r", SEED)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path / "cache"))  # no server there
    monkeypatch.delenv("REVIEWTOOL_SERVER", raising=False)
    monkeypatch.setattr(cli, "main", lambda *a: pytest.fail("reviewed here"))
    assert hooks.run("post-commit", [], "") == 0


def test_post_commit_hook_returns_at_once_and_silently(tmp_path):
    repo = make_repo(tmp_path / "r")
    install(str(repo), "post-commit")
    (repo / "README").write_text("a note\n")
    git(repo, "add", "README")
    proc = git(repo, "commit", "-qm", "a note")
    assert proc.stdout == "" and proc.stderr == ""
    assert git(repo, "log", "-1", "--format=%s").stdout.strip() == "a note"


@pytest.mark.parametrize("commits", [0, 1])
def test_post_commit_readies_nothing_without_a_parent(tmp_path, monkeypatch, commits):
    # an unborn branch, a root commit: nothing to review, no server asked
    from reviewtool import client, hooks
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    if commits:
        (repo / "a.c").write_text("int a;\n")
        git(repo, "add", "a.c")
        git(repo, "commit", "-qm", "root")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("REVIEWTOOL_HOOK_STRICT", "1")  # a crash would say 1
    monkeypatch.setattr(client, "via_server", lambda *a: pytest.fail("asked the server"))
    assert hooks.run("post-commit", [], "") == 0


def test_sendemail_validate_in_a_bare_repository_reviews_its_blobs(tmp_path):
    # a bare repository (named without .git) has no files to read: the hook reviews the
    # mail against the parent of its commit, read from the repository
    repo = make_repo(tmp_path / "r", SEED)
    bare = tmp_path / "mirror"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    out = tmp_path / "out"
    git(repo, "format-patch", "-q", "-1", "-o", str(out))
    proc = subprocess.run(["python3", "-m", "reviewtool.client", "hook", "run",
                           "sendemail-validate", str(next(out.iterdir()))], cwd=bare,
                          env=dict(ENV, REVIEWTOOL_SERVER="off"), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "tree: git" in proc.stdout and "config-change" in proc.stdout
    assert "does-not-apply" not in proc.stdout


def test_a_hook_started_light_ignores_modules_in_the_repository(tmp_path):
    # the hook starts the client without site, its package in place of the current directory
    # on the path: a json.py at the top of the repository does not replace the standard one
    repo = make_repo(tmp_path / "r", SEED)
    (repo / "json.py").write_text("raise SystemExit('the repository shadowed json')\n")
    install(str(repo), "sendemail-validate")
    out = tmp_path / "out"
    git(repo, "format-patch", "-q", "-1", "-o", str(out))
    proc = subprocess.run([str(repo / ".git/hooks/sendemail-validate"),
                           str(next(out.iterdir()))], cwd=repo, env=ENV,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert proc.returncode != 0 and "config-change" in proc.stdout + proc.stderr
    assert "shadowed" not in proc.stdout + proc.stderr
