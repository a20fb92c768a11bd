#!/usr/bin/env python3
"""reviewtool on Debian's linux-source-6.1 next to scripts/checkpatch.pl (tree mode), in one
run, with ratios:

1. one patch to arch/x86/mm/fault.c (tests/realtree_patches/x86-32-vmalloc-fault-guard.mbox);
2. a 20-patch series across arch/x86/mm (generated: one comment line added to a different
   function per patch), reviewed as one series; checkpatch gets the same 20 files in one run;
3. presence conditions (variants.conditions.scan) of every .c/.h under arch/x86, in a fresh
   process (cold) and again in the same process (warm; there is no on-disk cache yet).

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


def timed(cmd: list[str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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


def scan_times(tree: Path) -> tuple[float, float]:
    code = f"""
import time
from pathlib import Path
from reviewtool.variants.conditions import scan
files = [p for p in Path({str(tree / 'arch/x86')!r}).rglob('*') if p.suffix in ('.c', '.h')]
texts = [(str(p), p.read_text(errors='replace')) for p in files]
def once():
    start = time.perf_counter()
    for path, text in texts:
        try:
            scan(text, path)
        except Exception:
            pass
    return time.perf_counter() - start
print(once(), once(), len(texts))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    return float(out[0]), float(out[1])


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
    env_root = ROOT
    single = ROOT / "tests/realtree_patches/x86-32-vmalloc-fault-guard.mbox"
    ours = timed(review + [str(single)], env_root, args.runs)
    theirs = timed(checkpatch + [str(single)], tree, args.runs)
    print(f"one patch to arch/x86/mm/fault.c: reviewtool {ours:.2f} s, checkpatch.pl "
          f"{theirs:.2f} s, ratio {ours / theirs:.1f}x")
    with tempfile.TemporaryDirectory() as tmp:
        series = make_series(tree, Path(tmp))
        ours = timed(review + [str(p) for p in series], env_root, args.runs)
        theirs = timed(checkpatch + [str(p) for p in series], tree, args.runs)
        print(f"{len(series)}-patch series across arch/x86/mm: reviewtool {ours:.2f} s, "
              f"checkpatch.pl {theirs:.2f} s, ratio {ours / theirs:.1f}x")
    cold, warm = scan_times(tree)
    print(f"presence conditions of every .c/.h under arch/x86: {cold:.2f} s cold, "
          f"{warm:.2f} s warm (same process; no on-disk cache yet)")
    print(f"medians of {args.runs} runs; ratio = reviewtool / checkpatch.pl (lower is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
