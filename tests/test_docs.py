"""README stays true to the code: problem codes, exit codes, report fields, commands."""

from __future__ import annotations

import re

from interact_cli.columns import TABLES, fields
from interact_cli.exit_codes import ExitCode
from interact_cli.problems import problem_types

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_problem_code_is_documented():
    for entry in problem_types():
        assert f"`{entry.code}`" in README, entry.code


def test_every_exit_code_is_documented():
    table = dict(re.findall(r"^\| +(\d+) \| (.+) \|$", README, flags=re.MULTILINE))
    assert {int(k) for k in table} == {int(c) for c in ExitCode}


def test_every_report_field_is_documented():
    for table in TABLES:
        assert f"`{table}`" in README, table
        for name in fields(table):
            assert f"`{name}`" in README, name


def test_ci_runs_the_readme_test_command():
    command = re.search(
        r"Install and run the tests.*?```sh\n(.+?)\n```", README, flags=re.DOTALL
    ).group(1)
    assert command in (ROOT / ".ci" / "run").read_text()


def test_the_version_is_the_same_everywhere():
    import tomllib

    from interact_cli import __version__

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    crate = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]
    assert __version__ == project == crate
