"""`-f parquet`: each table of a result (report, comparison) as a Parquet file in one
folder, with the documented columns and types, and the summary beside them as JSON.

The frames are the library's own: Polars writes them (zstd), a mapping field (a list of
key-value structs) as Parquet's list of structs. The folder appears whole or not at all.
"""

from __future__ import annotations

import os

from interact_cli.result import Tabled
from interact_cli.serialize import to_json
from interact_cli.sinks import Target, atomic_folder


def write_folder(result: Tabled, target: Target) -> None:
    """Every table as TABLE.parquet and the summary as summary.json, in a new folder."""
    with atomic_folder(target) as folder:
        for name, frame in result.tables().items():
            frame.write_parquet(os.path.join(folder, f"{name}.parquet"), compression="zstd")
        with open(os.path.join(folder, "summary.json"), "wb") as stream:
            stream.write(to_json(result.summary))
