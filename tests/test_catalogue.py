"""The problem catalogue: one file, read by Python and by the kernel, listed by `codes`."""

from __future__ import annotations

import json

import pytest

from interact_cli._core import check_line
from interact_cli.problems import problem_types

from .conftest import invoke, modules_loaded_by


def test_every_entry_has_a_code_severity_template_hint_and_example():
    types = problem_types()
    assert len({t.code for t in types}) == len(types)
    for entry in types:
        assert entry.severity in ("error", "warning")
        assert entry.message.endswith(".") and entry.hint and entry.example


@pytest.mark.parametrize("entry", problem_types(), ids=lambda t: t.code)
def test_each_example_line_yields_its_code_in_the_kernel(entry):
    if "…" in entry.example:  # a sketch of a line too large to write out
        pytest.skip("example is a sketch")
    valid, findings = check_line(entry.example.encode())
    assert entry.code in [code for code, _, _ in findings]
    assert valid == (entry.severity == "warning")


def test_codes_lists_the_catalogue_as_json(runner):
    result = invoke(runner, "codes", "--format", "json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert [row["code"] for row in listed] == [t.code for t in problem_types()]
    assert {"code", "severity", "message", "hint"} <= set(listed[0])


def test_codes_table_names_every_code(runner):
    result = invoke(runner, "codes", width=200)
    assert result.exit_code == 0
    for entry in problem_types():
        assert entry.code in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["schema"], ["codes", "-f", "json"]])
def test_light_commands_import_neither_polars_nor_the_kernel(args):
    assert modules_loaded_by(args, ["polars", "interact_cli._core"]) == [False, False]
