"""Git trees through pygit2: a revision read as blobs, never touching the work tree.

:class:`GitTree` answers ``read(path)`` from the commit's tree. :func:`resolve_base` picks the
revision a mail is reviewed against, the way a maintainer would (issue order):

1. ``--base REV`` when given;
2. the commit a ``git format-patch`` mail names on its first ``From <sha>`` line, when the
   repository has it: the review is against its parent;
3. the ``base-commit:`` trailer;
4. ``HEAD``.

:func:`near_kept_tree` reads a revision, in a long-running process, as a tree it keeps of an
ancestor plus the files that differ (:class:`DescendantTree`), so that what was derived from
the ancestor (header states' validity, include resolution, file texts) serves it too.

:func:`commits_as_mails` turns a revision range (``HEAD~20..HEAD``) into the text of
``git format-patch`` mails, oldest first, so a range is reviewed exactly like a series.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pygit2

from ..errors import TreeError
from .. import tree as trees
from . import OverlayTree, Tree, normalize_path


def open_repository(path: str | os.PathLike[str]) -> pygit2.Repository | None:
    """The repository at or above ``path``, or None."""
    try:
        found = pygit2.discover_repository(str(path))
    except (pygit2.GitError, KeyError, ValueError):
        return None
    if found is None:
        return None
    try:
        return pygit2.Repository(found)
    except pygit2.GitError:
        return None


def _commit(repo: pygit2.Repository, rev: str) -> pygit2.Commit:
    try:
        obj = repo.revparse_single(rev)
        return obj.peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError) as err:
        raise TreeError(f"no such revision {rev!r} ({err})", path=repo.path) from None


_ABSENT = object()


class GitTree(Tree):
    kind = "git"

    def __init__(self, repo: pygit2.Repository, rev: str = "HEAD"):
        self.repo = repo
        self.commit = _commit(repo, rev)
        self.revision = str(self.commit.id)
        self.path = repo.workdir or repo.path
        self._tree = self.commit.tree
        self._cache: dict[str, str | None] = {}
        # path -> tree entry (None: absent), and directory -> {name: entry}: a review asks
        # for the versions of some 1,200 files and, for every #include, whether each
        # candidate exists (10,000 lookups); pygit2 would read every tree object on the way
        # down again for each of them
        self._entries: dict[str, Any] = {}
        self._dirs: dict[str, dict[str, Any] | None] = {}

    def read(self, path: str) -> str | None:
        if path in self._cache:
            return self._cache[path]
        entry = self._entry(path)
        if entry is None:
            self._cache[path] = None
            return None
        text = None
        if entry.type_str == "blob":
            blob_id = str(entry.id)
            text = trees.known_blob(blob_id)  # read by another kept tree (a server's)
            if text is None:
                text = self.repo[entry.id].data.decode("utf-8", errors="surrogateescape")
                trees.remember_blob(blob_id, text)
        self._cache[path] = text
        return text

    def _entry(self, path: str):
        found = self._entries.get(path, _ABSENT)
        if found is _ABSENT:
            try:
                rel = normalize_path(path)
            except (TreeError, ValueError):
                rel = None
            found = None
            if rel:
                parent, _, name = rel.rpartition("/")
                entries = self._dir(parent)
                found = entries.get(name) if entries is not None else None
            self._entries[path] = found
        return found

    def _dir(self, rel: str) -> dict[str, Any] | None:
        """The entries of directory ``rel`` ("" the top) by name; None when it is not one."""
        if rel in self._dirs:
            return self._dirs[rel]
        if not rel:
            tree = self._tree
        else:
            parent, _, name = rel.rpartition("/")
            above = self._dir(parent)
            entry = above.get(name) if above is not None else None
            tree = self.repo[entry.id] if entry is not None and entry.type_str == "tree" \
                else None
        found = {child.name: child for child in tree} if tree is not None else None
        self._dirs[rel] = found
        return found

    def version(self, path: str) -> str | None:
        """The blob id."""
        entry = self._entry(path)
        if entry is None or entry.type_str != "blob":
            return None
        return str(entry.id)

    def unchanged(self) -> bool:
        return True  # a commit's blobs never change

    def walk(self, suffixes: tuple[str, ...] = (".c", ".h"),
             under: tuple[str, ...] = ()) -> Iterator[str]:
        starts = [u.rstrip("/") for u in under] or [""]
        for start in starts:
            try:
                tree = self._tree[start] if start else self._tree
                tree = self.repo[tree.id]
            except KeyError:
                continue
            if not isinstance(tree, pygit2.Tree):
                continue
            yield from self._walk(tree, start)

    def _walk(self, tree: pygit2.Tree, prefix: str, suffixes=(".c", ".h")) -> Iterator[str]:
        for entry in sorted(tree, key=lambda e: e.name):
            path = f"{prefix}/{entry.name}" if prefix else entry.name
            if entry.type_str == "tree":
                yield from self._walk(self.repo[entry.id], path, suffixes)
            elif entry.name.endswith(suffixes):
                yield path


@dataclass(eq=False)  # identity: caches key on the tree object
class DescendantTree(OverlayTree):
    """Revision ``commit_id`` read as a git tree of an ancestor (``base``) with the files that
    differ between the two (``changes``): the same answers as :class:`GitTree` of the
    revision (a changed file's version is its blob id), with the ancestor's caches."""

    commit_id: str = ""

    @property
    def revision(self) -> str:  # type: ignore[override]
        return self.commit_id

    def unchanged(self) -> bool:
        return True  # a commit's blobs never change


MAX_ANCESTORS = 16  # first parents looked at for a kept tree
MAX_CHANGED_FILES = 500  # more than this: a tree of its own


def near_kept_tree(repo: pygit2.Repository, rev: str,
                   kept: Callable[[tuple], Tree | None]) -> DescendantTree | None:
    """Revision ``rev`` as a :class:`DescendantTree` of the kept tree (``kept(key)``, see
    ``tree.kept_tree``) of its nearest first-parent ancestor, within ``MAX_ANCESTORS``
    commits and ``MAX_CHANGED_FILES`` changed files; None when there is none. A developer's
    next commit is reviewed against the commit the server reviewed the last one against."""
    commit = _commit(repo, rev)
    ancestor = commit
    for _ in range(MAX_ANCESTORS):
        if not ancestor.parents:
            return None
        ancestor = ancestor.parents[0]
        found = kept(("git", repo.path, str(ancestor.id)))
        if isinstance(found, DescendantTree):
            found = found.base  # one level: the plain tree the descendant reads through
        if isinstance(found, GitTree) and found.repo.path == repo.path:
            break
    else:
        return None
    diff = repo.diff(repo[found.commit.id].tree, commit.tree)
    if len(diff) > MAX_CHANGED_FILES:
        return None
    changes: dict[str, str | None] = {}
    for delta in diff.deltas:
        if delta.status_char() == "D":
            changes[delta.old_file.path] = None
            continue
        if delta.old_file.path != delta.new_file.path:
            changes[delta.old_file.path] = None
        obj = repo.get(delta.new_file.id)
        changes[delta.new_file.path] = (obj.data.decode("utf-8", errors="surrogateescape")
                                        if isinstance(obj, pygit2.Blob) else None)
    return DescendantTree(base=found, changes=changes, commit_id=str(commit.id))


def resolve_base(repo: pygit2.Repository, from_sha: str = "", base_commit: str = "",
                 base: str | None = None) -> tuple[str, str]:
    """(revision, how it was chosen)."""
    if base:
        return str(_commit(repo, base).id), f"--base {base}"
    if from_sha:
        try:
            commit = repo.revparse_single(from_sha).peel(pygit2.Commit)
            if commit.parents:
                return str(commit.parents[0].id), f"parent of {from_sha[:12]} (the mail's commit)"
        except (KeyError, ValueError, pygit2.GitError):
            pass
    if base_commit:
        try:
            return str(_commit(repo, base_commit).id), f"base-commit {base_commit[:12]}"
        except TreeError:
            pass
    return str(_commit(repo, "HEAD").id), "HEAD"


MAX_RANGE = 5000


def commits_in_range(repo: pygit2.Repository, spec: str) -> list[pygit2.Commit]:
    """Commits of ``A..B`` (reachable from B, not from A), oldest first; a single revision is
    that commit. Merge commits are skipped: a merge is not a patch."""
    if ".." not in spec:
        return [_commit(repo, spec)]
    start, _, end = spec.partition("..")
    start_commit = _commit(repo, start or "HEAD")
    end_commit = _commit(repo, end or "HEAD")
    walker = repo.walk(end_commit.id, pygit2.enums.SortMode.TOPOLOGICAL
                       | pygit2.enums.SortMode.REVERSE)
    walker.hide(start_commit.id)
    commits = []
    for commit in walker:
        if len(commit.parents) <= 1:
            commits.append(commit)
        if len(commits) > MAX_RANGE:
            raise TreeError(f"revision range longer than {MAX_RANGE} commits", path=repo.path)
    return commits


def commit_as_mail(repo: pygit2.Repository, commit: pygit2.Commit, number: int = 0,
                   total: int = 0) -> str:
    """``git format-patch`` text for one commit (against its first parent)."""
    parent = commit.parents[0] if commit.parents else None
    diff = repo.diff(parent, commit) if parent is not None else commit.tree.diff_to_tree(
        swap=True)
    patch = diff.patch or ""
    summary, _, body = commit.message.partition("\n")
    counter = f" {number}/{total}" if total > 1 else ""
    author = commit.author
    return (f"From {commit.id} Mon Sep 17 00:00:00 2001\n"
            f"From: {author.name} <{author.email}>\n"
            f"Subject: [PATCH{counter}] {summary.strip()}\n"
            f"Message-Id: <{commit.id}@reviewtool.local>\n\n"
            f"{body.strip()}\n---\n{patch}")


def commits_as_mails(repo: pygit2.Repository, spec: str) -> tuple[str, str]:
    """(mbox text, base revision) for a revision range."""
    commits = commits_in_range(repo, spec)
    if not commits:
        raise TreeError(f"revision range {spec!r} is empty", path=repo.path)
    total = len(commits)
    mails = [commit_as_mail(repo, c, i + 1, total) for i, c in enumerate(commits)]
    base = commits[0].parents[0] if commits[0].parents else None
    return "\n".join(mails), (str(base.id) if base is not None else "")
