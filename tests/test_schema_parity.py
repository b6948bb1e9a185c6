"""The published JSON Schema of the contract agrees with `validate` on every line.

The only allowed disagreements are the rules JSON Schema cannot express, each named
in the catalogue's schema exceptions (ambiguous-set, ambiguous-user, ...): there the schema accepts and
`validate` rejects.
"""

from __future__ import annotations

import json
import random
from collections import Counter

import jsonschema
import msgspec
import pytest

from interact_cli._core import check_line
from interact_cli.contract.schema import json_schema
from interact_cli.generate import broken_catalogue, generate_lines
from interact_cli.problems import problem_types, schema_exceptions

from .conftest import SAMPLE, documented_lines
from .mutations import encode, mutate

SCHEMA = jsonschema.Draft202012Validator(json_schema())
ALLOWED = set(schema_exceptions())
ERRORS = {t.code for t in problem_types() if t.severity == "error"}
JSON_SYNTAX = msgspec.json.Decoder(float_hook=str)  # strict RFC 8259, as the kernel's parser


def _reject_constant(name: str) -> None:
    raise ValueError(name)


def schema_verdict(line: bytes) -> bool | None:
    """True/False from the schema; None when the line is not JSON at all (invalid for both)."""
    try:
        JSON_SYNTAX.decode(line)
        document = json.loads(line, parse_constant=_reject_constant)
    except (ValueError, msgspec.MsgspecError, RecursionError):
        return None
    return SCHEMA.is_valid(document)


def disagreements(lines: list[bytes]) -> tuple[Counter, int]:
    """Codes of lines where the schema and `validate` disagree, and lines compared."""
    found: Counter = Counter()
    compared = 0
    for line in lines:
        valid, findings = check_line(line)
        expected = schema_verdict(line)
        if expected is None:
            assert not valid
            continue
        compared += 1
        if expected != valid:
            errors = {code for code, _, _ in findings if code in ERRORS}
            found[tuple(sorted(errors))] += 1
            assert expected and errors and errors <= ALLOWED, (line, errors)
    return found, compared


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(json_schema())


def test_documented_examples_agree():
    found, compared = disagreements(documented_lines())
    assert compared == 7 and not found


def test_sample_files_agree_except_named_rules():
    lines = [
        ln
        for path in ("events.ndjson", "broken.ndjson")
        for ln in (SAMPLE / path).read_bytes().removeprefix(b"\xef\xbb\xbf").splitlines()
        if ln.strip()
    ]
    found, compared = disagreements(lines)
    assert compared > 5000
    # duplicate-field: a key written twice, which a parsed document cannot show
    assert set(found) == {("ambiguous-set",), ("ambiguous-user",), ("duplicate-field",)}


def test_generated_good_and_mutated_corpus_agrees_except_named_rules():
    rng = random.Random(11)
    good = [json.loads(line) for line in generate_lines(1200, seed=9)]
    corpus = [encode(event) for event in good]
    corpus += [encode(mutate(rng.choice(good), rng)) for _ in range(1500)]
    corpus += [b.line for b in broken_catalogue()]
    found, compared = disagreements(corpus)
    assert compared >= 2000
    valid = sum(check_line(line)[0] for line in corpus)
    assert 1200 < valid < len(corpus) - 300  # both verdicts are well represented
    assert set(found) <= {("ambiguous-set",), ("ambiguous-user",)}


def _beyond_the_schema(code: str) -> bytes:
    """A line that breaks only the rule of `code`, which JSON Schema cannot see."""
    good = documented_lines()[0]
    if code == "duplicate-field":
        return good.replace(b'"type":"interact"', b'"type":"interact","type":"interact"', 1)
    if code == "out-of-range":  # each number fine, their product (1e13) too large
        line = {
            "sku": "k1",
            "quantity": 10_000_000,
            "grossPrice": {"amount": 1e6, "currency": "EUR"},
        }
        order = {"type": "order", "order": {"id": "o1", "lines": [line]}, "userId": "u1"}
        return json.dumps({**order, "context": [{"type": "user", "user": {"id": "u1"}}]}).encode()
    (line,) = [b.line for b in broken_catalogue() if b.code == code]
    return line


# too-deep, too-many-values and line-too-long are limits of the reader (tested in
# test_inputs and test_kernel_parity), beyond what JSON Schema can say.
LIMITS = {"line-too-long", "too-deep", "too-many-values"}


@pytest.mark.parametrize("code", sorted(ALLOWED - LIMITS))
def test_each_named_exception_really_is_beyond_the_schema(code):
    line = _beyond_the_schema(code)
    assert schema_verdict(line) is True
    valid, findings = check_line(line)
    assert not valid and [c for c, _, _ in findings] == [code]
