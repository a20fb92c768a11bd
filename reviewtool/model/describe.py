"""``reviewtool model PATH``: what the model knows of one file.

For every function the file defines: its presence condition (symbolic, from the file's own
conditionals), its line range, its calls, and the paravirt hooks it reaches (``paravirt_ops.X``
called directly, through static inline wrappers, or through macros) per configuration; for every
configuration-dependent macro the file uses: its value in each configuration class. With
``--config``, the file projected onto that configuration (line numbers kept).
"""

from __future__ import annotations

import re
from typing import Mapping

from ..variants.classes import MAX_VARIED, enumerate_configs
from ..variants.conditions import scan
from ..variants.config import Configuration
from ..variants.expr import to_c
from ..variants.kconfig_cache import read_kconfig_cached
from ..variants.minimize import minimize
from ..variants.defaults import with_int_defaults
from ..variants.preprocess import preprocess, project
from ..errors import ReviewtoolError
from .unit import ConfigModel, config_words, probe_models

_HOOK = re.compile(r"\bparavirt_ops\s*\.\s*(\w+)\s*\(")
_WORD = re.compile(r"[A-Za-z_]\w*")


def hooks_reached(model: ConfigModel, name: str, depth: int = 6) -> list[str]:
    """paravirt_ops hooks ``name`` reaches through the functions and macros it calls."""
    seen: set[str] = set()
    hooks: list[str] = []

    def visit(current: str, level: int) -> None:
        if current in seen or level > depth:
            return
        seen.add(current)
        definition = model.defs.get(current)
        if definition is not None:
            for hook in definition.hooks:
                if hook not in hooks:
                    hooks.append(hook)
            for called in definition.calls:
                visit(called, level + 1)
            for word in set(_WORD.findall(definition.text)):
                macro = model.macro(word)
                if macro is not None and word != current:
                    visit(word, level + 1)
            return
        macro = model.macro(current)
        if macro is not None:
            for hook in _HOOK.findall(macro.body):
                if hook not in hooks:
                    hooks.append(hook)
            for word in set(_WORD.findall(macro.body)):
                if word != current and (word in model.defs or model.macro(word) is not None):
                    visit(word, level + 1)

    visit(name, 0)
    return hooks


def describe_file(tree, path: str, arch: str, config: Mapping[str, str] | None = None,
                  limit: int = 16) -> dict:
    text = tree.read(path) or ""
    notes: list[str] = []
    conditions = scan(text, path)
    kconfig = None
    try:
        kconfig = read_kconfig_cached(tree, arch)
    except ReviewtoolError as err:
        notes.append(f"Kconfig not used: {err.one_line()}")
    # Symbols of the headers the file includes: the same two probe rounds as a review. A real
    # kernel file reads hundreds of them; like a review, at most MAX_VARIED are enumerated,
    # the file's own first, against the Kconfig cut down to their cone.
    found, probes = probe_models([tree], [path], arch)
    own = sorted(conditions.symbols)
    ordered = own + sorted(found - set(own))
    symbols = set(ordered[:max(MAX_VARIED, len(own))])
    if len(ordered) > len(symbols):
        notes.append(f"{len(ordered) - len(symbols)} more symbols from the included headers "
                     "are left off (not enumerated)")
    constraints = kconfig.restricted(sorted(symbols)) if kconfig is not None else None
    configs, coverage = enumerate_configs(sorted(symbols), constraints, limit=limit)
    configs, defaults = with_int_defaults(configs, kconfig, config_words(
        unit for _, model in probes for unit in model.units))
    if defaults:
        notes.append("int symbols at their Kconfig default: " + ", ".join(
            f"{k}={v}" for k, v in defaults.items()))
    models = [ConfigModel.build(tree, [path], c, arch) for c in configs]

    functions: dict[str, dict] = {}
    for index, model in enumerate(models):
        label = {k: v for k, v in configs[index].items() if k in symbols}
        for definition in model.by_file.get(path, ()):
            entry = functions.setdefault(definition.name, {
                "name": definition.name, "kind": definition.kind, "line": definition.line,
                "end_line": definition.end_line,
                "condition": to_c(conditions.conditions[definition.line - 1])
                if definition.line - 1 < len(conditions.conditions) else "1",
                "static": definition.is_static, "inline": definition.is_inline,
                "calls": [], "paravirt_hooks": {}, "configs": 0})
            entry["configs"] += 1
            for called in definition.calls:
                if called not in entry["calls"]:
                    entry["calls"].append(called)
            hooks = hooks_reached(model, definition.name)
            if hooks:
                entry.setdefault("_hooks", {}).setdefault(tuple(hooks), []).append(label)

    universe = [{k: v for k, v in c.items() if k in symbols} for c in configs]
    for entry in functions.values():
        for hooks, labels in entry.pop("_hooks", {}).items():
            for where in minimize(labels, universe):
                key = ", ".join(f"{k}={v}" for k, v in sorted(where.items())) or "all"
                entry["paravirt_hooks"][key] = list(hooks)
    used = set(_WORD.findall(text))
    macros: dict[str, dict] = {}
    for name in sorted(n for n in used if not n.startswith("CONFIG_")):
        values = []
        for index, model in enumerate(models):
            macro = model.macro(name)
            if macro is None or macro.params is not None:
                values.append(None)
                continue
            values.append(model.macro_value(name))
        if len(set(values)) > 1:
            grouped: dict[str, list] = {}
            for i, v in enumerate(values):
                grouped.setdefault(v if v is not None else "(undefined)", []).append(
                    {k: x for k, x in configs[i].items() if k in symbols})
            macros[name] = {"values": [
                {"config": where, "value": value}
                for value, labels in grouped.items()
                for where in minimize(labels, [{k: x for k, x in c.items() if k in symbols}
                                                for c in configs])]}

    info = {
        "path": path,
        "symbols": sorted(symbols),
        "coverage": coverage,
        "functions": sorted(functions.values(), key=lambda f: f["line"]),
        "macros": macros,
        "missing_includes": sorted({m for model in models for u in model.units
                                    for m in u.missing}),
        "notes": notes,
    }
    if config:
        configuration = Configuration(
            {s: config.get(s, "n") for s in sorted(symbols | set(config))})
        unit = preprocess(tree, path, configuration, arch=arch)
        info["projection"] = {"config": dict(configuration.items()),
                              "text": unit.files[0].text if unit.files else
                              project(text, configuration, path)}
    return info


def render_text(info: dict) -> str:
    out = [f"{info['path']}  ({info['tree']['kind']} tree, arch {info['tree']['arch']})",
           f"configuration symbols: {', '.join(info['symbols']) or '(none)'}", ""]
    out.append("functions and variables:")
    for fn in info["functions"]:
        out.append(f"  {fn['name']}  lines {fn['line']}-{fn['end_line']}  "
                   f"[{fn['kind']}{', static' if fn['static'] else ''}"
                   f"{', inline' if fn['inline'] else ''}]  when: {fn['condition']}")
        if fn["calls"]:
            out.append(f"      calls: {', '.join(fn['calls'])}")
        for config, hooks in fn["paravirt_hooks"].items():
            out.append(f"      paravirt hooks with {config}: {', '.join(hooks)}")
    out.append("")
    out.append("configuration-dependent macros:")
    for name, entry in info["macros"].items():
        out.append(f"  {name}")
        for value in entry["values"]:
            config = ", ".join(f"{k}={v}" for k, v in value["config"].items()) or "all"
            out.append(f"      {config}: {value['value']}")
    if info.get("missing_includes"):
        out.append("")
        out.append(f"includes not in the tree: {', '.join(info['missing_includes'])}")
    for note in info.get("notes", []):
        out.append(f"note: {note}")
    if "projection" in info:
        out.append("")
        config = ", ".join(f"{k}={v}" for k, v in info["projection"]["config"].items())
        out.append(f"projected onto {config}:")
        for number, line in enumerate(info["projection"]["text"].split("\n"), 1):
            out.append(f"{number:5d}  {line}")
    return "\n".join(out) + "\n"
