#!/usr/bin/env python3
"""Differential execution budget on the seed patch, printed in one run:

1. executing every function the seed patch changes, in every configuration class where
   folding did not settle it, before and after, on the i386 model (in-process, cold caches);
2. the whole ``reviewtool check`` of the seed patch with execution (a fresh process each time);
3. the same without execution (``--no-exec``).

    python benchmarks/execution.py [--runs 5] [PATCH]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

from timing import exit_time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def execution_only(patch: Path) -> tuple[float, int]:
    """Seconds spent in differential execution alone, and how many (function, class) runs."""
    code = f"""
import time
from reviewtool.checks.context import build_context
from reviewtool.mail import read_inputs
from reviewtool.patch import parse_diff
from reviewtool.tree import corpus_tree
from reviewtool.variants.kconfig import read_kconfig
tree = corpus_tree()
mail = read_inputs([{str(patch)!r}])[0]
ctx = build_context(0, mail, parse_diff(mail.diff), tree, "i386", read_kconfig(tree, "i386"))
cells = [(n, c) for n in ctx.table.names for c in range(len(ctx.table.classes))
         if ctx.table.cell(n, c).verdict in ("changed", "uncertain")]
start = time.perf_counter()
for name, col in cells:
    ctx.execution(name, col)
print(time.perf_counter() - start, len(cells))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    return float(out[0]), int(out[1])


def wall(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        times.append(exit_time([sys.executable, "-m", "reviewtool.cli", "check", "--quiet"]
                               + args, cwd=ROOT)[0])
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("patch", nargs="?",
                        default=str(ROOT / "corpus/patches/paravirt-pmd-sharing.mbox"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    patch = Path(args.patch)
    runs = [execution_only(patch) for _ in range(args.runs)]
    exec_time = statistics.median(r[0] for r in runs)
    with_exec = wall([str(patch)], args.runs)
    without = wall(["--no-exec", str(patch)], args.runs)
    print(f"patch: {patch.name}")
    print(f"differential execution of {runs[0][1]} (function, class) pairs: {exec_time:.3f} s "
          f"(budget 2 s)")
    print(f"reviewtool check with execution:    {with_exec:.3f} s wall (budget 2 s)")
    print(f"reviewtool check without execution: {without:.3f} s wall")
    print(f"medians of {args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
