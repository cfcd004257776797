"""Emerging terms (classify.terms): planted bursts found, flat and one-off terms not, same-event folding."""

from __future__ import annotations

import random

import numpy as np
import pytest

from classify.drift import compute_drift, timeline
from classify.periods import period_of, period_range
from classify.terms import TermIndex, emerging_terms, kleinberg_states, mark_recurring

BACKGROUND = [
    "market",
    "company",
    "growth",
    "report",
    "plan",
    "investor",
    "quarter",
    "launch",
    "industry",
    "sales",
    "profit",
    "revenue",
    "factory",
    "dealer",
    "battery",
    "supplier",
    "retail",
    "platform",
    "service",
    "customer",
    "product",
]
MONTHS = [f"2024-{m:02d}" for m in range(1, 10)]


def _corpus(seed: int = 1) -> tuple[list[str], list[str], list[str]]:
    """(texts, dates, ids): 9 months x 200 records; planted and control terms described below."""
    rng = random.Random(seed)
    texts, dates, ids = [], [], []
    for m, month in enumerate(MONTHS):
        for k in range(200):
            words = rng.sample(BACKGROUND, 6)
            if k % 5 == 0:
                words.append("widget")  # flat: 20% of every month
            if month == "2024-07" and k < 40:
                words += ["zorbix", "quantaflux"]  # one event, two words, 20% of July
            elif k == 0 and m % 3 == 0:
                words.append("zorbix")  # rare before and after
            if month == "2024-04" and k == 7:
                words.append("onceword")  # a single record
            texts.append(" ".join(words))
            dates.append(f"{month}-{1 + k % 28:02d}")
            ids.append(f"{month}-{k}")
    return texts, dates, ids


def _positions(dates: list[str]) -> tuple[np.ndarray, list[str]]:
    keys = [period_of(d) for d in dates]
    periods = period_range(min(keys), max(keys), "month")
    pos = {p: i for i, p in enumerate(periods)}
    return np.array([pos[k] for k in keys]), periods


@pytest.fixture(scope="module")
def planted() -> tuple[TermIndex, list[dict], list[str]]:
    texts, dates, ids = _corpus()
    pidx, periods = _positions(dates)
    index = TermIndex(min_count=5, names=False).fit(texts)
    return index, emerging_terms(index, pidx, periods, ids), ids


def test_a_planted_burst_is_found_in_its_month_with_examples(planted) -> None:  # noqa: ANN001
    _, rows, _ = planted
    july = [r for r in rows if r["term"] in ("zorbix", "quantaflux")]
    assert len(july) == 1, "the two words of one event are one row"
    row = july[0]
    assert row["period"] == "2024-07" and row["count"] == 40 and row["score"] > 2
    other = "quantaflux" if row["term"] == "zorbix" else "zorbix"
    assert other in row["related"] and set(row["related"]) <= {other, "zorbix quantaflux"}
    assert len(row["examples"]) == 3 and all(e.startswith("2024-07-") for e in row["examples"])
    assert row["share"] == 0.2 and row["baseline_share"] < 0.01
    assert row["counts"][MONTHS.index("2024-07")] == 40 and sum(row["counts"]) <= 42
    assert {"period", "term", "score", "z", "count", "share", "baseline_share", "examples"} <= set(
        row
    )


def test_flat_and_one_off_terms_are_not_flagged(planted) -> None:  # noqa: ANN001
    index, rows, _ = planted
    flagged = {r["term"] for r in rows} | {t for r in rows for t in r["related"]}
    assert "widget" in index.terms_ and "widget" not in flagged
    assert "onceword" not in index.terms_ and "onceword" not in flagged
    assert not flagged - {"zorbix", "quantaflux", "zorbix quantaflux"}


def test_skipped_periods_are_not_scored() -> None:
    texts, dates, ids = _corpus()
    pidx, periods = _positions(dates)
    index = TermIndex(min_count=5, names=False).fit(texts)
    rows = emerging_terms(index, pidx, periods, ids, skip=[MONTHS.index("2024-07")])
    assert not [r for r in rows if r["period"] == "2024-07"]


def test_phrases_need_cohesion_and_chinese_words_and_names_are_terms() -> None:
    texts = ["open claw agent release"] * 6 + ["open door policy"] * 10 + ["claw machine game"] * 2
    texts += ["DeepSeek发布新模型"] * 5 + ["深度求索融资"] * 2
    index = TermIndex(min_count=5).fit(texts)
    kinds = dict(zip(index.terms_, index.kinds_, strict=True))
    assert kinds.get("open claw") == "phrase"  # 6 of claw's 8 records
    assert "open door" in kinds  # 10 of 16 records of open, 10 of 10 of door
    assert "claw machine" not in kinds  # 2 records only
    assert kinds.get("@deepseek") == "name"  # the lexicon name, both spellings: 7 records
    X = index.doc_term_.tocsc()
    j = index.terms_.index("@deepseek")
    assert X[:, j].sum() == 7 and index.labels_[j] == "DeepSeek"
    # the word is shown as the name writes it
    assert index.labels_[index.terms_.index("deepseek")] == "DeepSeek"
    assert "发布" in kinds and kinds["发布"] == "word"


def test_kleinberg_finds_the_planted_burst_and_not_the_flat_term() -> None:
    C = np.array([[2, 20], [1, 20], [40, 20], [2, 20], [1, 20]])
    n = np.full(5, 200)
    states, weight = kleinberg_states(C, n)
    assert states[:, 0].tolist() == [0, 0, 1, 0, 0] and weight[2, 0] > 0
    assert states[:, 1].sum() == 0 and not weight[:, 1].any()


def test_recurring_terms_are_marked_and_ranked_after_news() -> None:
    periods = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    rows = [
        {"period": "2024-02", "term": "春节", "score": 5.0},
        {"period": "2025-01", "term": "春节", "score": 5.0},
        {"period": "2025-01", "term": "DeepSeek", "score": 4.0},
    ]
    mark_recurring(rows, periods, "month")
    assert [r["recurring"] for r in rows] == [True, True, False]
    for r in rows:
        r.update(count=10, examples=["x"], related=[])
    doc = {"periods": periods, "topics": [], "emerging": [], "emerging_terms": rows}
    jan = next(t for t in timeline(doc) if t["period"] == "2025-01")
    assert [e["name"] for e in jan["events"]] == ["DeepSeek", "春节"]


def test_real_headlines_name_deepseek_and_openclaw(kr_lines: list[dict]) -> None:
    """#11's done-when on the 36Kr file: DeepSeek in 2025-01/02, OpenClaw in 2026-02/03."""
    texts = [r["text"] for r in kr_lines]
    dates = [r.get("date") for r in kr_lines]
    pidx, periods = _positions(dates)
    index = TermIndex(min_count=5).fit(texts)
    skip = [0, len(periods) - 1]
    rows = emerging_terms(index, pidx, periods, [r["id"] for r in kr_lines], skip=skip)
    mark_recurring(rows, periods, "month")

    def months(term: str) -> set[str]:
        return {r["period"] for r in rows if r["term"].lower() == term}

    assert months("deepseek") & {"2025-01", "2025-02"}
    assert months("openclaw") & {"2026-02", "2026-03"}
    # The one-minute table lists them (here beside keyword topics; the CLI uses BERTopic's).
    res = compute_drift(dates, [0] * len(dates), [{"id": 0, "label": "all", "terms": []}])
    res["emerging_terms"] = rows
    table = {(t["period"], e["name"].lower()) for t in timeline(res) for e in t["events"]}
    assert {("2025-01", "deepseek"), ("2025-02", "deepseek")} & table
    assert {("2026-02", "openclaw"), ("2026-03", "openclaw")} & table
