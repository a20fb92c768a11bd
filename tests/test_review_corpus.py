"""End to end on the bundled corpus: the seed review, the reviewer's version, the clash, a
series. Each test pins one conclusion a reviewer would draw."""

from helpers import QUICKLIST, SEED, SEED_V2, SERIES, review_json, run_cli

PAE_ONLY = {"CONFIG_X86_PAE": "y", "CONFIG_PARAVIRT": "n"}
NON_PAE = {"CONFIG_X86_PAE": "n", "CONFIG_PARAVIRT": "n"}


def findings(doc, id_=None, severity=None, function=None):
    return [f for f in doc["findings"]
            if (id_ is None or f["id"] == id_) and (severity is None or f["severity"] == severity)
            and (function is None or f["function"] == function)]


def test_seed_scope_is_paravirt_not_pae():
    _, doc = review_json(SEED)
    assert doc["patches"][0]["scope"] == ["CONFIG_PARAVIRT"]


def test_seed_renamed_function_newly_built_in_pae_without_paravirt():
    _, doc = review_json(SEED)
    hits = findings(doc, "config-change", "error", "_vmalloc_sync_all")
    assert [f["configs"] for f in hits] == [[PAE_ONLY]]
    assert hits[0]["evidence"]["kind"] == "variant-diff"
    assert hits[0]["evidence"]["before"] == "absent"
    assert hits[0]["file"] == "arch/i386/mm/fault.c"


def test_seed_pgd_ctor_changes_in_non_pae_non_paravirt():
    _, doc = review_json(SEED)
    hits = findings(doc, "config-change", "error", "pgd_ctor")
    assert [f["configs"] for f in hits] == [[NON_PAE]]
    assert any("clone_pgd_range" in line for line in hits[0]["evidence"]["diff"])


def test_seed_pgd_ctor_unchanged_in_pae_without_paravirt():
    _, doc = review_json(SEED)
    assert not [f for f in findings(doc, "config-change", "error", "pgd_ctor")
                if PAE_ONLY in f["configs"]]


def test_seed_naming_proposes_double_underscore_with_counts():
    _, doc = review_json(SEED)
    (hit,) = findings(doc, "naming")
    assert "__vmalloc_sync_all" in hit["message"]
    counts = hit["evidence"]["counts"]
    assert counts["double_underscore"] > counts["single_underscore"]


def test_seed_simpler_alternative_is_the_early_return():
    _, doc = review_json(SEED)
    (hit,) = findings(doc, "simpler-alternative")
    assert hit["evidence"]["with"] == "if (SHARED_KERNEL_PMD) return;"
    assert hit["function"] == "vmalloc_sync_all"


def test_seed_exits_one_for_errors():
    status, _ = review_json(SEED)
    assert status == 1


def test_seed_coverage_names_the_two_symbols():
    _, doc = review_json(SEED)
    assert doc["coverage"]["symbols"] == ["CONFIG_PARAVIRT", "CONFIG_X86_PAE"]
    assert doc["coverage"]["classes"] == doc["coverage"]["of"] == 4


def test_v2_has_no_error_level_config_change():
    _, doc = review_json(SEED_V2)
    assert findings(doc, "config-change", "error") == []


def test_v2_has_no_naming_finding():
    _, doc = review_json(SEED_V2)
    assert findings(doc, "naming") == []


def test_v2_has_no_simpler_alternative():
    _, doc = review_json(SEED_V2)
    assert findings(doc, "simpler-alternative") == []


def test_v2_vmalloc_sync_all_equivalent_to_the_noop_macro_in_pae():
    _, doc = review_json(SEED_V2)
    hits = [f for f in findings(doc, "config-change", "info", "vmalloc_sync_all")
            if PAE_ONLY in f["configs"]]
    assert hits and hits[0]["evidence"]["before"] == "no-op macro"
    assert hits[0]["evidence"]["folded"]["SHARED_KERNEL_PMD"] == "1"


def test_v2_undecidable_helper_calls_are_warnings_not_errors():
    _, doc = review_json(SEED_V2)
    hits = findings(doc, "config-change", "warning", "pgd_alloc")
    assert hits and "pmd_cache_alloc" in hits[0]["message"]


def test_clash_with_queued_patch_is_textual():
    _, doc = review_json(SEED, "--against", QUICKLIST)
    (hit,) = findings(doc, "clash")
    assert hit["severity"] == "error" and hit["evidence"]["clash"] == "textual"
    assert hit["evidence"]["other"]["subject"].startswith("[PATCH] i386: use quicklists")


def test_no_clash_without_against():
    _, doc = review_json(SEED)
    assert findings(doc, "clash") == []


def test_series_is_reviewed_in_order_with_cover_letter_noted():
    status, doc = review_json(SERIES)
    assert [p["subject"][:12] for p in doc["patches"]] == ["[PATCH 1/3] ", "[PATCH 2/3] ",
                                                          "[PATCH 3/3] "]
    assert all(p["applied"] for p in doc["patches"])
    assert any("cover letter" in n for n in doc["notes"])


def test_series_confined_to_paravirt_has_no_config_change():
    status, doc = review_json(SERIES)
    assert findings(doc, "config-change") == [] and status == 0


def test_json_output_is_byte_stable():
    first = run_cli("check", "--format", "json", SEED)[1]
    assert first == run_cli("check", "--format", "json", SEED)[1]


def test_findings_are_sorted_by_patch_file_line_id():
    _, doc = review_json(SEED)
    keys = [(f["patch"], f["file"] or "", f["line"] or 0, f["id"]) for f in doc["findings"]]
    assert keys == sorted(keys)
