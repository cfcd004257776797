"""A pickle-free copy of a fitted classifier, for loading bundles without running their code.

joblib/pickle executes code on load. Everything *prediction* needs is plain data — the
TF-IDF vocabulary and idf, the lexicon column mapping, the stacked calibrated weights,
thresholds and tone weights — so a bundle also stores it as ``model.npz`` (numeric arrays,
loaded with ``allow_pickle=False``) and ``model.json`` (vocabulary and parameters).
:class:`SafeClassifier` rebuilds the same predictions from those two files (tested equal to
the pickled classifier). Training and cross-validation still use the full estimators.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from classify.features import LEXICON_COLUMNS, Batch, lexicon_counts, ngrams, unigrams
from classify.models import (
    SectorModel,
    StackedSigmoid,
    ToneModel,
    combine_binary,
    combine_multiclass,
)

SAFE_ARRAYS = "model.npz"
SAFE_META = "model.json"
SAFE_VERSION = 1


def export(clf, out_dir: Path) -> list[str]:  # noqa: ANN001 - a fitted classify.models.Classifier
    """Write ``model.npz`` + ``model.json`` for a fitted Classifier; returns the file names."""
    f = clf.featurizer
    vocab = f.tfidf_.vocabulary_
    terms = [None] * len(vocab)
    for t, i in vocab.items():
        terms[i] = t
    sm, tm = clf.sectors, clf.tone
    groups = [g if isinstance(g, float) else list(map(int, g)) for g in sm.groups_]
    arrays = {
        "idf": f.tfidf_.idf_.astype(np.float64),
        "sec_W": sm.stack_.W,
        "sec_b": sm.stack_.b,
        "sec_a": sm.stack_.a_cal,
        "sec_c": sm.stack_.b_cal,
        "thresholds": np.asarray(sm.thresholds_, dtype=np.float64),
        "sec_coef": sm.coef_,
        "tone_W": tm.stack_.W,
        "tone_b": tm.stack_.b,
        "tone_a": tm.stack_.a_cal,
        "tone_c": tm.stack_.b_cal,
        "tone_weights": np.asarray(tm.weights_, dtype=np.float64),
        "tone_present": np.asarray(tm.present_, dtype=np.int64),
        "tone_coef": tm.coef_,
        "tone_scale": (
            clf.tone_scale_.diagonal()
            if getattr(clf, "tone_scale_", None) is not None
            else np.ones(len(terms) + len(LEXICON_COLUMNS))
        ),
    }
    meta = {
        "safe_version": SAFE_VERSION,
        "terms": terms,
        "ngram_max": f.ngram_max,
        "use_lexicon": f.use_lexicon,
        "lexicon_weight": f.lexicon_weight,
        "lexicon_columns": list(LEXICON_COLUMNS),
        "entity_sectors": {k: list(v) for k, v in f.entity_sectors_.items()},
        "entity_country": f.entity_country_,
        "sector_labels": list(sm.labels),
        "tone_labels": list(tm.labels),
        "sector_groups": groups,
        "tone_folds": [[list(map(int, idx)), list(map(int, pos))] for idx, pos in tm.folds_],
    }
    np.savez_compressed(out_dir / SAFE_ARRAYS, **arrays)
    (out_dir / SAFE_META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return [SAFE_ARRAYS, SAFE_META]


@dataclass
class _Featurizer:
    vocab: dict[str, int]
    idf: np.ndarray
    ngram_max: int
    use_lexicon: bool
    lexicon_weight: float
    entity_sectors_: dict
    entity_country_: dict
    feature_names_: np.ndarray

    def transform(self, batch: Batch) -> sp.csr_matrix:
        """The same matrix as the fitted TfidfVectorizer (sublinear tf, idf, l2) + lexicon columns."""
        analyze = ngrams if self.ngram_max == 2 else unigrams
        indptr, indices, data = [0], [], []
        for toks in batch.tokens:
            counts: dict[int, int] = {}
            for g in analyze(toks):
                j = self.vocab.get(g)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            cols = sorted(counts)
            indices.extend(cols)
            data.extend(counts[j] for j in cols)
            indptr.append(len(indices))
        n = len(batch.tokens)
        X = sp.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
            shape=(n, len(self.vocab)),
        )
        X.data = (np.log(X.data) + 1.0) * self.idf[X.indices]
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        X = sp.csr_matrix(sp.diags(1.0 / norms) @ X, dtype=np.float32)
        if self.use_lexicon and batch.matches:
            dense = np.vstack(
                [
                    lexicon_counts(m, self.entity_sectors_, self.entity_country_)
                    for m in batch.matches
                ]
            )
            L = sp.csr_matrix((np.log1p(dense) * self.lexicon_weight).astype(np.float32))
        else:
            L = sp.csr_matrix((n, len(LEXICON_COLUMNS)), dtype=np.float32)
        return sp.hstack([X, L], format="csr")


@dataclass
class _Sectors:
    labels: tuple[str, ...]
    stack_: StackedSigmoid
    groups_: list
    thresholds_: np.ndarray
    coef_: np.ndarray

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        return combine_binary(self.stack_.proba_columns(X), self.groups_)

    def decide(self, P: np.ndarray) -> np.ndarray:
        return SectorModel.decide(self, P)  # type: ignore[arg-type]  # same rule, same attributes


@dataclass
class _Tone:
    labels: tuple[str, ...]
    stack_: StackedSigmoid
    folds_: list
    present_: np.ndarray
    weights_: np.ndarray
    coef_: np.ndarray

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        return combine_multiclass(
            self.stack_.proba_columns(X), self.folds_, self.present_, len(self.labels)
        )

    def decide(self, P: np.ndarray) -> np.ndarray:
        return ToneModel.decide(self, P)  # type: ignore[arg-type]


class SafeClassifier:
    """Prediction-only classifier rebuilt from ``model.npz`` + ``model.json`` (no pickle)."""

    def __init__(self, bundle_dir: Path) -> None:
        meta = json.loads((bundle_dir / SAFE_META).read_text(encoding="utf-8"))
        if meta.get("safe_version") != SAFE_VERSION:
            raise ValueError(f"unsupported safe format version {meta.get('safe_version')}")
        with np.load(bundle_dir / SAFE_ARRAYS, allow_pickle=False) as z:
            A = {k: z[k] for k in z.files}
        terms = meta["terms"]
        names = np.concatenate(
            [
                np.asarray(terms, dtype=object),
                np.array([f"lex:{c}" for c in meta["lexicon_columns"]]),
            ]
        )
        self.featurizer = _Featurizer(
            {t: i for i, t in enumerate(terms)},
            A["idf"],
            meta["ngram_max"],
            meta["use_lexicon"],
            meta["lexicon_weight"],
            {k: tuple(v) for k, v in meta["entity_sectors"].items()},
            meta["entity_country"],
            names,
        )
        self.sectors = _Sectors(
            tuple(meta["sector_labels"]),
            StackedSigmoid(A["sec_W"], A["sec_b"], A["sec_a"], A["sec_c"]),
            meta["sector_groups"],
            A["thresholds"],
            A["sec_coef"],
        )
        self.tone = _Tone(
            tuple(meta["tone_labels"]),
            StackedSigmoid(A["tone_W"], A["tone_b"], A["tone_a"], A["tone_c"]),
            [(np.array(i), np.array(p)) for i, p in meta["tone_folds"]],
            A["tone_present"],
            A["tone_weights"],
            A["tone_coef"],
        )
        self.tone_scale_ = sp.diags(A["tone_scale"], format="csr")

    def _tone_X(self, X):  # noqa: ANN001, ANN202
        return X @ self.tone_scale_

    def predict(self, batch: Batch) -> tuple[np.ndarray, np.ndarray, object]:
        X = self.featurizer.transform(batch)
        return self.sectors.predict_proba(X), self.tone.predict_proba(self._tone_X(X)), X
