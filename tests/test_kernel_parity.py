"""The kernel's rule book (Rust) against the test oracle (tests/oracle_contract.py).

For every line, the two must give the same verdict, the same codes at the same JSON
Pointers in the same order, and the same messages (but for invalid-json, whose reason
each words its own way). Lines: the catalogue's examples, the sample data and the
documented examples, and generated ones (hypothesis): valid events of every dialect
and event type, every kind of corruption, random field and byte mutations.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interact_cli import _core
from interact_cli.generate import broken_catalogue, generate_lines

from . import oracle_contract as oracle
from .conftest import DOCUMENTED, ROOT, SAMPLE
from .mutations import paths


def fast(examples: int) -> settings:
    return settings(
        max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


def comparable(result: tuple[bool, list[tuple[str, str, str]]]) -> tuple[bool, list[tuple]]:
    valid, findings = result
    return valid, [
        (code, path, "" if code == "invalid-json" else text) for code, path, text in findings
    ]


def assert_same(line: bytes) -> None:
    kernel = comparable(_core.check_line(line))
    valid, findings = oracle.check_line(line)
    expected = comparable((valid, findings[: oracle.MAX_FINDINGS]))  # the kernel's kept ones
    assert kernel == expected, f"line {line[:300]!r}"


def file_lines(path: Path) -> list[bytes]:
    """Non-blank line bodies of a file as the scanner cuts them."""
    return [body for body in oracle.file_lines(path.read_bytes()) if body.strip(b" \t")]


# --- fixed lines -----------------------------------------------------------------------


def test_the_oracle_has_the_kernels_limits():
    assert _core.MAX_DEPTH == oracle.MAX_DEPTH == 1000
    assert _core.MAX_VALUES == oracle.MAX_VALUES == 1_000_000
    assert _core.MAX_FINDINGS == oracle.MAX_FINDINGS == 100


def order_of(lines: str, padding: str = "") -> bytes:
    event = (
        '{"type":"order","order":{"id":"o","lines":['
        + lines
        + "]},"
        + padding
        + '"context":[{"type":"user","user":{"id":"u"}}]}'
    )
    return event.encode()


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        # 10 values around the order lines: 999,990 lines are the limit
        (order_of(",".join(["0"] * 999_990)), ["wrong-type"] * 100),
        (order_of(",".join(["0"] * 999_991)), ["too-many-values"]),
        (order_of("{}," * 999_999 + "{}"), ["too-many-values"]),
        # the limit is passed inside an array before a syntax error: the limit it is
        (order_of("{}," * 999_999 + "{}", padding="x"), ["too-many-values"]),
        # a syntax error first
        (b'{"a":[tru' + b",0" * 1_000_001 + b"]}", ["invalid-json"]),
        # nesting passes its limit before the values theirs
        (b"[" * 1001 + b"0" * 5, ["too-deep"]),
    ],
)
def test_the_value_limit_agrees_with_the_oracle(line, codes):
    kernel = comparable(_core.check_line(line))
    valid, findings = oracle.check_line(line)
    assert kernel == comparable((valid, findings[: oracle.MAX_FINDINGS]))
    assert [code for code, _, _ in kernel[1]] == codes


def test_a_line_keeps_its_first_100_findings_and_counts_the_rest(tmp_path):
    line = order_of(",".join(["{}"] * 1000))  # 3 findings an empty line
    valid, findings = _core.check_line(line)
    assert not valid and len(findings) == 100
    assert findings == oracle.check_line(line)[1][:100]
    path = tmp_path / "many.ndjson"
    path.write_bytes(line + b"\n")
    scan = _core.Scan(keep=10_000)
    scan.begin_file(str(path))
    scan.feed(path.read_bytes())
    scan.end_file()
    result = scan.result()
    assert len(result["problems"]) == 100
    by_code = {row["code"]: row["count"] for row in result["by_code"]}
    assert by_code == {"missing-field": 3000}


def test_a_code_first_met_past_a_lines_100_findings_is_counted_with_its_example():
    # 40 empty order lines (120 findings), then a line of an unknown currency: past 100.
    tail = '{"sku":"k","quantity":1,"grossPrice":{"amount":1,"currency":"EURO"}}'
    line = order_of(",".join(["{}"] * 40 + [tail]))
    for threads in (1, 2):
        scan = _core.Scan(keep=1000, threads=threads)
        scan.begin_file("a")
        scan.feed(line + b"\n" + line + b"\n")
        scan.end_file()
        by_code = {row["code"]: row for row in scan.result()["by_code"]}
        assert by_code["missing-field"]["count"] == 240
        assert by_code["unknown-currency"]["count"] == 2
        assert by_code["unknown-currency"]["first_line"] == 1
        assert "EURO" in by_code["unknown-currency"]["example"]


CATALOGUE = json.loads((ROOT / "interact_cli" / "problems.json").read_text("utf-8"))["problems"]


@pytest.mark.parametrize(
    "entry",
    [p for p in CATALOGUE if not p.get("example_is_sketch")],
    ids=lambda p: p["code"],
)
def test_catalogue_examples(entry):
    line = entry["example"].encode()
    assert_same(line)
    assert entry["code"] in [code for code, _, _ in oracle.check_line(line)[1]]


@pytest.mark.parametrize(
    "path",
    [*sorted(SAMPLE.glob("*.ndjson")), DOCUMENTED],
    ids=lambda p: p.name,
)
def test_files_line_by_line(path):
    lines = file_lines(path)
    assert lines
    for line in lines:
        assert_same(line)


def deep(depth: int, inner: bytes = b"0", objects: bool = False) -> bytes:
    """`depth` nested arrays (or objects) around `inner`."""
    if objects:
        return b'{"k":' * depth + inner + b"}" * depth
    return b"[" * depth + inner + b"]" * depth


@pytest.mark.parametrize(
    "line",
    [
        b"[[]]",
        deep(1000, b""),
        deep(1001, b""),
        deep(999, b"", objects=True),
        deep(1000, b"1", objects=True),
        deep(1001, b"1", objects=True),
        b'{"type":"view","pad":' + deep(999) + b"}",
        b'{"type":"view","pad":' + deep(1000) + b"}",
        b'{"type":"view","pad":' + deep(1000)[:-1] + b"}",  # truncated after the limit
        b"[1 " + deep(1000),  # a syntax error before the limit
        b'["\\ud800",' + deep(1000) + b"]",  # a lone surrogate before the limit
        b"[" + deep(1000, b'"\\ud800"') + b"]",  # ... after it
        b'["\xff",' + deep(1000) + b"]",  # invalid UTF-8 anywhere comes first
        b"[" * 1001 + b"]",
        b'"\\ud800"',
        b'"\\ud83d\\ude00"',
        b'"\\ud800\\ud800\\udc00"',
        b'{"\\udc00":1}',
        b'{"a":"\\ud800","a":"x"}',
        b'{"a":"x","a":"\\ud800"}',
        b"\xef\xbb\xbf{}",
        b"{}\x00",
        b'{"a":"\x00"}',
        b'{"a":"\\u0000"}',
        b"NaN",
        b"[-Infinity]",
        b"1e400",
        b"1" * 400,
        b" {} \r",
        b"",
        b"\t",
    ],
)
def test_edge_lines(line):
    assert_same(line)


ORDER = b'{"type":"order","userId":"u","context":[],"order":{"id":"o","lines":[{"sku":"k","quantity":%s,"grossPrice":{"amount":%s,"currency":"EUR"}}]}}'
INTERACT = b'{"type":"interact","userId":"u","context":[],"interact":{"type":"product","product":{"sku":"k"},"action":"%s"}}'


@pytest.mark.parametrize(
    "quantity",
    [
        b"0",
        b"-0",
        b"-0.0",
        b"-1",
        b"-1e-4",
        b"-0.0001",
        b"-9.999e-5",
        b"-1e15",
        b"-1e16",
        b"-123456789.125",
        b"-5e-324",
        b"1e-400",
        b"-1e-400",
        b"1.7976931348623157e308",
        b"1.7976931348623159e308",
        b"-1.7976931348623158e308",
        b"1" * 309,
        b"1" * 308 + b".9e0",
        b"0." + b"0" * 400 + b"1",
    ],
)
def test_numbers_in_read_fields(quantity):
    """Range and the Python float repr in messages (not-positive), both sides alike."""
    assert_same(ORDER % (quantity, b"1"))
    assert_same(ORDER % (b"1", quantity))


@pytest.mark.parametrize(
    "action",
    [
        *("Click", "CLICK", "c l i c k", "add_to_cart", "Add-To.Cart", "addtocart", "click"),
        *("addToCart", "clickk", "", "click\\u00a0", "\\u0043lick"),
        *("Clic\u212a", "cl\u0130ck", "add\u017fo", "\u00c0ddToCart"),  # raw UTF-8
    ],
)
def test_near_misses(action):
    assert_same(INTERACT % action.encode())


# --- generated lines -------------------------------------------------------------------


def _dialect(event: dict) -> int:
    if "userId" in event:
        return 1
    if any(item.get("type") == "content" for item in event["context"]):
        return 3
    return 2


def _bases() -> list[dict]:
    """Valid events, two of each (event type, dialect), and the documented examples."""
    picked: dict[tuple, list[dict]] = {}
    for line in generate_lines(600, seed=11):
        event = json.loads(line)
        group = picked.setdefault((event["type"], _dialect(event)), [])
        if len(group) < 2:
            group.append(event)
    documented = [json.loads(line) for line in file_lines(DOCUMENTED)]
    return [event for group in picked.values() for event in group] + documented


BASES = _bases()
KINDS = {(e["type"], _dialect(e)) for e in BASES if e.get("type") and "context" in e}
ORDERS = [e for e in BASES if e.get("type") == "order"]  # numbers: drawn more often
BROKEN = [b.line for b in broken_catalogue(7)]


def test_bases_cover_every_event_type_and_dialect():
    # Dialect 3 differs from 2 only in how the context names a set: interactions only.
    wanted = {
        (kind, dialect) for kind in ("interact", "view", "order", "api") for dialect in (1, 2)
    }
    assert wanted | {("interact", 3)} <= KINDS
    assert all(_core.check_line(emit(e))[0] for e in BASES[: len(BASES) - 7])


class Raw:
    """JSON text put into a line as it is (for what json.dumps will not write)."""

    def __init__(self, text: bytes) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text!r})"

    def __deepcopy__(self, memo: dict) -> Raw:
        return self


class Members(dict):
    """An object with more members after its dict ones (repeated keys, raw keys)."""

    extra: list[tuple[str | Raw, Any]]


def emit(value: Any, ascii_only: bool = True) -> bytes:
    """The JSON text of a value that may hold Raw parts and repeated keys."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        members = [*value.items(), *getattr(value, "extra", [])]
        return (
            b"{"
            + b",".join(emit_key(k, ascii_only) + b":" + emit(v, ascii_only) for k, v in members)
            + b"}"
        )
    if isinstance(value, list):
        return b"[" + b",".join(emit(item, ascii_only) for item in value) + b"]"
    return json.dumps(value, ensure_ascii=ascii_only, allow_nan=False).encode()


def emit_key(key: str | Raw, ascii_only: bool) -> bytes:
    return key.text if isinstance(key, Raw) else emit(key, ascii_only)


# Values that need Raw: huge numbers, lone surrogates, bad UTF-8, NUL, odd numbers.
SPECIAL = [
    Raw(b"1e400"),
    Raw(b"-1e400"),
    Raw(b"1E+309"),
    Raw(b"1" * 400),
    Raw(b"-" + b"9" * 400),
    Raw(b"1" * 400 + b".5"),
    Raw(b"1e-400"),
    Raw(b"-0"),
    Raw(b"-0.0"),
    Raw(b"0e0"),
    Raw(b"1.5e-7"),
    Raw(b"-1e16"),
    Raw(b"123456789012345678901234567890"),
    Raw(b'"\\ud800"'),
    Raw(b'"x\\udc00"'),
    Raw(b'"\\ud800\\u0041"'),
    Raw(b'"\\ud83d\\ude00"'),
    Raw(b'"\\uD83D\\uDE00"'),
    Raw(b'"\xff"'),
    Raw(b'"\xed\xa0\x80"'),
    Raw(b'"\xc3"'),
    Raw(b'"\xc3\xa9"'),
    Raw(b'"a\x00b"'),
    Raw(b'"a\\u0000b"'),
    Raw(b'"\x1f"'),
    Raw(b'"\x7f"'),
    Raw(b'"\xef\xbb\xbf"'),
    Raw(b'"cl\\u0069ck"'),
    Raw(b'"\\u0041dd_to_cart"'),
    Raw(b'"CLIC\xe2\x84\xaa"'),  # KELVIN SIGN: lower-cases to k
    Raw(b'"s\\/1"'),
    Raw(b"NaN"),
    Raw(b"Infinity"),
    Raw(b"01"),
    Raw(b"1."),
    Raw(b"tru"),
    Raw(b""),
]

KEYS = [
    "type",
    "id",
    "sku",
    "quantity",
    "amount",
    "currency",
    "setCompose",
    "userId",
    "context",
    "user",
    "action",
    "lines",
    "grossPrice",
    "extra",
    "timestamp",
    Raw(b'"t\\u0079pe"'),  # "type", escaped: a repeat the parser must see
    Raw(b'"\\u0069d"'),
    Raw(b'"\\ud800"'),
    Raw(b'"k\xff"'),
    Raw(b'"a\x00"'),
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["", "product", "setCompose", "query", "EUR", "XXX", "click", "Add-To-Cart"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=5,
)

odd_values = st.sampled_from(SPECIAL) | json_values


def _deep_value(draw) -> Raw:
    depth = draw(st.integers(990, 1002))
    return Raw(deep(depth, draw(st.sampled_from([b"0", b"", b'"\\ud800"'])), draw(st.booleans())))


def _get(doc: Any, path: tuple) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _as_members(doc: Any, path: tuple) -> tuple[Any, Members]:
    """The document, with the object at `path` made a Members that can take extra keys."""
    obj = _get(doc, path)
    if isinstance(obj, Members):
        return doc, obj
    members = Members(obj)
    members.extra = []
    return _replace(doc, path, members), members


# Fields the rules read, and values worth putting there besides the SPECIAL ones.
READ_KEYS = {"type", "id", "sku", "quantity", "amount", "currency", "action", "userId"}
READ_KEYS |= {"setCompose", "url", "user", "context", "lines", "grossPrice", "sourceIp"}
READ_VALUES = [
    "",
    0,
    -1,
    -0.0,
    -2.5e-7,
    1e300,
    "Click",
    "add to cart",
    "ADDTOCART",
    "navigateTo",
    "EURO",
    "product",
    "setCompose",
    "query",
    None,
    {},
    [],
]
CONTEXT_ITEMS = [
    {"type": "setCompose", "setCompose": {"id": "other-set"}},
    {"type": "content", "content": {"type": "setCompose", "setCompose": {"id": "set-2"}}},
    {"type": "content", "content": {"type": "banner"}},
    {"type": "user", "user": {"id": "other-user"}},
    {"type": "user", "user": {"id": ""}},
    {"type": "user"},
    {"type": "mystery"},
    {"type": "api", "api": {}},
    {"type": "api", "api": {"id": "a", "sourceIp": 1}},
    {"type": "page", "page": {}},
    {"type": "session", "session": {"id": "s"}},
    {"type": "widget", "widget": {"id": "w", "type": ""}},
    "user",
    None,
]


@st.composite
def field_mutations(draw) -> bytes:
    """A valid event with one to three edits of its fields."""
    doc = copy.deepcopy(draw(st.sampled_from(BASES) | st.sampled_from(ORDERS)))
    for _ in range(draw(st.integers(1, 3))):
        everywhere = paths(doc)
        inside = [p for p in everywhere if p] or everywhere
        where = draw(st.sampled_from(everywhere if draw(st.integers(0, 30)) == 0 else inside))
        # A read field, drawn by its name first so that rare ones (amount) come up.
        names = sorted({p[-1] for p in inside if p and p[-1] in READ_KEYS}) or [None]
        name = draw(st.sampled_from(names))
        read = [p for p in inside if p and p[-1] == name] or inside
        objects = [p for p in everywhere if isinstance(_get(doc, p), dict)]
        op = draw(st.integers(0, 10))
        if op == 0 and where:  # drop a key or item
            del _get(doc, where[:-1])[where[-1]]
        elif op == 1:  # another type or value
            doc = _replace(doc, where, draw(json_values))
        elif op == 2:  # a special value: huge number, surrogate, bad bytes, NUL ...
            doc = _replace(doc, where, draw(st.sampled_from(SPECIAL)))
        elif op == 3:
            doc = _replace(doc, where, "")
        elif op == 4 and objects:  # repeat a key: same value, or another
            at = draw(st.sampled_from(objects))
            doc, obj = _as_members(doc, at)
            if obj:
                key = draw(st.sampled_from(list(obj)))
                again = obj[key] if draw(st.booleans()) else draw(odd_values)
                obj.extra.append((key, again))
        elif op == 5 and objects:  # an extra (unread) or read key, maybe odd
            at = draw(st.sampled_from(objects))
            doc, obj = _as_members(doc, at)
            obj.extra.append((draw(st.sampled_from(KEYS)), draw(odd_values)))
        elif op == 6:
            doc = _replace(doc, where, _deep_value(draw))
        elif op == 7 and where and isinstance(_get(doc, where[:-1]), list):
            _get(doc, where[:-1]).append(draw(odd_values))
        elif op == 8:  # a read field: a special value (huge numbers first)
            doc = _replace(doc, draw(st.sampled_from(read)), draw(st.sampled_from(SPECIAL)))
        elif op == 9:  # a read field: a plausible wrong value
            value = copy.deepcopy(draw(st.sampled_from(READ_VALUES)))  # edited later
            doc = _replace(doc, draw(st.sampled_from(read)), value)
        elif op == 10 and isinstance(doc, dict) and isinstance(doc.get("context"), list):
            doc["context"].append(copy.deepcopy(draw(st.sampled_from(CONTEXT_ITEMS))))
            if draw(st.booleans()):
                doc["userId"] = draw(st.sampled_from(["other-user", "", 7]))
    return emit(doc, ascii_only=draw(st.booleans()))


def _replace(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


BYTES = [
    b'"',
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b" ",
    b"\t",
    b"\r",
    b"\n",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"\\ud800",
    b"\\u",
    b"1e400",
    b"-",
    b".",
    b"e",
    b"null",
    b"NaN",
]


@st.composite
def byte_mutations(draw) -> bytes:
    """A valid (or broken) line with a few bytes inserted, deleted or replaced."""
    if draw(st.integers(0, 4)) == 0:
        line = draw(st.sampled_from(BROKEN))
    else:
        line = emit(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(line)))
        cut = draw(st.integers(0, 3))
        new = draw(st.sampled_from(BYTES) | st.binary(max_size=3))
        op = draw(st.integers(0, 3))
        if op == 0:
            line = line[:at] + new + line[at:]
        elif op == 1:
            line = line[:at] + line[at + cut + 1 :]
        elif op == 2:
            line = line[:at] + new + line[at + cut :]
        else:
            line = line[:at]  # truncated
    return line


@st.composite
def framed(draw) -> bytes:
    """Valid and broken lines with whitespace around them, or a BOM before them."""
    line = draw(st.sampled_from([*(emit(e) for e in BASES[:8]), *BROKEN]))
    before = draw(st.sampled_from([b"", b" ", b"\t", b"\r", b"\xef\xbb\xbf", b"\x00"]))
    after = draw(st.sampled_from([b"", b" ", b"\t\r", b"\r", b"\x00", b"\n"]))
    return before + line + after


@fast(250)
@given(st.sampled_from(BASES).map(emit) | st.sampled_from(BROKEN) | framed())
def test_valid_and_broken_lines(line):
    assert_same(line)


@fast(1500)
@given(field_mutations())
def test_field_mutations(line):
    assert_same(line)


@fast(1000)
@given(byte_mutations())
def test_byte_mutations(line):
    assert_same(line)


@fast(300)
@given(json_values.map(lambda v: emit(v, ascii_only=False)) | st.binary(max_size=40))
def test_any_json_value_or_bytes(line):
    assert_same(line)


# --- whole files through the scanner ---------------------------------------------------


def kernel_file(data: bytes, cuts: list[int], threads: int, max_line: int | None):
    """The kernel's counts and problems of one file fed in pieces cut at `cuts`."""
    extra = {} if max_line is None else {"max_line": max_line}
    validator = _core.Scan(keep=100_000, threads=threads, **extra)
    validator.begin_file("f")
    start = 0
    for at in [*sorted(cuts), len(data)]:
        validator.feed(data[start:at])
        start = at
    validator.end_file()
    result = validator.result()
    problems = [(p["line"], p["code"], p["path"], p["message"]) for p in result["problems"]]
    return result["summary"], problems


def _without_json_reasons(problems: list[tuple]) -> list[tuple]:
    return [
        (n, code, path, "" if code == "invalid-json" else text) for n, code, path, text in problems
    ]


LINE_KINDS = (
    st.sampled_from(BASES).map(emit)
    | st.sampled_from(BROKEN)
    | field_mutations()
    | byte_mutations()
    | st.sampled_from(
        [b"", b" ", b"\t \t", b"\r", b" \r", b"\xef\xbb\xbf", b"\xef\xbb\xbf{}", b"\x00", b"\x0c"]
    )
)


@fast(150)
@given(
    st.lists(LINE_KINDS, max_size=12),
    st.sampled_from([b"\n", b"\r\n"]),
    st.booleans(),
    st.booleans(),
    st.lists(st.integers(0, 10_000), max_size=4),
    st.sampled_from([1, 2]),
    st.sampled_from([None, 40, 300, 2000]),
)
def test_files_through_the_scanner(lines, newline, bom, final_newline, cuts, threads, max_line):
    lines = [line.replace(b"\n", b" ") for line in lines]
    data = (b"\xef\xbb\xbf" if bom else b"") + newline.join(lines)
    if final_newline and lines:
        data += newline
    cuts = [min(at, len(data)) for at in cuts]
    summary, problems = kernel_file(data, cuts, threads, max_line)
    expected_summary, expected = oracle.check_file(data, max_line or oracle.MAX_LINE)
    assert summary == expected_summary, data[:300]
    assert _without_json_reasons(problems) == _without_json_reasons(expected), data[:300]
