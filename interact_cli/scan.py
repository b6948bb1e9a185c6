"""The single pass over inputs: every physical line counted as valid, invalid or blank."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from interact_cli.contract import Decoded, EventDecoder, Facts
from interact_cli.inputs import InputSource, is_blank, iter_batches, line_body
from interact_cli.problems import Finding, Severity

FactsSink = Callable[[Facts], None]
FindingsSink = Callable[[str, int, Sequence[Finding]], None]
RawSink = Callable[[bytes, bool], None]


class Progress(Protocol):
    """Something that shows how far the pass has read."""

    def begin(self, sources: Sequence[InputSource]) -> None: ...
    def advance(self, source: InputSource, done: int) -> None: ...
    def end(self) -> None: ...


@dataclass
class LineTally:
    """Line counts of one file, or of all of them."""

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


@dataclass
class ScanSinks:
    """Who gets what from the pass; each is optional."""

    facts: FactsSink | None = None
    findings: FindingsSink | None = None
    raw: RawSink | None = None
    progress: Progress | None = None


@dataclass
class ScanTotals:
    """The tallies a pass produced: one per file and their sum."""

    files: list[LineTally] = field(default_factory=list)
    total: LineTally = field(default_factory=lambda: LineTally("*"))


def scan(sources: Sequence[InputSource], decoder: EventDecoder, sinks: ScanSinks) -> ScanTotals:
    """Decode every line of every source once, feeding the sinks; return the tallies."""
    totals = ScanTotals()
    if sinks.progress is not None:
        sinks.progress.begin(sources)
    try:
        for source in sources:
            tally = _scan_source(source, decoder, sinks)
            totals.files.append(tally)
            totals.total.add(tally)
    finally:
        if sinks.progress is not None:
            sinks.progress.end()
    return totals


def _scan_source(source: InputSource, decoder: EventDecoder, sinks: ScanSinks) -> LineTally:
    tally = LineTally(source.name)
    progress = None
    if sinks.progress is not None:
        reporter = sinks.progress

        def progress(done: int) -> None:
            reporter.advance(source, done)

    number = 0
    for batch in iter_batches(source, progress):
        for raw in batch:
            number += 1
            body = line_body(raw)
            if is_blank(body):
                tally.blank += 1
                continue
            _take(decoder.decode(body), raw, number, tally, sinks)
    tally.lines = number
    return tally


def _take(decoded: Decoded, raw: bytes, number: int, tally: LineTally, sinks: ScanSinks) -> None:
    if decoded.facts is not None:
        tally.valid += 1
        if sinks.facts is not None:
            sinks.facts(decoded.facts)
    else:
        tally.invalid += 1
    if decoded.findings:
        tally.warnings += sum(1 for f in decoded.findings if f.severity is Severity.WARNING)
        if sinks.findings is not None:
            sinks.findings(tally.path, number, decoded.findings)
    if sinks.raw is not None:
        sinks.raw(raw, decoded.facts is not None)
