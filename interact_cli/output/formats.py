"""Machine-readable renderers: JSON documents, CSV and Markdown tables."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from interact_cli.output.terminal import printable


def to_json(document: Any) -> str:
    """One JSON document, indented, UTF-8 text, ending in a newline."""
    import msgspec

    # msgspec writes the same JSON as json.dumps (shortest round-trip floats), ~10x faster.
    return msgspec.json.format(msgspec.json.encode(document), indent=2).decode() + "\n"


def to_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """CSV with a header row; null values are empty cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return buffer.getvalue()


def _markdown_cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}"
    return printable(str(value)).replace("|", "\\|")


def to_markdown(columns: Sequence[str], rows: Sequence[dict[str, Any]], numeric: set[str]) -> str:
    """A GitHub-flavoured Markdown table; numeric columns right-aligned."""
    header = "| " + " | ".join(_markdown_cell(c) for c in columns) + " |"
    rule = "|" + "|".join("---:" if c in numeric else "---" for c in columns) + "|"
    body = ["| " + " | ".join(_markdown_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join([header, rule, *body]) + "\n"
