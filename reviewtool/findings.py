"""Findings: the one record every check produces and every reporter consumes.

A :class:`Finding` is small and immutable. Its JSON form is the stable contract described in
``docs/design.md`` (``id``, ``severity``, ``patch``, ``file``, ``line``, ``side``, ``function``,
``configs``, ``message``, ``evidence``): fields may be added, never renamed or repurposed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

SEVERITIES = ("info", "warning", "error")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

Config = tuple[tuple[str, str], ...]
"""A partial configuration: ``(("CONFIG_X86_PAE", "y"), ("CONFIG_PARAVIRT", "n"))``.
Only the symbols that matter, values always strings."""


def config_dict(config: Config) -> dict[str, str]:
    return dict(config)


def format_config(config: Config) -> str:
    return ", ".join(f"{name}={value}" for name, value in config) or "(all configurations)"


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str
    message: str
    patch: int | None = None
    file: str | None = None
    line: int | None = None
    side: str = "target"
    function: str | None = None
    configs: tuple[Config, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=lambda: {"kind": "none"})
    condition: str | None = None
    diff_line: int | None = None  # line in the patch's diff text, for quoting in a reply mail
    hunk: str | None = None  # the hunk header the finding sits under, for reply mails
    waived: str | None = None  # the reason, when a waiver or the baseline covers the finding
    applies_to: tuple[str, ...] | None = None  # names of --config .config files it matches

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"unknown severity {self.severity!r}")
        if "kind" not in self.evidence:
            raise ValueError("evidence needs a 'kind'")

    def with_severity(self, severity: str) -> "Finding":
        return replace(self, severity=severity)

    def sort_key(self) -> tuple:
        return (
            -1 if self.patch is None else self.patch,
            self.file or "",
            self.line or 0,
            self.id,
            self.function or "",
            self.message,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "severity": self.severity,
            "patch": self.patch,
            "file": self.file,
            "line": self.line,
            "side": self.side,
            "function": self.function,
            "configs": [config_dict(c) for c in self.configs],
            "message": self.message,
            "evidence": _plain(self.evidence),
        }
        if self.condition:
            out["condition"] = self.condition
        if self.applies_to is not None:
            out["applies_to"] = list(self.applies_to)
        out["waived"] = self.waived is not None
        if self.waived is not None:
            out["waiver"] = self.waived
        return out


def _plain(value: Any) -> Any:
    """Evidence may hold tuples and nested mappings; JSON wants lists and dicts."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


def reaches(severity: str, threshold: str) -> bool:
    """True when ``severity`` is at or above ``threshold`` (``never`` is never reached)."""
    if threshold == "never":
        return False
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]
