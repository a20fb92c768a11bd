"""Command line: the only place that wires the stages together.

``reviewtool check PATCH...``  review mails/diffs against a tree (see README);
``reviewtool model PATH``      what the model knows of one file, per configuration.

Exit status: 0 when no finding reaches ``--fail-on``, 1 when one does, 2 for a usage error or
input that cannot be read as mail or diff at all (one line on stderr, nothing written), 3 for
an internal error of reviewtool itself (one line; ``REVIEWTOOL_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import gc
import os
import stat
import sys
import traceback
from pathlib import Path
from typing import Sequence

from . import __version__
from .errors import ReviewtoolError, UsageError
from .findings import Finding, reaches, sort_findings

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reviewtool",
        description="Configuration-aware review of Linux kernel patches.")
    parser.add_argument("--version", action="version", version=f"reviewtool {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="review patch mails or diffs")
    check.add_argument("inputs", nargs="+", metavar="PATCH",
                       help="mbox, mail, .diff/.patch file, or - for standard input")
    check.add_argument("--tree", help="kernel tree: a directory, or a git repository read at "
                       "the base revision; default: the current directory if it is a kernel "
                       "tree, else the bundled corpus")
    check.add_argument("--config", action="append", default=[], metavar="FILE",
                       dest="dotconfigs", help="a real .config (.xz/.gz too): each finding says "
                       "which of them it applies to (repeatable)")
    check.add_argument("--no-tree", action="store_true",
                       help="review from the diff alone (no headers, Kconfig or whole "
                       "functions); says which conclusions are uncertain")
    check.add_argument("--base", metavar="REV",
                       help="git revision to review against (default: the mail's own commit's "
                       "parent, its base-commit trailer, else HEAD)")
    check.add_argument("--arch", help="architecture (default: from the patch's paths)")
    check.add_argument("--against", action="append", default=[], metavar="QUEUE",
                       help="queued work to check for clashes: an mbox or mail, a directory "
                       "of mails, a quilt series file, or a git branch or range (repeatable)")
    check.add_argument("--scope", help="comma-separated CONFIG_ symbols the patch is about "
                       "(default: inferred from the subject)")
    check.add_argument("--format", choices=("terminal", "json", "email", "sarif"),
                       default="terminal")
    check.add_argument("--fail-on", choices=("error", "warning", "info", "never"),
                       default=None, help="exit 1 when a finding reaches this level "
                       "(default: the project's fail-on, else error)")
    check.add_argument("--baseline", metavar="OLD.json",
                       help="an earlier JSON report: findings already in it are waived")
    check.add_argument("--output", help="write the report to this file instead of stdout")
    check.add_argument("--quiet", action="store_true",
                       help="print nothing; only the exit status tells")
    check.add_argument("--no-exec", action="store_true",
                       help="do not run changed functions on the i386 model (faster; "
                       "config-change then rests on folding alone)")
    check.add_argument("--max-configs", type=int, default=64,
                       help="configurations to enumerate before sampling (default 64)")
    check.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                       help="stop reviewing a patch after this long and report a timeout "
                       "finding for it (default 120; 0: no limit)")
    check.add_argument("--no-cache", action="store_true",
                       help="neither read nor write the cache directory ($REVIEWTOOL_CACHE, "
                       "else ~/.cache/reviewtool)")
    check.add_argument("--no-server", action="store_true",
                       help="review in this process even when a reviewtool server is running")

    run = sub.add_parser("run", help="run one function on the i386 paging model, print its trace")
    run.add_argument("function")
    run.add_argument("--config", action="append", default=[], metavar="SYM=VAL",
                     help="configuration (CONFIG_X86_PAE, CONFIG_PARAVIRT; repeatable)")
    run.add_argument("--patch", action="append", default=[], metavar="PATCH",
                     help="run the code as it is after this patch")
    run.add_argument("--tree", help="kernel tree (default: as for check)")
    run.add_argument("--file", action="append", default=[], metavar="PATH",
                     help="translation unit(s) to build (default: the arch's mm/*.c)")
    run.add_argument("--split", default="3G/1G", choices=("3G/1G", "2G/2G", "1G/3G"))
    run.add_argument("--processes", type=int, default=2)
    run.add_argument("--fail-alloc-after", type=int, default=None, metavar="N",
                     help="make allocations fail after N succeed")
    run.add_argument("--shared-kernel-pmd", choices=("yes", "no"), default=None)

    hook = sub.add_parser("hook", help="install, remove or run the git hooks")
    hook.add_argument("action", choices=("install", "uninstall", "run"))
    hook.add_argument("--kind", default="sendemail-validate",
                      choices=("sendemail-validate", "pre-push", "pre-commit", "post-commit"))
    hook.add_argument("--repo", default=".", help="repository (default: the current one)")
    hook.add_argument("hook_kind", nargs="?", help=argparse.SUPPRESS)
    hook.add_argument("hook_args", nargs="*", help=argparse.SUPPRESS)

    server = sub.add_parser("server", help="start, stop or ask a resident process that "
                            "keeps what reviews compute (check uses it when it runs)")
    server.add_argument("action", choices=("start", "stop", "status"))
    server.add_argument("--idle", type=float, default=30.0, metavar="MINUTES",
                        help="stop after this long without a request (default 30; 0: never)")
    server.add_argument("--max-rss", type=int, default=4096, metavar="MIB",
                        help="restart in place when memory passes this (default 4096)")

    explain = sub.add_parser("explain", help="print a check's documentation")
    explain.add_argument("check_id", metavar="ID", nargs="?",
                         help="check id (e.g. config-change); without it, list the checks")

    model = sub.add_parser("model", help="what the model knows of a file")
    model.add_argument("path", help="file path relative to the tree")
    model.add_argument("--tree", help="kernel tree (default: as for check)")
    model.add_argument("--arch", help="architecture (default: from the path)")
    model.add_argument("--config", action="append", default=[], metavar="SYM=VAL",
                       help="project the file onto this configuration (repeatable)")
    model.add_argument("--patch", action="append", default=[], metavar="PATCH",
                       help="describe the file as it is after applying this patch (mbox/diff)")
    model.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _read_check_inputs(args: argparse.Namespace, notes: list[str]):
    """Mails from files, ``-``, or a git revision range (``HEAD~3..HEAD``) of the repository
    given with --tree (or the current directory). Returns (mails, base revision of a range)."""
    from .mail import read_bytes, read_inputs

    mails, base = [], ""
    for item in args.inputs:
        if item != "-" and not Path(item).exists() and (".." in item or item.startswith(
                ("HEAD", "@"))):
            from .tree.git import commits_as_mails, open_repository  # pygit2: when needed
            repo = open_repository(args.tree or ".")
            if repo is None:
                raise UsageError("not a file, and no git repository to read a revision "
                                 "range from", path=item)
            text, first_base = commits_as_mails(repo, item)
            notes.append(f"reviewing the commits of {item} as a series")
            mails += read_bytes(text.encode("utf-8", "surrogateescape"), item)
            base = base or first_base
            continue
        mails += read_inputs([item], stdin=sys.stdin.buffer if item == "-" else None)
    return mails, base


def _against_mails(args: argparse.Namespace, notes: list[str]):
    """Queued work to compare with: an mbox or mail, a directory of mails, a quilt ``series``
    file (patch names, one per line, relative to its directory), or a git branch or range."""
    from .errors import MailError
    from .mail import read_bytes, read_inputs

    mails = []
    if args.against:
        from .tree.git import commits_as_mails, open_repository
    for item in args.against:
        path = Path(item)
        if path.is_dir():
            for child in sorted(p for p in path.iterdir() if p.is_file()):
                try:
                    mails += read_inputs([str(child)])
                except MailError as err:
                    notes.append(f"--against {child}: skipped ({err.message})")
        elif path.is_file() and (path.name == "series" or _is_quilt_series(path)):
            for line in path.read_text(errors="replace").splitlines():
                name = line.split("#", 1)[0].split()
                if name:
                    mails += read_inputs([str(path.parent / name[0])])
        elif path.exists():
            mails += read_inputs([item])
        else:
            repo = open_repository(args.tree or ".")
            if repo is None:
                raise UsageError("not a file, and no git repository for a branch or range",
                                 path=item)
            spec = item if ".." in item else f"HEAD..{item}"
            text, _ = commits_as_mails(repo, spec)
            mails += read_bytes(text.encode("utf-8", "surrogateescape"), f"--against {item}")
    return mails


def _is_quilt_series(path: Path) -> bool:
    """Every non-comment line names an existing file next to it."""
    try:
        lines = [l.split("#", 1)[0].split() for l in path.read_text(errors="replace")
                 .splitlines()[:200]]
    except OSError:
        return False
    names = [l[0] for l in lines if l]
    return bool(names) and all((path.parent / n).is_file() for n in names)


def _dir_tree(path):
    from .tree import DirTree, kept_tree
    return kept_tree(("dir", str(Path(path).resolve())), lambda: DirTree(path))


def _git_tree(repo, rev: str):
    from . import tree as trees
    from .tree.git import GitTree, near_kept_tree

    def make():
        # a server reads the next commit through the tree it keeps of an ancestor
        near = near_kept_tree(repo, rev, trees.kept) if trees.KEEP else None
        return near if near is not None else GitTree(repo, rev)
    return trees.kept_tree(("git", repo.path, rev), make)


def _select_tree(option: str | None, notes: list[str], base: str | None = None, first=None):
    from .tree import corpus_tree, is_kernel_tree

    if option:
        repo = None
        if (Path(option) / ".git").exists() or option.endswith(".git") \
                or _is_git_dir(Path(option)):
            from .tree.git import open_repository  # pygit2 only for a repository
            repo = open_repository(option)
        if repo is not None:
            from .tree.git import resolve_base
            rev, how = resolve_base(repo, first.from_sha if first else "",
                                    first.base_commit if first else "", base)
            notes.append(f"reviewing against git revision {rev[:12]} ({how})")
            return _git_tree(repo, rev)
        return _dir_tree(option)
    cwd = Path.cwd()
    if base:
        from .tree.git import open_repository, resolve_base
    if base and open_repository(cwd) is not None:
        # a revision range or --base in the current repository: read that revision's blobs
        repo = open_repository(cwd)
        rev, how = resolve_base(repo, base=base)
        notes.append(f"reviewing against git revision {rev[:12]} ({how})")
        return _git_tree(repo, rev)
    if is_kernel_tree(cwd):
        notes.append(f"reviewing against the kernel tree in the current directory ({cwd})")
        return _dir_tree(cwd)
    notes.append("no --tree and the current directory is not a kernel tree: "
                 "reviewing against the bundled corpus (Linux 2.6.21 i386 model)")
    return corpus_tree()


def _is_git_dir(path: Path) -> bool:
    """A repository's own directory (a bare repository, or a work tree's .git): what git
    itself looks for, without importing pygit2 for every directory given as --tree."""
    return (path / "HEAD").is_file() and (path / "objects").is_dir() \
        and (path / "refs").is_dir()


def _infer_arch(paths: Sequence[str], default: str = "i386") -> str:
    for path in paths:
        parts = path.split("/")
        if len(parts) > 2 and parts[0] == "arch":
            return parts[1]
        if len(parts) > 2 and parts[0] == "include" and parts[1].startswith("asm-") \
                and parts[1] != "asm-generic":
            return parts[1][4:]
    return default


def cmd_check(args: argparse.Namespace) -> int:
    if args.no_cache:
        from .cache import off
        with off():
            return _check(args)
    return _check(args)


def _check(args: argparse.Namespace) -> int:
    from .checks import run_checks
    from .checks.context import AgainstPatch, build_context
    from .mail import order_series
    from .patch import parse_diff
    from .errors import TimeLimitError
    from .limits import DEFAULT_TIMEOUT, time_limit
    from .report import Matrix, PatchReport, ReviewResult
    from .variants.kconfig_cache import read_kconfig_cached

    notes: list[str] = []
    timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    if timeout < 0:
        raise UsageError("--timeout wants a number of seconds, 0 for no limit",
                         text=str(args.timeout))
    from .variants.dotconfig import read_dotconfig
    dotconfigs = [read_dotconfig(p) for p in args.dotconfigs]  # unreadable: fail before work
    mails, range_base = _read_check_inputs(args, notes)
    series = order_series(mails)
    patches = [m for m in series.patches if m is not None]
    # One patch picked out of a series is normal review practice: no notes about the others.
    notes += [n for n in series.notes if len(patches) > 1 or "missing" not in n]
    if not any(m.diff for m in patches):
        raise UsageError("no diff found in the input", path=", ".join(args.inputs))
    if args.no_tree:
        from .tree import NoTree
        tree = NoTree()
    else:
        tree = _select_tree(args.tree, notes, base=args.base or range_base,
                            first=next((m for m in patches if m.diff), None))
    all_paths: list[str] = []
    parsed = []
    for mail in patches:
        try:
            parsed.append((mail, parse_diff(mail.diff, source=mail.source)))
            all_paths += list(parsed[-1][1].paths)
        except ReviewtoolError as err:
            parsed.append((mail, err))
    if all(isinstance(p, ReviewtoolError) for _, p in parsed):
        raise next(p for _, p in parsed if isinstance(p, ReviewtoolError))
    arch = args.arch or _infer_arch(all_paths)
    tree = _unapplied(tree, parsed, notes)
    from .checks import all_checks
    from .settings import load_settings
    from .waivers import apply_waivers, baseline_keys, trailer_waivers

    checks = all_checks()
    settings = load_settings(tree, {c.id for c in checks})
    if settings.path:
        notes.append(f"project configuration: {settings.path}")
    checks = [c for c in checks if c.id not in settings.disabled]
    fail_on = args.fail_on or settings.fail_on or "error"
    baseline = baseline_keys(args.baseline) if args.baseline else set()
    kconfig = None
    try:
        kconfig = read_kconfig_cached(tree, arch)
        if kconfig is None:
            notes.append(f"no arch/{arch}/Kconfig in the tree: configurations unconstrained")
    except ReviewtoolError as err:
        notes.append(f"Kconfig not used: {err.one_line()}")

    against = []
    for mail in _against_mails(args, notes):
        if mail.diff:
            try:
                against.append(AgainstPatch(mail, parse_diff(mail.diff, source=mail.source)))
            except ReviewtoolError as err:
                notes.append(f"--against {mail.source}: {err.one_line()}")
    scope = [s.strip() for s in args.scope.split(",") if s.strip()] if args.scope else None
    if scope:
        scope = [s if s.startswith("CONFIG_") else f"CONFIG_{s}" for s in scope]

    findings: list[Finding] = []
    diagnostics: list[str] = []
    reports: list[PatchReport] = []
    coverage: dict = {}
    current = tree
    progress = _progress(args, len(parsed))
    for index, (mail, patch) in enumerate(parsed):
        progress.advance(mail.subject.raw or mail.source)
        report = PatchReport(index=index, subject=mail.subject.raw, message_id=mail.message_id,
                             author=mail.author, applied=False, scope=(), scope_reason="",
                             files=(), mail=mail)
        report.notes += list(mail.notes)
        reports.append(report)
        if isinstance(patch, ReviewtoolError):
            report.notes.append(f"not reviewed: {patch.one_line()}")
            findings.append(Finding(id="unreadable-patch", severity="error", patch=index,
                                    message=patch.one_line(), file=patch.path, line=patch.line,
                                    evidence={"kind": "parse", "reason": patch.message}))
            continue
        report.files = patch.paths
        description = ("\n".join(mail.body.split("\n")[:mail.diff_offset]) if mail.diff
                       else mail.body)
        waivers = list(settings.waivers) + trailer_waivers(description,
                                                           f"trailer in {mail.source}")
        if args.no_tree:
            from .checks.patch_only import review_patch_only
            found, more, scope_found, reason = review_patch_only(
                index, mail, patch, arch, scope, settings.words)
            report.notes += more
            report.scope, report.scope_reason = tuple(scope_found), reason
            findings += apply_waivers(_override_severity(found, settings.severity, checks),
                                      waivers, baseline)
            continue
        try:
            with time_limit(timeout, f"patch {index} ({mail.subject.raw or mail.source})"):
                ctx = build_context(index, mail, patch, current, arch, kconfig, scope, against,
                                    limit=args.max_configs, words=settings.words,
                                    execute=not args.no_exec and arch == "i386")
                found, crashed = run_checks(ctx, checks)
                executions = _all_executions(ctx, diagnostics)
        except TimeLimitError as err:
            # limits.py: a patch that takes too long is a finding, the others are still reviewed
            report.notes.append(f"not analysed: {err.one_line()}")
            findings.append(Finding(id="timeout", severity="error", patch=index,
                                    message=err.one_line(),
                                    evidence={"kind": "limit", "limit": "timeout",
                                              "seconds": timeout}))
            print(f"reviewtool: {err.one_line()}", file=sys.stderr)
            continue
        except ReviewtoolError as err:
            report.notes.append(f"not analysed: {err.one_line()}")
            findings.append(Finding(id="analysis-error", severity="warning", patch=index,
                                    message=f"could not analyse the patch: {err.one_line()}",
                                    file=err.path, line=err.line,
                                    evidence={"kind": "analysis", "reason": err.message}))
            continue
        report.applied = all(r.applied for r in ctx.results)
        report.scope, report.scope_reason = ctx.scope, ctx.scope_reason
        if ctx.table is not None:
            table = ctx.table
            report.matrix = Matrix(
                names=tuple(table.names), columns=tuple(table.classes),
                verdicts={(n, c): table.cell(n, c).verdict for n in table.names
                          for c in range(len(table.classes))},
                out_of_scope=tuple(ctx.out_of_scope), executions=executions)
            coverage = _merge_coverage(coverage, table.coverage)
        report.notes += ctx.notes  # after the checks: they may add notes (an --against skipped)
        found = _override_severity(found, settings.severity, checks)
        findings += apply_waivers(found, waivers, baseline)
        diagnostics += crashed
        current = ctx.after  # the series: later patches apply on top of earlier ones

    progress.close()
    result = ReviewResult(
        tree={"kind": tree.kind, "path": tree.path, "revision": tree.revision, "arch": arch},
        patches=reports, findings=sort_findings(findings), coverage=coverage, notes=notes,
        diagnostics=diagnostics, version=__version__)
    if dotconfigs:
        result.findings = _applies_to(result.findings, dotconfigs)
    if not args.quiet:
        _emit(_render(result, args.format, args.output), args)
    for diagnostic in diagnostics:
        print(f"reviewtool: {diagnostic}", file=sys.stderr)
    failing = any(reaches(f.severity, fail_on) for f in findings if f.waived is None)
    return EXIT_FINDINGS if failing else EXIT_OK


def _unapplied(tree, parsed, notes: list[str]):
    """A pre-submit review runs on HEAD, where the patches are already in: when the first does
    not apply but reverse-applies, review against the tree with the series undone."""
    from .checks.context import apply_patch
    from .patch import reverse_patch

    if tree.kind != "git" or not parsed or isinstance(parsed[0][1], ReviewtoolError):
        return tree
    forward, _ = apply_patch(parsed[0][1], tree)
    if all(r.applied for r in forward):
        return tree
    undone = tree
    for mail, patch in reversed(parsed):
        if isinstance(patch, ReviewtoolError):
            return tree
        results, undone = apply_patch(reverse_patch(patch), undone)
        if not all(r.applied for r in results):
            return tree
    notes.append("the patches are already applied at this revision: reviewing against the "
                 "tree with them reverse-applied")
    return undone


def _applies_to(findings: list[Finding], configs) -> list[Finding]:
    """Mark each finding with the real .config files one of its configurations matches."""
    from dataclasses import replace as _replace

    return [_replace(f, applies_to=tuple(c.name for c in configs
                                         if any(c.matches(partial) for partial in f.configs)))
            if f.configs else f for f in findings]


def _override_severity(findings: list[Finding], overrides: dict, checks) -> list[Finding]:
    """The project's [severity] replaces a check's default severity (findings the check
    itself graded differently, e.g. config-change's proven equivalences, keep theirs)."""
    if not overrides:
        return findings
    defaults = {c.id: c.severity for c in checks}
    return [f.with_severity(overrides[f.id]) if f.id in overrides and
            f.severity == defaults.get(f.id) else f for f in findings]


class _Progress:
    """A progress bar on the terminal (stderr) for long series; silent when stderr is not a
    terminal, with --quiet, for machine formats, and for a handful of patches."""

    def __init__(self, total: int, enabled: bool):
        self.bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn)
            self.bar = Progress(TextColumn("checking patches"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TextColumn("{task.description}"),
                                transient=True, console=Console(stderr=True))
            self.bar.start()
            self.task = self.bar.add_task("", total=total)
        self.started = False

    def advance(self, what: str) -> None:
        if self.bar is not None:
            if self.started:
                self.bar.advance(self.task)
            self.started = True
            self.bar.update(self.task, description=what[:60])

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _progress(args: argparse.Namespace, total: int) -> _Progress:
    enabled = (total >= 3 and not args.quiet and args.format in ("terminal", "email")
               and sys.stderr.isatty() and not os.environ.get("CI"))
    return _Progress(total, enabled)


def _all_executions(ctx, diagnostics: list[str]) -> dict:
    """Every function the patch changes gets an execution verdict in every class where folding
    could not settle it (the checks asked for the out-of-scope ones already)."""
    out: dict = {}
    if ctx.table is None or not ctx.execute:
        return out
    for name in ctx.table.names:
        for col in range(len(ctx.table.classes)):
            if ctx.table.cell(name, col).verdict in ("changed", "uncertain"):
                try:
                    out[(name, col)] = ctx.execution(name, col)
                except ReviewtoolError as err:
                    diagnostics.append(f"execution of {name}: {err.one_line()}")
    return out


def _merge_coverage(old: dict, new: dict) -> dict:
    if not old:
        return dict(new)
    merged = dict(old)
    merged["symbols"] = sorted(set(old.get("symbols", [])) | set(new.get("symbols", [])))
    merged["classes"] = max(old.get("classes", 0), new.get("classes", 0))
    merged["of"] = max(old.get("of", 0), new.get("of", 0))
    return merged


def _render(result, fmt: str, output: str | None) -> str:
    if fmt == "email" and output and output.endswith((".mbox", ".mbx")):
        from .report.email_report import render_mbox
        return render_mbox(result)
    if fmt == "json":
        from .report.json_report import render
        return render(result)
    if fmt == "email":
        from .report.email_report import render
        return render(result)
    if fmt == "sarif":
        from .report.sarif import render
        return render(result)
    from .report.terminal import render
    color = None if output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR") \
        else False
    return render(result, color=color)


def _emit(text: str, args: argparse.Namespace) -> None:
    if args.quiet:
        return
    if args.output:
        target = Path(args.output)
        if not target.parent.is_dir():
            raise UsageError("the directory for --output does not exist", path=args.output)
        tmp = target.with_name(f".{target.name}.reviewtool-tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)  # nothing half-written
    else:
        sys.stdout.write(text)


def cmd_model(args: argparse.Namespace) -> int:
    from .model.describe import describe_file, render_text
    from .tree import normalize_path

    notes: list[str] = []
    tree = _select_tree(args.tree, notes)
    if args.patch:
        tree = _patched(tree, args.patch, notes)
    path = normalize_path(args.path)
    if tree.read(path) is None:
        raise UsageError("no such file in the tree", path=path)
    arch = args.arch or _infer_arch([path])
    config = {}
    for item in args.config:
        if "=" not in item:
            raise UsageError("--config wants SYM=VAL", text=item)
        key, value = item.split("=", 1)
        key = key if key.startswith("CONFIG_") else f"CONFIG_{key}"
        config[key] = value
    info = describe_file(tree, path, arch, config or None)
    info["tree"] = {"kind": tree.kind, "path": tree.path, "arch": arch}
    info["notes"] = notes + info.get("notes", [])
    if args.format == "json":
        import json
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(info))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Execute one function on the model and print its trace and the model's verdicts."""
    from .interp import NotExecutable
    from .interp.world import Scenario, World, build_model_program, config_for

    notes: list[str] = []
    tree = _select_tree(args.tree, notes)
    if args.patch:
        tree = _patched(tree, args.patch, notes)
    config = {}
    for item in args.config:
        if "=" not in item:
            raise UsageError("--config wants SYM=VAL", text=item)
        key, value = item.split("=", 1)
        config[key if key.startswith("CONFIG_") else f"CONFIG_{key}"] = value
    pae = config.get("CONFIG_X86_PAE", "n") == "y"
    paravirt = config.get("CONFIG_PARAVIRT", "n") == "y"
    shared = pae if args.shared_kernel_pmd is None else args.shared_kernel_pmd == "yes"
    scenario = Scenario(pae=pae, paravirt=paravirt, shared_kernel_pmd=shared,
                        split=args.split, processes=args.processes, seed=0,
                        fail_alloc_after=args.fail_alloc_after, vmalloc_mappings=2)
    files = args.file or [p for p in tree.walk((".c",), ("arch/i386/mm/",))] or \
        [p for p in tree.walk((".c",), ("arch/x86/mm/",))]
    program = build_model_program(tree, files, {**config, **config_for(scenario)})
    if args.function not in program.functions:
        raise UsageError(f"{args.function}() is not a function of {', '.join(files)} in this "
                         "configuration")
    world = World(program, scenario)
    try:
        world.setup()
    except NotExecutable as err:
        raise UsageError(f"the model could not be set up: {err.message}") from None
    arguments = world.arguments(args.function)
    if arguments is None:
        raise UsageError(f"no arguments the model can give {args.function}()")
    outcome = world.run(args.function, arguments)
    for note in notes:
        print(f"note: {note}")
    print(f"{args.function}() on {scenario.describe()}")
    for number, event in enumerate(outcome.events, 1):
        print(f"  {number:3d}  {event}")
    if outcome.bug:
        print(f"BUG: {outcome.bug}")
    elif outcome.error is not None:
        print(f"not executable: {outcome.error.message}")
    else:
        print(f"returned {outcome.result!r} after {outcome.steps} steps")
    broken = world.invariants()
    print("invariants: " + ("hold" if not broken else "; ".join(broken)))
    return EXIT_OK


def cmd_hook(args: argparse.Namespace) -> int:
    from . import hooks

    if args.action == "run":
        kind = args.hook_kind or args.kind
        stdin_text = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
        return hooks.run(kind, list(args.hook_args), stdin_text)
    message = (hooks.install if args.action == "install" else hooks.uninstall)(args.repo,
                                                                               args.kind)
    print(f"reviewtool: {message}")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from .checks import all_checks

    checks = {check.id: check for check in all_checks()}
    if not args.check_id:
        for check in checks.values():
            print(f"{check.id:22} {check.severity:8} {check.title}")
        return EXIT_OK
    if args.check_id not in checks:
        raise UsageError(f"no check {args.check_id!r}; known: {', '.join(checks)}")
    check = checks[args.check_id]
    print(f"{check.id} (default severity: {check.severity})\n")
    print(check.doc())
    return EXIT_OK


def _patched(tree, inputs: Sequence[str], notes: list[str]):
    """The tree with the patches of ``inputs`` applied in memory, in series order."""
    from .checks.context import apply_patch
    from .mail import order_series, read_inputs
    from .patch import parse_diff

    series = order_series(read_inputs(inputs))
    for mail in (m for m in series.patches if m is not None and m.diff):
        results, tree = apply_patch(parse_diff(mail.diff, source=mail.source), tree)
        failed = sum(1 for r in results for h in r.hunks if not h.applied)
        notes.append(f"applied {mail.subject.raw!r}" + (f" ({failed} hunk(s) failed)"
                                                        if failed else ""))
    return tree


def cmd_server(args: argparse.Namespace) -> int:
    from . import server

    if args.action == "status":
        found = server.status()
        if found is None:
            print("reviewtool server: not running")
            return 1
        print(f"reviewtool server: running, pid {found.get('pid')}, "
              f"{found.get('requests')} request(s), up {found.get('uptime')} s, "
              f"{found.get('rss_mb')} MiB, socket {found.get('socket')}")
        return EXIT_OK
    if args.action == "stop":
        print("reviewtool server: stopped" if server.stop() else "reviewtool server: not running")
        return EXIT_OK
    found = server.start(args.idle, args.max_rss)
    print(f"reviewtool server: running, pid {found.get('pid')}, socket {found.get('socket')}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command == "explain":
            return cmd_explain(args)
        if args.command == "hook":
            return cmd_hook(args)
        if args.command == "run":
            return cmd_run(args)
        if args.command == "server":
            return cmd_server(args)
        return cmd_model(args)
    except ReviewtoolError as err:
        print(f"reviewtool: {err.one_line()}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("reviewtool: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:  # a bug of reviewtool's own: one line, the traceback on request
        if os.environ.get("REVIEWTOOL_DEBUG"):
            raise
        where = traceback.extract_tb(err.__traceback__)[-1]
        print(f"reviewtool: internal error: {type(err).__name__}: {err} "
              f"({Path(where.filename).name}:{where.lineno}; REVIEWTOOL_DEBUG=1 shows the "
              f"traceback)", file=sys.stderr)
        return EXIT_INTERNAL


def run() -> None:
    """The command's entry point: ``main``, then the caches written (by a child, once the
    exit status is handed back: ``_write_behind``), then a quick exit.
    Tearing down the interpreter would free millions of objects one by one (macro tables,
    memo entries) for nothing: seconds on a real tree."""
    # Those objects live until the end: the cyclic collector's passes over them free nothing
    # (reference counting frees the rest) and cost a fifth of a warm review on Linux 6.1
    # (one patch 1.30 -> 1.09 s, 20 patches 2.35 -> 2.28 s, the same peak RSS; reading the
    # include memo's pack alone 0.22 -> 0.12 s), so a one-shot run goes without it.
    gc.disable()
    try:
        code = main()
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: nothing more to say
        pass
    from .cache import flush_all, pending
    if pending(large=True) and not _read_through_a_pipe():
        _write_behind(code)
    try:
        flush_all()
    except (OSError, ValueError):
        pass
    os._exit(code)


def _read_through_a_pipe() -> bool:
    """Whether the output or the errors go to a pipe or a socket: its reader waits for every
    process that holds it, so a child writing the caches would gain it nothing (and its
    writing is a little slower: it copies the pages of what it pickles, 0.41 -> 0.46 s)."""
    for fd in (1, 2):
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            return True
    return False


def _write_behind(code: int) -> None:
    """Hand the exit status back now and write the caches in a child process, as git's
    automatic gc detaches: after a review of a file new to the cache, writing the include
    memo's pack (15 MB) took 0.4 s, as long as the review. For output to a terminal or a
    file (a pipe's reader would wait for the child: the caller writes them). The child keeps
    the standard streams and leaves the terminal's process group, so that a Ctrl-C meant
    for the next command does not cut a write short. Where there is no fork, or it fails,
    the caller writes them itself."""
    fork = getattr(os, "fork", None)
    if fork is None:
        return
    try:
        child = fork()
    except OSError:
        return
    if child:
        os._exit(code)
    try:
        os.setsid()
    except OSError:
        pass


if __name__ == "__main__":
    run()
