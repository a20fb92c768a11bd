"""The Kconfig model cache: served again for the same tree, never stale after an edit."""

import shutil

import pytest

import reviewtool.variants.kconfig_cache as cache
from helpers import ROOT
from reviewtool.tree import DirTree


def _tree(tmp_path):
    target = tmp_path / "tree"
    shutil.copytree(ROOT / "corpus" / "tree", target)
    return target


def test_second_read_comes_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path / "cache/reviewtool"))
    monkeypatch.setattr(cache, "MIN_FILES", 0)
    tree = _tree(tmp_path)
    first = cache.read_kconfig_cached(DirTree(tree), "i386")
    assert list((tmp_path / "cache/reviewtool/kconfig").glob("*.pickle"))
    monkeypatch.setattr(cache, "read_kconfig", lambda *a: (_ for _ in ()).throw(AssertionError))
    second = cache.read_kconfig_cached(DirTree(tree), "i386")
    assert set(second.symbols) == set(first.symbols)
    assert second.symbols["CONFIG_X86_PAE"] == first.symbols["CONFIG_X86_PAE"]


def test_a_process_reads_the_same_model_once(tmp_path, monkeypatch):
    # the same object comes back (with what was remembered about it), not a fresh unpickling
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path / "cache/reviewtool"))
    monkeypatch.setattr(cache, "MIN_FILES", 0)
    tree = _tree(tmp_path)
    first = cache.read_kconfig_cached(DirTree(tree), "i386")
    assert cache.read_kconfig_cached(DirTree(tree), "i386") is first


def test_an_edited_kconfig_is_read_again(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path / "cache/reviewtool"))
    monkeypatch.setattr(cache, "MIN_FILES", 0)
    tree = _tree(tmp_path)
    cache.read_kconfig_cached(DirTree(tree), "i386")
    kconfig = tree / "arch/i386/Kconfig"
    kconfig.write_text(kconfig.read_text() + "\nconfig REVIEWTOOL_NEW\n\tbool \"new\"\n")
    model = cache.read_kconfig_cached(DirTree(tree), "i386")
    assert "CONFIG_REVIEWTOOL_NEW" in model.symbols


def test_unwritable_cache_is_ignored(tmp_path, monkeypatch):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory would go")
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(blocker / "reviewtool"))
    monkeypatch.setattr(cache, "MIN_FILES", 0)
    assert cache.read_kconfig_cached(DirTree(_tree(tmp_path)), "i386") is not None


# -- answers kept by model content -------------------------------------------------------------
from reviewtool.variants import kconfig  # noqa: E402

_KCONFIG = "config A\n\tbool \"a\"\n\nconfig B\n\tbool \"b\"\n\tdepends on A\n"


@pytest.fixture
def answers_dir(tmp_path, monkeypatch):
    """A cache directory of its own; ``later()`` stands for a later process (nothing
    remembered in memory)."""
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(kconfig, "_ANSWERS", {})
    return lambda: monkeypatch.setattr(kconfig, "_ANSWERS", {})


def test_an_answer_is_read_back_by_a_later_process(answers_dir):
    assert kconfig.remembered(kconfig.kconfig_from_text(_KCONFIG), ("q", 1), lambda: [1, 2]) \
        == [1, 2]
    answers_dir()
    model = kconfig.kconfig_from_text(_KCONFIG)
    assert kconfig.remembered(model, ("q", 1), lambda: pytest.fail("computed again")) == [1, 2]


def test_models_read_from_the_same_files_share_their_answers(answers_dir, monkeypatch):
    monkeypatch.setattr(kconfig, "cache_root", lambda: None)  # in memory only
    first, second = kconfig.kconfig_from_text(_KCONFIG), kconfig.kconfig_from_text(_KCONFIG)
    assert first is not second and first.digest == second.digest
    kconfig.remembered(first, ("q",), lambda: "one")
    assert kconfig.remembered(second, ("q",), lambda: pytest.fail("computed again")) == "one"


def test_a_model_of_other_files_is_not_served_their_answers(answers_dir):
    kconfig.remembered(kconfig.kconfig_from_text(_KCONFIG), ("q",), lambda: "one")
    answers_dir()
    other = kconfig.kconfig_from_text(_KCONFIG.replace("depends on A", "depends on !A"))
    assert kconfig.remembered(other, ("q",), lambda: "two") == "two"


def test_a_cut_down_model_has_a_digest_of_its_own(answers_dir):
    model = kconfig.kconfig_from_text(_KCONFIG)
    cone = model.restricted(["CONFIG_B"])
    assert cone.digest and cone.digest != model.digest
    assert cone.digest == kconfig.kconfig_from_text(_KCONFIG).restricted(["CONFIG_B"]).digest
    assert cone.digest != model.restricted(["CONFIG_A"], depth=0).digest


def test_answers_of_another_reviewtool_are_not_read(answers_dir, monkeypatch):
    kconfig.remembered(kconfig.kconfig_from_text(_KCONFIG), ("q",), lambda: "one")
    answers_dir()
    monkeypatch.setattr(kconfig, "code_digest", lambda *modules: b"another reviewtool")
    assert kconfig.remembered(kconfig.kconfig_from_text(_KCONFIG), ("q",), lambda: "two") \
        == "two"


def test_the_answers_directory_keeps_the_most_recent(answers_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(kconfig, "MAX_ANSWER_FILES", 2)
    monkeypatch.setattr(kconfig.secrets, "randbelow", lambda n: 0)  # prune on every write
    model = kconfig.kconfig_from_text(_KCONFIG)
    for n in range(4):
        kconfig.remembered(model, ("q", n), lambda: n)
    assert len(list((tmp_path / "cache/kconfig/answers").iterdir())) == 2
    answers_dir()
    assert kconfig.remembered(model, ("q", 3), lambda: pytest.fail("pruned")) == 3


def test_a_git_revision_of_a_loaded_tree_is_handed_its_model(tmp_path, monkeypatch):
    import pygit2
    from reviewtool.tree.git import GitTree
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "MIN_FILES", 0)
    monkeypatch.setattr(cache, "_LOADED", {})
    monkeypatch.setattr(cache, "_BY_DIGEST", {})
    work = _tree(tmp_path)
    repo = pygit2.init_repository(str(work))
    repo.index.add_all()
    sig = pygit2.Signature("Test Author", "test@example.org", 1175800000, 0)
    commit = str(repo.create_commit("HEAD", sig, sig, "tree\n", repo.index.write_tree(), []))
    cache.read_kconfig_cached(GitTree(repo, commit), "i386")  # kept, with its digest
    monkeypatch.setattr(cache, "_LOADED", {})
    monkeypatch.setattr(cache, "_BY_DIGEST", {})
    mine = cache.read_kconfig_cached(DirTree(work), "i386")
    monkeypatch.setattr(cache, "load", lambda path, real=cache.load: (
        pytest.fail("unpickled again") if path.suffix == ".pickle" else real(path)))
    assert cache.read_kconfig_cached(GitTree(repo, commit), "i386") is mine
