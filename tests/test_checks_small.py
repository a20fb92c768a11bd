"""Each check on a tiny tree written inline: one case where it fires, one where it is silent."""

import json
import textwrap

from helpers import run_cli

BASE = textwrap.dedent("""\
    #include <asm/defs.h>

    void helper(void);
    void other(void);

    void work(void)
    {
    \thelper();
    #ifdef CONFIG_FOO
    \tother();
    #endif
    }

    void __low_level(void)
    {
    }
    """)

DEFS = "#define WIDTH 4\n"


def review(tmp_path, diff, *extra):
    tree = tmp_path / "tree"
    (tree / "arch/demo/mm").mkdir(parents=True)
    (tree / "include/asm-demo").mkdir(parents=True)
    (tree / "arch/demo/mm/work.c").write_text(BASE)
    (tree / "include/asm-demo/defs.h").write_text(DEFS)
    patch = tmp_path / "change.diff"
    patch.write_text(textwrap.dedent(diff))
    status, out, err = run_cli("check", "--tree", tree, "--format", "json", *extra, patch)
    assert "Traceback" not in err, err
    return status, json.loads(out)


def ids(doc, severity=None):
    return sorted({f["id"] for f in doc["findings"]
                   if severity is None or f["severity"] == severity})


DROP_GUARD = """\
    --- a/arch/demo/mm/work.c
    +++ b/arch/demo/mm/work.c
    @@ -6,7 +6,5 @@
     void work(void)
     {
     \thelper();
    -#ifdef CONFIG_FOO
     \tother();
    -#endif
     }
    """

INSIDE_GUARD = """\
    --- a/arch/demo/mm/work.c
    +++ b/arch/demo/mm/work.c
    @@ -8,3 +8,4 @@
     \thelper();
     #ifdef CONFIG_FOO
     \tother();
    +\tother();
     #endif
    """

ADD_GUARD = """\
    --- a/arch/demo/mm/work.c
    +++ b/arch/demo/mm/work.c
    @@ -6,3 +6,5 @@
     void work(void)
     {
    +#ifdef CONFIG_BAR
     \thelper();
    +#endif
    """

NEW_UNDERSCORE = """\
    --- a/arch/demo/mm/work.c
    +++ b/arch/demo/mm/work.c
    @@ -14,3 +14,7 @@
     void __low_level(void)
     {
     }
    +
    +void _lower_level(void)
    +{
    +}
    """


def test_config_change_fires_when_a_guard_is_dropped(tmp_path):
    status, doc = review(tmp_path, DROP_GUARD, "--scope", "CONFIG_BAR")
    (hit,) = [f for f in doc["findings"] if f["id"] == "config-change"]
    assert hit["severity"] == "error" and hit["function"] == "work"
    assert hit["configs"] == [{"CONFIG_FOO": "n", "CONFIG_BAR": "n"}] and status == 1


def test_config_change_silent_inside_the_scope_block(tmp_path):
    _, doc = review(tmp_path, INSIDE_GUARD, "--scope", "CONFIG_FOO")
    assert "config-change" not in ids(doc)


def test_config_change_skipped_without_scope(tmp_path):
    _, doc = review(tmp_path, DROP_GUARD)
    assert "config-change" not in ids(doc)


def test_ifdef_complexity_fires_on_a_new_conditional(tmp_path):
    _, doc = review(tmp_path, ADD_GUARD, "--scope", "CONFIG_BAR")
    assert "ifdef-complexity" in ids(doc, "info")


def test_ifdef_complexity_silent_without_new_conditionals(tmp_path):
    _, doc = review(tmp_path, INSIDE_GUARD, "--scope", "CONFIG_FOO")
    assert "ifdef-complexity" not in ids(doc)


def test_naming_fires_on_single_underscore_in_a_double_underscore_tree(tmp_path):
    _, doc = review(tmp_path, NEW_UNDERSCORE, "--scope", "CONFIG_FOO")
    (hit,) = [f for f in doc["findings"] if f["id"] == "naming"]
    assert "__lower_level" in hit["message"]


def test_naming_silent_for_ordinary_names(tmp_path):
    _, doc = review(tmp_path, NEW_UNDERSCORE.replace("_lower_level", "lower_level"),
                    "--scope", "CONFIG_FOO")
    assert "naming" not in ids(doc)


def test_does_not_apply_silent_when_everything_applies(tmp_path):
    _, doc = review(tmp_path, INSIDE_GUARD, "--scope", "CONFIG_FOO")
    assert "does-not-apply" not in ids(doc) and doc["patches"][0]["applied"]


def test_tree_without_kconfig_is_noted(tmp_path):
    _, doc = review(tmp_path, INSIDE_GUARD, "--scope", "CONFIG_FOO")
    assert any("Kconfig" in n for n in doc["notes"])
