"""Git hooks: review what is about to be sent or pushed, where the developer already is.

``reviewtool hook install [--kind K]`` writes a small shell hook into the repository's hooks
directory (``core.hooksPath`` when set, else ``.git/hooks``). An existing hook is never
clobbered: it is renamed ``K.reviewtool-chained`` and the new hook runs it first (same arguments,
same standard input) and stops if it fails; ``hook uninstall`` puts it back.

The hook calls ``reviewtool hook run K ...`` with the interpreter that installed it:

``sendemail-validate``  reviews the outgoing mail against the repository, at the parent of the
                        commit the mail was made from (so patch 3/5 is seen with 1/5 and 2/5
                        applied); a cover letter (no diff) passes;
``pre-push``            reviews the commits being pushed (``remote..local`` per ref) as a series;
``pre-commit``          reviews the staged changes against ``HEAD``;
``post-commit``         readies a running server for the commit just made: its review is run
                        in the background, silently, by the server (never here, never
                        blocking), so that the review of the same change when it is sent
                        (``sendemail-validate``, ``pre-push``) is one the server has made
                        before (a fifth of the time of a first one, see the README).

The first three print the review and block (exit 1) when a finding reaches the fail level
(``$REVIEWTOOL_FAIL_ON``, else ``[hook] fail-on`` or ``fail-on`` of .reviewtool.toml, else
``error``). If reviewtool itself crashes, the hook says so plainly and lets the operation go on,
unless ``$REVIEWTOOL_HOOK_STRICT=1`` or ``[hook] strict = true``.
``$REVIEWTOOL_HOOK_SIMULATE_CRASH=1`` makes ``hook run`` crash on purpose, to test that path.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
import tempfile
import traceback
from pathlib import Path

from . import client
from .errors import UsageError

KINDS = ("sendemail-validate", "pre-push", "pre-commit", "post-commit")
MARKER = "# installed by reviewtool"
CHAINED = ".reviewtool-chained"
ZERO = "0" * 40

SCRIPT = """#!/bin/sh
{marker} ({kind}); `reviewtool hook uninstall --kind {kind}` removes it.
hook_dir=$(dirname "$0")
chained="$hook_dir/{kind}{chained}"
input=$(cat)
if [ -x "$chained" ]; then
    printf '%s\\n' "$input" | "$chained" "$@" || exit $?
fi
printf '%s\\n' "$input" | exec {launch} hook run {kind} "$@"
"""

# post-commit cannot stop anything and gets no input: the commit returns at once, the review
# runs detached with its output dropped
BACKGROUND_SCRIPT = """#!/bin/sh
{marker} ({kind}); `reviewtool hook uninstall --kind {kind}` removes it.
hook_dir=$(dirname "$0")
chained="$hook_dir/{kind}{chained}"
if [ -x "$chained" ]; then
    "$chained" "$@"
fi
( {launch} hook run {kind} "$@" </dev/null >/dev/null 2>&1 & )
exit 0
"""


def _launch() -> str:
    """How a hook starts the client: without site (``-S``; in this sandbox 0.013 s instead of
    0.055 before a running server has the hook), from the directory this package is in (it
    needs only the standard library to hand the hook over; ``client.run`` starts again with
    site when the hook runs here after all)."""
    root = str(Path(__file__).resolve().parent.parent)
    return f"{shlex.quote(sys.executable)} -S -c {shlex.quote(client.LIGHT_START)} " \
           f"{shlex.quote(root)}"


def _repo(path: str | os.PathLike[str]):
    from .tree.git import open_repository

    repo = open_repository(path)
    if repo is None:
        raise UsageError("not inside a git repository", path=str(path))
    return repo


def hooks_dir(repo) -> Path:
    try:
        configured = repo.config["core.hooksPath"]
    except KeyError:
        configured = None
    if configured:
        base = Path(repo.workdir or repo.path)
        target = Path(os.path.expanduser(configured))
        return target if target.is_absolute() else base / target
    return Path(repo.path) / "hooks"


def install(repo_path: str, kind: str) -> str:
    if kind not in KINDS:
        raise UsageError(f"unknown hook kind {kind!r}; one of {', '.join(KINDS)}")
    directory = hooks_dir(_repo(repo_path))
    directory.mkdir(parents=True, exist_ok=True)
    hook = directory / kind
    chained = directory / f"{kind}{CHAINED}"
    note = ""
    if hook.exists() and MARKER not in hook.read_text(errors="replace"):
        if chained.exists():
            raise UsageError("an earlier hook is already chained; uninstall first",
                             path=str(chained))
        hook.rename(chained)
        note = f"; the existing hook now runs first ({chained.name})"
    script = BACKGROUND_SCRIPT if kind == "post-commit" else SCRIPT
    hook.write_text(script.format(marker=MARKER, kind=kind, chained=CHAINED, launch=_launch()))
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return f"installed {hook}{note}"


def uninstall(repo_path: str, kind: str) -> str:
    directory = hooks_dir(_repo(repo_path))
    hook = directory / kind
    chained = directory / f"{kind}{CHAINED}"
    if not hook.exists() or MARKER not in hook.read_text(errors="replace"):
        raise UsageError("no reviewtool hook installed here", path=str(hook))
    hook.unlink()
    if chained.exists():
        chained.rename(hook)
        return f"removed the reviewtool hook; restored the earlier {kind} hook"
    return f"removed {hook}"


def _hook_settings():
    """[hook] of the repository's .reviewtool.toml; never fatal here (the review reports a bad
    configuration itself)."""
    from .checks import all_checks
    from .errors import ReviewtoolError
    from .settings import Settings, load_settings
    from .tree import DirTree

    try:
        repo = _repo(".")
        return load_settings(DirTree(repo.workdir or "."), {c.id for c in all_checks()})
    except (ReviewtoolError, OSError):
        return Settings()


def run(kind: str, args: list[str], stdin_text: str) -> int:
    """The hook's work; exit status 1 blocks the operation."""
    settings = _hook_settings()
    strict = os.environ.get("REVIEWTOOL_HOOK_STRICT", "1" if settings.hook_strict else "0") == "1"
    try:
        if os.environ.get("REVIEWTOOL_HOOK_SIMULATE_CRASH") == "1":
            raise RuntimeError("simulated crash (REVIEWTOOL_HOOK_SIMULATE_CRASH=1)")
        return _run(kind, args, stdin_text, settings)
    except Exception as err:  # a reviewer's tool must not lose someone's work
        where = traceback.extract_tb(err.__traceback__)[-1]
        print(f"reviewtool hook {kind}: reviewtool crashed ({type(err).__name__}: {err} at "
              f"{Path(where.filename).name}:{where.lineno}); "
              + ("blocking because REVIEWTOOL_HOOK_STRICT=1" if strict
                 else "not blocking (set REVIEWTOOL_HOOK_STRICT=1 to block)"), file=sys.stderr)
        return 1 if strict else 0


def _review(argv: list[str], settings) -> int:
    """``reviewtool check`` on ``argv``: by the server when one runs (a hook is where a
    review is run again and again on the same tree), else here."""
    from .client import via_server, wants_server

    fail_on = os.environ.get("REVIEWTOOL_FAIL_ON") or settings.hook_fail_on or \
        settings.fail_on or "error"
    command = ["check", "--fail-on", fail_on] + argv
    status = via_server(command) if wants_server(command) else None
    if status is None:
        from .cli import main
        status = main(command)
    return 1 if status == 1 else (0 if status == 0 else status)


def _run(kind: str, args: list[str], stdin_text: str, settings) -> int:
    repo = _repo(".")
    top = repo.workdir or repo.path  # a bare repository: its blobs, not the directory's files
    if kind == "sendemail-validate":
        from .mail import read_inputs

        if not args:
            raise UsageError("sendemail-validate needs the mail file")
        mails = read_inputs([args[0]])
        if not any(m.diff for m in mails):
            return 0  # a cover letter or a plain mail: nothing to review
        status = _review(["--tree", top, args[0]], settings)
        return 1 if status else 0
    if kind == "pre-push":
        blocked = 0
        for line in stdin_text.splitlines():
            parts = line.split()
            if len(parts) != 4:
                continue
            _, local_sha, _, remote_sha = parts
            if local_sha == ZERO:
                continue  # deleting a ref
            spec = _push_range(repo, local_sha, remote_sha)
            if spec is None:
                continue
            blocked |= _review(["--tree", top, spec], settings) != 0
        return 1 if blocked else 0
    if kind == "pre-commit":
        diff = repo.diff("HEAD", cached=True).patch or ""
        if not diff.strip():
            return 0
        with tempfile.NamedTemporaryFile("w", suffix=".diff", delete=False) as handle:
            handle.write(diff)
        try:
            return 1 if _review(["--tree", top, "--base", "HEAD", handle.name], settings) else 0
        finally:
            os.unlink(handle.name)
    if kind == "post-commit":
        return _ready_server(repo, top)
    raise UsageError(f"unknown hook kind {kind!r}")


def _ready_server(repo, top: str) -> int:
    """The review of the commit just made (against its parent), by a running server, its
    output dropped: what the server keeps (the parent's units in each configuration) is what
    the review of the same change asks for when it is sent. No server, nothing: a one-shot
    run here would compete with the developer for the processor and leave little behind."""
    from pygit2 import Commit, GitError

    from . import client

    try:
        head = repo.head.peel(Commit)
    except GitError:  # an unborn branch: nothing to ready
        return 0
    if not head.parents:
        return 0  # a root commit: the import of a tree, not a patch
    command = ["check", "--quiet", "--fail-on", "never", "--tree", top,
               f"{head.parents[0].id}..{head.id}"]
    if client.SERVING:  # this hook runs in the server: the review too
        from .cli import main
        main(command)
    elif client.wants_server(command):
        client.via_server(command)
    return 0


def _push_range(repo, local_sha: str, remote_sha: str) -> str | None:
    """``remote..local`` for an update; for a new ref, the commits not on any remote-tracking
    ref, stopping before a root commit (the import of a whole tree is not a patch)."""
    if remote_sha != ZERO and remote_sha in repo:
        return f"{remote_sha}..{local_sha}"
    remote_tips = {ref.peel().id for ref in (repo.references[name] for name in repo.references
                                             if name.startswith("refs/remotes/"))}
    commit = repo[local_sha]
    count = 0
    while commit.parents and commit.id not in remote_tips and count < 500:
        commit = commit.parents[0]
        count += 1
    if count == 0:
        return None
    return f"{commit.id}..{local_sha}"
