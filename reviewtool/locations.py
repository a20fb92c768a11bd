"""Where reviewtool keeps things, found without importing anything heavy: the command's entry
point (:mod:`reviewtool.client`) asks on every run, before deciding what else to import."""

from __future__ import annotations

import os

_OFF = ("", "off", "0", "no", "none")


def cache_dir() -> str | None:
    """The cache directory: ``$REVIEWTOOL_CACHE`` (``off`` turns caching off: None), else
    ``$XDG_CACHE_HOME/reviewtool``, else ``~/.cache/reviewtool``."""
    chosen = os.environ.get("REVIEWTOOL_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in _OFF else chosen
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "reviewtool")
