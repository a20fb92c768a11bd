"""Scope inference, Kbuild build conditions, configuration minimisation."""


from reviewtool.checks.context import infer_scope, scope_from_words
from reviewtool.mail import parse_subject
from reviewtool.tree import corpus_tree
from reviewtool.variants.kbuild import build_symbols
from reviewtool.variants.kconfig import read_kconfig
from reviewtool.variants.minimize import minimize


class FakeMail:
    def __init__(self, subject, body="", diff=""):
        self.subject = parse_subject(subject)
        self.body = body + diff
        self.diff = diff


KCONFIG = read_kconfig(corpus_tree(), "i386")


def test_subject_word_maps_to_kconfig_symbol():
    assert scope_from_words("Allow paravirt backend to choose kernel PMD sharing", KCONFIG,
                            "i386") == ["CONFIG_PARAVIRT"]


def test_xen_maps_to_config_xen():
    assert scope_from_words("xen: fix the pgd pinning", KCONFIG, "i386") == ["CONFIG_XEN"]


def test_context_words_in_the_body_are_ignored_when_the_subject_names_a_feature():
    scope, reason = infer_scope(FakeMail("[patch] paravirt: foo", "Normally in PAE mode"),
                                KCONFIG, "i386")
    assert scope == ["CONFIG_PARAVIRT"] and "subject" in reason


def test_body_is_used_when_the_subject_names_nothing():
    scope, reason = infer_scope(FakeMail("[PATCH] i386: tidy pgd allocation",
                                         "Only matters with highpte."), KCONFIG, "i386")
    assert scope == ["CONFIG_HIGHPTE"] and "description" in reason


def test_no_scope_when_nothing_matches():
    assert infer_scope(FakeMail("[PATCH] fix typo"), KCONFIG, "i386")[0] == []


def test_kbuild_rule_guards_paravirt_c():
    assert build_symbols(corpus_tree(), "arch/i386/kernel/paravirt.c") == ("CONFIG_PARAVIRT",)


def test_kbuild_obj_y_is_always_built():
    assert build_symbols(corpus_tree(), "arch/i386/mm/fault.c") == ()


def test_minimize_drops_symbols_that_do_not_matter():
    universe = [{"A": a, "B": b} for a in "yn" for b in "yn"]
    selected = [c for c in universe if c["A"] == "y"]
    assert minimize(selected, universe) == [{"A": "y"}]


def test_minimize_keeps_interactions():
    universe = [{"A": a, "B": b} for a in "yn" for b in "yn"]
    selected = [{"A": "y", "B": "n"}]
    assert minimize(selected, universe) == [{"A": "y", "B": "n"}]


def test_architecture_prefix_is_not_a_feature():
    assert scope_from_words("x86/mm: try vmalloc_fault() on every fault", KCONFIG, "x86") == []


def test_missing_includes_are_listed_once_and_generated_ones_said_so():
    from types import SimpleNamespace as NS
    from reviewtool.checks.context import missing_includes_note
    unit = NS(missing=("<generated/autoconf.h>", "<linux/a.h>"))
    other = NS(missing=("<linux/a.h>",))
    (note,) = missing_includes_note([NS(units=[unit]), NS(units=[other])])
    assert note.startswith("2 #include target(s)") and "generated at build time" in note


def test_no_note_when_every_include_is_found():
    from types import SimpleNamespace as NS
    from reviewtool.checks.context import missing_includes_note
    assert missing_includes_note([NS(units=[NS(missing=())])]) == []


def test_promptless_bools_take_their_derived_value():
    from reviewtool.variants.config import Configuration
    from reviewtool.variants.defaults import with_implied_bools
    from reviewtool.variants.kconfig import kconfig_from_text
    kconfig = kconfig_from_text(
        'config 64BIT\n\tbool "64-bit kernel"\n'
        'config X86_32\n\tdef_bool y\n\tdepends on !64BIT\n'
        'config X86_64\n\tdef_bool y\n\tdepends on 64BIT\n'
        'config X86_PAE\n\tbool "PAE"\n\tdepends on X86_32\n')
    names = {"CONFIG_X86_32", "CONFIG_X86_64", "CONFIG_64BIT"}
    (config,), implied = with_implied_bools([Configuration({"CONFIG_X86_PAE": "n"})],
                                            kconfig, names)
    assert dict(config.items()) == {"CONFIG_X86_PAE": "n", "CONFIG_X86_32": "y"}
    assert implied == {"CONFIG_X86_32": "y"}


def test_a_symbol_derived_from_a_derived_one_follows_it():
    # AAA is asked before ZZZ (sorted) and reads it: the next pass asks it again
    from reviewtool.variants.config import Configuration
    from reviewtool.variants.defaults import with_implied_bools
    from reviewtool.variants.kconfig import kconfig_from_text
    kconfig = kconfig_from_text(
        'config 64BIT\n\tbool "64-bit kernel"\n'
        'config AAA\n\tdef_bool y\n\tdepends on ZZZ\n'
        'config MMM\n\tdef_bool y\n\tdepends on 64BIT\n'
        'config ZZZ\n\tdef_bool y\n\tdepends on !64BIT\n')
    (config,), implied = with_implied_bools([Configuration({"CONFIG_64BIT": "n"})], kconfig,
                                            {"CONFIG_AAA", "CONFIG_MMM", "CONFIG_ZZZ"})
    assert implied == {"CONFIG_ZZZ": "y", "CONFIG_AAA": "y"}
    assert config.get("CONFIG_MMM", "n") == "n"


def test_a_varied_or_prompted_symbol_is_left_alone():
    from reviewtool.variants.config import Configuration
    from reviewtool.variants.defaults import with_implied_bools
    from reviewtool.variants.kconfig import kconfig_from_text
    kconfig = kconfig_from_text('config 64BIT\n\tbool "64-bit kernel"\n\tdefault y\n'
                                'config X86_32\n\tdef_bool y\n\tdepends on !64BIT\n')
    (config,), implied = with_implied_bools([Configuration({"CONFIG_X86_32": "n"})],
                                            kconfig, {"CONFIG_64BIT"})
    assert dict(config.items()) == {"CONFIG_X86_32": "n"} and implied == {}


def test_derived_values_follow_each_class_inputs():
    # the derivation is remembered by the values of what the rules read: two classes that
    # differ in one of them get their own answer, in either order
    from reviewtool.variants.config import Configuration
    from reviewtool.variants.defaults import with_implied_bools
    from reviewtool.variants.kconfig import kconfig_from_text
    kconfig = kconfig_from_text(
        'config 64BIT\n\tbool "64-bit kernel"\n'
        'config X86_32\n\tdef_bool y\n\tdepends on !64BIT\n'
        'config HIGHMEM\n\tbool "highmem"\n\tselect KMAP_LOCAL\n'
        'config KMAP_LOCAL\n\tbool\n')
    names = {"CONFIG_X86_32", "CONFIG_KMAP_LOCAL"}
    classes = [Configuration({"CONFIG_64BIT": v, "CONFIG_HIGHMEM": h})
               for v, h in (("n", "y"), ("y", "n"), ("n", "n"), ("y", "y"))]
    for order in (classes, classes[::-1]):
        out, _ = with_implied_bools(order, kconfig, names)
        got = {(c["CONFIG_64BIT"], c["CONFIG_HIGHMEM"]):
               (c.get("CONFIG_X86_32", "n"), c.get("CONFIG_KMAP_LOCAL", "n")) for c in out}
        assert got == {("n", "y"): ("y", "y"), ("y", "n"): ("n", "n"),
                       ("n", "n"): ("y", "n"), ("y", "y"): ("n", "y")}


def test_a_symbol_named_outright_in_the_subject_is_the_scope():
    assert scope_from_words("i386: build the pgd code without its CONFIG_X86_PAE guard",
                            KCONFIG, "i386") == ["CONFIG_X86_PAE"]


def test_a_config_name_kconfig_does_not_know_is_no_scope():
    assert scope_from_words("i386: drop CONFIG_NO_SUCH_THING", KCONFIG, "i386") == []


# -- the symbols that split configurations into classes -------------------------------------

def _classes_of(configs, verdicts, scope=(), implied=()):
    from reviewtool.model.compare import Cell, _mattering
    per_config = [{"f": Cell(v, "function", "function")} for v in verdicts]
    return _mattering(configs, per_config, ["f"], list(scope), implied=implied)


def test_a_symbol_that_flips_a_verdict_alone_splits_the_classes():
    configs = [{"A": "y", "B": "n"}, {"A": "n", "B": "n"}, {"A": "y", "B": "y"}]
    assert _classes_of(configs, ["same", "changed", "same"]) == ["A"]


def test_verdicts_that_differ_without_a_one_symbol_pair_still_split_the_classes():
    # Kconfig ties X86_32=n to KMAP_LOCAL=n (implied): no two sampled configurations differ
    # in one symbol, and one class would have shown only the first verdict
    configs = [{"CONFIG_X86_32": "y", "CONFIG_KMAP_LOCAL": "y", "CONFIG_NR": "8"},
               {"CONFIG_X86_32": "n", "CONFIG_KMAP_LOCAL": "n", "CONFIG_NR": "64"}]
    assert _classes_of(configs, ["same", "changed"],
                       implied=["CONFIG_KMAP_LOCAL"]) == ["CONFIG_X86_32"]


def test_the_scope_already_splitting_the_verdicts_adds_nothing():
    configs = [{"CONFIG_X86_32": "y", "CONFIG_KMAP_LOCAL": "y"},
               {"CONFIG_X86_32": "n", "CONFIG_KMAP_LOCAL": "n"}]
    assert _classes_of(configs, ["same", "changed"], scope=["CONFIG_KMAP_LOCAL"]) == \
        ["CONFIG_KMAP_LOCAL"]


def test_equal_verdicts_make_one_class():
    configs = [{"A": "y", "B": "n"}, {"A": "n", "B": "y"}]
    assert _classes_of(configs, ["same", "same"]) == []


_NOTE_DIFF = """--- a/arch/i386/mm/pgtable.c
+++ b/arch/i386/mm/pgtable.c
@@ -1,3 +1,4 @@
+/* {note} */
 {first}
 {second}
 {third}
"""


def _note_patch(tree, note):
    from reviewtool.patch import parse_diff
    first, second, third = tree.read("arch/i386/mm/pgtable.c").split("\n")[:3]
    return parse_diff(_NOTE_DIFF.format(note=note, first=first, second=second, third=third))


def test_the_same_patch_on_the_same_tree_gives_the_same_post_image(monkeypatch):
    # a server reviewing a patch again finds the post-image's units under the tree it kept
    from reviewtool.checks import context
    from reviewtool.checks.context import apply_patch
    from reviewtool.tree import DirTree
    monkeypatch.setattr(context, "_POST_IMAGES", {})
    tree = DirTree(corpus_tree().path)
    results, after = apply_patch(_note_patch(tree, "a note"), tree)
    assert all(h.applied for r in results for h in r.hunks)
    assert apply_patch(_note_patch(tree, "a note"), tree)[1] is after


def test_other_changes_or_another_tree_get_a_post_image_of_their_own(monkeypatch):
    from reviewtool.checks import context
    from reviewtool.checks.context import apply_patch
    from reviewtool.tree import DirTree
    monkeypatch.setattr(context, "_POST_IMAGES", {})
    tree, copy = DirTree(corpus_tree().path), DirTree(corpus_tree().path)
    after = apply_patch(_note_patch(tree, "a note"), tree)[1]
    assert apply_patch(_note_patch(tree, "another note"), tree)[1] is not after
    other = apply_patch(_note_patch(copy, "a note"), copy)[1]
    assert other is not after and other.base is copy


def test_a_server_lets_go_of_post_images_of_trees_it_no_longer_keeps(monkeypatch):
    # an edited directory is a new tree object: the old one, and its caches, are not held
    from reviewtool import tree as trees
    from reviewtool.checks import context
    from reviewtool.tree import DirTree
    monkeypatch.setattr(context, "_POST_IMAGES", {})
    monkeypatch.setattr(trees, "KEEP", 4)
    monkeypatch.setattr(trees, "_KEPT", {})
    old, new = DirTree(corpus_tree().path), DirTree(corpus_tree().path)
    monkeypatch.setitem(trees._KEPT, ("dir", "/t"), old)
    changes = {"arch/i386/mm/pgtable.c": "int x;\n"}
    kept = context._post_image(old, changes)
    assert context._post_image(old, changes) is kept
    trees._KEPT[("dir", "/t")] = new  # the tree changed: kept_tree made a new one
    context._post_image(new, changes)
    assert [image.base for image in context._POST_IMAGES.values()] == [new]
