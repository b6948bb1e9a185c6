"""Split outputs on a cluster: `validate --cluster … --valid-out DIR/ --invalid-out DIR/`.

Each task writes its unit's valid and invalid lines, byte for byte, as one part of a
folder (or object-store prefix) that every worker can reach, named in input order
(`part-00000.ndjson`, `part-00001.ndjson`, …): `cat DIR/part-*.ndjson` is a local run's
output. A task writes a part to a temporary file first and puts it whole (renamed in a
local folder, uploaded to a store), so a task that dies leaves no part, or the whole part
of another try of the same unit. The client then checks that every part is there with the
size its task reported and writes `_manifest.json` last (each part's input, byte range,
lines and bytes): a folder without it is not a finished output. The parts go straight
into the folder (made if new; an empty one is kept as it is), where every worker that sees
it sees them (a temporary folder beside it could lie on another mount). When the run fails
or is stopped, the files it wrote are removed again from every output, and only those.
A task still running on a remote cluster when its run fails may yet upload its part
afterwards: that folder has no manifest.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
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
    options: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """The storage options of a URL (secrets among them: never shown)."""
    made: bool = False
    """A local folder that the run makes (it did not exist)."""

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
    if len(named) == 2 and (named[0].startswith(named[1]) or named[1].startswith(named[0])):
        raise OptionError(
            "--valid-out and --invalid-out: the same folder, or one inside the other: "
            "give each its own"
        )
    return folders


def _plan_one(option: str, spec: str, options: Mapping[str, Any]) -> Folder:
    local = remote.local_path(spec)
    if remote.is_url(spec) and local is None:
        return _plan_prefix(spec, options)
    path = spec if local is None else local
    if path in ("", sinks.STDOUT) or not (path.endswith(("/", os.sep)) or os.path.isdir(path)):
        raise OptionError(
            f"{option} {spec}: on a cluster the lines go to a folder every worker can reach, "
            "a part per task: give FOLDER/ or s3://BUCKET/PREFIX/"
        )
    return _plan_local(spec, path)


def _plan_local(spec: str, path: str) -> Folder:
    """A new folder in one that exists, or an empty one (kept as it is: its mode, owner and
    mount). The parts are written inside it, where the workers that see it see them."""
    bare = os.path.abspath(path)  # without the trailing slash, which would follow a link
    if not os.path.lexists(bare):
        if not os.path.isdir(os.path.dirname(bare)):
            folder = os.path.dirname(bare)
            raise InputError(f"{spec}: cannot write: folder {folder} does not exist")
        return Folder(spec, os.path.join(bare, ""), made=True)
    if not os.path.isdir(bare):
        raise InputError(f"{spec}: not a folder (the parts of a cluster run go in a folder)")
    try:
        held = os.listdir(bare)
    except OSError as error:
        raise InputError(f"{spec}: cannot write: {error.strerror or error}") from None
    if held:
        raise InputError(f"{spec}: the folder holds files already: give a new or empty one")
    return Folder(spec, os.path.join(bare, ""))


def _plan_prefix(spec: str, options: Mapping[str, Any]) -> Folder:
    scheme, _, rest = spec.partition("://")
    if scheme.lower() == "memory":
        raise OptionError(f"{spec}: memory:// is not shared with the workers' processes")
    url = spec.rstrip("/") + "/"
    if "//" in rest.rstrip("/"):
        raise OptionError(f"{spec}: an empty name between two slashes")
    fs, path = remote.filesystem(url, options)
    if "/" not in path.strip("/"):
        raise OptionError(f"{spec}: give a prefix inside a bucket (s3://BUCKET/PREFIX/)")
    folder = Folder(spec, url, dict(options))
    if _listing(folder, fs, path):
        raise InputError(f"{spec}: the prefix holds objects already: give a new or empty one")
    return folder


def _listing(folder: Folder, fs: Any = None, path: str | None = None) -> dict[str, int]:
    """The size of each file (object) directly in a folder (prefix); none when absent."""
    if not folder.is_remote:
        try:
            with os.scandir(folder.location) as entries:
                return {e.name: e.stat(follow_symlinks=False).st_size for e in entries}
        except OSError as error:
            raise InputError(f"{folder.name}: cannot list: {error.strerror or error}") from None
    if fs is None or path is None:
        fs, path = remote.filesystem(folder.location, folder.options)
    try:
        fs.invalidate_cache()  # a listing cached before the tasks wrote would miss parts
        entries = fs.ls(path, detail=True)
    except FileNotFoundError:
        return {}
    except Exception as error:  # a denied listing, a missing bucket, no endpoint
        text = f"{folder.name}: cannot list: {type(error).__name__}: {error}"
        raise InputError(remote.scrub(text, folder.options)) from None
    found = {str(e["name"]).rstrip("/"): int(e.get("size") or 0) for e in entries}
    # A folder made in a console is an empty object named like the prefix: not an entry.
    found.pop(path.rstrip("/"), None)
    return {name.rsplit("/", 1)[-1]: size for name, size in found.items()}


def _ours(name: str) -> bool:
    """A name this module writes: a part, a part being written, or the manifest."""
    part = name.startswith("part-") and name.endswith(".ndjson")
    return part or name == MANIFEST or (name.startswith(".part-") and name.endswith(".tmp"))


@contextlib.contextmanager
def writing(folders: Sequence[Folder | None]) -> Iterator[None]:
    """The folders made for the run (the new ones); when the block fails, or a signal
    stops it, what the run wrote in every output (parts, parts being written, manifests,
    a folder it made) is removed again, and nothing else: no output is left finished."""
    made: list[Folder] = []
    try:
        for folder in folders:
            if folder is not None and folder.made:
                try:
                    os.mkdir(folder.location)
                except OSError as error:
                    why = error.strerror or error
                    raise InputError(f"{folder.name}: cannot write: {why}") from None
                made.append(folder)
        yield
    except BaseException:
        with contextlib.suppress(Exception), sinks.signals_held():
            for folder in folders:
                if folder is not None:
                    _clear(folder, folder in made)
        raise


def _clear(folder: Folder, made: bool) -> None:
    """Remove this run's files from a folder (prefix) that was empty when it began."""
    names = [name for name in _listing(folder) if _ours(name)]
    if folder.is_remote:
        fs, path = remote.filesystem(folder.location, folder.options)
        if names:  # each object by name: never the prefix itself, never a bucket
            fs.rm([f"{path.rstrip('/')}/{name}" for name in names])
        return
    for name in names:
        with contextlib.suppress(OSError):
            os.unlink(folder.location + name)
    if made:
        with contextlib.suppress(OSError):
            os.rmdir(folder.location)


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
            raise _write_error(folder, self.name, error) from None
        return path, os.fdopen(handle, "wb")

    def write(self, valid: bytes, invalid: bytes) -> None:
        """Append blocks of valid and invalid lines (complete lines, byte for byte)."""
        blocks = zip(self.folders, self.streams, (valid, invalid), strict=False)
        for i, (folder, stream, block) in enumerate(blocks):
            if folder is None or stream is None or not block:
                continue
            try:
                stream.write(block)
            except OSError as error:
                raise _write_error(folder, self.name, error) from None
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
                raise _write_error(folder, self.name, error) from None
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
    """Check every output's parts against what the tasks wrote (`written`: per unit in
    input order, a part per output), then write the manifests; a line per output."""
    checked = [
        (i, folder, _checked(folder, [unit[i] for unit in written]))
        for i, folder in enumerate(folders)
        if folder is not None
    ]
    notes = []
    for i, folder, parts in checked:  # all checked first: no manifest beside a bad output
        lines = sum(part["lines"] for part in parts)
        size = sum(part["bytes"] for part in parts)
        rows = ",\n".join(f"  {json.dumps(part)}" for part in parts)
        manifest = f'{{"lines": {lines}, "bytes": {size}, "parts": [\n{rows}\n]}}\n'
        _put(folder, MANIFEST, manifest.encode())
        plural = "s" if len(parts) != 1 else ""
        notes.append(
            f"{OPTIONS[i]}: {lines:,} lines in {len(parts):,} part{plural} in {folder.name} "
            f"(each part's count in {MANIFEST})"
        )
    return notes


def _checked(folder: Folder, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parts, each found with the size its task wrote; the temporary files of tries
    that died removed; anything else found refused."""
    found = _listing(folder)
    for part in parts:
        size = found.pop(part["part"], None)
        if not folder.is_remote:
            # By name, not from the listing: a shared mount may list a stale size.
            with contextlib.suppress(OSError):
                size = os.stat(folder.location + part["part"]).st_size
        if size != part["bytes"]:
            held = "is missing" if size is None else f"holds {size:,} bytes"
            raise ClusterError(
                f"{folder.name.rstrip('/')}/{part['part']} {held}; its task wrote "
                f"{part['bytes']:,}: the output is incomplete and was not kept"
            )
    for name in found:
        if folder.is_remote or not (name.startswith(".part-") and name.endswith(".tmp")):
            raise ClusterError(
                f"{folder.name.rstrip('/')}/{name}: found beside the parts, written by no "
                "task of this run: the output was not kept"
            )
        with contextlib.suppress(OSError):
            os.unlink(folder.location + name)
    return parts


def _put(folder: Folder, name: str, data: bytes) -> None:
    try:
        if folder.is_remote:
            fs, path = remote.filesystem(folder.location + name, folder.options)
            fs.pipe_file(path, data)
        else:
            with open(folder.location + name, "wb") as stream:
                stream.write(data)
    except Exception as error:
        raise _write_error(folder, name, error) from None


def _write_error(folder: Folder, name: str, error: BaseException) -> InputError:
    """A failed write of a file in an output folder, as one line without any secret."""
    why = error.strerror if isinstance(error, OSError) and error.strerror else error
    text = f"{folder.name.rstrip('/')}/{name}: cannot write: {why}"
    return InputError(remote.scrub(text, folder.options))
