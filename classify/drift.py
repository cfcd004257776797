"""Topic drift over time: shares per period, emerging / fading / new topics, Jensen-Shannon drift.

The statistic, and why it is robust to small counts. For topic *k* in period *t* with *c* of
the *n* dated records, the share is shrunk towards the topic's overall share *g* by adding
``prior`` pseudo-records of the topic (and ``prior / g`` pseudo-records in all, a Beta prior
centred on *g*)::

    s(c, n) = (c + prior) / (n + prior / g)

and compared with the same shrunk share over a trailing baseline (the ``baseline`` calendar
periods before *t*, pooled: *c_b* of *n_b* records)::

    score = log2( s(c_t, n_t) / s(c_b, n_b) )

A score of 1 means the share doubled. The rarer the topic, the more pseudo-records, so the
fewer records a period or a baseline holds compared with ``1 / g``, the closer its share stays
to *g*: a topic cannot "emerge" from 1 record out of 2, nor against a baseline of a few days
where it was merely not yet seen. Because a large ratio can still come from a
small baseline (a topic absent from six days of data), a flag also needs the rise to be
significant: the two-proportion z statistic of *c_t/n_t* against *c_b/n_b* (pooled variance)
must reach ``min_z`` (default 3: a report tests every topic in every period, often thousands of
pairs, and at z >= 2 one in fifty of them would be flagged by chance alone). A topic is

* **emerging** in *t* when ``score >= threshold``, ``z >= min_z`` and it has at least
  ``min_count`` records in *t*;
* **fading** in *t* when ``score <= -threshold``, ``z <= -min_z`` and it had at least
  ``min_count`` records in the baseline;
* **new** in *t* when *t* is the first period where it reaches ``min_count`` records and it had
  fewer than ``min_count`` in all earlier periods together; only once ``baseline`` periods of
  history exist, so a corpus that starts mid-month does not make every topic "new".

The **drift** of period *t* is the Jensen-Shannon divergence (base 2, in [0, 1]) between the
topic distribution of *t* and that of the previous period that has records; the "no topic"
bucket (-1) takes part like any topic. Periods are contiguous calendar periods between the first
and last dated record; a period without records is listed with ``n`` = 0 and has no scores.
Undated records are counted in ``records.undated`` and are otherwise left out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

PERIODS = ("month", "quarter", "year")
NO_TOPIC = -1


def period_of(date: str | None, period: str = "month") -> str | None:
    """Calendar period of an ISO date or datetime: ``2025-02``, ``2025-Q1`` or ``2025``; None if undated."""
    if not date or len(date) < 7:
        return None
    try:
        year, month = int(date[:4]), int(date[5:7])
    except ValueError:
        return None
    if not 1 <= month <= 12:
        return None
    if period == "month":
        return f"{year:04d}-{month:02d}"
    if period == "quarter":
        return f"{year:04d}-Q{(month - 1) // 3 + 1}"
    if period == "year":
        return f"{year:04d}"
    raise ValueError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")


def _index(p: str, period: str) -> int:
    """A period as a running integer (so ranges and trailing windows are arithmetic)."""
    y = int(p[:4])
    if period == "month":
        return y * 12 + int(p[5:7]) - 1
    if period == "quarter":
        return y * 4 + int(p[-1]) - 1
    return y


def _label_of(i: int, period: str) -> str:
    if period == "month":
        return f"{i // 12:04d}-{i % 12 + 1:02d}"
    if period == "quarter":
        return f"{i // 4:04d}-Q{i % 4 + 1}"
    return f"{i:04d}"


def period_range(first: str, last: str, period: str) -> list[str]:
    """Every calendar period from ``first`` to ``last`` inclusive."""
    a, b = _index(first, period), _index(last, period)
    return [_label_of(i, period) for i in range(a, b + 1)]


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence (base 2, 0 = same distribution, 1 = disjoint) of two count vectors."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.sum() == 0 or q.sum() == 0:
        return float("nan")
    p, q = p / p.sum(), q / q.sum()
    m = 0.5 * (p + q)

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / m[nz])))

    return max(0.0, min(1.0, 0.5 * kl(p) + 0.5 * kl(q)))


def two_proportion_z(c1: int, n1: int, c2: int, n2: int) -> float:
    """z statistic of the share c1/n1 against c2/n2 with pooled variance (0 when undefined)."""
    if n1 == 0 or n2 == 0:
        return 0.0
    p = (c1 + c2) / (n1 + n2)
    var = p * (1 - p) * (1 / n1 + 1 / n2)
    return 0.0 if var <= 0 else (c1 / n1 - c2 / n2) / math.sqrt(var)


def compute_drift(
    dates: Sequence[str | None],
    topics: Sequence[int],
    topic_table: Sequence[dict],
    period: str = "month",
    baseline: int = 3,
    min_count: int = 3,
    prior: float = 2.0,
    threshold: float = 1.0,
    min_z: float = 3.0,
    skipped: int = 0,
) -> dict[str, Any]:
    """Drift of topic assignments over time, as the JSON document ``classify drift`` writes.

    ``dates`` and ``topics`` are aligned per record; ``topic_table`` gives id, label and terms.
    ``skipped`` is the number of input records that could not be read (reported, not used).
    """
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")
    if baseline < 1 or min_count < 1 or prior <= 0:
        raise ValueError("baseline and min_count must be at least 1, prior positive")
    if len(dates) != len(topics):
        raise ValueError(f"{len(dates)} dates for {len(topics)} topic assignments")
    keys = [period_of(d, period) for d in dates]
    dated = [(k, int(t)) for k, t in zip(keys, topics, strict=True) if k is not None]
    table = {int(t["id"]): t for t in topic_table}
    counts_all = Counter(int(t) for t in topics)
    ids = sorted(set(table) | set(counts_all))
    topics_out = [
        {
            "id": t,
            "label": table.get(t, {}).get("label", "no_topic" if t == NO_TOPIC else f"topic_{t}"),
            "terms": list(table.get(t, {}).get("terms", [])),
            "count": counts_all.get(t, 0),
        }
        for t in ids
    ]
    result: dict[str, Any] = {
        "period_type": period,
        "periods": [],
        "records": {
            "total": len(dates) + skipped,
            "dated": len(dated),
            "undated": len(dates) - len(dated),
            "skipped": skipped,
        },
        "period_sizes": [],
        "topics": topics_out,
        "shares": [],
        "emerging": [],
        "fading": [],
        "new": [],
        "drift": [],
        "statistic": {
            "name": "smoothed log2 share ratio against a trailing baseline",
            "formula": "log2(s_t / s_b), s = (count + prior) / (n + prior / overall_share); "
            "flag also needs a two-proportion z of at least min_z",
            "baseline_periods": baseline,
            "prior": prior,
            "threshold": threshold,
            "min_z": min_z,
            "min_count": min_count,
        },
    }
    if not dated:
        return result

    periods = period_range(min(k for k, _ in dated), max(k for k, _ in dated), period)
    pos = {p: i for i, p in enumerate(periods)}
    col = {t: j for j, t in enumerate(ids)}
    C = np.zeros((len(periods), len(ids)), dtype=np.int64)
    for k, t in dated:
        C[pos[k], col[t]] += 1
    n = C.sum(axis=1)
    g = C.sum(axis=0) / max(1, C.sum())
    result["periods"] = periods
    result["period_sizes"] = [{"period": p, "n": int(n[i])} for i, p in enumerate(periods)]
    for i, p in enumerate(periods):
        for j, t in enumerate(ids):
            share = round(float(C[i, j] / n[i]), 6) if n[i] else None
            result["shares"].append(
                {"period": p, "topic": t, "count": int(C[i, j]), "share": share}
            )

    first_data = int(np.argmax(n > 0))
    cum = np.zeros(len(ids), dtype=np.int64)
    prev = None
    for i, p in enumerate(periods):
        if n[i] == 0:
            continue
        if prev is not None:
            result["drift"].append({"period": p, "js": round(js_divergence(C[prev], C[i]), 6)})
        prev = i
        lo = max(0, i - baseline)
        cb, nb = C[lo:i].sum(axis=0), int(n[lo:i].sum())
        for j, t in enumerate(ids):
            c = int(C[i, j])
            if t == NO_TOPIC:
                continue
            if i - first_data >= baseline and c >= min_count and cum[j] < min_count:
                result["new"].append({"period": p, "topic": t, "count": c})
            if nb == 0 or g[j] == 0:
                continue
            s_t = (c + prior) / (n[i] + prior / g[j])
            s_b = (cb[j] + prior) / (nb + prior / g[j])
            score = math.log2(s_t / s_b)
            z = two_proportion_z(c, int(n[i]), int(cb[j]), nb)
            entry = {
                "period": p,
                "topic": t,
                "score": round(score, 3),
                "z": round(z, 2),
                "count": c,
                "share": round(c / n[i], 6),
                "baseline_share": round(float(cb[j]) / nb, 6),
            }
            if score >= threshold and z >= min_z and c >= min_count:
                result["emerging"].append(entry)
            elif score <= -threshold and z <= -min_z and cb[j] >= min_count:
                result["fading"].append(entry)
        cum += C[i]
    for key in ("emerging", "fading"):
        result[key].sort(key=lambda e: (e["period"], -abs(e["score"])))
    return result


def run_drift(
    records: Sequence[Any],
    model: Any = None,
    period: str = "month",
    seed: int = 42,
    min_topic_size: int | None = None,
    skipped: int = 0,
    log: Callable[[str], None] | None = None,
    **stat: Any,
) -> tuple[dict[str, Any], Any]:
    """Topics for ``records`` (fitting a model on them unless ``model`` is given), then their drift.

    Returns (drift document, topic model). With a fitted-here model the fit's own assignments
    are used; with a given model each record goes to its nearest topic (``model.assign``).
    """
    from classify.topics import TopicModel, to_docs

    docs = to_docs(records)
    if model is None:
        model = TopicModel.fit(docs, seed=seed, min_topic_size=min_topic_size, log=log)
        assigned = list(model.doc_topics)
    else:
        if log:
            log(f"assigning {len(docs)} records to {len(model.topics())} topics")
        assigned = [a["id"] for a in model.assign([d.text for d in docs])]
    result = compute_drift(
        [d.date for d in docs],
        assigned,
        model.topics(),
        period=period,
        skipped=skipped + (len(records) - len(docs)),
        **stat,
    )
    return result, model


def summary_lines(result: dict[str, Any], top: int = 5) -> list[str]:
    """A few human lines about a drift document (for stderr)."""
    labels = {t["id"]: t["label"] for t in result["topics"]}
    r = result["records"]
    lines = [
        f"{r['total']} records: {r['dated']} dated, {r['undated']} undated, {r['skipped']} skipped; "
        f"{len(result['periods'])} {result['period_type']} periods, "
        f"{sum(1 for t in result['topics'] if t['id'] != NO_TOPIC)} topics"
    ]
    best = sorted(result["emerging"], key=lambda e: -e["score"])[:top]
    for e in best:
        lines.append(
            f"  emerging {e['period']}: {labels[e['topic']]} (topic {e['topic']}) score {e['score']:+.2f}, "
            f"{e['count']} records, share {e['share']:.1%} vs {e['baseline_share']:.1%}"
        )
    if result["drift"]:
        d = max(result["drift"], key=lambda x: x["js"])
        lines.append(f"  largest drift: {d['period']} (JS {d['js']:.3f})")
    return lines
