"""The state file of `ingest`: the report's partial result over every input ingested.

Layout, integers little-endian:

    MAGIC (19 bytes) | format version: u32 | header | partial | summary
    each section: its length: u64 | its bytes | XXH3-128 of its bytes (16 bytes)

The header (JSON) holds the settings the partial was counted with (time field, zone,
period) and one record per input ingested. The summary holds the report's tables over
every input as `ingest` computed them (statesummary.py): a report without --interval or
--actions reads the header and the summary only, never the partial, which is most of the
file. The partial is the kernel's partial result, per day.

Reading checks every section it reads before trusting any of it: the magic and version,
every length against the file's size (the sections must fill it exactly), each section's
checksum, the header's types, the summary's schema, and the partial's own structure (the
kernel's reader, which checks every count against the bytes there are). So a truncated,
corrupted, foreign or forged file is a StateError naming it, and reading costs time and
memory linear in the file's size. Writing goes through a temporary file beside it, synced
and renamed into place: a crash, a signal or a full disk leaves the previous state as it
was.

The partial is not compressed: zstd made it 3x smaller (5M events: 101 MB -> 35 MB, 6%
-> 2% of the input) but cost 0.16 s to write and 0.13 s to read, while 6% of the input is
small enough to keep.
"""

from __future__ import annotations

import os
import stat
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, Literal

import msgspec

from interact_cli import __version__
from interact_cli.errors import OptionError, StateError, shortened
from interact_cli.periods import Calendar
from interact_cli.sinks import atomic_file

if TYPE_CHECKING:
    from interact_cli.frames import Computed

Read = Literal["merge", "days", "total", "summary", "all"]
SECTIONS = ("header", "partial", "summary")

MAGIC = b"interact-cli state\n"
VERSION = 1
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
    """The input's fingerprint (XXH3-128 over its 1 MiB blocks' XXH3-128 and its size:
    docs/usage.md) of its bytes, decompressed, as hex."""
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
    """The `_core.Partial` (or `_core.Tables`) over every input (None: nothing ingested
    yet, or not read)."""
    summary: Computed | None = None
    """The report's tables over every input (read with "summary")."""
    path: str = ""
    size: int = 0
    """The file's bytes when read."""

    @property
    def fingerprints(self) -> dict[str, Ingested]:
        """The inputs it holds by fingerprint (empty ones, which add nothing, left out)."""
        return {i.fingerprint: i for i in self.header.inputs if i.size}

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


def _sections(path: str, stream: BinaryIO, size: int, wanted: set[str]) -> dict[str, bytes]:
    """The `wanted` sections of a state file open at its start, each checked against its
    checksum; the lengths of all of them against the file's `size`."""
    from interact_cli._core import Fingerprint

    head = stream.read(len(MAGIC) + 4)
    if not head.startswith(MAGIC[: len(head)]) or not head:
        raise _fail(path, "it is not an interact-cli state (no state header)")
    if len(head) < len(MAGIC) + 4:
        raise _fail(path, f"cut short ({size} bytes)")
    (version,) = struct.unpack_from("<I", head, len(MAGIC))
    if version != VERSION:
        raise _fail(path, f"format {version}; this version of interact-cli reads {VERSION}")
    at, found = len(head), {}
    for index, name in enumerate(SECTIONS):
        left = size - at - 8 - CHECKSUM
        stream.seek(at)
        raw = stream.read(8)
        if len(raw) < 8 or left < 0:
            raise _fail(path, f"cut short before its {name} ({size} bytes)")
        (length,) = struct.unpack("<Q", raw)
        last = index == len(SECTIONS) - 1
        if length > left or (last and length != left):
            raise _fail(path, f"its {name}'s length does not match the file's")
        if name in wanted:
            data = stream.read(length)
            check = Fingerprint()
            check.update(data)
            if len(data) < length or bytes.fromhex(check.hexdigest()) != stream.read(CHECKSUM):
                raise _fail(path, f"its {name}'s checksum does not match (corrupted)")
            found[name] = data
        at += 8 + length + CHECKSUM
    return found


def _header(path: str, raw: bytes) -> Header:
    try:
        header = msgspec.json.decode(raw, type=Header)
    except (msgspec.DecodeError, UnicodeDecodeError) as error:  # older msgspec: the latter
        raise _fail(path, f"its header is wrong: {error}") from None
    if header.settings.time_field == "":
        raise _fail(path, "its time field is empty")
    if not header.inputs:  # ingest writes a state with its first input, never without
        raise _fail(path, "it records no input")
    seen = set()
    for record in header.inputs:
        if record.lines != record.valid + record.invalid + record.blank:
            raise _fail(path, f"the counts of input {record.name!r} do not add up")
        if record.fingerprint in seen and record.size:
            raise _fail(path, f"input {record.name!r} is recorded twice")
        seen.add(record.fingerprint)
    return header


def calendar_of(state: State) -> Calendar:
    """The calendar of the state's days; a StateError if its zone is none (checked only
    where days are counted or shown: looking the name up costs a report 45 ms)."""
    try:
        return Calendar(state.settings.period, state.settings.tz)
    except OptionError:
        why = f"its zone {shortened(state.settings.tz)} is not a zone here"
        raise _fail(state.path, why) from None


def _partial(path: str, data: bytes, valid: int, read: Read) -> Any:
    from interact_cli._core import Partial, Tables

    partial: Partial | Tables
    try:
        if read == "merge":
            partial = Partial.from_bytes(data)
        else:
            partial = Tables.from_bytes(data, periods=read == "days")
    except ValueError as error:
        raise _fail(path, f"its partial is wrong: {error}") from None
    if sum(partial.counters()["events"].values()) != valid:
        raise _fail(path, "its partial's events are not its inputs' valid lines")
    return partial


def read_state(path: str, partial: Read | None = "merge") -> State:
    """The state in a file, checked as far as it is read. `partial` says what to read of
    it: "merge", the partial as a `_core.Partial` to merge into, and the summary checked;
    "days", the partial's tables per period (`_core.Tables`, for a report per period);
    "total", its tables summed over periods; "summary", the report's tables computed at
    ingest, not the partial; "all", the summary and the tables per period; None, the
    header only. Tables read in a fraction of a Partial's time: they skip the hash maps
    that only a merge needs."""
    wanted = {"header"}
    if partial in ("summary", "merge", "all"):
        wanted.add("summary")
    if partial not in (None, "summary"):
        wanted.add("partial")
    try:
        # Not blocking: a FIFO given as a state would wait for a writer forever.
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as stream:
            found = os.fstat(stream.fileno())
            if stat.S_ISDIR(found.st_mode):
                raise StateError(f"{path}: is a directory, not a state file")
            if not stat.S_ISREG(found.st_mode):
                raise StateError(f"{path}: not a state file (not a regular file)")
            sections = _sections(path, stream, found.st_size, wanted)
    except FileNotFoundError:
        raise StateError(f"{path}: no such state file (interact-cli ingest makes one)") from None
    except IsADirectoryError:
        raise StateError(f"{path}: is a directory, not a state file") from None
    except OSError as error:
        raise StateError(f"{path}: cannot read: {error.strerror or error}") from None
    header = _header(path, sections["header"])
    state = State(header, path=path, size=found.st_size)
    valid = state.totals()["valid"]
    if "summary" in wanted:  # _header refused a state that records no input
        from interact_cli.statesummary import decode

        state.summary = decode(sections["summary"], valid, lambda why: _fail(path, why))
    if "partial" in wanted and partial is not None:
        read: Read = "days" if partial == "all" else partial
        state.partial = _partial(path, sections["partial"], valid, read)
    return state


def write_state(state: State, path: str, raw: bytes, summary_of: Callable[[], bytes]) -> int:
    """Write a state to `path` atomically and durably, with the bytes of its partial and of
    its summary (the header is the state's); the file's size. The header and the partial
    are written on another thread while `summary_of()` computes the summary."""
    header = msgspec.json.encode(state.header)
    with atomic_file(path) as stream:
        failed: list[BaseException] = []

        def first() -> None:
            try:
                stream.write(MAGIC + struct.pack("<I", VERSION))
                _section(stream, header)
                _section(stream, raw)  # the file's write releases the GIL
            except BaseException as error:  # re-raised below, on the caller's thread
                failed.append(error)

        writing = threading.Thread(target=first, daemon=True)
        writing.start()
        try:
            summary = summary_of()
        finally:
            _joined(writing)  # before the file is closed (and, on error, removed)
        if failed:
            raise failed[0]
        _section(stream, summary)
        stream.flush()
        os.fsync(stream.fileno())  # on disk before it replaces the old state
    _sync_folder(path)
    return len(MAGIC) + 4 + sum(8 + len(s) + CHECKSUM for s in (header, raw, summary))


def _joined(thread: threading.Thread) -> None:
    """Wait for `thread` to end, even through a second Ctrl-C (raised after it ends)."""
    interrupted: BaseException | None = None
    while thread.is_alive():
        try:
            thread.join()
        except BaseException as error:
            interrupted = error
    if interrupted is not None:
        raise interrupted


def _sync_folder(path: str) -> None:
    """Make the rename durable: sync the folder that holds `path` (where it can be)."""
    try:
        handle = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:  # some file systems cannot sync a folder: the rename stands
        pass
    finally:
        os.close(handle)


def _section(stream: BinaryIO, data: bytes) -> None:
    """One section: its length, its bytes (not copied) and their XXH3-128."""
    from interact_cli._core import Fingerprint

    check = Fingerprint()
    check.update(data)
    stream.write(struct.pack("<Q", len(data)))
    stream.write(data)
    stream.write(bytes.fromhex(check.hexdigest()))
