"""`validate`: every line checked by the native kernel; problems as data, grouped by code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from interact_cli.engine import CHUNK_BYTES, Progress, feed_sources, new_scan, resolve_inputs
from interact_cli.problems import Problem
from interact_cli.serialize import utf8_name
from interact_cli.sinks import SplitWriter

if TYPE_CHECKING:
    import polars as pl

    from interact_cli.cluster import ClusterSpec
    from interact_cli.engine import InputSource


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
class ValidationResult:
    """Everything `validate` found: counts are complete, `problems` may be cut."""

    summary: LineTally
    files: list[LineTally]
    by_code: list[CodeCount]
    problems: list[Problem]
    notices: list[str] = field(default_factory=list)
    """What the user should know beyond the counts (a directory link not followed)."""

    @classmethod
    def from_kernel(cls, found: dict[str, Any]) -> ValidationResult:
        """The result from the kernel's plain data."""
        return cls(
            LineTally("*", **found["summary"]),
            [LineTally(**row) for row in found["files"]],
            [CodeCount(**row) for row in found["by_code"]],
            [Problem(**row) for row in found["problems"]],
        )

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
    workers: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    storage_options: Mapping[str, Any] | None = None,
    cluster: str | ClusterSpec | None = None,
) -> ValidationResult:
    """Check every line of the inputs (paths, globs, '-', URLs) once against the contract;
    on a Dask cluster with `cluster` (tcp://HOST:PORT, local[:N], or a ClusterSpec)."""
    split = valid_out is not None or invalid_out is not None
    notices: list[str] = []
    sources = resolve_inputs(inputs, storage_options, notices)
    if cluster is not None:
        return _on_cluster(
            cluster,
            sources,
            max_problems,
            (valid_out, invalid_out),
            notices,
            progress,
            storage_options,
        )
    kernel = new_scan(max_problems, workers, split)
    with SplitWriter(sources, valid_out, invalid_out) as writer:
        write = writer.write if split else None
        feed_sources(sources, kernel, progress, write, chunk_bytes, notes=notices)
    return replace(ValidationResult.from_kernel(kernel.result()), notices=notices)


def _on_cluster(
    cluster: str | ClusterSpec,
    sources: Sequence[InputSource],
    max_problems: int,
    outputs: tuple[str | None, str | None],
    notices: list[str],
    progress: Progress | None,
    storage_options: Mapping[str, Any] | None,
) -> ValidationResult:
    """`validate` on a Dask cluster; split outputs as a part per task (parts.py)."""
    from interact_cli import cluster as dask_cluster
    from interact_cli import parts, units

    folders = parts.plan(outputs, storage_options or {})
    written: list[list[Any]] = []
    with parts.writing(folders):
        job = units.Job(keep=max_problems, parts=tuple(folders) if any(folders) else ())
        found, _ = dask_cluster.scan(cluster, sources, job, progress, written=written)
        notices += parts.finish(folders, written)
    return replace(ValidationResult.from_kernel(found), notices=notices)


@dataclass(frozen=True)
class Validation:
    """What `validate` found: `summary` (line counts), `files` (a row per input),
    `by_code` (a row per problem code) and `problems` (a row per problem listed, at most
    `max_problems`), as Polars frames with the JSON document's field names."""

    summary: dict[str, int]
    files: pl.DataFrame
    by_code: pl.DataFrame
    problems: pl.DataFrame
    notices: list[str] = field(default_factory=list)
    _result: ValidationResult | None = field(default=None, repr=False, compare=False)

    def fails(self, strict: bool = False) -> bool:
        """Whether `validate` exits 1: an invalid line (or, with `strict`, a warning)."""
        return self.summary["invalid"] > 0 or (strict and self.summary["warnings"] > 0)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document as Python data."""
        if self._result is None:
            raise ValueError("this Validation was not made by interact_cli.validate")
        return self._result.to_dict()

    def to_json(self) -> bytes:
        """The JSON document `interact-cli validate -f json` prints, byte for byte."""
        from interact_cli.serialize import to_json

        return to_json(self.to_dict())


COUNTS = ("lines", "valid", "invalid", "blank", "warnings")
SCHEMAS: dict[str, tuple[tuple[str, type], ...]] = {
    "files": (("path", str), *((name, int) for name in COUNTS)),
    "by_code": tuple(
        zip(
            ("code", "severity", "count", "first_file", "first_line", "example"),
            (str, str, int, str, int, str),
            strict=True,
        )
    ),
    "problems": tuple(
        zip(
            ("file", "line", "severity", "code", "path", "message"),
            (str, int, str, str, str, str),
            strict=True,
        )
    ),
}
NAMES = {"files": "path", "by_code": "first_file", "problems": "file"}


def frame(rows: list[dict[str, Any]], table: str) -> pl.DataFrame:
    """Rows as a frame with the table's fixed schema (also when there are none)."""
    import polars as pl

    schema = {n: pl.Int64 if kind is int else pl.String for n, kind in SCHEMAS[table]}
    name = NAMES[table]
    rows = [{**row, name: utf8_name(row[name])} for row in rows]
    return pl.DataFrame(rows, schema=schema)
