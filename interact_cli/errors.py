"""Errors the library raises for the CLI to turn into exit code 2 with one line on stderr."""


class InputError(Exception):
    """An input or output path cannot be used; the message names it and says why."""


class OptionError(ValueError):
    """An option value the library cannot work with (bad date, unknown field, ...)."""


def shortened(value: str, limit: int = 60) -> str:
    """An option value as a message shows it: at most `limit` characters."""
    return value if len(value) <= limit else value[: limit - 3] + "..."


class ClusterError(Exception):
    """The cluster cannot be used or was lost: one line, exit 2, and no partial numbers."""


class StateError(InputError):
    """A state file cannot be used (missing, corrupt, locked, or it cannot answer the
    options), or an input was ingested before: one line naming it, exit 2."""
