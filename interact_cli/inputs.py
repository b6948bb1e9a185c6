"""Reading inputs: paths, globs and stdin, gzip and zstd, as byte chunks for the kernel."""

from __future__ import annotations

import glob
import gzip
import io
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from interact_cli import remote
from interact_cli.errors import InputError

STDIN = "-"
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_SUFFIXES = (".gz", ".gzip")
ZSTD_SUFFIXES = (".zst", ".zstd")
# Bytes handed to the kernel at a time: large enough that its per-call cost (thread
# start, result merge) vanishes, small enough that Ctrl-C and the progress bar respond.
CHUNK_BYTES = 4 * 1024 * 1024
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class InputSource:
    """One input: a file path, standard input, or an object in an fsspec filesystem."""

    name: str
    path: str | None = None
    size: int | None = None
    regular: bool = True
    """A regular file: it can be reopened, sized and cut into byte ranges. Stdin, FIFOs,
    process substitutions and devices are streams, read once from start to end."""
    fs: Any = field(default=None, compare=False)
    """The filesystem of an object in a store (s3://…): `path` is its key there."""
    options: Mapping[str, Any] | None = field(default=None, compare=False)
    """The storage options it was opened with (to keep their values out of errors)."""

    @property
    def is_stdin(self) -> bool:
        """True for standard input."""
        return self.path is None


def resolve_inputs(
    specs: Sequence[str],
    storage_options: Mapping[str, Any] | None = None,
    notes: list[str] | None = None,
    seen: dict[tuple[Any, ...] | None, str] | None = None,
) -> list[InputSource]:
    """Turn command-line specs (paths, quoted globs, '-', URLs) into readable sources;
    what the user should know (a directory link not followed) is added to `notes`. A
    `seen` shared by several calls (compare's two sides) finds an input in two of them."""
    if not specs:
        raise InputError("no input given (pass a path, a glob, or - for stdin)")
    notes = notes if notes is not None else []
    sources: list[InputSource] = []
    seen = seen if seen is not None else {}
    for spec in specs:
        spec = remote.local_path(spec) or spec
        found: list[tuple[InputSource, tuple[Any, ...] | None]]
        if remote.is_url(spec):
            options = dict(storage_options or {})
            found = [
                (InputSource(name, path, size, True, fs, options), ("url", name))
                for fs, path, name, size in remote.expand(spec, options)
            ]
        elif spec == STDIN:
            found = [(InputSource("<stdin>", regular=False), _stdin_identity())]
        elif not os.path.lexists(spec) and _GLOB_CHARS & set(spec):
            matches = _glob(spec, notes)
            if not matches:
                raise InputError(f"{spec}: no file matches this pattern")
            found = _glob_sources(matches, notes)
        else:
            found = [_file_source(spec)]
        for source, identity in found:
            # Read twice, a file would be counted twice; stdin would be empty the second time.
            if identity in seen and (identity is None or seen[identity] == "<stdin>"):
                raise InputError(
                    f"{source.name}: stdin (-) is given more than once; it can be read only once"
                )
            if identity in seen:
                first = seen[identity]
                same = "" if first == source.name else f" (the same file as {first})"
                raise InputError(f"{source.name}: given more than once{same}")
            seen[identity] = source.name
            sources.append(source)
    return sources


def as_sources(
    inputs: Sequence[str] | Sequence[InputSource],
    storage_options: Mapping[str, Any] | None = None,
    notes: list[str] | None = None,
    seen: dict[tuple[Any, ...] | None, str] | None = None,
) -> list[InputSource]:
    """Sources already resolved (by a command, to check its outputs first) as they are;
    else the specs resolved (resolve_inputs)."""
    sources = [i for i in inputs if isinstance(i, InputSource)]
    if len(sources) == len(inputs):
        return sources
    return resolve_inputs([str(i) for i in inputs], storage_options, notes, seen)


def _glob_sources(
    matches: list[str], notes: list[str]
) -> list[tuple[InputSource, tuple[Any, ...] | None]]:
    """The files a glob matched, each once: a second name of one file (a link) and a link
    to nothing are left out with a note, not an error (the glob asked for each file)."""
    found: dict[tuple[Any, ...] | None, tuple[InputSource, tuple[Any, ...] | None]] = {}
    for match in matches:
        if os.path.islink(match) and not os.path.exists(match):
            notes.append(f"{match}: a link to nothing: left out")
            continue
        if os.path.isdir(match):
            continue
        source, identity = _file_source(match)
        if identity in found:
            kept = found[identity][0].name
            if os.path.islink(kept) and not os.path.islink(match):  # keep the file's own name
                found[identity] = (source, identity)
                kept, match = match, kept
            notes.append(f"{match}: the same file as {kept}: read once")
            continue
        found[identity] = (source, identity)
    return sorted(found.values(), key=lambda pair: pair[0].name)


def _glob(pattern: str, notes: list[str]) -> list[str]:
    """The paths a pattern matches, sorted. `**` matches any depth of directories, as in
    glob, but enters each directory once: a link to one already entered is not followed
    (a link back up, a loop, is named in `notes`; glob followed it ~40 levels deep)."""
    # Either separator on Windows, as glob takes both there.
    parts = re.split(r"[\\/]", pattern) if os.altsep else pattern.split(os.sep)
    if "**" not in parts:
        return sorted(glob.glob(pattern))
    at = parts.index("**")
    head, rest = os.sep.join(parts[:at]), parts[at + 1 :]
    bases = glob.glob(head) if glob.has_magic(head) else [head or os.curdir]
    entered: set[tuple[int, int]] = set()
    found: set[str] = set()
    noted = len(notes)
    for base in bases:
        for folder in _folders(base, entered, notes):
            if rest:
                tail = os.path.join(folder, *rest)
                found.update(_glob(tail, notes) if "**" in rest else glob.glob(tail))
            else:  # a trailing **: everything below
                found.update(e.path for e in os.scandir(folder) if not e.name.startswith("."))
    prefix = "" if head else os.curdir + os.sep
    notes[noted:] = [note.removeprefix(prefix) for note in notes[noted:]]
    return sorted(path.removeprefix(prefix) for path in found)


def _folders(base: str, entered: set[tuple[int, int]], notes: list[str]) -> Iterator[str]:
    """`base` and every folder below it (not hidden ones, as glob), each entered once."""
    try:
        info = os.stat(base)
    except OSError:
        return
    if not stat.S_ISDIR(info.st_mode) or (info.st_dev, info.st_ino) in entered:
        return
    entered.add((info.st_dev, info.st_ino))
    stack = [(base, {(info.st_dev, info.st_ino)})]
    while stack:
        folder, above = stack.pop()
        yield folder
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        below = []  # in name order: of two ways into one folder, the first name is kept
        for entry in entries:
            try:
                if entry.name.startswith(".") or not entry.is_dir():
                    continue
                info = entry.stat()
            except OSError as error:  # a link to itself, or round a loop of links
                notes.append(f"{entry.path}: {error.strerror or error}: not followed")
                continue
            key = (info.st_dev, info.st_ino)
            if key in above:
                notes.append(
                    f"{entry.path}: a link back to {os.path.realpath(entry.path)}, which it "
                    "is inside (a loop): not followed"
                )
            elif key not in entered:
                entered.add(key)
                below.append((entry.path, above | {key}))
        stack.extend(reversed(below))


def _stdin_identity() -> tuple[int, int] | None:
    """(device, inode) of stdin, so that '-' and /dev/stdin are known as one input."""
    try:
        info = os.fstat(sys.stdin.fileno())
    except (OSError, ValueError, AttributeError):
        return None  # no real stdin (closed, or replaced in tests)
    return (info.st_dev, info.st_ino)


def _file_source(path: str) -> tuple[InputSource, tuple[int, int]]:
    """The source of a path and its identity (device, inode) for finding duplicates."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
    except ValueError:  # a NUL byte: no file can be named so
        raise InputError(f"{path!r}: no such file (a name holds no NUL byte)") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: is a directory, not a file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    regular = stat.S_ISREG(info.st_mode)
    size = info.st_size if regular else None
    return InputSource(path, path, size, regular), (info.st_dev, info.st_ino)


@contextmanager
def open_source(source: InputSource) -> Iterator[tuple[BinaryIO, BinaryIO]]:
    """Open a source: (decompressed stream, raw stream) with gzip or zstd found by content."""
    raw: BinaryIO
    if source.fs is not None:
        raw = remote.open_object(source.fs, source.path or "", source.name, source.options or {})
    else:
        try:
            raw = _stdin() if source.path is None else open(source.path, "rb")  # noqa: SIM115
        except OSError as error:
            raise InputError(f"{source.name}: {error.strerror or error}") from None
    try:
        yield _decompressing(raw, source), raw
    finally:
        # sys.stdin is None when the process started with it closed (cron, `<&-`).
        if raw is not getattr(sys.stdin, "buffer", None):
            raw.close()


def _stdin() -> BinaryIO:
    """A reader of our own on fd 0: the reader thread may still wait in it when a signal
    ends the run, and Python's shutdown must not find sys.stdin's lock held (it aborts)."""
    if sys.stdin is None:
        raise InputError("-: standard input is closed")
    try:
        return open(sys.stdin.fileno(), "rb", closefd=False)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return sys.stdin.buffer  # no real stdin (replaced in tests)


def _read_into(stream: Any, buffer: Any, room: int | None) -> int:
    """Read into `buffer`, at most `room` bytes (None: as many as it holds)."""
    if room is None:
        return int(stream.readinto(buffer))
    if room <= 0:
        return 0
    with memoryview(buffer) as view, view[:room] as part:
        return int(stream.readinto(part))


def _check_size(source: InputSource, raw: BinaryIO, notes: list[str]) -> None:
    """Compare a local file's size now with its size when the run began."""
    start, read = source.size or 0, raw.tell()
    try:
        now = os.fstat(raw.fileno()).st_size
    except (OSError, ValueError, io.UnsupportedOperation):
        return
    if read < start:
        raise InputError(
            f"{source.name}: shrank from {start:,} to {now:,} bytes while it was read; "
            f"only {read:,} were there to count"
        )
    if now != start:
        notes.append(
            f"{source.name}: grew from {start:,} to {now:,} bytes while it was read; "
            f"{read:,} were read"
        )


def _decompressing(raw: BinaryIO, source: InputSource) -> BinaryIO:
    buffered: io.BufferedReader = (
        raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    )
    head = buffered.peek(8)[:8]
    stream: Any
    if head.startswith(GZIP_MAGIC):
        stream = gzip.GzipFile(fileobj=buffered, mode="rb")
    elif head.startswith(ZSTD_MAGIC):
        stream = io.BufferedReader(_ZstdFrames(buffered), CHUNK_BYTES)
    else:
        check_name(source, head)
        return buffered
    try:  # what it holds may be UTF-16 too
        check_wide(source, stream.peek(8)[:8])
    except _decompression_errors():
        pass  # a broken archive: the read says so, naming the file
    return stream  # type: ignore[no-any-return]


# Byte-order marks of text that is not UTF-8, each with where the NUL byte of its first
# ASCII character falls (`{` in UTF-16 LE is 7B 00): a mark alone could be the start of
# a broken line. UTF-32's first: it begins as UTF-16 LE's.
_WIDE_TEXT = (
    (b"\xff\xfe\x00\x00", 5, "UTF-32", "little-endian"),
    (b"\x00\x00\xfe\xff", 4, "UTF-32", "big-endian"),
    (b"\xff\xfe", 3, "UTF-16", "little-endian"),
    (b"\xfe\xff", 2, "UTF-16", "big-endian"),
)


def check_name(source: InputSource, head: bytes) -> None:
    """A .gz or .zst name must hold what it says (an empty file holds nothing to check),
    and a file that starts with a UTF-16 or UTF-32 byte-order mark is named as such."""
    check_wide(source, head)
    name = source.name.lower()
    if head and name.endswith(GZIP_SUFFIXES) and not head.startswith(GZIP_MAGIC):
        raise InputError(f"{source.name}: not a gzip file (no gzip header)")
    if head and name.endswith(ZSTD_SUFFIXES) and not head.startswith(ZSTD_MAGIC):
        raise InputError(f"{source.name}: not a zstd file (no zstd header)")


def check_wide(source: InputSource, head: bytes) -> None:
    """A text that starts with a UTF-16 or UTF-32 byte-order mark (and the NUL of its
    first character) is named as such: its every line would be invalid JSON."""
    for mark, nul, encoding, order in _WIDE_TEXT:
        if head.startswith(mark) and head[nul : nul + 1] == b"\x00":
            raise InputError(
                f"{source.name}: {encoding} text ({order}), not UTF-8; convert it first, "
                f"e.g. iconv -f {encoding} -t UTF-8"
            )


class _ZstdFrames(io.RawIOBase):
    """zstd frames decompressed one after another; input ending inside a frame is EOFError.

    zstandard's stream_reader returns what it has when the input stops mid-frame, so a
    truncated file passed as complete; gzip raises EOFError there, and so does this.
    """

    def __init__(self, raw: io.BufferedReader) -> None:
        import zstandard

        self._raw = raw
        self._new_frame = zstandard.ZstdDecompressor().decompressobj
        self._frame: Any = None  # None between frames
        self._out = b""
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._at >= len(self._out):
            data = self._raw.read1(CHUNK_BYTES)  # what is there: a pipe need not fill it
            if not data:
                if self._frame is not None:
                    raise EOFError("zstd data ends inside a frame")
                return 0
            self._out, self._at = self._decompress(data), 0
        size = min(len(buffer), len(self._out) - self._at)
        buffer[:size] = memoryview(self._out)[self._at : self._at + size]
        self._at += size
        return size

    def _decompress(self, data: bytes) -> bytes:
        parts = []
        while data:
            if self._frame is None:
                self._frame = self._new_frame()
            parts.append(self._frame.decompress(data))
            data = b""
            if self._frame.eof:  # the frame is whole; what follows starts the next one
                data, self._frame = self._frame.unused_data, None
        return b"".join(parts)


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
    buffers: Iterator[Any],
    range_bytes: int = CHUNK_BYTES,
    notes: list[str] | None = None,
) -> Iterator[tuple[Any, int, int | None]]:
    """The decompressed bytes of a source in chunks cut anywhere: (a buffer, how many of
    its bytes are the chunk's, the bytes of the (possibly compressed) file read so far or
    None for a stream).

    Each chunk is read into the next of `buffers` (writable buffers, reused in turn: fresh
    ones cost the kernel zeroing their pages; the engine's are the kernel's own, which it
    reads in place) and is valid until that buffer comes round again. A plain object in a
    store comes in ranges of `range_bytes` (bytes), each one request.

    A local file is read as it was when the run began: a plain one up to its size then,
    and one that shrank meanwhile is an InputError (its counts would be short); one that
    grew is named in `notes`.
    """
    if source.fs is not None:
        options = source.options or {}
        first = remote.head(source.fs, source.path or "", source.name, source.size or 0, options)
        check_name(source, first)
        if not first.startswith((GZIP_MAGIC, ZSTD_MAGIC)):
            fs, path, name, size = source.fs, source.path or "", source.name, source.size or 0
            yield from remote.ranges(fs, path, name, size, range_bytes, options)
            return
    with open_source(source) as (stream, raw):
        local = source.regular and source.fs is None and source.size is not None
        # A plain file's size when the run began (not when it said 0, as /proc files do).
        limit = source.size if local and stream is raw and source.size else None
        done = 0
        try:
            for buffer in buffers:
                size = _read_into(stream, buffer, None if limit is None else limit - done)
                if not size:
                    break
                done += size
                # A pipe cannot tell() its position.
                yield buffer, size, raw.tell() if source.regular else None
            if local:
                _check_size(source, raw, notes if notes is not None else [])
        except _decompression_errors() as error:
            raise InputError(f"{source.name}: cannot read: {_describe(error)}") from None
        except Exception as error:
            if source.fs is None:
                raise
            # A store's client fails in its own ways (a lost endpoint mid-stream): one
            # line, without any storage option value.
            raise remote.read_error(source.name, error, source.options or {}) from None
