"""The ``reviewtool`` command's entry point: hand ``check`` to a running server, else run here.

A review of a real tree spends most of a one-shot run on things a resident process has
already: Python starting and importing tree-sitter and friends, the cache packs read back,
the Kconfig model, the headers preprocessed for the unchanged side of the patch. When
``reviewtool server start`` has started a server for this cache directory
(:mod:`reviewtool.server`), ``reviewtool check`` connects to its socket, passes its standard
input, output and error and its arguments, working directory and environment, and exits with
the status the server sends back: the output is the same bytes a one-shot run prints.

This module runs before anything else, so it imports nothing heavier than ``socket`` and
``json``. It runs the command here instead whenever the server cannot serve it: no server (no
socket, or a stale one), ``--no-server``, ``--no-cache``, ``REVIEWTOOL_SERVER=off``, a server
started from other code (the installed files changed since: it is told to stop), or any
error on the way to it. A command other than ``check`` and ``hook run`` always runs here.

``reviewtool hook run`` (the git hooks' command) goes to the server too: it runs the hook
there, and the review it asks for in its own process.

``REVIEWTOOL_SERVER=auto`` starts a server in the background when none answers (this
command still runs here; the next ones are served); ``off`` never uses one.
"""

from __future__ import annotations

import os
import sys

from .locations import cache_dir

PROTOCOL = 1
SOCKET_NAME = "server.sock"
MAX_SOCKET_PATH = 100  # AF_UNIX paths end at 108 bytes on Linux
BUSY_WAIT = 2.0  # seconds to wait for a server busy with another review before running here


def socket_path() -> str | None:
    root = cache_dir()
    if root is None:
        return None
    path = os.path.join(os.path.abspath(root), SOCKET_NAME)
    return path if len(path.encode()) <= MAX_SOCKET_PATH else None


def code_fingerprint() -> str:
    """Names, sizes and modification times of the installed code and queries: a server
    started before an upgrade or an edit serves nobody."""
    from . import __version__
    here = os.path.dirname(os.path.abspath(__file__))
    parts = [__version__, here]
    stack = [here]
    while stack:
        top = stack.pop()
        try:
            entries = sorted(os.scandir(top), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name == "__pycache__" or entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=True):
                stack.append(entry.path)
            elif entry.name.endswith((".py", ".scm")):
                try:
                    info = entry.stat()
                except OSError:
                    continue
                parts.append(f"{entry.path}:{info.st_size}:{info.st_mtime_ns}")
    import hashlib
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()


def server_mode() -> str:
    """``off``, ``auto`` (start one when none answers) or ``on`` (use one when it runs)."""
    chosen = os.environ.get("REVIEWTOOL_SERVER", "").strip().lower()
    if chosen in ("off", "0", "no"):
        return "off"
    return "auto" if chosen == "auto" else "on"


SERVING = False  # set in the server: what it runs never asks a server (itself) again


def wants_server(argv: list[str]) -> bool:
    """``check``, and ``hook run`` (a git hook: the hook's own work, its settings, the
    repository and the mail, would cost a one-shot process every import a review needs
    before it could hand the review over)."""
    if SERVING or server_mode() == "off":
        return False
    words = [a for a in argv if not a.startswith("-")]
    command = words[0] if words else None
    if command == "hook":
        return words[1:2] == ["run"]
    return command == "check" and "--no-server" not in argv and "--no-cache" not in argv


def connect(path: str, timeout: float = 2.0):
    """A connected socket to the server at ``path``, or None (no server there)."""
    import socket
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    sock.settimeout(None)
    return sock


def send_message(sock, message: dict, fds: list[int] = ()) -> None:
    import json
    import socket
    data = (json.dumps(message) + "\n").encode()
    if fds:
        sent = socket.send_fds(sock, [data], list(fds))
        data = data[sent:]
    if data:
        sock.sendall(data)


def read_message(sock, limit: int = 1 << 24, fds: int = 0) -> tuple[dict | None, list[int]]:
    """One JSON line (None at end of stream or on garbage), with any descriptors passed along
    with its first bytes."""
    import json
    import socket
    received: list[int] = []
    buffer = b""
    while b"\n" not in buffer and len(buffer) < limit:
        if fds and not received and not buffer:
            chunk, received, _, _ = socket.recv_fds(sock, 65536, fds)
        else:
            chunk = sock.recv(65536)
        if not chunk:
            break
        buffer += chunk
    line = buffer.split(b"\n", 1)[0]
    try:
        message = json.loads(line) if line else None
    except ValueError:
        message = None
    return (message if isinstance(message, dict) else None), list(received)


def _hold_input(argv: list[str]) -> bytes | None:
    """A hook's standard input (a pre-push hook's ref lines), read whole and put back as a
    file read from its start, before the server gets it: a hook that then runs here (the
    server died) reads the same lines, not what the server left of them. None: not a hook,
    or input from a terminal."""
    if argv[:2] != ["hook", "run"]:
        return None
    try:
        if os.isatty(0):
            return None
        chunks = []
        while True:
            chunk = os.read(0, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError:  # no standard input at all
        return None
    data = b"".join(chunks)
    _put_input(data)
    return data


def _put_input(data: bytes) -> None:
    """Standard input reads ``data`` from its start (an anonymous file: a pipe would block
    on more than its buffer)."""
    try:
        fd = os.memfd_create("reviewtool-input")
    except (AttributeError, OSError):  # not Linux
        import tempfile
        fd, name = tempfile.mkstemp(prefix="reviewtool-input-")
        os.unlink(name)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.lseek(fd, 0, os.SEEK_SET)
        os.dup2(fd, 0)
    finally:
        os.close(fd)


def via_server(argv: list[str]) -> int | None:
    """The exit status of ``argv`` run by the server, or None when it must run here."""
    path = socket_path()
    if path is None:
        return None
    sock = connect(path)
    if sock is None:
        if server_mode() == "auto":
            try:
                from .server import spawn
                spawn(path)
            except OSError:
                pass
        return None
    held = _hold_input(argv)
    accepted = False
    done = replies = None
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        send_message(sock, {
            "protocol": PROTOCOL, "command": "run", "argv": argv, "cwd": os.getcwd(),
            "env": dict(os.environ), "code": code_fingerprint(),
            "encoding": [getattr(s, "encoding", None) or "utf-8" for s in
                         (sys.stdin, sys.stdout, sys.stderr)],
            "errors": [getattr(s, "errors", None) or "strict" for s in
                       (sys.stdin, sys.stdout, sys.stderr)],
        }, [0, 1, 2])
        # a server busy with another review answers late: past BUSY_WAIT the review runs
        # here instead (the server runs a request only once told "go")
        sock.settimeout(BUSY_WAIT)
        replies = sock.makefile("rb")
        first = _parse(replies.readline(1 << 20))
        sock.settimeout(None)
        if first and first.get("ready") is True:
            send_message(sock, {"go": True})
            accepted = True  # from here on the review may write to our output
            done = _parse(replies.readline(1 << 20))
    except KeyboardInterrupt:
        return 130  # closing the connection (below) tells the server to stop this review
    except (OSError, ValueError):
        pass
    finally:
        try:
            if replies is not None:
                replies.close()
            sock.close()
        except OSError:
            pass
    if not accepted:
        return None  # refused (other code, another user) or gone before starting: run here
    if not done or not isinstance(done.get("exit"), int):
        if argv[:1] == ["hook"]:
            # a hook must not block the developer's commit, push or mail because the server
            # died: it runs again here (what the server printed may show twice), on the
            # same input
            print("reviewtool: the server stopped during the hook; running it here",
                  file=sys.stderr)
            if held is not None:
                _put_input(held)
            return None
        # the review may have written to our output already: it is not run again here
        print("reviewtool: internal error: the server stopped during the review (see "
              f"{os.path.join(os.path.dirname(path), 'server.log')})", file=sys.stderr)
        return 3
    return done["exit"]


def _parse(line: bytes) -> dict | None:
    import json
    try:
        message = json.loads(line) if line.strip() else None
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


# What a git hook runs (``python -S -c LIGHT_START PACKAGE_PARENT hook run KIND ...``, see
# reviewtool.hooks): the client without site, its package directory in place of the current
# one on the path (a file of the repository never shadows a module the client imports).
LIGHT_START = ("import sys; sys.path[0] = sys.argv.pop(1); "
               "import reviewtool.client as c; c.run()")


def run() -> None:
    argv = sys.argv[1:]
    if wants_server(argv):
        code = via_server(argv)
        if code is not None:
            os._exit(code)
    if sys.flags.no_site:  # started light (a hook): running here needs site-packages
        _start_with_site(argv)
    from .cli import run as run_here
    run_here()


def _start_with_site(argv: list[str]) -> None:
    """Run ``argv`` here in a process started with site (this one replaced), the server not
    asked again (it was, or there is none)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os.environ["REVIEWTOOL_SERVER"] = "off"
    os.execv(sys.executable, [sys.executable, "-c", LIGHT_START, root] + argv)


if __name__ == "__main__":
    run()
