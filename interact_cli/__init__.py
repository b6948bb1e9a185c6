"""interact-cli: validate and report on 8.LYTICS v3 tracking-event exports (NDJSON).

The Python API (docs/api.md): `report(inputs, **options) -> Report`,
`validate(inputs, **options) -> Validation`, `compare(...) -> Comparison`,
`export(inputs, output, **options)` (Parquet), and
`ingest(inputs, state)` with `describe_state(state)` for state files. Importing the
package loads neither Polars nor the native kernel: each name is loaded when it is
first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.4.0"

if TYPE_CHECKING:
    from interact_cli.api import (
        compare,
        describe_state,
        export,
        ingest,
        report,
        validate,
    )
    from interact_cli.comparison import Comparison
    from interact_cli.errors import ClusterError, InputError, OptionError, StateError
    from interact_cli.result import Report
    from interact_cli.validation import Validation

_HOMES = {
    "report": "interact_cli.api",
    "validate": "interact_cli.api",
    "Validation": "interact_cli.validation",
    "ingest": "interact_cli.api",
    "describe_state": "interact_cli.api",
    "compare": "interact_cli.api",
    "export": "interact_cli.api",
    "Comparison": "interact_cli.comparison",
    "StateError": "interact_cli.errors",
    "Report": "interact_cli.result",
    "OptionError": "interact_cli.errors",
    "InputError": "interact_cli.errors",
    "ClusterError": "interact_cli.errors",
}
__all__ = [
    "ClusterError",
    "Comparison",
    "InputError",
    "OptionError",
    "Report",
    "StateError",
    "Validation",
    "__version__",
    "compare",
    "describe_state",
    "export",
    "ingest",
    "report",
    "validate",
]


def __getattr__(name: str) -> Any:
    """The API's names, each imported when first used (keeps `import interact_cli` light)."""
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'interact_cli' has no attribute {name!r}")
