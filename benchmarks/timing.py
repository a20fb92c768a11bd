"""Timing one run of a command as its user sees it, at a terminal, for the benchmarks.

The command's output goes to a pseudo-terminal, as when it is typed at one: a one-shot
reviewtool run there hands its exit status back before writing its caches (a child process
writes them: ``reviewtool.cli._write_behind``; it keeps the terminal open). So the time is
taken when the command exits (the prompt is back), and the call returns only when the
terminal is closed by every process that had it, that is when the writing is done too: it is
neither timed nor left to run into the next command's time.
"""

from __future__ import annotations

import os
import pty
import subprocess
import threading
import time


def exit_time(cmd: list[str], cwd=None, env=None) -> tuple[float, int]:
    """(seconds until ``cmd`` exits, its exit status); its output is read and dropped."""
    master, slave = pty.openpty()
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=slave, stderr=subprocess.DEVNULL)
        os.close(slave)
        slave = -1
        exited: list[float] = []
        waiter = threading.Thread(target=lambda: (proc.wait(),
                                                  exited.append(time.perf_counter() - start)))
        waiter.start()
        while True:  # read as it comes (a full terminal buffer would stop the command)
            try:
                if not os.read(master, 65536):
                    break
            except OSError:  # EIO: no process holds the terminal any more
                break
        waiter.join()
        return exited[0], proc.returncode
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
