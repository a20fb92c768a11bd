"""Opt-in checks on a real kernel: Debian's linux-source-6.1 extracted to /tmp/linux-6.1
(or ``$REVIEWTOOL_LINUX``). Skipped when the tree is absent; run with ``-m realtree``::

    mkdir -p /tmp/linux-6.1 && tar -xJf /usr/src/linux-source-6.1.tar.xz -C /tmp/linux-6.1 \\
        --strip-components=1 'linux-source-6.1/arch/x86' 'linux-source-6.1/include'
"""

import os
import shutil
import time
from pathlib import Path

import pytest

from reviewtool.tree import DirTree
from reviewtool.variants.conditions import scan
from reviewtool.variants.config import Configuration
from reviewtool.variants.expand import expand
from reviewtool.variants.preprocess import preprocess

ROOT = Path(os.environ.get("REVIEWTOOL_LINUX", "/tmp/linux-6.1"))

pytestmark = [
    pytest.mark.realtree,
    pytest.mark.skipif(not (ROOT / "arch" / "x86" / "mm").is_dir(),
                       reason=f"no Linux 6.1 tree at {ROOT}"),
]


@pytest.fixture(scope="module")
def tree():
    return DirTree(ROOT)


def test_scan_all_of_arch_x86_quickly(tree):
    texts = [(p, tree.read(p)) for p in tree.walk() if p.startswith("arch/x86/")]
    assert len(texts) > 1000
    start = time.perf_counter()
    symbols = set()
    widest = 0
    for path, text in texts:
        fc = scan(text, path)
        symbols |= fc.symbols
        widest = max(widest, len(fc.symbols))
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, elapsed
    assert 300 < len(symbols) < 600
    assert 20 <= widest <= 40


def test_pgtable_c_shared_kernel_pmd_per_config(tree):
    pae = Configuration({"CONFIG_X86_32": "y", "CONFIG_X86_PAE": "y", "CONFIG_PARAVIRT": "n",
                         "CONFIG_PGTABLE_LEVELS": "3", "CONFIG_MMU": "y"})
    unit = preprocess(tree, "arch/x86/mm/pgtable.c", pae, arch="i386")
    paths = [f.path for f in unit.files]
    assert "arch/x86/include/asm/pgtable.h" in paths
    assert "arch/x86/include/asm/pgtable-3level_types.h" in paths
    assert "SHARED_KERNEL_PMD" in unit.macros
    assert unit.root.text.count("\n") == tree.read("arch/x86/mm/pgtable.c").count("\n")


def test_pgtable_levels_follow_config(tree):
    for levels, header in (("2", "pgtable-2level_types.h"), ("3", "pgtable-3level_types.h")):
        config = Configuration({"CONFIG_X86_32": "y", "CONFIG_PGTABLE_LEVELS": levels,
                                "CONFIG_X86_PAE": "y" if levels == "3" else "n"})
        unit = preprocess(tree, "arch/x86/mm/pgtable.c", config, arch="i386")
        assert f"arch/x86/include/asm/{header}" in [f.path for f in unit.files]


def test_expand_ptrs_per_pmd(tree):
    config = Configuration({"CONFIG_X86_32": "y", "CONFIG_X86_PAE": "y",
                            "CONFIG_PGTABLE_LEVELS": "3"})
    unit = preprocess(tree, "arch/x86/mm/pgtable.c", config, arch="i386")
    assert expand("PTRS_PER_PMD", unit.macros) == "512"


@pytest.mark.skipif(shutil.which("unifdef") is None, reason="unifdef not installed")
def test_arch_x86_mm_matches_unifdef(tree):
    from test_variants_oracle import compare_files
    paths = [p for p in tree.walk() if p.startswith("arch/x86/mm/")]
    configs = [
        {"CONFIG_X86_PAE": "y", "CONFIG_PARAVIRT": "n", "CONFIG_X86_64": "n",
         "CONFIG_PGTABLE_LEVELS": "3"},
        {"CONFIG_X86_64": "y", "CONFIG_PARAVIRT": "y", "CONFIG_KVM": "m",
         "CONFIG_PGTABLE_LEVELS": "4", "CONFIG_NUMA": "y"},
    ]
    compared, skipped, differences = compare_files(tree, paths, configs)
    assert differences == []
    assert compared > len(paths)


@pytest.fixture(scope="module")
def kconfig61(tree):
    if tree.read("init/Kconfig") is None:
        pytest.skip("the tree's Kconfig files are not extracted")
    from reviewtool.variants.kconfig import read_kconfig
    return read_kconfig(tree, arch="i386")


def test_linux_6_1_kconfig_loads(kconfig61):
    assert len(kconfig61.symbols) > 10_000
    assert kconfig61.domain("CONFIG_PGTABLE_LEVELS") == ("5", "4", "3", "2")


def test_linux_6_1_pae_means_three_levels(kconfig61):
    from reviewtool.variants.classes import enumerate_configs
    configs, coverage = enumerate_configs(
        ["CONFIG_X86_PAE", "CONFIG_PARAVIRT", "CONFIG_PGTABLE_LEVELS"], kconfig61)
    pae = {c["CONFIG_PGTABLE_LEVELS"] for c in configs if c["CONFIG_X86_PAE"] == "y"}
    assert pae == {"3"}
    assert coverage["classes"] == 8
