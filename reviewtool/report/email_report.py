"""A reply mail in the kernel's style: the patch quoted with ``> ``, each comment under the hunk
it is about, ``> ...`` for what was trimmed. Original lines are quoted exactly."""

from __future__ import annotations

import os
import re
import textwrap
import time
from email.utils import formatdate

from ..findings import Finding
from . import PatchReport, ReviewResult
from .quote import file_header, hunk_ranges

WIDTH = 72
_RANK = {"info": 0, "warning": 1, "error": 2}


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, break_on_hyphens=False) or [""]


def _comment(finding: Finding) -> list[str]:
    text = finding.message
    first = text.split(" ", 1)[0]
    if first.isalpha():  # a sentence starts with a capital, an identifier keeps its case
        text = text[:1].upper() + text[1:]
    lines = _wrap(text)
    evidence = finding.evidence
    diff = evidence.get("diff") if isinstance(evidence, dict) else None
    if diff and finding.id == "config-change":
        lines.append("")
        lines.append("Canonical body, before -> after (macros folded):")
        lines += ["    " + d for d in list(diff)[:12]]
    return lines


def render_patch(report: PatchReport, findings: list[Finding]) -> str:
    mail = report.mail
    headers = [
        "From: reviewtool <reviewtool@localhost>",
        f"To: {mail.author}" if mail.author else "To: ",
    ]
    cc = [a for a in tuple(mail.to) + tuple(mail.cc) if a and a != mail.author]
    if cc:
        headers.append("Cc: " + ",\n    ".join(cc))
    subject = mail.subject.raw
    if not subject.lower().startswith("re:"):
        subject = "Re: " + subject
    headers.append(f"Subject: {subject}")
    epoch = os.environ.get("SOURCE_DATE_EPOCH")  # reproducible output, as build tools do
    headers.append(f"Date: {formatdate(float(epoch) if epoch else None, localtime=False)}")
    if mail.message_id:
        headers.append(f"In-Reply-To: <{mail.message_id}>")
        refs = list(mail.references) + [mail.message_id]
        headers.append("References: " + " ".join(f"<{r}>" for r in dict.fromkeys(refs)))
    headers.append("MIME-Version: 1.0")
    headers.append("Content-Type: text/plain; charset=utf-8")
    headers.append("Content-Transfer-Encoding: 8bit")

    body_lines = mail.body.split("\n")
    description = body_lines[:mail.diff_offset] if mail.diff else body_lines
    description = _description(description)
    diff_lines = mail.diff.split("\n") if mail.diff else []

    out: list[str] = []
    who = mail.author or "you"
    date = mail.date
    out.append(f"On {date} {who} wrote:" if date else f"{who} wrote:")
    out.append("")
    out += ["> " + l if l else ">" for l in description]
    out.append("")

    # A reply says what matters: errors and warnings under their hunks, and the added
    # configuration complexity once, after the description. Proofs of equivalence stay in the
    # terminal and JSON reports.
    complexity = [f for f in findings if f.id == "ifdef-complexity"]
    findings = [f for f in findings if f.severity != "info" and not f.waived]
    general = [f for f in findings if not f.diff_line]
    anchored = [f for f in findings if f.diff_line]
    if complexity:
        macros = [f.evidence.get("macro") for f in complexity if f.evidence.get("macro")]
        conditionals = sum(f.evidence.get("counts", {}).get("conditionals_added", 0)
                           for f in complexity)
        parts = []
        if conditionals:
            parts.append(f"{conditionals} new configuration conditional"
                         + ("s" if conditionals > 1 else ""))
        if macros:
            parts.append("configuration-dependent " + ", ".join(macros))
        out += _wrap("This adds " + " and ".join(parts) + " to code that several "
                     "configurations share; it is not making the code any simpler.")
        out.append("")
    for finding in general:
        out += _comment(finding)
        out.append("")

    ranges = hunk_ranges(mail.diff) if mail.diff else []
    by_hunk: dict[tuple[int, int], list[Finding]] = {}
    for finding in sorted(anchored, key=lambda f: (f.diff_line, -_RANK[f.severity], f.id)):
        span = next((r for r in ranges if r[0] <= finding.diff_line <= r[1]), None)
        if span is None:
            span = (finding.diff_line, finding.diff_line)
        by_hunk.setdefault(span, []).append(finding)
    last_quoted = 0
    for span in sorted(by_hunk):
        first, last = span
        header = file_header(mail.diff, first) if ranges else []
        if last_quoted or first > 1:
            out.append("> ...")
        for number in header:
            if number > last_quoted:
                out.append(_q(diff_lines[number - 1]))
        for number in range(first, last + 1):
            out.append(_q(diff_lines[number - 1]))
        last_quoted = last
        out.append("")
        seen = set()
        for finding in sorted(by_hunk[span], key=lambda f: (-_RANK[f.severity], f.diff_line)):
            key = (finding.id, finding.message)
            if key in seen:
                continue
            seen.add(key)
            out += _comment(finding)
            out.append("")
    if not findings:
        out.append("reviewtool found nothing to say about this patch.")
        out.append("")
    out.append("-- ")
    out.append(f"reviewtool {report.index}: scope {', '.join(report.scope) or '(none)'} "
               f"({report.scope_reason})")
    return "\n".join(headers) + "\n\n" + "\n".join(out) + "\n"


def _q(line: str) -> str:
    return "> " + line if line else ">"


def _description(lines: list[str]) -> list[str]:
    """The author's description, without sign-offs, the diffstat and trailing separators."""
    kept = []
    for line in lines:
        if line.strip() in ("---", "--") or line.startswith(("Signed-off-by:", "Cc:",
                                                             "Acked-by:", "Reviewed-by:")):
            break
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return kept


def replies(result: ReviewResult) -> list[str]:
    """One reply mail per reviewed patch."""
    return [render_patch(report, [f for f in result.findings if f.patch == report.index])
            for report in result.patches if report.mail is not None]


def render(result: ReviewResult) -> str:
    return "\n".join(replies(result))


def render_mbox(result: ReviewResult) -> str:
    """The replies as an mbox (mboxrd: ``From `` lines in bodies escaped) for a mail client."""
    out = []
    for text in replies(result):
        head, _, body = text.partition("\n\n")
        body = re.sub(r"^(>*From )", r">\1", body, flags=re.M)
        out.append(f"From reviewtool@localhost {_mbox_date()}\n{head}\n\n{body}\n")
    return "".join(out)


def _mbox_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    stamp = time.gmtime(float(epoch)) if epoch else time.gmtime()
    return time.strftime("%a %b %d %H:%M:%S %Y", stamp)
