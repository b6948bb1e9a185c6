"""The docs stay true to the code: codes, exit codes, fields, commands, links, examples."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from interact_cli.columns import TABLES, fields
from interact_cli.exit_codes import ExitCode
from interact_cli.problems import problem_types

from .conftest import ROOT

README = (ROOT / "README.md").read_text()
DOCS = {path.name: path.read_text() for path in (ROOT / "docs").glob("*.md")}
CONTRACT = ROOT / "docs" / "contract.md"


def codes_table() -> str:
    """The problem-code table of docs/contract.md, made from the catalogue."""
    rows = ["| code | severity | message | hint |", "| --- | --- | --- | --- |"]
    for entry in problem_types():
        cells = [f"`{entry.code}`", entry.severity, entry.message, entry.hint]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def test_the_contract_lists_every_problem_code_as_the_catalogue_does():
    text = CONTRACT.read_text()
    start, end = "<!-- codes:start -->\n", "\n<!-- codes:end -->"
    inside = text[text.index(start) + len(start) : text.index(end)]
    if os.environ.get("UPDATE_DOCS"):
        CONTRACT.write_text(text.replace(start + inside + end, start + codes_table() + end))
        inside = codes_table()
    assert inside == codes_table()


def test_every_exit_code_is_in_the_readme():
    table = dict(re.findall(r"^\| +(\d+) \| (.+) \|$", README, flags=re.MULTILINE))
    assert {int(k) for k in table} == {int(c) for c in ExitCode}


def test_every_report_field_is_documented():
    usage = DOCS["usage.md"]
    for table in TABLES:
        assert f"`{table}`" in usage, table
        for name in fields(table):
            assert f"`{name}`" in usage, name


def test_ci_runs_the_readme_test_command():
    command = re.search(
        r"Install and run the tests.*?```sh\n(.+?)\n```", README, flags=re.DOTALL
    ).group(1)
    assert command in (ROOT / ".ci" / "run").read_text()


def test_the_readme_is_short_and_its_links_lead_somewhere():
    assert len(README.splitlines()) <= 150
    for text, folder in [(README, ROOT)] + [(t, ROOT / "docs") for t in DOCS.values()]:
        for target in re.findall(r"\]\(([^)#:]+)\)", text):
            assert (folder / target).exists(), target


def test_the_readme_examples_run(tmp_path):
    """Blocks marked ```sh example run as written on the sample data (not the S3 or
    cluster ones, which are not marked)."""
    blocks = re.findall(r"```sh example\n(.+?)```", README, flags=re.DOTALL)
    assert blocks
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    for line in "".join(blocks).splitlines():
        command = line.split("  #")[0].strip()
        assert command.startswith("interact-cli "), command
        argv = [sys.executable, "-m", "interact_cli", *command.split()[1:]]
        result = subprocess.run(argv, cwd=tmp_path, capture_output=True, timeout=120)
        assert result.returncode in (0, 1), (command, result.stderr)
        assert result.stdout and b"Traceback" not in result.stderr, command


def test_the_version_is_the_same_everywhere():
    import tomllib

    from interact_cli import __version__

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    crate = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]
    assert __version__ == project == crate
