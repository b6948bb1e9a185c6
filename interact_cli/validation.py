"""`validate`: the pass's problems gathered as data, grouped by code, with line counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

from interact_cli.contract import EventDecoder
from interact_cli.inputs import InputSource, Unit, resolve_inputs
from interact_cli.parallel import plan, run_units, worker_count
from interact_cli.problems import Finding, Problem
from interact_cli.scan import LineTally, Progress, ScanSinks, file_tallies, scan_unit, total_of
from interact_cli.sinks import SplitWriter


@dataclass
class CodeCount:
    """How often one problem code occurred, and where first."""

    code: str
    severity: str
    count: int
    first_file: str
    first_line: int
    example: str

    def to_dict(self) -> dict[str, object]:
        """The row as a JSON-ready dict."""
        return asdict(self)


@dataclass
class ProblemLog:
    """Counts every problem by code; keeps the first `keep` problems in full."""

    keep: int
    by_code: dict[str, CodeCount] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, file: str, line: int, findings: Sequence[Finding]) -> None:
        """Record the findings of one line."""
        for finding in findings:
            problem = Problem.at(file, line, finding)
            seen = self.by_code.get(problem.code)
            if seen is None:
                self.by_code[problem.code] = CodeCount(
                    problem.code, problem.severity, 1, file, line, problem.message
                )
            else:
                seen.count += 1
            if len(self.problems) < self.keep:
                self.problems.append(problem)

    def absorb(self, later: ProblemLog, line_offset: int) -> None:
        """Add the log of a later unit whose line numbers start after `line_offset` lines."""
        for code, counted in later.by_code.items():
            if code in self.by_code:
                self.by_code[code].count += counted.count
            else:
                self.by_code[code] = replace(counted, first_line=counted.first_line + line_offset)
        room = self.keep - len(self.problems)
        self.problems.extend(replace(p, line=p.line + line_offset) for p in later.problems[:room])

    def code_counts(self) -> list[CodeCount]:
        """Codes by count descending, then by code."""
        return sorted(self.by_code.values(), key=lambda c: (-c.count, c.code))


@dataclass
class ValidationResult:
    """Everything `validate` found: counts are complete, `problems` may be cut."""

    summary: LineTally
    files: list[LineTally]
    by_code: list[CodeCount]
    problems: list[Problem]

    def to_dict(self) -> dict[str, object]:
        """The result as the documented JSON document."""
        return {
            "summary": self.summary.counts(),
            "files": [{"path": f.path, **f.counts()} for f in self.files],
            "by_code": [c.to_dict() for c in self.by_code],
            "problems": [p.to_dict() for p in self.problems],
        }

    def fails(self, strict: bool) -> bool:
        """True when the input should fail: an invalid line, or a warning under strict."""
        return self.summary.invalid > 0 or (strict and self.summary.warnings > 0)


def _validate_unit(
    unit: Unit, setting: int, on_progress: Callable[[int], None] | None = None
) -> tuple[LineTally, ProblemLog]:
    """Worker: the tally and problem log of one unit (line numbers local to it)."""
    log = ProblemLog(keep=setting)
    tally = scan_unit(unit, EventDecoder(), ScanSinks(findings=log.add, progress=on_progress))
    return tally, log


def validate(
    inputs: Sequence[str],
    max_problems: int,
    valid_out: str | None = None,
    invalid_out: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> ValidationResult:
    """Check every line of the inputs (paths, globs, '-') once against the contract."""
    sources = resolve_inputs(inputs)
    if valid_out is not None or invalid_out is not None:
        return _validate_splitting(sources, max_problems, valid_out, invalid_out, progress)
    count = worker_count(workers)
    units = plan(sources, count)
    log = ProblemLog(keep=max_problems)
    tallies = []
    lines_before = 0
    results = run_units(units, _validate_unit, max_problems, count, progress)
    for unit, (tally, unit_log) in zip(units, results, strict=True):
        lines_before = 0 if unit.start == 0 else lines_before
        log.absorb(unit_log, lines_before)
        lines_before += tally.lines
        tallies.append(tally)
    return _result(file_tallies(units, tallies), log)


def _validate_splitting(
    sources: Sequence[InputSource],
    max_problems: int,
    valid_out: str | None,
    invalid_out: str | None,
    progress: Progress | None,
) -> ValidationResult:
    """One process, writing each line to the valid or invalid file in input order."""
    log = ProblemLog(keep=max_problems)
    with SplitWriter(sources, valid_out, invalid_out) as split:

        def scan_writing(unit: Unit, setting: None, on_progress: Callable[[int], None] | None):
            sinks = ScanSinks(findings=log.add, raw=split.sink, progress=on_progress)
            return scan_unit(unit, EventDecoder(), sinks)

        units = [Unit(source) for source in sources]
        files = list(run_units(units, scan_writing, None, 1, progress))
    return _result(files, log)


def _result(files: list[LineTally], log: ProblemLog) -> ValidationResult:
    return ValidationResult(total_of(files), files, log.code_counts(), log.problems)
