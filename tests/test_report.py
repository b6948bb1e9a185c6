"""Library tests of `report`: every number against the plain-Python oracle, and each rule."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interact_cli.errors import OptionError
from interact_cli.generate import broken_catalogue
from interact_cli.reporting import ReportOptions, build_report

from .conftest import SAMPLE
from .oracle import comparable, oracle_report

BROKEN = [b.line for b in broken_catalogue()]


def run(
    tmp_path,
    lines: list[bytes] | bytes,
    options: ReportOptions | None = None,
    name: str = "e.ndjson",
):
    path = tmp_path / name
    path.write_bytes(
        lines if isinstance(lines, bytes) else b"".join(line + b"\n" for line in lines)
    )
    return build_report([str(path)], options or ReportOptions()).to_dict()


@pytest.fixture(params=[4 << 20, 333], ids=["one-chunk", "many-chunks"])
def chunk(request):
    """Run each oracle test with the input in one chunk and in many small ones."""
    return request.param


def test_sample_files_match_the_oracle_exactly(chunk):
    paths = [SAMPLE / "events.ndjson", SAMPLE / "broken.ndjson"]
    got = build_report([str(p) for p in paths], ReportOptions(), chunk_bytes=chunk).to_dict()
    assert comparable(got) == oracle_report([p.read_bytes() for p in paths])
    assert got["summary"]["invalid"] == 20 and got["summary"]["sets"] == 46


# --- random corpora: all dialects, broken lines mixed in -------------------------------------

SETS, SKUS, USERS = ["s-1", "s-2", "s-3"], ["p-1", "p-2", "p-3", "p-4"], ["u-1", "u-2", "u-3"]
ACTIONS = [None, "click", "addToCart", "navigateTo", "share", "addtocart", "Click"]


@st.composite
def contexts(draw, set_id):
    user = draw(st.sampled_from(USERS))
    dialect = draw(st.sampled_from([1, 2, 3]))
    items, top = [], {}
    if set_id is not None:
        items.append(
            {"type": "content", "content": {"type": "setCompose", "setCompose": {"id": set_id}}}
            if dialect == 3
            else {"type": "setCompose", "setCompose": {"id": set_id}}
        )
    if dialect == 1:
        top["userId"] = user
        items.append({"type": "api"})
    else:
        items.append({"type": "user", "user": {"id": user}})
    return items, top


@st.composite
def events(draw, timed: bool):
    kind = draw(st.sampled_from(["interact", "interact", "view", "order", "api"]))
    set_id = draw(st.sampled_from([*SETS, None]))
    context, top = draw(contexts(set_id if kind == "interact" else None))
    if kind == "interact":
        body = {"type": "product", "product": {"sku": draw(st.sampled_from(SKUS))}}
        action = draw(st.sampled_from(ACTIONS))
        if action is not None:
            body["action"] = action
    elif kind == "view":
        body = {"type": "setCompose", "setCompose": None if set_id is None else {"id": set_id}}
    elif kind == "order":
        lines = draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "sku": st.sampled_from(SKUS),
                        "quantity": st.integers(1, 3),
                        "grossPrice": st.fixed_dictionaries(
                            {
                                "amount": st.sampled_from([9.99, 19.9, 0.1, 100]),
                                "currency": st.sampled_from(["EUR", "CHF"]),
                            }
                        ),
                    }
                ),
                min_size=1,
                max_size=3,
            )
        )
        body = {"id": "o", "lines": lines}
    else:
        body = {"type": "setCompose", "action": "query"}
    event = {"type": kind, kind: body, "context": context, **top}
    if timed:
        stamp = draw(
            st.one_of(
                st.integers(1, 40).map(lambda m: f"2026-10-01T10:{m:02d}:00Z"),
                st.just("garbage"),
                st.none(),
            )
        )
        if stamp is not None:
            event["timestamp"] = stamp
    return json.dumps(event).encode()


@st.composite
def corpora(draw, timed: bool):
    lines = draw(
        st.lists(st.one_of(events(timed), st.sampled_from([*BROKEN[:6], b"", b"  "])), max_size=40)
    )
    return lines


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=corpora(timed=False))
def test_random_corpora_in_file_order_match_the_oracle(tmp_path_factory, chunk, lines):
    path = tmp_path_factory.mktemp("r") / "e.ndjson"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    got = build_report([str(path)], ReportOptions(), chunk_bytes=chunk).to_dict()
    assert comparable(got) == oracle_report([path.read_bytes()])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=corpora(timed=True),
    window=st.sampled_from(
        [(None, None), ("2026-10-01T10:10:00Z", None), (None, "2026-10-01T10:20:00Z")]
    ),
)
def test_random_timed_corpora_and_windows_match_the_oracle(tmp_path_factory, chunk, lines, window):
    path = tmp_path_factory.mktemp("r") / "e.ndjson"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    since, until = window
    options = ReportOptions(since=since, until=until)
    got = build_report([str(path)], options, chunk_bytes=chunk).to_dict()
    assert comparable(got) == oracle_report([path.read_bytes()], since=since, until=until)


# --- specific rules ------------------------------------------------------------------------


def interact(set_id, sku, user, action=None, stamp=None) -> bytes:
    body = {"type": "product", "product": {"sku": sku}}
    if action:
        body["action"] = action
    event = {
        "type": "interact",
        "interact": body,
        "context": [{"type": "user", "user": {"id": user}}],
    }
    if set_id:
        event["context"].append({"type": "setCompose", "setCompose": {"id": set_id}})
    if stamp:
        event["timestamp"] = stamp
    return json.dumps(event).encode()


def view(set_id, user="u", stamp=None) -> bytes:
    event = {
        "type": "view",
        "view": {"type": "setCompose", "setCompose": {"id": set_id}},
        "context": [{"type": "user", "user": {"id": user}}],
    }
    if stamp:
        event["timestamp"] = stamp
    return json.dumps(event).encode()


def order(user, sku, amount=10.0, quantity=2, currency="EUR", stamp=None) -> bytes:
    line = {
        "sku": sku,
        "quantity": quantity,
        "grossPrice": {"amount": amount, "currency": currency},
    }
    event = {
        "type": "order",
        "order": {"id": "o", "lines": [line]},
        "context": [{"type": "user", "user": {"id": user}}],
    }
    if stamp:
        event["timestamp"] = stamp
    return json.dumps(event).encode()


def test_empty_input_gives_empty_tables(tmp_path):
    doc = run(tmp_path, b"")
    assert doc["sets"] == doc["products"] == doc["set_products"] == []
    assert doc["summary"]["lines"] == 0 and doc["summary"]["users"] == 0


def test_only_invalid_lines_gives_empty_tables_and_counts_them(tmp_path):
    doc = run(tmp_path, BROKEN[:5])
    assert doc["summary"]["invalid"] == 5 and doc["summary"]["valid"] == 0
    assert doc["sets"] == []


def test_only_views_gives_sets_with_null_rates(tmp_path):
    doc = run(tmp_path, [view("s"), view("s")])
    (row,) = doc["sets"]
    assert row["views"] == 2 and row["interactions"] == 0 and row["ctr"] == 0.0
    # 0 clicks of 2 views: the interval starts at 0 exactly; no clicks: no cart rate.
    assert row["ctr_low"] == 0.0 and row["ctr_high"] > 1
    assert row["cart_per_click"] is row["cart_per_click_low"] is row["cart_per_click_high"] is None
    assert row["low_sample"] is True and row["ordered"] == 0 and row["order_revenue"] == {}


def test_a_set_without_views_has_a_null_ctr(tmp_path):
    (row,) = run(tmp_path, [interact("s", "p", "u", "click")])["sets"]
    assert row["ctr"] is None and row["cart_per_click"] == 0.0


def test_buckets_near_misses_and_no_action_count_as_other(tmp_path):
    lines = [interact("s", "p", "u", a) for a in ("click", "addToCart", "addtocart", None, "like")]
    (row,) = run(tmp_path, lines)["set_products"]
    assert (row["click"], row["addToCart"], row["other"], row["interactions"]) == (1, 1, 3, 5)


def test_unattributed_interactions_count_for_products_not_sets(tmp_path):
    doc = run(tmp_path, [interact(None, "p", "u", "click"), interact("s", "p", "v", "click")])
    assert doc["summary"]["unattributed"] == 1
    assert (
        doc["products"][0]["click"] == 2
        and doc["products"][0]["sets"] == 1
        and doc["products"][0]["users"] == 2
    )
    assert doc["sets"][0]["click"] == 1


def test_order_attribution_in_file_order(tmp_path):
    lines = [
        order("u", "p"),  # before any add-to-cart: not attributed
        interact("s", "p", "u", "addToCart"),
        interact("t", "p", "u", "addToCart"),
        order("u", "p", amount=10.5, quantity=2),  # both sets had an earlier add-to-cart
        order("v", "p"),  # another user: not attributed
        interact("s", "q", "u", "click"),
        order("u", "q"),  # a click is not an add-to-cart
    ]
    doc = run(tmp_path, lines)
    by_set = {r["set_id"]: r for r in doc["sets"]}
    assert doc["summary"]["attribution_basis"] == "file order"
    assert by_set["s"]["ordered"] == by_set["t"]["ordered"] == 1
    assert by_set["s"]["order_revenue"] == {"EUR": 21.0}


def test_order_attribution_by_time_field_ignores_file_order(tmp_path):
    lines = [
        order("u", "p", stamp="2026-10-01T12:00:00Z"),
        interact("s", "p", "u", "addToCart", stamp="2026-10-01T11:00:00Z"),
        order("u", "p", stamp="2026-10-01T10:00:00Z"),  # before the add-to-cart in time
        interact(
            "t", "p", "u", "addToCart", stamp="2026-10-01T12:00:00Z"
        ),  # same time: not earlier
    ]
    doc = run(tmp_path, lines)
    by_set = {r["set_id"]: r for r in doc["sets"]}
    assert doc["summary"]["attribution_basis"] == "time"
    assert (by_set["s"]["ordered"], by_set["t"]["ordered"]) == (1, 0)


def test_several_currencies_are_kept_apart(tmp_path):
    lines = [
        interact("s", "p", "u", "addToCart"),
        order("u", "p", 5.0, 1, "EUR"),
        order("u", "p", 7.0, 1, "CHF"),
    ]
    doc = run(tmp_path, lines)
    assert doc["sets"][0]["order_revenue"] == {"CHF": 7.0, "EUR": 5.0}
    assert doc["summary"]["currencies"] == ["CHF", "EUR"]


def test_time_window_filters_and_counts_untimed_events(tmp_path):
    lines = [
        view("s", stamp="2026-09-30T23:59:59Z"),
        view("s", stamp="2026-10-01T00:00:00Z"),
        view("s", stamp="2026-10-31T23:59:59Z"),
        view("s", stamp="2026-11-01T00:00:00Z"),
        view("s", stamp="not a time"),
        view("s"),
    ]
    doc = run(tmp_path, lines, ReportOptions(since="2026-10-01", until="2026-10-31"))
    assert doc["sets"][0]["views"] == 2
    assert doc["summary"]["outside_time_range"] == 2 and doc["summary"]["untimed"] == 2


def test_custom_time_field_and_epoch_numbers(tmp_path):
    lines = [
        json.dumps({**json.loads(view("s")), "ts": 1790812800}).encode(),
        json.dumps({**json.loads(view("s")), "ts": 1759276800000}).encode(),
    ]
    doc = run(tmp_path, lines, ReportOptions(time_field="ts", since="2026-01-01"))
    assert doc["sets"][0]["views"] == 1 and doc["summary"]["outside_time_range"] == 1


def test_filters_sort_and_top(tmp_path):
    lines = [
        interact(s, p, "u", "click")
        for s, p in [("a", "x"), ("a", "y"), ("b", "x"), ("b", "x"), ("c", "z")]
    ]
    assert [r["set_id"] for r in run(tmp_path, lines)["sets"]] == ["a", "b", "c"]  # ties by id
    assert [r["set_id"] for r in run(tmp_path, lines, ReportOptions(top=1))["sets"]] == ["a"]
    doc = run(tmp_path, lines, ReportOptions(sets=("b",)))
    assert [r["set_id"] for r in doc["sets"]] == ["b"] and [
        (r["set_id"], r["sku"]) for r in doc["set_products"]
    ] == [("b", "x")]
    doc = run(tmp_path, lines, ReportOptions(skus=("x",)))
    assert [r["sku"] for r in doc["products"]] == ["x"] and {
        r["sku"] for r in doc["set_products"]
    } == {"x"}
    assert [r["set_id"] for r in run(tmp_path, lines, ReportOptions(sort="set_id"))["sets"]] == [
        "a",
        "b",
        "c",
    ]
    assert [
        r["sku"]
        for r in run(tmp_path, lines, ReportOptions(sort="sets", table="products"))["products"]
    ] == [
        "x",
        "y",
        "z",
    ]


def test_actions_option_counts_each_action_name(tmp_path):
    lines = [interact("s", "p", "u", a) for a in ("click", "like", "like", None)]
    doc = run(tmp_path, lines, ReportOptions(actions=True))
    assert doc["sets"][0]["actions"] == {"(none)": 1, "click": 1, "like": 2}
    report = build_report([str(tmp_path / "e.ndjson")], ReportOptions(actions=True))
    assert "action:like" in [c.name for c in report.flat_columns("sets")]
    assert report.to_csv("sets").splitlines()[1].endswith(",1,1,2")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (ReportOptions(sort="nope"), "has no field"),
        (ReportOptions(since="yesterday"), "--since"),
        (ReportOptions(since="2026-02-01", until="2026-01-01"), "before"),
        (ReportOptions(time_field="context"), "time-field"),
    ],
)
def test_bad_options_raise_option_error(tmp_path, options, message):
    with pytest.raises(OptionError, match=message):
        run(tmp_path, [view("s")], options)
