"""Where the bundled data lives: the repository's top-level ``queries/`` and ``corpus/`` in a
checkout, ``reviewtool/_queries`` and ``reviewtool/_corpus`` in an installed package."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _first_dir(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[-1]


def queries_dir() -> Path:
    return _first_dir(_HERE / "_queries", _HERE.parent / "queries")


def corpus_dir() -> Path:
    return _first_dir(_HERE / "_corpus", _HERE.parent / "corpus")
