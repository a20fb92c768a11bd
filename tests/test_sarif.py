"""SARIF 2.1.0 output: structure always, Microsoft's validator when it is installed (CI
installs it: @microsoft/sarif-multitool, pinned in .ci/run)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import SEED, run_cli


def sarif():
    status, out, err = run_cli("check", "--format", "sarif", SEED)
    assert status == 1, err
    return json.loads(out)


def test_one_run_with_every_check_as_a_rule():
    doc = sarif()
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert {"config-change", "naming", "simpler-alternative", "ifdef-complexity", "clash",
            "does-not-apply"} <= {r["id"] for r in rules}
    assert all(r["name"].lower() != r["id"].lower() for r in rules)


def test_rule_help_is_the_check_documentation():
    rules = {r["id"]: r for r in sarif()["runs"][0]["tool"]["driver"]["rules"]}
    assert "Bad" in rules["config-change"]["help"]["text"]
    assert "```c" in rules["config-change"]["help"]["markdown"]


def test_results_point_at_post_image_lines():
    results = sarif()["runs"][0]["results"]
    errors = [r for r in results if r["level"] == "error"]
    locations = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                 for r in errors}
    assert "arch/i386/mm/fault.c" in locations
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
               for r in results if "locations" in r)


def _validator():
    configured = os.environ.get("SARIF_MULTITOOL")
    if configured and Path(configured).exists():
        return configured
    return shutil.which("sarif-multitool")


@pytest.mark.skipif(_validator() is None, reason="sarif-multitool not installed")
def test_validates_without_errors_or_warnings(tmp_path):
    path = tmp_path / "seed.sarif"
    path.write_text(run_cli("check", "--format", "sarif", SEED)[1])
    proc = subprocess.run([_validator(), "validate", str(path)], capture_output=True,
                          text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert ": error " not in output and ": warning " not in output, output
