"""Drift: periods, the emerging/fading/new statistic on known shifts, JS drift, JSON, report, CLI."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import make_stream
from typer.testing import CliRunner

from classify.cli import app
from classify.drift import compute_drift, js_divergence, run_drift
from classify.periods import period_of, period_range, two_proportion_z
from classify.report import render_report

runner = CliRunner()
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
TABLE = [{"id": t, "label": f"t{t}", "terms": [f"w{t}"]} for t in range(6)]


def _synthetic_assignments(inject_month: str, seed: int = 0) -> tuple[list[str | None], list[int]]:
    """Five steady topics every month; topic 5 takes ~12% of records from ``inject_month`` on."""
    rng = random.Random(seed)
    dates: list[str | None] = []
    topics: list[int] = []
    for m in MONTHS:
        for k in range(200):
            dates.append(f"{m}-{1 + k % 28:02d}")
            topics.append(rng.randrange(5))
        if m >= inject_month:
            for k in range(28):
                dates.append(f"{m}-{1 + k:02d}")
                topics.append(5)
    for _ in range(17):
        dates.append(None)
        topics.append(rng.randrange(5))
    return dates, topics


def test_period_keys() -> None:
    assert period_of("2025-02-03", "month") == "2025-02"
    assert period_of("2025-02-03T23:10:00+08:00", "quarter") == "2025-Q1"
    assert period_of("2024-12-31", "year") == "2024"
    assert period_of(None) is None and period_of("") is None and period_of("garbage") is None
    assert period_range("2024-11", "2025-02", "month") == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]
    assert period_range("2024-Q4", "2025-Q2", "quarter") == ["2024-Q4", "2025-Q1", "2025-Q2"]
    with pytest.raises(ValueError):
        period_of("2024-01-01", "week")


def test_js_divergence_bounds() -> None:
    assert js_divergence([5, 5, 0], [10, 10, 0]) == pytest.approx(0.0)
    assert js_divergence([3, 0], [0, 7]) == pytest.approx(1.0)
    a, b = [4, 1, 2], [1, 3, 3]
    assert 0 < js_divergence(a, b) < 1
    assert js_divergence(a, b) == pytest.approx(js_divergence(b, a))


@pytest.mark.parametrize("inject_month", ["2024-04", "2024-09"])
def test_injected_theme_flagged_emerging_and_new_at_its_month(inject_month: str) -> None:
    dates, topics = _synthetic_assignments(inject_month)
    res = compute_drift(dates, topics, TABLE, period="month")
    first = [e for e in res["emerging"] if e["topic"] == 5]
    assert first and first[0]["period"] == inject_month
    assert first[0]["score"] >= 1 and first[0]["z"] >= 3
    assert [n["period"] for n in res["new"] if n["topic"] == 5] == [inject_month]
    # The steady topics are not flagged: only sampling noise moves them.
    assert all(e["topic"] == 5 for e in res["emerging"])
    # The mix changes most when the theme arrives.
    js = {d["period"]: d["js"] for d in res["drift"]}
    assert max(js, key=js.get) == inject_month


def test_fading_topic_detected() -> None:
    rng = random.Random(1)
    dates, topics = [], []
    for i, m in enumerate(MONTHS):
        for k in range(150):
            dates.append(f"{m}-{1 + k % 28:02d}")
            t = rng.randrange(4)
            topics.append(
                4 if t == 0 and i >= 8 else t
            )  # topic 0 gives way to topic 4 from month 9
    res = compute_drift(dates, topics, TABLE, period="month")
    assert ("2024-09", 0) in {(e["period"], e["topic"]) for e in res["fading"]}
    assert ("2024-09", 4) in {(e["period"], e["topic"]) for e in res["emerging"]}


def test_small_counts_do_not_swing_the_score() -> None:
    """1 of 2 records in a thin period is a 10x raw share jump, but no evidence: not flagged."""
    dates = [f"2024-0{m}-10" for m in (1, 2, 3) for _ in range(100)] + ["2024-04-10"] * 2
    topics = [1 if k % 20 == 0 else 0 for k in range(300)] + [1, 0]
    res = compute_drift(dates, topics, TABLE, period="month", min_count=1, min_z=0)
    april = next(e for e in res["shares"] if e["period"] == "2024-04" and e["topic"] == 1)
    assert april["share"] == 0.5
    assert not [e for e in res["emerging"] if e["period"] == "2024-04"]
    # The same jump with a full month of records is flagged.
    dates += [f"2024-05-{1 + k % 31:02d}" for k in range(100)]
    topics += [1 if k % 2 else 0 for k in range(100)]
    res = compute_drift(dates, topics, TABLE, period="month", min_count=1)
    assert [e["period"] for e in res["emerging"] if e["topic"] == 1] == ["2024-05"]


def test_two_proportion_z() -> None:
    assert two_proportion_z(50, 100, 10, 100) > 3 > two_proportion_z(12, 100, 10, 100) > 0
    assert two_proportion_z(5, 100, 50, 100) < -3
    assert two_proportion_z(1, 0, 1, 10) == 0.0


def test_json_shape_counts_and_undated() -> None:
    dates, topics = _synthetic_assignments("2024-06")
    res = compute_drift(dates, topics, TABLE, period="quarter", skipped=2)
    assert set(res) >= {"periods", "topics", "shares", "emerging", "fading", "new", "drift"}
    assert res["periods"] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert res["records"] == {
        "total": len(dates) + 2,
        "dated": len(dates) - 17,
        "undated": 17,
        "skipped": 2,
    }
    assert {tuple(sorted(t)) for t in res["topics"]} == {
        ("count", "first_seen", "id", "label", "last_seen", "terms")
    }
    for p in res["periods"]:
        rows = [s for s in res["shares"] if s["period"] == p]
        assert {tuple(sorted(s)) for s in rows} == {("count", "period", "share", "topic")}
        n = next(x["n"] for x in res["period_sizes"] if x["period"] == p)
        assert sum(s["count"] for s in rows) == n and sum(
            s["share"] for s in rows
        ) == pytest.approx(1.0, abs=1e-4)
    for key in ("emerging", "fading"):
        assert all({"period", "topic", "score"} <= set(e) for e in res[key])
    assert all(set(d) == {"period", "js"} for d in res["drift"])
    json.dumps(res)  # serialisable as is


def test_empty_periods_listed_without_scores() -> None:
    dates = ["2024-01-05"] * 10 + ["2024-04-05"] * 10
    res = compute_drift(dates, [0, 1] * 10, TABLE, period="month")
    assert res["periods"] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert [p["n"] for p in res["period_sizes"]] == [10, 0, 0, 10]
    assert {s["share"] for s in res["shares"] if s["period"] == "2024-02"} == {None}
    assert [d["period"] for d in res["drift"]] == ["2024-04"]


def test_real_headlines_deepseek_emerges_in_early_2025(kr_lines: list[dict]) -> None:
    """The statistic on real data, with a keyword standing in for the topic model."""
    dates = [r.get("date") for r in kr_lines]
    topics = [1 if "deepseek" in r["text"].lower() else 0 for r in kr_lines]
    res = compute_drift(dates, topics, TABLE[:2], period="month")
    flagged = {e["period"] for e in res["emerging"] if e["topic"] == 1}
    assert flagged & {"2025-01", "2025-02"}
    best = max((e for e in res["emerging"] if e["topic"] == 1), key=lambda e: e["score"])
    assert best["period"] in ("2025-01", "2025-02")


@pytest.mark.slow
def test_fit_and_drift_on_synthetic_text_finds_the_injected_theme() -> None:
    months = [f"2023-{m:02d}" for m in range(1, 11)]
    recs = make_stream(
        months, 60, inject="quantum", inject_from="2023-06", inject_per_month=15, undated=9
    )
    res, tm = run_drift(recs, seed=3)
    quantum = [
        t["id"] for t in res["topics"] if "qubit" in t["terms"][:5] or "quantum" in t["terms"][:5]
    ]
    assert len(quantum) == 1
    em = sorted(e["period"] for e in res["emerging"] if e["topic"] == quantum[0])
    assert em and em[0] == "2023-06"
    assert res["records"]["undated"] == 9
    # Every injected article went to that topic, and nothing else did.
    got = [t for r, t in zip(recs, tm.doc_topics, strict=True) if r["theme"] == "quantum"]
    assert set(got) == {quantum[0]}
    html = render_report(res, title="synthetic", source="make_stream")
    assert "quantum" in html and "<script src=" not in html and "Plotly" in html
    # the page is titled as asked (the events loop used to overwrite the title, #11 item 6)
    assert "<title>synthetic</title>" in html and "<title>Strongest" not in html


@pytest.mark.slow
def test_cli_drift_outputs_and_exit_codes(tmp_path: Path, write_jsonl) -> None:  # noqa: ANN001
    months = [f"2023-{m:02d}" for m in range(1, 9)]
    recs = make_stream(
        months, 50, inject="quantum", inject_from="2023-05", inject_per_month=12, undated=4
    )
    src = write_jsonl([{k: v for k, v in r.items() if k != "theme"} for r in recs])
    js, html = tmp_path / "d.json", tmp_path / "d.html"
    r = runner.invoke(
        app, ["drift", str(src), "--period", "month", "--json", str(js), "-o", str(html)]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["records"]["undated"] == 4 and doc["periods"][0] == "2023-01"
    page = html.read_text(encoding="utf-8")
    assert (
        page.startswith("<!DOCTYPE html>") and "<script src=" not in page and "Topics</h2>" in page
    )
    assert "undated" in r.stderr
    # A bad line is skipped, reported and makes the exit code 1; JSON goes to stdout by default.
    bad = src.read_text(encoding="utf-8") + "not json\n"
    src.write_text(bad, encoding="utf-8")
    r = runner.invoke(app, ["drift", str(src), "--period", "quarter"])
    assert r.exit_code == 1
    assert json.loads(r.stdout)["records"]["skipped"] == 1
    assert runner.invoke(app, ["drift", str(src), "--period", "week"]).exit_code == 2
    assert (
        runner.invoke(app, ["drift", str(src), "--topic-model", str(tmp_path / "none")]).exit_code
        == 2
    )


def test_cli_drift_default_runs_on_seeds_with_shipped_model(tmp_path: Path) -> None:
    js, html = tmp_path / "s.json", tmp_path / "s.html"
    r = runner.invoke(app, ["drift", "--json", str(js), "-o", str(html)])
    assert r.exit_code == 0, r.output
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["records"]["undated"] > 0 and doc["records"]["dated"] > 0
    meta = [t for t in doc["topics"] if "metaverse" in t["label"]]
    assert len(meta) == 1
    # 101 dated seed items over 33 months: the report says it is too thin to read (#11)
    assert doc["warnings"] and "too thin to read" in doc["warnings"][0]
    assert "too thin to read" in r.stderr
    assert {"emerging_terms", "timeline"} <= set(doc)
    dec = next(s for s in doc["shares"] if s["period"] == "2021-12" and s["topic"] == meta[0]["id"])
    assert dec["count"] >= 1
    assert meta[0]["label"] in html.read_text(encoding="utf-8")


@pytest.mark.slow
def test_parquet_datetimes_are_dates_and_no_dates_is_a_warning(tmp_path: Path) -> None:
    """#13 item 4: a Parquet/pandas datetime column is read as dates; a report with no dated
    record warns and exits 1 instead of writing an empty report as if all were well."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    from classify.io import read_records

    months = [f"2023-{m:02d}" for m in range(1, 7)]
    recs = make_stream(months, 30)
    stamps = [dt.datetime.fromisoformat(r["date"]) for r in recs]
    table = pa.table(
        {"id": [r["id"] for r in recs], "text": [r["text"] for r in recs], "date": stamps}
    )
    src = tmp_path / "feed.parquet"
    pq.write_table(table, src)
    got = list(read_records([src]))
    assert all(
        a.date and a.date.startswith(r["date"]) and not a.warnings
        for a, r in zip(got, recs, strict=True)
    )
    r = runner.invoke(
        app, ["drift", str(src), "--period", "month", "--json", str(tmp_path / "d.json")]
    )
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "d.json").read_text())["records"]["dated"] == len(recs)
    undated = tmp_path / "undated.jsonl"
    undated.write_text(
        "".join(json.dumps({"id": x["id"], "text": x["text"]}) + "\n" for x in recs),
        encoding="utf-8",
    )
    r = runner.invoke(app, ["drift", str(undated), "--json", str(tmp_path / "u.json")])
    assert r.exit_code == 1 and "no record has a usable date" in r.stderr


def test_date_objects_are_accepted() -> None:
    import datetime as dt

    import numpy as np
    import pandas as pd

    from classify.io import article_from_obj

    for value, want in (
        (dt.date(2024, 3, 1), "2024-03-01"),
        (dt.datetime(2024, 3, 1, 8, 30), "2024-03-01T08:30:00"),
        (pd.Timestamp("2024-03-01 08:30"), "2024-03-01T08:30:00"),
        (np.datetime64("2024-03-01T08:30:00.000000000"), "2024-03-01T08:30:00"),
    ):
        a = article_from_obj({"text": "x", "date": value})
        assert a.date == want and not a.warnings, (value, a)
    assert article_from_obj({"text": "x", "date": 20240301}).warnings


def _days(month: str, n: int, first: int = 1, last: int = 28) -> list[str]:
    """n dates spread over days first..last of a month."""
    span = last - first + 1
    return [f"{month}-{first + k % span:02d}" for k in range(n)]


def test_partial_first_and_last_periods_are_marked_not_scored() -> None:
    # Data from 25 Oct to 5 Mar: October and March hold a few days each, with a spike in both.
    dates = _days("2023-10", 40, 25, 31)
    topics = [1] * 30 + [0] * 10  # a topic at 75% in a partial month
    for m in ("2023-11", "2023-12", "2024-01", "2024-02"):
        dates += _days(m, 200)
        topics += [1 if k % 20 == 0 else 0 for k in range(200)]
    dates += _days("2024-03", 30, 1, 5)
    topics += [1] * 20 + [0] * 10
    res = compute_drift(dates, topics, TABLE, period="month")
    sizes = {x["period"]: x for x in res["period_sizes"]}
    assert sizes["2023-10"]["partial"] == round(7 / 31, 3)
    assert sizes["2024-03"]["partial"] == round(5 / 31, 3)
    assert all("partial" not in sizes[m] for m in ("2023-11", "2023-12", "2024-01", "2024-02"))
    flagged = {e["period"] for e in res["emerging"] + res["fading"]}
    assert not flagged & {"2023-10", "2024-03"}
    # Shares are still reported for the partial months.
    share = next(s for s in res["shares"] if s["period"] == "2024-03" and s["topic"] == 1)
    assert share["share"] == round(20 / 30, 6)
    # The same March spike over the whole month is scored.
    dates[-30:] = _days("2024-03", 30, 1, 31)
    res = compute_drift(dates, topics, TABLE, period="month")
    assert "2024-03" in {e["period"] for e in res["emerging"] if e["topic"] == 1}


def test_fading_right_after_a_spike_is_the_spike_falling_back() -> None:
    dates, topics = [], []
    for m in range(1, 10):
        month = f"2024-{m:02d}"
        dates += _days(month, 200)
        share = 10 if m == 5 else 1  # topic 1: 1 in 20 records, then half of May
        topics += [1 if k % 20 < share else 0 for k in range(200)]
    res = compute_drift(dates, topics, TABLE, period="month")
    assert [e["period"] for e in res["emerging"] if e["topic"] == 1] == ["2024-05"]
    fall = [e for e in res["fading"] if e["topic"] == 1]
    assert fall and fall[0]["period"] == "2024-06"
    assert fall[0]["falls_back_from"] == "2024-05"


def test_first_and_last_seen_are_periods_reaching_min_count() -> None:
    dates = _days("2024-01", 50) + _days("2024-02", 50) + _days("2024-03", 50)
    topics = [1] + [0] * 49 + [1] * 5 + [0] * 45 + [1] * 2 + [0] * 48
    res = compute_drift(dates, topics, TABLE, period="month", min_count=3)
    t1 = next(t for t in res["topics"] if t["id"] == 1)
    assert (t1["first_seen"], t1["last_seen"]) == ("2024-02", "2024-02")
    t9 = compute_drift(dates, [9] * len(dates), TABLE, min_count=100)["topics"][0]
    assert (t9["first_seen"], t9["last_seen"]) == (None, None)


def test_thin_data_warns() -> None:
    dates = [f"{2022 + m // 12}-{m % 12 + 1:02d}-15" for m in range(33) for _ in range(3)]
    res = compute_drift(dates, [0] * len(dates), TABLE, period="month")
    assert res["warnings"] and "too thin to read" in res["warnings"][0]
    assert "--period quarter" in res["warnings"][0]
    dates = _days("2024-01", 100) + _days("2024-02", 100)
    assert compute_drift(dates, [0] * 200, TABLE, period="month")["warnings"] == []


def test_timeline_reports_a_split_theme_together_and_same_theme_marks_it() -> None:
    from classify.drift import same_theme, timeline

    doc = {
        "periods": ["2025-01", "2025-02"],
        "topics": [
            {"id": 1, "label": "deepseek_r1_x", "terms": ["deepseek", "r1"]},
            {"id": 2, "label": "deepseek_v4_y", "terms": ["deepseek", "v4"]},
            {"id": 3, "label": "tesla_fsd", "terms": ["tesla"]},
        ],
        "emerging": [
            {
                "period": "2025-02",
                "topic": 1,
                "score": 3.5,
                "count": 140,
                "name": "DeepSeek",
                "name_score": 5.4,
                "examples": ["a"],
            },
            {
                "period": "2025-02",
                "topic": 2,
                "score": 2.6,
                "count": 38,
                "name": "DeepSeek",
                "examples": ["b"],
            },
            {
                "period": "2025-02",
                "topic": 3,
                "score": 4.0,
                "count": 20,
                "name": None,
                "examples": ["c"],
            },
        ],
        "emerging_terms": [
            {
                "period": "2025-02",
                "term": "deepseek",
                "score": 5.4,
                "count": 290,
                "examples": ["a"],
                "recurring": False,
            },
            {
                "period": "2025-02",
                "term": "Unitree",
                "score": 4.4,
                "count": 14,
                "examples": ["d"],
                "recurring": False,
            },
        ],
    }
    rows = timeline(doc)
    assert [r["period"] for r in rows] == ["2025-02"]
    ev = rows[0]["events"]
    # one DeepSeek row for both topics and the term, scored by its strongest evidence;
    # an unnamed event is shown by its topic label
    assert [e["name"] for e in ev] == ["DeepSeek", "Unitree", "tesla_fsd"]
    assert ev[0]["topics"] == [1, 2] and ev[0]["count"] == 178 and ev[0]["score"] == 5.4
    assert ev[1]["kind"] == "term" and ev[2]["kind"] == "topic"
    same_theme(doc["topics"])
    assert [t["same_theme"] for t in doc["topics"]] == [[2], [1], []]
