"""The public Python API: `report` and `validate`, for notebooks and scripts.

Each function takes the inputs and the command's long options as keywords (in
snake_case, with the command's defaults) and returns data: nothing here prints, exits or
touches the terminal. Errors are the library's own exceptions (`OptionError`, a
ValueError; `InputError`; `ClusterError`), never SystemExit. docs/api.md documents it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from interact_cli.columns import TABLE_OF
from interact_cli.errors import OptionError, shortened

if TYPE_CHECKING:
    from interact_cli.comparison import Comparison
    from interact_cli.result import Report
    from interact_cli.validation import Validation

By = Literal["set", "product", "set-product"]
Interval = Literal["day", "week", "month", "auto"]
Inputs = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
StorageOption = Mapping[str, Any] | Sequence[str] | None
INTERVALS = ("day", "week", "month", "auto")
VALIDATE_MAX_PROBLEMS = 1000  # as `validate -f json`


def _inputs(inputs: Inputs | None) -> list[str]:
    """Paths, globs, '-' or URLs as the strings the engine takes."""
    if inputs is None:
        raise OptionError("no inputs: give at least one file, glob, '-' or URL (or a state)")
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if not isinstance(inputs, Sequence) or not all(
        isinstance(i, (str, os.PathLike)) for i in inputs
    ):
        raise OptionError("inputs: give a path, glob, '-' or URL, or a list of them")
    found = [os.fspath(i) for i in inputs]
    if not all(isinstance(i, str) for i in found):  # os.PathLike[bytes]
        raise OptionError("inputs: give paths as str, not bytes")
    if not found:
        raise OptionError("no inputs: give at least one file, glob, '-' or URL")
    return found


def _storage(storage_option: StorageOption) -> dict[str, Any] | None:
    """A mapping as it is, or KEY=VALUE strings as `--storage-option` reads them."""
    from interact_cli.engine import parse_storage_options

    if storage_option is None or isinstance(storage_option, Mapping):
        return None if storage_option is None else dict(storage_option)
    if isinstance(storage_option, str):
        storage_option = [storage_option]
    if not isinstance(storage_option, Sequence) or not all(
        isinstance(pair, str) for pair in storage_option
    ):
        raise OptionError("storage_option: give a mapping, or KEY=VALUE strings")
    return parse_storage_options(list(storage_option))


def _text(name: str, value: object, choices: Sequence[str] = ()) -> None:
    """A text option: a str (or None), one of `choices` if given, and UTF-8 (a name
    from a non-UTF-8 command line holds surrogates, which no id can match)."""
    if value is None:
        return
    if not isinstance(value, str):
        raise OptionError(f"{name}: give a string, not {type(value).__name__}")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise OptionError(f"{name}: {value!r} is not valid UTF-8") from None
    if choices and value not in choices:
        raise OptionError(f"{name}: {value!r} is not one of {', '.join(choices)}")


def _count(name: str, value: int | None, least: int) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise OptionError(f"{name}: give a whole number, not {value!r}")
    if value is not None and value < least:
        raise OptionError(f"{name}: {value} is below the minimum {least}")


def report(
    inputs: Inputs | None = None,
    *,
    by: By = "set",
    interval: Interval | None = None,
    tz: str | None = None,
    since: str | None = None,
    until: str | None = None,
    set: Sequence[str] = (),
    sku: Sequence[str] = (),
    time_field: str | None = None,
    top: int | None = None,
    sort: str | None = None,
    actions: bool = False,
    storage_option: StorageOption = None,
    cluster: str | None = None,
    workers: int | None = None,
    state: str | os.PathLike[str] | None = None,
) -> Report:
    """Report on the inputs (or a `state` file of `ingest`) as `interact-cli report` does;
    `Report.to_json()` is its JSON. `tz` is UTC by default, or the state's."""
    from interact_cli.reporting import ReportOptions, build_report

    _check_shared(by, tz, sort, time_field, cluster, top, workers)
    _text("interval", interval, INTERVALS)
    for name, value in [("since", since), ("until", until)]:
        _text(name, value)
    if not isinstance(actions, bool):
        raise OptionError(f"actions: give True or False, not {actions!r}")
    options = ReportOptions(
        time_field=time_field,
        since=since,
        until=until,
        sets=tuple(_strings("set", set)),
        skus=tuple(_strings("sku", sku)),
        sort=sort,
        top=top,
        actions=actions,
        table=TABLE_OF[by],
        interval=interval,
        tz=tz,
    )
    return build_report(
        [] if inputs is None and state is not None else _inputs(inputs),
        options,
        workers=workers,
        storage_options=_storage(storage_option),
        cluster=cluster,
        state=None if state is None else _path("state", state),
    )


def compare(
    inputs: Inputs | None = None,
    *,
    baseline: str | Inputs | None = None,
    current: str | Inputs | None = None,
    by: By = "set",
    set: Sequence[str] = (),
    sku: Sequence[str] = (),
    sort: str | None = None,
    top: int | None = None,
    fdr: float = 0.05,
    time_field: str | None = None,
    tz: str | None = None,
    storage_option: StorageOption = None,
    cluster: str | None = None,
    workers: int | None = None,
) -> Comparison:
    """Compare as `interact-cli compare` does: with `inputs`, `baseline` and `current` are
    time ranges FROM..UNTIL; without, each is the inputs of its side. `to_json()` is the
    command's JSON."""
    from interact_cli.comparing import CompareOptions, build_comparison

    _check_shared(by, tz, sort, time_field, cluster, top, workers)
    if isinstance(fdr, bool) or not isinstance(fdr, (int, float)) or not -1 < fdr < 2:
        raise OptionError(f"fdr: give a number between 0 and 1, not {shortened(repr(fdr))}")
    ranged = inputs is not None
    if ranged:
        _text("baseline", baseline)
        _text("current", current)
    options = CompareOptions(
        table=TABLE_OF[by],
        baseline=baseline if ranged and isinstance(baseline, str) else None,
        current=current if ranged and isinstance(current, str) else None,
        time_field=time_field,
        tz=tz,
        sets=tuple(_strings("set", set)),
        skus=tuple(_strings("sku", sku)),
        sort=sort,
        top=top,
        fdr=float(fdr),
    )
    sides = (
        [[], []]
        if ranged
        else [_side(name, v) for name, v in [("baseline", baseline), ("current", current)]]
    )
    return build_comparison(
        _inputs(inputs) if ranged else [],
        options,
        baseline_inputs=sides[0],
        current_inputs=sides[1],
        workers=workers,
        storage_options=_storage(storage_option),
        cluster=cluster,
    )


def _side(name: str, value: str | Inputs | None) -> list[str]:
    """One side's inputs of a comparison of two groups."""
    if value is None:
        raise OptionError(
            f"{name}: give the inputs of this side (or inputs, and time ranges for both)"
        )
    return _inputs(value)


def _check_shared(
    by: object,
    tz: object,
    sort: object,
    time_field: object,
    cluster: object,
    top: int | None,
    workers: int | None,
) -> None:
    """The types of the options `report` and `compare` share."""
    if by is None:
        raise OptionError(f"by: give one of {', '.join(TABLE_OF)}, not None")
    _text("by", by, list(TABLE_OF))
    for name, value in [("tz", tz), ("sort", sort), ("time_field", time_field)]:
        _text(name, value)
    _text("cluster", cluster)
    _count("top", top, 0)
    _count("workers", workers, 1)


def _path(name: str, value: object) -> str:
    if not isinstance(value, (str, os.PathLike)) or not isinstance(os.fspath(value), str):
        raise OptionError(f"{name}: give a path as str or os.PathLike[str]")
    return os.fspath(value)


def ingest(
    inputs: Inputs,
    state: str | os.PathLike[str],
    *,
    time_field: str | None = None,
    tz: str | None = None,
    storage_option: StorageOption = None,
    workers: int | None = None,
    cluster: str | None = None,
) -> dict[str, Any]:
    """Add the inputs to a state file as `interact-cli ingest` does; what it added and
    what the state holds, as the command's JSON document (a dict)."""
    from interact_cli.state import ingest as run_ingest
    from interact_cli.state import ingest_summary

    _text("time_field", time_field)
    _text("tz", tz)
    _text("cluster", cluster)
    _count("workers", workers, 1)
    found = run_ingest(
        _inputs(inputs),
        _path("state", state),
        time_field=time_field,
        tz=tz,
        workers=workers,
        storage_options=_storage(storage_option),
        cluster=cluster,
    )
    return ingest_summary(found)


def export(
    inputs: Inputs,
    output: str | os.PathLike[str],
    *,
    partition: Literal["day"] | None = None,
    tz: str | None = None,
    time_field: str | None = None,
    storage_option: StorageOption = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Write the valid events as Parquet as `interact-cli export` does (a file, or with
    `partition="day"` a folder); what was read and written, as its --json document."""
    from interact_cli.exporting import ExportOptions
    from interact_cli.exporting import export as run_export

    _text("partition", partition, ("day",))
    _text("tz", tz)
    _text("time_field", time_field)
    _count("workers", workers, 1)
    options = ExportOptions(time_field, partition, tz)
    return run_export(
        _inputs(inputs), _path("output", output), options, _storage(storage_option), workers
    )


def describe_state(state: str | os.PathLike[str]) -> dict[str, Any]:
    """What a state file holds (checked whole), as `interact-cli state -f json` prints it."""
    from interact_cli.state import describe

    return describe(_path("state", state))


def _strings(name: str, values: Sequence[str]) -> list[str]:
    """A list option: one string is one value (not its characters); None is none."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Sequence) or not all(isinstance(v, str) for v in values):
        raise OptionError(f"{name}: give strings")
    for value in values:
        _text(name, value)
    return list(values)


def validate(
    inputs: Inputs,
    *,
    max_problems: int = VALIDATE_MAX_PROBLEMS,
    valid_out: str | os.PathLike[str] | None = None,
    invalid_out: str | os.PathLike[str] | None = None,
    storage_option: StorageOption = None,
    cluster: str | None = None,
    workers: int | None = None,
) -> Validation:
    """Check every line of the inputs as `interact-cli validate` does (its JSON document
    is `Validation.to_json()`); `valid_out`/`invalid_out` write the lines byte for byte
    (with `cluster`: a folder, "DIR/" or "s3://BUCKET/PREFIX/", of a part per task)."""
    from interact_cli.validation import Validation, frame
    from interact_cli.validation import validate as run

    if max_problems is None:
        raise OptionError("max_problems: give a whole number")
    _count("max_problems", max_problems, 0)
    _count("workers", workers, 1)
    _text("cluster", cluster)
    for name, path in (("valid_out", valid_out), ("invalid_out", invalid_out)):
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise OptionError(f"{name}: give a path")
    result = run(
        _inputs(inputs),
        max_problems,
        valid_out=None if valid_out is None else os.fspath(valid_out),
        invalid_out=None if invalid_out is None else os.fspath(invalid_out),
        workers=workers,
        storage_options=_storage(storage_option),
        cluster=cluster,
    )
    document: dict[str, Any] = result.to_dict()
    return Validation(
        summary=result.summary.counts(),
        files=frame(document["files"], "files"),
        by_code=frame(document["by_code"], "by_code"),
        problems=frame(document["problems"], "problems"),
        notices=result.notices,
        _result=result,
    )
