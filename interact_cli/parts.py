"""Split outputs on a cluster: `validate --cluster … --valid-out DIR/ --invalid-out DIR/`.

Each task writes its unit's valid and invalid lines, byte for byte, as one part of a
folder (or object-store prefix) that every worker can reach, named in input order
(`part-00000.ndjson`, `part-00001.ndjson`, …): `cat DIR/part-*.ndjson` is a local run's
output. A task writes a part to a temporary file first and puts it whole (renamed in a
local folder, uploaded to a store), so a task that dies leaves no part, or the whole part
of another try of the same unit. The client then checks that every part is there with the
size its task reported and writes `_manifest.json` last (each part's input, byte range,
lines and bytes): a folder without it is not a finished output. A local folder is made in
a temporary folder beside it and renamed when complete, as `export` does; a prefix is
emptied again when the run fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from interact_cli import remote, sinks
from interact_cli.errors import ClusterError, InputError, OptionError

MANIFEST = "_manifest.json"
OPTIONS = ("--valid-out", "--invalid-out")


@dataclass(frozen=True)
class Folder:
    """Where the tasks write one split output's parts (a local folder or a URL prefix)."""

    name: str
    """As given, for messages."""
    location: str
    """Where the parts go, ending in '/': a local path (a temporary folder while the
    run lasts) or a URL."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """The storage options of a URL."""

    @property
    def is_remote(self) -> bool:
        """True for an object-store prefix."""
        return remote.is_url(self.location)


def part_name(index: int, width: int) -> str:
    """The name of unit `index`'s part."""
    return f"part-{index:0{width}d}.ndjson"


def name_width(units: int) -> int:
    """Digits in part names: as many in every name, so that names sort in input order."""
    return max(5, len(str(max(units - 1, 0))))


def plan(specs: Sequence[str | None], options: Mapping[str, Any]) -> list[Folder | None]:
    """The split outputs of a cluster run, checked before anything is read: each a new or
    empty folder (a path ending in '/', or one that exists) or an empty URL prefix."""
    folders = [
        None if spec is None else _plan_one(option, spec, options)
        for option, spec in zip(OPTIONS, specs, strict=True)
    ]
    named = [folder.location for folder in folders if folder is not None]
    if len(set(named)) < len(named):
        raise OptionError("--valid-out and --invalid-out name the same folder: give each its own")
    return folders


def _plan_one(option: str, spec: str, options: Mapping[str, Any]) -> Folder:
    if remote.is_url(spec) and remote.local_path(spec) is None:
        return _plan_prefix(spec, options)
    path = remote.local_path(spec) or spec
    if path in ("", sinks.STDOUT) or not (path.endswith(("/", os.sep)) or os.path.isdir(path)):
        raise OptionError(
            f"{option} {spec}: on a cluster the lines go to a folder every worker can reach, "
            "a part per task: give FOLDER/ or s3://BUCKET/PREFIX/"
        )
    target = sinks.plan_folder(path, option)
    return Folder(spec, os.path.join(target.path or path, ""))


def _plan_prefix(spec: str, options: Mapping[str, Any]) -> Folder:
    url = spec if spec.endswith("/") else spec + "/"
    fs, path = remote.filesystem(url, options)
    if not path.strip("/"):
        raise OptionError(f"{spec}: give a prefix inside a bucket (s3://BUCKET/PREFIX/)")
    if _listing(Folder(spec, url, dict(options)), fs, path):
        raise InputError(f"{spec}: the prefix holds objects already: give a new or empty one")
    return Folder(spec, url, dict(options))


def _listing(folder: Folder, fs: Any = None, path: str | None = None) -> dict[str, int]:
    """The size of each file (object) directly in a folder (prefix); none when absent."""
    if not folder.is_remote:
        try:
            with os.scandir(folder.location) as entries:
                return {e.name: e.stat(follow_symlinks=False).st_size for e in entries}
        except OSError as error:
            raise InputError(f"{folder.name}: cannot list: {error.strerror or error}") from None
    if fs is None:
        fs, path = remote.filesystem(folder.location, folder.options)
    try:
        fs.invalidate_cache()  # a listing cached before the tasks wrote would miss parts
        entries = fs.ls(path, detail=True)
    except FileNotFoundError:
        return {}
    except Exception as error:  # a denied listing, a missing bucket, no endpoint
        raise remote.read_error(folder.name, error, folder.options) from None
    return {str(e["name"]).rstrip("/").rsplit("/", 1)[-1]: int(e.get("size") or 0) for e in entries}


@contextlib.contextmanager
def writing(folders: Sequence[Folder | None]) -> Iterator[list[Folder | None]]:
    """The folders as the tasks write them while the run lasts: a local one in a temporary
    folder beside it, which becomes it when the block completes; a prefix emptied again
    (as far as it can be) when the block fails. Else nothing is left."""
    with contextlib.ExitStack() as stack:
        out: list[Folder | None] = []
        for folder in folders:
            if folder is None:
                out.append(None)
            elif folder.is_remote:
                stack.enter_context(_emptied_on_failure(folder))
                out.append(folder)
            else:
                path = folder.location.rstrip("/") or "/"
                target = sinks.Target(folder.name, path, "folder", ("path", path))
                temporary = stack.enter_context(sinks.atomic_folder(target))
                out.append(replace(folder, location=os.path.join(temporary, "")))
        yield out


@contextlib.contextmanager
def _emptied_on_failure(folder: Folder) -> Iterator[None]:
    try:
        yield
    except BaseException:
        # The prefix was empty when the run began: what is there now is this run's.
        with contextlib.suppress(Exception), sinks.signals_held():
            fs, path = remote.filesystem(folder.location, folder.options)
            fs.rm(path, recursive=True)
        raise


class Parts:
    """A task's parts of the split outputs: each written to a temporary file, then put
    whole where the client looks for it (see the module's docstring)."""

    def __init__(self, folders: Sequence[Folder | None], index: int, width: int) -> None:
        self.folders = list(folders)
        self.name = part_name(index, width)
        self.lines = [0] * len(self.folders)
        self.sizes = [0] * len(self.folders)
        self.temporary: list[str | None] = [None] * len(self.folders)
        self.streams: list[BinaryIO | None] = [None] * len(self.folders)
        try:
            for i, folder in enumerate(self.folders):
                if folder is not None:
                    self.temporary[i], self.streams[i] = self._open(folder)
        except BaseException:
            self.discard()
            raise

    def _open(self, folder: Folder) -> tuple[str, BinaryIO]:
        # A local part is renamed in its folder; a remote one is uploaded from this disk.
        where = tempfile.gettempdir() if folder.is_remote else folder.location
        path = os.path.join(where, f".{self.name}.{secrets.token_hex(6)}.tmp")
        try:
            # os.open with a mode, not mkstemp's 0600: the part gets the umask's mode.
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as error:
            raise self._error(folder, error) from None
        return path, os.fdopen(handle, "wb")

    def _error(self, folder: Folder, error: BaseException) -> InputError:
        why = error.strerror if isinstance(error, OSError) and error.strerror else error
        text = f"{folder.name.rstrip('/')}/{self.name}: cannot write: {why}"
        return InputError(remote.scrub(text, folder.options))

    def write(self, valid: bytes, invalid: bytes) -> None:
        """Append blocks of valid and invalid lines (complete lines, byte for byte)."""
        for i, (stream, block) in enumerate(zip(self.streams, (valid, invalid), strict=False)):
            if stream is None or not block:
                continue
            try:
                stream.write(block)
            except OSError as error:
                raise self._error(self.folders[i] or Folder("", ""), error) from None
            self.lines[i] += block.count(b"\n")
            self.sizes[i] += len(block)

    def commit(self) -> list[dict[str, Any] | None]:
        """Put every part whole in its place; what each holds (for the client's check)."""
        done: list[dict[str, Any] | None] = []
        for i, folder in enumerate(self.folders):
            stream, temporary = self.streams[i], self.temporary[i]
            if folder is None or stream is None or temporary is None:
                done.append(None)
                continue
            try:
                stream.close()
                if folder.is_remote:
                    fs, path = remote.filesystem(folder.location + self.name, folder.options)
                    fs.put_file(temporary, path)
                    os.unlink(temporary)
                else:
                    os.replace(temporary, folder.location + self.name)
            except Exception as error:
                self.discard()
                raise self._error(folder, error) from None
            self.temporary[i] = None
            done.append({"part": self.name, "lines": self.lines[i], "bytes": self.sizes[i]})
        return done

    def discard(self) -> None:
        """Remove what was written (the task failed)."""
        for i, temporary in enumerate(self.temporary):
            stream = self.streams[i]
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                self.temporary[i] = None


def finish(folders: Sequence[Folder | None], written: Sequence[list[Any]]) -> list[str]:
    """Check each output's parts against what the tasks wrote (`written`: per unit in
    input order, a part per output), and write its manifest; a line per output."""
    notes = []
    for i, folder in enumerate(folders):
        if folder is None:
            continue
        parts = [unit[i] for unit in written]
        found = _listing(folder)
        for part in parts:
            size = found.pop(part["part"], None)
            if size != part["bytes"]:
                held = "is missing" if size is None else f"holds {size:,} bytes"
                raise ClusterError(
                    f"{folder.name.rstrip('/')}/{part['part']} {held}; its task wrote "
                    f"{part['bytes']:,}: the output is incomplete and was not kept"
                )
        _tidy(folder, found)
        lines = sum(part["lines"] for part in parts)
        total = {"lines": lines, "bytes": sum(part["bytes"] for part in parts)}
        rows = ",\n".join(f"  {json.dumps(part)}" for part in parts)
        _put(folder, MANIFEST, f'{json.dumps(total)[:-1]}, "parts": [\n{rows}\n]}}\n'.encode())
        plural = "s" if len(parts) != 1 else ""
        notes.append(
            f"{OPTIONS[i]}: {lines:,} lines in {len(parts):,} part{plural} in {folder.name} "
            f"(each part's count in {MANIFEST})"
        )
    return notes


def _tidy(folder: Folder, others: Mapping[str, int]) -> None:
    """Remove the temporary files of tries that died; refuse anything else found."""
    for name in others:
        if folder.is_remote or not (name.startswith(".part-") and name.endswith(".tmp")):
            raise ClusterError(
                f"{folder.name.rstrip('/')}/{name}: found beside the parts, written by no "
                "task of this run: the output was not kept"
            )
        with contextlib.suppress(OSError):
            os.unlink(folder.location + name)


def _put(folder: Folder, name: str, data: bytes) -> None:
    try:
        if folder.is_remote:
            fs, path = remote.filesystem(folder.location + name, folder.options)
            fs.pipe_file(path, data)
        else:
            with open(folder.location + name, "wb") as stream:
                stream.write(data)
    except Exception as error:
        text = f"{folder.name.rstrip('/')}/{name}: cannot write: {error}"
        raise InputError(remote.scrub(text, folder.options)) from None
