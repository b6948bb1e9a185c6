"""The single pass over a unit of input: each physical line counted as valid, invalid or blank."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from interact_cli.contract import EventDecoder, Facts
from interact_cli.inputs import Unit, is_blank, iter_batches, line_body
from interact_cli.problems import Finding, Severity

FactsSink = Callable[[Facts], None]
FindingsSink = Callable[[str, int, Sequence[Finding]], None]
RawSink = Callable[[bytes, bool], None]


class Progress(Protocol):
    """Something that shows how far the pass has read, in bytes of all inputs."""

    def begin(self, total: int) -> None: ...
    def update(self, done: int) -> None: ...
    def end(self) -> None: ...


@dataclass
class LineTally:
    """Line counts of one unit, one file, or of all of them."""

    path: str
    lines: int = 0
    valid: int = 0
    invalid: int = 0
    blank: int = 0
    warnings: int = 0

    def add(self, other: LineTally) -> None:
        """Add another tally's counts to this one."""
        self.lines += other.lines
        self.valid += other.valid
        self.invalid += other.invalid
        self.blank += other.blank
        self.warnings += other.warnings

    def counts(self) -> dict[str, int]:
        """The counts without the path."""
        return {
            "lines": self.lines,
            "valid": self.valid,
            "invalid": self.invalid,
            "blank": self.blank,
            "warnings": self.warnings,
        }


def file_tallies(units: Sequence[Unit], tallies: Sequence[LineTally]) -> list[LineTally]:
    """Per-file tallies from per-unit ones (a unit starting at byte 0 starts a file)."""
    files: list[LineTally] = []
    for unit, tally in zip(units, tallies, strict=True):
        if unit.start == 0:
            files.append(LineTally(tally.path))
        files[-1].add(tally)
    return files


def total_of(tallies: Sequence[LineTally]) -> LineTally:
    """The sum of tallies."""
    total = LineTally("*")
    for tally in tallies:
        total.add(tally)
    return total


@dataclass
class ScanSinks:
    """Who gets what from the pass; each is optional."""

    facts: FactsSink | None = None
    findings: FindingsSink | None = None
    raw: RawSink | None = None
    progress: Callable[[int], None] | None = None


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC: the pass makes millions of short-lived objects and no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def scan_unit(unit: Unit, decoder: EventDecoder, sinks: ScanSinks) -> LineTally:
    """Decode every line of a unit once, feeding the sinks; line numbers start at 1 in the unit."""
    tally = LineTally(unit.source.name)
    fast, take_facts, take_raw = decoder.fast_facts, sinks.facts, sinks.raw
    number = valid = 0
    with gc_paused():
        for batch in iter_batches(unit, sinks.progress):
            for raw in batch:
                number += 1
                # A line starting with '{' cannot be blank; only others need the check.
                if raw[:1] != b"{" and is_blank(line_body(raw)):
                    tally.blank += 1
                    continue
                facts = fast(raw)
                if facts is None:
                    _diagnosed(decoder, raw, number, tally, sinks)
                    continue
                valid += 1
                if take_facts is not None:
                    take_facts(facts)
                if take_raw is not None:
                    take_raw(raw, True)
    tally.lines, tally.valid = number, tally.valid + valid
    return tally


def _diagnosed(
    decoder: EventDecoder, raw: bytes, number: int, tally: LineTally, sinks: ScanSinks
) -> None:
    decoded = decoder.diagnose(raw)
    valid = decoded.facts is not None
    if valid:
        tally.valid += 1
        if sinks.facts is not None:
            sinks.facts(decoded.facts)
    else:
        tally.invalid += 1
    tally.warnings += sum(1 for f in decoded.findings if f.severity is Severity.WARNING)
    if sinks.findings is not None and decoded.findings:
        sinks.findings(tally.path, number, decoded.findings)
    if sinks.raw is not None:
        sinks.raw(raw, valid)
