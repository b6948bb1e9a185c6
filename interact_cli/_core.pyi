"""Type stubs of the native kernel (src/py.rs)."""

MAX_DEPTH: int

class Validator:
    """Counts every line of the files fed to it and keeps the first problems in full."""

    def __init__(
        self,
        keep: int,
        threads: int = 1,
        split: bool = False,
        max_line: int = ...,
        time_fields: list[str] | None = None,
    ) -> None: ...
    def begin_file(self, name: str) -> None: ...
    def feed(self, data: bytes | bytearray | memoryview) -> tuple[bytes, bytes]: ...
    def end_file(self) -> tuple[bytes, bytes]: ...
    def result(self) -> dict[str, object]: ...

def check_line(
    line: bytes, time_fields: list[str] | None = None
) -> tuple[bool, list[tuple[str, str, str]]]: ...
