"""The layers: the library never imports the command line, Typer or the renderers."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "interact_cli"
# Modules of the command line and the renderers; everything else is the library.
CLI_SIDE = {
    "cli.py",
    "cli_compare.py",
    "cli_export.py",
    "cli_generate.py",
    "cli_options.py",
    "cli_state.py",
    "outcome.py",
    "__main__.py",
}


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def library_modules() -> list[Path]:
    return [
        path
        for path in PACKAGE.rglob("*.py")
        if path.name not in CLI_SIDE and "output" not in path.relative_to(PACKAGE).parts
    ]


def test_the_library_imports_neither_the_command_line_nor_the_renderers():
    modules = library_modules()
    assert len(modules) > 10
    for path in modules:
        for name in imports_of(path):
            assert not name.startswith(("typer", "rich", "interact_cli.output")), (path, name)
            assert name not in ("interact_cli.cli", "interact_cli.outcome"), (path, name)


def test_the_renderers_do_not_reach_into_the_kernel_or_inputs():
    for path in (PACKAGE / "output").rglob("*.py"):
        for name in imports_of(path):
            assert not name.startswith(("interact_cli._core", "interact_cli.inputs")), (path, name)
            assert name not in ("interact_cli.engine", "interact_cli.frames"), (path, name)


# The library API (what cli.py calls) reaches inputs, the contract and the kernel only
# through the engine; the layers below never import the layers above them.
LIBRARY_API = {
    "__init__.py",
    "api.py",
    "comparing.py",
    "comparison.py",
    "exporting.py",
    "reporting.py",
    "result.py",
}
LIBRARY_API |= {"state.py", "validation.py"}
BELOW_THE_ENGINE = ("interact_cli.inputs", "interact_cli.remote", "interact_cli.contract")
ABOVE = (
    "interact_cli.api",
    "interact_cli.comparing",
    "interact_cli.comparison",
    "interact_cli.exporting",
    "interact_cli.reporting",
    "interact_cli.result",
    "interact_cli.state",
    "interact_cli.validation",
    "interact_cli.cli",
)


def test_the_library_api_goes_through_the_engine():
    for name in LIBRARY_API:
        for imported in imports_of(PACKAGE / name):
            assert not imported.startswith(BELOW_THE_ENGINE), (name, imported)
            assert imported != "interact_cli._core", (name, imported)


def test_only_the_command_line_and_the_renderers_import_the_renderers():
    for path in PACKAGE.rglob("*.py"):
        inside = path.name in CLI_SIDE or "output" in path.relative_to(PACKAGE).parts
        if not inside:
            assert not any(i.startswith("interact_cli.output") for i in imports_of(path)), path


def test_nothing_below_the_library_api_imports_it():
    for path in library_modules():
        if path.name in LIBRARY_API:
            continue
        for imported in imports_of(path):
            above = [m for m in ABOVE if imported == m or imported.startswith(m + ".")]
            assert not above, (path, imported)
