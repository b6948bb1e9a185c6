"""Reading inputs: paths, globs and stdin, gzip and zstd, as byte chunks for the kernel."""

from __future__ import annotations

import glob
import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from interact_cli.errors import InputError

STDIN = "-"
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Bytes handed to the kernel at a time: large enough that its per-call cost (thread
# start, result merge) vanishes, small enough that Ctrl-C and the progress bar respond.
CHUNK_BYTES = 4 * 1024 * 1024
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class InputSource:
    """One input: a file path, or standard input."""

    name: str
    path: str | None = None
    size: int | None = None

    @property
    def is_stdin(self) -> bool:
        return self.path is None


def resolve_inputs(specs: Sequence[str]) -> list[InputSource]:
    """Turn command-line specs (paths, quoted globs, '-') into readable sources."""
    if not specs:
        raise InputError("no input given (pass a path, a glob, or - for stdin)")
    sources: list[InputSource] = []
    for spec in specs:
        if spec == STDIN:
            sources.append(InputSource("<stdin>"))
        elif not os.path.lexists(spec) and _GLOB_CHARS & set(spec):
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                raise InputError(f"{spec}: no file matches this pattern")
            sources.extend(_file_source(m) for m in matches if not os.path.isdir(m))
        else:
            sources.append(_file_source(spec))
    return sources


def _file_source(path: str) -> InputSource:
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    return InputSource(path, path, os.path.getsize(path))


@contextmanager
def open_source(source: InputSource) -> Iterator[tuple[BinaryIO, BinaryIO]]:
    """Open a source: (decompressed stream, raw stream) with gzip or zstd found by content."""
    raw: BinaryIO
    try:
        raw = sys.stdin.buffer if source.is_stdin else open(source.path, "rb")  # noqa: SIM115
    except OSError as error:
        raise InputError(f"{source.name}: {error.strerror or error}") from None
    try:
        yield _decompressing(raw, source), raw
    finally:
        if not source.is_stdin:
            raw.close()


def _decompressing(raw: BinaryIO, source: InputSource) -> BinaryIO:
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
    head = buffered.peek(4)[:4]
    name = source.name.lower()
    if head.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    if head.startswith(ZSTD_MAGIC):
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(buffered, read_across_frames=True)
        return io.BufferedReader(reader, CHUNK_BYTES)  # type: ignore[arg-type]
    if head and name.endswith((".gz", ".gzip")):
        raise InputError(f"{source.name}: not a gzip file (no gzip header)")
    if head and name.endswith((".zst", ".zstd")):
        raise InputError(f"{source.name}: not a zstd file (no zstd header)")
    return buffered


def _decompression_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [gzip.BadGzipFile, zlib.error, EOFError, OSError]
    if "zstandard" in sys.modules:
        errors.append(sys.modules["zstandard"].ZstdError)
    return tuple(errors)


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if isinstance(error, EOFError):
        return "compressed data ends early (truncated file?)"
    if isinstance(error, (gzip.BadGzipFile, zlib.error)):
        return f"corrupt gzip data ({text})"
    return text


def read_chunks(
    source: InputSource,
    on_progress: Callable[[int], None] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[memoryview]:
    """The decompressed bytes of a source in chunks cut anywhere.

    Each chunk is a view of one reused buffer (fresh buffers cost the kernel zeroing
    their pages): use it before asking for the next. `on_progress` gets the bytes of
    the (possibly compressed) file read so far.
    """
    buffer = bytearray(chunk_bytes)
    view = memoryview(buffer)
    with open_source(source) as (stream, raw):
        try:
            while size := stream.readinto(buffer):  # type: ignore[attr-defined]
                if on_progress is not None and not source.is_stdin:
                    on_progress(raw.tell())
                yield view[:size]
        except _decompression_errors() as error:
            raise InputError(f"{source.name}: cannot read: {_describe(error)}") from None
