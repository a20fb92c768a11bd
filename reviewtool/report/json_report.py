"""The findings contract of design.md, as one JSON object. Same input, same bytes."""

from __future__ import annotations

import json

from . import ReviewResult


def render(result: ReviewResult) -> str:
    doc = {
        "schema": 1,
        "tool": {"name": "reviewtool", "version": result.version},
        "tree": result.tree,
        "patches": [
            {"index": p.index, "subject": p.subject, "message_id": p.message_id,
             "author": p.author, "applied": p.applied, "scope": list(p.scope),
             "scope_reason": p.scope_reason, "files": list(p.files), "notes": p.notes,
             "matrix": None if p.matrix is None else {
                 "names": list(p.matrix.names),
                 "configs": [dict(c) for c in p.matrix.columns],
                 "out_of_scope": list(p.matrix.out_of_scope),
                 "verdicts": {name: [p.matrix.verdicts[(name, i)]
                                     for i in range(len(p.matrix.columns))]
                              for name in p.matrix.names},
                 "execution": [
                     {"function": name, "config": dict(p.matrix.columns[col]),
                      **result.to_evidence()}
                     for (name, col), result in sorted(p.matrix.executions.items())]}}
            for p in result.patches
        ],
        "coverage": result.coverage,
        "findings": [f.to_json() for f in result.findings],
        "notes": result.notes,
        "diagnostics": result.diagnostics,
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"
