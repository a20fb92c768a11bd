"""The i386 paging model (reviewtool.interp.world) on the corpus and on small programs."""

from __future__ import annotations

import functools
import time

import pytest

from reviewtool import tree as rtree
from reviewtool.interp import Limits, NotExecutable
from reviewtool.interp.program import build_program
from reviewtool.interp.world import (SPLITS, Event, Scenario, World, build_model_program,
                                     config_for, model_prelude, scenarios)

FAULT = "arch/i386/mm/fault.c"
PGTABLE = "arch/i386/mm/pgtable.c"
PAGEATTR = "arch/i386/mm/pageattr.c"
PARAVIRT = "arch/i386/kernel/paravirt.c"


@functools.lru_cache(maxsize=None)
def corpus_program(pae: bool, paravirt: bool, split: str = "3G/1G",
                   substitutions: tuple[tuple[str, str], ...] = ()):
    sc = Scenario(pae=pae, paravirt=paravirt, shared_kernel_pmd=pae, split=split)
    paths = [PGTABLE, FAULT, PAGEATTR] + ([PARAVIRT] if paravirt else [])
    return build_model_program(rtree.corpus_tree(), paths, config_for(sc),
                               substitutions=substitutions)


def world(pae=False, paravirt=False, split="3G/1G", processes=3, seed=0, shared=None,
          fail=None, mappings=2, substitutions=(), by_hand=False, limits=Limits()):
    sc = Scenario(pae=pae, paravirt=paravirt,
                  shared_kernel_pmd=pae if shared is None else shared, split=split,
                  processes=processes, seed=seed, fail_alloc_after=fail,
                  vmalloc_mappings=mappings)
    w = World(corpus_program(pae, paravirt, split, tuple(substitutions)), sc, limits)
    w.setup(by_hand=by_hand)
    return w


def small_program(text: str):
    return build_program([("small.c", text), ("<model>/world.h", model_prelude())])


# ------------------------------------------------------------------------------ scenarios

def test_scenarios_are_deterministic_and_cover_the_dimensions():
    a = scenarios(False, False)
    assert a == scenarios(False, False)
    assert {s.split for s in a[:6]} == set(SPLITS)
    assert {s.processes for s in a} == {1, 2, 3}
    assert any(s.fail_alloc_after is None for s in a[:6])
    assert any(s.fail_alloc_after is not None for s in a[:6])
    assert all(not s.shared_kernel_pmd and not s.pae for s in a)
    pv = scenarios(True, True)
    assert {s.shared_kernel_pmd for s in pv[:6]} == {True, False}
    assert all(s.shared_kernel_pmd for s in scenarios(True, False))
    assert scenarios(False, False, seed=1) != a
    assert config_for(a[1]) == {"CONFIG_X86_PAE": "n", "CONFIG_PARAVIRT": "n",
                                "CONFIG_PAGE_OFFSET": "0x80000000"}


def test_event_prints_its_locks():
    e = Event("call", "memcpy", "pgd#1+0xc00, swapper_pg_dir+0xc00, 1024", ("pgd_lock",))
    assert str(e) == "call memcpy (pgd#1+0xc00, swapper_pg_dir+0xc00, 1024) [under pgd_lock]"


# ------------------------------------------------------------------------------ the machine

@pytest.mark.parametrize("split", list(SPLITS))
def test_two_level_layout(split):
    w = world(split=split)
    g = w.geo
    assert g.user_ptrs_per_pgd == SPLITS[split] >> 22
    assert w.swapper % 4096 == 0
    # the direct map: pgd entry of PAGE_OFFSET maps physical 0
    first = w.memory.read(w.swapper + 4 * (SPLITS[split] >> 22), 4)
    assert first & 1
    # the processes were made by the program's own pgd_alloc(): pgd_ctor put them on pgd_list
    st = w.state()
    assert len(st["processes"]) == 3
    assert sorted(st["pgd_list"]) == sorted(p["pgd"] for p in st["processes"])
    assert st["pgd_list_problems"] == []
    # every kernel entry of swapper_pg_dir but the vmalloc ones is in every process
    vm = {str(g.pgd_index(a)) for a in w.vmalloc}
    for p in st["processes"]:
        assert p["kernel"] == {k: v for k, v in st["swapper_pg_dir"].items() if k not in vm}
    assert len(w.vmalloc) == 2
    assert w.vmalloc[0] >= w.vmalloc_start


def test_pae_layout_shared_kernel_pmd():
    w = world(pae=True, split="3G/1G")
    st = w.state()
    assert w.geo.user_ptrs_per_pgd == 3
    # the kernel pgd entry of every process points to swapper's kernel pmd page: shared
    for p in st["processes"]:
        assert p["kernel"]["3"]["entry"] == st["swapper_pg_dir"]["3"]["entry"]
        assert p["kernel"]["3"]["entry"].startswith("kernel-pmd#3|0x1")
    assert st["pgd_list"] == []
    assert w.invariants() == []


# ------------------------------------------------------------------------------ vmalloc_sync_all

@pytest.mark.parametrize("split", list(SPLITS))
def test_vmalloc_sync_all_two_level_each_split(split):
    w = world(split=split)
    before = w.invariants()
    assert before and all("does not see vmalloc mapping" in v for v in before)
    assert len(before) == 2 * 3          # two mappings, three processes
    out = w.run("vmalloc_sync_all")
    assert out.error is None, out.error
    assert out.bug is None
    assert w.invariants() == []
    kinds = {e.kind for e in out.events}
    assert {"lock", "unlock", "set-pgd", "query"} <= kinds
    # every pgd entry was written under pgd_lock
    assert all(e.locks == ("pgd_lock",) for e in out.events if e.kind == "set-pgd")
    assert w.state()["locks"] == []


def test_vmalloc_sync_all_is_idempotent_and_remembers_insync():
    w = world()
    first = w.run("vmalloc_sync_all")
    second = w.run("vmalloc_sync_all")
    assert second.error is None and w.invariants() == []
    assert second.steps < first.steps
    assert not [e for e in second.events if e.kind == "set-pgd"]


def test_mutated_vmalloc_sync_all_is_caught():
    w = world(substitutions=(("address += PGDIR_SIZE", "address += 2*PGDIR_SIZE"),))
    out = w.run("vmalloc_sync_all")
    assert out.error is None
    broken = w.invariants()
    assert broken and all("does not see vmalloc mapping" in v for v in broken)
    assert len(broken) == 3               # one of the two mappings, in every process


# ------------------------------------------------------------------------------ pgd_ctor, pgd_alloc

def test_pgd_ctor_clones_under_pgd_lock():
    w = world(processes=1)
    mm = w.arguments("pgd_alloc")
    out = w.run("pgd_alloc", mm)
    assert out.error is None and out.result
    memcpy = [e for e in out.events if e.kind == "call" and e.what == "memcpy"]
    assert len(memcpy) == 1
    assert memcpy[0].locks == ("pgd_lock",)
    assert "swapper_pg_dir+0xc00" in memcpy[0].detail
    memset = [e for e in out.events if e.what == "memset"]
    assert memset and memset[0].locks == ()
    adds = [e for e in out.events if e.kind == "list-add"]
    assert len(adds) == 1 and adds[0].locks == ("pgd_lock",)
    kinds = [e.kind for e in out.events if e.kind in ("lock", "unlock", "alloc")]
    assert kinds == ["lock", "unlock", "alloc"]      # a new slab: constructed, then handed out


def test_pgd_ctor_with_clone_moved_out_of_the_lock():
    memset = "memset(pgd, 0, USER_PTRS_PER_PGD*sizeof(pgd_t));"
    moved = ((memset + "\n\t\tspin_lock_irqsave(&pgd_lock, flags);", memset),
             ("\tif (PTRS_PER_PMD > 1)\n\t\treturn;\n\n\t/* must happen under lock */",
              "\tif (PTRS_PER_PMD > 1)\n\t\treturn;\n\tspin_lock_irqsave(&pgd_lock, flags);\n"))
    w = world(processes=1, substitutions=moved)
    out = w.run("pgd_ctor", w.arguments("pgd_ctor"))
    assert out.error is None
    memcpy = [e for e in out.events if e.what == "memcpy"]
    assert memcpy and memcpy[0].locks == ()
    assert w.invariants() == [] or all("vmalloc" in v for v in w.invariants())


def test_pgd_free_takes_the_pgd_off_the_list():
    w = world(processes=2)
    pgd = w.arguments("pgd_free")
    out = w.run("pgd_free", pgd)
    assert out.error is None
    # the object goes back to the slab, the slab is destroyed: pgd_dtor takes it off the list
    assert [e.kind for e in out.events if e.kind in ("list-del", "free")] == ["free", "list-del"]
    assert [e.locks for e in out.events if e.kind == "list-del"] == [("pgd_lock",)]
    st = w.state()
    assert len(st["pgd_list"]) == 1 and len(st["processes"]) == 1
    assert st["freed"] == 1
    assert not [v for v in w.invariants() if "pgd_list" in v]


@pytest.mark.parametrize("fail", [0, 1, 2])
def test_allocation_failure_reaches_out_oom_and_nothing_leaks(fail):
    w = world(pae=True, processes=1, fail=fail)
    out = w.run("pgd_alloc", w.arguments("pgd_alloc"))
    assert out.error is None
    assert out.result == 0
    st = w.state()
    assert st["failed"] == 1
    assert st["allocated"] == st["freed"] == fail
    assert st["live"] == []
    assert any(e.kind == "alloc-fail" for e in out.events)
    if fail:
        assert [e.what for e in out.events if e.kind == "free"][-1].startswith("pgd#")


def test_pae_pgd_alloc_without_failure():
    w = world(pae=True, processes=1)
    out = w.run("pgd_alloc", w.arguments("pgd_alloc"))
    assert out.error is None and out.result
    st = w.state()
    assert st["allocated"] == 4 and st["freed"] == 0       # the pgd and three user pmds


# ------------------------------------------------------------------------------ paravirt

def test_paravirt_hooks_are_events_and_run_the_natives():
    w = world(paravirt=True, processes=1)
    out = w.run("pgd_alloc", w.arguments("pgd_alloc"))
    assert out.error is None, out.error
    hooks = [e for e in out.events if e.kind == "hook"]
    assert [h.what for h in hooks] == ["alloc_pd_clone"]
    assert hooks[0].locks == ("pgd_lock",)
    out = w.run("vmalloc_sync_all")
    assert out.error is None, out.error
    assert any(e.kind == "hook" and e.what == "set_pmd" for e in out.events)
    assert w.invariants() == []


# ------------------------------------------------------------------------------ small programs

def test_unmodelled_call_is_named():
    prog = small_program("int f(void) { return frobnicate_the_pgd(3) + 1; }")
    w = World(prog, Scenario(pae=False, paravirt=False, shared_kernel_pmd=False, processes=0))
    w.setup()
    out = w.run("f")
    assert isinstance(out.error, NotExecutable)
    assert out.error.reason == "unmodelled-call"
    assert "frobnicate_the_pgd" in str(out.error)


def test_lock_left_held_and_bug_on_are_invariants():
    prog = small_program("""
spinlock_t pgd_lock;
struct page *pgd_list;
void take(void) { unsigned long flags; spin_lock_irqsave(&pgd_lock, flags); }
void twice(void) { unsigned long flags; spin_lock_irqsave(&pgd_lock, flags);
                   spin_lock_irqsave(&pgd_lock, flags); }
int check(int x) { BUG_ON(x > 2); return x; }
""")
    sc = Scenario(pae=False, paravirt=False, shared_kernel_pmd=False, processes=2,
                  vmalloc_mappings=0)
    w = World(prog, sc)
    w.setup()
    assert w.invariants() == []       # pgds made by hand, both on pgd_list, nothing to sync
    out = w.run("take")
    assert out.error is None
    assert "pgd_lock held at exit" in w.invariants()
    w2 = World(prog, sc)
    w2.setup()
    out = w2.run("twice")
    assert out.bug and "deadlock" in out.bug and out.events[-1].kind == "bug"
    w3 = World(prog, sc)
    w3.setup()
    assert w3.run("check", [1]).result == 1
    out = w3.run("check", [3])
    assert out.bug == "BUG_ON fired in check" and out.error is None
    assert out.events[-1] == Event("bug", "BUG_ON", "BUG_ON fired in check")
    assert "BUG_ON fired in check" in w3.invariants()


def test_step_limit_is_not_executable():
    prog = small_program("void spin(void) { for (;;) ; }")
    w = World(prog, Scenario(pae=False, paravirt=False, shared_kernel_pmd=False, processes=0),
              Limits(steps=5000))
    w.setup()
    t0 = time.perf_counter()
    out = w.run("spin")
    assert out.error is not None and out.error.reason == "step-limit"
    assert time.perf_counter() - t0 < 2


def test_same_scenario_same_state():
    a, b = world(seed=4), world(seed=4)
    assert a.state() == b.state()
    ra, rb = a.run("vmalloc_sync_all"), b.run("vmalloc_sync_all")
    assert ra.events == rb.events and a.state() == b.state()


# ------------------------------------------------------------------------------ pageattr

@pytest.mark.parametrize("pae", [False, True])
def test_set_pmd_pte_reaches_every_pgd(pae):
    w = world(pae=pae, processes=2)
    out = w.run("set_pmd_pte", w.arguments("set_pmd_pte"))
    assert out.error is None
    assert not [v for v in w.invariants() if "kernel mapping" in v]
    changed = [e.what for e in out.events if e.kind in ("set-pgd", "set-pmd")]
    if pae:
        assert changed == ["kernel-pmd#3"]          # shared: one store is enough
    else:
        assert changed[0] == "swapper_pg_dir" and sorted(changed[1:]) == ["pgd#1", "pgd#2"]
        assert {e.locks for e in out.events if e.kind == "set-pgd"} == {(), ("pgd_lock",)}


def test_set_pmd_pte_that_returns_early_is_caught():
    w = world(processes=2, substitutions=(
        ("\tif (PTRS_PER_PMD > 1)\n\t\treturn;\n\n\tspin_lock_irqsave(&pgd_lock, flags);",
         "\treturn;\n\n\tspin_lock_irqsave(&pgd_lock, flags);"),))
    out = w.run("set_pmd_pte", w.arguments("set_pmd_pte"))
    assert out.error is None
    broken = [v for v in w.invariants() if "kernel mapping" in v]
    assert len(broken) == 2
    assert "does not share the kernel mapping at 0xc0800000 (pgd entry 770" in broken[0]


def test_change_page_attr_splits_a_large_page_under_cpa_lock():
    w = world(processes=1)
    out = w.run("change_page_attr", w.arguments("change_page_attr"))
    assert out.error is None and out.result == 0
    allocs = [e for e in out.events if e.kind == "alloc"]
    assert len(allocs) == 1 and allocs[0].locks == ()      # cpa_lock dropped around it
    assert [e.locks for e in out.events if e.what == "pgd#1"] == [("cpa_lock", "pgd_lock")]
    assert not [v for v in w.invariants() if "kernel mapping" in v]


def test_change_page_attr_back_to_page_kernel_reverts_the_large_page():
    w = world(processes=1)
    page, n, prot = w.arguments("change_page_attr")
    assert w.run("change_page_attr", [page, n, prot]).result == 0
    out = w.run("change_page_attr", [page, n, (0x63).to_bytes(len(prot), "little")])
    assert out.error is None and out.result == 0
    calls = [e.what for e in out.events if e.kind == "call"]
    assert calls == ["ClearPagePrivate", "list_add"]       # queued on df_list for freeing
    assert [e.detail for e in out.events if e.kind == "set-pgd"] == \
        ["[770]=phys 0x800000|0xe3"] * 2                   # swapper_pg_dir, then pgd#1
    assert not [v for v in w.invariants() if "kernel mapping" in v]


def test_vmalloc_fault_fixes_the_page_table_in_cr3_only():
    w = world(processes=2)
    out = w.run("vmalloc_fault", w.arguments("vmalloc_fault"))
    assert out.error is None and out.result == 0
    assert [str(e) for e in out.events if e.kind == "set-pgd"] == \
        ["set-pgd pgd#1 ([774]=vmalloc-pte#1|0x67)"]
    left = w.invariants()
    assert "process 1 does not see vmalloc mapping at 0xc1800000" not in " ".join(left)
    assert len(left) == 3


# ------------------------------------------------------------------------------ the corpus patches

@functools.lru_cache(maxsize=None)
def patched_tree(mbox: str):
    from reviewtool.mail.reader import read_inputs
    from reviewtool.patch import parse_diff
    from reviewtool.patch.apply import apply_file
    from reviewtool.tree import OverlayTree
    base = rtree.corpus_tree()
    mail = read_inputs([str(rtree.corpus_dir() / "patches" / mbox)])[0]
    changes = {}
    for f in parse_diff(mail.diff).files:
        result = apply_file(f, base.read(f.path))
        assert result.applied, f.path
        changes[f.path] = result.after
    return OverlayTree(base, changes)


def patched_world(mbox, pae=False, paravirt=False, shared=None, processes=2, **kw):
    sc = Scenario(pae=pae, paravirt=paravirt, shared_kernel_pmd=pae if shared is None else shared,
                  processes=processes, **kw)
    paths = [PGTABLE, FAULT, PAGEATTR] + ([PARAVIRT] if paravirt else [])
    w = World(build_model_program(patched_tree(mbox), paths, config_for(sc)), sc)
    w.setup()
    return w


def test_seed_patch_moves_clone_pgd_range_out_of_pgd_lock():
    before = world(processes=1)
    after = patched_world("paravirt-pmd-sharing.mbox", processes=1)
    runs = []
    for w in (before, after):
        out = w.run("pgd_alloc", w.arguments("pgd_alloc"))
        assert out.error is None and out.result
        runs.append([e for e in out.events if e.what == "memcpy"])
    assert runs[0][0].locks == ("pgd_lock",)
    assert runs[1][0].locks == ()
    assert runs[0][0].detail == runs[1][0].detail


def test_seed_patch_vmalloc_sync_all_still_syncs_two_level():
    w = patched_world("paravirt-pmd-sharing.mbox")
    assert w.invariants()
    out = w.run("_vmalloc_sync_all")
    assert out.error is None and w.invariants() == []


def test_seed_patch_unshared_pae_pgds_are_on_pgd_list():
    w = patched_world("paravirt-pmd-sharing.mbox", pae=True, paravirt=True, shared=False)
    st = w.state()
    assert sorted(st["pgd_list"]) == sorted(p["pgd"] for p in st["processes"])
    # the kernel pmds are copies: the vmalloc mappings made afterwards are not seen yet
    assert any("pmd entry 3/" in v for v in w.invariants())
    shared = patched_world("paravirt-pmd-sharing.mbox", pae=True, paravirt=True, shared=True)
    assert shared.state()["pgd_list"] == [] and shared.invariants() == []


def test_v2_vmalloc_sync_all_returns_at_once_with_a_shared_kernel_pmd():
    w = patched_world("paravirt-pmd-sharing-v2.mbox", pae=True)
    out = w.run("vmalloc_sync_all")
    assert out.error is None and out.events == () and out.steps <= 3
    assert w.invariants() == []


def test_quicklist_patch_keeps_free_pgds_constructed():
    w = patched_world("quicklist-pgd.mbox", processes=2, vmalloc_mappings=0)
    out = w.run("pgd_free", w.arguments("pgd_free"))
    assert out.error is None
    assert [e.kind for e in out.events if e.kind != "query"] == ["free"]
    assert len(w.state()["pgd_list"]) == 2 and w.invariants() == []
    out = w.run("pgd_alloc", w.arguments("pgd_alloc"))
    assert out.error is None and out.result
    assert [e.kind for e in out.events if e.kind != "query"] == ["alloc"]


# ------------------------------------------------------------------------------ every class

@pytest.mark.parametrize("pae,paravirt", [(False, False), (False, True), (True, False),
                                          (True, True)])
def test_every_scenario_sets_up_syncs_and_balances(pae, paravirt):
    for sc in scenarios(pae, paravirt)[:6]:
        w = World(corpus_program(pae, paravirt, sc.split), sc)
        w.setup()
        assert len(w.processes) == sc.processes
        before = w.invariants()
        assert bool(before) == (not pae), (sc, before)
        if not pae:
            out = w.run("vmalloc_sync_all")
            assert out.error is None and out.bug is None, sc
        assert w.invariants() == [], sc
        out = w.run("pgd_alloc", w.arguments("pgd_alloc"))
        assert out.error is None and out.bug is None, sc
        st = w.state()
        if out.result == 0:
            assert sc.fail_alloc_after is not None
            assert st["allocated"] == st["freed"] and st["live"] == [], sc
        else:
            assert st["live"][0].startswith("pgd#") and w.invariants() == [], sc


def test_by_hand_setup_matches_the_program_setup():
    for pae in (False, True):
        a, b = world(pae=pae), world(pae=pae, by_hand=True)
        sa, sb = a.state(), b.state()
        assert [p["kernel"] for p in sa["processes"]] == [p["kernel"] for p in sb["processes"]]
        assert len(sa["pgd_list"]) == len(sb["pgd_list"])
        assert a.invariants() == b.invariants()


def test_hex_split_and_paravirt_shared_kernel_pmd_member():
    sc = Scenario(pae=True, paravirt=True, shared_kernel_pmd=False, split="0x78000000")
    assert sc.page_offset == 0x78000000 and config_for(sc)["CONFIG_PAGE_OFFSET"] == "0x78000000"
    w = patched_world("paravirt-pmd-sharing.mbox", pae=True, paravirt=True, shared=False)
    st = w.interp.type_of_global("paravirt_ops")
    from reviewtool.interp.ctypes_ import find_field
    off = find_field(st, "shared_kernel_pmd")[0]
    assert w.memory.read(w.interp.global_address("paravirt_ops") + off, 4) == 0


def test_every_builtin_call_leaves_an_event():
    prog = small_program("""
void f(unsigned long *map) { free_page(0); __set_bit(3, map); smp_wmb(); }
""")
    w = World(prog, Scenario(pae=False, paravirt=False, shared_kernel_pmd=False, processes=0))
    w.setup()
    bitmap = w.memory.alloc(4, 4, "bitmap")
    out = w.run("f", [bitmap])
    assert out.error is None
    assert [(e.kind, e.what) for e in out.events] == [
        ("call", "free_page"), ("call", "__set_bit"), ("query", "smp_wmb")]
    assert w.memory.read(bitmap, 4) == 8
