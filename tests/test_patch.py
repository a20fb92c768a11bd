"""Diff parsing and in-memory application."""

import pytest

from reviewtool.errors import DiffError
from reviewtool.patch import parse_diff
from reviewtool.patch.apply import apply_file

BASE = "".join(f"line {i}\n" for i in range(1, 21))

SIMPLE = """\
--- a/x.c
+++ b/x.c
@@ -4,3 +4,3 @@ int f(void)
 line 4
-line 5
+LINE FIVE
 line 6
"""


def test_git_prefixes_are_stripped():
    assert parse_diff(SIMPLE).files[0].path == "x.c"


def test_quilt_tree_copy_prefix_is_stripped():
    text = SIMPLE.replace("--- a/x.c", "--- linux-2.6.21.orig/arch/x.c").replace(
        "+++ b/x.c", "+++ linux-2.6.21/arch/x.c")
    assert parse_diff(text).files[0].path == "arch/x.c"


def test_every_line_keeps_three_coordinates():
    hunk = parse_diff(SIMPLE).files[0].hunks[0]
    removed = [l for l in hunk.lines if l.kind == "-"][0]
    added = [l for l in hunk.lines if l.kind == "+"][0]
    assert (removed.source_line, removed.target_line, removed.diff_line) == (5, None, 5)
    assert (added.source_line, added.target_line, added.diff_line) == (None, 5, 6)


def test_hunk_header_keeps_section():
    assert parse_diff(SIMPLE).files[0].hunks[0].header == "@@ -4,3 +4,3 @@ int f(void)"


def test_truncated_hunk_is_a_diff_error():
    with pytest.raises(DiffError) as info:
        parse_diff(SIMPLE.rsplit("\n", 2)[0] + "\n")
    assert "\n" not in str(info.value)


def test_path_escaping_tree_is_refused():
    text = SIMPLE.replace("a/x.c", "a/../../etc/passwd").replace("b/x.c", "b/../../etc/passwd")
    with pytest.raises(DiffError, match="outside the tree"):
        parse_diff(text)


def test_absolute_path_is_refused():
    text = "--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n"
    with pytest.raises(DiffError, match="outside the tree"):
        parse_diff(text)


def test_text_without_diff_is_an_error():
    with pytest.raises(DiffError, match="no diff"):
        parse_diff("just words\n")


def test_exact_apply():
    result = apply_file(parse_diff(SIMPLE).files[0], BASE)
    assert result.applied and result.hunks[0].status == "applied"
    assert result.after.splitlines()[4] == "LINE FIVE"
    assert result.added == {5} and result.removed == {5}


def test_apply_finds_offset():
    shifted = "extra\nextra\n" + BASE
    result = apply_file(parse_diff(SIMPLE).files[0], shifted)
    assert result.hunks[0].offset == 2
    assert result.after.splitlines()[6] == "LINE FIVE"


def test_apply_with_fuzz_when_outer_context_changed():
    changed = BASE.replace("line 4\n", "line four\n")
    result = apply_file(parse_diff(SIMPLE).files[0], changed)
    assert result.hunks[0].applied and result.hunks[0].fuzz == 1


def test_failed_hunk_says_why_and_others_still_apply():
    text = SIMPLE + "@@ -15,3 +15,3 @@\n line 15\n-line 16\n+LINE 16\n line 17\n"
    changed = BASE.replace("line 5\n", "line 5 changed\n")
    result = apply_file(parse_diff(text).files[0], changed)
    assert [h.applied for h in result.hunks] == [False, True]
    assert "line 5" in result.hunks[0].reason
    assert "LINE 16" in result.after


def test_missing_file_fails_every_hunk():
    result = apply_file(parse_diff(SIMPLE).files[0], None)
    assert not result.applied and "not in the tree" in result.hunks[0].reason


def test_new_file_is_created():
    text = "--- /dev/null\n+++ b/new.c\n@@ -0,0 +1,2 @@\n+a\n+b\n"
    result = apply_file(parse_diff(text).files[0], None)
    assert result.applied and result.after == "a\nb\n"


def test_diff_lines_map_to_post_image():
    result = apply_file(parse_diff(SIMPLE).files[0], BASE)
    assert result.target_to_diff[5] == 6
    assert result.target_to_source[6] == 6


@pytest.mark.parametrize("path,clean", [
    ("arch/x86/mm/fault.c", "arch/x86/mm/fault.c"), ("a//b", "a/b"), ("./a/./b", "a/b"),
    ("a\\b", "a/b"), ("a/..b/c", "a/..b/c"), ("a/.hidden/b", "a/.hidden/b"), ("a/", "a")])
def test_a_path_is_made_clean(path, clean):
    from reviewtool.patch import normalize_path
    assert normalize_path(path) == clean


@pytest.mark.parametrize("path", ["../x", "a/../../b", "/abs", "a/.git/x", "a/.GIT", ".git",
                                  "", ".", "a/.."])
def test_a_path_out_of_the_tree_is_refused(path):
    from reviewtool.errors import TreeError
    from reviewtool.patch import normalize_path
    with pytest.raises(TreeError):
        normalize_path(path)
