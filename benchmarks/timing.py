"""Timing one run of a command as its user sees it, for the benchmarks.

A one-shot reviewtool run hands its exit status back before writing its caches: a child
process writes them (``reviewtool.cli._write_behind``) and keeps the standard streams. So
the time is taken when the command exits (the prompt is back), and the call returns only
when the output pipe ends, that is when the writing is done too: it is neither timed nor
left to run into the next command's time.
"""

from __future__ import annotations

import subprocess
import threading
import time


def exit_time(cmd: list[str], cwd=None, env=None) -> tuple[float, int]:
    """(seconds until ``cmd`` exits, its exit status); its output is read and dropped."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    drain = threading.Thread(target=proc.stdout.read)
    drain.start()
    status = proc.wait()
    took = time.perf_counter() - start
    drain.join()  # the end of the pipe: every process holding it (a cache writer) is done
    proc.stdout.close()
    return took, status
