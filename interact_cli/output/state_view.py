"""`ingest` and `state` for people (a few lines and a table of inputs) or as JSON."""

from __future__ import annotations

from typing import Any

from interact_cli.output.emit import write_text
from interact_cli.serialize import to_json


def _lines(counts: dict[str, Any]) -> str:
    return (
        f"{counts['lines']:,} lines ({counts['valid']:,} valid, {counts['invalid']:,} invalid, "
        f"{counts['blank']:,} blank)"
    )


def _holds(found: dict[str, Any]) -> str:
    holds = found["holds"]
    inputs = "input" if holds["inputs"] == 1 else "inputs"
    return (
        f"{found['state']} holds {holds['inputs']:,} {inputs}: {_lines(holds)}; "
        f"{holds['sets']:,} sets, {holds['products']:,} products, {holds['users']:,} users "
        f"({found['size']:,} bytes)"
    )


def _inputs_table(inputs: list[dict[str, Any]]) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False)
    table.add_column("input", overflow="fold")  # a path's end tells inputs apart: kept
    for name in ("ingested (UTC)", "lines", "valid", "invalid", "fingerprint"):
        right = name in ("lines", "valid", "invalid")
        table.add_column(name, justify="right" if right else "left", no_wrap=True)
    for record in inputs:
        when = record["ingested_at"].replace("T", " ").removesuffix("+00:00")
        cells = (record["name"], when, f"{record['lines']:,}")
        # The first half tells inputs apart at a glance; JSON has all of it.
        more = (f"{record['valid']:,}", f"{record['invalid']:,}", record["fingerprint"][:16])
        table.add_row(*(Text(cell) for cell in cells + more))  # names are not markup
    return table


def emit_ingest(summary: dict[str, Any], format: str) -> None:
    """What one ingest added, and what the state holds now."""
    if format == "json":
        write_text(to_json(summary), None)
        return
    from interact_cli.output.console import stdout_console

    console = stdout_console()
    added = summary["added"]
    files = "input" if added["inputs"] == 1 else "inputs"
    console.print(
        f"ingested {added['inputs']:,} {files}: {_lines(added)}; "
        f"{summary['new_sets']:,} new sets, {summary['new_products']:,} new products",
        markup=False,
    )
    console.print(_holds(summary | {"size": summary["size"]}), markup=False)


def emit_state(found: dict[str, Any], format: str) -> None:
    """A state's settings, totals and inputs."""
    if format == "json":
        write_text(to_json(found), None)
        return
    from interact_cli.output.console import stdout_console

    console = stdout_console()
    settings = found["settings"]
    field = settings["time_field"] or "default (timestamp, receivedAt, time)"
    console.print(_holds(found), markup=False)
    console.print(
        f"counts per {settings['period']} in {settings['tz']}, time field {field}; "
        f"made {found['created']}, written by interact-cli {found['written_by']}",
        markup=False,
    )
    console.print(_inputs_table(found["inputs"]))
