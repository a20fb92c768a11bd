#!/usr/bin/env python3
"""Wall time of ``reviewtool check`` on the bundled seed patch next to ``checkpatch.pl`` on the
same mail, in one run, with the ratio.

checkpatch.pl comes from Debian's linux-source-6.1 (``apt-get install linux-source-6.1``): the
script extracts ``scripts/checkpatch.pl`` and its data files from
``/usr/src/linux-source-6.1.tar.xz`` into ``~/.cache/reviewtool/bench`` once, or uses
``$CHECKPATCH`` if set. checkpatch runs with ``--no-tree`` (the seed patch is against the bundled
2.6.21 corpus, not a 6.1 tree). Both are timed as whole processes (interpreter start-up
included), median of ``--runs`` runs each; reviewtool's in-process analysis time is printed too.

    python benchmarks/seed_vs_checkpatch.py [--runs 7] [PATCH...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tarfile
import time
from pathlib import Path

from timing import exit_time

ROOT = Path(__file__).resolve().parent.parent
TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "reviewtool" / "bench"
MEMBERS = ("scripts/checkpatch.pl", "scripts/spelling.txt", "scripts/const_structs.checkpatch")


def find_checkpatch() -> Path | None:
    if os.environ.get("CHECKPATCH"):
        return Path(os.environ["CHECKPATCH"])
    target = CACHE / "linux-source-6.1" / "scripts" / "checkpatch.pl"
    if target.exists():
        return target
    if not TARBALL.exists():
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    wanted = {f"linux-source-6.1/{m}" for m in MEMBERS}
    with tarfile.open(TARBALL) as tar:
        for member in tar:
            if member.name in wanted:
                tar.extract(member, CACHE, filter="data")
                wanted.discard(member.name)
                if not wanted:
                    break
    return target if target.exists() else None


def timed(cmd: list[str], runs: int) -> tuple[float, int]:
    times, status = [], 0
    for _ in range(runs):
        took, status = exit_time(cmd)
        times.append(took)
    return statistics.median(times), status


def in_process(patch: Path, runs: int) -> float:
    sys.path.insert(0, str(ROOT))
    from reviewtool.cli import main  # noqa: E402

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        main(["check", "--quiet", "--fail-on", "never", str(patch)])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("patches", nargs="*",
                        default=[str(ROOT / "corpus/patches/paravirt-pmd-sharing.mbox")])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    reviewtool = [sys.executable, "-m", "reviewtool.cli", "check", "--quiet",
                  "--fail-on", "never"]
    checkpatch = find_checkpatch()
    perl = shutil.which("perl")
    print(f"{'patch':42} {'reviewtool':>11} {'in-process':>11} {'checkpatch':>11} {'ratio':>7}")
    for patch in map(Path, args.patches):
        ours, _ = timed(reviewtool + [str(patch)], args.runs)
        inner = in_process(patch, args.runs)
        if checkpatch is not None and perl:
            theirs, _ = timed([perl, str(checkpatch), "--no-tree", "-q", str(patch)], args.runs)
            ratio = f"{ours / theirs:6.2f}x"
            theirs_s = f"{theirs:10.3f}s"
        else:
            theirs_s, ratio = "   (absent)", "    -"
        print(f"{patch.name:42} {ours:10.3f}s {inner:10.3f}s {theirs_s} {ratio}")
    if checkpatch is None:
        print("checkpatch.pl not found: install linux-source-6.1 or set CHECKPATCH")
    print(f"medians of {args.runs} runs; ratio = reviewtool / checkpatch.pl (lower is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
