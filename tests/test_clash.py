"""clash: each kind fires in one case and stays silent in another."""

import json
import textwrap

from helpers import QUICKLIST, SEED, SEED_V2, review_json, run_cli

WORK = textwrap.dedent("""\
    #include <asm/defs.h>

    void helper(void);
    void other(int);

    void work(void)
    {
    \thelper();
    \thelper();
    \thelper();
    \thelper();
    \thelper();
    \thelper();
    \thelper();
    \thelper();
    \thelper();
    \thelper();
    }

    void rest(void)
    {
    \tother(1);
    }
    """)

TOP_OF_WORK = """\
    --- a/arch/demo/mm/work.c
    +++ b/arch/demo/mm/work.c
    @@ -7,3 +7,3 @@
     {
    -\thelper();
    +\thelper(); /* first */
     \thelper();
    """

BOTTOM_OF_WORK = """\
    --- a/arch/demo/mm/work.c
    +++ b/arch/demo/mm/work.c
    @@ -16,3 +16,3 @@
     \thelper();
    -\thelper();
    +\thelper(); /* last */
     }
    """

CHANGE_WIDTH = """\
    --- a/include/asm-demo/defs.h
    +++ b/include/asm-demo/defs.h
    @@ -1 +1 @@
    -#define WIDTH 4
    +#define WIDTH 8
    """

USE_WIDTH = """\
    --- a/arch/demo/mm/work.c
    +++ b/arch/demo/mm/work.c
    @@ -21,3 +21,3 @@
     {
    -\tother(1);
    +\tother(WIDTH);
     }
    """

UNRELATED = """\
    --- a/arch/demo/mm/work.c
    +++ b/arch/demo/mm/work.c
    @@ -21,3 +21,3 @@
     {
    -\tother(1);
    +\tother(2);
     }
    """


def clashes(tmp_path, mine, theirs):
    tree = tmp_path / "tree"
    (tree / "arch/demo/mm").mkdir(parents=True)
    (tree / "include/asm-demo").mkdir(parents=True)
    (tree / "arch/demo/mm/work.c").write_text(WORK)
    (tree / "include/asm-demo/defs.h").write_text("#define WIDTH 4\n")
    (tmp_path / "mine.diff").write_text(textwrap.dedent(mine))
    (tmp_path / "theirs.diff").write_text(textwrap.dedent(theirs))
    status, out, err = run_cli("check", "--tree", tree, "--format", "json", "--against",
                               tmp_path / "theirs.diff", tmp_path / "mine.diff")
    assert out, err
    return [f for f in json.loads(out)["findings"] if f["id"] == "clash"]


def test_textual_clash_in_both_orders_is_an_error():
    _, doc = review_json(SEED, "--against", QUICKLIST)
    (hit,) = [f for f in doc["findings"] if f["id"] == "clash"]
    assert hit["evidence"]["clash"] == "textual" and hit["evidence"]["both_orders"]
    assert hit["severity"] == "error"


def test_no_textual_clash_for_patches_on_separate_lines(tmp_path):
    assert [f["evidence"]["clash"] for f in clashes(tmp_path, TOP_OF_WORK, BOTTOM_OF_WORK)] \
        != ["textual"]


def test_same_function_clash(tmp_path):
    (hit,) = clashes(tmp_path, TOP_OF_WORK, BOTTOM_OF_WORK)
    assert hit["evidence"]["clash"] == "same-function" and hit["function"] == "work"
    assert hit["severity"] == "warning"


def test_no_same_function_clash_for_different_functions(tmp_path):
    assert clashes(tmp_path, TOP_OF_WORK, UNRELATED) == []


def test_dependency_clash(tmp_path):
    (hit,) = clashes(tmp_path, USE_WIDTH, CHANGE_WIDTH)
    assert hit["evidence"]["clash"] == "dependency" and "WIDTH" in hit["message"]


def test_no_dependency_without_shared_names(tmp_path):
    assert clashes(tmp_path, UNRELATED, CHANGE_WIDTH) == []


def test_against_a_directory_of_mails(tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    (queue / "0001.patch").write_bytes(QUICKLIST.read_bytes())
    (queue / "README").write_text("")  # not a mail: skipped with a note
    status, out, _ = run_cli("check", "--format", "json", "--against", queue, SEED)
    doc = json.loads(out)
    assert [f["evidence"]["clash"] for f in doc["findings"] if f["id"] == "clash"] == ["textual"]


def test_against_a_quilt_series_file(tmp_path):
    (tmp_path / "quicklist.patch").write_bytes(QUICKLIST.read_bytes())
    (tmp_path / "series").write_text("# queued\nquicklist.patch\n")
    status, out, _ = run_cli("check", "--format", "json", "--against", tmp_path / "series",
                             SEED)
    assert '"clash": "textual"' in out


def test_reviewer_version_also_clashes_with_the_quicklist_patch():
    _, doc = review_json(SEED_V2, "--against", QUICKLIST)
    assert [f["id"] for f in doc["findings"] if f["id"] == "clash"] == ["clash"]
