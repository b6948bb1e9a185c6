"""Library tests of the event contract: dialects, every problem code, fast vs full path."""

from __future__ import annotations

import json

import pytest

from interact_cli.contract import EventDecoder
from interact_cli.generate import broken_catalogue, generate_lines
from interact_cli.problems import WARNING_CODES, Code

from .conftest import documented_lines

decoder = EventDecoder()


def codes(line: bytes) -> list[str]:
    return [f.code for f in decoder.decode(line).findings]


def test_documented_lines_1_to_6_are_clean_and_line_7_is_invalid_under_view():
    lines = documented_lines()
    for line in lines[:6]:
        decoded = decoder.decode(line)
        assert decoded.is_valid and list(decoded.findings) == []
    last = decoder.decode(lines[6])
    assert not last.is_valid
    assert [(f.code, f.path) for f in last.findings] == [("missing-field", "/view/setCompose")]


@pytest.mark.parametrize(
    ("index", "set_id", "user"),
    [
        (
            1,
            "1b3de0bd-95c6-435a-8bb9-f4cae0160388",
            "c57a43f7-eefc-462b-b5a8-0ef421e90f67",
        ),  # oldest
        (0, "1b3de0bd-95c6-435a-8bb9-f4cae0160388", "c57a43f7-eefc-462b-b5a8-0ef421e90f67"),  # seed
        (
            2,
            "f0db275c-f7ef-4a2c-8704-f51318c261ba",
            "c57a43f7-eefc-462b-b5a8-0ef421e90f67",
        ),  # newest
    ],
    ids=["oldest-userId-and-api", "seed-setCompose-and-user", "newest-content-wrapped"],
)
def test_each_context_dialect_yields_the_set_and_the_user(index, set_id, user):
    facts = decoder.decode(documented_lines()[index]).facts
    assert (facts.kind, facts.set_id, facts.user, facts.sku) == (
        "interact",
        set_id,
        user,
        "654321-7890",
    )


def test_interaction_without_action_is_valid_with_no_named_action():
    facts = decoder.decode(documented_lines()[3]).facts
    assert facts.action is None and facts.set_id is not None


def test_order_facts_carry_lines():
    facts = decoder.decode(documented_lines()[5]).facts
    assert facts.order_id == "o-1001"
    assert [(ln.sku, ln.quantity, ln.amount, ln.currency) for ln in facts.lines] == [
        ("654321-7890", 1.0, 59.9, "EUR")
    ]


CATALOGUE = broken_catalogue()


@pytest.mark.parametrize("broken", CATALOGUE, ids=[b.label for b in CATALOGUE])
def test_catalogue_line_gets_its_verdict_and_code(broken):
    decoded = decoder.decode(broken.line)
    assert ("valid" if decoded.is_valid else "invalid") == broken.verdict
    assert broken.code in codes(broken.line)


def test_every_problem_code_is_exercised_by_the_catalogue():
    assert {b.code for b in CATALOGUE} == {c.value for c in Code}


def test_warning_codes_never_make_a_line_invalid():
    for broken in CATALOGUE:
        if broken.code in WARNING_CODES:
            assert decoder.decode(broken.line).is_valid, broken.label


def event(**changes) -> bytes:
    base = json.loads(documented_lines()[0])
    base.update(changes)
    return json.dumps(base).encode()


def test_wrong_json_types_are_errors_never_coerced():
    line = event(interact={"type": "product", "product": {"sku": 5}})
    decoded = decoder.decode(line)
    assert not decoded.is_valid
    assert [(f.code, f.path) for f in decoded.findings] == [("wrong-type", "/interact/product/sku")]


def test_boolean_is_not_a_number():
    order = json.loads(documented_lines()[5])
    order["order"]["lines"][0]["quantity"] = True
    decoded = decoder.decode(json.dumps(order).encode())
    assert [(f.code, f.path) for f in decoded.findings] == [
        ("wrong-type", "/order/lines/0/quantity")
    ]


def test_extra_fields_anywhere_are_allowed():
    base = json.loads(documented_lines()[0])
    base["eventId"] = "e-1"
    base["interact"]["product"]["name"] = "Shirt"
    base["context"][1]["user"]["segment"] = 3
    assert decoder.decode(json.dumps(base).encode()) == decoder.decode(documented_lines()[0])


@pytest.mark.parametrize(
    "action", ["addtocart", "add_to_cart", "Add-To-Cart", "CLICK", "Click", "add to cart"]
)
def test_near_misses_name_the_canonical_spelling_and_stay_valid(action):
    decoded = decoder.decode(
        event(interact={"type": "product", "action": action, "product": {"sku": "a"}})
    )
    assert decoded.is_valid and decoded.facts.action == action
    (finding,) = decoded.findings
    assert finding.code == "action-near-miss" and finding.path == "/interact/action"
    canonical = "addToCart" if "add" in action.lower() else "click"
    assert f'"{canonical}"' in finding.message


@pytest.mark.parametrize("action", ["click", "addToCart", "navigateTo", "share", "zoom"])
def test_other_actions_are_not_near_misses(action):
    assert (
        codes(event(interact={"type": "product", "action": action, "product": {"sku": "a"}})) == []
    )


def test_the_same_set_twice_in_two_dialects_is_not_ambiguous():
    base = json.loads(documented_lines()[0])
    set_id = base["context"][0]["setCompose"]["id"]
    base["context"].append(
        {"type": "content", "content": {"type": "setCompose", "setCompose": {"id": set_id}}}
    )
    decoded = decoder.decode(json.dumps(base).encode())
    assert decoded.is_valid and decoded.findings == () and decoded.facts.set_id == set_id


def test_user_mismatch_uses_the_context_user():
    decoded = decoder.decode(event(userId="other"))
    assert decoded.facts.user == "c57a43f7-eefc-462b-b5a8-0ef421e90f67"
    assert codes(event(userId="other")) == ["user-mismatch"]


def test_api_context_item_with_payload_needs_an_id():
    base = json.loads(documented_lines()[1])
    base["context"][1]["api"] = {"sourceIp": "1.2.3.4"}
    assert [(f.code, f.path) for f in decoder.decode(json.dumps(base).encode()).findings] == [
        ("missing-field", "/context/1/api/id")
    ]


def test_json_pointer_escapes_slash_and_tilde_in_keys():
    from interact_cli.contract.diagnose import diagnose

    _, findings = diagnose(
        {
            "type": "api",
            "context": [],
            "userId": "u",
            "api": {"type": "setCompose", "action": "query", "arguments": 1},
        }
    )
    assert [(f.code, f.path) for f in findings] == [("wrong-type", "/api/arguments")]


def test_fast_path_declines_nothing_clean_in_a_generated_export():
    lines = list(generate_lines(2000, seed=3))
    full = [decoder.diagnose(line) for line in lines]
    fast = [decoder.decode(line) for line in lines]
    assert [(d.facts, list(d.findings)) for d in fast] == [
        (d.facts, list(d.findings)) for d in full
    ]
    clean = sum(1 for d in full if not d.findings)
    assert clean > 1900
    fast_taken = sum(1 for line in lines if decoder.fast_facts(line) is not None)
    assert fast_taken == clean  # every clean line is recognised by the fast path


def test_time_field_is_carried_in_facts():
    line = event(timestamp="2026-10-01T10:00:00Z")
    assert decoder.decode(line).facts.time == "2026-10-01T10:00:00Z"
    assert decoder.diagnose(line).facts.time == "2026-10-01T10:00:00Z"


def test_time_field_may_not_be_a_contract_field():
    with pytest.raises(ValueError, match="context"):
        EventDecoder(time_fields=("context",))
