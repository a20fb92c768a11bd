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
