"""Opening outputs: stdout, streams (FIFOs, devices) and regular files replaced atomically.

Every output of a run is planned (and checked against the inputs and the other outputs)
before anything is read, so that a bad output path fails fast and never costs data. The
library and the renderers both open outputs here; nothing here renders.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, BinaryIO

from interact_cli.errors import InputError
from interact_cli.inputs import InputSource

STDOUT = "-"
TEMP_PREFIX = ".interact-cli-"


@dataclass(frozen=True)
class Target:
    """Where one output goes, decided before the run reads anything."""

    name: str
    """The path as given (for messages)."""
    path: str | None = None
    """The path written: symlinks resolved, so a link is kept and its target replaced."""
    kind: str = "stdout"
    """`stdout`, `stream` (FIFO or device: written through), `file` (replaced atomically)
    or `folder` (made whole: a folder of files, -f parquet)."""
    identity: tuple[Any, ...] | None = None
    """What makes two outputs the same file: (st_dev, st_ino), or the resolved path."""

    @property
    def is_stdout(self) -> bool:
        """True when this output is the process\'s stdout."""
        return self.kind == "stdout"


def _stdout_identity() -> tuple[Any, ...] | None:
    try:
        info = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return None  # no real stdout (closed, or replaced in tests)
    return ("inode", info.st_dev, info.st_ino)


def plan_output(spec: str) -> Target:
    """Decide how to write `spec` ('-' is stdout); a directory or a missing folder is an error."""
    if spec == STDOUT:
        return Target(spec)
    if not spec:
        raise InputError("an empty output path: give a file name, or '-' for stdout")
    if "://" in spec and spec.partition("://")[0].isidentifier():
        raise InputError(f"{spec}: outputs are local files (or '-'): give a path")
    if spec.endswith(("/", os.sep)) and not os.path.isdir(spec):
        raise InputError(f"{spec}: names a folder (it ends with /), not a file")
    try:
        info = os.stat(spec)  # follows symlinks: what matters is what the link points to
    except FileNotFoundError:
        path = os.path.realpath(spec)  # a dangling link: create its target, keep the link
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            raise InputError(f"{spec}: cannot write: folder {folder} does not exist") from None
        return Target(spec, path, "file", ("path", path))
    except OSError as error:
        raise InputError(f"{spec}: cannot write: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{spec}: is a directory, not a file")
    identity = ("inode", info.st_dev, info.st_ino)
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or device (/dev/stdout on a pipe too) is written through: replacing it
        # with a file would lose its reader.
        return Target(spec, spec, "stream", identity)
    if identity == _stdout_identity():
        # /dev/stdout while stdout is redirected to a file: write where the shell put it.
        return Target(spec, None, "stdout", identity)
    return Target(spec, os.path.realpath(spec), "file", identity)


def plan_folder(spec: str | None, why: str = "-f parquet") -> Target:
    """A folder output (`why` writes one): a new folder, or an empty one, in a folder that is."""
    if not spec or spec == STDOUT:
        raise InputError(f"{why} writes a folder of files: give -o FOLDER")
    path = os.path.abspath(spec)
    if path == os.path.abspath(os.getcwd()):
        # Made whole, it would replace the folder the shell stands in.
        raise InputError(f"{spec}: the current folder; give a new or empty folder in it")
    if os.path.lexists(spec):
        if not os.path.isdir(spec) or os.path.islink(spec):
            raise InputError(f"{spec}: {why} writes a folder, and this is not one")
        if os.listdir(spec):
            raise InputError(f"{spec}: the folder holds files already: give a new or empty one")
    elif not os.path.isdir(os.path.dirname(path)):
        raise InputError(f"{spec}: cannot write: folder {os.path.dirname(path)} does not exist")
    return Target(spec, path, "folder", ("path", path))


@contextmanager
def atomic_folder(target: Target) -> Iterator[str]:
    """A temporary folder beside the target, which becomes it only if the block completes
    (an empty folder there is replaced); else nothing is left."""
    path = target.path or target.name
    try:
        temporary = tempfile.mkdtemp(dir=os.path.dirname(path), prefix=TEMP_PREFIX)
    except OSError as error:
        raise InputError(f"{target.name}: cannot write: {error.strerror or error}") from None
    try:
        yield temporary
        os.chmod(temporary, 0o777 & ~_umask())  # mkdtemp makes 0700
        if os.path.isdir(path):
            os.rmdir(path)  # empty (checked when planned): rename cannot replace it otherwise
        os.rename(temporary, path)
    except OSError as error:
        _removed(temporary)
        raise InputError(f"{target.name}: cannot write: {error.strerror or error}") from None
    except BaseException:
        _removed(temporary)
        raise


def lands_on_stdout(spec: str) -> bool:
    """True when writing to `spec` lands on this process's stdout ('-', /dev/stdout, ...)."""
    target = plan_output(spec)
    return target.is_stdout or (
        target.identity is not None and target.identity == _stdout_identity()
    )


def _input_identities(sources: Sequence[InputSource]) -> dict[tuple[Any, ...], str]:
    found: dict[tuple[Any, ...], str] = {}
    for source in sources:
        if source.fs is not None:  # an object in a store
            continue
        try:
            # Stdin too: `< events.ndjson -o /dev/stdin` would replace the file read.
            info = os.stat(source.path) if source.path is not None else os.fstat(0)
        except OSError:
            continue  # resolve_inputs has checked it; reading will report what is wrong
        if not stat.S_ISCHR(info.st_mode):  # /dev/null as input and output is harmless
            found[("inode", info.st_dev, info.st_ino)] = source.name
    return found


def plan_outputs(
    specs: Sequence[str | None], sources: Sequence[InputSource]
) -> list[Target | None]:
    """Plan every output of a run; refuse one that is an input or the same file as another."""
    targets = [None if spec is None else plan_output(spec) for spec in specs]
    inputs = _input_identities(sources)
    seen: dict[tuple[Any, ...] | None, str] = {}
    stdout = None
    for target in targets:
        if target is None:
            continue
        # '-' and /dev/stdout (or /proc/self/fd/1) are one stream: at most one output there.
        if target.is_stdout or (
            target.identity is not None and target.identity == _stdout_identity()
        ):
            if stdout is not None:
                raise InputError(f"{target.name}: only one output can go to stdout")
            stdout = target
            continue
        if target.identity in inputs:
            raise InputError(f"{target.name}: refusing to overwrite an input file")
        # Two outputs into one regular file would keep only one of them.
        if target.kind == "file":
            if target.identity in seen:
                raise InputError(
                    f"{target.name}: same file as the output {seen[target.identity]}; "
                    "each output needs its own file"
                )
            seen[target.identity] = target.name
    return targets


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM held back (delivered after the block) in this, the main thread."""
    mask = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not (
        threading.main_thread()
    ):  # Windows has no signal masks; other threads get no signals
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, mask)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _removed(path: str) -> None:
    """Remove a temporary output (a file or a folder), whatever signals come meanwhile:
    a second Ctrl-C during the removal left thousands of part files behind."""
    while True:
        try:
            with signals_held():
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(path)
            return
        except BaseException:  # a signal came before it was held back: again
            continue


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: Target) -> Iterator[str]:
    """A temporary file's path beside the target, for a writer that opens it by name; it
    replaces the target only if the block completes, else nothing is left."""
    path = target.path or target.name
    with _replacing(path) as (handle, temporary):
        os.close(handle)
        yield temporary


@contextmanager
def atomic_file(path: str) -> Iterator[BinaryIO]:
    """A binary file that appears at `path` only if the block completes; else nothing is left."""
    with _replacing(path) as (handle, _), os.fdopen(handle, "wb") as stream:
        yield stream


@contextmanager
def _replacing(path: str) -> Iterator[tuple[int, str]]:
    """A new temporary file beside `path` (its descriptor and name), which replaces it
    if the block completes; else it is removed."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=TEMP_PREFIX, suffix=".tmp")
    except OSError as error:
        raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
    try:
        yield handle, temporary
        # mkstemp makes 0600: keep a replaced file's mode, as `>` would; else the umask's.
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = 0o666 & ~_umask()
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        _removed(temporary)
        raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
    except BaseException:
        # BaseException: Ctrl-C and the CLI's SIGTERM exception must not leave it behind.
        _removed(temporary)
        raise


@contextmanager
def open_target(target: Target) -> Iterator[BinaryIO]:
    """A binary stream for a planned output: stdout, the stream itself, or an atomic file."""
    if target.is_stdout:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    if target.kind == "stream":
        # A FIFO or device is written through: replacing it would lose its reader.
        try:
            stream: BinaryIO = open(target.path or target.name, "wb")  # noqa: SIM115
        except OSError as error:
            raise InputError(f"{target.name}: cannot write: {error.strerror or error}") from None
        with stream:
            yield stream
        return
    with atomic_file(target.path or target.name) as file:
        yield file


@contextmanager
def open_output(spec: str | None) -> Iterator[BinaryIO]:
    """Open an output by its command-line spec (None or '-' is stdout)."""
    with open_target(plan_output(spec or STDOUT)) as stream:
        yield stream


def silence_stdout() -> None:
    """Point stdout at /dev/null once its reader has gone, so no later flush can fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class SplitWriter:
    """Writes each non-blank input line, byte for byte, to the valid or the invalid output.

    When stdout is one of them and its reader goes away, its lines are dropped and the pass
    goes on, so that the other output and the verdict are still complete.
    """

    def __init__(
        self, sources: Sequence[InputSource], valid_out: str | None, invalid_out: str | None
    ) -> None:
        self._targets = plan_outputs([valid_out, invalid_out], sources)
        self._stack = ExitStack()
        self._streams: list[BinaryIO | None] = [None, None]

    def __enter__(self) -> SplitWriter:
        for i, target in enumerate(self._targets):
            if target is not None:
                self._streams[i] = self._stack.enter_context(open_target(target))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool | None:
        try:
            return self._stack.__exit__(kind, error, trace)
        except BrokenPipeError:
            silence_stdout()  # the final flush of stdout found its reader gone
            return None

    @property
    def writes_stdout(self) -> bool:
        """True when one of the outputs is stdout."""
        return any(t is not None and t.is_stdout for t in self._targets)

    def write(self, valid: bytes, invalid: bytes) -> None:
        """Append blocks of valid and invalid lines (complete lines, byte for byte)."""
        for index, block in enumerate((valid, invalid)):
            stream = self._streams[index]
            if stream is None or not block:
                continue
            target = self._targets[index]
            try:
                stream.write(block)
            except BrokenPipeError:
                # The reader of stdout (or of a FIFO) has gone: stop writing there, go on.
                if target is not None and target.is_stdout:
                    silence_stdout()
                self._streams[index] = None
            except OSError as error:
                # Named here: the other output's file would otherwise take the blame.
                name = "stdout" if target is None or target.is_stdout else target.name
                raise InputError(f"{name}: cannot write: {error.strerror or error}") from None
