"""Configurations: partial assignments of ``CONFIG_`` symbols, and what the preprocessor sees.

A :class:`Configuration` is an immutable, hashable, ordered mapping from ``CONFIG_`` symbol to
a value string -- ``"y"``, ``"n"``, ``"m"``, or a number as written (``"3"``,
``"0xC0000000"``), or a quoted string. Build one from a dict, pairs or keywords::

    Configuration({"CONFIG_X86_PAE": "y", "CONFIG_PARAVIRT": "n"})
    Configuration.of(X86_PAE=True, PARAVIRT=False)      # the CONFIG_ prefix is added

``True``/``False`` become ``"y"``/``"n"`` and integers their decimal spelling. It compares
equal to a plain dict with the same items and prints as ``CONFIG_PARAVIRT=n CONFIG_X86_PAE=y``.

:func:`config_lookup` turns it into the ``lookup`` that :func:`~reviewtool.variants.expr.evaluate`
wants, the way Kbuild's ``autoconf.h`` defines things: ``y`` defines ``CONFIG_X`` as 1, ``m``
defines ``CONFIG_X_MODULE`` as 1 (and leaves ``CONFIG_X`` undefined), ``n`` defines neither,
numbers define ``CONFIG_X`` as themselves. A name the configuration does not mention is
:data:`~reviewtool.variants.expr.UNDEFINED` -- or, with ``partial=True``, unknown (``None``),
which is what a unifdef-style partial projection wants. :func:`config_macros` gives the same
as ``#define`` bodies for the preprocessor's macro table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Callable

from .expr import DEFINED, UNDEFINED

__all__ = ["Configuration", "config_lookup", "config_macros", "int_value", "lookup_over"]


def _norm_name(name: str) -> str:
    name = str(name)
    return name if name.startswith("CONFIG_") else "CONFIG_" + name


def _norm_value(value: Any) -> str:
    if value is True:
        return "y"
    if value is False or value is None:
        return "n"
    if isinstance(value, int):
        return str(value)
    return str(value)


def int_value(text: str) -> int | None:
    """``"0xC0000000"`` -> 3221225472, ``"3"`` -> 3, anything else -> None."""
    t = text.strip()
    try:
        if t[:2].lower() == "0x":
            return int(t[2:], 16)
        return int(t, 10)
    except ValueError:
        return None


@dataclass(frozen=True, eq=False, init=False)
class Configuration(Mapping[str, str]):
    """An immutable mapping ``CONFIG_`` symbol -> value string, sorted by symbol."""

    pairs: tuple[tuple[str, str], ...]

    def __init__(self, assignments: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
                 **kwargs: Any):
        items = assignments.items() if isinstance(assignments, Mapping) else assignments
        merged: dict[str, str] = {}
        for name, value in items:
            merged[_norm_name(name)] = _norm_value(value)
        for name, value in kwargs.items():
            merged[_norm_name(name)] = _norm_value(value)
        object.__setattr__(self, "pairs", tuple(sorted(merged.items())))
        object.__setattr__(self, "_dict", dict(self.pairs))

    @classmethod
    def of(cls, **kwargs: Any) -> "Configuration":
        return cls(kwargs)

    # Mapping protocol
    def __getitem__(self, key: str) -> str:
        return self._dict[key]  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __contains__(self, key: object) -> bool:
        return key in self._dict  # type: ignore[attr-defined]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Configuration):
            return self.pairs == other.pairs
        if isinstance(other, Mapping):
            return dict(self.pairs) == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.pairs)

    def __repr__(self) -> str:
        return f"Configuration({dict(self.pairs)!r})"

    def __str__(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.pairs) or "(empty configuration)"

    def __reduce__(self):
        return (Configuration, (self.pairs,))

    # Helpers
    def as_dict(self) -> dict[str, str]:
        return dict(self.pairs)

    def with_(self, **kwargs: Any) -> "Configuration":
        """A copy with the given symbols (CONFIG_ prefix optional) set."""
        merged = dict(self.pairs)
        for name, value in kwargs.items():
            merged[_norm_name(name)] = _norm_value(value)
        return Configuration(merged)

    def merged(self, other: Mapping[str, Any]) -> "Configuration":
        merged: dict[str, Any] = dict(self.pairs)
        merged.update(other)
        return Configuration(merged)

    def restrict(self, symbols: Iterable[str]) -> "Configuration":
        keep = set(symbols)
        return Configuration([(k, v) for k, v in self.pairs if k in keep])

    def enabled(self, name: str) -> bool:
        return self.get(_norm_name(name)) in ("y", "m")


def config_lookup(config: Mapping[str, str], partial: bool = False) -> Callable[[str], object]:
    """The ``lookup`` for :func:`~reviewtool.variants.expr.evaluate` under ``config``."""
    return lookup_over(dict(config.items()), partial)


def lookup_over(values: Mapping[str, str], partial: bool = False) -> Callable[[str], object]:
    """Like :func:`config_lookup`, reading ``values`` live (no copy): for a dict that grows."""
    unknown = None if partial else UNDEFINED

    def lookup(name: str) -> object:
        value = values.get(name)
        if value is not None:
            if value == "y":
                return 1
            if value in ("n", "m"):
                return UNDEFINED
            number = int_value(value)
            return number if number is not None else DEFINED
        if name.endswith("_MODULE"):
            base = values.get(name[:-7])
            if base is not None:
                return 1 if base == "m" else UNDEFINED
        return unknown

    return lookup


def config_macros(config: Mapping[str, str]) -> dict[str, str]:
    """``#define`` name -> body for the configuration, as ``autoconf.h`` would have them."""
    out: dict[str, str] = {}
    for name, value in config.items():
        if value == "y":
            out[name] = "1"
        elif value == "m":
            out[name + "_MODULE"] = "1"
        elif value == "n":
            continue
        else:
            out[name] = value
    return out
