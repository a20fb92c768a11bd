"""One error type per failure family, all deriving from :class:`ReviewtoolError`.

Every error carries where it happened (``path``, ``line``) and the offending ``text`` so the CLI can
print a single line such as ``arch/i386/mm/fault.c:12: unbalanced #endif: '#endif'``.
Parsers raise these; checks never do (the runner turns a crashing check into a diagnostic).
"""

from __future__ import annotations


class ReviewtoolError(Exception):
    """Base of every error reviewtool reports to the user (never a traceback)."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 text: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.text = text

    def one_line(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = ""
        if self.text:
            shown = self.text.strip()
            if len(shown) > 60:
                shown = shown[:57] + "..."
            text = f": {shown!r}"
        return f"{where}{self.message}{text}".replace("\n", " ")

    def __str__(self) -> str:
        return self.one_line()


class UsageError(ReviewtoolError):
    """Bad command line: unknown option value, missing file."""


class MailError(ReviewtoolError):
    """An input that cannot be read as mail, mbox or diff at all."""


class DiffError(ReviewtoolError):
    """A diff that is malformed (truncated hunk, bad header) or names a path outside the tree."""


class ApplyError(ReviewtoolError):
    """A hunk that does not apply to the tree (also reported as a ``does-not-apply`` finding)."""


class TreeError(ReviewtoolError):
    """A source tree that cannot be read (missing directory, bad git revision)."""


class ConditionError(ReviewtoolError):
    """Preprocessor conditionals that cannot be understood: unbalanced ``#if``/``#endif``,
    a malformed ``#if`` expression."""


class KconfigError(ReviewtoolError):
    """A Kconfig file that cannot be read."""


class ModelError(ReviewtoolError):
    """C code the semantic model cannot make sense of."""


class TimeLimitError(ReviewtoolError):
    """The review of one patch ran longer than ``--timeout`` (see :mod:`reviewtool.limits`)."""
