"""Executable evidence: changed functions run before and after on the i386 model."""

import json
import time

from helpers import ROOT, SEED, review_json, run_cli

NON_PAE = {"CONFIG_X86_PAE": "n", "CONFIG_PARAVIRT": "n"}


def execution_of(doc, function, config):
    return [e for e in doc["patches"][0]["matrix"]["execution"]
            if e["function"] == function and e["config"] == config]


def test_seed_pgd_ctor_differs_with_a_lock_witness():
    _, doc = review_json(SEED)
    (hit,) = [f for f in doc["findings"] if f["function"] == "pgd_ctor"
              and f["severity"] == "error"]
    assert hit["evidence"]["kind"] == "execution"
    assert hit["evidence"]["verdict"] == "differs"
    assert "clone_pgd_range() " in hit["evidence"]["witness"]
    assert "now runs outside pgd_lock" in hit["evidence"]["witness"]


def test_every_changed_function_has_an_execution_verdict_per_class():
    _, doc = review_json(SEED)
    matrix = doc["patches"][0]["matrix"]
    needing = {(name, tuple(sorted(matrix["configs"][col].items())))
               for name, verdicts in matrix["verdicts"].items()
               for col, verdict in enumerate(verdicts) if verdict in ("changed", "uncertain")}
    have = {(e["function"], tuple(sorted(e["config"].items()))) for e in matrix["execution"]}
    assert needing and needing == have
    assert all(e["verdict"] in ("differs", "no-difference-found", "not-executable")
               for e in matrix["execution"])


def test_no_difference_found_lowers_an_undecided_change_to_a_warning():
    _, doc = review_json(SEED)
    hits = [f for f in doc["findings"] if f["function"] == "pgd_alloc"
            and f["evidence"].get("verdict") == "no-difference-found"]
    assert hits and all(f["severity"] == "warning" for f in hits)
    assert all(f["evidence"]["states"] >= 1 for f in hits)


def test_no_exec_keeps_folding_evidence():
    status, out, _ = run_cli("check", "--format", "json", "--no-exec", SEED)
    doc = json.loads(out)
    assert not any(f["evidence"]["kind"] == "execution" for f in doc["findings"])


def _paravirt_patch(tmp_path, old, new, path="arch/i386/mm/fault.c"):
    """A one-line change to the corpus under a paravirt subject."""
    lines = (ROOT / "corpus" / "tree" / path).read_text().split("\n")
    number = next(i for i, line in enumerate(lines, 1) if old in line)
    context_before = lines[number - 2]
    context_after = lines[number]
    diff = (f"From: T <t@example.org>\nSubject: [PATCH] paravirt: tweak\n\n---\n"
            f"--- a/{path}\n+++ b/{path}\n@@ -{number - 1},3 +{number - 1},3 @@\n"
            f" {context_before}\n-{lines[number - 1]}\n+{lines[number - 1].replace(old, new)}\n"
            f" {context_after}\n")
    patch = tmp_path / "tweak.mbox"
    patch.write_text(diff)
    return patch


def test_a_patch_that_breaks_the_vmalloc_sync_loop_is_caught(tmp_path):
    patch = _paravirt_patch(tmp_path, "address += PGDIR_SIZE", "address += 2*PGDIR_SIZE")
    status, out, err = run_cli("check", "--format", "json", patch)
    doc = json.loads(out)
    (hit,) = [f for f in doc["findings"] if f["function"] == "vmalloc_sync_all"
              and f["severity"] == "error"]
    assert hit["evidence"]["verdict"] == "differs"
    assert status == 1


def test_an_endless_loop_ends_with_step_limit_in_bounded_time(tmp_path):
    patch = _paravirt_patch(tmp_path, "static unsigned long start = TASK_SIZE;",
                            "static unsigned long start = TASK_SIZE; for (;;);")
    start = time.perf_counter()
    status, out, err = run_cli("check", "--format", "json", patch)
    elapsed = time.perf_counter() - start
    doc = json.loads(out)
    hits = [e for e in doc["patches"][0]["matrix"]["execution"]
            if e["function"] == "vmalloc_sync_all"]
    assert hits and all(e["verdict"] == "not-executable" for e in hits)
    assert all("step limit" in e["reason"] for e in hits)
    assert elapsed < 60


def test_run_prints_the_trace_of_one_function():
    status, out, err = run_cli("run", "pgd_ctor", "--config", "CONFIG_X86_PAE=n")
    assert status == 0, err
    assert "memcpy" in out and "[under pgd_lock]" in out and "invariants:" in out


def test_run_after_the_patch_shows_the_lock_moved():
    status, out, _ = run_cli("run", "pgd_ctor", "--config", "CONFIG_X86_PAE=n", "--patch", SEED)
    line = next(l for l in out.split("\n") if "memcpy" in l)
    assert "under pgd_lock" not in line


def test_run_of_an_unknown_function_is_a_usage_error():
    status, _, err = run_cli("run", "no_such_function")
    assert status == 2 and "no_such_function" in err
