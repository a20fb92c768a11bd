"""Shared test helpers: run the CLI in-process, cached JSON reviews of the corpus."""

import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from reviewtool.cli import main

ROOT = Path(__file__).resolve().parent.parent
PATCHES = ROOT / "corpus" / "patches"
SEED = PATCHES / "paravirt-pmd-sharing.mbox"
SEED_V2 = PATCHES / "paravirt-pmd-sharing-v2.mbox"
QUICKLIST = PATCHES / "quicklist-pgd.mbox"
SERIES = PATCHES / "series-pte-hooks.mbox"


def run_cli(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """Run the command line in-process; returns (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd if cwd is not None else ROOT)  # the repository is not a kernel tree
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                status = main([str(a) for a in args])
            except SystemExit as exc:  # argparse
                status = exc.code
    finally:
        os.chdir(old)
    return status, out.getvalue(), err.getvalue()


_CACHE: dict[tuple, tuple[int, dict]] = {}


def review_json(*args: str) -> tuple[int, dict]:
    key = tuple(str(a) for a in args)
    if key not in _CACHE:
        status, out, err = run_cli("check", "--format", "json", *args)
        assert out, err
        _CACHE[key] = (status, json.loads(out))
    return _CACHE[key]
