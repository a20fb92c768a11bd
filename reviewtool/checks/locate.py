"""Where in the patch a finding about a name belongs: the file and line (post-image, or
pre-image for something removed), the diff line and hunk header for quoting in a reply."""

from __future__ import annotations

from dataclasses import dataclass

from .context import PatchContext


@dataclass(frozen=True)
class Location:
    path: str | None
    line: int | None
    side: str
    diff_line: int | None
    hunk: str | None


def _hunk_for(result, side: str, line: int) -> str | None:
    for hres in result.hunks:
        if not hres.applied:
            continue
        hunk = hres.hunk
        if side == "target":
            lo = hres.target_at
            hi = lo + hunk.target_length
        else:
            lo = hres.source_at
            hi = lo + hunk.source_length
        if lo <= line <= hi:
            return hunk.header
    return None


def locate_definition(ctx: PatchContext, name: str, cols: list[int], side: str) -> Location:
    """The first changed line inside ``name``'s definition, else the definition line."""
    table = ctx.table
    models = table.after if side == "target" else table.before
    for col in cols:
        definition = models[col].defs.get(name)
        where = models[col].where(name)
        if where is None:
            continue
        path, line = where
        end = definition.end_line if definition is not None else line
        result = ctx.result(path)
        if result is not None:
            changed = result.added if side == "target" else result.removed
            mapping = result.target_to_diff if side == "target" else result.source_to_diff
            inside = sorted(n for n in changed if line <= n <= end)
            at = inside[0] if inside else line
            return Location(path, at, side, mapping.get(at), _hunk_for(result, side, at))
        return Location(path, line, side, None, None)
    # not defined on this side: fall back to the other side
    if side == "target":
        return locate_definition(ctx, name, cols, "source")
    return Location(None, None, side, None, None)
