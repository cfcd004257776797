"""classify.trends and `classify trends`: aggregation against a hand count, empty periods, undated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from classify.cli import app
from classify.trends import bootstrap_mean, is_tagged_file, trends

runner = CliRunner()


def _tag(date: str | None, sectors: list[str], tone: str, index: float, companies=()) -> dict:  # noqa: ANN001
    return {
        "id": f"r{date}{tone}{index}",
        "date": date,
        "sectors": sectors,
        "tone": tone,
        "tone_index": index,
        "companies": list(companies),
        "error": None,
    }


TAGS = [
    _tag("2024-01-03", ["ecommerce"], "tightening", -0.8, ["alibaba"]),
    _tag("2024-02-10", ["ecommerce", "fintech"], "none", -0.1, ["alibaba"]),
    _tag("2024-03-31", ["ai"], "easing", 0.6),
    _tag("2024-03-01", ["ai"], "none", 0.0, ["alibaba"]),
    # 2024-Q2 has no record
    _tag("2024-07-15T08:00:00+08:00", ["ev_auto"], "neutral", 0.1),
    _tag(None, ["ai"], "tightening", -0.9),  # undated
    {"id": "bad", "error": "no text"},  # an error record
]


def test_quarter_aggregation_matches_a_hand_count() -> None:
    res = trends(TAGS, period="quarter", min_company_records=2)
    assert res["records"] == {"total": 7, "dated": 5, "undated": 1, "errors": 1}
    assert [p["period"] for p in res["periods"]] == ["2024-Q1", "2024-Q2", "2024-Q3"]
    q1, q2, q3 = res["periods"]
    assert q1["n"] == 4
    assert q1["sectors"]["ecommerce"] == 0.5 and q1["sectors"]["ai"] == 0.5
    assert q1["sectors"]["fintech"] == 0.25 and q1["sectors"]["gaming"] == 0.0
    assert q1["tone"] == {"tightening": 0.25, "easing": 0.25, "neutral": 0.0, "none": 0.5}
    assert q1["tone_index"] == round((-0.8 - 0.1 + 0.6 + 0.0) / 4, 6)
    assert q1["tone_index_low"] <= q1["tone_index"] <= q1["tone_index_high"]
    assert q1["tone_index_low"] >= -0.8 and q1["tone_index_high"] <= 0.6
    assert q1["policy_n"] == 2 and q1["policy_tone_index"] == round((-0.8 + 0.6) / 2, 6)
    # the empty quarter is listed with n 0 and no figures
    assert q2["n"] == 0 and q2["tone_index"] is None and q2["sectors"] == {}
    assert q3["n"] == 1 and q3["tone_index"] == 0.1 == q3["tone_index_low"]
    # per sector: the records tagged with it
    eco = res["by_sector"]["ecommerce"]
    assert [p["n"] for p in eco] == [2, 0, 0]
    assert eco[0]["tone_index"] == round((-0.8 - 0.1) / 2, 6)
    assert "gaming" not in res["by_sector"]
    # per company, only those named often enough (3 records name alibaba)
    assert list(res["by_company"]) == ["alibaba"] and res["companies"] == {"alibaba": 3}
    assert [p["n"] for p in res["by_company"]["alibaba"]] == [3, 0, 0]
    assert trends(TAGS, period="quarter", min_company_records=4)["by_company"] == {}


def test_months_years_and_partial_periods() -> None:
    res = trends(TAGS, period="month")
    assert len(res["periods"]) == 7 and res["periods"][0]["period"] == "2024-01"
    assert [p["n"] for p in res["periods"]] == [1, 1, 2, 0, 0, 0, 1]
    # 2024-07 holds one day of data: the last period is partial
    assert "partial" in res["periods"][-1] and "partial" not in res["periods"][2]
    years = trends(TAGS, period="year")["periods"]
    assert [(p["period"], p["n"]) for p in years] == [("2024", 5)]


def test_no_dated_records_and_bad_period() -> None:
    res = trends([_tag(None, [], "none", 0.0)], period="month")
    assert res["periods"] == [] and res["records"]["undated"] == 1
    try:
        trends(TAGS, period="week")
    except ValueError as e:
        assert "week" in str(e)
    else:
        raise AssertionError("period 'week' accepted")


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    v = np.linspace(-1, 1, 101)
    a = bootstrap_mean(v, np.random.default_rng(0))
    b = bootstrap_mean(v, np.random.default_rng(0))
    assert a == b and a[0] < 0 < a[1] and a[1] - a[0] < 0.4


def test_cli_reads_tagged_files_as_they_are_and_tags_others(tmp_path: Path) -> None:
    tagged = tmp_path / "tagged.jsonl"
    tagged.write_text("".join(json.dumps(t) + "\n" for t in TAGS), encoding="utf-8")
    assert is_tagged_file(str(tagged))
    js, page = tmp_path / "t.json", tmp_path / "t.html"
    r = runner.invoke(
        app, ["trends", str(tagged), "--period", "quarter", "--json", str(js), "-o", str(page)]
    )
    assert r.exit_code == 1, r.output  # one error record in the input
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc == trends(TAGS, period="quarter")
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script src=" not in html
    assert "Regulatory tone index over time" in html and "2024-Q2" in html

    raw = tmp_path / "raw.jsonl"
    raw.write_text(
        json.dumps({"id": "a", "date": "2021-04-02", "text": "SAMR fines Alibaba for monopoly"})
        + "\n"
        + json.dumps({"id": "b", "date": "2021-05-20", "text": "阿里巴巴发布新款电商应用"})
        + "\n",
        encoding="utf-8",
    )
    assert not is_tagged_file(str(raw))
    r = runner.invoke(app, ["trends", str(raw), "--period", "year"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["records"]["dated"] == 2 and doc["periods"][0]["n"] == 2
    assert doc["periods"][0]["sectors"]["ecommerce"] > 0
    assert runner.invoke(app, ["trends", str(raw), "--period", "week"]).exit_code == 2
    assert runner.invoke(app, ["trends", str(tmp_path / "none.jsonl")]).exit_code == 2


def test_cli_refuses_outputs_that_would_overwrite(tmp_path: Path) -> None:
    tagged = tmp_path / "tagged.jsonl"
    tagged.write_text("".join(json.dumps(t) + "\n" for t in TAGS), encoding="utf-8")
    before = tagged.read_bytes()
    same = tmp_path / "r.html"
    for args in (
        ["--json", str(same), "-o", str(same)],  # the JSON and the page would be one file
        ["-o", str(tagged)],  # the page over the input
        ["--json", str(tagged)],
    ):
        r = runner.invoke(app, ["trends", str(tagged), *args])
        assert r.exit_code == 2, (args, r.output)
    assert (
        "same file"
        in runner.invoke(app, ["trends", str(tagged), "--json", str(same), "-o", str(same)]).output
    )
    assert tagged.read_bytes() == before and not same.exists()
