"""`validate`: the pass's problems gathered as data, grouped by code, with line counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from interact_cli.contract import EventDecoder
from interact_cli.inputs import resolve_inputs
from interact_cli.output.atomic import SplitWriter
from interact_cli.problems import Finding, Problem
from interact_cli.scan import LineTally, Progress, ScanSinks, scan


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
        return {
            "code": self.code,
            "severity": self.severity,
            "count": self.count,
            "first_file": self.first_file,
            "first_line": self.first_line,
            "example": self.example,
        }


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


def validate(
    inputs: Sequence[str],
    max_problems: int,
    valid_out: str | None = None,
    invalid_out: str | None = None,
    progress: Progress | None = None,
) -> ValidationResult:
    """Check every line of the inputs (paths, globs, '-') once against the contract."""
    sources = resolve_inputs(inputs)
    log = ProblemLog(keep=max_problems)
    with SplitWriter(sources, valid_out, invalid_out) as split:
        sinks = ScanSinks(findings=log.add, raw=split.sink, progress=progress)
        totals = scan(sources, EventDecoder(), sinks)
    return ValidationResult(totals.total, totals.files, log.code_counts(), log.problems)
