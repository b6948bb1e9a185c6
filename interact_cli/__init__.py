"""interact-cli: validate and report on 8.LYTICS v3 tracking-event exports (NDJSON)."""

__version__ = "0.4.0"
