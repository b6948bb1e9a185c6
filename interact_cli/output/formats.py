"""Machine-readable renderers: JSON documents, CSV and Markdown tables."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from interact_cli.columns import ID_KINDS, Column
from interact_cli.output.terminal import printable


def to_json(document: Any) -> bytes:
    """One JSON document, indented, in UTF-8, ending in a newline.

    A file name that is not UTF-8 (Python holds its bytes as surrogate escapes) cannot be
    UTF-8: then the whole document is written in ASCII, every other character as a \\u
    escape and each such byte as \\udcXX, which Python's json reads back to the same
    name (os.fsencode gives its bytes)."""
    import msgspec

    # msgspec writes the same JSON as json.dumps (shortest round-trip floats), ~10x faster;
    # kept as bytes to the end (decoding a 20 MB trend and encoding it again cost 20 ms).
    try:
        return msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"
    except UnicodeEncodeError:
        import json

        return json.dumps(document, indent=2, ensure_ascii=True).encode() + b"\n"


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):  # as in JSON, not Python's True/False
        return "true" if value else "false"
    return value


# A text cell beginning so is a formula to a spreadsheet (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _defused(cell: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, behind an apostrophe (which
    spreadsheets show as text); numbers as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def to_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]], raw: bool = False) -> str:
    """CSV with a header row; null values are empty cells. Text cells that a spreadsheet
    would run as a formula get a leading apostrophe, unless `raw` (ids byte for byte)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # With "\n" as the line end, csv quotes a field with "\n" but not one with a bare
    # "\r", which readers take as a line end too: such rows are quoted whole.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for cells in [list(columns), *([_csv_cell(row.get(c)) for c in columns] for row in rows)]:
        if not raw:
            cells = [_defused(cell) for cell in cells]
        has_cr = any(isinstance(cell, str) and "\r" in cell for cell in cells)
        (quoted if has_cr else writer).writerow(cells)
    return buffer.getvalue()


def _markdown_cell(column: Column, row: dict[str, Any]) -> str:
    if column.kind == "range":
        low, high = row.get(f"{column.source}_low"), row.get(f"{column.source}_high")
        return "—" if low is None or high is None else f"{low:.4f}–{high:.4f}"
    value = row.get(column.name)
    if value is None:
        return "—"
    if column.kind == "flag":
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return printable(str(value)).replace("|", "\\|")


def to_markdown(columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> str:
    """A GitHub-flavoured Markdown table named by field; numbers right-aligned."""
    header = "| " + " | ".join(printable(c.name).replace("|", "\\|") for c in columns) + " |"
    rule = "|" + "|".join("---" if c.kind in ID_KINDS else "---:" for c in columns) + "|"
    body = ["| " + " | ".join(_markdown_cell(c, row) for c in columns) + " |" for row in rows]
    return "\n".join([header, rule, *body]) + "\n"
