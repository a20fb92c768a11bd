"""Checks: small units with a stable id, a default severity and a docstring that is their manual.

A check is a class with ``id``, ``severity``, ``title`` and a ``run(context)`` that yields
:class:`~reviewtool.findings.Finding` records. Checks never print and never crash the run:
:func:`run_checks` turns an exception into an ``internal-error`` diagnostic and goes on.
The docstring of each check (rationale, a bad and a good kernel example) is what
``reviewtool explain ID`` prints and what SARIF uses as rule help.
"""

from __future__ import annotations

import inspect
import traceback
from typing import Iterable

from ..errors import TimeLimitError
from ..findings import Finding
from .context import PatchContext


class Check:
    id = ""
    severity = "warning"
    title = ""

    def run(self, ctx: PatchContext) -> Iterable[Finding]:  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")


def all_checks() -> list[Check]:
    from .clash import Clash
    from .config_change import ConfigChange
    from .does_not_apply import DoesNotApply
    from .ifdef_complexity import IfdefComplexity
    from .naming import Naming
    from .simpler_alternative import SimplerAlternative

    return [DoesNotApply(), ConfigChange(), Naming(), SimplerAlternative(), IfdefComplexity(),
            Clash()]


def run_checks(ctx: PatchContext, checks: list[Check] | None = None
               ) -> tuple[list[Finding], list[str]]:
    findings: list[Finding] = []
    diagnostics: list[str] = []
    for check in checks if checks is not None else all_checks():
        try:
            findings.extend(check.run(ctx))
        except TimeLimitError:
            raise  # --timeout (reviewtool.limits) stops the whole patch, not one check
        except Exception as err:  # a crashing check must not take the review down
            frame = traceback.extract_tb(err.__traceback__)[-1]
            diagnostics.append(f"internal error in check {check.id}: {type(err).__name__}: "
                               f"{err} ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})")
    return findings, diagnostics
