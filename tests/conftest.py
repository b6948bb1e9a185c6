"""Shared fixtures: project paths, the documented examples, and a CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLE = ROOT / "sample_data"
DOCUMENTED = FIXTURES / "documented-examples.ndjson"


def documented_lines() -> list[bytes]:
    """The seven documented example lines, without newlines."""
    return DOCUMENTED.read_bytes().splitlines()


def documented_events() -> list[dict]:
    return [json.loads(line) for line in documented_lines()]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str, input: bytes | str | None = None, width: int = 100):
    """Run the CLI in-process with a fixed terminal width."""
    from interact_cli.cli import app

    return runner.invoke(app, list(args), input=input, env={"COLUMNS": str(width), "NO_COLOR": "1"})
