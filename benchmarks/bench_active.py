"""Active-learning simulation: does choosing labels by uncertainty/diversity beat random picks?

Starts from a small random slice of labels/, adds labels in rounds chosen by each strategy
(the held labels play the annotator), refits, and scores sector and tone macro-F1 on a fixed
held-out test split. Prints the learning curves averaged over seeds. Not a test.

Usage: uv run python benchmarks/bench_active.py [--seeds 3] [--start 150] [--step 100] [--rounds 5]
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classify.active import select  # noqa: E402
from classify.features import tokenize_batch  # noqa: E402
from classify.labels import check, merge  # noqa: E402
from classify.models import (  # noqa: E402
    DEFAULT_CANDIDATE,
    Classifier,
    make_classifier,
    sector_metrics,
    tone_metrics,
)
from classify.schema import strata, targets  # noqa: E402

STRATEGIES = ("random", "uncertainty", "diversity", "mixed")


def scores(clf: Classifier, batch, Y: np.ndarray, y: np.ndarray) -> tuple[float, float]:  # noqa: ANN001
    D, T = clf.predict(batch)
    return sector_metrics(Y, D)["macro_f1"], tone_metrics(y, T)["macro_f1"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--start", type=int, default=150)
    ap.add_argument("--step", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--test", type=float, default=0.25)
    args = ap.parse_args()
    corpora = sorted(glob.glob(str(ROOT.parent / "shared" / "corpora" / "*.jsonl")))
    examples, _ = check([ROOT / "labels"], corpora)
    examples, _ = merge(examples)
    Y, y = targets(examples)
    batch = tokenize_batch([e.title for e in examples], [e.text for e in examples])
    sizes = [args.start + k * args.step for k in range(args.rounds + 1)]
    curves = {s: np.zeros((args.seeds, len(sizes), 2)) for s in STRATEGIES}
    t0 = time.time()
    for seed in range(args.seeds):
        rest, test = train_test_split(
            np.arange(len(y)), test_size=args.test, random_state=seed, stratify=strata(Y, y, 2)
        )
        rng = np.random.default_rng(seed)
        start = rng.choice(rest, size=args.start, replace=False)
        tb = batch.subset(test)
        for strategy in STRATEGIES:
            labelled = list(start)
            for k in range(len(sizes)):
                clf = make_classifier(DEFAULT_CANDIDATE, seed).fit(
                    batch.subset(labelled), Y[labelled], y[labelled]
                )
                curves[strategy][seed, k] = scores(clf, tb, Y[test], y[test])
                if k == len(sizes) - 1:
                    break
                pool = np.setdiff1d(rest, labelled)
                if strategy == "random":
                    new = rng.choice(pool, size=args.step, replace=False).tolist()
                else:
                    sub = batch.subset(pool)
                    Ps, Pt, X = clf.compiled_.predict_batch(sub)
                    picks, _ = select(
                        Ps,
                        Pt,
                        X,
                        clf.compiled_.thresholds,
                        clf.compiled_.row_tone_weights(sub.zh),
                        args.step,
                        strategy,
                        seed,
                    )
                    new = [int(pool[i]) for i, _ in picks]
                labelled += new
            print(
                f"seed {seed} {strategy:11s} done ({time.time() - t0:.0f}s)",
                file=sys.stderr,
                flush=True,
            )
    print(
        f"\nActive-learning simulation: {len(y)} labels, test split {args.test:.0%} (fixed per seed), "
        f"start {args.start} random labels, +{args.step} per round, mean over {args.seeds} seeds.\n"
    )
    for k_metric, name in ((0, "sector macro-F1"), (1, "tone macro-F1 (tightening/easing/none)")):
        print(f"{name}")
        print(f"{'labels':>8s} " + " ".join(f"{s:>12s}" for s in STRATEGIES))
        for k, n in enumerate(sizes):
            print(
                f"{n:8d} "
                + " ".join(f"{curves[s][:, k, k_metric].mean():12.3f}" for s in STRATEGIES)
            )
        area = {s: curves[s][:, 1:, k_metric].mean() for s in STRATEGIES}
        print(
            "mean over rounds after the start: "
            + ", ".join(f"{s} {v:.3f}" for s, v in area.items())
            + "\n"
        )
    print(f"total {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
