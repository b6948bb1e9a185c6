"""Markdown tables (JSON and CSV text is the library's: `interact_cli.serialize`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from interact_cli.columns import ID_KINDS, Column
from interact_cli.output.terminal import printable


def _markdown_cell(column: Column, row: dict[str, Any]) -> str:
    if column.kind in ("range", "ratio_range"):
        low, high = row.get(f"{column.source}_low"), row.get(f"{column.source}_high")
        return "—" if low is None or high is None else f"{low:.4f}–{high:.4f}"
    value = row.get(column.name)
    if value is None:
        return "—"
    if column.kind == "flag":
        return "yes" if value else ""
    if column.kind == "pvalue":
        return f"{value:.3g}"
    if isinstance(value, float):
        return f"{value:.4f}"
    return printable(str(value)).replace("|", "\\|")


def to_markdown(
    columns: Sequence[Column], rows: Sequence[dict[str, Any]], header: bool = True
) -> str:
    """A GitHub-flavoured Markdown table named by field; numbers right-aligned (its body
    only, to follow a piece written before, unless `header`)."""
    head = "| " + " | ".join(printable(c.name).replace("|", "\\|") for c in columns) + " |"
    rule = "|" + "|".join("---" if c.kind in ID_KINDS else "---:" for c in columns) + "|"
    body = ["| " + " | ".join(_markdown_cell(c, row) for c in columns) + " |" for row in rows]
    lines = [head, rule, *body] if header else body
    return "\n".join(lines) + "\n" if lines else ""
