"""Rich renderers for people: summaries and tables on a terminal (or a fixed width)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console, JustifyMethod, OverflowMethod
from rich.table import Table
from rich.text import Text

from interact_cli.output.terminal import printable, printable_units
from interact_cli.problems import Problem, ProblemType
from interact_cli.validation import ValidationResult


def count(value: int) -> str:
    """An integer with thousands separators."""
    return f"{value:,}"


def plural(value: int, noun: str) -> str:
    """'1 line', '2 lines', '1,000 lines'."""
    return f"{value:,} {noun}" + ("" if value == 1 else "s")


def render_validation(result: ValidationResult, console: Console, max_problems: int) -> None:
    """Summary line, problems by code, then the first problems in detail."""
    s = result.summary
    where = f" in {len(result.files)} files" if len(result.files) > 1 else ""
    console.print(
        Text(
            f"{plural(s.lines, 'line')}{where}: {count(s.valid)} valid, "
            f"{count(s.invalid)} invalid, {count(s.blank)} blank, {plural(s.warnings, 'warning')}"
        )
    )
    if len(result.files) > 1:
        console.print(_files_table(result))
    if not result.by_code:
        console.print(Text("No problems found."))
        return
    console.print(_codes_table(result, console.width))
    shown = result.problems[:max_problems]
    if shown:
        total = sum(c.count for c in result.by_code)
        console.print(_problems_table(result, shown, total, console.width))


def _widest(texts: Sequence[str], header: str = "") -> int:
    """The widest text on screen (wide characters take two cells)."""
    return max(map(cell_len, [header, *texts]))


def _from_the_right(text: str, cells: int) -> str:
    """The end of a text that fits `cells` on screen, cut with "…" at the start: the end
    of a file:line is what tells it apart."""
    if cell_len(text) <= cells:
        return text
    kept = ""
    for unit in reversed(printable_units(text)):  # never half an escape
        if cell_len(unit + kept) + 1 > cells:
            break
        kept = unit + kept
    return "…" + kept


LAST_AT_LEAST = 12  # cells kept for the message or example column


def _last_width(width: int, others: Sequence[int]) -> int:
    """What is left of `width` for the last column of a boxed table (a border between
    columns and at both ends, a space of padding each side of every cell)."""
    columns = len(others) + 1
    return max(LAST_AT_LEAST, width - sum(others) - (columns + 1) - 2 * columns)


def _fit_where(wheres: list[str], widths: list[int], at: int, width: int) -> list[str]:
    """The file:line texts cut further (from the left) when the fixed columns leave the
    last one less than its minimum; `widths[at]` is updated to match."""
    excess = LAST_AT_LEAST - (width - sum(widths) - (len(widths) + 2) - 2 * (len(widths) + 1))
    if excess <= 0:
        return wheres
    cells = max(8, widths[at] - excess)
    widths[at] = cells
    return [_from_the_right(where, cells) for where in wheres]


def _where(file: str, line: int, one_file: bool, width: int = 10_000) -> Text:
    """The line number, or file:line with several files (at most a third of the width)."""
    if one_file:
        return Text(str(line))
    return Text(_from_the_right(f"{printable(file)}:{line}", max(16, width // 3)))


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


def _codes_table(result: ValidationResult, width: int) -> Table:
    one_file = len(result.files) == 1
    table = Table(title="Problems by code", title_justify="left")
    first = "first line" if one_file else "first at"
    wheres = [_where(c.first_file, c.first_line, one_file, width).plain for c in result.by_code]
    widths = [
        _widest([c.code for c in result.by_code], "code"),
        _widest([c.severity for c in result.by_code], "severity"),
        _widest([count(c.count) for c in result.by_code], "count"),
        _widest(wheres, first),
    ]
    wheres = _fit_where(wheres, widths, 3, width)
    for name, size in zip(("code", "severity", "count", first), widths, strict=True):
        justify: JustifyMethod = "right" if name == "count" else "left"
        table.add_column(name, no_wrap=True, justify=justify, min_width=size, max_width=size)
    # One line a code and a problem: a cut message ends in "…"; JSON has every word.
    last = _last_width(width, widths)
    table.add_column("example", no_wrap=True, overflow="ellipsis", max_width=last)
    for c, where in zip(result.by_code, wheres, strict=True):
        example = Text(printable(c.example))
        table.add_row(c.code, _severity(c.severity), count(c.count), Text(where), example)
    return table


def _problems_table(
    result: ValidationResult, problems: list[Problem], total: int, width: int
) -> Table:
    one_file = len(result.files) == 1
    table = Table(title=f"First {len(problems)} of {count(total)} problems", title_justify="left")
    at = "line" if one_file else "at"
    wheres = [_where(p.file, p.line, one_file, width).plain for p in problems]
    # The pointer "" is the whole line ("/" would point at a member named "").
    paths = [printable(p.path) if p.path else "(line)" for p in problems]
    widths = [
        _widest(wheres, at),
        _widest([p.code for p in problems], "code"),
        min(_widest(paths, "path"), 24),
    ]
    wheres = _fit_where(wheres, widths, 0, width)
    for name, size in zip((at, "code", "path"), widths, strict=True):
        cut: OverflowMethod = "ellipsis" if name == "path" else "fold"
        table.add_column(name, no_wrap=True, overflow=cut, min_width=size, max_width=size)
    last = _last_width(width, widths)
    table.add_column("message", no_wrap=True, overflow="ellipsis", max_width=last)
    for p, where, path in zip(problems, wheres, paths, strict=True):
        code = Text(p.code, style="red" if p.severity == "error" else "yellow")
        table.add_row(Text(where), code, Text(path), Text(printable(p.message)))
    table.caption = "Messages cut at the terminal's width end in …; --format json has them whole."
    table.caption_justify = "left"
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
