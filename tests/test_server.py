"""reviewtool server: a check handed to it prints what a one-shot run prints, and a kept tree
is never served stale."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from reviewtool import client, server
from reviewtool.tree import DirTree, kept_tree
import reviewtool.tree as trees

from helpers import ROOT, QUICKLIST, SEED, SEED_V2, SERIES


def _env(cache: str) -> dict:
    # PYTHONPATH: the code under test, whatever the directory (an installed copy beside the
    # checkout is other code, which a server refuses)
    env = dict(os.environ, REVIEWTOOL_CACHE=cache, SOURCE_DATE_EPOCH="1175800000",
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                          if p))
    env.pop("NO_COLOR", None)
    return env


def _command(args, cache, via="client", **kw):
    module = "reviewtool.client" if via == "client" else "reviewtool.cli"
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=ROOT,
                          env=_env(cache), capture_output=True, **kw)


@contextmanager
def _in_cache(cache: str):
    """This process's REVIEWTOOL_CACHE is ``cache`` inside (server.start/status/stop use it)."""
    old = os.environ.get("REVIEWTOOL_CACHE")
    os.environ["REVIEWTOOL_CACHE"] = cache
    try:
        yield cache
    finally:
        if old is None:
            del os.environ["REVIEWTOOL_CACHE"]
        else:
            os.environ["REVIEWTOOL_CACHE"] = old


@pytest.fixture(scope="module")
def running():
    """A server on a throw-away cache directory (short: a socket path has a length limit)."""
    cache = tempfile.mkdtemp(prefix="rt-")
    with _in_cache(cache):
        info = server.start(idle_minutes=10)
    yield cache, info
    with _in_cache(cache):
        server.stop()
    shutil.rmtree(cache, ignore_errors=True)


@pytest.fixture
def own_cache():
    """A cache directory of the test's own, current in this process; any server on it is
    stopped afterwards."""
    cache = tempfile.mkdtemp(prefix="rt-")
    with _in_cache(cache):
        yield cache
        server.stop()
    shutil.rmtree(cache, ignore_errors=True)


def _requests(cache: str) -> int:
    with _in_cache(cache):
        return (server.status() or {}).get("requests", -1)


# -- the same bytes, the same exit status -------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("check", "--format", "json", SEED),
    ("check", "--format", "json", SERIES),
    ("check", SEED_V2),
    ("check", "--format", "email", "--no-exec", QUICKLIST),
    ("check", "--format", "sarif", "--no-exec", SEED, "--against", QUICKLIST),
    ("check", "--format", "json", "--timeout", "0.05", SEED),
], ids=["seed-json", "series-json", "v2-terminal", "email", "sarif-against", "timeout"])
def test_served_check_prints_what_a_one_shot_run_prints(running, args):
    cache, _ = running
    before = _requests(cache)
    served = _command(args, cache)
    assert _requests(cache) == before + 1  # it really went to the server
    here = _command(args, cache, via="cli")
    assert (served.returncode, served.stdout, served.stderr) == (
        here.returncode, here.stdout, here.stderr)


def test_a_second_request_is_answered_the_same(running):
    cache, _ = running
    first = _command(("check", "--format", "json", SEED), cache)
    second = _command(("check", "--format", "json", SEED), cache)
    assert first.stdout == second.stdout and first.returncode == second.returncode == 1


def test_standard_input_reaches_the_server(running):
    cache, _ = running
    data = SEED.read_bytes()
    served = _command(("check", "--format", "json", "--no-exec", "-"), cache, input=data)
    here = _command(("check", "--format", "json", "--no-exec", "-"), cache, via="cli",
                    input=data)
    assert served.stdout == here.stdout and served.returncode == here.returncode == 1


def test_unusable_input_exits_2_with_one_line(running, tmp_path):
    cache, _ = running
    empty = tmp_path / "empty.mbox"
    empty.write_text("")
    served = _command(("check", empty), cache)
    assert served.returncode == 2
    assert served.stderr.decode().count("\n") == 1 and b"reviewtool:" in served.stderr


def test_no_server_option_runs_here(running):
    cache, _ = running
    before = _requests(cache)
    done = _command(("check", "--no-server", "--format", "json", "--no-exec", SEED_V2), cache)
    assert done.returncode == 0 and json.loads(done.stdout)["schema"] == 1
    assert _requests(cache) == before


def test_output_file_is_written_relative_to_the_clients_directory(running, tmp_path):
    cache, _ = running
    out = subprocess.run([sys.executable, "-m", "reviewtool.client", "check", "--format",
                          "json", "--no-exec", "--output", "review.json", str(SEED_V2)],
                         cwd=tmp_path, env=_env(cache), capture_output=True)
    assert out.returncode == 0 and json.loads((tmp_path / "review.json").read_text())


# -- a kept directory tree follows the files ---------------------------------------------------

def test_an_edited_file_is_seen_by_the_next_request(running, tmp_path):
    cache, _ = running
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "corpus" / "tree", tree)
    args = ("check", "--format", "json", "--no-exec", "--tree", tree, SEED)
    first = json.loads(_command(args, cache).stdout)
    assert first["patches"][0]["applied"]
    fault = tree / "arch/i386/mm/fault.c"
    fault.write_text(fault.read_text().replace("void vmalloc_sync_all(void)",
                                               "void vmalloc_sync_every(void)"))
    second = json.loads(_command(args, cache).stdout)
    assert not second["patches"][0]["applied"]  # the hunk that renames it no longer applies
    assert second == json.loads(_command(args, cache, via="cli").stdout)


def test_dir_tree_unchanged_until_a_file_it_read_changes(tmp_path):
    (tmp_path / "a.h").write_text("#define A 1\n")
    tree = DirTree(tmp_path)
    assert tree.read("a.h") == "#define A 1\n" and tree.unchanged()
    (tmp_path / "a.h").write_text("#define A 22\n")
    assert not tree.unchanged()


def test_dir_tree_unchanged_until_a_file_it_missed_appears(tmp_path):
    tree = DirTree(tmp_path)
    assert not tree.exists("include/b.h") and tree.unchanged()
    (tmp_path / "include").mkdir()
    (tmp_path / "include/b.h").write_text("")
    assert not tree.unchanged()


def _aged(path: Path) -> None:
    old = time.time() - 3600
    os.utime(path, (old, old))  # not "racy": its signature is trusted


def test_a_miss_in_an_old_directory_is_trusted_while_it_stays(tmp_path):
    (tmp_path / "include").mkdir()
    _aged(tmp_path / "include")
    tree = DirTree(tmp_path)
    assert not tree.exists("include/c.h") and tree.unchanged()
    (tmp_path / "include/c.h").write_text("")
    assert not tree.unchanged()


def test_a_miss_in_a_just_modified_directory_is_checked_file_by_file(tmp_path):
    (tmp_path / "include").mkdir()
    tree = DirTree(tmp_path)
    assert not tree.exists("include/d.h") and tree.unchanged()
    (tmp_path / "include/d.h").write_text("")
    _aged(tmp_path / "include")  # even with the directory's time put back
    assert not tree.unchanged()


# -- a kept tree armed with a watch (inotify) ---------------------------------------------
needs_inotify = pytest.mark.skipif(trees._Watch.open() is None, reason="no inotify here")


def _armed(tree: DirTree) -> DirTree:
    assert tree.arm() and tree._watch is not None
    return tree


@needs_inotify
def test_an_armed_tree_trusts_its_quiet_watch(tmp_path, monkeypatch):
    (tmp_path / "a.h").write_text("x\n")
    tree = DirTree(tmp_path)
    tree.read("a.h")
    _armed(tree)
    monkeypatch.setattr(os, "lstat", lambda *a: pytest.fail("looked at the file again"))
    assert tree.unchanged()


@needs_inotify
def test_an_armed_tree_sees_a_file_it_read_change(tmp_path):
    (tmp_path / "a.h").write_text("x\n")
    tree = DirTree(tmp_path)
    tree.read("a.h")
    _armed(tree)
    (tmp_path / "a.h").write_text("y\n")
    assert not tree.unchanged()


@needs_inotify
def test_an_armed_tree_sees_a_file_it_missed_appear_in_a_new_directory(tmp_path):
    tree = DirTree(tmp_path)
    assert not tree.exists("include/b.h")
    _armed(tree)
    (tmp_path / "include").mkdir()
    (tmp_path / "include/b.h").write_text("")
    assert not tree.unchanged()


@needs_inotify
def test_an_armed_tree_sees_a_directory_above_replaced(tmp_path):
    (tmp_path / "top/inc").mkdir(parents=True)
    (tmp_path / "top/inc/c.h").write_text("x\n")
    tree = DirTree(tmp_path)
    tree.read("top/inc/c.h")
    _armed(tree)
    (tmp_path / "top").rename(tmp_path / "old")
    (tmp_path / "top/inc").mkdir(parents=True)
    (tmp_path / "top/inc/c.h").write_text("y\n")
    assert not tree.unchanged()


@needs_inotify
def test_a_file_looked_at_after_the_arm_is_checked_until_the_next(tmp_path):
    (tmp_path / "a.h").write_text("x\n")
    (tmp_path / "b.h").write_text("x\n")
    tree = DirTree(tmp_path)
    tree.read("a.h")
    _armed(tree)
    tree.read("b.h")
    (tmp_path / "b.h").write_text("y\n")
    tree._watch.quiet()  # the event is gone: only looking at b.h tells
    assert not tree.unchanged()


@needs_inotify
def test_arming_finds_a_file_changed_since_it_was_read(tmp_path):
    (tmp_path / "a.h").write_text("x\n")
    tree = DirTree(tmp_path)
    tree.read("a.h")
    (tmp_path / "a.h").write_text("y\n")
    assert not tree.arm()


@needs_inotify
def test_a_tree_whose_watch_failed_is_never_watched_again(tmp_path, monkeypatch):
    # a watch opened later would miss the directories of the answers before it
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x.h").write_text("x\n")
    tree = DirTree(tmp_path)
    tree.read("a/x.h")
    _armed(tree)
    tree.read("b/x.h")
    with monkeypatch.context() as patched:
        patched.setattr(trees._Watch, "add_within", lambda self, place, top: False)
        assert tree.arm() and tree._watch is None
    tree.read("c/x.h")
    assert tree.arm() and tree._watch is None
    (tmp_path / "a/x.h").write_text("y\n")
    assert not tree.unchanged()


def test_without_inotify_an_armed_tree_looks_at_every_file(tmp_path, monkeypatch):
    monkeypatch.setattr(trees._Watch, "open", classmethod(lambda cls: None))
    (tmp_path / "a.h").write_text("x\n")
    tree = DirTree(tmp_path)
    tree.read("a.h")
    assert tree.arm() and tree._watch is None and tree.unchanged()
    (tmp_path / "a.h").write_text("y\n")
    assert not tree.unchanged()


@needs_inotify
def test_a_kconfig_file_the_tree_stamped_is_watched_too(tmp_path):
    (tmp_path / "Kconfig").write_text("config A\n\tbool\n")
    tree = DirTree(tmp_path)
    size, _ = tree.stamp("Kconfig")
    assert size == len("config A\n\tbool\n") and tree.stamp("missing") == (None, None)
    _armed(tree)
    (tmp_path / "Kconfig").write_text("config B\n\tbool\n")
    assert not tree.unchanged()


def test_kept_tree_hands_out_the_same_tree_only_while_unchanged(tmp_path, monkeypatch):
    monkeypatch.setattr(trees, "KEEP", 2)
    monkeypatch.setattr(trees, "_KEPT", {})
    (tmp_path / "a.h").write_text("x\n")
    first = kept_tree(("dir", str(tmp_path)), lambda: DirTree(tmp_path))
    first.read("a.h")
    assert kept_tree(("dir", str(tmp_path)), lambda: DirTree(tmp_path)) is first
    (tmp_path / "a.h").write_text("y\n")
    again = kept_tree(("dir", str(tmp_path)), lambda: DirTree(tmp_path))
    assert again is not first and again.read("a.h") == "y\n"


def test_one_shot_runs_keep_no_tree(tmp_path):
    assert trees.KEEP == 0
    make = lambda: DirTree(tmp_path)  # noqa: E731
    assert kept_tree(("dir", str(tmp_path)), make) is not kept_tree(("dir", str(tmp_path)),
                                                                   make)


# -- refusals and fall-backs ------------------------------------------------------------------

def _raw_request(cache: str, message: dict) -> dict | None:
    sock = client.connect(os.path.join(cache, client.SOCKET_NAME))
    assert sock is not None
    try:
        client.send_message(sock, message, [0, 1, 2])
        reply, _ = client.read_message(sock)
    finally:
        sock.close()
    return reply


def test_a_client_of_other_code_is_refused_and_the_server_stops(own_cache):
    cache = own_cache
    server.start(idle_minutes=1)
    reply = _raw_request(cache, {"protocol": client.PROTOCOL, "command": "run",
                                 "argv": ["check", str(SEED)], "cwd": str(ROOT),
                                 "env": {}, "code": "not this code"})
    assert "refused" in reply["error"]
    deadline = time.monotonic() + 10
    while server.status() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.status() is None
    # and the command still works, in-process
    done = _command(("check", "--format", "json", "--no-exec", SEED_V2), cache)
    assert done.returncode == 0 and json.loads(done.stdout)["schema"] == 1


def test_a_stale_socket_file_means_no_server(own_cache):
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(os.path.join(own_cache, client.SOCKET_NAME))
    stale.close()  # bound, never listening: connections are refused
    done = _command(("check", "--format", "json", "--no-exec", SEED_V2), own_cache)
    assert done.returncode == 0 and json.loads(done.stdout)["schema"] == 1


def test_start_replaces_a_stale_socket(own_cache):
    cache = own_cache
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(os.path.join(cache, client.SOCKET_NAME))
    stale.close()
    info = server.start(idle_minutes=1)
    assert info["pid"] != os.getpid() and server.status()["requests"] == 0


def test_socket_is_private(running):
    cache, _ = running
    mode = os.stat(os.path.join(cache, client.SOCKET_NAME)).st_mode & 0o777
    assert mode & 0o077 == 0


def test_a_client_that_goes_away_does_not_wedge_the_server(running):
    cache, _ = running
    proc = subprocess.Popen([sys.executable, "-m", "reviewtool.client", "check", str(SEED)],
                            cwd=ROOT, env=_env(cache), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _command(("check", "--format", "json", "--no-exec", SEED_V2), cache)
    assert done.returncode == 0 and json.loads(done.stdout)["schema"] == 1


def test_caching_off_never_looks_for_a_server():
    assert client.socket_path() is not None
    with _in_cache("off"):
        assert client.socket_path() is None


@pytest.mark.parametrize("argv,wanted", [
    (["check", "x.mbox"], True),
    (["check", "--no-server", "x.mbox"], False),
    (["check", "--no-cache", "x.mbox"], False),
    (["model", "arch/i386/mm/fault.c"], False),
    (["hook", "run", "pre-commit"], True),
    (["hook", "install", "--kind", "pre-push"], False),
])
def test_only_check_and_hook_runs_go_to_the_server(argv, wanted):
    assert client.wants_server(argv) is wanted


def test_status_and_stop_without_a_server(own_cache):
    status = _command(("server", "status"), own_cache)
    assert status.returncode == 1 and b"not running" in status.stdout
    stop = _command(("server", "stop"), own_cache)
    assert stop.returncode == 0 and b"not running" in stop.stdout


def test_pre_push_hook_reviews_through_the_server(running, tmp_path):
    from test_hooks import ENV, make_repo
    from reviewtool.checks.context import apply_patch
    from reviewtool.hooks import install
    from reviewtool.mail import read_inputs
    from reviewtool.patch import parse_diff
    cache, _ = running
    env = dict(ENV, REVIEWTOOL_CACHE=cache)
    git = lambda *a, check=True: subprocess.run(  # noqa: E731
        ["git", "-C", str(repo), *a], capture_output=True, text=True, env=env, check=check)
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo = make_repo(tmp_path / "r")
    git("remote", "add", "origin", str(bare))
    git("push", "-q", "origin", "main")
    install(str(repo), "pre-push")
    mail = read_inputs([str(SEED)])[0]
    for result in apply_patch(parse_diff(mail.diff), DirTree(repo))[0]:
        (repo / result.path).write_text(result.after)
    git("commit", "-qam", "paravirt: allow the backend to choose kernel PMD sharing")
    before = _requests(cache)
    proc = git("push", "origin", "main", check=False)
    assert proc.returncode != 0 and "config-change" in proc.stdout + proc.stderr
    assert _requests(cache) == before + 1  # the hook, and the review in it
    assert f"request {before + 1}: reviewtool hook run pre-push" \
        in (Path(cache) / "server.log").read_text()


def test_a_server_that_dies_during_a_hook_lets_the_hook_run_here(own_cache, tmp_path):
    # a hook must not fail the developer's mail because the server went away mid-review
    from test_hooks import ENV, make_repo
    cache = own_cache
    repo = make_repo(tmp_path / "r")
    pid = server.start(idle_minutes=1)["pid"]
    proc = subprocess.Popen([sys.executable, "-m", "reviewtool.client", "hook", "run",
                             "sendemail-validate", str(SEED)], cwd=repo,
                            env=dict(ENV, **_env(cache)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10  # until the hook has started there
    while time.monotonic() < deadline and "request 1: reviewtool hook" not in (
            Path(cache) / "server.log").read_text():
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert b"server stopped during the hook; running it here" in err
    assert proc.returncode == 1 and b"config-change" in out + err  # the seed's verdict


def test_a_pre_push_hook_run_here_after_the_server_died_reads_the_same_refs(own_cache,
                                                                            tmp_path):
    # the server read the hook's standard input before it died: the client kept a copy
    from test_hooks import ENV, git, make_repo
    cache = own_cache
    repo = make_repo(tmp_path / "r", SEED)
    head = git(repo, "rev-parse", "HEAD").stdout.strip()
    refs = f"refs/heads/main {head} refs/heads/main {'0' * 40}\n"
    pid = server.start(idle_minutes=1)["pid"]
    proc = subprocess.Popen([sys.executable, "-m", "reviewtool.client", "hook", "run",
                             "pre-push", "origin", "/nowhere.git"], cwd=repo,
                            env=dict(ENV, **_env(cache)), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(refs.encode())
    proc.stdin.close()
    deadline = time.monotonic() + 10  # until the hook has started there
    while time.monotonic() < deadline and "request 1: reviewtool hook" not in (
            Path(cache) / "server.log").read_text():
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    out, err = proc.stdout.read(), proc.stderr.read()
    assert proc.wait(timeout=120) == 1, err  # the seed commit blocks the push
    assert b"server stopped during the hook; running it here" in err
    assert b"config-change" in out + err


def test_cache_packs_are_written_once_requests_pause(running):
    from reviewtool.variants.memo import PACK_NAME
    cache, _ = running
    pack = Path(cache) / PACK_NAME
    stamp = pack.stat().st_mtime_ns if pack.exists() else 0
    tree = tempfile.mkdtemp(prefix="rt-tree-")  # a tree the server has not seen: new entries
    try:
        shutil.copytree(ROOT / "corpus" / "tree", tree, dirs_exist_ok=True)
        (Path(tree) / "include/asm-i386/new-header.h").write_text("#define NEW 1\n")
        pgtable = Path(tree) / "include/asm-i386/pgtable.h"
        pgtable.write_text('#include <asm/new-header.h>\n' + pgtable.read_text())
        assert _command(("check", "--quiet", "--no-exec", "--tree", tree, SEED_V2),
                        cache).returncode == 0
        deadline = time.monotonic() + 3 * server.FLUSH_AFTER + 5
        while time.monotonic() < deadline and (
                not pack.exists() or pack.stat().st_mtime_ns == stamp):
            time.sleep(0.1)
        assert pack.exists() and pack.stat().st_mtime_ns != stamp
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def test_auto_mode_starts_a_server_for_the_next_command(own_cache):
    cache = own_cache
    env = dict(_env(cache), REVIEWTOOL_SERVER="auto")
    first = subprocess.run([sys.executable, "-m", "reviewtool.client", "check", "--format",
                            "json", "--no-exec", str(SEED_V2)], cwd=ROOT, env=env,
                           capture_output=True)
    assert first.returncode == 0 and json.loads(first.stdout)["schema"] == 1
    deadline = time.monotonic() + 20
    while server.status() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.status() is not None and server.status()["requests"] == 0
    second = subprocess.run([sys.executable, "-m", "reviewtool.client", "check", "--format",
                             "json", "--no-exec", str(SEED_V2)], cwd=ROOT, env=env,
                            capture_output=True)
    assert second.stdout == first.stdout and server.status()["requests"] == 1


def test_start_replaces_a_server_of_other_code(monkeypatch, own_cache):
    first = server.start(idle_minutes=1)
    assert server.start(idle_minutes=1)["pid"] == first["pid"]  # same code: kept
    monkeypatch.setattr(server, "code_fingerprint", lambda: "upgraded since")
    second = server.start(idle_minutes=1)
    assert second["pid"] != first["pid"]


def test_start_without_a_cache_directory_is_a_one_line_error():
    done = _command(("server", "start"), "off")
    assert done.returncode == 2 and done.stderr.count(b"\n") == 1
    assert b"reviewtool: " in done.stderr and b"caching is off" in done.stderr


def test_the_server_runs_the_code_that_started_it(running):
    # a checkout's tests beside an installed copy: the server must not import the other one
    with _in_cache(running[0]):
        assert server.status()["code"] == client.code_fingerprint()


def test_a_server_that_dies_during_a_review_is_an_internal_error_not_a_second_run(own_cache):
    cache = own_cache
    pid = server.start(idle_minutes=1)["pid"]
    proc = subprocess.Popen([sys.executable, "-m", "reviewtool.client", "check", str(SEED)],
                            cwd=ROOT, env=_env(cache), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10  # until the review has started
    while time.monotonic() < deadline and "request 1: reviewtool" not in (
            Path(cache) / "server.log").read_text():
        time.sleep(0.02)
    time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3
    assert err.decode().count("\n") == 1 and b"server stopped during the review" in err


def test_a_busy_server_lets_the_client_review_itself_and_never_runs_it_too(own_cache):
    cache = own_cache
    server.start(idle_minutes=1)
    # a connection that takes the server's attention and never says "go"
    hold = client.connect(os.path.join(cache, client.SOCKET_NAME))
    client.send_message(hold, {"protocol": client.PROTOCOL, "command": "run",
                               "argv": ["check", str(SEED_V2)], "cwd": str(ROOT), "env": {},
                               "code": client.code_fingerprint()}, [0, 1, 2])
    assert client.read_message(hold)[0] == {"ready": True}
    try:
        started = time.monotonic()
        done = _command(("check", "--format", "json", "--no-exec", SEED_V2), cache)
        assert time.monotonic() - started >= client.BUSY_WAIT
        assert done.returncode == 0 and json.loads(done.stdout)["schema"] == 1
    finally:
        hold.close()
    assert server.status()["requests"] == 0  # neither the held one nor the one run here
    assert (Path(cache) / "server.log").read_text().count("not run") == 2


def test_post_commit_hook_has_the_server_review_the_commit(running, tmp_path):
    # the commit returns at once; the server gets the review of the commit (parent..commit)
    from test_hooks import ENV, make_repo
    from reviewtool.hooks import install
    cache, _ = running
    env = dict(ENV, REVIEWTOOL_CACHE=cache)
    repo = make_repo(tmp_path / "r")
    install(str(repo), "post-commit")
    (repo / "arch/i386/mm/pgtable.c").write_text(
        (repo / "arch/i386/mm/pgtable.c").read_text() + "\n/* a note */\n")
    before = _requests(cache)
    proc = subprocess.run(["git", "-C", str(repo), "commit", "-qam", "i386: a note"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""
    deadline = time.monotonic() + 60
    while _requests(cache) < before + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _requests(cache) == before + 1


def test_a_server_keeps_more_folded_header_states_than_it_folds_at_its_start(own_cache,
                                                                           monkeypatch):
    # the states folded at the start must outlive the reviews before the one that needs them
    # (a one-shot run's 256 did not: the fault.c benchmark row folded them all again)
    import sys as _sys
    from reviewtool.model import unit
    from reviewtool.variants import memo
    preprocess = _sys.modules["reviewtool.variants.preprocess"]
    for module, name in ((memo, "MAX_FLAT"), (trees, "KEEP"), (preprocess, "MAX_UNITS"),
                         (preprocess, "MAX_SNAPSHOTS"), (unit, "MAX_MODELS")):
        monkeypatch.setattr(module, name, getattr(module, name))  # put back afterwards
    server.Server.__new__(server.Server).warm_up()
    assert memo.MAX_FLAT == server.KEEP_FLATS >= memo.PREFOLD + 768


def test_a_server_compiles_the_tree_sitter_queries_at_its_start(own_cache, monkeypatch):
    # compiled at the first parse otherwise: ~15 ms of a server's first review of a patch
    # whose definitions are not in the cache
    import sys as _sys
    from reviewtool.interp import program
    from reviewtool.model import parse, unit
    from reviewtool.resources import queries_dir
    from reviewtool.variants import memo
    preprocess = _sys.modules["reviewtool.variants.preprocess"]
    for module, name in ((memo, "MAX_FLAT"), (trees, "KEEP"), (preprocess, "MAX_UNITS"),
                         (preprocess, "MAX_SNAPSHOTS"), (unit, "MAX_MODELS")):
        monkeypatch.setattr(module, name, getattr(module, name))
    for cached in (parse.query, program._scan_query, program._specifier_query):
        cached.cache_clear()
    server.Server.__new__(server.Server).warm_up()
    assert parse.query.cache_info().currsize == len(list(queries_dir().glob("*.scm"))) > 0
    assert program._scan_query.cache_info().currsize == 1
    assert program._specifier_query.cache_info().currsize == 1
