"""Scoring a model on gold labels, and holding labels out of training.

``evaluate(gold, predictor)`` tags the gold examples with a loaded :class:`Predictor` and
scores its decisions: per-label precision / recall / F1, micro and macro F1, the tone
confusion matrix; gold examples that are in the model's own training data (its manifest
lists their ids) are counted and, when some are not, scored apart as ``held_out``.
``holdout_split(...)`` is a context manager writing a stratified held-out gold file and the
training labels; the training file lives in a temporary directory removed on exit.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classify.errors import ClassifyError
from classify.schema import SECTORS, TONES, strata, targets

__all__ = ["EvaluationError", "evaluate", "holdout_split"]


class EvaluationError(ClassifyError):
    """Gold labels that cannot be scored (missing file, problems in the labels)."""


def evaluate(gold: str | Path, predictor: Any, corpora: Sequence[str] = ()) -> dict[str, Any]:
    """Scores of ``predictor`` on the gold labels in ``gold`` (id-only labels resolved in ``corpora``)."""
    from classify.labels import check
    from classify.models import sector_metrics, tone_metrics

    if not Path(gold).exists():
        raise EvaluationError(f"gold file not found: {gold}")
    examples, problems = check([str(gold)], list(corpora))
    errors = [pr for pr in problems if pr.severity == "error"]
    if errors:
        raise EvaluationError("gold labels have problems:\n" + "\n".join(map(str, errors[:20])))
    Y, y = targets(examples)
    tags = predictor.predict([{"id": e.id, "title": e.title, "text": e.text} for e in examples])
    D = np.array([[s in t.sectors for s in SECTORS] for t in tags], dtype=int)
    pred = np.array([TONES.index(t.tone) for t in tags])
    res: dict[str, Any] = {
        "model": str(predictor.path),
        "n": len(examples),
        "sectors": sector_metrics(Y, D),
        "tone": tone_metrics(y, pred),
    }
    trained = set(predictor.manifest.get("training_data", {}).get("ids") or [])
    seen = np.array([e.id in trained for e in examples], dtype=bool)
    res["in_training"] = int(seen.sum())
    if seen.any() and not seen.all():
        res["held_out"] = {
            "n": int((~seen).sum()),
            "sectors": sector_metrics(Y[~seen], D[~seen]),
            "tone": tone_metrics(y[~seen], pred[~seen]),
        }
    return res


@contextlib.contextmanager
def holdout_split(
    label_paths: Sequence[str],
    corpora: Sequence[str],
    fraction: float,
    seed: int,
    gold_out: str | Path | None = None,
) -> Iterator[tuple[list[str], Path, int, int]]:
    """Hold a stratified ``fraction`` of the labels out: yields (training label paths, gold file,
    training count, held-out count).

    The gold file (default ``holdout.jsonl``) is kept for ``classify evaluate``; the training
    file is written to a temporary directory that is removed when the block ends. Corpus items
    stay id-only in both (their text is third-party and is resolved with the corpora).
    """
    from sklearn.model_selection import train_test_split

    from classify.labels import check, merge

    examples, _ = check(list(label_paths), list(corpora))
    examples, _ = merge(examples)
    Y, y = targets(examples)
    idx = np.arange(len(examples))
    tr, te = train_test_split(idx, test_size=fraction, random_state=seed, stratify=strata(Y, y, 2))

    def dump(ids: np.ndarray, path: Path) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            for i in ids:
                e = examples[i]
                rec = {"id": e.id, "sectors": e.sectors, "tone": e.tone}
                if e.own_text:
                    rec.update(title=e.title, date=e.date, text=e.text)
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    gold = Path(gold_out or "holdout.jsonl")
    dump(te, gold)
    tmpdir = Path(tempfile.mkdtemp(prefix="classify-holdout-"))
    try:
        train_file = tmpdir / "train.jsonl"
        dump(tr, train_file)
        yield [str(train_file)], gold, len(tr), len(te)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
