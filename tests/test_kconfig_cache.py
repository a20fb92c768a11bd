"""The Kconfig model cache: served again for the same tree, never stale after an edit."""

import shutil

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
