#!/usr/bin/env python3
"""reviewtool on Debian's linux-source-6.1 next to scripts/checkpatch.pl (tree mode), in one
run, with ratios (reviewtool / checkpatch.pl; lower is faster):

1. one patch to arch/x86/mm/fault.c (tests/realtree_patches/x86-32-vmalloc-fault-guard.mbox)
   and one to arch/x86/mm/pgtable.c (tests/realtree_patches/pgd-ctor-shared-pmd-only.mbox);
2. a 20-patch series across arch/x86/mm (generated: one comment line added before a static
   function of a different file per patch), reviewed as one series; checkpatch gets the same
   20 files in one process;
3. a new patch: per round, another generated patch dropping a short #ifdef guard inside a
   function of another file of arch/x86/mm (the kind of change the fault.c patch is), that
   neither the cache nor the server has seen;
4. the fault.c patch as a commit in a git repository of the same tree (bare, made once in
   ~/.cache/reviewtool/linux-6.1.git or $LINUX_GIT), its ``git format-patch`` mail checked
   by the repository's sendemail-validate hook (installed by reviewtool, run as git runs
   it; the review is ``check --tree REPO MAIL``: blobs of the parent commit): without a
   server (warm cache), by a server's first review, and by a server that has run the
   post-commit hook's review of the commit first (readied);
5. presence conditions (variants.conditions.scan) of every .c/.h under arch/x86 in a fresh
   process (cold) and again in the same process (warm), and the per-file facts kept in the
   cache directory (variants.facts) read by a second process.

reviewtool runs cold (an empty cache directory: Kconfig, include memo and file facts all
computed) and warm (the cache left by a previous run over the same tree), each a one-shot
process; then through a running ``reviewtool server`` (the command as users run it, the
client handing the check to the server): "served again" is the same input reviewed again by
a server that has reviewed it before (a hook run again on the same commit), "served first" is
its first review by a server that has only reviewed the other inputs of this benchmark on the
same tree (the cache, warmed by a run of the same input, holds its headers' states, the
canonical forms of its functions and the tree's Kconfig answers, keyed by content: the
server has them, and folds the header states last used at its start, but not the units); for the patches of 3, "warm" is a one-shot run on the
cache of the rounds before (put back as it was afterwards) and "served" the first review by
a server that has reviewed the other inputs. Every command runs on a pseudo-terminal, as
typed at one, and is timed to its exit (benchmarks/timing.py: a one-shot run's cache writing
after it is waited for, not timed). Medians of --runs. The code is
byte-compiled first, as an installed package is. The full tree is extracted once from
/usr/src/linux-source-6.1.tar.xz into ~/.cache/reviewtool/linux-6.1-full (or give it with
$LINUX_FULL).

    python benchmarks/realtree.py [--runs 3]
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import exit_time

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


def editable_install() -> bool:
    """Whether reviewtool is installed with ``pip install -e``: its import hook (a ``.pth``
    file that imports a finder) runs at every Python start, the client's too (~17 ms here);
    the README installs with ``pip install .``, which adds nothing to a start."""
    import site
    for directory in site.getsitepackages() + [site.getusersitepackages()]:
        if any(Path(directory).glob("__editable__.reviewtool-*.pth")):
            return True
    return False


def once(cmd: list[str], cwd: Path, env: dict | None = None, fresh_cache: bool = False) -> float:
    """Wall time of one run of ``cmd`` (``fresh_cache``: with an empty cache directory)."""
    run_env = dict(os.environ, **(env or {}))
    with tempfile.TemporaryDirectory() as empty:
        if fresh_cache:
            run_env["REVIEWTOOL_CACHE"] = empty
        return exit_time(cmd, cwd, run_env)[0]


def _server(action: str, env: dict) -> None:
    subprocess.run([sys.executable, "-m", "reviewtool.cli", "server", action], cwd=ROOT,
                   env=dict(os.environ, **env), stdout=subprocess.DEVNULL, check=True)


def served(client: list[str], env: dict, others: list[list[str]],
           timed: list[list[str]], command=None, cwd: Path = ROOT) -> list[float]:
    """Wall times of the ``timed`` checks (``client`` + each; or ``command`` + each, run in
    ``cwd``), in order, handed to a new server that has first reviewed ``others`` (untimed);
    the server is stopped afterwards."""
    _server("start", env)
    try:
        for other in others:
            once(client + other, ROOT, env)
        return [once((command or client) + args, cwd, env) for args in timed]
    finally:
        _server("stop", env)


def revised(mail: Path, out: Path) -> Path:
    """A v2 of a patch mail: the same change plus an added blank line after its first hunk's
    first line (a comment there could land inside another; a blank line changes nothing a
    compiler sees), as a new version of a patch touches the same place again."""
    lines = mail.read_text().split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("@@ "))
    new = lines[at].split(" ")[2]
    start, count = new[1:].split(",")
    lines[at] = lines[at].replace(new, f"+{start},{int(count) + 1}", 1)
    lines.insert(at + 2, "+")
    target = out / f"v2-{mail.name}"
    target.write_text("\n".join(lines).replace("Subject: [PATCH]", "Subject: [PATCH v2]", 1))
    return target


def compare(label: str, review: list[str], checkpatch: list[str], tree: Path, runs: int,
            warm_env: dict, inputs: list[str], others: list[list[str]],
            revision: list[str] | None = None) -> None:
    """One line of figures for ``inputs``. Each round times every variant once, checkpatch.pl
    included, so that a machine that slows down for a while slows them all (this one's wall
    times vary by a third); the figures are the medians over the rounds.

    served first: the first review of ``inputs`` by a new server that has reviewed only
    ``others`` (a new patch to a tree the server knows); served again: the same input again
    (a hook run again on the same commit); served v2: then the ``revision`` of it, new to the
    server (the contributor's next version)."""
    once(review + inputs, ROOT, warm_env)  # warms the cache (and waits for its writing)
    client = [sys.executable, "-m", "reviewtool.client"] + review[3:]
    samples: dict[str, list[float]] = {k: [] for k in ("warm", "cold", "first", "again",
                                                       "v2", "checkpatch")}
    for _ in range(runs):
        samples["warm"].append(once(review + inputs, ROOT, warm_env))
        samples["cold"].append(once(review + inputs, ROOT, fresh_cache=True))
        samples["checkpatch"].append(once(checkpatch + inputs, tree))
        times = served(client, warm_env, others, [inputs, inputs] + ([revision] if revision
                                                                     else []))
        for variant, took in zip(("first", "again", "v2"), times):
            samples[variant].append(took)
        samples["checkpatch"].append(once(checkpatch + inputs, tree))
    m, theirs = _medians(samples)
    v2 = f", served v2 {_vs(m['v2'], theirs)}" if "v2" in m else ""
    print(f"{label}: reviewtool warm {m['warm']:.2f} s ({m['warm'] / theirs:.1f}x), "
          f"cold {m['cold']:.2f} s ({m['cold'] / theirs:.1f}x), served first "
          f"{_vs(m['first'], theirs)}, served again {_vs(m['again'], theirs)}{v2}; "
          f"checkpatch.pl {theirs:.2f} s")


def _medians(samples: dict) -> tuple[dict, float]:
    """The median of each variant's times, and checkpatch.pl's (the ratios' denominator)."""
    m = {k: statistics.median(v) for k, v in samples.items() if v}
    return m, m["checkpatch"]


def _vs(took: float, theirs: float) -> str:
    return f"{took:.2f} s ({took / theirs:.2f}x)"


def make_guard_patches(tree: Path, out: Path, skip: tuple[str, ...]) -> list[Path]:
    """Patches that drop a short ``#ifdef CONFIG_X`` ... ``#endif`` inside a function (the
    kind of change the fault.c patch is), one per file of arch/x86/mm not in ``skip``: each is
    new to the cache and to the server when its round reviews it."""
    patches = []
    for path in sorted((tree / "arch/x86/mm").glob("*.c")):
        rel = path.relative_to(tree).as_posix()
        if rel in skip:
            continue
        lines = path.read_text(errors="replace").split("\n")
        for i, line in enumerate(lines):
            if not re.match(r"#ifdef CONFIG_\w+\s*$", line):
                continue
            j = i + 1
            while j < len(lines) and j - i <= 6 and lines[j].startswith("\t"):
                j += 1
            if not (j < len(lines) and lines[j].startswith("#endif") and 1 < j - i <= 6):
                continue
            lo, hi = max(i - 2, 0), min(j + 3, len(lines))  # 0-based, hi exclusive
            body = "".join(("-" if n in (i, j) else " ") + lines[n] + "\n" for n in range(lo, hi))
            mail = (f"From: Bench <bench@example.org>\nSubject: [PATCH] x86/mm: build "
                    f"{path.name} code without its guard\n\nSigned-off-by: Bench "
                    f"<bench@example.org>\n---\n--- a/{rel}\n+++ b/{rel}\n"
                    f"@@ -{lo + 1},{hi - lo} +{lo + 1},{hi - lo - 2} @@\n{body}")
            target = out / f"guard-{path.stem}.patch"
            target.write_text(mail)
            patches.append(target)
            break  # one per file
    return patches


def compare_new(review: list[str], checkpatch: list[str], tree: Path, warm_env: dict,
                fresh: list[Path], others: list[list[str]]) -> None:
    """One line for patches new to the cache and to the server: per round, the next of
    ``fresh`` reviewed by a one-shot process on the warm cache (then the cache is put back as
    it was), and by a server that has reviewed only ``others``; checkpatch.pl on the same."""
    client = [sys.executable, "-m", "reviewtool.client"] + review[3:]
    samples: dict[str, list[float]] = {"warm": [], "served": [], "checkpatch": []}
    cache = Path(warm_env["REVIEWTOOL_CACHE"])
    for mail in fresh:
        with tempfile.TemporaryDirectory() as kept:
            shutil.copytree(cache, kept, dirs_exist_ok=True)
            samples["warm"].append(once(review + [str(mail)], ROOT, warm_env))
            shutil.rmtree(cache)
            shutil.copytree(kept, cache)
        samples["checkpatch"].append(once(checkpatch + [str(mail)], tree))
        samples["served"] += served(client, warm_env, others, [[str(mail)]])
        samples["checkpatch"].append(once(checkpatch + [str(mail)], tree))
    m, theirs = _medians(samples)
    print(f"a new patch ({len(fresh)} patches, each dropping an #ifdef guard in another file of "
          f"arch/x86/mm, new to the cache and the server): reviewtool warm {m['warm']:.2f} s "
          f"({m['warm'] / theirs:.1f}x), served {_vs(m['served'], theirs)}; checkpatch.pl "
          f"{theirs:.2f} s")


GIT = Path(os.environ.get("LINUX_GIT", Path.home() / ".cache/reviewtool/linux-6.1.git"))


def git_repository(tree: Path, mail: Path, out: Path) -> tuple[Path, str, Path]:
    """A bare repository of the full tree (made once: its one commit, "base"), the commit of
    ``mail`` on top of it (branch "bench", made once), and that commit as ``git
    format-patch`` writes it (the mail a sendemail-validate hook sees)."""
    env = dict(os.environ, GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.org",
               GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.org",
               GIT_AUTHOR_DATE="1700000000 +0000", GIT_COMMITTER_DATE="1700000000 +0000")

    def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "--git-dir", str(GIT), *args], env=env,
                              capture_output=True, text=True, **kwargs)
    if run("rev-parse", "--verify", "-q", "bench").returncode != 0:
        shutil.rmtree(GIT, ignore_errors=True)
        subprocess.run(["git", "init", "-q", "--bare", str(GIT)], check=True)
        work = ["--work-tree", str(tree)]  # the index only: the tree itself is left alone
        # -f: the Debian source tree's .gitignore ignores everything at the top level
        run(*work, "add", "-A", "-f", ".", cwd=tree, check=True)
        run(*work, "commit", "-qm", "base", cwd=tree, check=True)
        run("branch", "base", check=True)
        run(*work, "apply", "--cached", str(mail), cwd=tree, check=True)
        run(*work, "commit", "-qm", "x86/mm/32: try vmalloc_fault() on every kernel address "
            "fault", cwd=tree, check=True)
        run("branch", "bench", check=True)
    sha = run("rev-parse", "bench", check=True).stdout.strip()
    run("format-patch", "-q", "-1", "-o", str(out), sha, check=True)
    return GIT, sha, next(out.glob("0001-*.patch"))


def compare_git(review: list[str], checkpatch: list[str], tree: Path, runs: int,
                warm_env: dict, repo: Path, sha: str, mail: Path,
                others: list[list[str]]) -> None:
    """One line for the fault.c patch as a commit in a git clone, its mail checked by the
    repository's sendemail-validate hook as ``git send-email`` runs it (the hook script
    reviewtool installs, in the repository's directory: ``check --tree REPO MAIL``, against
    the parent of the mail's commit, read as blobs): one-shot (no server: warm cache); by a
    server that has reviewed only ``others`` (first); and by one that has also run the
    post-commit hook's review of the commit (readied: ``check --tree REPO parent..commit``,
    untimed)."""
    client = [sys.executable, "-m", "reviewtool.client"] + review[3:-2]  # no --tree DIR
    subprocess.run([sys.executable, "-m", "reviewtool.cli", "hook", "install", "--kind",
                    "sendemail-validate", "--repo", str(repo)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    hook = [str(repo / "hooks" / "sendemail-validate")]
    send = [str(mail)]
    readying = ["--tree", str(repo), f"{sha}~1..{sha}"]
    once(hook + send, repo, warm_env)  # warms the cache (and waits for its writing)
    samples: dict[str, list[float]] = {k: [] for k in ("warm", "first", "readied",
                                                       "checkpatch")}
    for _ in range(runs):
        samples["warm"].append(once(hook + send, repo, warm_env))
        samples["checkpatch"].append(once(checkpatch + [str(mail)], tree))
        samples["first"] += served(client, warm_env, others, [send], hook, repo)
        samples["readied"] += served(client, warm_env, others + [readying], [send], hook,
                                     repo)
        samples["checkpatch"].append(once(checkpatch + [str(mail)], tree))
    m, theirs = _medians(samples)
    print(f"the fault.c patch as a commit in a git clone (its sendemail-validate hook on its "
          f"mail): reviewtool warm {m['warm']:.2f} s ({m['warm'] / theirs:.1f}x), served first "
          f"{_vs(m['first'], theirs)}, readied by the post-commit hook "
          f"{_vs(m['readied'], theirs)}; checkpatch.pl {theirs:.2f} s")


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


def scan_times(tree: Path) -> tuple[float, float, float, float, int]:
    """(scan cold, scan warm, facts computed and kept, facts read back) for arch/x86."""
    code = f"""
import os, sys, time
from pathlib import Path
from reviewtool.tree import DirTree
from reviewtool.variants.conditions import scan
from reviewtool.variants.facts import file_facts
from reviewtool.cache import flush_all
tree = DirTree({str(tree)!r})
paths = [p for p in tree.walk(('.c', '.h'), ('arch/x86',))]
texts = [(p, tree.read(p)) for p in paths]
def once():
    start = time.perf_counter()
    for path, text in texts:
        try:
            scan(text, path)
        except Exception:
            pass
    return time.perf_counter() - start
def facts():
    start = time.perf_counter()
    for path in paths:
        file_facts(tree, path)
    return time.perf_counter() - start
if sys.argv[1] == 'scan':
    print(once(), once(), len(texts))
else:
    print(facts(), len(paths))
    flush_all()
"""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, REVIEWTOOL_CACHE=cache, PYTHONPATH=str(ROOT))
        run = [sys.executable, "-c", code]
        cold, warm, count = subprocess.run(run + ["scan"], capture_output=True, text=True,
                                           cwd=ROOT, env=env, check=True).stdout.split()
        kept, _ = subprocess.run(run + ["facts"], capture_output=True, text=True, cwd=ROOT,
                                 env=env, check=True).stdout.split()
        read, _ = subprocess.run(run + ["facts"], capture_output=True, text=True, cwd=ROOT,
                                 env=env, check=True).stdout.split()
    return float(cold), float(warm), float(kept), float(read), int(count)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tree = full_tree()
    if tree is None:
        print("linux-source-6.1 not installed (apt-get install linux-source-6.1)")
        return 1
    compileall.compile_dir(str(ROOT / "reviewtool"), quiet=1)  # as an installed package is
    if editable_install():
        print("note: reviewtool is installed editable (pip install -e): every Python start "
              "below, the client's included, also runs its import hook; the README's "
              "`pip install .` does not")
    review = [sys.executable, "-m", "reviewtool.cli", "check", "--quiet", "--fail-on", "never",
              "--tree", str(tree)]
    checkpatch = ["perl", str(tree / "scripts/checkpatch.pl"), "-q"]
    singles = (("one patch to arch/x86/mm/fault.c", "x86-32-vmalloc-fault-guard.mbox"),
               ("one patch to arch/x86/mm/pgtable.c", "pgd-ctor-shared-pmd-only.mbox"))
    mails = {name: str(ROOT / "tests/realtree_patches" / name) for _, name in singles}
    # short: the server's socket lives in the cache directory
    with tempfile.TemporaryDirectory(prefix="rt-") as warm_cache, \
            tempfile.TemporaryDirectory() as tmp:
        warm_env = {"REVIEWTOOL_CACHE": warm_cache}
        series = [str(p) for p in make_series(tree, Path(tmp))]
        for label, name in singles:
            others = [[m] for n, m in mails.items() if n != name] + [series]
            compare(label, review, checkpatch, tree, args.runs, warm_env, [mails[name]],
                    others, [str(revised(Path(mails[name]), Path(tmp)))])
        compare(f"{len(series)}-patch series across arch/x86/mm", review, checkpatch, tree,
                args.runs, warm_env, series, [[m] for m in mails.values()])
        fresh = make_guard_patches(tree, Path(tmp), ("arch/x86/mm/fault.c",
                                                      "arch/x86/mm/pgtable.c"))[:args.runs]
        compare_new(review, checkpatch, tree, warm_env, fresh,
                    [[m] for m in mails.values()] + [series])
        fault = Path(mails["x86-32-vmalloc-fault-guard.mbox"])
        repo, sha, mail = git_repository(tree, fault, Path(tmp) / "git-mail")
        compare_git(review, checkpatch, tree, args.runs, warm_env, repo, sha, mail,
                    [["--tree", str(tree), mails["pgd-ctor-shared-pmd-only.mbox"]]])
    cold, warm, kept, read, count = scan_times(tree)
    print(f"presence conditions of the {count} .c/.h files under arch/x86: {cold:.2f} s cold, "
          f"{warm:.2f} s warm (same process); their facts computed and kept {kept:.2f} s, "
          f"read back by the next process {read:.2f} s")
    print(f"medians of {args.runs} runs; ratio = reviewtool / checkpatch.pl (lower is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
