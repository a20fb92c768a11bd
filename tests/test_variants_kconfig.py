"""Kconfig constraints (kconfiglib) and configuration classes."""

import os

import pytest

from reviewtool.errors import KconfigError
from reviewtool.tree import DirTree, corpus_tree
from reviewtool.variants.classes import enumerate_configs
from reviewtool.variants.config import Configuration
from reviewtool.variants.expr import TRUE, Defined, to_c
from reviewtool.variants.kconfig import read_kconfig

KCONFIG = """
mainmenu "test"

config EXPERIMENTAL
	bool "Experimental"
	default y

config PARAVIRT
	bool "Paravirtualization support"
	depends on EXPERIMENTAL

config XEN
	bool "Xen"
	depends on PARAVIRT && !NUMA

config NUMA
	bool "NUMA"

config MODS
	tristate "Something modular"

choice
	prompt "High Memory Support"
	default HIGHMEM4G

config NOHIGHMEM
	bool "off"

config HIGHMEM4G
	bool "4GB"

config HIGHMEM64G
	bool "64GB"

endchoice

config X86_PAE
	bool
	depends on HIGHMEM64G
	default y

choice
	prompt "Memory split"
	default VMSPLIT_3G

config VMSPLIT_3G
	bool "3G/1G"

config VMSPLIT_2G
	bool "2G/2G"

endchoice

config PAGE_OFFSET
	hex
	default 0x78000000 if VMSPLIT_2G
	default 0xC0000000

config LEVELS
	int
	default 3 if X86_PAE
	default 2

config NEEDS_SHELL
	string
	default "$(shell,echo hi)"

source "arch/none/Kconfig"
"""


@pytest.fixture
def model(tmp_path):
    (tmp_path / "Kconfig").write_text(KCONFIG)
    return read_kconfig(DirTree(tmp_path))


def C(**kw):
    return Configuration(kw)


def test_symbols_and_types(model):
    assert model.symbols["CONFIG_PARAVIRT"].type == "bool"
    assert model.symbols["CONFIG_MODS"].type == "tristate"
    assert model.symbols["CONFIG_PAGE_OFFSET"].type == "hex"
    assert model.symbols["CONFIG_LEVELS"].type == "int"


def test_depends_as_if_expression(model):
    assert model.symbols["CONFIG_PARAVIRT"].depends == Defined("CONFIG_EXPERIMENTAL")
    assert to_c(model.symbols["CONFIG_XEN"].depends) == \
        "defined(CONFIG_PARAVIRT) && !defined(CONFIG_NUMA)"
    assert model.symbols["CONFIG_NUMA"].depends == TRUE


def test_prompt_flag(model):
    assert model.symbols["CONFIG_PARAVIRT"].prompt is True
    assert model.symbols["CONFIG_X86_PAE"].prompt is False


def test_choices(model):
    members = {m for ms in model.choices.values() for m in ms}
    assert {"CONFIG_HIGHMEM4G", "CONFIG_HIGHMEM64G", "CONFIG_VMSPLIT_2G"} <= members
    assert model.symbols["CONFIG_HIGHMEM64G"].choice is not None
    assert model.symbols["CONFIG_HIGHMEM64G"].choice == model.symbols["CONFIG_NOHIGHMEM"].choice


def test_hex_defaults_and_domain(model):
    assert model.symbols["CONFIG_PAGE_OFFSET"].defaults == ("0x78000000", "0xC0000000")
    assert model.domain("CONFIG_PAGE_OFFSET") == ("0x78000000", "0xC0000000")


def test_domains(model):
    assert model.domain("CONFIG_PARAVIRT") == ("y", "n")
    assert model.domain("CONFIG_MODS") == ("y", "m", "n")
    assert model.domain("CONFIG_LEVELS") == ("3", "2")
    assert model.domain("CONFIG_NOT_IN_KCONFIG") == ("y", "n")


def test_missing_source_is_a_warning(model):
    assert any("arch/none/Kconfig" in w for w in model.warnings)


def test_shell_never_run(model):
    assert any("shell" in w for w in model.warnings)
    assert model.symbols["CONFIG_NEEDS_SHELL"].type == "string"


def test_environment_restored(tmp_path):
    (tmp_path / "Kconfig").write_text(KCONFIG)
    before = {k: os.environ.get(k) for k in ("srctree", "ARCH", "SRCARCH")}
    read_kconfig(DirTree(tmp_path))
    assert {k: os.environ.get(k) for k in before} == before


def test_dependency_violation_refuted(model):
    assert model.allows(C(PARAVIRT="y", EXPERIMENTAL="n")) is False
    assert model.allows(C(XEN="y", NUMA="y")) is False


def test_satisfied_dependency_allowed(model):
    assert model.allows(C(PARAVIRT="y", EXPERIMENTAL="y")) is True


def test_free_symbols_give_unknown(model):
    assert model.allows(C(PAGE_OFFSET="0x78000000")) is None


def test_dependencies_propagate(model):
    implied = model.implied(C(XEN="y"))
    assert implied["CONFIG_PARAVIRT"] == "y" and implied["CONFIG_NUMA"] == "n"
    assert implied["CONFIG_EXPERIMENTAL"] == "y"


def test_transitive_dependency_violation_refuted(model):
    assert model.allows(C(XEN="y", EXPERIMENTAL="n")) is False


def test_int_default_refuted_through_propagation(model):
    # X86_PAE=n with HIGHMEM64G=y is impossible, and LEVELS=2 needs X86_PAE=n
    assert model.allows(C(LEVELS="2", HIGHMEM64G="y")) is False
    assert model.allows(C(LEVELS="3", HIGHMEM64G="y")) is True


def test_bool_cannot_be_m(model):
    assert model.allows(C(PARAVIRT="m")) is False
    assert model.allows(C(MODS="m")) is True


def test_two_choice_members_refuted(model):
    assert model.allows(C(HIGHMEM4G="y", HIGHMEM64G="y")) is False


def test_choice_with_all_members_n_refuted(model):
    assert model.allows(C(NOHIGHMEM="n", HIGHMEM4G="n", HIGHMEM64G="n")) is False
    assert model.allows(C(NOHIGHMEM="n", HIGHMEM4G="n")) is not False


def test_promptless_default_follows_dependency(model):
    assert model.allows(C(X86_PAE="n", HIGHMEM64G="y")) is False
    assert model.allows(C(X86_PAE="y", HIGHMEM64G="n")) is False
    assert model.allows(C(X86_PAE="y", HIGHMEM64G="y")) is True


def test_int_default_tied_to_choice_member(model):
    assert model.allows(C(PAGE_OFFSET="0x78000000", VMSPLIT_2G="n")) is False
    assert model.allows(C(PAGE_OFFSET="0x78000000", VMSPLIT_2G="y")) is True
    assert model.allows(C(PAGE_OFFSET="0xC0000000", VMSPLIT_2G="y")) is False
    assert model.allows(C(LEVELS="3", X86_PAE="n")) is False


def test_no_kconfig_gives_none(tmp_path):
    (tmp_path / "README").write_text("no kconfig here")
    assert read_kconfig(DirTree(tmp_path)) is None


def test_syntax_error_is_one_line_kconfig_error(tmp_path):
    (tmp_path / "Kconfig").write_text("config A\n\tbool \"a\"\n\tdepends on (B\n")
    with pytest.raises(KconfigError) as info:
        read_kconfig(DirTree(tmp_path))
    assert "\n" not in str(info.value)
    assert info.value.path == "Kconfig"


def test_arch_kconfig_of_the_2_6_layout(tmp_path):
    (tmp_path / "arch" / "i386").mkdir(parents=True)
    (tmp_path / "arch" / "i386" / "Kconfig").write_text("config X86_32\n\tbool\n\tdefault y\n")
    model = read_kconfig(DirTree(tmp_path), arch="i386")
    assert "CONFIG_X86_32" in model.symbols


# ------------------------------------------------------------------ classes

def test_enumerate_all_without_kconfig():
    configs, coverage = enumerate_configs(["CONFIG_B", "CONFIG_A"], None)
    assert [c.as_dict() for c in configs] == [
        {"CONFIG_A": "y", "CONFIG_B": "y"}, {"CONFIG_A": "y", "CONFIG_B": "n"},
        {"CONFIG_A": "n", "CONFIG_B": "y"}, {"CONFIG_A": "n", "CONFIG_B": "n"}]
    assert coverage == {"symbols": ["CONFIG_A", "CONFIG_B"], "classes": 4, "of": 4}


def test_enumerate_respects_depends_on(model):
    configs, coverage = enumerate_configs(["CONFIG_PARAVIRT", "CONFIG_EXPERIMENTAL"], model)
    assert C(PARAVIRT="y", EXPERIMENTAL="n") not in configs
    assert len(configs) == 3 and coverage["excluded"] == 1


def test_enumerate_respects_choices(model):
    configs, _ = enumerate_configs(["CONFIG_HIGHMEM4G", "CONFIG_HIGHMEM64G",
                                    "CONFIG_NOHIGHMEM"], model)
    assert sorted(sum(c[s] == "y" for s in c) for c in configs) == [1, 1, 1]


def test_enumerate_hex_domain(model):
    configs, _ = enumerate_configs(["CONFIG_PAGE_OFFSET", "CONFIG_VMSPLIT_2G"], model)
    assert configs == [C(PAGE_OFFSET="0x78000000", VMSPLIT_2G="y"),
                       C(PAGE_OFFSET="0xC0000000", VMSPLIT_2G="n")]


def test_enumerate_tristate(model):
    configs, _ = enumerate_configs(["CONFIG_MODS"], model)
    assert [c["CONFIG_MODS"] for c in configs] == ["y", "m", "n"]


def test_enumerate_samples_past_the_limit():
    names = [f"CONFIG_S{i:02d}" for i in range(20)]
    configs, coverage = enumerate_configs(names, None, limit=256)
    assert coverage["of"] == 2 ** 20 and "sampled" in coverage
    assert coverage["classes"] == len(configs) == 2 + 20 + 20
    assert Configuration({n: "y" for n in names}) in configs
    assert Configuration({n: "n" for n in names}) in configs


def test_sampling_respects_constraints(model):
    names = ["CONFIG_HIGHMEM4G", "CONFIG_HIGHMEM64G", "CONFIG_NOHIGHMEM", "CONFIG_X86_PAE",
             "CONFIG_PARAVIRT", "CONFIG_EXPERIMENTAL", "CONFIG_XEN", "CONFIG_NUMA"]
    configs, coverage = enumerate_configs(names, model, limit=8)
    assert coverage["sampled"]
    assert configs and all(model.allows(c) is not False for c in configs)


def test_enumerate_is_deterministic(model):
    names = ["CONFIG_PARAVIRT", "CONFIG_XEN", "CONFIG_NUMA"]
    assert enumerate_configs(names, model) == enumerate_configs(list(reversed(names)), model)


# ------------------------------------------------------------------ the corpus

@pytest.fixture
def corpus_model():
    tree = corpus_tree()
    if tree.read("arch/i386/Kconfig") is None:
        pytest.skip("corpus tree not present")
    return read_kconfig(tree)


def test_corpus_kconfig_reads(corpus_model):
    assert corpus_model.symbols["CONFIG_X86_PAE"].depends == Defined("CONFIG_HIGHMEM64G")
    assert corpus_model.symbols["CONFIG_PARAVIRT"].type == "bool"


def test_corpus_page_offset_domain(corpus_model):
    assert "0xC0000000" in corpus_model.domain("CONFIG_PAGE_OFFSET")


def test_corpus_pae_and_paravirt_classes(corpus_model):
    configs, coverage = enumerate_configs(["CONFIG_X86_PAE", "CONFIG_PARAVIRT"], corpus_model)
    assert coverage["classes"] == 4
    configs, _ = enumerate_configs(["CONFIG_X86_PAE", "CONFIG_HIGHMEM64G"], corpus_model)
    assert C(X86_PAE="y", HIGHMEM64G="n") not in configs
    assert C(X86_PAE="n", HIGHMEM64G="y") not in configs
