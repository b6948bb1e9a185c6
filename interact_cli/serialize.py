"""JSON and CSV text, from plain data or straight from a report's frames.

A report's JSON is written from the frames' columns: each row's JSON text is made by
Polars expressions (no Python object per cell), and msgspec indents it. The text is the
same, byte for byte, as msgspec's encoding of the rows as Python dicts (the slow path
kept for a document that cannot be UTF-8): Polars writes strings and floats as msgspec
does, except the `+` of a positive exponent, which is taken out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

CHUNK_ROWS = 20_000  # rows made into text at a time: bounds the memory of a huge table


def utf8_name(name: str) -> str:
    """A file name as UTF-8 text (Polars, Parquet) can hold it: bytes that are not UTF-8
    (kept by Python as surrogate escapes) written as \\xNN, as the terminal shows them."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def to_json(document: Any) -> bytes:
    """One JSON document, indented, in UTF-8, ending in a newline.

    A file name that is not UTF-8 (Python holds its bytes as surrogate escapes) cannot be
    UTF-8: then the whole document is written in ASCII, every other character as a \\u
    escape and each such byte as \\udcXX, which Python's json reads back to the same
    name (os.fsencode gives its bytes)."""
    import msgspec

    # msgspec writes the same JSON as json.dumps (shortest round-trip floats), ~10x faster;
    # kept as bytes to the end (decoding a 20 MB trend and encoding it again cost 20 ms).
    try:
        return msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"
    except UnicodeEncodeError:
        import json

        return json.dumps(document, indent=2, ensure_ascii=True).encode() + b"\n"


def compact_json(document: Any) -> str:
    """One JSON document on one line (for a page to carry); in ASCII, as `to_json` does,
    when it cannot be UTF-8."""
    import msgspec

    try:
        return msgspec.json.encode(document).decode()
    except UnicodeEncodeError:
        import json

        return json.dumps(document, ensure_ascii=True)


def _string(expr: pl.Expr) -> pl.Expr:
    """A string column as JSON text (Polars escapes strings as msgspec does)."""
    import polars as pl

    encoded = pl.struct(expr.alias("k")).struct.json_encode()
    return encoded.str.strip_prefix('{"k":').str.strip_suffix("}")


def _value(expr: pl.Expr, dtype: Any) -> pl.Expr:
    """A column's values as JSON text (`dtype`: a Polars data type, class or instance):
    null, numbers, true/false, strings, mappings."""
    import polars as pl

    if dtype == pl.String:
        return _string(expr)
    if dtype == pl.Boolean:
        return pl.when(expr).then(pl.lit("true")).when(expr.not_()).then(pl.lit("false"))
    if dtype.is_float():
        # NaN and infinities are null in msgspec's JSON; `1e+16` is `1e16`.
        text = expr.cast(pl.String).str.replace("e+", "e", literal=True)
        return pl.when(expr.is_finite()).then(text)
    if dtype.is_integer():
        return expr.cast(pl.String)
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
        # A mapping kept as a list of (key, value) structs, in key order.
        key, value = dtype.inner.fields
        element = pl.element().struct
        pair = pl.concat_str(
            [
                _string(element.field(key.name)),
                pl.lit(":"),
                _value(element.field(value.name), value.dtype).fill_null("null"),
            ]
        )
        joined = expr.list.eval(pair).list.join(",")
        return pl.concat_str([pl.lit("{"), joined, pl.lit("}")])
    raise TypeError(f"no JSON text for a column of {dtype}")


def row_text(frame: pl.DataFrame) -> pl.Expr:
    """An expression giving each row of `frame` as one compact JSON object."""
    import msgspec
    import polars as pl

    parts: list[pl.Expr] = []
    for number, (name, dtype) in enumerate(frame.schema.items()):
        key = ("{" if number == 0 else ",") + msgspec.json.encode(name).decode() + ":"
        parts += [pl.lit(key), _value(pl.col(name), dtype).fill_null("null")]
    if not parts:
        parts = [pl.lit("{")]
    return pl.concat_str([*parts, pl.lit("}")])


def _nested(text: bytes) -> bytes:
    """Indented JSON moved one level in (JSON text holds no raw newline in a string)."""
    return text.replace(b"\n", b"\n  ")


def rows_json(frame: pl.DataFrame) -> Iterator[bytes]:
    """A table as the indented JSON list of its rows, at the document's second level, in
    pieces of CHUNK_ROWS rows."""
    import msgspec

    if frame.height == 0:
        yield b"[]"
        return
    text = row_text(frame)
    yield b"["
    for start in range(0, frame.height, CHUNK_ROWS):
        rows = frame.slice(start, CHUNK_ROWS).select(text.str.join(",")).item()
        listed = msgspec.json.format(b"[" + rows.encode() + b"]", indent=2)
        # "[\n  {...},\n  {...}\n]" without its brackets, one level further in.
        yield (b"," if start else b"") + _nested(listed[1:-2])
    yield b"\n  ]"


def document_json(summary: dict[str, Any], tables: dict[str, pl.DataFrame]) -> Iterator[bytes]:
    """The report's JSON document in pieces: the summary, then each table by name."""
    import msgspec

    yield b'{\n  "summary": '
    yield _nested(msgspec.json.format(msgspec.json.encode(summary), indent=2))
    for name, frame in tables.items():
        yield b",\n  " + msgspec.json.encode(name) + b": "
        yield from rows_json(frame)
    yield b"\n}\n"


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):  # as in JSON, not Python's True/False
        return "true" if value else "false"
    return value


# A text cell beginning so is a formula to a spreadsheet (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _defused(cell: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, behind an apostrophe (which
    spreadsheets show as text); numbers as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def to_csv(
    columns: Sequence[str], rows: Sequence[dict[str, Any]], raw: bool = False, header: bool = True
) -> str:
    """CSV with a header row (unless not `header`); null values are empty cells. Text cells
    that a spreadsheet would run as a formula get a leading apostrophe, unless `raw`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # With "\n" as the line end, csv quotes a field with "\n" but not one with a bare
    # "\r", which readers take as a line end too: such rows are quoted whole.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    lines = ([list(columns)] if header else []) + [
        [_csv_cell(row.get(c)) for c in columns] for row in rows
    ]
    for cells in lines:
        if not raw:
            cells = [_defused(cell) for cell in cells]
        has_cr = any(isinstance(cell, str) and "\r" in cell for cell in cells)
        (quoted if has_cr else writer).writerow(cells)
    return buffer.getvalue()
