"""Tests for reviewtool.mail: subjects, diff extraction, mail/mbox/MIME reading, series order."""

from __future__ import annotations

import base64
import io
import random
import textwrap

import pytest
import unidiff

from reviewtool.errors import MailError
from reviewtool.mail import (Mail, Series, Subject, extract_diff, find_diff, order_series,
                             parse_subject, read_inputs)

SHA = "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c"


def dd(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


HUNK = dd("""
    @@ -588,4 +588,3 @@ void vmalloc_sync_all(void)
     #include <linux/mm.h>
    -#ifndef CONFIG_X86_PAE
    -void vmalloc_sync_all(void)
    +void _vmalloc_sync_all(void)
     {
    """)

GIT_DIFF = dd("""
    diff --git a/arch/i386/mm/fault.c b/arch/i386/mm/fault.c
    index 1ecb3e4..2b8e4f1 100644
    --- a/arch/i386/mm/fault.c
    +++ b/arch/i386/mm/fault.c
    """) + HUNK

FORMAT_PATCH = dd(f"""
    From {SHA} Mon Sep 17 00:00:00 2001
    From: Jeremy Fitzhardinge <jeremy@goop.org>
    Date: Wed, 4 Apr 2007 12:11:58 -0700
    Subject: [patch 07/20] Allow paravirt backend to choose kernel PMD sharing
    Message-ID: <20070404191158.123@goop.org>
    To: Andrew Morton <akpm@linux-foundation.org>
    Cc: lkml <linux-kernel@vger.kernel.org>, xen-devel@lists.xensource.com

    Normally when running in PAE mode, the 4th PMD maps the kernel address
    space, which can be shared among all processes.

    Signed-off-by: Jeremy Fitzhardinge <jeremy@xensource.com>
    ---
     arch/i386/mm/fault.c | 3 +--
     1 file changed, 1 insertion(+), 2 deletions(-)

    """) + GIT_DIFF + dd("""
    
    base-commit: 0123456789abcdef0123456789abcdef01234567
    -- 
    2.39.5

    """)


def write(tmp_path, name: str, data: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def read_one(tmp_path, data: str | bytes, name: str = "mail.eml") -> Mail:
    mails = read_inputs([write(tmp_path, name, data)])
    assert len(mails) == 1
    return mails[0]


def mime(parts: list[str], headers: str = "") -> str:
    """A multipart/mixed mail around ``parts`` (each: part headers, blank line, payload)."""
    out = dd("""
        From: Jeremy Fitzhardinge <jeremy@goop.org>
        Subject: [PATCH 1/1] fix fault.c
        Message-ID: <m1@goop.org>
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="BOUNDARY"
        """) + headers + "\n"
    for part in parts:
        out += "--BOUNDARY\n" + part
        if not part.endswith("\n"):
            out += "\n"
    return out + "--BOUNDARY--\n"


# --------------------------------------------------------------------------------------------
# Subjects

@pytest.mark.parametrize("raw, title, prefixes, revision, counter, total, reply", [
    ("[patch 07/20] Allow paravirt backend to choose kernel PMD sharing",
     "Allow paravirt backend to choose kernel PMD sharing", ("patch", "07/20"), 1, 7, 20, False),
    ("[PATCH v2 3/5] x86/mm: foo", "x86/mm: foo", ("PATCH", "v2", "3/5"), 2, 3, 5, False),
    ("[RFC PATCH 1/2] mm: bar", "mm: bar", ("RFC", "PATCH", "1/2"), 1, 1, 2, False),
    ("Re: [PATCH 2/2] mm: bar", "mm: bar", ("PATCH", "2/2"), 1, 2, 2, True),
    ("[PATCH] foo", "foo", ("PATCH",), 1, None, None, False),
    ("[PATCH 00/12] cover", "cover", ("PATCH", "00/12"), 1, 0, 12, False),
    ("[PATCH net-next v3 01/10] net: baz", "net: baz", ("PATCH", "net-next", "v3", "01/10"),
     3, 1, 10, False),
    ("[PATCHv2 1/3] foo", "foo", ("PATCHv2", "1/3"), 2, 1, 3, False),
    ("[PATCH -mm] foo", "foo", ("PATCH", "-mm"), 1, None, None, False),
    ("Allow paravirt backend", "Allow paravirt backend", (), 1, None, None, False),
    ("[RFC][PATCH 2/4] two brackets", "two brackets", ("RFC", "PATCH", "2/4"), 1, 2, 4, False),
    ("RE: Re: [PATCH V4 2/3] upper case", "upper case", ("PATCH", "V4", "2/3"), 4, 2, 3, True),
    ("[PATCH 5.10 012/100] stable", "stable", ("PATCH", "5.10", "012/100"), 1, 12, 100, False),
])
def test_subject_parts(raw, title, prefixes, revision, counter, total, reply):
    s = parse_subject(raw)
    assert (s.title, s.prefixes, s.revision, s.counter, s.total, s.is_reply) == \
        (title, prefixes, revision, counter, total, reply)


def test_subject_notes_assumed_revision():
    assert "revision 1 assumed" in parse_subject("[patch 07/20] x").notes


def test_subject_notes_run_together_revision():
    assert any("PATCHv2" in n for n in parse_subject("[PATCHv2 1/3] foo").notes)


def test_subject_explicit_revision_not_noted_as_assumed():
    assert not any("assumed" in n for n in parse_subject("[PATCH v2 1/3] foo").notes)


def test_subject_raw_is_whitespace_folded():
    assert parse_subject("[PATCH]\n\t foo   bar ").raw == "[PATCH] foo bar"


def test_subject_encoded_words_decoded():
    s = parse_subject("=?utf-8?q?=5BPATCH_1/2=5D_caf=C3=A9?= fix")
    assert (s.title, s.counter) == ("café fix", 1)


def test_subject_unclosed_bracket_never_raises():
    s = parse_subject("[PATCH 1/2 oops")
    assert s.title == "[PATCH 1/2 oops" and s.counter is None


def test_subject_is_frozen():
    with pytest.raises(AttributeError):
        parse_subject("x").title = "y"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Diff extraction

def body_of(text: str) -> list[str]:
    return text.split("\n")


def test_extract_format_patch_starts_at_diff_git():
    body = FORMAT_PATCH.split("\n\n", 1)[1]
    diff, offset = extract_diff(body)
    assert body_of(body)[offset].startswith("diff --git ") and diff.startswith("diff --git ")


def test_extract_format_patch_is_exactly_the_diff():
    diff, _ = extract_diff(FORMAT_PATCH.split("\n\n", 1)[1])
    assert diff == GIT_DIFF


def test_extract_signature_and_base_commit_cut():
    diff, _ = extract_diff(FORMAT_PATCH)
    assert "2.39.5" not in diff and "base-commit" not in diff and "\n-- \n" not in diff


def test_extract_offset_matches_body_lines():
    diff, offset = extract_diff(FORMAT_PATCH)
    lines = body_of(FORMAT_PATCH)
    assert lines[offset:offset + diff.count("\n")] == diff.split("\n")[:-1]


def test_extract_diffstat_separator_is_not_a_diff():
    body = "Text.\n---\n fault.c | 1 +\n 1 file changed\n"
    assert extract_diff(body) == ("", 0)


def test_extract_description_mentioning_diff_git_is_not_a_diff():
    body = "Run diff --git to see it.\ndiff --git is handy\nIndex: is a word\n"
    assert extract_diff(body) == ("", 0)


def test_extract_no_diff():
    assert extract_diff("Just a reply.\n\n> quoted\n") == ("", 0)


QUILT_AKPM = dd("""
    From: Andrew Morton <akpm@osdl.org>

    Fix it.

    Signed-off-by: Andrew Morton <akpm@osdl.org>
    ---

     arch/i386/mm/fault.c |    3 +--
     1 file changed, 1 insertion(+), 2 deletions(-)

    Index: linux/arch/i386/mm/fault.c
    ===================================================================
    --- linux.orig/arch/i386/mm/fault.c
    +++ linux/arch/i386/mm/fault.c
    """) + HUNK + dd("""
    _
    """)


def test_extract_quilt_index_lines_start_the_diff():
    diff, offset = extract_diff(QUILT_AKPM)
    assert diff.startswith("Index: linux/arch/i386/mm/fault.c\n====")
    assert body_of(QUILT_AKPM)[offset].startswith("Index: ")


def test_extract_quilt_diff_ends_after_hunk():
    diff, _ = extract_diff(QUILT_AKPM)
    assert diff.endswith(HUNK)


QUILT_JEREMY = dd("""
    Description.

    Signed-off-by: Jeremy Fitzhardinge <jeremy@xensource.com>

    --
     arch/i386/mm/fault.c |    3 +--
     arch/i386/mm/init.c  |    1 +
     2 files changed, 2 insertions(+), 2 deletions(-)

    ===================================================================
    --- a/arch/i386/mm/fault.c
    +++ b/arch/i386/mm/fault.c
    """) + HUNK + dd("""
    ===================================================================
    --- linux-2.6.21/arch/i386/mm/init.c
    +++ linux-2.6.21/arch/i386/mm/init.c
    @@ -10 +10,2 @@
     int x;
    +int y;

    --
    """)


def test_extract_quilt_rule_lines_keep_every_file():
    diff, _ = extract_diff(QUILT_JEREMY)
    assert [p.path for p in unidiff.PatchSet(diff)] == ["arch/i386/mm/fault.c",
                                                        "linux-2.6.21/arch/i386/mm/init.c"]


def test_extract_quilt_double_dash_before_diffstat_not_in_diff():
    diff, _ = extract_diff(QUILT_JEREMY)
    assert diff.startswith("=====") and not diff.rstrip().endswith("--")


def test_extract_default_hunk_counts_are_one():
    diff, _ = extract_diff(QUILT_JEREMY)
    assert diff.endswith("@@ -10 +10,2 @@\n int x;\n+int y;\n")


SIG_LIKE = dd("""
    diff --git a/Documentation/sig.txt b/Documentation/sig.txt
    --- a/Documentation/sig.txt
    +++ b/Documentation/sig.txt
    @@ -1,4 +1,3 @@
     A signature starts with
    -- 
    --- 
    +-- 
     and ends here
    """)


def test_extract_removed_signature_lines_stay_in_hunk():
    diff, _ = extract_diff("Desc\n---\n" + SIG_LIKE + "-- \n2.39.5\n")
    assert diff == SIG_LIKE


def test_extract_hunk_lines_counted_by_unidiff():
    diff, _ = extract_diff(SIG_LIKE + "-- \n2.39.5\n")
    hunk = unidiff.PatchSet(diff)[0][0]
    assert (hunk.removed, hunk.added) == (2, 1)


def test_extract_list_footer_cut():
    body = "Desc\n\n" + GIT_DIFF + dd("""
        _______________________________________________
        Xen-devel mailing list
        Xen-devel@lists.xensource.com
        """)
    assert extract_diff(body)[0] == GIT_DIFF


def test_extract_empty_line_is_context_when_trailing_space_stripped():
    diff = dd("""
        --- a/x.c
        +++ b/x.c
        @@ -1,3 +1,3 @@
         a

        -b
        +c
        """)
    assert extract_diff(diff + "-- \n1.5\n")[0] == diff


def test_extract_no_newline_marker_kept():
    diff = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n" \
           "\\ No newline at end of file\n"
    assert extract_diff(diff + "-- \n")[0] == diff


def test_extract_git_rename_without_hunks_then_next_file():
    diff = dd("""
        diff --git a/old.c b/new.c
        similarity index 100%
        rename from old.c
        rename to new.c
        diff --git a/y.c b/y.c
        --- a/y.c
        +++ b/y.c
        @@ -1 +1 @@
        -a
        +b
        """)
    assert extract_diff("Rename.\n---\n" + diff + "-- \n2.1\n")[0] == diff


def test_extract_several_hunks_in_one_file():
    diff = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n@@ -9 +9 @@\n-c\n+d\n"
    assert extract_diff(diff)[0] == diff


def test_extract_truncated_hunk_kept_with_note():
    body = "--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n a\n-b\n+c\n"
    diff, offset, notes = find_diff(body)
    assert diff == body and "hunk at line 3 truncated" in notes


def test_extract_truncated_hunk_before_signature_noted():
    body = "Desc\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n-- \n2.39.5\n"
    _, _, notes = find_diff(body)
    assert "hunk at line 4 truncated" in notes


def test_extract_second_diff_after_text_is_noted():
    body = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\nAnd also:\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-c\n+d\n"
    diff, _, notes = find_diff(body)
    assert diff.count("@@") == 2 and any("another diff" in n for n in notes)


def test_extract_wrong_counts_noted():
    body = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n+c\n"
    _, _, notes = find_diff(body)
    assert any("hunk counts" in n for n in notes)


# --------------------------------------------------------------------------------------------
# Reading mails

def test_format_patch_headers(tmp_path):
    m = read_one(tmp_path, FORMAT_PATCH, "0007-allow.patch")
    assert (m.message_id, m.author, m.date, m.to, m.cc) == (
        "20070404191158.123@goop.org", "Jeremy Fitzhardinge <jeremy@goop.org>",
        "Wed, 4 Apr 2007 12:11:58 -0700", ("Andrew Morton <akpm@linux-foundation.org>",),
        ("lkml <linux-kernel@vger.kernel.org>", "xen-devel@lists.xensource.com"))


def test_format_patch_subject(tmp_path):
    m = read_one(tmp_path, FORMAT_PATCH)
    assert (m.subject.counter, m.subject.total, m.subject.title) == (
        7, 20, "Allow paravirt backend to choose kernel PMD sharing")


def test_format_patch_from_sha_and_base_commit(tmp_path):
    m = read_one(tmp_path, FORMAT_PATCH)
    assert (m.from_sha, m.base_commit) == (SHA, "0123456789abcdef0123456789abcdef01234567")


def test_format_patch_diff_and_offset(tmp_path):
    m = read_one(tmp_path, FORMAT_PATCH)
    assert m.diff == GIT_DIFF and m.body.split("\n")[m.diff_offset] == GIT_DIFF.split("\n")[0]


def test_format_patch_is_not_plain_diff(tmp_path):
    m = read_one(tmp_path, FORMAT_PATCH)
    assert not m.is_plain_diff and m.source.endswith("mail.eml")


def test_format_patch_description_from_line_does_not_split(tmp_path):
    text = FORMAT_PATCH.replace("Normally when", "From the spec, normally when")
    assert len(read_inputs([write(tmp_path, "p.patch", text)])) == 1


def test_rfc822_mail_without_from_line(tmp_path):
    text = dd("""
        Return-Path: <akpm@linux-foundation.org>
        From: Andrew Morton <akpm@linux-foundation.org>
        Subject: Re: [patch 07/20] Allow paravirt backend to choose kernel PMD sharing
        Message-Id: <20070405.akpm@linux-foundation.org>
        In-Reply-To: <20070404191158.123@goop.org>
        References: <20070404191000.000@goop.org>
         <20070404191158.123@goop.org>

        On Wed, 04 Apr 2007 Jeremy Fitzhardinge wrote:
        > -#ifndef CONFIG_X86_PAE

        This is a functional change for non-paravirt kernels.
        """)
    m = read_one(tmp_path, text)
    assert (m.in_reply_to, m.references, m.subject.is_reply, m.diff, m.from_sha) == (
        "20070404191158.123@goop.org",
        ("20070404191000.000@goop.org", "20070404191158.123@goop.org"), True, "", "")


def test_mail_without_diff_is_not_an_error(tmp_path):
    m = read_one(tmp_path, "From: a@b.c\nSubject: [PATCH 0/3] cover\n\nHello.\n")
    assert (m.diff, m.diff_offset, m.body) == ("", 0, "Hello.\n")


def test_crlf_normalised_in_body_and_diff(tmp_path):
    m = read_one(tmp_path, FORMAT_PATCH.replace("\n", "\r\n").encode())
    assert "\r" not in m.body and m.diff == GIT_DIFF


def test_rfc2047_subject_and_from_decoded(tmp_path):
    text = dd("""
        From: =?iso-8859-1?q?J=E9r=E9my_Fitz?= <j@x.org>
        Subject: =?utf-8?q?=5BPATCH=5D_caf=C3=A9?=
         =?utf-8?b?IGZpeA==?=

        body
        """)
    m = read_one(tmp_path, text)
    assert (m.author, m.subject.title) == ("Jérémy Fitz <j@x.org>", "café fix")


def test_unknown_charset_in_header_decoded_as_latin1(tmp_path):
    m = read_one(tmp_path, "From: =?x-foo?q?J=E9r=E9my?= <j@x.org>\nSubject: x\n\nb\n")
    assert m.author == "Jérémy <j@x.org>" and any("x-foo" in n for n in m.notes)


def test_raw_8bit_header_decoded(tmp_path):
    m = read_one(tmp_path, b"From: J\xe9r\xe9my <j@x.org>\nSubject: caf\xc3\xa9\n\nb\n")
    assert (m.author, m.subject.title) == ("Jérémy <j@x.org>", "café")


def test_address_with_comma_in_name(tmp_path):
    m = read_one(tmp_path, 'From: a@b\nTo: "Doe, John" <jd@x.org>, c@d\nSubject: x\n\nb\n')
    assert m.to == ('"Doe, John" <jd@x.org>', "c@d")


def test_iso_8859_1_body(tmp_path):
    data = (b"From: a@b\nSubject: x\nContent-Type: text/plain; charset=iso-8859-1\n\n"
            b"Fran\xe7ois\n")
    assert read_one(tmp_path, data).body == "François\n"


def test_unknown_charset_body_decoded_as_latin1_with_note(tmp_path):
    data = b"From: a@b\nSubject: x\nContent-Type: text/plain; charset=x-foo\n\nFran\xe7ois\n"
    m = read_one(tmp_path, data)
    assert m.body == "François\n" and "unknown charset x-foo, decoded as latin-1" in m.notes


def test_undeclared_utf8_body(tmp_path):
    m = read_one(tmp_path, "From: a@b\nSubject: x\n\nJérémy\n".encode())
    assert m.body == "Jérémy\n"


def test_quoted_printable_diff(tmp_path):
    qp = GIT_DIFF.replace("=", "=3D").replace("(void)", "(vo=\nid)")
    text = dd("""
        From: a@b
        Subject: [PATCH] qp
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        Desc.
        ---
        """) + qp + "-- \n2.39.5\n"
    assert read_one(tmp_path, text).diff == GIT_DIFF


def test_base64_body(tmp_path):
    payload = base64.encodebytes(("Desc.\n---\n" + GIT_DIFF + "-- \n2.1\n").encode()).decode()
    text = ("From: a@b\nSubject: [PATCH] b64\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: base64\n\n" + payload)
    assert read_one(tmp_path, text).diff == GIT_DIFF


def test_mime_inline_text_plain_patch(tmp_path):
    text = mime(["Content-Type: text/plain\n\nThe description.\n",
                 "Content-Type: text/plain\nContent-Disposition: inline\n\n" + GIT_DIFF])
    m = read_one(tmp_path, text)
    assert m.diff == GIT_DIFF and m.body.startswith("The description.\n")


def test_mime_x_patch_attachment(tmp_path):
    text = mime(["Content-Type: text/plain\n\nThe description.\n",
                 'Content-Type: text/x-patch; name="foo.patch"\n'
                 'Content-Disposition: attachment; filename="foo.patch"\n\n' + GIT_DIFF])
    m = read_one(tmp_path, text)
    assert m.diff == GIT_DIFF and "patch found in attachment foo.patch" in m.notes


def test_mime_attachment_offset_points_into_body(tmp_path):
    text = mime(["Content-Type: text/plain\n\nThe description.\n",
                 'Content-Type: text/x-diff; name="foo.diff"\n\n' + GIT_DIFF])
    m = read_one(tmp_path, text)
    assert m.body.split("\n")[m.diff_offset].startswith("diff --git")


def test_mime_octet_stream_base64_attachment(tmp_path):
    payload = base64.encodebytes(GIT_DIFF.replace("\n", "\r\n").encode()).decode()
    text = mime(["Content-Type: text/plain; charset=us-ascii\n\nDescription.\n",
                 'Content-Type: application/octet-stream; name="fix.diff"\n'
                 'Content-Transfer-Encoding: base64\n'
                 'Content-Disposition: attachment; filename="fix.diff"\n\n' + payload])
    m = read_one(tmp_path, text)
    assert m.diff == GIT_DIFF and "patch found in attachment fix.diff" in m.notes


def test_mime_other_binary_attachment_ignored(tmp_path):
    text = mime(["Content-Type: text/plain\n\nDescription.\n",
                 'Content-Type: image/png; name="x.png"\nContent-Transfer-Encoding: base64\n\n'
                 'iVBORw0KGgo=\n'])
    m = read_one(tmp_path, text)
    assert m.body == "Description.\n" and m.diff == ""


def test_mime_html_alternative_ignored(tmp_path):
    text = dd("""
        From: a@b
        Subject: x
        Content-Type: multipart/alternative; boundary="B"

        --B
        Content-Type: text/plain

        plain
        --B
        Content-Type: text/html

        <p>html</p>
        --B--
        """)
    assert read_one(tmp_path, text).body == "plain\n"


def test_mime_format_patch_attachment_gives_from_sha(tmp_path):
    attached = FORMAT_PATCH
    text = mime(["Content-Type: text/plain\n\nSee attached.\n",
                 'Content-Type: text/x-patch\nContent-Disposition: attachment; '
                 'filename="0001-x.patch"\n\n' + attached])
    m = read_one(tmp_path, text)
    assert m.from_sha == SHA and m.diff == GIT_DIFF


def test_multipart_without_boundary_read_as_text(tmp_path):
    text = ("From: a@b\nSubject: x\nContent-Type: multipart/mixed; boundary=Q\n\nDesc\n"
            + GIT_DIFF)
    assert read_one(tmp_path, text).diff == GIT_DIFF


def test_format_flowed_unwrapped(tmp_path):
    flowed = ("--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n  int a;\n-int b = very_long_call(arg1, \n"
              "arg2);\n+int b = 0;\n-- \n2.1\n")
    text = ("From: a@b\nSubject: x\nContent-Type: text/plain; charset=utf-8; format=flowed\n\n"
            + flowed)
    assert read_one(tmp_path, text).diff == ("--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n int a;\n"
                                             "-int b = very_long_call(arg1, arg2);\n+int b = 0;\n")


def test_quilt_patch_file_without_subject_titled_by_file_name(tmp_path):
    m = read_one(tmp_path, QUILT_AKPM, "fix-fault.patch")
    assert (m.author, m.subject.title, m.is_plain_diff) == (
        "Andrew Morton <akpm@osdl.org>", "fix-fault", False)


def test_damaged_base64_never_raises(tmp_path):
    text = ("From: a@b\nSubject: x\nContent-Transfer-Encoding: base64\n\n!!!not*base64\n")
    assert isinstance(read_one(tmp_path, text), Mail)


# --------------------------------------------------------------------------------------------
# mboxes

def patch_mail(n: int, total: int, sha: str = SHA, extra: str = "") -> str:
    return dd(f"""
        From {sha} Mon Sep 17 00:00:00 2001
        From: Jeremy Fitzhardinge <jeremy@goop.org>
        Subject: [PATCH {n}/{total}] patch number {n}
        Message-ID: <p{n}@goop.org>

        Patch {n}.
        {extra}
        ---
        """) + GIT_DIFF + "-- \n2.39.5\n\n"


COVER = dd(f"""
    From {SHA} Mon Sep 17 00:00:00 2001
    From: Jeremy Fitzhardinge <jeremy@goop.org>
    Subject: [PATCH 0/3] paravirt series
    Message-ID: <p0@goop.org>

    The cover letter.

    """)


def test_mbox_reads_every_message(tmp_path):
    path = write(tmp_path, "s.mbox", COVER + patch_mail(3, 3) + patch_mail(1, 3) + patch_mail(2, 3))
    mails = read_inputs([path])
    assert [m.subject.counter for m in mails] == [0, 3, 1, 2]


def test_mbox_sources_are_numbered_from_one(tmp_path):
    path = write(tmp_path, "s.mbox", COVER + patch_mail(1, 1))
    assert [m.source for m in read_inputs([path])] == [f"{path}#1", f"{path}#2"]


def test_mbox_classic_from_lines(tmp_path):
    text = ("From jeremy@goop.org Wed Apr  4 12:11:58 2007\nFrom: a@b\nSubject: one\n\nbody1\n\n"
            "From akpm@osdl.org  Thu Apr  5 01:02:03 2007\nFrom: c@d\nSubject: two\n\nbody2\n")
    assert [m.subject.title for m in read_inputs([write(tmp_path, "m", text)])] == ["one", "two"]


def test_mboxrd_from_unescaped(tmp_path):
    text = ("From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: a@b\nSubject: x\n\n"
            ">From the top\n>>From quoted\n")
    assert read_one(tmp_path, text).body == "From the top\n>From quoted\n"


def test_mbox_end_to_end_series(tmp_path):
    path = write(tmp_path, "s.mbox", COVER + patch_mail(3, 3) + patch_mail(1, 3) + patch_mail(2, 3))
    series = order_series(read_inputs([path]))
    assert [p.subject.counter for p in series.patches] == [1, 2, 3] and \
        series.cover.subject.counter == 0


# --------------------------------------------------------------------------------------------
# Plain diffs and stdin

def test_plain_git_diff(tmp_path):
    m = read_one(tmp_path, GIT_DIFF, "fix-fault.patch")
    assert (m.is_plain_diff, m.subject.title, m.diff, m.diff_offset) == (
        True, "fix-fault", GIT_DIFF, 0)


def test_plain_quilt_diff_starting_with_index(tmp_path):
    text = "Index: linux/x.c\n" + "=" * 67 + "\n--- linux.orig/x.c\n+++ linux/x.c\n@@ -1 +1 @@\n-a\n+b\n"
    m = read_one(tmp_path, text, "x.diff")
    assert m.is_plain_diff and m.diff == text


def test_plain_diff_starting_with_minus_lines(tmp_path):
    text = "--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n"
    m = read_one(tmp_path, text, "x.diff")
    assert m.is_plain_diff and m.diff == text and m.author == ""


def test_plain_diff_with_text_before(tmp_path):
    text = "Fix the thing.\n\nSigned-off-by: A <a@b>\n\n" + GIT_DIFF
    m = read_one(tmp_path, text, "x.patch")
    assert m.is_plain_diff and m.diff_offset == 4


def test_stdin_mail():
    mails = read_inputs(["-"], stdin=io.BytesIO(FORMAT_PATCH.encode()))
    assert [(m.source, m.diff) for m in mails] == [("-", GIT_DIFF)]


def test_stdin_plain_diff_title():
    m = read_inputs(["-"], stdin=io.BytesIO(GIT_DIFF.encode()))[0]
    assert m.is_plain_diff and m.source == "-" and m.subject.title == "(stdin)"


def test_inputs_keep_order(tmp_path):
    a = write(tmp_path, "a.patch", GIT_DIFF)
    b = write(tmp_path, "b.eml", FORMAT_PATCH)
    assert [m.source for m in read_inputs([b, a])] == [b, a]


# --------------------------------------------------------------------------------------------
# Bad inputs

def assert_one_line_error(paths, stdin=None, contains=""):
    with pytest.raises(MailError) as info:
        read_inputs(paths, stdin=stdin)
    text = str(info.value)
    assert "\n" not in text and contains in text
    return info.value


def test_missing_file(tmp_path):
    path = str(tmp_path / "nope.patch")
    assert assert_one_line_error([path], contains="nope.patch").path == path


def test_directory(tmp_path):
    assert_one_line_error([str(tmp_path)], contains="directory")


def test_empty_file(tmp_path):
    assert_one_line_error([write(tmp_path, "e.patch", b"")], contains="empty")


def test_whitespace_only_file(tmp_path):
    assert_one_line_error([write(tmp_path, "e.patch", b"\n \r\n\t\n")], contains="empty")


def test_binary_file(tmp_path):
    assert_one_line_error([write(tmp_path, "b.bin", b"\x7fELF\x02\x01\x01\x00\x00" * 20)],
                          contains="binary")


def test_control_byte_junk(tmp_path):
    assert_one_line_error([write(tmp_path, "b.bin", bytes(range(1, 9)) * 50)], contains="binary")


def test_text_that_is_neither_mail_nor_diff(tmp_path):
    assert_one_line_error([write(tmp_path, "notes.txt", "Shopping list:\n- milk\n--- eggs\n")],
                          contains="neither")


def test_empty_stdin():
    assert_one_line_error(["-"], stdin=io.BytesIO(b""), contains="-: ")


def test_bad_file_after_good_one_raises(tmp_path):
    good = write(tmp_path, "a.patch", GIT_DIFF)
    assert_one_line_error([good, str(tmp_path / "missing")], contains="missing")


@pytest.mark.parametrize("seed", range(20))
def test_random_junk_never_tracebacks(tmp_path, seed):
    rng = random.Random(seed)
    alphabet = b"From: \n>-+@<=?[]\r\t:abc" + bytes(range(128, 256, 7))
    data = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 400)))
    try:
        read_inputs([write(tmp_path, "j", data)])
    except MailError as err:
        assert "\n" not in str(err)


def test_every_truncation_of_a_mail_reads_or_raises_mail_error(tmp_path):
    data = mime(["Content-Type: text/plain\n\nDesc.\n",
                 'Content-Type: text/x-patch; name="a.patch"\nContent-Transfer-Encoding: base64\n\n'
                 + base64.encodebytes(GIT_DIFF.encode()).decode()]).encode()
    for cut in range(1, len(data), 23):
        try:
            read_inputs([write(tmp_path, "t", data[:cut])])
        except MailError:
            pass


# --------------------------------------------------------------------------------------------
# Series

def make(subject: str, diff: bool = True, plain: bool = False, source: str = "") -> Mail:
    s = parse_subject(subject)
    return Mail(source=source or subject, subject=s, message_id="", author="", date="",
                in_reply_to="", references=(), to=(), cc=(), body="", diff=GIT_DIFF if diff else "",
                diff_offset=0, from_sha="", base_commit="", notes=(), is_plain_diff=plain)


def titles(series: Series) -> list[str | None]:
    return [p.subject.title if p else None for p in series.patches]


def test_series_orders_by_counter():
    s = order_series([make("[PATCH 3/3] c"), make("[PATCH 1/3] a"), make("[PATCH 2/3] b")])
    assert titles(s) == ["a", "b", "c"]


def test_series_cover_letter_in_cover_slot():
    cover = make("[PATCH 0/2] cover", diff=False)
    s = order_series([make("[PATCH 2/2] b"), cover, make("[PATCH 1/2] a")])
    assert s.cover is cover and "cover letter 0/2 has no diff (skipped)" in s.notes


def test_series_hole_is_none_with_note():
    s = order_series([make(f"[PATCH {n}/5] p{n}") for n in (1, 2, 4, 5)])
    assert titles(s) == ["p1", "p2", None, "p4", "p5"] and "patch 3/5 missing" in s.notes


def test_series_single_patch_of_twenty_folds_hole_notes():
    s = order_series([make("[patch 07/20] Allow paravirt backend")])
    assert s.patches[6] is not None and len(s.patches) == 20 and \
        s.notes == ("patches 1-6/20 missing", "patches 8-20/20 missing")


def test_series_reply_without_diff_skipped():
    reply = make("Re: [PATCH 1/2] a", diff=False)
    s = order_series([make("[PATCH 1/2] a"), reply, make("[PATCH 2/2] b")])
    assert s.skipped == (reply,) and titles(s) == ["a", "b"]


def test_series_mail_without_diff_is_skipped_not_error():
    lone = make("[PATCH] words only", diff=False)
    s = order_series([lone])
    assert (s.patches, s.skipped, s.cover) == ((), (lone,), None) and s.notes


def test_series_newest_revision_wins():
    old = [make("[PATCH 1/2] a"), make("[PATCH 2/2] b")]
    new = [make("[PATCH v2 2/3] b2"), make("[PATCH v2 1/3] a2"), make("[PATCH v2 3/3] c2")]
    s = order_series(old + new)
    assert titles(s) == ["a2", "b2", "c2"] and s.skipped == tuple(old)


def test_series_newest_revision_noted():
    s = order_series([make("[PATCH 1/2] a"), make("[PATCH v2 1/2] a")])
    assert any("several series" in n and "v2" in n for n in s.notes)


def test_series_cover_with_revision_adopted_by_patches_without():
    cover = make("[PATCH v2 0/2] cover", diff=False)
    s = order_series([cover, make("[PATCH 1/2] a"), make("[PATCH 2/2] b")])
    assert s.cover is cover and titles(s) == ["a", "b"] and s.skipped == ()


def test_series_unnumbered_follow_numbered_in_input_order():
    s = order_series([make("[PATCH] z"), make("[PATCH 2/2] b"), make("[PATCH] y"),
                      make("[PATCH 1/2] a")])
    assert titles(s) == ["a", "b", "z", "y"]


def test_series_plain_diffs_in_input_order():
    s = order_series([make("b-file", plain=True), make("a-file", plain=True)])
    assert titles(s) == ["b-file", "a-file"]


def test_series_older_revision_of_unnumbered_patch_skipped():
    old, new = make("[PATCH] fix"), make("[PATCH v3] fix")
    s = order_series([new, old])
    assert s.patches == (new,) and s.skipped == (old,)


def test_series_duplicate_counter_keeps_first():
    first, second = make("[PATCH 1/1] a", source="x"), make("[PATCH 1/1] a", source="y")
    s = order_series([first, second])
    assert s.patches == (first,) and s.skipped == (second,)


def test_series_lone_reply_with_diff_used():
    reply = make("Re: [PATCH] how about this")
    assert order_series([reply]).patches == (reply,)


def test_series_reply_with_diff_skipped_beside_real_patches():
    reply = make("Re: [PATCH 1/1] a")
    s = order_series([make("[PATCH 1/1] a"), reply])
    assert s.skipped == (reply,)


def test_series_empty_input():
    assert order_series([]) == Series(cover=None, patches=(), skipped=(), notes=())


def test_series_numbered_patch_without_diff_leaves_hole_once_noted():
    s = order_series([make("[PATCH 1/2] a"), make("[PATCH 2/2] b", diff=False)])
    assert titles(s) == ["a", None] and not any("missing" in n for n in s.notes)


def test_public_types_are_frozen():
    m = make("[PATCH] a")
    with pytest.raises(AttributeError):
        m.diff = ""  # type: ignore[misc]
    assert isinstance(m.subject, Subject)


def test_single_path_string_is_not_split_into_letters(tmp_path):
    assert len(read_inputs(write(tmp_path, "a.patch", GIT_DIFF))) == 1  # type: ignore[arg-type]


def test_text_starting_with_from_word_is_not_an_mbox(tmp_path):
    assert_one_line_error([write(tmp_path, "n.txt", "From here on\nNote: nothing\n")],
                          contains="neither")
