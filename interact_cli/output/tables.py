"""Rich renderers for people: summaries and tables on a terminal (or a fixed width)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from interact_cli.validation import ValidationResult


def _count(value: int) -> str:
    return f"{value:,}"


def render_validation(result: ValidationResult, console: Console, max_problems: int) -> None:
    """Summary line, problems by code, then the first problems in detail."""
    s = result.summary
    where = f" in {len(result.files)} files" if len(result.files) > 1 else ""
    console.print(
        Text(
            f"{_count(s.lines)} lines{where}: {_count(s.valid)} valid, "
            f"{_count(s.invalid)} invalid, {_count(s.blank)} blank, {_count(s.warnings)} warnings"
        )
    )
    if len(result.files) > 1:
        console.print(_files_table(result))
    if not result.by_code:
        console.print(Text("No problems found."))
        return
    console.print(_codes_table(result))
    shown = result.problems[:max_problems]
    if shown:
        console.print(_problems_table(shown, total=sum(c.count for c in result.by_code)))


def _files_table(result: ValidationResult) -> Table:
    table = Table(title="Files", title_justify="left")
    table.add_column("file", overflow="fold")
    for name in ("lines", "valid", "invalid", "blank", "warnings"):
        table.add_column(name, justify="right")
    for f in result.files:
        table.add_row(Text(f.path), *(_count(v) for v in f.counts().values()))
    return table


def _codes_table(result: ValidationResult) -> Table:
    table = Table(title="Problems by code", title_justify="left")
    table.add_column("code", no_wrap=True)
    table.add_column("severity")
    table.add_column("count", justify="right")
    table.add_column("first at", overflow="fold")
    table.add_column("example", overflow="fold")
    for c in result.by_code:
        table.add_row(
            c.code,
            c.severity,
            _count(c.count),
            Text(f"{c.first_file}:{c.first_line}"),
            Text(c.example),
        )
    return table


def _problems_table(problems, total: int) -> Table:
    table = Table(title=f"First {len(problems)} of {_count(total)} problems", title_justify="left")
    table.add_column("at", overflow="fold")
    table.add_column("code", no_wrap=True)
    table.add_column("path", overflow="fold")
    table.add_column("message", overflow="fold")
    for p in problems:
        code = Text(p.code, style="red" if p.severity == "error" else "yellow")
        table.add_row(Text(f"{p.file}:{p.line}"), code, Text(p.path or "/"), Text(p.message))
    return table
