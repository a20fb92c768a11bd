"""Golden files for the three report formats of the seed review, and reporter invariants.

Regenerate after an intended change with ``REVIEWTOOL_UPDATE_GOLDEN=1 python -m pytest
tests/test_reports.py`` and read the diff before committing it.
"""

import email
import email.policy
import json
import os
from pathlib import Path

import pytest

from helpers import SEED, SEED_V2, run_cli
from reviewtool.resources import corpus_dir

GOLDEN = Path(__file__).parent / "golden"
CORPUS_TREE = str(corpus_dir() / "tree")


def normalized(text: str) -> str:
    return text.replace(CORPUS_TREE, "<corpus>")


@pytest.mark.parametrize("fmt,name", [("json", "seed.json"), ("email", "seed.email"),
                                      ("terminal", "seed.terminal")])
def test_golden(fmt, name):
    status, out, err = run_cli("check", "--format", fmt, SEED)
    assert status == 1, err
    got = normalized(out)
    path = GOLDEN / name
    if os.environ.get("REVIEWTOOL_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")


def test_json_follows_the_contract_fields():
    doc = json.loads(run_cli("check", "--format", "json", SEED)[1])
    assert doc["schema"] == 1 and doc["tool"]["name"] == "reviewtool"
    assert set(doc["tree"]) >= {"kind", "path", "revision", "arch"}
    assert set(doc["patches"][0]) >= {"index", "subject", "message_id", "author", "applied",
                                      "scope", "files"}
    assert set(doc["coverage"]) >= {"symbols", "classes", "of"}
    for finding in doc["findings"]:
        assert set(finding) >= {"id", "severity", "patch", "file", "line", "side", "function",
                                "configs", "message", "evidence"}
        assert "kind" in finding["evidence"]
        assert all(isinstance(v, str) for c in finding["configs"] for v in c.values())


def test_reply_threads_under_the_original():
    reply = email.message_from_string(run_cli("check", "--format", "email", SEED)[1],
                                      policy=email.policy.default)
    assert reply["Subject"] == "Re: [patch 07/20] Allow paravirt backend to choose kernel " \
                               "PMD sharing"
    assert reply["In-Reply-To"] == "<20070404191158.563186000@goop.org>"
    assert "<20070404191158.563186000@goop.org>" in reply["References"]


def test_reply_quotes_original_lines_exactly():
    body = run_cli("check", "--format", "email", SEED)[1]
    original = SEED.read_text(encoding="utf-8").split("\n")
    quoted = [line[2:] for line in body.split("\n") if line.startswith("> ")
              and line != "> ..."]
    assert quoted and all(q in original for q in quoted)


def test_reply_puts_the_comment_under_its_hunk():
    body = run_cli("check", "--format", "email", SEED)[1]
    hunk = body.index("> -#ifndef CONFIG_X86_PAE")
    comment = body.index("_vmalloc_sync_all() is now built")
    next_hunk = body.index("> --- a/arch/i386/mm/pgtable.c")
    assert hunk < comment < next_hunk


def test_reply_for_clean_patch_says_so_without_errors():
    body = run_cli("check", "--format", "email", SEED_V2)[1]
    assert "functional change" not in body.lower()


def test_terminal_has_no_colour_codes_when_not_a_terminal():
    assert "\x1b[" not in run_cli("check", SEED)[1]


def test_terminal_shows_the_function_configuration_matrix():
    out = run_cli("check", SEED)[1]
    assert "function × configuration" in out and "(out of scope)" in out


def test_quiet_prints_nothing_but_keeps_the_status():
    status, out, _ = run_cli("check", "--quiet", SEED)
    assert status == 1 and out == ""


def test_fail_on_never_exits_zero():
    assert run_cli("check", "--fail-on", "never", SEED)[0] == 0


def test_output_file_is_written_whole(tmp_path):
    target = tmp_path / "review.json"
    status, out, _ = run_cli("check", "--format", "json", "--output", target, SEED)
    assert out == "" and json.loads(target.read_text())["schema"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["review.json"]


def test_explain_prints_rationale_and_examples():
    status, out, _ = run_cli("explain", "config-change")
    assert status == 0 and "Rationale" in out and "Bad" in out and "Good" in out


def test_explain_unknown_check_is_a_usage_error():
    status, _, err = run_cli("explain", "no-such-check")
    assert status == 2 and "config-change" in err


def test_reply_written_as_an_mbox_a_mail_client_reads(tmp_path):
    import mailbox

    target = tmp_path / "reply.mbox"
    status, out, _ = run_cli("check", "--format", "email", "--output", target, SEED)
    (reply,) = list(mailbox.mbox(str(target)))
    assert out == "" and reply["In-Reply-To"] == "<20070404191158.563186000@goop.org>"
    assert "Andrew Morton <akpm@linux-foundation.org>" in reply["Cc"]


def test_output_into_a_missing_directory_is_a_usage_error(tmp_path):
    status, _, err = run_cli("check", "--format", "json", "--output",
                             tmp_path / "nope" / "r.json", SEED)
    assert status == 2 and "--output" in err
