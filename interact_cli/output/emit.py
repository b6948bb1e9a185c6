"""Where rendered output goes: stdout (a Rich console for tables) or a planned output.

Rich and the table renderers are imported only when a table is drawn: JSON, CSV and
Markdown runs start ~40 ms sooner without them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from io import StringIO
from typing import TYPE_CHECKING

from interact_cli.columns import TABLE_OF, TREND_OF
from interact_cli.output.formats import to_markdown
from interact_cli.serialize import to_json
from interact_cli.sinks import Target, open_target

if TYPE_CHECKING:
    from interact_cli.comparison import Comparison
    from interact_cli.problems import ProblemType
    from interact_cli.result import Report, Tabled
    from interact_cli.validation import ValidationResult

FILE_WIDTH = 160  # tables written to a file are not folded for a terminal


def write_text(text: str | bytes, output: Target | None) -> None:
    """Text (or UTF-8 bytes) to stdout, or to a planned output (a stream, or a file
    replaced atomically)."""
    write_chunks([text], output)


def write_chunks(chunks: Iterable[str | bytes], output: Target | None) -> None:
    """Text made piece by piece to stdout or a planned output: each piece is written as it
    comes, so a huge table is never whole in memory."""
    if output is None or output.is_stdout:
        binary = getattr(sys.stdout, "buffer", None)
        for text in chunks:
            if isinstance(text, bytes) and binary is not None:
                sys.stdout.flush()  # what was written as text goes first
                binary.write(text)
            else:
                sys.stdout.write(text if isinstance(text, str) else text.decode())
        sys.stdout.flush()
        if binary is not None:
            binary.flush()
        return
    try:
        with open_target(output) as stream:
            for text in chunks:
                stream.write(text if isinstance(text, bytes) else text.encode())
    except OSError as error:  # a device or FIFO that refuses: name it in the error
        error.filename = error.filename or output.name
        raise


def _markdown_chunks(report: Tabled, table: str) -> Iterable[str]:
    for number, (columns, rows) in enumerate(report.shown_slices(table)):
        yield to_markdown(columns, rows, header=number == 0)


def emit_report(
    report: Report,
    format: str,
    by: str | None,
    drill: bool,
    top: int | None,
    output: Target | None,
    csv_raw: bool = False,
) -> None:
    """Render a report in a format; `by` picks the table (CSV and Markdown show one, or
    its trend with --interval); `csv_raw` leaves CSV cells that look like formulas as
    they are."""
    table = TABLE_OF[by or "set"]
    if report.trends:
        table = TREND_OF[table]
    if format == "table":
        from rich.console import Console

        from interact_cli.output.console import stdout_console
        from interact_cli.output.report_view import render_report

        pair = ["sets", "set_products" if drill else "products"]
        chosen = [table] if by or report.trends else pair
        if output is None or output.is_stdout:
            render_report(report, stdout_console(), chosen, top)
            return
        buffer = StringIO()
        render_report(report, Console(file=buffer, width=FILE_WIDTH), chosen, top)
        write_text(buffer.getvalue(), output)
        return
    if format == "json":
        write_chunks(report.json_chunks(), output)
        return
    if format == "parquet" and output is not None:
        from interact_cli.output.parquet import write_folder

        write_folder(report, output)
        return
    if format == "html":
        from interact_cli.output import charts, html

        chart_top = 20 if top is None else top  # 0: every row has its bar
        specs = charts.specs(report, chart_top)
        write_text(html.page(report, specs, charts.vega_bundle(), chart_top), output)
        return
    if format == "csv":
        write_chunks(report.csv_chunks(table, raw=csv_raw), output)
    else:
        write_chunks(_markdown_chunks(report, table), output)


def emit_comparison(
    comparison: Comparison, format: str, top: int | None, output: Target | None, csv_raw: bool
) -> None:
    """Render a comparison in a format (its one table)."""
    name = comparison.name
    if format == "table":
        from rich.console import Console

        from interact_cli.output.compare_view import render_comparison
        from interact_cli.output.console import stdout_console

        if output is None or output.is_stdout:
            render_comparison(comparison, stdout_console(), top)
            return
        buffer = StringIO()
        render_comparison(comparison, Console(file=buffer, width=FILE_WIDTH), top)
        write_text(buffer.getvalue(), output)
    elif format == "json":
        write_chunks(comparison.json_chunks(), output)
    elif format == "parquet" and output is not None:
        from interact_cli.output.parquet import write_folder

        write_folder(comparison, output)
    elif format == "html":
        from interact_cli.output import compare_page

        write_text(compare_page.page(comparison), output)
    elif format == "csv":
        write_chunks(comparison.csv_chunks(name, raw=csv_raw), output)
    else:
        write_chunks(_markdown_chunks(comparison, name), output)


def html_missing() -> str | None:
    """Why the HTML page and charts cannot be made here (their extra is not installed)."""
    import importlib.util

    if all(importlib.util.find_spec(name) for name in ("altair", "vl_convert")):
        return None
    return "--format html and --chart-dir need the html extra: pip install 'interact-cli[html]'"


def export_charts(report: Report, top: int, folder: str) -> None:
    """Each chart of the HTML page as SVG and PNG files in a folder."""
    from interact_cli.output import charts

    charts.export(charts.specs(report, top), folder)


def emit_validation(
    result: ValidationResult, format: str, max_problems: int, to_stderr: bool = False
) -> None:
    """Render a validation result: a Rich summary and tables, or one JSON document.

    It goes to stderr when stdout carries the valid or invalid lines.
    """
    if format == "json":
        text = to_json(result.to_dict())
        if to_stderr:
            sys.stderr.write(text.decode())
        else:
            write_text(text, None)
        return
    from rich.console import Console

    from interact_cli.output.console import stdout_console
    from interact_cli.output.validation_view import render_validation

    console = Console(file=sys.stderr, highlight=False) if to_stderr else stdout_console()
    render_validation(result, console, max_problems)


def emit_codes(types: Sequence[ProblemType], format: str) -> None:
    """The problem catalogue to stdout: a table, or a JSON list of objects."""
    if format == "json":
        write_text(to_json([entry.to_dict() for entry in types]), None)
    else:
        from interact_cli.output.console import stdout_console
        from interact_cli.output.validation_view import render_codes

        render_codes(types, stdout_console())
