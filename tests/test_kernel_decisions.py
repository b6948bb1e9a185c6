"""The kernel's deliberate verdicts on hard lines, through both `validate` and `report`."""

from __future__ import annotations

from interact_cli.problems import problem_types
from interact_cli.reporting import ReportOptions, build_report
from interact_cli.validation import validate

from .conftest import documented_lines, invoke

ERRORS = {t.code for t in problem_types() if t.severity == "error"}

GOOD = documented_lines()[0]  # {"type":"interact",...,"context":[...]}


def extra(text: bytes) -> bytes:
    """The good line with one more top-level field."""
    return GOOD[:-1] + b"," + text + b"}"


def nested(levels: int) -> bytes:
    """The good line with an extra field nested so that the line has `levels` levels."""
    return extra(b'"pad":' + b"[" * (levels - 1) + b"]" * (levels - 1))


HUGE_INTEGER = b"9" * 400
ORDER = documented_lines()[5]

# (line, verdict, codes): each decision of the native-kernel issue, written down.
CASES = [
    (nested(1000), "valid", []),
    (nested(1001), "invalid", ["too-deep"]),
    (
        GOOD.replace(b'"type":"interact"', b'"type":"interact","type":"interact"', 1),
        "invalid",
        ["duplicate-field"],
    ),
    (extra(b'"x":1,"x":2'), "valid", []),
    (GOOD.replace(b'"654321-7890"', b'"\\ud800"'), "invalid", ["invalid-json"]),
    (extra(b'"note":"\\udc00"'), "invalid", ["invalid-json"]),
    (extra(b'"note":"\\ud83d\\ude00"'), "valid", []),
    (
        b'{"type":"interact","context":{"x":0.4e00669999999999999999999999999999999999}}',
        "invalid",
        ["wrong-type", "missing-field"],
    ),
    (extra(b'"x":0.4e00669999999999999999999999999999999999'), "valid", []),
    (extra(b'"x":' + HUGE_INTEGER), "valid", []),
    (ORDER.replace(b'"quantity":1', b'"quantity":' + HUGE_INTEGER), "invalid", ["out-of-range"]),
    (ORDER.replace(b'"amount":59.9', b'"amount":-1e999'), "invalid", ["out-of-range"]),
    # A line's revenue in millionths must fit 64 bits (9.2e12 in its currency).
    (ORDER.replace(b'"amount":59.9', b'"amount":1e13'), "invalid", ["out-of-range"]),
    (extra(b'"n\xffte":1'), "invalid", ["invalid-json"]),
    (extra(b'"note":"a\x00b"'), "invalid", ["invalid-json"]),
    (extra(b'"note":"a\\u0000b"'), "valid", []),
    (b"\xef\xbb\xbf" + GOOD, "invalid", ["invalid-json"]),  # a BOM after the first line
]


def test_each_decision_holds_in_validate_and_report(tmp_path):
    path = tmp_path / "hard.ndjson"
    path.write_bytes(GOOD + b"\n" + b"\n".join(line for line, _, _ in CASES) + b"\n")
    result = validate([str(path)], max_problems=1000).to_dict()
    by_line: dict[int, list[str]] = {}
    for problem in result["problems"]:
        by_line.setdefault(problem["line"], []).append(problem["code"])
    for number, (line, verdict, codes) in enumerate(CASES, start=2):
        assert by_line.get(number, []) == codes, (number, line[:80])
        assert (verdict == "invalid") == any(c in ERRORS for c in codes)
    invalid = sum(1 for _, verdict, _ in CASES if verdict == "invalid")
    assert result["summary"]["invalid"] == invalid
    summary = build_report([str(path)], ReportOptions()).to_dict()["summary"]
    assert (summary["valid"], summary["invalid"]) == (len(CASES) + 1 - invalid, invalid)


def test_a_huge_exponent_never_aborts_the_run(runner, tmp_path):
    path = tmp_path / "e.ndjson"
    path.write_bytes(CASES[7][0] + b"\n")
    for command in ("validate", "report"):
        args = [command, str(path), "-f", "json"]
        result = invoke(runner, *args, *(["--fail-on-invalid"] if command == "report" else []))
        assert result.exit_code == 1, (command, result.output)


def test_a_50_mb_line_is_read_and_valid_in_both_commands(tmp_path):
    path = tmp_path / "big.ndjson"
    path.write_bytes(extra(b'"pad":"' + b"x" * (50 * 1024 * 1024) + b'"') + b"\n" + GOOD + b"\n")
    result = validate([str(path)], max_problems=10).to_dict()
    assert result["summary"] == {"lines": 2, "valid": 2, "invalid": 0, "blank": 0, "warnings": 0}
    summary = build_report([str(path)], ReportOptions()).to_dict()["summary"]
    assert summary["valid"] == 2 and summary["events"]["interact"] == 2


def test_revenue_is_summed_exactly_beyond_64_bits(tmp_path):
    cart = GOOD.replace(b'"action":"click"', b'"action":"addToCart"')
    big = b'{"sku":"654321-7890","quantity":1,"grossPrice":{"amount":9000000000000.000001,"currency":"EUR"}}'
    order = ORDER.replace(b'"lines":[', b'"lines":[' + big + b"," + big + b",")
    path = tmp_path / "e.ndjson"
    path.write_bytes(cart + b"\n" + order + b"\n")
    (row,) = build_report([str(path)], ReportOptions()).to_dict()["sets"]
    assert row["ordered"] == 3
    assert row["order_revenue"] == {"EUR": (2 * 9_000_000_000_000_000_000 + 59_900_000) / 1e6}


def test_misusing_the_kernel_is_a_value_error_not_a_crash():
    import pytest

    from interact_cli._core import Scan

    scan = Scan(keep=1, report=True)
    with pytest.raises(ValueError, match="begin_file"):
        scan.feed(b"{}\n")
    scan.begin_file("f")
    scan.feed(b"")
    scan.end_file()
    scan.partial()
    with pytest.raises(ValueError, match="over"):
        scan.partial()
