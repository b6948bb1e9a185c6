"""Type stubs of the native kernel (src/py.rs)."""

from collections.abc import Callable
from typing import Any

MAX_DEPTH: int

class Column:
    """One column for `polars.Series(column)` (Arrow PyCapsule); exported once."""

    def __arrow_c_array__(self, requested_schema: object = None) -> tuple[object, object]: ...
    def __len__(self) -> int: ...

class Partial:
    """The report's mergeable partial result (src/report.rs)."""

    def merge(self, other: Partial) -> None: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> Partial: ...
    def counters(self) -> dict[str, Any]: ...
    def table(self, name: str) -> dict[str, Column]: ...  # each taken once

class Scan:
    """The single pass: counts every line fed to it; for a report, builds a Partial."""

    def __init__(
        self,
        keep: int,
        threads: int = 1,
        split: bool = False,
        max_line: int = ...,
        time_fields: list[str] | None = None,
        report: bool = False,
        since: int | None = None,
        until: int | None = None,
        calendar: Callable[[int], tuple[int, int] | None] | None = None,
    ) -> None: ...
    def begin_file(self, name: str, continued: bool = False) -> None: ...
    def feed(self, data: bytes | bytearray | memoryview) -> tuple[bytes, bytes]: ...
    def end_file(self) -> tuple[bytes, bytes]: ...
    def result(self) -> dict[str, Any]: ...
    def partial(self) -> Partial: ...

def check_line(
    line: bytes, time_fields: list[str] | None = None
) -> tuple[bool, list[tuple[str, str, str]]]: ...
def parse_time(value: str | float) -> int | None: ...
