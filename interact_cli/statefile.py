"""The state file of `ingest`: the report's partial result over every input ingested.

Layout, integers little-endian:

    MAGIC (19 bytes) | format version: u32 | header length: u64 | header (JSON) |
    partial length: u64 | the partial's bytes | XXH3-128 of everything before it (16 bytes)

The header holds the settings the partial was counted with (time field, zone, period)
and one record per input ingested. Reading checks the whole file before trusting any of
it: the magic and version, every length against the bytes there are, the checksum, the
header's types, and the partial's own structure (the kernel's `from_bytes`, which checks
every count against the bytes there are). So a truncated, corrupted, foreign or
forged file is a StateError naming it, and reading costs time and memory linear in the
file's size. Writing goes through a temporary file beside it, synced and renamed into
place: a crash, a signal or a full disk leaves the previous state as it was.

The partial is not compressed: zstd made it 3x smaller (5M events: 101 MB -> 35 MB, 6%
-> 2% of the input) but cost 0.16 s to write and 0.13 s to read, a third of what reading
a state takes, while 6% of the input is small enough to keep.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import msgspec

from interact_cli import __version__
from interact_cli.errors import StateError
from interact_cli.sinks import atomic_file

Read = Literal["merge", "days", "total"]

MAGIC = b"interact-cli state\n"
VERSION = 1
MAX_HEADER = 1 << 30
CHECKSUM = 16
COUNTS = ("lines", "valid", "invalid", "blank", "warnings")

Count = Annotated[int, msgspec.Meta(ge=0, le=2**62)]
Hex128 = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{32}$")]


class Settings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the partial was counted with: reports from it must ask for the same."""

    time_field: str | None
    """The event time field (None: the default candidates, as `report` without it)."""
    tz: str
    """The zone of the days."""
    period: Literal["day"] = "day"
    """The finest period counted: a report may ask for days, weeks, months or auto."""


class Ingested(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One input added to the state."""

    name: str
    fingerprint: Hex128
    """XXH3-128 of the input's bytes (decompressed), as hex."""
    size: Count
    """Its bytes (decompressed)."""
    lines: Count
    valid: Count
    invalid: Count
    blank: Count
    warnings: Count
    ingested_at: str
    """When, in UTC (ISO 8601, seconds)."""


class Header(msgspec.Struct, forbid_unknown_fields=True):
    """The state's header, in JSON."""

    written_by: str
    created: str
    settings: Settings
    inputs: list[Ingested]


@dataclass
class State:
    """A state in memory: its header and, unless only the header was read, its partial."""

    header: Header
    partial: Any = None
    """The `_core.Partial` over every input (None: nothing ingested yet, or not read)."""
    path: str = ""
    size: int = 0
    """The file's bytes when read."""
    fingerprints: dict[str, Ingested] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fingerprints = {i.fingerprint: i for i in self.header.inputs}

    @property
    def settings(self) -> Settings:
        """The time field, zone and period it counts with."""
        return self.header.settings

    def totals(self) -> dict[str, int]:
        """Lines, valid, invalid, blank and warnings over every input ingested."""
        return {key: sum(getattr(i, key) for i in self.header.inputs) for key in COUNTS}


def new_state(settings: Settings, now: str) -> State:
    """An empty state counting with these settings."""
    return State(Header(__version__, now, settings, []))


def _fail(path: str, why: str) -> StateError:
    return StateError(f"{path}: not a usable state file: {why}")


def _split(path: str, data: bytes) -> tuple[bytes, int]:
    """(header JSON, where the partial starts) in a whole file, every length checked."""
    from interact_cli._core import Fingerprint

    least = len(MAGIC) + 4 + 8 + 8 + CHECKSUM
    if len(data) < least or not data.startswith(MAGIC):
        if data.startswith(MAGIC[: len(data)]) and data:
            raise _fail(path, f"cut short ({len(data)} bytes)")
        raise _fail(path, "it is not an interact-cli state (no state header)")
    at = len(MAGIC)
    (version,) = struct.unpack_from("<I", data, at)
    if version != VERSION:
        raise _fail(path, f"format {version}; this version of interact-cli reads {VERSION}")
    body = len(data) - CHECKSUM
    check = Fingerprint()
    check.update(memoryview(data)[:body])
    if bytes.fromhex(check.hexdigest()) != data[body:]:
        raise _fail(path, "its checksum does not match (truncated or corrupted)")
    at += 4
    (header_size,) = struct.unpack_from("<Q", data, at)
    at += 8
    if header_size > min(MAX_HEADER, body - at - 8):
        raise _fail(path, "its header's length is past its end")
    header = data[at : at + header_size]
    at += header_size
    (partial_size,) = struct.unpack_from("<Q", data, at)
    at += 8
    if partial_size != body - at:
        raise _fail(path, "its partial's length does not match the file's")
    return header, at


def _header(path: str, raw: bytes) -> Header:
    try:
        header = msgspec.json.decode(raw, type=Header)
    except msgspec.DecodeError as error:
        raise _fail(path, f"its header is wrong: {error}") from None
    seen = set()
    for record in header.inputs:
        if record.lines != record.valid + record.invalid + record.blank:
            raise _fail(path, f"the counts of input {record.name!r} do not add up")
        if record.fingerprint in seen and record.size:
            raise _fail(path, f"input {record.name!r} is recorded twice")
        seen.add(record.fingerprint)
    return header


def _partial(path: str, data: bytes, start: int, valid: int, read: Read) -> Any:
    from interact_cli._core import Partial, Tables

    end = len(data) - CHECKSUM
    partial: Partial | Tables
    try:
        if read == "merge":
            partial = Partial.from_bytes(data, start, end)
        else:
            partial = Tables.from_bytes(data, start, end, periods=read == "days")
    except ValueError as error:
        raise _fail(path, f"its partial is wrong: {error}") from None
    if sum(partial.counters()["events"].values()) != valid:
        raise _fail(path, "its partial's events are not its inputs' valid lines")
    return partial


def read_state(path: str, partial: Read | None = "merge") -> State:
    """The state in a file, checked whole; its partial as `partial` says (None: not
    kept): "merge", a `_core.Partial` to merge into; "days", its tables for a report per
    period (`_core.Tables`); "total", its tables summed over periods. Tables read in a
    fraction of the time: they skip the hash maps that only a merge needs."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except FileNotFoundError:
        raise StateError(f"{path}: no such state file (interact-cli ingest makes one)") from None
    except IsADirectoryError:
        raise StateError(f"{path}: is a directory, not a state file") from None
    except OSError as error:
        raise StateError(f"{path}: cannot read: {error.strerror or error}") from None
    raw_header, start = _split(path, data)
    header = _header(path, raw_header)
    state = State(header, path=path, size=len(data))
    if partial is not None and header.inputs:
        state.partial = _partial(path, data, start, state.totals()["valid"], partial)
    return state


def write_state(state: State, path: str) -> int:
    """Write a state (with its partial) to `path` atomically and durably; its size."""
    from interact_cli._core import Fingerprint

    raw = b"" if state.partial is None else state.partial.to_bytes()
    header = msgspec.json.encode(state.header)
    parts = [MAGIC, struct.pack("<IQ", VERSION, len(header)), header]
    parts += [struct.pack("<Q", len(raw)), raw]
    check = Fingerprint()
    for part in parts:
        check.update(part)
    with atomic_file(path) as stream:
        for part in parts:  # not joined: the partial is the most of it, and is not copied
            stream.write(part)
        stream.write(bytes.fromhex(check.hexdigest()))
        stream.flush()
        os.fsync(stream.fileno())  # on disk before it replaces the old state
    return sum(map(len, parts)) + CHECKSUM
