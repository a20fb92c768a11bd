"""Git trees through pygit2: blobs at a revision, base resolution, revision ranges."""

import shutil

import pygit2
import pytest

from helpers import ROOT, SEED, review_json, run_cli
from reviewtool.checks.context import apply_patch
from reviewtool.mail import read_inputs
from reviewtool.patch import parse_diff
from reviewtool.tree import DirTree
from reviewtool.tree.git import GitTree, commits_in_range, resolve_base


def _commit_all(repo, message, parents):
    index = repo.index
    index.add_all()
    index.write()
    sig = pygit2.Signature("Test Author", "test@example.org", 1175800000, 0)
    return repo.create_commit("HEAD", sig, sig, message, index.write_tree(), parents)


@pytest.fixture(scope="module")
def repo_with_seed(tmp_path_factory):
    """The corpus committed, then the seed patch committed on top."""
    work = tmp_path_factory.mktemp("repo")
    shutil.copytree(ROOT / "corpus" / "tree", work, dirs_exist_ok=True)
    repo = pygit2.init_repository(str(work))
    base = _commit_all(repo, "2.6.21 sample tree\n", [])
    mail = read_inputs([str(SEED)])[0]
    results, after = apply_patch(parse_diff(mail.diff), DirTree(work))
    for result in results:
        (work / result.path).write_text(result.after)
    head = _commit_all(repo, "Allow paravirt backend to choose kernel PMD sharing\n\n"
                       "Signed-off-by: Test Author <test@example.org>\n", [base])
    return work, repo, str(base), str(head)


def test_git_tree_reads_blobs_of_the_revision(repo_with_seed):
    work, repo, base, head = repo_with_seed
    old = GitTree(repo, base).read("arch/i386/mm/fault.c")
    new = GitTree(repo, head).read("arch/i386/mm/fault.c")
    assert "#ifndef CONFIG_X86_PAE" in old and "_vmalloc_sync_all" in new


def test_git_tree_missing_path_is_none(repo_with_seed):
    _, repo, _, head = repo_with_seed
    assert GitTree(repo, head).read("no/such/file.c") is None


@pytest.mark.parametrize("path", ["arch/i386/mm/fault.c", "include/asm-i386/pgtable.h",
                                  "arch/i386/mm", "arch/i386/mm/fault.c/x", "no/such.h",
                                  "../outside.c", "", "arch//i386/mm/fault.c"])
def test_git_tree_answers_as_pygit2_does(repo_with_seed, path):
    # lookups go through a per-directory index: the same answers as pygit2's own, asked twice
    _, repo, _, head = repo_with_seed
    tree = GitTree(repo, head)
    try:
        direct = repo[head].tree[path.replace("//", "/")]
        expected = str(direct.id) if direct.type_str == "blob" else None
    except (KeyError, ValueError):
        expected = None
    if path.startswith("../"):
        expected = None
    for _ in range(2):
        assert tree.version(path) == expected
        assert tree.exists(path) == (expected is not None)


def test_base_is_the_parent_of_the_mails_commit(repo_with_seed):
    _, repo, base, head = repo_with_seed
    rev, how = resolve_base(repo, from_sha=head)
    assert rev == base and "parent" in how


def test_range_lists_commits_oldest_first(repo_with_seed):
    _, repo, base, head = repo_with_seed
    assert [str(c.id) for c in commits_in_range(repo, "HEAD~1..HEAD")] == [head]


def test_revision_range_is_reviewed_like_the_mail(repo_with_seed):
    work, _, _, _ = repo_with_seed
    status, out, err = run_cli("check", "--format", "json", "--tree", work, "HEAD~1..HEAD")
    assert status == 1, err
    import json
    doc = json.loads(out)
    assert doc["tree"]["kind"] == "git"
    errors = sorted({f["function"] for f in doc["findings"] if f["severity"] == "error"})
    _, from_mail = review_json(SEED)
    assert errors == sorted({f["function"] for f in from_mail["findings"]
                             if f["severity"] == "error"})


def test_work_tree_is_not_touched(repo_with_seed):
    work, repo, base, head = repo_with_seed
    before = (work / "arch/i386/mm/fault.c").read_text()
    run_cli("check", "--format", "json", "--tree", work, "--base", base, SEED)
    assert (work / "arch/i386/mm/fault.c").read_text() == before
    assert not repo.status()


def test_patch_already_applied_at_head_is_reviewed_reverse_applied(repo_with_seed):
    work, _, _, _ = repo_with_seed
    status, out, err = run_cli("check", "--format", "json", "--tree", work, "--base", "HEAD",
                               SEED)
    import json
    doc = json.loads(out)
    assert any("reverse-applied" in n for n in doc["notes"])
    assert doc["patches"][0]["applied"]
    assert any(f["function"] == "pgd_ctor" and f["severity"] == "error"
               for f in doc["findings"])


def test_reverse_patch_undoes_the_patch():
    from reviewtool.patch import reverse_patch
    from reviewtool.patch.apply import apply_file

    text = "a\nb\nc\n"
    diff = parse_diff("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
    after = apply_file(diff.files[0], text).after
    assert apply_file(reverse_patch(diff).files[0], after).after == text


@pytest.fixture
def three_commits(tmp_path):
    """The corpus, the seed patch on it, then a comment added to another file."""
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "corpus" / "tree", work)
    repo = pygit2.init_repository(str(work))
    base = _commit_all(repo, "2.6.21 sample tree\n", [])
    mail = read_inputs([str(SEED)])[0]
    for result in apply_patch(parse_diff(mail.diff), DirTree(work))[0]:
        (work / result.path).write_text(result.after)
    seed = _commit_all(repo, "Allow paravirt backend to choose kernel PMD sharing\n", [base])
    pgtable = work / "arch/i386/mm/pgtable.c"
    pgtable.write_text(pgtable.read_text() + "\n/* a note */\n")
    (work / "arch/i386/mm/fault.c").unlink()
    (work / "arch/i386/mm/new.h").write_text("#define NEW 1\n")
    note = _commit_all(repo, "i386: a note\n", [seed])
    return work, repo, str(base), str(seed), str(note)


def test_a_descendant_answers_as_the_revisions_own_tree(three_commits):
    from reviewtool.tree.git import DescendantTree, near_kept_tree
    work, repo, base, seed, note = three_commits
    kept = {("git", repo.path, base): GitTree(repo, base)}
    tree = near_kept_tree(repo, note, kept.get)  # two commits on: seed's and note's changes
    own = GitTree(repo, note)
    assert isinstance(tree, DescendantTree) and tree.revision == own.revision
    assert (tree.kind, tree.path) == (own.kind, own.path)
    for path in ("arch/i386/mm/pgtable.c", "arch/i386/mm/fault.c", "arch/i386/mm/new.h",
                 "include/asm-i386/paravirt.h", "arch/i386/mm/init.c", "no/such.c"):
        assert tree.read(path) == own.read(path), path
        assert tree.version(path) == own.version(path), path
        assert tree.exists(path) == own.exists(path), path


def test_no_descendant_without_a_kept_ancestor(three_commits):
    from reviewtool.tree.git import near_kept_tree
    _, repo, base, seed, note = three_commits
    assert near_kept_tree(repo, note, {}.get) is None
    kept = {("git", repo.path, seed): GitTree(repo, seed)}
    assert near_kept_tree(repo, base, kept.get) is None  # a root commit: no ancestor


@pytest.mark.parametrize("limit", ["MAX_CHANGED_FILES", "MAX_ANCESTORS"])
def test_a_descendant_too_far_from_the_kept_tree_is_a_tree_of_its_own(three_commits, limit,
                                                                     monkeypatch):
    from reviewtool.tree import git
    _, repo, base, seed, note = three_commits
    monkeypatch.setattr(git, limit, 1)  # note is two commits and three files from base
    assert git.near_kept_tree(repo, note, {("git", repo.path, base): GitTree(repo, base)}.get) \
        is None


def test_a_server_reviews_the_next_commit_through_the_last_ones_tree(three_commits,
                                                                      monkeypatch):
    # the same review as against the revision's own tree, read through the kept ancestor's
    from reviewtool import tree as trees
    from reviewtool.tree.git import DescendantTree
    work, repo, base, seed, note = three_commits
    _, plain, _ = run_cli("check", "--format", "json", "--tree", work, f"{seed}..{note}")
    monkeypatch.setattr(trees, "KEEP", 4)
    monkeypatch.setattr(trees, "_KEPT", {})
    run_cli("check", "--format", "json", "--tree", work, f"{base}..{seed}")
    _, served, _ = run_cli("check", "--format", "json", "--tree", work, f"{seed}..{note}")
    assert isinstance(trees._KEPT[("git", repo.path, seed)], DescendantTree)
    assert served == plain


class _CountingRepo:
    """A repository that counts the objects looked up through it."""

    def __init__(self, repo):
        self.repo, self.looked_up = repo, []

    def __getitem__(self, oid):
        self.looked_up.append(str(oid))
        return self.repo[oid]

    def __getattr__(self, name):
        return getattr(self.repo, name)


def test_a_kept_git_tree_takes_texts_a_kept_directory_tree_read(three_commits, monkeypatch):
    # a server: a revision's blob that a directory tree of the same files has read is not
    # read from the repository again; a blob of other content is
    import reviewtool.tree as trees
    work, repo, base, seed, note = three_commits
    monkeypatch.setattr(trees, "KEEP", 4)
    monkeypatch.setattr(trees, "_BLOBS", {})
    monkeypatch.setattr(trees, "_BLOB_CHARS", [0])
    directory = DirTree(work)
    for path in ("include/asm-i386/paravirt.h", "arch/i386/mm/pgtable.c"):
        assert directory.read(path) is not None
    at_note, at_base = GitTree(repo, note), GitTree(repo, base)
    for tree in (at_note, at_base):
        tree.repo = _CountingRepo(repo)
    same = at_note.version("include/asm-i386/paravirt.h")
    assert at_note.read("include/asm-i386/paravirt.h") == directory.read(
        "include/asm-i386/paravirt.h")
    assert same not in at_note.repo.looked_up
    older = at_base.version("arch/i386/mm/pgtable.c")  # before the work tree's note
    text = at_base.read("arch/i386/mm/pgtable.c")
    assert older in at_base.repo.looked_up and "/* a note */" not in text
    assert text == repo[older].data.decode()


def test_a_one_shot_run_keeps_no_blob_texts(three_commits, monkeypatch):
    import reviewtool.tree as trees
    work, repo, base, seed, note = three_commits
    monkeypatch.setattr(trees, "KEEP", 0)
    monkeypatch.setattr(trees, "_BLOBS", {})
    DirTree(work).read("include/asm-i386/paravirt.h")
    GitTree(repo, base).read("arch/i386/mm/pgtable.c")
    assert trees._BLOBS == {}
