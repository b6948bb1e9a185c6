"""The one place that turns data into terminal text: control characters are shown escaped.

Set ids, SKUs, file names and messages come from the data. Raw, an ESC or CSI sequence can
clear the analyst's screen and an OSC sequence can retitle the terminal, so every C0 and C1
control character, DEL, the bidirectional marks that reorder what is shown, the invisible
ones that make two ids look the same (zero-width spaces and joiners, U+FEFF), and the
line and paragraph separators (U+2028, U+2029: a line break to some readers, a syntax
error in Vega's expressions) are written as escapes (`\\x1b`, `\\x9b`, `\\u202e`) in
tables, Markdown, chart labels and stderr messages; so are the bytes of a file name that
is not UTF-8 (`l\\xffatin.ndjson`), which Python holds as surrogate escapes.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with control characters shown as escapes; everything else unchanged."""
    return _UNSAFE.sub(_escape, text)


# An escape that `printable` writes, or any one character: what text is cut between.
_UNIT = re.compile(r"\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|.", re.DOTALL)


def printable_units(text: str) -> list[str]:
    """`printable(text)` as the pieces it may be cut between: whole escapes, characters."""
    return _UNIT.findall(printable(text))


def unique_prefix(ids: list[str], at_least: int = 8) -> int:
    """The shortest prefix length (at least `at_least`, for readability) that keeps
    `ids` apart: how set ids are shortened in tables and on chart axes."""
    length = at_least
    while length < max(map(len, ids), default=0) and len({i[:length] for i in ids}) < len(set(ids)):
        length += 1
    return length
