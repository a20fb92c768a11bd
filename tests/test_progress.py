"""A progress bar for long series on a terminal, and none when piped."""

import os
import pty
import subprocess
import sys

from helpers import ROOT, SERIES


def run_on_terminal(*args):
    pid, fd = pty.fork()
    if pid == 0:  # the child: reviewtool with stdout and stderr on the pseudo-terminal
        os.chdir(ROOT)
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        os.execvpe(sys.executable, [sys.executable, "-m", "reviewtool.cli", *args], env)
    output = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


def test_progress_bar_on_a_terminal():
    status, output = run_on_terminal("check", "--fail-on", "never", str(SERIES))
    assert status == 0 and "checking patches" in output


def test_no_progress_bar_when_piped():
    proc = subprocess.run([sys.executable, "-m", "reviewtool.cli", "check", "--fail-on",
                           "never", str(SERIES)], capture_output=True, text=True, cwd=ROOT)
    assert "checking patches" not in proc.stderr + proc.stdout


def test_no_progress_bar_for_json_even_on_a_terminal():
    status, output = run_on_terminal("check", "--format", "json", "--fail-on", "never",
                                     str(SERIES))
    assert status == 0 and "checking patches" not in output
