"""Waivers, so one false positive never blocks a hook for good.

Three sources, all leaving the finding in the report marked ``waived`` with its reason (it no
longer counts for the exit status):

- a trailer in the patch's description: ``Reviewtool-waive: config-change pgd_ctor: reason``
  (``ID [FUNCTION]: reason``; several trailers allowed);
- ``[[waive]]`` entries of the project configuration (:mod:`reviewtool.settings`);
- ``--baseline OLD.json``: findings already present in an earlier JSON report (same id, file,
  function and message) are waived with the reason "in the baseline".
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Iterable, Sequence

from .errors import UsageError
from .findings import Finding, format_config
from .settings import Waiver

# The reason is "\S(?:[^\n]*\S)?", not ".+?" followed by "\s*$": that one backtracks
# quadratically on a line with a long run of spaces (hostile input).
_TRAILER = re.compile(r"^Reviewtool-waive:\s*([a-z-]+)(?:\s+([A-Za-z_]\w*))?\s*:\s*"
                      r"(\S(?:[^\n]*\S)?)\s*$", re.M | re.I)


def trailer_waivers(description: str, source: str = "trailer") -> list[Waiver]:
    return [Waiver(id=m.group(1).lower(), function=m.group(2), reason=m.group(3),
                   source=source) for m in _TRAILER.finditer(description)]


def baseline_keys(path: str) -> set[tuple]:
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
        return {(f["id"], f.get("file"), f.get("function"), f.get("message"))
                for f in doc.get("findings", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise UsageError(f"cannot read the baseline ({err})", path=path) from None


def _matches(waiver: Waiver, finding: Finding) -> bool:
    if waiver.id != finding.id:
        return False
    if waiver.function and waiver.function != finding.function:
        return False
    if waiver.file and waiver.file != finding.file:
        return False
    if waiver.config:
        wanted = waiver.config.replace(" ", "")
        if not any(wanted in format_config(c).replace(" ", "").split(",")
                   for c in finding.configs):
            return False
    return True


def apply_waivers(findings: Iterable[Finding], waivers: Sequence[Waiver],
                  baseline: set[tuple] = frozenset()) -> list[Finding]:
    out = []
    for finding in findings:
        reason = None
        for waiver in waivers:
            if _matches(waiver, finding):
                reason = f"{waiver.reason} ({waiver.source})" if waiver.source else waiver.reason
                break
        if reason is None and (finding.id, finding.file, finding.function,
                               finding.message) in baseline:
            reason = "in the baseline"
        out.append(replace(finding, waived=reason) if reason else finding)
    return out
