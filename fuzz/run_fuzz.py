#!/usr/bin/env python3
"""Long fuzz run of every parser: the properties of ``fuzz/targets.py`` with a big budget.

    python fuzz/run_fuzz.py --examples 100000            # all targets, split by weight
    python fuzz/run_fuzz.py --examples 5000 --target mail --target diff
    python fuzz/run_fuzz.py --examples 100000 --jobs 2 --pipeline 300

Unlike the default suite (``tests/test_fuzz.py``), a failing input does not stop the run: each
crash (an exception outside the ReviewtoolError family, or a broken invariant) is counted,
grouped by where it happened, and its input saved under ``fuzz/crashes/`` for a regression
test. Every input runs under a time limit (``--hang``, default 10 s): one that reaches it is a
hang. At the end it prints per target the inputs run, crashes, hangs, the slowest input and
the time, and the totals; the exit status is 1 if anything crashed or hung.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CRASHES = ROOT / "fuzz" / "crashes"


def run_target(name: str, examples: int, hang: float, seed: int | None) -> dict:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    from fuzz.targets import TARGETS
    from reviewtool.errors import TimeLimitError
    from reviewtool.limits import time_limit

    target = next(t for t in TARGETS if t.name == name)
    stats = {"name": name, "inputs": 0, "crashes": 0, "hangs": 0, "kinds": {}, "slowest": 0.0,
             "seconds": 0.0}

    def record(kind: str, err: BaseException, value) -> None:
        frames = traceback.extract_tb(err.__traceback__)
        here = next((f for f in reversed(frames) if "/reviewtool/" in f.filename), frames[-1])
        where = f"{Path(here.filename).name}:{here.lineno}"
        key = f"{kind} {type(err).__name__} at {where}"
        if key not in stats["kinds"]:
            text = repr(value)
            digest = hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:12]
            CRASHES.mkdir(exist_ok=True)
            saved = CRASHES / f"{name}-{digest}.txt"
            saved.write_text(f"{key}\n{str(err)[:2000]}\n\n{text}\n", encoding="utf-8",
                             errors="surrogateescape")
            stats["kinds"][key] = {"count": 0, "message": str(err)[:300],
                                   "input": str(saved.relative_to(ROOT))}
        stats["kinds"][key]["count"] += 1

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(target.strategy)
    def prop(value):
        stats["inputs"] += 1
        started = time.monotonic()
        try:
            with time_limit(hang, f"{name} input"):
                target.check(value)
        except TimeLimitError as err:
            stats["hangs"] += 1
            record("hang", err, value)
        except Exception as err:  # noqa: BLE001 - every crash is counted, the run goes on
            stats["crashes"] += 1
            record("crash", err, value)
        finally:
            stats["slowest"] = max(stats["slowest"], time.monotonic() - started)

    if seed is not None:
        prop = hypothesis_seed(seed)(prop)
    started = time.monotonic()
    prop()
    stats["seconds"] = time.monotonic() - started
    return stats


def main(argv=None) -> int:
    from fuzz.targets import TARGETS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100_000,
                        help="generated inputs in all, split between the targets by weight")
    parser.add_argument("--target", action="append", default=[],
                        choices=[t.name for t in TARGETS], help="only these (repeatable)")
    parser.add_argument("--pipeline", type=int, default=0, metavar="N",
                        help="also N whole-pipeline runs (reviewtool check on mutated mails)")
    parser.add_argument("--hang", type=float, default=10.0, metavar="SECONDS",
                        help="time limit of one input (default 10)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)

    chosen = [t for t in TARGETS if (t.name in args.target if args.target else t.weight)]
    total_weight = sum(t.weight for t in chosen) or 1
    plan = [(t.name, max(1, args.examples * t.weight // total_weight)) for t in chosen
            if t.weight or t.name in args.target]
    if args.pipeline:
        plan.append(("pipeline", args.pipeline))
    print(f"fuzzing {len(plan)} targets, {sum(n for _, n in plan)} inputs planned, "
          f"{args.jobs} job(s), hang limit {args.hang:g} s", flush=True)
    started = time.monotonic()
    results = []
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(run_target, name, n, args.hang, args.seed) for name, n in plan]
            for future in futures:
                results.append(future.result())
                report_one(results[-1])
    else:
        for name, n in plan:
            results.append(run_target(name, n, args.hang, args.seed))
            report_one(results[-1])
    wall = time.monotonic() - started
    inputs = sum(r["inputs"] for r in results)
    crashes = sum(r["crashes"] for r in results)
    hangs = sum(r["hangs"] for r in results)
    print(f"\ntotal: {inputs} inputs, {crashes} crashes, {hangs} hangs, "
          f"{sum(r['seconds'] for r in results):.0f} s of fuzzing, {wall:.0f} s wall")
    for r in results:
        for key, info in r["kinds"].items():
            print(f"  {r['name']}: {key} x{info['count']}: {info['message'][:120]!r} "
                  f"({info['input']})")
    return 1 if crashes or hangs else 0


def report_one(r: dict) -> None:
    print(f"{r['name']:20} {r['inputs']:8} inputs {r['crashes']:5} crashes {r['hangs']:3} hangs"
          f"  slowest {r['slowest']:6.2f} s  {r['seconds']:7.1f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
