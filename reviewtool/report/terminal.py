"""The terminal review: per patch, its findings with the quoted hunk lines, and a function x
configuration matrix showing at a glance where behaviour changes. Colour only on a terminal and
never with NO_COLOR (rich honours both)."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..findings import format_config
from . import Matrix, PatchReport, ReviewResult

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
CELL = {
    "absent": ("·", "dim"), "same": ("=", "green"), "equivalent": ("≡", "green"),
    "renamed": ("→", "cyan"), "added": ("+", "bold red"), "removed": ("-", "bold red"),
    "changed": ("~", "bold red"), "uncertain": ("?", "yellow"), "helper": ("h", "cyan"),
}
LEGEND = ("= same  ≡ compiled differently, same behaviour  → renamed body  h new static helper  "
          "+ newly built  - no longer built  ~ reads differently  ? undecided  · absent; "
          "run on the model: ✗ differs  ✓ no difference found  ∅ not executable")
EXECUTED = {"differs": "✗", "no-difference-found": "✓", "not-executable": "∅"}


def _matrix(matrix: Matrix) -> Table:
    table = Table(title="function × configuration", title_justify="left", show_lines=False,
                  caption=LEGEND, caption_justify="left")
    table.add_column("name")
    for col, config in enumerate(matrix.columns):
        label = "\n".join(f"{k.removeprefix('CONFIG_')}={v}" for k, v in config) or "all"
        if col in matrix.out_of_scope:
            label += "\n(out of scope)"
        table.add_column(label, justify="center")
    for name in matrix.names:
        row = [name]
        for col in range(len(matrix.columns)):
            symbol, style = CELL.get(matrix.verdicts[(name, col)], ("?", ""))
            execution = matrix.executions.get((name, col))
            if execution is not None:
                symbol += EXECUTED.get(execution.verdict, "")
            row.append(Text(symbol, style=style if col in matrix.out_of_scope or
                            style in ("dim", "green") else "magenta"))
        table.add_row(*row)
    return table


def _quote(report: PatchReport, diff_line: int | None, context: int = 3) -> Text | None:
    if report.mail is None or not diff_line or not report.mail.diff:
        return None
    lines = report.mail.diff.split("\n")
    lo = max(diff_line - context, 1)
    hi = min(diff_line + 1, len(lines))
    text = Text()
    for number in range(lo, hi + 1):
        line = lines[number - 1]
        style = "red" if line.startswith("-") else "green" if line.startswith("+") else "dim"
        marker = "▶ " if number == diff_line else "  "
        text.append(f"{marker}{line}\n", style=style)
    return text


def render_patch(console: Console, report: PatchReport, result: ReviewResult) -> None:
    findings = [f for f in result.findings if f.patch == report.index]
    head = Text()
    head.append(f"[{report.index}] {report.subject}\n", style="bold")
    if report.author:
        head.append(f"    {report.author}\n")
    head.append(f"    scope: {', '.join(report.scope) or '(none)'} ({report.scope_reason})\n")
    head.append(f"    files: {', '.join(report.files)}")
    if not report.applied:
        head.append("\n    not every hunk applied", style="bold red")
    items = [head]
    for note in report.notes:
        items.append(Text(f"note: {note}", style="dim"))
    for finding in findings:
        where = f"{finding.file}:{finding.line}" if finding.file else "patch"
        line = Text()
        if finding.waived:
            line.append("waived  ", style="dim")
        line.append(f"{finding.severity:<7}", style=STYLE[finding.severity]
                    if not finding.waived else "dim")
        line.append(f" {finding.id}", style="bold")
        line.append(f"  {where}")
        if finding.function:
            line.append(f"  {finding.function}()")
        items.append(line)
        items.append(Text("    " + finding.message))
        if finding.waived:
            items.append(Text(f"    waived: {finding.waived}", style="dim"))
        if finding.configs:
            items.append(Text("    in: " + " | ".join(format_config(c) for c in finding.configs),
                              style="dim"))
        diff = finding.evidence.get("diff") if hasattr(finding.evidence, "get") else None
        if diff:
            items.append(Text("    canonical body, before → after:\n" + "\n".join(
                "      " + d for d in list(diff)[:10]), style="dim"))
        quoted = _quote(report, finding.diff_line)
        if quoted is not None:
            items.append(quoted)
    if not findings:
        items.append(Text("no findings", style="green"))
    if report.matrix is not None and report.matrix.names:
        items.append(_matrix(report.matrix))
    console.print(Panel(Group(*items), expand=True))


def render(result: ReviewResult, color: bool | None = None, width: int = 110) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color if color is not None
                      else None, width=width, highlight=False, soft_wrap=False)
    tree = result.tree
    console.print(Text(f"reviewtool {result.version} — tree: {tree.get('kind')} "
                       f"{tree.get('path', '')}"
                       + (f" @ {tree['revision']}" if tree.get("revision") else "")
                       + f", arch {tree.get('arch', '?')}", style="bold"))
    coverage = result.coverage
    if coverage:
        console.print(Text(f"configurations: {coverage.get('classes', 0)} classes of "
                           f"{coverage.get('of', 0)} over "
                           f"{', '.join(coverage.get('symbols', [])) or '(no symbols)'}"
                           + (f" (sampled: {coverage['sampled']})"
                              if coverage.get("sampled") else ""), style="dim"))
    for note in result.notes:
        console.print(Text(f"note: {note}", style="dim"))
    for report in result.patches:
        render_patch(console, report, result)
    counts = {s: sum(1 for f in result.findings if f.severity == s and not f.waived)
              for s in ("error", "warning", "info")}
    waived = sum(1 for f in result.findings if f.waived)
    console.print(Text(f"{counts['error']} error(s), {counts['warning']} warning(s), "
                       f"{counts['info']} info" + (f", {waived} waived" if waived else ""),
                       style="bold"))
    for diagnostic in result.diagnostics:
        console.print(Text(f"internal: {diagnostic}", style="magenta"))
    return buffer.getvalue()
