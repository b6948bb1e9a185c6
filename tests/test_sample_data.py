"""The shipped sample_data/ is what the generator writes, and its labels hold."""

from __future__ import annotations

import csv
import sys

from interact_cli.validation import validate

from .conftest import ROOT, SAMPLE


def test_sample_data_is_reproduced_by_the_generator(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from make_sample_data import main
    finally:
        sys.path.pop(0)
    main(tmp_path)
    for name in ("events.ndjson", "broken.ndjson", "broken.labels.tsv", "limits.ndjson.gz"):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_every_catalogue_code_has_a_line_in_the_sample_data():
    from interact_cli.problems import problem_types

    files = [str(SAMPLE / name) for name in ("broken.ndjson", "limits.ndjson.gz")]
    result = validate(files, max_problems=10_000)
    assert {c.code for c in result.by_code} == {t.code for t in problem_types()}
    limits = [p for p in result.problems if p.file.endswith("limits.ndjson.gz")]
    assert [(p.line, p.code) for p in limits] == [(1, "too-many-values"), (2, "line-too-long")]


def test_every_labelled_line_gets_its_verdict_and_code():
    with open(SAMPLE / "broken.labels.tsv", newline="") as stream:
        labels = list(csv.DictReader(stream, delimiter="\t"))
    result = validate([str(SAMPLE / "broken.ndjson")], max_problems=10_000)
    codes_by_line: dict[int, set[str]] = {}
    errors_by_line: set[int] = set()
    for problem in result.problems:
        codes_by_line.setdefault(problem.line, set()).add(problem.code)
        if problem.severity == "error":
            errors_by_line.add(problem.line)
    for label in labels:
        line = int(label["line"])
        if label["verdict"] == "invalid":
            assert line in errors_by_line, label
        else:
            assert line not in errors_by_line, label
        if label["code"]:
            assert label["code"] in codes_by_line[line], label
        else:
            assert line not in codes_by_line, label
    blank = sum(1 for label in labels if label["verdict"] == "blank")
    assert result.summary.blank == blank == 2


def test_sample_export_has_all_dialects_actions_and_event_types():
    text = (SAMPLE / "events.ndjson").read_text()
    for needle in (
        '"userId"',
        '"type":"content"',
        '"type":"setCompose","setCompose"',
        '"type":"user"',
    ):
        assert needle in text, needle
    for action in ("click", "addToCart", "navigateTo", "addToWishlist", "like", "share"):
        assert f'"action":"{action}"' in text, action
    for kind in ("interact", "view", "order", "api"):
        assert f'"type":"{kind}"' in text, kind
    assert '"interact":{"type":"product","product"' in text  # interactions without an action
