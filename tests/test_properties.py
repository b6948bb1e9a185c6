"""Property-based tests: mutated events never crash the tool and every line is counted."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interact_cli.generate import generate_lines
from interact_cli.validation import validate

from .conftest import documented_events
from .mutations import delete_at, encode, paths, replace_at
from .test_schema_parity import disagreements

BASES = documented_events()[:6] + [json.loads(line) for line in generate_lines(30, seed=4)]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def mutated_events(draw) -> bytes:
    """A valid event with a few random edits: deletions, replacements, byte damage."""
    doc = json.loads(json.dumps(draw(st.sampled_from(BASES))))
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(paths(doc)))
        if draw(st.booleans()) and where:
            doc = delete_at(doc, where)
        else:
            doc = replace_at(doc, where, draw(json_values))
    line = encode(doc)
    if draw(st.integers(0, 9)) == 0:  # sometimes damage the bytes themselves
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.binary(max_size=4)) + line[at + draw(st.integers(0, 3)) :]
    return line


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutated_events(), max_size=5))
def test_schema_agrees_with_validate_on_mutations(lines):
    disagreements(lines)  # asserts every disagreement is a named exception


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        mutated_events() | st.sampled_from([b"", b"  \t", b"\r", b"\xef\xbb\xbf", b"\xff"]),
        max_size=20,
    ),
    st.sampled_from([b"\n", b"\r\n"]),
    st.booleans(),
)
def test_every_line_is_counted_once(tmp_path_factory, lines, newline, final_newline):
    lines = [line.replace(b"\n", b"") for line in lines]
    data = newline.join(lines) + (newline if final_newline and lines else b"")
    path = tmp_path_factory.mktemp("prop") / "events.ndjson"
    path.write_bytes(data)
    result = validate([str(path)], max_problems=10_000)
    s = result.summary
    physical = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    assert s.lines == physical == s.valid + s.invalid + s.blank
    assert s.invalid == len({p.line for p in result.problems if p.severity == "error"})
