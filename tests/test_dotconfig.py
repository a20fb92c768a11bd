"""Real .config files: which of them a finding applies to."""

import json
import lzma

from helpers import SEED, run_cli
from reviewtool.variants.dotconfig import read_dotconfig

PAE = "CONFIG_X86_PAE=y\n# CONFIG_PARAVIRT is not set\nCONFIG_PAGE_OFFSET=0xC0000000\n"
PLAIN = "# CONFIG_X86_PAE is not set\n# CONFIG_PARAVIRT is not set\n"


def test_reads_set_unset_and_values(tmp_path):
    path = tmp_path / ".config"
    path.write_text(PAE)
    config = read_dotconfig(str(path))
    assert config.value("CONFIG_X86_PAE") == "y" and config.value("CONFIG_PARAVIRT") == "n"
    assert config.value("CONFIG_NOT_MENTIONED") == "n"


def test_reads_xz(tmp_path):
    path = tmp_path / "config.xz"
    path.write_bytes(lzma.compress(PAE.encode()))
    assert read_dotconfig(str(path)).value("CONFIG_X86_PAE") == "y"


def test_findings_name_the_configs_they_apply_to(tmp_path):
    (tmp_path / "pae.config").write_text(PAE)
    (tmp_path / "plain.config").write_text(PLAIN)
    status, out, err = run_cli("check", "--format", "json", "--no-exec",
                               "--config", tmp_path / "pae.config",
                               "--config", tmp_path / "plain.config", SEED)
    doc = json.loads(out)
    by_function = {f["function"]: f["applies_to"] for f in doc["findings"]
                   if f["id"] == "config-change" and f["severity"] == "error"}
    assert by_function["_vmalloc_sync_all"] == ["pae.config"]
    assert by_function["pgd_ctor"] == ["plain.config"]


def test_unreadable_config_is_a_usage_error_before_any_work(tmp_path):
    (tmp_path / "junk.config").write_text("hello\n")
    status, out, err = run_cli("check", "--config", tmp_path / "junk.config", SEED)
    assert status == 2 and "not a .config" in err and out == ""
