"""The `generate` command: deterministic exports for demos, benchmarks and compare's
calibration (the library's generate.py and generate_changes.py)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from interact_cli.cli_options import Debug, OutputFile
from interact_cli.exit_codes import ExitCode
from interact_cli.outcome import fail, run


def generate(
    events: Annotated[int, typer.Option(min=0, help="How many events to write.")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same file.")] = 1,
    broken_ratio: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of lines replaced by broken ones.")
    ] = 0.0,
    products: Annotated[
        Optional[int],
        typer.Option(
            min=1,
            max=10_000_000,
            help="A catalogue of this many products, each met in turn by interactions.",
        ),
    ] = None,
    plant: Annotated[
        Optional[str],
        typer.Option(
            metavar="N:FACTOR",
            help="Two weeks of sessions for compare (from 2026-10-01; users differ): the "
            "N most popular sets' ctr and cart/click times FACTOR in the second (0:1: none).",
        ),
    ] = None,
    sets: Annotated[
        int, typer.Option(min=1, max=100_000, help="With --plant: how many sets.")
    ] = 200,
    output: OutputFile = None,
    debug: Debug = False,
) -> None:
    """Write a deterministic, realistic export (all dialects) for demos and benchmarks.

    Examples:

    interact-cli generate --events 1000000 --broken-ratio 0.01 -o big.ndjson

    interact-cli generate --events 160000 --products 50000 -o wide.ndjson

    interact-cli generate --events 200000 --plant 10:0.7 -o weeks.ndjson
    """

    def work() -> ExitCode:
        from interact_cli.errors import OptionError
        from interact_cli.generate import write_export
        from interact_cli.output.progress import ByteProgress

        if not 0.0 <= broken_ratio <= 1.0:  # NaN passes Typer's range check
            raise OptionError(f"--broken-ratio {broken_ratio}: give a share from 0 to 1")

        target = None if output is None else str(output)
        if plant is not None:
            from interact_cli.generate_changes import parse_plant, write_changes

            if broken_ratio or products:
                raise OptionError("--plant makes its own export: no --broken-ratio or --products")
            planted = parse_plant(plant)
            ids = write_changes(events, seed, target, sets, planted, ByteProgress(events=True))
            if ids:
                fail(f"note: planted x{planted[1]:g} from 2026-10-08 in {', '.join(ids)}")
            return ExitCode.OK
        write_export(events, seed, broken_ratio, target, ByteProgress(events=True), products)
        return ExitCode.OK

    run(debug, work)
