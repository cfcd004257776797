"""Which labels to add next (active learning) and which existing labels look wrong.

``suggest`` ranks unlabelled records by how much a label would teach the current model:
*uncertainty* (a sector probability near its threshold, or two tones nearly tied),
*diversity* (one representative per k-means cluster of the pool), or *mixed* (diverse
picks among the most uncertain). ``suspects`` uses out-of-fold probabilities
(confident-learning style, on scikit-learn's cross-validation) to list labels the model
confidently disagrees with, with its alternative.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from classify.io import Article
from classify.schema import SECTORS, TONES

__all__ = [
    "STRATEGIES",
    "select",
    "suggest",
    "suspects",
    "oof_for",
]

STRATEGIES = ("uncertainty", "diversity", "mixed")


def _uncertainty(
    Ps: np.ndarray, Pt: np.ndarray, thresholds: np.ndarray, tone_w: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Per record: 1 = on a decision boundary, 0 = far from every boundary; and why."""
    span = np.where(Ps < thresholds, thresholds, 1 - thresholds)
    dist = np.abs(Ps - thresholds) / np.maximum(span, 1e-9)  # 0 at the threshold, 1 at 0 or 1
    j = dist.argmin(axis=1)
    u_sec = 1 - dist[np.arange(len(Ps)), j]
    W = Pt * tone_w
    W = W / np.maximum(W.sum(axis=1, keepdims=True), 1e-12)
    top2 = np.sort(W, axis=1)[:, -2:]
    u_tone = 1 - (top2[:, 1] - top2[:, 0])
    order = np.argsort(-W, axis=1)
    why = []
    for i in range(len(Ps)):
        if u_sec[i] >= u_tone[i]:
            why.append(
                f"sector {SECTORS[j[i]]} p={Ps[i, j[i]]:.2f} near its threshold {thresholds[j[i]]:.2f}"
            )
        else:
            a, b = order[i, 0], order[i, 1]
            why.append(f"tone {TONES[a]} vs {TONES[b]} nearly tied ({W[i, a]:.2f} / {W[i, b]:.2f})")
    return np.maximum(u_sec, u_tone), why


def _diverse(X, k: int, seed: int, among: np.ndarray | None = None) -> list[tuple[int, int, int]]:  # noqa: ANN001
    """(row, cluster, cluster size) of the member nearest each of k k-means centroids."""
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.preprocessing import normalize

    rows = np.arange(X.shape[0]) if among is None else among
    Z = normalize(X[rows])
    k = min(k, len(rows))
    km = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=1024).fit(Z)
    d = km.transform(Z)
    out = []
    for c in range(k):
        members = np.flatnonzero(km.labels_ == c)
        if len(members):
            best = members[d[members, c].argmin()]
            out.append((int(rows[best]), c, len(members)))
    return out


def select(
    Ps: np.ndarray,
    Pt: np.ndarray,
    X,  # noqa: ANN001 - sparse feature matrix
    thresholds: np.ndarray,
    tone_w: np.ndarray,
    n: int,
    strategy: str,
    seed: int = 0,
) -> tuple[list[tuple[int, str]], np.ndarray]:
    """Row indices to label next, each with why; also the uncertainty of every row."""
    u, why_u = _uncertainty(Ps, Pt, thresholds, tone_w)
    if strategy == "uncertainty":
        picks = [
            (int(i), f"uncertainty {u[i]:.2f}: {why_u[i]}")
            for i in np.argsort(-u, kind="stable")[:n]
        ]
    elif strategy == "diversity":
        picks = [
            (i, f"representative of cluster {c + 1}/{n} ({size} pool records)")
            for i, c, size in _diverse(X, n, seed)
        ]
    elif strategy == "mixed":
        top = np.argsort(-u, kind="stable")[: max(n, 5 * n)]
        picks = [
            (i, f"uncertainty {u[i]:.2f} ({why_u[i]}), representative of {size} uncertain records")
            for i, _, size in _diverse(X, n, seed, among=top)
        ]
    else:
        raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    return picks, u


def suggest(
    predictor,  # noqa: ANN001 - a Predictor
    records: Iterable[Article],
    n: int = 50,
    strategy: str = "mixed",
    seed: int = 0,
    exclude: set[str] | None = None,
) -> list[dict]:
    """The ``n`` records whose labels should help the model most, ready to annotate."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    pool = [r for r in records if isinstance(r, Article) and r.id not in (exclude or set())]
    if not pool:
        return []
    clf = predictor.classifier  # the compiled model
    batch = clf.tokenize([a.title for a in pool], [a.text for a in pool])
    Ps, Pt, X = clf.predict_batch(batch)
    picks, u = select(Ps, Pt, X, clf.thresholds, clf.row_tone_weights(batch.zh), n, strategy, seed)
    out = []
    D, T = clf.decide(Ps, Pt, batch.chars, batch.zh)
    for rank, (i, why) in enumerate(picks, 1):
        a = pool[i]
        top_s = np.argsort(-Ps[i])[:5]
        out.append(
            {
                "id": a.id,
                "title": a.title,
                "date": a.date,
                "text": a.text,
                "sectors": None,
                "tone": None,  # to fill in: then the file is a label file
                "predicted": {
                    "sectors": [SECTORS[j] for j in np.argsort(-Ps[i]) if D[i, j]],
                    "top_sector_scores": {SECTORS[j]: round(float(Ps[i, j]), 3) for j in top_s},
                    "tone": TONES[int(T[i])],
                    "tone_scores": {t: round(float(Pt[i, k]), 3) for k, t in enumerate(TONES)},
                },
                "why": {
                    "rank": rank,
                    "strategy": strategy,
                    "reason": why,
                    "uncertainty": round(float(u[i]), 4),
                },
            }
        )
    return out


def suspects(examples: list, oof: dict, top: int = 40) -> list[dict]:
    """Labels the out-of-fold model confidently disagrees with, most suspicious first.

    For each sector the label contradicts the model's out-of-fold decision, the suspicion is
    the model's confidence in the other answer (|label − p|); for tone, the out-of-fold
    probability of the model's tone minus that of the labelled tone. An example's score is its
    largest suspicion.
    """
    from classify.schema import targets

    Y, y = targets(examples)
    P, D = oof["sector_proba"], oof["sector_decision"].astype(int)
    Pt, T = oof["tone_proba"], oof["tone_decision"]
    s_sec = np.where(Y != D, np.abs(Y - P), 0.0)
    s_tone = np.where(y != T, Pt[np.arange(len(y)), T] - Pt[np.arange(len(y)), y], 0.0).clip(0)
    score = np.maximum(s_sec.max(axis=1), s_tone)
    out = []
    for i in np.argsort(-score, kind="stable")[:top]:
        if score[i] <= 0:
            break
        e = examples[i]
        out.append(
            {
                "id": e.id,
                "file": e.file,
                "line": e.line,
                # what to read to judge it: the text resolved from the corpus, not only the id
                "text": _excerpt(e.title, e.text),
                "score": round(float(score[i]), 4),
                "label": {"sectors": e.sectors, "tone": e.tone},
                "model": {
                    "sectors": [SECTORS[j] for j in np.argsort(-P[i]) if D[i, j]],
                    "tone": TONES[int(T[i])],
                },
                "disputed": [SECTORS[j] for j in np.flatnonzero(s_sec[i] > 0)]
                + (["tone"] if s_tone[i] > 0 else []),
            }
        )
    return out


def _excerpt(title: str | None, text: str | None, limit: int = 300) -> str:
    """The headline and the start of the text, on one line (for reading a suspect label)."""
    body = " ".join(((title + " — ") if title else "").split() + (text or "").split())
    return body if len(body) <= limit else body[: limit - 1] + "…"


def oof_for(examples: list, seed: int = 0, n_splits: int = 5, n_jobs: int = 2) -> dict:
    """Out-of-fold probabilities and decisions for labelled examples (one CV repeat)."""
    from classify.features import tokenize_batch
    from classify.models import cross_validate
    from classify.schema import targets

    Y, y = targets(examples)
    batch = tokenize_batch([e.title for e in examples], [e.text for e in examples])
    return cross_validate(batch, Y, y, n_splits=n_splits, n_repeats=1, seed=seed, n_jobs=n_jobs)[
        "oof"
    ]
