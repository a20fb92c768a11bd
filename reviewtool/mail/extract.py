"""Find the diff inside a mail body.

Where a diff starts is recognised by structure (a file header block followed by ``--- ``, ``+++ ``
and ``@@``, or a git extended header), not by a single marker, so a ``---`` diffstat separator or a
description that mentions ``diff --git`` does not start it.  Where it ends is decided by the hunk
counts in ``@@ -a,b +c,d @@``: a removed line ``-- `` or an added ``+-- `` is inside the hunk it is
counted in, and whatever follows the last complete hunk (``-- `` signature, ``2.39.5``, a
mailing-list footer, ``base-commit:``) is cut.
"""

from __future__ import annotations

import re

HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_QUILT_RULE = re.compile(r"^={20,}\s*$")
# Lines that may sit between the start of a file's header block and its "--- " line.
_EXTENDED = re.compile(
    r"^(?:index [0-9a-fA-F]+\.\.[0-9a-fA-F]+|old mode |new mode |deleted file mode |new file mode |"
    r"similarity index |dissimilarity index |rename from |rename to |copy from |copy to |"
    r"RCS file: |retrieving revision |Binary files .* differ$|GIT binary patch$)")
_GIT_ONLY = re.compile(
    r"^(?:old mode |new mode |deleted file mode |new file mode |similarity index |rename from |"
    r"copy from |Binary files |GIT binary patch$)")


def _starts_file(line: str) -> bool:
    return (line.startswith("diff ") or line.startswith("Index: ") or bool(_QUILT_RULE.match(line))
            or line.startswith("--- "))


def _file_header(lines: list[str], i: int) -> int | None:
    """If a file's header block starts at ``i``, the index just after it (first ``@@`` or the next
    file), else None."""
    n = len(lines)
    if not _starts_file(lines[i]):
        return None
    j = i
    git_only = False
    seen_diff = seen_index = seen_rule = False
    while j < n and not lines[j].startswith("--- "):
        line = lines[j]
        if line.startswith("diff "):
            if seen_diff:
                break  # the next file of a diff without ---/+++ (mode change, rename)
            seen_diff = True
        elif line.startswith("Index: "):
            if seen_index or seen_diff:
                break
            seen_index = True
        elif _QUILT_RULE.match(line):
            if seen_rule or seen_diff:
                break
            seen_rule = True
        elif _EXTENDED.match(line):
            if not (seen_diff or seen_index or seen_rule):
                return None
            if _GIT_ONLY.match(line):
                git_only = True
            if line == "GIT binary patch":
                # base85 data lines up to a blank line, twice (forward and reverse)
                j += 1
                for _ in range(2):
                    while j < n and lines[j].strip():
                        j += 1
                    if j + 1 < n and re.match(r"^(?:literal|delta) \d+$", lines[j + 1]):
                        j += 1
                        continue
                    break
                if j < n and lines[j] == "":
                    j += 1
                continue
        else:
            break
        j += 1
    if j + 2 < n and lines[j].startswith("--- ") and lines[j + 1].startswith("+++ ") \
            and HUNK_HEADER.match(lines[j + 2]):
        return j + 2
    if seen_diff and git_only and j > i:
        return j
    return None


def _hunk_end(lines: list[str], i: int) -> tuple[int, bool]:
    """Lines of the hunk whose header is at ``i``: (index after it, complete?)."""
    m = HUNK_HEADER.match(lines[i])
    assert m is not None
    # a count of more digits than Python converts (hostile input) is more lines than any diff
    old = int(m.group(2)[:18]) if m.group(2) is not None else 1
    new = int(m.group(4)[:18]) if m.group(4) is not None else 1
    j = i + 1
    n = len(lines)
    while j < n and (old > 0 or new > 0):
        line = lines[j]
        # Mailers strip trailing whitespace, so an empty line is a context line that lost its " ".
        if line == "" or line[0] == " ":
            if old <= 0 or new <= 0:
                break
            old -= 1
            new -= 1
        elif line[0] == "-":
            if old <= 0:
                break
            old -= 1
        elif line[0] == "+":
            if new <= 0:
                break
            new -= 1
        elif line[0] == "\\":
            pass
        else:
            break
        j += 1
    complete = old <= 0 and new <= 0
    if not complete:
        # blank lines at the cut are more likely spacing after the mail than stripped context
        while j > i + 1 and lines[j - 1] == "":
            j -= 1
    if complete and j < n and lines[j].startswith("\\"):
        j += 1  # "\ No newline at end of file" belongs to the last line of the hunk
    return j, complete


def find_diff(body: str) -> tuple[str, int, tuple[str, ...]]:
    """The first diff in ``body``: (diff text, 0-based start line, notes).  ``("", 0, ())`` if none.

    Line numbers in the notes are 1-based lines of ``body``.
    """
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the text after the final newline is not a line
    n = len(lines)
    notes: list[str] = []
    start = next((i for i in range(n) if _file_header(lines, i) is not None), None)
    if start is None:
        return "", 0, ()
    end = start
    i = start
    while i < n:
        after = _file_header(lines, i)
        if after is not None:
            i = end = after
            continue
        if HUNK_HEADER.match(lines[i]):
            j, complete = _hunk_end(lines, i)
            end = j
            if not complete:
                notes.append(f"hunk at line {i + 1} truncated")
                break
            i = j
            continue
        break
    if end < n:
        tail = lines[end]
        if (tail[:1] in ("+", " ") and tail != "") or (
                tail.startswith("-") and tail not in ("-- ", "--", "---") and not tail.startswith("--- ")):
            notes.append(f"line {end + 1} after the last hunk looks like a diff line "
                         "(are the hunk counts wrong?)")
        if any(_file_header(lines, k) is not None for k in range(end, n)):
            notes.append(f"text after the diff at line {end + 1} contains another diff, ignored")
    text = "\n".join(lines[start:end])
    return (text + "\n" if text else ""), start, tuple(notes)


def extract_diff(body: str) -> tuple[str, int]:
    """The first diff in ``body`` and the 0-based line of ``body`` where it starts ("" and 0 if none)."""
    text, start, _ = find_diff(body)
    return text, start
