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

# The period helpers and the statistic live in classify.periods (shared with terms and trends).
from classify.periods import (
    PERIODS,
    partial_periods,
    period_of,
    period_range,
    rise_statistics,
    thin_warnings,
)

__all__ = [
    "NO_TOPIC",
    "js_divergence",
    "compute_drift",
    "run_drift",
    "describe_events",
    "same_theme",
    "NAMING_SHARE",
    "NAMING_COVERAGE",
    "MIN_TERM_SUPPORT",
    "TIMELINE_ROWS",
    "timeline",
    "summary_lines",
]

NO_TOPIC = -1


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
        | ({"examples": list(table[t]["examples"])} if table.get(t, {}).get("examples") else {})
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
        "warnings": [],
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
    result["periods"] = periods
    partial = partial_periods(dates, periods, period)
    result["period_sizes"] = [
        {"period": p, "n": int(n[i])} | ({"partial": partial[i]} if i in partial else {})
        for i, p in enumerate(periods)
    ]
    for t in topics_out:  # first and last period where the topic reaches min_count
        seen = np.flatnonzero(C[:, col[t["id"]]] >= min_count)
        t["first_seen"] = periods[seen[0]] if len(seen) else None
        t["last_seen"] = periods[seen[-1]] if len(seen) else None
    result["warnings"] = thin_warnings(n, period)
    for i, p in enumerate(periods):
        for j, t in enumerate(ids):
            share = round(float(C[i, j] / n[i]), 6) if n[i] else None
            result["shares"].append(
                {"period": p, "topic": t, "count": int(C[i, j]), "share": share}
            )

    first_data = int(np.argmax(n > 0))
    SCORE, Z, CB, NB = rise_statistics(C, n, baseline, prior)
    cum = np.zeros(len(ids), dtype=np.int64)
    last_rise: dict[int, int] = {}  # topic -> position of its latest emerging period
    prev = None
    for i, p in enumerate(periods):
        if n[i] == 0:
            continue
        if prev is not None:
            result["drift"].append({"period": p, "js": round(js_divergence(C[prev], C[i]), 6)})
        prev = i
        nb = int(NB[i])
        for j, t in enumerate(ids):
            c = int(C[i, j])
            if t == NO_TOPIC:
                continue
            if i - first_data >= baseline and c >= min_count and cum[j] < min_count:
                result["new"].append({"period": p, "topic": t, "count": c})
            if math.isnan(SCORE[i, j]):
                continue
            cb_j = int(CB[i, j])
            score, z = float(SCORE[i, j]), float(Z[i, j])
            entry = {
                "period": p,
                "topic": t,
                "score": round(score, 3),
                "z": round(z, 2),
                "count": c,
                "share": round(c / n[i], 6),
                "baseline_share": round(cb_j / nb, 6),
            }
            if i in partial:
                continue  # a few days of data: shares, but no spike either way
            if score >= threshold and z >= min_z and c >= min_count:
                result["emerging"].append(entry)
                last_rise[t] = i
            elif score <= -threshold and z <= -min_z and cb_j >= min_count:
                if t in last_rise and i - last_rise[t] <= baseline:
                    # the baseline still holds the spike: this is the spike falling back
                    entry["falls_back_from"] = periods[last_rise[t]]
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
    terms: bool = True,
    term_min_count: int = 5,
    **stat: Any,
) -> tuple[dict[str, Any], Any]:
    """Topics for ``records`` (fitting a model on them unless ``model`` is given), then their drift.

    Returns (drift document, topic model). With a fitted-here model the fit's own assignments
    are used; with a given model each record goes to its nearest topic (``model.assign``).
    With ``terms`` the document also holds ``emerging_terms`` (:mod:`classify.terms`), each
    emerging topic its period's own ``terms`` and ``name``, and the ``timeline`` of
    :func:`timeline` (what emerged, period by period).
    """
    from classify.topics import TopicModel, to_docs

    docs = to_docs(records)
    if model is None:
        model = TopicModel(seed=seed, min_topic_size=min_topic_size).fit(docs, log=log)
        assigned = list(model.doc_topics)
        probs = list(model.doc_probabilities)
    else:
        if log:
            log(f"assigning {len(docs)} records to {len(model.topics())} topics")
        rows = model.assign([d.text for d in docs])
        assigned = [a["id"] for a in rows]
        probs = [a["probability"] for a in rows]
    result = compute_drift(
        [d.date for d in docs],
        assigned,
        model.topics(),
        period=period,
        skipped=skipped + (len(records) - len(docs)),
        **stat,
    )
    if terms and result["periods"]:
        describe_events(result, docs, assigned, probs, model, term_min_count, log=log, **stat)
    return result, model


def describe_events(
    result: dict[str, Any],
    docs: Sequence[Any],
    assigned: Sequence[int],
    probabilities: Sequence[float],
    model: Any,
    term_min_count: int = 5,
    log: Callable[[str], None] | None = None,
    baseline: int = 3,
    prior: float = 2.0,
    threshold: float = 1.0,
    min_z: float = 3.0,
    min_count: int = 3,
) -> None:
    """Add emerging terms, per-period event terms and names, and the timeline to ``result``.

    An event's ``terms`` are BERTopic's c-TF-IDF terms of the topic's records in that period
    that at least :data:`MIN_TERM_SUPPORT` of those records hold. It is named by the
    strongest emerging term of its period that is in at least ``min_count`` of its records
    and either mostly inside the event (:data:`NAMING_SHARE` of the term's period records)
    or in a good part of it (:data:`NAMING_COVERAGE` of the event's records); failing that,
    by its first period term that is not one of the topic's overall top terms.
    Each event gets up to 3 example ids: its records of that period closest to the topic.
    """
    from classify.terms import TermIndex, emerging_terms, mark_recurring
    from classify.topics import period_terms

    periods = result["periods"]
    pos = {p: i for i, p in enumerate(periods)}
    pidx = np.array([pos.get(period_of(d.date, result["period_type"]), -1) for d in docs])
    skip = [i for i, x in enumerate(result["period_sizes"]) if "partial" in x]
    texts = [d.text for d in docs]
    ids = [d.id for d in docs]
    index = TermIndex(min_count=term_min_count).fit(texts, log=log)
    rows = emerging_terms(
        index,
        pidx,
        periods,
        ids,
        baseline=baseline,
        prior=prior,
        threshold=threshold,
        min_z=min_z,
        min_count=term_min_count,
        skip=skip,
    )
    mark_recurring(rows, periods, result["period_type"])
    result["emerging_terms"] = rows
    result["statistic"]["term_min_count"] = term_min_count

    topic_arr = np.asarray(assigned)
    prob_arr = np.asarray(probabilities, dtype=np.float64)
    events = result["emerging"]
    wanted = {(e["topic"], pos[e["period"]]) for e in events}
    got = period_terms(model, texts, assigned, pidx, wanted) if wanted else {}
    overall = {t["id"]: set(t["terms"][:5]) for t in result["topics"]}
    col = {t: j for j, t in enumerate(index.terms_)}
    # a row names its term by label and kind: a word and a lexicon name can share a label
    # ("DeepSeek"), so the label alone does not say which column it is
    key_of = {
        (lbl, kind): t
        for t, lbl, kind in zip(index.terms_, index.labels_, index.kinds_, strict=True)
    }
    X = index.doc_term_.tocsc()
    held_in: dict[tuple[str, int], np.ndarray] = {}

    def docs_of(term: str, i: int) -> np.ndarray:
        """The records of period ``i`` holding ``term`` (computed once per term and period)."""
        if (term, i) not in held_in:
            j = col.get(term)
            d = X.indices[X.indptr[j] : X.indptr[j + 1]] if j is not None else np.zeros(0, int)
            held_in[term, i] = d[pidx[d] == i]
        return held_in[term, i]

    for e in events:
        i, k = pos[e["period"]], e["topic"]
        in_event = np.flatnonzero((pidx == i) & (topic_arr == k))
        best = in_event[np.argsort(-prob_arr[in_event], kind="stable")][:3]
        e["examples"] = [ids[b] for b in best]
        members = set(in_event.tolist())
        size = len(members)
        # the period's c-TF-IDF terms that enough of the event's records hold (a word of one
        # headline can top c-TF-IDF in a small period; it names nothing)
        support = max(2, math.ceil(MIN_TERM_SUPPORT * size))
        e["terms"] = [
            w
            for w in got.get((k, i), [])
            if sum(1 for d in docs_of(w, i).tolist() if d in members) >= support
        ]
        e["name"] = None
        for r in (r for r in rows if r["period"] == e["period"]):
            held = docs_of(key_of[r["term"], r["kind"]], i).tolist()
            inside = sum(1 for d in held if d in members)
            if inside >= min_count and (
                inside >= NAMING_COVERAGE * size or inside >= NAMING_SHARE * len(held)
            ):
                e["name"], e["named_by"] = r["term"], "emerging_term"
                e["name_score"] = r["score"]
                break
        if e["name"] is None:
            fresh = [w for w in e["terms"] if w not in overall.get(k, set())]
            if fresh:
                e["name"], e["named_by"] = fresh[0], "period_terms"
    result["emerging"].sort(key=lambda e: (e["period"], -e["score"]))
    result["timeline"] = timeline(result)
    same_theme(result["topics"])


def same_theme(topics: list[dict[str, Any]]) -> None:
    """Mark topics that share their first (strongest) term as ``same_theme`` of each other.

    Clustering can split one theme into two topics (DeepSeek's launch and its use by firms);
    they are reported together rather than silently merged, so the topic ids stay the model's.
    """
    by_first: dict[str, list[int]] = {}
    for t in topics:
        if t["id"] != NO_TOPIC and t.get("terms"):
            by_first.setdefault(t["terms"][0], []).append(t["id"])
    for t in topics:
        group = by_first.get(t["terms"][0], []) if t.get("terms") else []
        t["same_theme"] = [i for i in group if i != t["id"]]


#: An emerging term names a topic event when this share of its period records is in the event,
NAMING_SHARE = 0.5
#: ... or when it is in this share of the event's records (a theme split over two topics).
NAMING_COVERAGE = 0.3
#: A period term describes an event when at least this share of the event's records hold it.
MIN_TERM_SUPPORT = 0.1
#: Rows per period in the timeline.
TIMELINE_ROWS = 3


def timeline(result: dict[str, Any], per_period: int = TIMELINE_ROWS) -> list[dict[str, Any]]:
    """What emerged, period by period: the strongest few named events a person reads in a minute.

    Emerging topics with the same name in a period are one row (a theme split over two
    topics is reported together); an emerging term that names no topic event of its period
    is a row of its own. Rows are ranked by score, recurring terms (holidays, yearly fairs and
    reports: :func:`classify.terms.mark_recurring`) after the others; each row has name, kind
    (topic or term), score, recurring, count, topics (ids) and examples.
    """
    labels = {t["id"]: t["label"] for t in result.get("topics", [])}
    recurring = {
        (r["period"], r["term"].lower()): r.get("recurring", False)
        for r in result.get("emerging_terms", [])
    }
    out = []
    for p in result["periods"]:
        rows: dict[str, dict[str, Any]] = {}
        for e in (e for e in result.get("emerging", []) if e["period"] == p):
            name = e.get("name") or labels.get(e["topic"], f"topic {e['topic']}")
            row = rows.get(name.lower())
            score = max(e["score"], e.get("name_score", e["score"]))
            if row is None:
                rows[name.lower()] = {
                    "name": name,
                    "kind": "topic",
                    "score": score,
                    "recurring": recurring.get((p, name.lower()), False),
                    "count": e["count"],
                    "topics": [e["topic"]],
                    "labels": [labels.get(e["topic"], "")],
                    "examples": list(e.get("examples", [])),
                }
            else:
                row["score"] = max(row["score"], score)
                row["count"] += e["count"]
                row["topics"].append(e["topic"])
                row["labels"].append(labels.get(e["topic"], ""))
        for r in (r for r in result.get("emerging_terms", []) if r["period"] == p):
            if r["term"].lower() in rows:
                continue
            rows[r["term"].lower()] = {
                "name": r["term"],
                "kind": "term",
                "score": r["score"],
                "recurring": r.get("recurring", False),
                "count": r["count"],
                "topics": [],
                "labels": [],
                "examples": list(r["examples"]),
            }
        if rows:
            ranked = sorted(rows.values(), key=lambda x: (x["recurring"], -x["score"]))
            ranked = ranked[:per_period]
            out.append({"period": p, "events": ranked})
    return out


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
