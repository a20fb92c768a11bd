"""Review from the diff alone (--no-tree): the same verdicts as with the tree, or a warning that
says why it cannot be sure."""

import json
from pathlib import Path

from helpers import SEED_V2, run_cli
from reviewtool.patch import parse_diff
from reviewtool.patch.partial import balance, partial_images

PATCHES = Path(__file__).parent / "realtree_patches"


def review(path):
    status, out, err = run_cli("check", "--no-tree", "--format", "json", path)
    assert out, err
    return status, json.loads(out)


def test_dropped_guard_is_an_error_from_the_diff_alone():
    status, doc = review(PATCHES / "x86-32-vmalloc-fault-guard.mbox")
    (hit,) = [f for f in doc["findings"] if f["id"] == "config-change"]
    assert hit["severity"] == "error" and hit["function"] == "do_kern_addr_fault"
    assert hit["configs"] == [{"CONFIG_X86_32": "n"}] and status == 1
    assert doc["tree"]["kind"] == "none"


def test_edit_inside_an_unseen_ifdef_is_only_uncertain():
    status, doc = review(PATCHES / "kmsan-block-only.mbox")
    hits = [f for f in doc["findings"] if f["id"] == "config-change"]
    assert hits and all(f["severity"] == "warning" for f in hits)
    assert "lies outside" in hits[0]["message"] and status == 0


def test_patch_only_review_says_so():
    _, doc = review(SEED_V2)
    assert any("patch-only" in n for n in doc["patches"][0]["notes"])


def test_a_comment_cut_by_the_hunk_does_not_swallow_directives():
    diff = ("--- a/f.c\n+++ b/f.c\n@@ -10,3 +10,2 @@\n"
            "-#ifdef CONFIG_A\n \t/*\n \t * start of a long comment\n"
            "@@ -30,2 +29,2 @@\n \tx();\n #endif\n")
    before, _ = partial_images(parse_diff(diff).files[0])
    assert "#ifdef CONFIG_A" in before.text and "#endif" in before.text


def test_an_endif_without_its_if_marks_the_lines_unknown():
    lines, unknown = balance(["a();", "#endif", "b();"])
    assert lines[1] == "" and {1, 2} <= unknown


def test_a_condition_on_macros_is_uncertain_without_the_tree():
    """With the tree, pgd_ctor() is an error with PAE off (CONFIG_PGTABLE_LEVELS folds);
    from the diff alone the macros cannot be folded, and the warning says so."""
    status, doc = review(PATCHES / "pgd-ctor-shared-pmd-only.mbox")
    (hit,) = [f for f in doc["findings"] if f["id"] == "config-change"]
    assert hit["severity"] == "warning" and hit["function"] == "pgd_ctor"
    assert "cannot be folded" in hit["message"] and status == 0
