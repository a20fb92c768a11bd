#!/usr/bin/env python3
"""A server's first review of a patch, timed inside the server process: what
``benchmarks/realtree.py`` calls *served first*, without the client's start and the socket
(which vary more on a busy machine than the review does), split into its main stages.

Each round is a fresh process that does what a new server does (``Server.warm_up``: the
stages imported, the cache packs read, the header states last used at the top of a unit
folded), reviews the ``--other`` patches first (untimed), then the target, on the same tree.
The cache directory is the user's (``$REVIEWTOOL_CACHE``), warmed once by a one-shot review of
the target, as the realtree benchmark's "served first" starts from. Prints the median of
``--runs`` rounds, and each stage's median.

    python benchmarks/served_first.py [--tree DIR] [--runs 7] [TARGET [--other MAIL ...]]

Defaults: Debian's linux-source-6.1 tree (as realtree.py extracts it), the fault.c patch of
tests/realtree_patches as the target and the pgtable.c one as the other.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATCHES = ROOT / "tests/realtree_patches"
# (module, attribute) timed at its outermost call: the stages of a review on a real tree
STAGES = [("reviewtool.checks.context", "build_context"),
          ("reviewtool.model.unit", "preprocess"),  # as unit.py imports it
          ("reviewtool.model.unit", "probe_models"),
          ("reviewtool.model.compare", "build_cells"),
          ("reviewtool.checks.context", "relevant_symbols"),
          ("reviewtool.variants.memo", "Memo.find"),
          ("reviewtool.variants.memo", "Memo.flat")]


def _round(tree: str, target: str, others: list[str]) -> dict:
    """One round, in this process (the child): the review's and its stages' seconds."""
    import functools
    import gc
    import importlib
    import time

    spent: dict[str, float] = {}

    def timed(owner, name: str, label: str) -> None:
        inner = getattr(owner, name)
        depth = [0]

        @functools.wraps(inner)
        def wrapper(*args, **kwargs):
            depth[0] += 1
            began = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    spent[label] = spent.get(label, 0.0) + time.perf_counter() - began
        setattr(owner, name, wrapper)

    for module_name, attr in STAGES:
        module = importlib.import_module(module_name)
        owner, name = module, attr
        if "." in attr:
            owner_name, name = attr.split(".")
            owner = getattr(module, owner_name)
        timed(owner, name, f"{module_name.rsplit('.', 1)[-1]}.{attr}")
    context = sys.modules["reviewtool.checks.context"]
    context.probe_models = sys.modules["reviewtool.model.unit"].probe_models  # as imported there

    from reviewtool import cli, server
    gc.disable()
    server.Server.__new__(server.Server).warm_up()
    command = ["check", "--quiet", "--fail-on", "never", "--no-server", "--tree", tree]
    for other in others:
        cli.main(command + [other])
    spent.clear()
    began = time.perf_counter()
    cli.main(command + [target])
    spent["review"] = time.perf_counter() - began
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", nargs="?", default=str(PATCHES / "x86-32-vmalloc-fault-guard.mbox"))
    parser.add_argument("--other", action="append",
                        help="a patch reviewed first (default: the pgtable.c one)")
    parser.add_argument("--tree", default=os.environ.get(
        "LINUX_FULL", str(Path.home() / ".cache/reviewtool/linux-6.1-full")))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--round", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    others = args.other if args.other is not None else [
        str(PATCHES / "pgd-ctor-shared-pmd-only.mbox")]
    if args.round:
        print(json.dumps(_round(args.tree, args.target, others)))
        return 0
    if not (Path(args.tree) / "arch/x86").is_dir():
        print(f"no Linux tree at {args.tree} (run benchmarks/realtree.py once, or --tree)")
        return 1
    one_shot = [sys.executable, "-m", "reviewtool.cli", "check", "--quiet", "--fail-on",
                "never", "--no-server", "--tree", args.tree]
    subprocess.run(one_shot + [args.target], cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
    rounds = []
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, __file__, "--round", "--tree", args.tree,
                              args.target] + [a for o in others for a in ("--other", o)],
                             cwd=ROOT, capture_output=True, text=True, check=True)
        rounds.append(json.loads(out.stdout.strip().splitlines()[-1]))
    review = statistics.median(r["review"] for r in rounds)
    print(f"{Path(args.target).name}: a server's first review {review * 1000:.0f} ms "
          f"(median of {args.runs}, inside the server, after {len(others)} other review(s))")
    for label in sorted({k for r in rounds for k in r} - {"review"},
                        key=lambda k: -statistics.median(r.get(k, 0.0) for r in rounds)):
        print(f"  {label:32s} {statistics.median(r.get(label, 0.0) for r in rounds) * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
