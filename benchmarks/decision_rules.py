"""Compare sector decision rules on out-of-fold probabilities, per language and length slice.

Issue #10 item 1: a long article touches many sectors' vocabulary and clears many per-label
thresholds. This script cross-validates the shipped design once (5 folds) to get honest
out-of-fold probabilities, then compares decision rules by a **second-level** 5-fold CV on
those probabilities: each rule's parameters are tuned on the other folds' probabilities and
applied to the held-out fold, so no rule is scored on what it was tuned on.

Rules: ``thresholds`` (per label, the rule before #10), ``length thresholds`` (per label and
length bucket), ``ratio to top`` (thresholds + one global ratio to the article's top
probability), ``ratio to top per length`` (one ratio per length bucket: the shipped rule),
``top-k`` (ratio + a cap on labels), ``MetaLabeler`` (Tang et al. 2009: a model predicts how
many sectors, the top k are kept). Each also with the top-label fallback (``+1``: an article
no label passes keeps its most probable one).

Usage: uv run python benchmarks/decision_rules.py [LABELS_DIR] [CORPUS...]
Prints macro-F1 per slice and sectors per item (predicted / gold).
"""

from __future__ import annotations

import glob
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold

from classify.compiled import LENGTH_BUCKETS, finish_sectors, length_bucket
from classify.features import tokenize_batch
from classify.models import (
    RATIO_GRID,
    THRESHOLD_GRID,
    best_threshold,
    cross_validate,
    decision_score,
)
from classify.schema import SECTORS, targets
from classify.train import load_training_data, source_group


def finish(D: np.ndarray, P: np.ndarray, at_least_one: bool) -> np.ndarray:
    """The fallback and non_tech rules every shipped decision ends with (on a copy of ``D``)."""
    return finish_sectors(D.copy(), P, SECTORS, at_least_one)


def thresholds(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    return np.array([best_threshold(Y[:, j], P[:, j]) for j in range(Y.shape[1])])


def meta_features(P: np.ndarray, b: np.ndarray) -> np.ndarray:
    top = -np.sort(-P, axis=1)[:, :5]
    return np.column_stack([top, np.eye(len(LENGTH_BUCKETS))[b]])


def fit_rule(kind: str, Y: np.ndarray, P: np.ndarray, b: np.ndarray, one: bool):  # noqa: ANN201
    """A rule's parameters tuned on (Y, P); returns a function P, b -> decisions."""
    t = thresholds(Y, P)
    if kind == "thresholds":
        return lambda P, b: finish(t <= P, P, one)
    if kind == "length thresholds":
        T = np.vstack(
            [thresholds(Y[b == k], P[b == k]) if (b == k).sum() >= 30 else t for k in range(3)]
        )
        return lambda P, b: finish(T[b] <= P, P, one)

    def rel(P: np.ndarray, b: np.ndarray, r: np.ndarray, k: int = 99) -> np.ndarray:
        D = (t <= P) & (r[b][:, None] * P.max(axis=1, keepdims=True) <= P)
        if k < 99:
            rank = np.argsort(np.argsort(-P, axis=1), axis=1)
            D &= rank < k
        return finish(D, P, one)

    if kind == "ratio to top":
        r = max(RATIO_GRID, key=lambda r: decision_score(Y, rel(P, b, np.full(3, r))))
        return lambda P, b: rel(P, b, np.full(3, r))
    if kind == "ratio to top per length":
        rs = np.zeros(3)
        for k in range(3):
            m = b == k
            if m.sum() >= 30:
                rs[k] = max(
                    RATIO_GRID, key=lambda r: decision_score(Y[m], rel(P[m], b[m], np.full(3, r)))
                )
        return lambda P, b: rel(P, b, rs)
    if kind == "top-k":
        r, k = max(
            ((r, k) for r in RATIO_GRID for k in (1, 2, 3, 4)),
            key=lambda rk: decision_score(Y, rel(P, b, np.full(3, rk[0]), rk[1])),
        )
        return lambda P, b: rel(P, b, np.full(3, r), k)
    if kind == "MetaLabeler":
        m = LogisticRegression(max_iter=2000).fit(meta_features(P, b), np.clip(Y.sum(1), 1, 4))

        def meta(P: np.ndarray, b: np.ndarray, floor: float) -> np.ndarray:
            k = m.predict(meta_features(P, b))
            rank = np.argsort(np.argsort(-P, axis=1), axis=1)
            return finish((rank < k[:, None]) & (floor <= P), P, one)

        floor = max((0.0, 0.05, 0.1, 0.2, 0.3), key=lambda f: decision_score(Y, meta(P, b, f)))
        return lambda P, b: meta(P, b, floor)
    raise ValueError(kind)


def main(labels: str = "labels", corpora: list[str] | None = None) -> None:
    corpora = corpora or glob.glob("../shared/corpora/*.jsonl")
    examples, _ = load_training_data([labels], corpora)
    Y, y = targets(examples)
    batch = tokenize_batch([e.title for e in examples], [e.text for e in examples])
    cv = cross_validate(
        batch, Y, y, candidate="lexicon+unigrams", n_splits=5, n_repeats=1, n_jobs=2
    )
    P = cv["oof"]["sector_proba"]
    Yb = Y.astype(bool)
    b = length_bucket(batch.chars)
    src = np.array([source_group(e) for e in examples])
    slices = {
        "en-seeds (articles)": src == "en-seeds",
        "en-feed (lead)": src == "en-feed",
        "zh-headlines": src == "zh-headlines",
        "all": np.ones(len(src), bool),
    }
    print(
        f"{len(examples)} labelled examples; OOF probabilities from 5-fold CV of lexicon+unigrams"
    )
    print(
        f"threshold grid {THRESHOLD_GRID[0]}..{THRESHOLD_GRID[-1]}; second-level 5-fold CV per rule\n"
    )
    head = " | ".join(f"{k}: macro-F1 (pred/gold per item)" for k in slices)
    print(f"| rule | {head} |")
    print("|---|" + "---|" * len(slices))
    kinds = (
        "thresholds",
        "length thresholds",
        "ratio to top",
        "ratio to top per length",
        "top-k",
        "MetaLabeler",
    )
    for one in (False, True):
        for kind in kinds:
            D = np.zeros_like(Yb)
            for tr, te in KFold(5, shuffle=True, random_state=0).split(P):
                D[te] = fit_rule(kind, Yb[tr], P[tr], b[tr], one)(P[te], b[te])
            cells = []
            for m in slices.values():
                present = Yb[m].any(axis=0)
                f = f1_score(Yb[m][:, present], D[m][:, present], average="macro", zero_division=0)
                cells.append(f"{f:.3f} ({D[m].sum(1).mean():.2f}/{Yb[m].sum(1).mean():.2f})")
            print(f"| {kind}{' +1' if one else ''} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "labels", sys.argv[2:] or None)
