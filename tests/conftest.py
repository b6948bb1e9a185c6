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


def modules_loaded_by(args: list[str], modules: list[str]) -> list[bool]:
    """Run the CLI with `args` in a fresh interpreter: which of `modules` it had loaded
    when it ended (the CLI ends with os._exit, so they are looked at right before)."""
    import subprocess
    import sys

    probe = (
        "import os, sys\n"
        "from interact_cli.cli import main\n"
        "leave = os._exit\n"
        "def report(code):\n"
        f"    print(*[m in sys.modules for m in {modules!r}], file=sys.stderr)\n"
        "    sys.stderr.flush()\n"
        "    leave(code)\n"
        "os._exit = report\n"
        f"sys.argv = ['interact-cli', *{args!r}]\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    return [word == "True" for word in done.stderr.strip().splitlines()[-1].split()]


def mypy_strict(path: Path, cache: Path) -> str:
    """mypy --strict's complaints about a file ('' when it passes)."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir"]
    done = subprocess.run(
        [*command, str(cache), str(path)], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr
