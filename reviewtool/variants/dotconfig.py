"""Real ``.config`` files (``--config FILE``): which of them a finding applies to.

A ``.config`` says ``CONFIG_X=y``/``m``/a value, or ``# CONFIG_X is not set``; a symbol it does
not mention is off. A finding applies to a ``.config`` when one of its partial configurations
agrees with it on every symbol. ``.xz``/``.gz`` files (Debian's linux-config-6.1 ships
``config.amd64_none_amd64.xz``) are read too.
"""

from __future__ import annotations

import gzip
import lzma
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import UsageError

_SET = re.compile(r"^(CONFIG_\w+)=(.*)$")
_UNSET = re.compile(r"^# (CONFIG_\w+) is not set$")


@dataclass(frozen=True)
class DotConfig:
    name: str
    values: Mapping[str, str]

    def value(self, symbol: str) -> str:
        return self.values.get(symbol, "n")

    def matches(self, partial: Iterable[tuple[str, str]]) -> bool:
        for symbol, wanted in partial:
            have = self.value(symbol)
            if wanted in ("y", "m", "n"):
                if (have in ("y", "m")) != (wanted in ("y", "m")) and have != wanted:
                    return False
            elif have != wanted and have.lower() != wanted.lower():
                return False
        return True


def read_dotconfig(path: str) -> DotConfig:
    try:
        raw = Path(path).read_bytes()
        if path.endswith(".xz"):
            raw = lzma.decompress(raw)
        elif path.endswith(".gz"):
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8", "replace")
    except (OSError, lzma.LZMAError, EOFError, gzip.BadGzipFile) as err:
        raise UsageError(f"cannot read the configuration ({err})", path=path) from None
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = _SET.match(line)
        if match:
            values[match.group(1)] = match.group(2).strip('"')
            continue
        match = _UNSET.match(line)
        if match:
            values[match.group(1)] = "n"
    if not values:
        raise UsageError("no CONFIG_ lines: not a .config", path=path)
    return DotConfig(Path(path).name, values)
