"""Reporters: turn a finished review into text. Reporters never analyse.

:class:`ReviewResult` is everything a reporter may use: the tree, one :class:`PatchReport` per
reviewed mail (with the function x configuration matrix the model computed), the sorted findings,
the coverage, and notes. ``json`` follows the findings contract of design.md exactly; ``terminal``
is the rich review; ``email`` is a reply mail quoting the patch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..findings import Finding


@dataclass(frozen=True)
class Matrix:
    """Verdict per touched name and configuration class, as computed by the model."""

    names: tuple[str, ...]
    columns: tuple[tuple[tuple[str, str], ...], ...]
    verdicts: dict[tuple[str, int], str]
    out_of_scope: tuple[int, ...]
    # differential execution per cell the folding could not settle: verdict, states, witness
    executions: dict = field(default_factory=dict)


@dataclass
class PatchReport:
    index: int
    subject: str
    message_id: str
    author: str
    applied: bool
    scope: tuple[str, ...]
    scope_reason: str
    files: tuple[str, ...]
    mail: Any = None  # reviewtool.mail.Mail
    matrix: Matrix | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ReviewResult:
    tree: dict[str, str]
    patches: list[PatchReport]
    findings: list[Finding]
    coverage: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)
    version: str = ""
