"""Process exit codes, one place for all of them (documented in README)."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit status of the tool (the README's table lists the same)."""

    OK = 0
    """Every line valid (and no warning under --strict)."""
    INVALID_DATA = 1
    """At least one invalid line, or a warning under --strict, or --fail-on-invalid; or,
    with compare --fail-on-change, a row flagged up or down."""
    USAGE_OR_INPUT = 2
    """Bad options, or an input that cannot be read (missing, directory, corrupt archive)."""
    INTERNAL = 3
    """A bug in interact-cli: please report it with the --debug traceback."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C (SIGINT)."""
    TERMINATED = 143
    """Stopped with SIGTERM (128 + 15, as a shell reports it); temporary files are removed."""
