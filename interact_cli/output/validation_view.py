"""Rich renderers for people: summaries and tables on a terminal (or a fixed width)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from interact_cli.output.terminal import printable
from interact_cli.problems import Problem, ProblemType
from interact_cli.validation import ValidationResult


def count(value: int) -> str:
    """An integer with thousands separators."""
    return f"{value:,}"


def render_validation(result: ValidationResult, console: Console, max_problems: int) -> None:
    """Summary line, problems by code, then the first problems in detail."""
    s = result.summary
    where = f" in {len(result.files)} files" if len(result.files) > 1 else ""
    console.print(
        Text(
            f"{count(s.lines)} lines{where}: {count(s.valid)} valid, "
            f"{count(s.invalid)} invalid, {count(s.blank)} blank, {count(s.warnings)} warnings"
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
        total = sum(c.count for c in result.by_code)
        console.print(_problems_table(result, shown, total))


def _where(file: str, line: int, one_file: bool) -> Text:
    return Text(str(line) if one_file else f"{printable(file)}:{line}")


def _severity(severity: str) -> Text:
    return Text(severity, style="red" if severity == "error" else "yellow")


def _files_table(result: ValidationResult) -> Table:
    table = Table(title="Files", title_justify="left")
    table.add_column("file", overflow="fold")
    for name in ("lines", "valid", "invalid", "blank", "warnings"):
        table.add_column(name, justify="right", no_wrap=True)
    for f in result.files:
        table.add_row(Text(printable(f.path)), *(count(v) for v in f.counts().values()))
    return table


def _codes_table(result: ValidationResult) -> Table:
    one_file = len(result.files) == 1
    table = Table(title="Problems by code", title_justify="left")
    table.add_column("code", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("first line" if one_file else "first at", overflow="fold")
    table.add_column("example", overflow="fold", ratio=1)
    for c in result.by_code:
        where = _where(c.first_file, c.first_line, one_file)
        example = Text(printable(c.example))
        table.add_row(c.code, _severity(c.severity), count(c.count), where, example)
    return table


def _problems_table(result: ValidationResult, problems: list[Problem], total: int) -> Table:
    one_file = len(result.files) == 1
    table = Table(title=f"First {len(problems)} of {count(total)} problems", title_justify="left")
    table.add_column("line" if one_file else "at", overflow="fold")
    table.add_column("code", no_wrap=True)
    table.add_column("path", overflow="fold")
    table.add_column("message", overflow="fold", ratio=1)
    for p in problems:
        where = _where(p.file, p.line, one_file)
        code = Text(p.code, style="red" if p.severity == "error" else "yellow")
        table.add_row(where, code, Text(printable(p.path or "/")), Text(printable(p.message)))
    return table


def render_codes(types: Sequence[ProblemType], console: Console) -> None:
    """The problem catalogue as a table: code, severity, message template and hint."""
    table = Table(title=f"Problem codes: {len(types)}", title_justify="left")
    table.add_column("code", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("message", overflow="fold", ratio=1)
    table.add_column("hint", overflow="fold", ratio=1)
    for entry in types:
        table.add_row(entry.code, _severity(entry.severity), Text(entry.message), Text(entry.hint))
    console.print(table)
