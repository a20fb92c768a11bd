"""The include memo and the caches on disk: a replayed header gives exactly what running it
gives, across configurations, sides of a patch and processes, and an edited file is never
served stale."""

import shutil
import subprocess
import sys

import pytest

from helpers import ROOT
from reviewtool import cache
from reviewtool.tree import DirTree, OverlayTree, corpus_tree
from reviewtool.variants import memo
from reviewtool.variants.config import Configuration
from reviewtool.variants.preprocess import preprocess

UNITS = ["arch/i386/mm/pgtable.c", "arch/i386/mm/fault.c", "arch/i386/mm/pageattr.c",
         "arch/i386/kernel/paravirt.c"]
CONFIGS = [Configuration({"CONFIG_X86_PAE": pae, "CONFIG_PARAVIRT": pv, "CONFIG_HIGHMEM": hm})
           for pae in "yn" for pv in "yn" for hm in "yn"]


def _shape(unit):
    return (dict(unit.macros), unit.definitions, unit.root_definitions, unit.missing,
            unit.errors, unit.config_words,
            [(f.path, f.text, f.kept) for f in unit.files])


@pytest.fixture
def fresh_memo(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path / "cache"))
    memo.reset()
    yield tmp_path / "cache"
    memo.reset()


def _plain(tree, tu, config, monkeypatch):
    monkeypatch.setattr(memo, "ENABLED", False)
    try:
        return _shape(preprocess(tree, tu, config))
    finally:
        monkeypatch.setattr(memo, "ENABLED", True)


@pytest.mark.parametrize("tu", UNITS)
def test_replayed_headers_give_what_running_them_gives(tu, fresh_memo, monkeypatch):
    tree = corpus_tree()
    for config in CONFIGS + CONFIGS:  # the second round replays every header
        assert _shape(preprocess(tree, tu, config)) == _plain(tree, tu, config, monkeypatch)
    assert memo.stats()["hits"] > 0


def test_the_patched_side_reuses_headers_it_leaves_alone(fresh_memo):
    tree = corpus_tree()
    preprocess(tree, "arch/i386/mm/pgtable.c", CONFIGS[0])
    text = tree.read("arch/i386/mm/pgtable.c")
    after = OverlayTree(tree, {"arch/i386/mm/pgtable.c": text + "\n/* patched */\n"})
    before = memo.stats()
    preprocess(after, "arch/i386/mm/pgtable.c", CONFIGS[0])
    assert memo.stats()["misses"] == before["misses"]


def test_a_patched_header_is_run_again(fresh_memo, monkeypatch):
    tree = corpus_tree()
    header = "include/asm-i386/pgtable-3level-defs.h"
    text = tree.read(header)
    assert "#define PTRS_PER_PMD" in text
    preprocess(tree, "arch/i386/mm/pgtable.c", CONFIGS[0])
    after = OverlayTree(tree, {header: text.replace("#define PTRS_PER_PMD", "#define PTRS_PER_PMD_OLD")
                               + "\n#define PTRS_PER_PMD 7\n"})
    unit = preprocess(after, "arch/i386/mm/pgtable.c", CONFIGS[0])
    assert unit.macros["PTRS_PER_PMD"].body == "7"
    assert _shape(unit) == _plain(after, "arch/i386/mm/pgtable.c", CONFIGS[0], monkeypatch)


def test_a_new_process_starts_from_the_pack(fresh_memo, tmp_path, monkeypatch):
    root = tmp_path / "tree"
    shutil.copytree(ROOT / "corpus" / "tree", root)
    first = _shape(preprocess(DirTree(root), "arch/i386/mm/pgtable.c", CONFIGS[0]))
    memo.reset()  # writes the pack, forgets everything in memory
    assert (fresh_memo / memo.PACK_NAME).exists()
    assert _shape(preprocess(DirTree(root), "arch/i386/mm/pgtable.c", CONFIGS[0])) == first
    assert memo.stats()["hits"] > 0 and memo.stats()["misses"] == 0


def test_an_edited_header_is_not_served_from_the_pack(fresh_memo, tmp_path, monkeypatch):
    root = tmp_path / "tree"
    shutil.copytree(ROOT / "corpus" / "tree", root)
    preprocess(DirTree(root), "arch/i386/mm/pgtable.c", CONFIGS[0])
    memo.reset()
    header = root / "include/asm-i386/pgtable-3level-defs.h"
    header.write_text(header.read_text() + "\n#define REVIEWTOOL_EDITED 1\n")
    unit = preprocess(DirTree(root), "arch/i386/mm/pgtable.c", CONFIGS[0])
    assert "REVIEWTOOL_EDITED" in unit.macros


def test_caching_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWTOOL_CACHE", "off")
    memo.reset()
    preprocess(corpus_tree(), "arch/i386/mm/pgtable.c", CONFIGS[0])
    memo.reset()
    assert cache.cache_root() is None


def test_a_pack_round_trips_and_keeps_the_most_recent(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path))
    pack = cache.Pack("test.pickle", limit=2)
    for key in "abc":
        pack.put(key, key.upper())
    pack.flush()
    again = cache.Pack("test.pickle", limit=2)
    assert (again.get("a"), again.get("b"), again.get("c")) == (None, "B", "C")


def test_an_unreadable_pack_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path))
    (tmp_path / "test.pickle").write_bytes(b"not a pickle")
    assert cache.Pack("test.pickle", limit=2).get("a") is None


def test_the_command_writes_its_caches_and_keeps_its_exit_status(tmp_path):
    env = {"REVIEWTOOL_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "reviewtool.cli", "check", "--quiet",
                           "--no-exec", str(ROOT / "corpus/patches/paravirt-pmd-sharing.mbox")],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert (tmp_path / "cache" / memo.PACK_NAME).exists()


def test_no_cache_leaves_the_cache_directory_alone(tmp_path):
    env = {"REVIEWTOOL_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "reviewtool.cli", "check", "--quiet",
                           "--no-exec", "--no-cache",
                           str(ROOT / "corpus/patches/paravirt-pmd-sharing.mbox")],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("tu", UNITS)
def test_the_patched_side_starts_after_the_includes_and_ends_the_same(tu, fresh_memo,
                                                                        monkeypatch):
    """A hunk below the #include lines: the post-image starts from the pre-image's state
    after its last include, and gives what a full run of the post-image gives."""
    import importlib
    pp = importlib.import_module("reviewtool.variants.preprocess")
    tree = corpus_tree()
    text = tree.read(tu)
    after = OverlayTree(tree, {tu: text + "\n#ifdef CONFIG_X86_PAE\n#define PATCHED 1\n"
                                          "int patched;\n#endif\n"})
    for config in CONFIGS:
        preprocess(tree, tu, config)
        resumed = []
        real = pp._Snapshot.restore
        monkeypatch.setattr(pp._Snapshot, "restore",
                            lambda self, *a: (resumed.append(1), real(self, *a))[1])
        got = _shape(preprocess(after, tu, config))
        monkeypatch.setattr(pp._Snapshot, "restore", real)
        assert resumed
        assert got == _plain(after, tu, config, monkeypatch)


def test_a_patch_above_the_last_include_walks_the_whole_file(fresh_memo, monkeypatch):
    tree = corpus_tree()
    tu = "arch/i386/mm/pgtable.c"
    text = tree.read(tu)
    after = OverlayTree(tree, {tu: "#define ABOVE 1\n" + text})
    preprocess(tree, tu, CONFIGS[0])
    got = _shape(preprocess(after, tu, CONFIGS[0]))
    assert got == _plain(after, tu, CONFIGS[0], monkeypatch)
    assert "ABOVE" in got[0]


def test_a_hunk_above_a_late_include_starts_after_the_preamble(fresh_memo, monkeypatch):
    """pgtable.c includes <linux/slab.h> at line 360: a hunk above it still starts from the
    state after the includes at the top, and the late include is walked again."""
    import importlib
    pp = importlib.import_module("reviewtool.variants.preprocess")
    files = {"a.h": "#ifndef A_H\n#define A_H\n#define AV 1\n#endif\n",
             "b.h": "#ifndef B_H\n#define B_H\n#define BV AV\n#endif\n",
             "r.c": '/* top */\n#include "a.h"\n\nint x;\n#ifdef CONFIG_X\nint y;\n#endif\n'
                    '#include "b.h"\nint z = BV;\n'}

    class Files:
        def read(self, path):
            return files.get(path)

    base = OverlayTree(Files(), {})
    after = OverlayTree(base, {"r.c": files["r.c"].replace("int x;\n", "int x;\nint w;\n")})
    config = Configuration({"CONFIG_X": "y"})
    preprocess(base, "r.c", config)
    resumed = []
    real = pp._Snapshot.restore
    monkeypatch.setattr(pp._Snapshot, "restore",
                        lambda self, *a: (resumed.append(1), real(self, *a))[1])
    got = _shape(preprocess(after, "r.c", config))
    monkeypatch.setattr(pp._Snapshot, "restore", real)
    assert resumed
    assert got == _plain(after, "r.c", config, monkeypatch)
    assert got[0]["BV"].body == "AV"


def test_the_preamble_ends_at_the_first_line_of_code():
    import importlib
    pp = importlib.import_module("reviewtool.variants.preprocess")
    from reviewtool.variants import _lex
    text = ('// SPDX\n#include <a.h>\n/*\n * note\n */\n#include <b.h>\n\n'
            'static int x;\n#include <c.h>\n#define D 1\n')
    raws, _ = _lex.directives(text)
    at = pp._after_includes(text, raws)
    assert raws[at - 1].rest.strip() == "<b.h>" and raws[at].kind == "include"
    assert pp._after_includes("int x;\n", _lex.directives("int x;\n")[0]) == -1


def test_a_header_replayed_deeper_still_meets_the_include_limit(fresh_memo, monkeypatch):
    import importlib
    pp = importlib.import_module("reviewtool.variants.preprocess")
    monkeypatch.setattr(pp, "MAX_INCLUDE_DEPTH", 8)
    files = {f"h{i}.h": f'#include "h{i + 1}.h"\nint h{i};\n' for i in range(3, 9)}
    files["h9.h"] = "int h9;\n"
    files.update({"g1.h": '#include "g2.h"\n', "g2.h": '#include "g3.h"\n',
                  "g3.h": '#include "h3.h"\n',
                  "a.c": '#include "h3.h"\n', "b.c": '#include "g1.h"\n'})

    class Files:
        def read(self, path):
            return files.get(path)

    tree = OverlayTree(Files(), {})
    preprocess(tree, "a.c", {})  # records h3 .. h9, nesting 6 levels below h3
    deep = preprocess(tree, "b.c", {})
    assert any("nested deeper" in e for e in deep.errors)
    assert _shape(deep) == _plain(tree, "b.c", {}, monkeypatch)


def test_a_name_that_told_entries_apart_is_compared_first_and_only_rules_out(fresh_memo,
                                                                             monkeypatch):
    # h.h reads A and B; its entry for A=1,B=1 fails for A=2 on A, which is remembered; a
    # state that agrees on A but not on B must still miss, and then agree on both to hit
    files = {"h.h": "#if A == 1 && B == 1\nint one;\n#else\nint other;\n#endif\n",
             "u.c": '#include "h.h"\n'}

    class Files:
        def read(self, path):
            return files.get(path)

    tree = OverlayTree(Files(), {})
    first = preprocess(tree, "u.c", {}, predefined={"A": "1", "B": "1"})
    preprocess(tree, "u.c", {}, predefined={"A": "2", "B": "1"})
    (entry_11,) = [e for e in memo._MEMO.entries[next(iter(memo._MEMO.entries))]
                   if e.values and "B" in e.names
                   and e.values[e.names.index("A")].body == "1"]
    assert memo._MEMO._quick[entry_11.uid][0] == ("A",)
    hits = memo.stats()["hits"]
    other = preprocess(tree, "u.c", {}, predefined={"A": "1", "B": "2"})
    assert memo.stats()["hits"] == hits  # A agrees, B does not: run, not replayed
    assert "int other;" in other.file("h.h").text and "int one;" not in other.file("h.h").text
    again = preprocess(OverlayTree(Files(), {}), "u.c", {}, predefined={"A": "1", "B": "1"})
    assert memo.stats()["hits"] == hits + 1
    assert _shape(again) == _shape(first)


def test_a_parse_is_read_back_from_the_cache(tmp_path, monkeypatch):
    from reviewtool.model import functions
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path))
    monkeypatch.setattr(functions, "_PARSED", cache.Pack("definitions-test.pickle", 10))
    text = "static int f(void)\n{\n\treturn 1;\n}\n"
    first = functions.definitions.__wrapped__("a.c", text)
    functions._PARSED.flush()
    monkeypatch.setattr(functions, "_PARSED", cache.Pack("definitions-test.pickle", 10))
    monkeypatch.setattr(functions, "_definitions", lambda *a: pytest.fail("parsed again"))
    assert functions.definitions.__wrapped__("a.c", text) == first


@pytest.mark.parametrize("mbox", ["paravirt-pmd-sharing.mbox", "series-pte-hooks.mbox"])
def test_a_warm_review_says_exactly_what_a_cold_one_says(tmp_path, mbox):
    env = {"REVIEWTOOL_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
           "SOURCE_DATE_EPOCH": "1175800000"}
    command = [sys.executable, "-m", "reviewtool.cli", "check", "--format", "json",
               "--fail-on", "never", "--no-exec", str(ROOT / "corpus/patches" / mbox)]
    cold = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert (tmp_path / "cache" / memo.PACK_NAME).exists()
    warm = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert cold.returncode == warm.returncode == 0
    assert cold.stdout and cold.stdout == warm.stdout


def test_header_states_serve_a_copy_and_a_git_repository_of_the_tree(fresh_memo, tmp_path):
    # versions are content ids: what one copy of the tree recorded, another copy and a git
    # repository with the same files replay (no header is run again)
    import pygit2

    from reviewtool.tree.git import GitTree
    first, second, repo_dir = tmp_path / "a", tmp_path / "b", tmp_path / "git"
    for target in (first, second, repo_dir):
        shutil.copytree(ROOT / "corpus" / "tree", target)
    repo = pygit2.init_repository(str(repo_dir))
    repo.index.add_all()
    repo.index.write()
    sig = pygit2.Signature("T", "t@example.org", 1175800000, 0)
    repo.create_commit("HEAD", sig, sig, "tree\n", repo.index.write_tree(), [])
    config = Configuration({"CONFIG_X86_PAE": "y", "CONFIG_PARAVIRT": "y"})
    preprocess(DirTree(first), "arch/i386/mm/pgtable.c", config)
    assert memo.stats()["misses"] > 0
    for tree in (DirTree(second), GitTree(repo, "HEAD")):
        before = memo.stats()["misses"]
        preprocess(tree, "arch/i386/mm/pgtable.c", config)
        assert memo.stats()["misses"] == before, tree.kind


def test_a_directory_trees_version_is_gits_blob_id(tmp_path):
    import pygit2
    (tmp_path / "a.c").write_bytes(b"int a;\r\n\xff\n")
    assert DirTree(tmp_path).version("a.c") == str(pygit2.hash(b"int a;\r\n\xff\n"))


def test_a_fold_takes_a_nested_header_folded_before_and_gives_a_fresh_folds_flat(fresh_memo,
                                                                                  tmp_path):
    # two configurations replay two entries of top.h (mid.h reads CONFIG_A) that share the
    # entry of shared.h: the folds take it from where it was folded first, and their flats
    # are the ones a memo that never folded anything makes
    files = {
        "include/top.h": "#ifndef TOP_H\n#define TOP_H\n#include <mid.h>\n"
                         "#include <shared.h>\n#define TOP 1\n#endif\n",
        "include/mid.h": "#ifndef MID_H\n#define MID_H\n#ifdef CONFIG_A\n#define MID 1\n"
                         "#else\n#define MID 2\n#undef S2\n#endif\n#include <shared.h>\n"
                         "#define AFTER S2\n#endif\n",
        "include/shared.h": "/* kept */\n#ifndef SHARED_H\n#define SHARED_H\n#define S1 1\n"
                            "#undef S1\n#define S2 2\n#undef GONE\n#include <leaf.h>\n#endif\n",
        "include/leaf.h": "#define LEAF 3\n#define S1 4\n",
        "a.c": "#define GONE 1\n#include <top.h>\nint x = MID;\n",
    }
    for path, text in files.items():
        (tmp_path / "t" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "t" / path).write_text(text)
    for tree in (DirTree(tmp_path / "t"), DirTree(tmp_path / "t")):  # run, then replayed
        for value in "yn":
            preprocess(tree, "a.c", Configuration({"CONFIG_A": value}))
    entries = {path: es for (_, _, path), es in memo._MEMO.entries.items()}
    assert len(entries["include/top.h"]) == len(entries["include/mid.h"]) == 2
    shared = max(entries["include/shared.h"], key=lambda e: len(e.log))  # not the guard's
    spans = memo._MEMO._spans
    assert {id(spans[e.uid][0]) for e in entries["include/mid.h"]} \
        == {id(spans[e.uid][0]) for e in entries["include/top.h"]}  # each top.h its own fold
    # folded once (before either top.h), then taken from there: not folded again in either
    assert spans[shared.uid][0] not in {spans[e.uid][0] for e in entries["include/top.h"]}
    for entry in entries["include/top.h"]:
        assert memo._MEMO.flat(entry) == memo.Memo().flat(entry)


def test_a_unit_replayed_through_a_shared_nested_fold_is_the_one_a_run_gives(fresh_memo,
                                                                              monkeypatch):
    tree = corpus_tree()
    for config in CONFIGS:  # later configurations fold entries that share nested ones
        preprocess(tree, "arch/i386/mm/fault.c", config)
    memo._MEMO._flat.clear()  # the top-level folds made again, from the spans
    for config in CONFIGS:
        assert _shape(preprocess(tree, "arch/i386/mm/pageattr.c", config)) \
            == _plain(tree, "arch/i386/mm/pageattr.c", config, monkeypatch)


def _canon_model(root, limit: str):
    (root / "u.c").write_text(f"#define LIMIT {limit}\nint f(int x)\n{{\n\tif (x > LIMIT)\n"
                              "\t\treturn 1;\n\treturn 0;\n}\n")
    from reviewtool.model.unit import ConfigModel
    return ConfigModel.build(DirTree(root), ["u.c"], Configuration({}), "i386")


@pytest.fixture
def canon_pack(tmp_path, monkeypatch):
    """A canon pack of its own, and the process's canonical forms forgotten: ``again()``
    stands for a later process (the pack read back from the cache directory)."""
    from reviewtool.model import unit
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path / "cache"))

    def again():
        unit._CANON_PACK.flush()
        monkeypatch.setattr(unit, "_CANON_PACK", cache.Pack("canon-test.pickle", 10))
        monkeypatch.setattr(unit, "_CANON_CACHE", {})
    monkeypatch.setattr(unit, "_CANON_PACK", cache.Pack("canon-test.pickle", 10))
    monkeypatch.setattr(unit, "_CANON_CACHE", {})
    return again


def test_a_canonical_form_is_read_back_from_the_cache(tmp_path, canon_pack, monkeypatch):
    from reviewtool.model import unit
    (tmp_path / "a").mkdir()
    first = _canon_model(tmp_path / "a", "4").canon("f")
    canon_pack()
    monkeypatch.setattr(unit, "canonical_body", lambda *a: pytest.fail("computed again"))
    assert _canon_model(tmp_path / "a", "4").canon("f") == first


def test_a_macro_body_of_its_own_is_not_served_another_canonical_form(tmp_path, canon_pack):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _canon_model(tmp_path / "a", "4").canon("f")
    canon_pack()
    other = _canon_model(tmp_path / "b", "5").canon("f")
    assert other != first and any("5" in line for line in other.lines)


def test_a_canonical_form_stored_by_other_code_is_not_read(tmp_path, canon_pack, monkeypatch):
    from reviewtool.model import unit
    (tmp_path / "a").mkdir()
    _canon_model(tmp_path / "a", "4").canon("f")
    canon_pack()
    monkeypatch.setattr(unit, "code_digest", lambda *modules: b"another reviewtool")
    computed = []
    real = unit.canonical_body
    monkeypatch.setattr(unit, "canonical_body", lambda *a: computed.append(1) or real(*a))
    _canon_model(tmp_path / "a", "4").canon("f")
    assert computed == [1]


@pytest.fixture
def tops(fresh_memo, monkeypatch):
    """A tops pack of its own; ``later()`` stands for a later process: the memo and the
    pack written and read back from the cache directory."""
    monkeypatch.setattr(memo, "_TOPS", cache.Pack("tops-test.pickle", 1024))

    def later():
        memo._TOPS.flush()
        memo.reset()
        monkeypatch.setattr(memo, "_TOPS", cache.Pack("tops-test.pickle", 1024))
    return later


def test_a_new_server_folds_the_entries_replayed_at_the_top_before(tops, tmp_path,
                                                                    monkeypatch):
    root = tmp_path / "tree"
    shutil.copytree(ROOT / "corpus" / "tree", root)
    first = _shape(preprocess(DirTree(root), "arch/i386/mm/pgtable.c", CONFIGS[0]))
    tops()
    assert memo._MEMO.prefold() > 0
    monkeypatch.setattr(memo.Memo, "_fold", lambda *a: pytest.fail("folded again"))
    assert _shape(preprocess(DirTree(root), "arch/i386/mm/pgtable.c", CONFIGS[0])) == first


def test_a_new_server_folds_only_the_most_recent_top_entries(tops, tmp_path):
    root = tmp_path / "tree"
    shutil.copytree(ROOT / "corpus" / "tree", root)
    preprocess(DirTree(root), "arch/i386/mm/pgtable.c", CONFIGS[0])
    preprocess(DirTree(root), "arch/i386/mm/fault.c", CONFIGS[1])
    newest = list(memo._TOPS.data)[-1]
    tops()
    assert memo._MEMO.prefold(limit=1) == 1
    assert list(memo._MEMO._flat) == [newest]


def test_a_new_server_without_top_entries_folds_nothing(tops):
    tops()
    assert memo._MEMO.prefold() == 0 and not memo._MEMO._flat


def test_a_header_replayed_inside_one_being_run_is_not_noted_at_the_top(tops, tmp_path):
    root = tmp_path / "tree"
    root.mkdir()
    (root / "u.c").write_text('#include "a.h"\nint u;\n')
    (root / "a.h").write_text('#include "b.h"\n#if A == 1\nint one;\n#endif\n')
    (root / "b.h").write_text("#define B 1\n")
    tree = DirTree(root)
    preprocess(tree, "u.c", {}, predefined={"A": "1"})
    preprocess(tree, "u.c", {}, predefined={"A": "2"})  # a.h runs again, b.h is replayed in it
    assert set(memo._TOPS.data.values()) == {"a.h"}


_SLOW_WRITER = """
import sys, time
import reviewtool.cache as cache
written = cache.flush_all
def flush_all():
    time.sleep(3)
    written()
cache.flush_all = flush_all
from reviewtool.cli import run
sys.argv = ["reviewtool"] + sys.argv[1:]
run()
"""


def test_the_exit_status_comes_back_before_the_caches_are_written(tmp_path):
    # a child writes them (3 s late here): the command has returned, its status kept,
    # and the caches appear afterwards
    import time
    env = {"REVIEWTOOL_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
           "REVIEWTOOL_SERVER": "off"}
    with open(tmp_path / "out", "w") as out:  # not a pipe: nothing waits for the child
        done = subprocess.run([sys.executable, "-c", _SLOW_WRITER, "check", "--quiet",
                               "--no-exec", str(ROOT / "corpus/patches/paravirt-pmd-sharing.mbox")],
                              cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    pack = tmp_path / "cache" / memo.PACK_NAME
    assert done.returncode == 1, (tmp_path / "out").read_text()
    assert not pack.exists()
    deadline = time.monotonic() + 60
    while not pack.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pack.exists()


def test_without_fork_the_command_writes_the_caches_itself(monkeypatch):
    from reviewtool import cli
    monkeypatch.delattr(cli.os, "fork")
    assert cli._write_behind(0) is None  # returned: the caller writes them


def test_a_fork_that_fails_leaves_the_writing_to_the_command(monkeypatch):
    from reviewtool import cli

    def refused():
        raise OSError("no more processes")
    monkeypatch.setattr(cli.os, "fork", refused)
    assert cli._write_behind(0) is None


def test_nothing_to_write_is_nothing_pending(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWTOOL_CACHE", str(tmp_path))
    pack = cache.Pack("pending-test.pickle", limit=2)
    pack.load()
    monkeypatch.setattr(cache, "_WRITERS", [pack.flush])
    assert not cache.pending()
    pack.put("a", 1)
    assert cache.pending()
    assert not cache.pending(large=True)  # a small pack: written by the command, no fork
    monkeypatch.setattr(cache, "SMALL_PACK", 0)
    assert cache.pending(large=True)
    pack.flush()
    assert not cache.pending()
