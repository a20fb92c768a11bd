"""Resource bounds: every limit reviewtool puts on what it reads, in one place.

reviewtool reads mail from strangers and runs as a git hook on every send, so a crafted input
must not crash it, hang it or eat the machine. Each bound below ends the work it guards with a
one-line error of the :class:`~reviewtool.errors.ReviewtoolError` family (or a finding), never a
traceback or a hang. The module named in the table enforces each bound; where that module
keeps the constant itself (the variants, model and tree stages import nothing from here) this
module repeats it, and ``tests/test_limits.py`` checks that the two agree and hits every bound.

=========================  ===========  ==============================  ===============================
bound                      value        enforced in                     what happens when it is reached
=========================  ===========  ==============================  ===============================
``MAX_INPUT_BYTES``        20 MiB       ``mail.reader`` (each input     ``MailError`` "input larger than
                                        file, standard input, a git     20971520 bytes": exit 2
                                        range turned into mails)
``MAX_MESSAGES``           5,000        ``mail.reader`` (per input)     ``MailError`` "more than 5000
                                                                        messages": exit 2
``MAX_LINE_CHARS``         100,000      ``mail.reader`` (each line of   ``MailError`` "line N longer than
                                        the raw input) and              100000 bytes": exit 2; in a
                                        ``patch.parse_diff`` (each      diff (a decoded MIME part)
                                        diff line)                      ``DiffError``
``MAX_MIME_DEPTH``         64           ``mail.reader`` (nested         ``MailError`` "MIME parts nested
                                        multipart parts)                deeper than 64": exit 2
``MAX_HUNKS``              10,000       ``patch.parse_diff`` (per       ``DiffError`` "more than 10000
                                        patch, all files)               hunks": an ``unreadable-patch``
                                                                        finding, exit 2 when it is the
                                                                        only patch
``MAX_IF_DEPTH``           256          ``variants.conditions``         ``ConditionError`` "#if nested
                           (there:      (``MAX_DEPTH``) and             deeper than 256": an
                           ``MAX_DEPTH``)  ``variants.preprocess``      ``analysis-error`` finding
``MAX_INCLUDE_DEPTH``      200          ``variants.preprocess``         a one-line error in the unit,
                                                                        the include is not followed
``MACRO_MAX_DEPTH``        64           ``variants.expand``             ``MacroError`` "macro expansion
                                        (``max_depth``)                 nested deeper than 64"
``MACRO_MAX_TOKENS``       200,000      ``variants.expand``             ``MacroError`` "macro expansion
                                        (``max_tokens``; work is        produced more than 200000
                                        capped at 20x that)             tokens (a macro bomb?)" naming
                                                                        the macro and where it is
                                                                        defined: an ``analysis-error``
                                                                        finding, in well under a second
``MAX_PARSE_SECONDS``      10 s         ``model.parse`` (one tree-      ``ModelError``: an
                                        sitter parse; an unterminated   ``analysis-error`` finding
                                        ``/*`` is blanked first)
``MACRO_IF_MAX_TOKENS``    10,000       ``variants.preprocess`` (an     the line is taken as false with
                                        ``#if``/``#include`` line's     a one-line error in the unit
                                        expansion)
``KCONFIG_MAX_CALLS``      50,000       ``variants.kconfig`` (``$(...)``  ``KconfigError``: the review goes
                                        expansions in one tree's        on without Kconfig constraints,
                                        Kconfig)                        with a note
``KCONFIG_MAX_CHARS``      1,000,000    ``variants.kconfig`` (one       the same
                                        ``$(...)``'s expansion)
``MAX_RANGE``              5,000        ``tree.git`` (commits in a      ``TreeError``: exit 2
                                        revision range)
``MAX_FUZZ``               2            ``patch.apply``                 context lines a hunk may drop,
                                                                        as GNU ``patch``
``DEFAULT_TIMEOUT``        120 s        ``cli`` ``check --timeout``,    a ``timeout`` finding (error)
                                        per patch, by :func:`time_      for that patch and one
                                        limit`                          ``reviewtool:`` line on stderr;
                                                                        the other patches of the run
                                                                        are still reviewed
=========================  ===========  ==============================  ===============================

The timeout: :func:`time_limit` arms ``SIGALRM`` with :func:`signal.setitimer` (main thread
only; elsewhere, or on a platform without it, it does nothing) and raises
:class:`~reviewtool.errors.TimeLimitError` from wherever the work is. If some broad ``except``
swallows it the timer fires again every :data:`REFIRE` seconds until the block is left, so
the work still stops. Limits nest: an inner limit never extends an outer one, and the outer one
is re-armed with what is left of it on the way out.

Bounded without a number: C nested deeper than Python's recursion limit (``!!!!...a``,
``((((...))))``) is a ``ModelError`` (``model.canon``, ``model.functions``), an
``analysis-error`` finding; the lexers, regular expressions, the hunk search and tree-sitter's
input are linear in the input (``fuzz/scaling.py`` checks every parser on repeated tokens).

Side effects are bounded too: nothing is written to a tree (trees are read-only, see
:mod:`reviewtool.tree`); a diff naming a path outside the tree (``..``, absolute, a ``.git``
component) is refused (:func:`reviewtool.patch.normalize_path`), and one through a symlink
pointing out of it gets a ``does-not-apply`` finding (``Tree.refuses``); Kconfig's
``$(shell,...)`` is answered without running anything (:mod:`reviewtool.variants.kconfig`).
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from .errors import TimeLimitError

MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_MESSAGES = 5_000
MAX_LINE_CHARS = 100_000
MAX_MIME_DEPTH = 64
MAX_HUNKS = 10_000
MAX_IF_DEPTH = 256  # variants.conditions.MAX_DEPTH and variants.preprocess.MAX_IF_DEPTH
MAX_INCLUDE_DEPTH = 200  # variants.preprocess.MAX_INCLUDE_DEPTH
MACRO_MAX_DEPTH = 64  # variants.expand.expand(max_depth=...)
MACRO_MAX_TOKENS = 200_000  # variants.expand.expand(max_tokens=...)
MACRO_IF_MAX_TOKENS = 10_000  # variants.preprocess.MACRO_IF_MAX_TOKENS
KCONFIG_MAX_CALLS = 50_000  # variants.kconfig.KCONFIG_MAX_CALLS
KCONFIG_MAX_CHARS = 1_000_000  # variants.kconfig.KCONFIG_MAX_CHARS
MAX_RANGE = 5_000  # tree.git.MAX_RANGE
MAX_FUZZ = 2  # patch.apply.MAX_FUZZ
MAX_PARSE_SECONDS = 10.0  # model.parse: one tree-sitter parse
DEFAULT_TIMEOUT = 120.0
REFIRE = 0.25

__all__ = ["MAX_INPUT_BYTES", "MAX_MESSAGES", "MAX_LINE_CHARS", "MAX_MIME_DEPTH", "MAX_HUNKS",
           "MAX_IF_DEPTH", "MAX_INCLUDE_DEPTH", "MACRO_MAX_DEPTH", "MACRO_MAX_TOKENS",
           "MACRO_IF_MAX_TOKENS", "KCONFIG_MAX_CALLS", "KCONFIG_MAX_CHARS", "MAX_RANGE",
           "MAX_FUZZ", "MAX_PARSE_SECONDS", "DEFAULT_TIMEOUT", "time_limit"]


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and \
        threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float | None, what: str = "") -> Iterator[None]:
    """Raise :class:`TimeLimitError` (naming ``what``) if the block runs longer than
    ``seconds``; ``None`` or ``0`` means no limit."""
    if not seconds or seconds <= 0 or not _can_alarm():
        yield
        return
    outer_left, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if 0 < outer_left <= seconds:
        yield  # an outer limit ends sooner: it stays in charge
        return
    started = time.monotonic()

    def on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
        shown = f"{seconds:g}"
        raise TimeLimitError(f"review stopped after {shown} s (--timeout {shown})", path=what)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, REFIRE)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left > 0:
            left = outer_left - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), outer_interval)
