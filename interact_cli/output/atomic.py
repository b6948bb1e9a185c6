"""Files written atomically: a temporary file beside the target, renamed at the end."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import BinaryIO

from interact_cli.errors import InputError
from interact_cli.inputs import InputSource


def refuse_overwriting_inputs(
    outputs: Sequence[str | None], sources: Sequence[InputSource]
) -> None:
    """Raise InputError if an output path is one of the input files."""
    inputs = {os.path.realpath(s.path) for s in sources if s.path is not None}
    for output in outputs:
        if output is not None and os.path.realpath(output) in inputs:
            raise InputError(f"{output}: refusing to overwrite an input file")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_file(path: str) -> Iterator[BinaryIO]:
    """A binary file that appears at `path` only if the block completes."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".interact-cli-", suffix=".tmp")
    except OSError as error:
        raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; honour the umask
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


class SplitWriter:
    """Writes each non-blank input line, byte for byte, to the valid or the invalid file."""

    def __init__(
        self, sources: Sequence[InputSource], valid_out: str | None, invalid_out: str | None
    ) -> None:
        refuse_overwriting_inputs([valid_out, invalid_out], sources)
        self._paths = (valid_out, invalid_out)
        self._stack = ExitStack()
        self._valid: BinaryIO | None = None
        self._invalid: BinaryIO | None = None

    def __enter__(self) -> SplitWriter:
        valid_out, invalid_out = self._paths
        if valid_out is not None:
            self._valid = self._stack.enter_context(atomic_file(valid_out))
        if invalid_out is not None:
            self._invalid = self._stack.enter_context(atomic_file(invalid_out))
        return self

    def __exit__(self, *exc_info: object) -> bool | None:
        return self._stack.__exit__(*exc_info)

    def write(self, valid: bytes, invalid: bytes) -> None:
        """Append blocks of valid and invalid lines to their files (either may be unset)."""
        if self._valid is not None:
            self._valid.write(valid)
        if self._invalid is not None:
            self._invalid.write(invalid)

    @property
    def sink(self):
        """The raw-line sink for the scan, or None when nothing is written."""
        if self._valid is None and self._invalid is None:
            return None
        return self._write

    def _write(self, raw: bytes, valid: bool) -> None:
        stream = self._valid if valid else self._invalid
        if stream is not None:
            stream.write(raw if raw.endswith(b"\n") else raw + b"\n")
