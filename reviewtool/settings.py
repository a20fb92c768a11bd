"""Project configuration: ``.reviewtool.toml`` at the top of the tree, or ``[tool.reviewtool]``
in the tree's ``pyproject.toml``. Every key is optional; an unknown key is an error that names the
key and the file::

    fail-on = "error"                 # error | warning | info | never

    [checks]                          # turn checks off (all are on by default)
    naming = false

    [severity]                        # override default severities
    ifdef-complexity = "warning"

    [scope]                           # subject words that name a feature
    words = { pv = "CONFIG_PARAVIRT", pti = "CONFIG_PAGE_TABLE_ISOLATION" }

    [hook]
    strict = false                    # block the send/push when reviewtool itself crashes
    fail-on = "error"                 # level at which the hooks block

    [[waive]]                         # a known false positive: still reported, marked waived
    id = "config-change"
    function = "pgd_ctor"             # optional: file, function, config (e.g. "CONFIG_X86_PAE=n")
    reason = "clone_pgd_range() outside pgd_lock is fine: pgd not yet visible"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field

from .errors import UsageError

LEVELS = ("error", "warning", "info", "never")
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Waiver:
    id: str
    reason: str
    function: str | None = None
    file: str | None = None
    config: str | None = None  # "CONFIG_X=y" that one of the finding's configs must contain
    source: str = ""


@dataclass(frozen=True)
class Settings:
    path: str = ""
    fail_on: str | None = None
    disabled: frozenset[str] = frozenset()
    severity: dict = field(default_factory=dict)
    words: dict = field(default_factory=dict)
    hook_strict: bool = False
    hook_fail_on: str | None = None
    waivers: tuple[Waiver, ...] = ()


_TOP = {"fail-on", "checks", "severity", "scope", "hook", "waive"}


def _fail(message: str, path: str, key: str) -> UsageError:
    return UsageError(f"{message}: {key!r}", path=path)


def parse_settings(data: dict, path: str, check_ids: set[str]) -> Settings:
    for key in data:
        if key not in _TOP:
            raise _fail("unknown key", path, key)
    fail_on = data.get("fail-on")
    if fail_on is not None and fail_on not in LEVELS:
        raise _fail(f"fail-on must be one of {', '.join(LEVELS)}", path, "fail-on")
    disabled = set()
    for key, value in data.get("checks", {}).items():
        if key not in check_ids:
            raise _fail("unknown check in [checks]", path, key)
        if not isinstance(value, bool):
            raise _fail("[checks] values are true or false", path, key)
        if not value:
            disabled.add(key)
    severity = {}
    for key, value in data.get("severity", {}).items():
        if key not in check_ids:
            raise _fail("unknown check in [severity]", path, key)
        if value not in SEVERITIES:
            raise _fail(f"severity must be one of {', '.join(SEVERITIES)}", path, key)
        severity[key] = value
    scope = data.get("scope", {})
    for key in scope:
        if key != "words":
            raise _fail("unknown key in [scope]", path, key)
    words = {}
    for word, symbol in scope.get("words", {}).items():
        if not isinstance(symbol, str):
            raise _fail("[scope] words map to a CONFIG_ symbol", path, word)
        words[word.lower()] = symbol if symbol.startswith("CONFIG_") else f"CONFIG_{symbol}"
    hook = data.get("hook", {})
    for key in hook:
        if key not in ("strict", "fail-on"):
            raise _fail("unknown key in [hook]", path, key)
    if "fail-on" in hook and hook["fail-on"] not in LEVELS:
        raise _fail(f"[hook] fail-on must be one of {', '.join(LEVELS)}", path, "fail-on")
    waivers = []
    for entry in data.get("waive", []):
        for key in entry:
            if key not in ("id", "reason", "function", "file", "config"):
                raise _fail("unknown key in [[waive]]", path, key)
        if "id" not in entry or "reason" not in entry:
            raise _fail("[[waive]] needs id and reason", path, "waive")
        if entry["id"] not in check_ids:
            raise _fail("unknown check in [[waive]]", path, entry["id"])
        waivers.append(Waiver(id=entry["id"], reason=entry["reason"],
                              function=entry.get("function"), file=entry.get("file"),
                              config=entry.get("config"), source=path))
    return Settings(path=path, fail_on=fail_on, disabled=frozenset(disabled), severity=severity,
                    words=words, hook_strict=bool(hook.get("strict", False)),
                    hook_fail_on=hook.get("fail-on"), waivers=tuple(waivers))


def load_settings(tree, check_ids: set[str]) -> Settings:
    """Settings of ``tree`` (read through the tree, so a git revision's file is used)."""
    text = tree.read(".reviewtool.toml")
    path = ".reviewtool.toml"
    table = None
    try:
        if text is not None:
            table = tomllib.loads(text)
        else:
            pyproject = tree.read("pyproject.toml")
            if pyproject is not None:
                path = "pyproject.toml"
                table = tomllib.loads(pyproject).get("tool", {}).get("reviewtool")
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"not valid TOML ({err})", path=path) from None
    if table is None:
        return Settings()
    return parse_settings(table, path, check_ids)
