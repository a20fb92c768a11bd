"""`reviewtool model`: what the model knows of a file."""

import json

from helpers import SEED, run_cli


def model_json(*args):
    status, out, err = run_cli("model", "--format", "json", *args)
    assert status == 0, err
    return json.loads(out)


def test_pgd_ctor_with_calls_and_paravirt_hooks():
    info = model_json("arch/i386/mm/pgtable.c")
    (ctor,) = [f for f in info["functions"] if f["name"] == "pgd_ctor"]
    assert {"clone_pgd_range", "spin_lock_irqsave", "pgd_list_add"} <= set(ctor["calls"])
    assert ctor["paravirt_hooks"] == {"CONFIG_PARAVIRT=y": ["alloc_pd_clone"]}


def test_ptrs_per_pmd_per_configuration():
    info = model_json("arch/i386/mm/pgtable.c")
    values = {v["value"]: v["config"] for v in info["macros"]["PTRS_PER_PMD"]["values"]}
    assert values == {"512": {"CONFIG_X86_PAE": "y"}, "1": {"CONFIG_X86_PAE": "n"}}


def test_shared_kernel_pmd_after_the_seed_patch():
    info = model_json("arch/i386/mm/pgtable.c", "--patch", SEED)
    values = {v["value"]: v["config"] for v in info["macros"]["SHARED_KERNEL_PMD"]["values"]}
    assert values["paravirt_ops.shared_kernel_pmd"] == {"CONFIG_PARAVIRT": "y",
                                                        "CONFIG_X86_PAE": "y"}
    assert values["1"] == {"CONFIG_PARAVIRT": "n", "CONFIG_X86_PAE": "y"}
    assert values["0"] == {"CONFIG_X86_PAE": "n"}


def test_projection_keeps_line_numbers_and_drops_dead_branches():
    text = run_cli("model", "arch/i386/mm/fault.c", "--config", "CONFIG_X86_PAE=y")[1]
    projected = text.split("projected onto", 1)[1].split("\n")[1:]
    original = open("corpus/tree/arch/i386/mm/fault.c").read().split("\n")
    assert len([l for l in projected if l[:5].strip().isdigit()]) == len(original)
    assert not any("void vmalloc_sync_all(void)" in line for line in projected)


def test_function_presence_condition_is_shown():
    info = model_json("arch/i386/mm/fault.c")
    (sync,) = [f for f in info["functions"] if f["name"] == "vmalloc_sync_all"]
    assert "CONFIG_X86_PAE" in sync["condition"]
