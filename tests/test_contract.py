"""Library tests of the event contract in the kernel: dialects, every problem code, paths."""

from __future__ import annotations

import json

import pytest

from interact_cli._core import check_line
from interact_cli.generate import broken_catalogue
from interact_cli.problems import problem_types
from interact_cli.reporting import ReportOptions, build_report

from .conftest import documented_lines

WARNING_CODES = {t.code for t in problem_types() if t.severity == "warning"}


def codes(line: bytes) -> list[str]:
    return [code for code, _, _ in check_line(line)[1]]


def where(line: bytes) -> list[tuple[str, str]]:
    return [(code, path) for code, path, _ in check_line(line)[1]]


def report_of(tmp_path, *lines: bytes) -> dict:
    path = tmp_path / "e.ndjson"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return build_report([str(path)], ReportOptions()).to_dict()


def test_documented_lines_1_to_6_are_clean_and_line_7_is_invalid_under_view():
    lines = documented_lines()
    for line in lines[:6]:
        assert check_line(line) == (True, [])
    valid, _ = check_line(lines[6])
    assert not valid
    assert where(lines[6]) == [("missing-field", "/view/setCompose")]


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
def test_each_context_dialect_yields_the_set_and_the_user(tmp_path, index, set_id, user):
    line = documented_lines()[index]
    other_user = line.replace(user.encode(), b"someone-else")
    got = report_of(tmp_path, line, line, other_user)
    assert [(r["set_id"], r["interactions"], r["users"]) for r in got["sets"]] == [(set_id, 3, 2)]
    assert [r["sku"] for r in got["products"]] == ["654321-7890"]


def test_interaction_without_action_is_valid_with_no_named_action(tmp_path):
    got = report_of(tmp_path, documented_lines()[3])
    assert got["sets"][0]["other"] == 1 and got["summary"]["unattributed"] == 0


def test_order_lines_count_for_the_set_carted_before(tmp_path):
    cart = json.loads(documented_lines()[0])
    cart["interact"]["action"] = "addToCart"
    got = report_of(tmp_path, json.dumps(cart).encode(), documented_lines()[5])
    assert got["sets"][0]["ordered"] == 1
    assert got["sets"][0]["order_revenue"] == {"EUR": 59.9}


CATALOGUE = broken_catalogue()


@pytest.mark.parametrize("broken", CATALOGUE, ids=[b.label for b in CATALOGUE])
def test_catalogue_line_gets_its_verdict_and_code(broken):
    valid, _ = check_line(broken.line)
    assert ("valid" if valid else "invalid") == broken.verdict
    assert broken.code in codes(broken.line)


def test_every_rule_code_is_exercised_by_the_broken_catalogue():
    # Codes added with the kernel have their sample lines apart from the catalogue's
    # (generate._rules_and_limits, limit_lines): tests/test_sample_data checks them all.
    newer = {"too-deep", "too-many-values", "line-too-long", "duplicate-field", "out-of-range"}
    assert {b.code for b in CATALOGUE} == {t.code for t in problem_types()} - newer


def test_warning_codes_never_make_a_line_invalid():
    for broken in CATALOGUE:
        if broken.code in WARNING_CODES:
            assert check_line(broken.line)[0], broken.label


def event(**changes) -> bytes:
    base = json.loads(documented_lines()[0])
    base.update(changes)
    return json.dumps(base).encode()


def test_wrong_json_types_are_errors_never_coerced():
    line = event(interact={"type": "product", "product": {"sku": 5}})
    assert not check_line(line)[0]
    assert where(line) == [("wrong-type", "/interact/product/sku")]


def test_boolean_is_not_a_number():
    order = json.loads(documented_lines()[5])
    order["order"]["lines"][0]["quantity"] = True
    assert where(json.dumps(order).encode()) == [("wrong-type", "/order/lines/0/quantity")]


def test_extra_fields_anywhere_are_allowed():
    base = json.loads(documented_lines()[0])
    base["eventId"] = "e-1"
    base["interact"]["product"]["name"] = "Shirt"
    base["context"][1]["user"]["segment"] = 3
    assert check_line(json.dumps(base).encode()) == (True, [])


@pytest.mark.parametrize(
    "action", ["addtocart", "add_to_cart", "Add-To-Cart", "CLICK", "Click", "add to cart"]
)
def test_near_misses_name_the_canonical_spelling_and_stay_valid(action):
    valid, findings = check_line(
        event(interact={"type": "product", "action": action, "product": {"sku": "a"}})
    )
    assert valid
    ((code, path, message),) = findings
    assert code == "action-near-miss" and path == "/interact/action"
    canonical = "addToCart" if "add" in action.lower() else "click"
    assert f'"{canonical}"' in message


@pytest.mark.parametrize("action", ["click", "addToCart", "navigateTo", "share", "zoom"])
def test_other_actions_are_not_near_misses(action):
    assert (
        codes(event(interact={"type": "product", "action": action, "product": {"sku": "a"}})) == []
    )


def test_the_same_set_twice_in_two_dialects_is_not_ambiguous(tmp_path):
    base = json.loads(documented_lines()[0])
    set_id = base["context"][0]["setCompose"]["id"]
    base["context"].append(
        {"type": "content", "content": {"type": "setCompose", "setCompose": {"id": set_id}}}
    )
    line = json.dumps(base).encode()
    assert check_line(line) == (True, [])
    assert [r["set_id"] for r in report_of(tmp_path, line)["sets"]] == [set_id]


def test_user_mismatch_uses_the_context_user(tmp_path):
    assert codes(event(userId="other")) == ["user-mismatch"]
    got = report_of(tmp_path, event(userId="other"), documented_lines()[0])
    assert got["summary"]["users"] == 1


def test_api_context_item_with_payload_needs_an_id():
    base = json.loads(documented_lines()[1])
    base["context"][1]["api"] = {"sourceIp": "1.2.3.4"}
    assert where(json.dumps(base).encode()) == [("missing-field", "/context/1/api/id")]


def test_arguments_must_be_an_object():
    line = {
        "type": "api",
        "context": [],
        "userId": "u",
        "api": {"type": "setCompose", "action": "query", "arguments": 1},
    }
    assert where(json.dumps(line).encode()) == [("wrong-type", "/api/arguments")]


def test_time_field_may_not_be_a_contract_field(tmp_path):
    from interact_cli.errors import OptionError

    with pytest.raises(OptionError, match="context"):
        report_of_time_field = ReportOptions(time_field="context")
        build_report([str(tmp_path)], report_of_time_field)
