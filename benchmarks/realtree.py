#!/usr/bin/env python3
"""reviewtool on Debian's linux-source-6.1 next to scripts/checkpatch.pl (tree mode), in one
run, with ratios (reviewtool / checkpatch.pl; lower is faster):

1. one patch to arch/x86/mm/fault.c (tests/realtree_patches/x86-32-vmalloc-fault-guard.mbox)
   and one to arch/x86/mm/pgtable.c (tests/realtree_patches/pgd-ctor-shared-pmd-only.mbox);
2. a 20-patch series across arch/x86/mm (generated: one comment line added before a static
   function of a different file per patch), reviewed as one series; checkpatch gets the same
   20 files in one process;
3. presence conditions (variants.conditions.scan) of every .c/.h under arch/x86 in a fresh
   process (cold) and again in the same process (warm), and the per-file facts kept in the
   cache directory (variants.facts) read by a second process.

reviewtool runs cold (an empty cache directory: Kconfig, include memo and file facts all
computed) and warm (the cache left by a previous run over the same tree). Medians of --runs.
The full tree is extracted once from /usr/src/linux-source-6.1.tar.xz into
~/.cache/reviewtool/linux-6.1-full (or give it with $LINUX_FULL).

    python benchmarks/realtree.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
FULL = Path(os.environ.get("LINUX_FULL", Path.home() / ".cache/reviewtool/linux-6.1-full"))


def full_tree() -> Path | None:
    if (FULL / "scripts/checkpatch.pl").exists() and (FULL / "MAINTAINERS").exists():
        return FULL
    if not TARBALL.exists():
        return None
    FULL.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-xJf", str(TARBALL), "-C", str(FULL), "--strip-components=1"],
                   check=True)
    return FULL


def timed(cmd: list[str], cwd: Path, runs: int, env: dict | None = None,
          fresh_cache: bool = False) -> float:
    times = []
    for _ in range(runs):
        run_env = dict(os.environ, **(env or {}))
        with tempfile.TemporaryDirectory() as empty:
            if fresh_cache:
                run_env["REVIEWTOOL_CACHE"] = empty
            start = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, env=run_env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(label: str, review: list[str], checkpatch: list[str], tree: Path, runs: int,
            warm_env: dict) -> None:
    subprocess.run(review, cwd=ROOT, env=dict(os.environ, **warm_env),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warms the cache
    warm = timed(review, ROOT, runs, warm_env)
    cold = timed(review, ROOT, runs, fresh_cache=True)
    theirs = timed(checkpatch, tree, runs)
    print(f"{label}: reviewtool warm {warm:.2f} s ({warm / theirs:.1f}x), cold {cold:.2f} s "
          f"({cold / theirs:.1f}x); checkpatch.pl {theirs:.2f} s")


def make_series(tree: Path, out: Path, count: int = 20) -> list[Path]:
    """``count`` patches, each adding a comment before a different function of arch/x86/mm."""
    patches = []
    files = sorted((tree / "arch/x86/mm").glob("*.c"))
    picked = 0
    for path in files:
        lines = path.read_text(errors="replace").split("\n")
        for number, line in enumerate(lines[1:], 2):
            if picked == count:
                break
            if line.startswith("static ") and line.rstrip().endswith(")") and "(" in line \
                    and lines[number - 2] == "" and number + 3 < len(lines):
                rel = path.relative_to(tree).as_posix()
                context = lines[number - 2:number + 1]
                body = (f"--- a/{rel}\n+++ b/{rel}\n@@ -{number - 1},3 +{number - 1},4 @@\n"
                        f" {context[0]}\n+/* reviewed: helper {picked + 1} */\n"
                        + "".join(f" {c}\n" for c in context[1:]))
                mail = (f"From: Bench <bench@example.org>\nSubject: [PATCH {picked + 1:02d}/"
                        f"{count}] x86/mm: note on {rel.rsplit('/', 1)[-1]}\n\n"
                        f"Signed-off-by: Bench <bench@example.org>\n---\n{body}")
                target = out / f"{picked + 1:04d}.patch"
                target.write_text(mail)
                patches.append(target)
                picked += 1
                break  # one per file first, then more files
        if picked == count:
            break
    return patches


def scan_times(tree: Path) -> tuple[float, float, float, float, int]:
    """(scan cold, scan warm, facts computed and kept, facts read back) for arch/x86."""
    code = f"""
import os, sys, time
from pathlib import Path
from reviewtool.tree import DirTree
from reviewtool.variants.conditions import scan
from reviewtool.variants.facts import file_facts
from reviewtool.cache import flush_all
tree = DirTree({str(tree)!r})
paths = [p for p in tree.walk(('.c', '.h'), ('arch/x86',))]
texts = [(p, tree.read(p)) for p in paths]
def once():
    start = time.perf_counter()
    for path, text in texts:
        try:
            scan(text, path)
        except Exception:
            pass
    return time.perf_counter() - start
def facts():
    start = time.perf_counter()
    for path in paths:
        file_facts(tree, path)
    return time.perf_counter() - start
if sys.argv[1] == 'scan':
    print(once(), once(), len(texts))
else:
    print(facts(), len(paths))
    flush_all()
"""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, REVIEWTOOL_CACHE=cache, PYTHONPATH=str(ROOT))
        run = [sys.executable, "-c", code]
        cold, warm, count = subprocess.run(run + ["scan"], capture_output=True, text=True,
                                           cwd=ROOT, env=env, check=True).stdout.split()
        kept, _ = subprocess.run(run + ["facts"], capture_output=True, text=True, cwd=ROOT,
                                 env=env, check=True).stdout.split()
        read, _ = subprocess.run(run + ["facts"], capture_output=True, text=True, cwd=ROOT,
                                 env=env, check=True).stdout.split()
    return float(cold), float(warm), float(kept), float(read), int(count)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tree = full_tree()
    if tree is None:
        print("linux-source-6.1 not installed (apt-get install linux-source-6.1)")
        return 1
    review = [sys.executable, "-m", "reviewtool.cli", "check", "--quiet", "--fail-on", "never",
              "--tree", str(tree)]
    checkpatch = ["perl", str(tree / "scripts/checkpatch.pl"), "-q"]
    with tempfile.TemporaryDirectory() as warm_cache, tempfile.TemporaryDirectory() as tmp:
        warm_env = {"REVIEWTOOL_CACHE": warm_cache}
        for label, name in (("one patch to arch/x86/mm/fault.c",
                             "x86-32-vmalloc-fault-guard.mbox"),
                            ("one patch to arch/x86/mm/pgtable.c",
                             "pgd-ctor-shared-pmd-only.mbox")):
            mail = ROOT / "tests/realtree_patches" / name
            compare(label, review + [str(mail)], checkpatch + [str(mail)], tree, args.runs,
                    warm_env)
        series = [str(p) for p in make_series(tree, Path(tmp))]
        compare(f"{len(series)}-patch series across arch/x86/mm", review + series,
                checkpatch + series, tree, args.runs, warm_env)
    cold, warm, kept, read, count = scan_times(tree)
    print(f"presence conditions of the {count} .c/.h files under arch/x86: {cold:.2f} s cold, "
          f"{warm:.2f} s warm (same process); their facts computed and kept {kept:.2f} s, "
          f"read back by the next process {read:.2f} s")
    print(f"medians of {args.runs} runs; ratio = reviewtool / checkpatch.pl (lower is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
