"""SARIF 2.1.0 for code-scanning pages: one run, one rule per check (its documentation as
help), one result per finding located on the post-image line (pre-image for removals)."""

from __future__ import annotations

import hashlib
import json

from ..checks import all_checks
from . import ReviewResult

LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://example.invalid/reviewtool"  # no public home yet; SARIF wants an absolute URI


def _rules() -> list[dict]:
    rules = []
    for check in all_checks():
        doc = check.doc()
        first = doc.split("\n\n", 1)[0].replace("\n", " ")
        rules.append({
            "id": check.id,
            # SARIF wants a readable name that differs from the opaque id
            "name": "".join(w.capitalize() for w in check.title.replace("'", "").split()),
            "shortDescription": {"text": first},
            "fullDescription": {"text": " ".join(doc.split())},
            "help": {"text": doc, "markdown": _markdown(doc)},
            "defaultConfiguration": {"level": LEVEL[check.severity]},
        })
    return rules


def _markdown(doc: str) -> str:
    """Docstrings use reST ``::`` code blocks; SARIF viewers render markdown."""
    out, in_code = [], False
    for line in doc.split("\n"):
        if line.rstrip().endswith("::"):
            out.append(line.rstrip()[:-1])
            out.append("```c")
            in_code = True
            continue
        if in_code and line.strip() and not line.startswith("    "):
            out.append("```")
            in_code = False
        out.append(line[4:] if in_code and line.startswith("    ") else line)
    if in_code:
        out.append("```")
    return "\n".join(out)


def render(result: ReviewResult) -> str:
    rules = _rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for finding in result.findings:
        entry: dict = {
            "ruleId": finding.id,
            "level": LEVEL[finding.severity],
            "message": {"text": finding.message},
            "partialFingerprints": {"reviewtool/v1": hashlib.sha256(
                f"{finding.id}|{finding.file}|{finding.function}|{finding.message}"
                .encode()).hexdigest()[:32]},
            "properties": {"patch": finding.patch, "side": finding.side,
                           "configs": [dict(c) for c in finding.configs],
                           "evidence": json.loads(json.dumps(finding.to_json()["evidence"]))},
        }
        if finding.id in index:
            entry["ruleIndex"] = index[finding.id]
        if finding.file:
            region = {"startLine": max(finding.line or 1, 1)}
            entry["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": finding.file, "uriBaseId": "SRCROOT"},
                "region": region}}]
        results.append(entry)
    run = {
        "tool": {"driver": {"name": "reviewtool", "version": result.version,
                            "semanticVersion": result.version, "informationUri": INFO_URI,
                            "rules": rules}},
        "originalUriBaseIds": {"SRCROOT": {"uri": _root_uri(result.tree.get("path", ""))}},
        "results": results,
        "columnKind": "utf16CodeUnits",
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _root_uri(path: str) -> str:
    if not path:
        return "file:///"
    from pathlib import Path
    return Path(path).resolve().as_uri() + "/"
