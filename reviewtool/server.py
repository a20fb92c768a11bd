"""``reviewtool server``: one resident process that keeps what reviews compute.

A one-shot ``reviewtool check`` on a real tree pays, every time, for Python starting and
importing tree-sitter, for the cache packs read back (the include memo's 40,000 macros), for
the Kconfig model, and for preprocessing the unchanged side of the patch in every
configuration class. The server pays once: it stays up, and each ``check`` the command hands
it (:mod:`reviewtool.client`) runs in it, on the trees it kept from earlier requests.

What is kept, and why it is never stale:

* trees (:func:`reviewtool.tree.kept_tree`): a git revision is immutable; a directory is
  handed out again only when every file it looked at (present or absent) has the same size,
  modification time and inode, and every directory the same place;
* everything keyed on a tree object: preprocessed units per configuration, include
  resolution, the memo's verdicts per entry, the snapshots after a unit's includes;
* what the cache directory keeps anyway (memo entries, file facts, Kconfig models, parsed
  definitions), in memory instead of read back; each checked against file versions as in a
  one-shot run.

A request is the client's arguments, working directory and environment, and its standard
input, output and error passed as descriptors over the socket: the review writes to the
client's terminal or pipe directly, and its output is the same bytes a one-shot run prints
(``tests/test_server.py`` compares them). The exchange, one JSON line each: the request;
``ready`` from the server when it takes it up; ``go`` from the client, which runs the review
itself instead when ``ready`` is late (the server is busy with another one) and then never
says go; the exit status from the server when the review ends. So a review runs once, here
or there, and a client that saw ``ready`` but no exit status (the server died) says so and
exits 3 rather than running it again under output already written. One request runs at a time, in the server's main
thread (the review's ``--timeout`` alarm works as in a one-shot run); a client that goes away
(Ctrl-C) interrupts its review.

The socket is ``server.sock`` in the cache directory, made by the user for the user (mode
0600; a connection from another uid is refused). The server stops after ``--idle`` minutes
without a request (default 30), on ``reviewtool server stop``, when the installed code
changes (a client with another code fingerprint is refused and the server stops), and it
restarts itself in place when its memory passes ``--max-rss`` MiB (default 4096). Its log is
``server.log`` in the cache directory. The cache packs are written when requests pause for
two seconds and when the server stops.
"""

from __future__ import annotations

import gc
import io
import os
import signal
import socket
import struct
import sys
import threading
import time

from . import __version__
from .errors import ReviewtoolError
from .client import (PROTOCOL, code_fingerprint, connect, read_message, send_message,
                     socket_path)

DEFAULT_IDLE_MINUTES = 30.0
DEFAULT_MAX_RSS_MB = 4096
KEEP_TREES = 4       # trees kept between requests (each with its units and caches)
KEEP_UNITS = 512     # preprocessed units kept (each holds a unit's macro table)
KEEP_FLATS = 1024    # folded header states kept (~0.14 MB each on Linux 6.1): the ones folded
                     # at the start outlive a 20-patch series' reviews (256 did not)
FLUSH_AFTER = 2.0    # seconds without a request before the cache packs are written
GO_TIMEOUT = 5.0     # seconds a client has to confirm a request once the server is ready
MAX_LOG_BYTES = 1 << 20  # server.log is set aside as server.log.1 past this at a start


class ServerError(ReviewtoolError):
    """A server that cannot be started (no cache directory, it exits at once...)."""


# -- what the command line calls ---------------------------------------------------------------

def _ask(command: str) -> dict | None:
    """The running server's answer to ``command`` (``{}`` when it went away while asked),
    or None when no server answers."""
    path = socket_path()
    sock = connect(path) if path else None
    if sock is None:
        return None
    try:
        send_message(sock, {"protocol": PROTOCOL, "command": command})
        reply, _ = read_message(sock)
    except OSError:
        reply = None
    finally:
        sock.close()
    return reply or {}


def status() -> dict | None:
    """The running server's status, or None."""
    found = _ask("status")
    return found if found else None


def stop() -> bool:
    """Ask the running server to stop and wait until it has; False when none answers."""
    if _ask("stop") is None:
        return False
    path = socket_path()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists(path):
        time.sleep(0.05)
    return True


def start(idle_minutes: float = DEFAULT_IDLE_MINUTES, max_rss_mb: int = DEFAULT_MAX_RSS_MB,
          wait: float = 30.0) -> dict:
    """Start a server in the background (detached from the terminal) and wait until it
    answers; returns its status. Raises :class:`ServerError` with a one-line reason."""
    path = socket_path()
    if path is None:
        raise ServerError("caching is off ($REVIEWTOOL_CACHE) or the cache directory's path "
                          "is too long for a socket: nothing to keep a server's state in")
    running = status()
    if running is not None:
        if running.get("code") == code_fingerprint():
            return running
        stop()  # a server of other code (reviewtool was upgraded or edited since)
    process = spawn(path, idle_minutes, max_rss_mb)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = status()
        if found is not None:
            return found
        if process.poll() is not None:
            raise ServerError(f"the server exited at once (status {process.returncode}); "
                              f"see {os.path.join(os.path.dirname(path), 'server.log')}")
        time.sleep(0.05)
    raise ServerError(f"the server did not answer within {wait:g} s")


def spawn(path: str, idle_minutes: float = DEFAULT_IDLE_MINUTES,
          max_rss_mb: int = DEFAULT_MAX_RSS_MB):
    """A server process for the socket ``path``, detached from the terminal, its output to
    ``server.log`` beside the socket; returns without waiting for it."""
    import subprocess
    os.makedirs(os.path.dirname(path), exist_ok=True)
    log_path = os.path.join(os.path.dirname(path), "server.log")
    try:
        if os.path.getsize(log_path) > MAX_LOG_BYTES:
            os.replace(log_path, log_path + ".1")  # one old log kept
    except OSError:
        pass
    # the server runs the code that starts it (not whatever "reviewtool" its directory
    # would import): a checkout's own copy beside an installed one, say
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (here, os.environ.get("PYTHONPATH", "")) if p))
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "reviewtool.server", "--socket", path,
             "--idle", str(idle_minutes), "--max-rss", str(max_rss_mb)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            close_fds=True, cwd="/", env=env)


# -- the server itself -------------------------------------------------------------------------

def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / (1 << 20)
    except (OSError, ValueError, IndexError):
        return 0.0


def _peer_uid(conn: socket.socket) -> int | None:
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return struct.unpack("3i", creds)[1]
    except (OSError, AttributeError):
        return None


class Server:
    def __init__(self, path: str, idle_minutes: float, max_rss_mb: int):
        self.path = path
        self.idle = idle_minutes * 60
        self.max_rss = max_rss_mb
        self.code = code_fingerprint()
        self.started = time.time()
        self.requests = 0
        self.running = True
        self.restart = False
        self.dirty = False  # requests ran since the cache packs were last written

    def log(self, text: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} [{os.getpid()}] {text}", file=sys.stderr,
              flush=True)

    def warm_up(self) -> None:
        """Import every stage and read the cache packs now, not in the first request."""
        from . import cli  # noqa: F401
        from . import tree as trees
        from .checks import all_checks
        from .checks import context  # noqa: F401
        from .model import compare, functions, parse, unit  # noqa: F401
        # the execution of extracted C (imported by the first review of the bundled corpus:
        # ~0.02 s with its queries) and the model's tree-sitter queries (~0.015 s, compiled
        # at the first parse: a review whose definitions are not in the cache)
        from .interp import program
        parse.compile_queries()
        program.compile_queries()
        from .tree import git  # noqa: F401  (pygit2: a one-shot run imports it only for a
        # repository; here the first review of a git tree would wait ~0.03 s for it)
        from .variants import facts, memo
        import reviewtool.variants.preprocess  # noqa: F401  (the module, not the function)
        # the reports (rich: 0.03 s; --quiet reviews never import it, a hook's always does)
        from .report import email_report, json_report, sarif, terminal  # noqa: F401
        all_checks()
        if not memo._MEMO.loaded:
            memo._MEMO.load()
        memo.MAX_FLAT = KEEP_FLATS
        memo._MEMO.prefold()  # the header states last replayed at the top of a unit
        # the other packs too: the first request would read them (the file facts and the
        # parsed definitions of a tree reviewed for a while: 3 MB each, 0.02-0.04 s)
        for pack in (facts._PACK, functions._PARSED, trees._CONTENT_IDS, unit._CANON_PACK):
            pack.load()
        trees.KEEP = KEEP_TREES
        preprocess = sys.modules["reviewtool.variants.preprocess"]
        preprocess.MAX_UNITS = KEEP_UNITS
        preprocess.MAX_SNAPSHOTS = KEEP_UNITS // 2
        unit.MAX_MODELS = KEEP_UNITS

    def bind(self) -> socket.socket:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(self.path):
            probe = connect(self.path, timeout=1.0)
            if probe is not None:
                probe.close()
                raise ServerError(f"a server already answers on {self.path}")
            os.unlink(self.path)  # left by a server that died
        old = os.umask(0o177)
        try:
            listener.bind(self.path)
        finally:
            os.umask(old)
        listener.listen(16)
        return listener

    def serve(self) -> None:
        from . import client
        client.SERVING = True  # a hook run here reviews here, not through a server (us)
        listener = self.bind()
        self.log(f"reviewtool {__version__} serving on {self.path}")
        # the warm state lives as long as the server: no passes over it (nor while it is
        # read: the packs are millions of objects); and none during a review (see cli.run):
        # what the reviews leave is collected once requests pause
        gc.disable()
        self.warm_up()
        gc.freeze()
        last = time.monotonic()
        try:
            while self.running:
                # the cache packs are written once requests pause, not after each one: a
                # write of the include memo takes longer than a warm review
                waited = time.monotonic() - last
                if self.dirty:
                    listener.settimeout(max(FLUSH_AFTER - waited, 0.01))
                else:
                    listener.settimeout(max(self.idle - waited, 0.01) if self.idle > 0
                                        else None)
                try:
                    conn, _ = listener.accept()
                except socket.timeout:
                    if self.dirty:
                        self.flush()
                        continue
                    self.log("idle: stopping")
                    break
                except InterruptedError:
                    continue
                try:
                    self.handle(conn)
                except Exception as err:  # one bad request never takes the server down
                    self.log(f"request failed: {type(err).__name__}: {err}")
                finally:
                    try:
                        conn.close()
                    except OSError:
                        pass
                self.after_request()
                last = time.monotonic()  # the pause counts from the end of a request
        finally:
            listener.close()
            try:
                os.unlink(self.path)
            except OSError:
                pass
            self.flush()
        if self.restart:
            self.log(f"memory above {self.max_rss} MiB: restarting")
            os.execv(sys.executable, [sys.executable, "-m", "reviewtool.server", "--socket",
                                      self.path, "--idle", str(self.idle / 60),
                                      "--max-rss", str(self.max_rss)])

    def after_request(self) -> None:
        self.dirty = True
        import reviewtool.tree as trees
        try:
            trees.arm_kept()  # the client has its answer: watch what the review looked at
        except Exception as err:  # a watch that fails leaves the trees checked file by file
            self.log(f"watching the trees failed: {type(err).__name__}: {err}")
        if _rss_mb() > self.max_rss:
            self.running, self.restart = False, True

    def flush(self) -> None:
        """Once requests pause: collect what the reviews left in cycles (not after each
        request: after a 20-patch series that took 0.15 s, which the next client waited
        for) and write the cache packs, as a one-shot run does when it exits."""
        from .cache import flush_all
        gc.collect(1)
        self.dirty = False
        try:
            flush_all()
        except Exception as err:
            self.log(f"writing the cache failed: {err}")

    def handle(self, conn: socket.socket) -> None:
        if _peer_uid(conn) != os.getuid():
            send_message(conn, {"error": "refused: another user"})
            return
        message, fds = read_message(conn, fds=3)
        try:
            if message is None or message.get("protocol") != PROTOCOL:
                send_message(conn, {"error": "refused: unknown protocol"})
                return
            command = message.get("command")
            if command == "status":
                send_message(conn, self.status())
            elif command == "stop":
                self.running = False
                send_message(conn, {"stopping": True})
            elif command == "run":
                if message.get("code") != self.code:
                    # the installed code changed under us: the client runs it itself
                    self.running = False
                    send_message(conn, {"error": "refused: the code changed; stopping"})
                    self.log("code changed: stopping")
                    return
                if len(fds) != 3:
                    send_message(conn, {"error": "refused: no descriptors"})
                    return
                # a client that waited too long (the server was busy) has gone to run the
                # review itself: run it only on its "go", so that it never runs twice
                conn.settimeout(GO_TIMEOUT)
                try:
                    send_message(conn, {"ready": True})
                    go, _ = read_message(conn)
                except OSError:  # gone, or silent
                    go = None
                conn.settimeout(None)
                if not go or go.get("go") is not True:
                    self.log("a client gave up waiting: not run")
                    return
                self.requests += 1
                began = time.perf_counter()
                self.log(f"request {self.requests}: reviewtool "
                         f"{' '.join(map(str, message.get('argv', [])))[:300]}")
                code = self.run(conn, message, fds)
                send_message(conn, {"exit": code})
                self.log(f"request {self.requests}: exit {code} in "
                         f"{time.perf_counter() - began:.3f} s")
            else:
                send_message(conn, {"error": f"refused: unknown command {command!r}"})
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def status(self) -> dict:
        import reviewtool.tree as trees
        return {"pid": os.getpid(), "version": __version__, "code": self.code,
                "socket": self.path,
                "started": self.started, "uptime": round(time.time() - self.started, 1),
                "requests": self.requests, "rss_mb": round(_rss_mb(), 1),
                "trees": [list(k) for k in trees._KEPT]}

    def run(self, conn: socket.socket, message: dict, fds: list[int]) -> int:
        """``reviewtool`` with the client's arguments, directory, environment and standard
        streams; the server's own are put back afterwards."""
        from . import cli
        argv = [str(a) for a in message.get("argv", [])]
        saved_fds = [os.dup(i) for i in (0, 1, 2)]
        saved_streams = (sys.stdin, sys.stdout, sys.stderr)
        saved_env = dict(os.environ)
        saved_cwd = os.getcwd()
        done = threading.Event()
        watcher = threading.Thread(target=_watch, args=(conn, done), daemon=True)
        try:
            os.chdir(message.get("cwd") or "/")
            os.environ.clear()
            os.environ.update({str(k): str(v) for k, v in (message.get("env") or {}).items()})
            os.environ["REVIEWTOOL_CACHE"] = saved_env["REVIEWTOOL_CACHE"]  # the server's
            for i, fd in enumerate(fds):
                os.dup2(fd, i)
            encodings = message.get("encoding") or ["utf-8"] * 3
            errors = message.get("errors") or ["strict"] * 3
            sys.stdin, sys.stdout, sys.stderr = (
                _stream(i, mode, encodings[i], errors[i])
                for i, mode in ((0, "r"), (1, "w"), (2, "w")))
            watcher.start()
            _IN_REVIEW.set()
            try:
                code = cli.main(argv)
            except SystemExit as exc:  # argparse: --help, a usage error
                code = exc.code if isinstance(exc.code, int) else (
                    0 if exc.code is None else 2)
            except KeyboardInterrupt:
                code = 130
            finally:
                _IN_REVIEW.clear()
            done.set()
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            return code
        finally:
            done.set()
            sys.stdin, sys.stdout, sys.stderr = saved_streams
            for i, fd in enumerate(saved_fds):
                os.dup2(fd, i)
                os.close(fd)
            os.environ.clear()
            os.environ.update(saved_env)
            try:
                os.chdir(saved_cwd)
            except OSError:
                os.chdir("/")


def _stream(fd: int, mode: str, encoding: str, errors: str):
    """A text stream on ``fd`` as Python would have made it for the client (line-buffered
    on a terminal)."""
    try:
        tty = os.isatty(fd)
    except OSError:
        tty = False
    raw = io.FileIO(fd, mode, closefd=False)
    if mode == "r":
        return io.TextIOWrapper(io.BufferedReader(raw), encoding=encoding, errors=errors)
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding=encoding, errors=errors,
                            line_buffering=tty, write_through=fd == 2)


def _watch(conn: socket.socket, done: threading.Event) -> None:
    """Interrupt the review when the client goes away before it ends (Ctrl-C)."""
    import select
    while not done.is_set():
        try:
            ready, _, _ = select.select([conn], [], [], 0.2)
        except (OSError, ValueError):
            return
        if ready and not done.is_set():
            try:
                gone = conn.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                gone = True
            if gone and not done.is_set():
                signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)
            return


_IN_REVIEW = threading.Event()  # set while a request's review runs in the main thread


def _client_gone(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    if _IN_REVIEW.is_set():
        raise KeyboardInterrupt  # the review stops as on Ctrl-C in a one-shot run


def _terminate(signum, frame) -> None:  # noqa: ARG001
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="python -m reviewtool.server")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--idle", type=float, default=DEFAULT_IDLE_MINUTES)
    parser.add_argument("--max-rss", type=int, default=DEFAULT_MAX_RSS_MB)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGUSR1, _client_gone)
    # the cache directory is the socket's: every request, and the writes after it, use it
    os.environ["REVIEWTOOL_CACHE"] = os.path.dirname(os.path.abspath(args.socket))
    server = Server(os.path.abspath(args.socket), args.idle, args.max_rss)
    try:
        server.serve()
    except ServerError as err:
        print(f"reviewtool server: {err}", file=sys.stderr)
        return 2
    except SystemExit:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
