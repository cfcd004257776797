"""Sector and tone models, their cross-validation, and candidate comparison.

Sectors: one calibrated logistic regression per label (one-vs-rest) with a per-label
threshold tuned on out-of-fold probabilities. Tone: a class-weighted multinomial logistic
regression, calibrated. Both read the same :class:`~classify.features.Featurizer` output, so
a batch is vectorized once for all labels.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from classify.features import LEXICON_COLUMNS, Batch, Featurizer
from classify.schema import SECTORS, TONES, strata, targets  # noqa: F401 - targets re-exported

#: Tones whose macro-F1 is the headline tone metric (``neutral`` is too rare to score alone).
TONE_HEADLINE = ("tightening", "easing", "none")
THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.025), 3)

#: The candidate designs compared by repeated cross-validation (see MODEL_CARD.md).
CANDIDATES: dict[str, dict] = {
    # n-grams beside lexicon counts; the tone model sees only the regulatory lexicon columns
    "lexicon+ngrams": {
        "featurizer": {"ngram_max": 2, "use_lexicon": True, "lexicon_weight": 1.0},
        "C": 8.0,
        "tone_lexicon_scale": {"entity": 0.0, "term": 0.0, "action": 0.25, "regulator": 0.25},
    },
    # the same without domain knowledge: what the labels alone teach
    "ngrams-only": {"featurizer": {"ngram_max": 2, "use_lexicon": False}, "C": 8.0},
    # fewer, more general features
    "lexicon+unigrams": {
        "featurizer": {"ngram_max": 1, "use_lexicon": True, "lexicon_weight": 1.0},
        "C": 8.0,
        "tone_lexicon_scale": {"entity": 0.0, "term": 0.0, "action": 0.25, "regulator": 0.25},
    },
}
DEFAULT_CANDIDATE = "lexicon+ngrams"


def subset(batch: Batch, idx: np.ndarray | list[int]) -> Batch:
    return Batch(tokens=[batch.tokens[i] for i in idx], matches=[batch.matches[i] for i in idx])


def _lr(C: float, seed: int, multinomial: bool = False) -> LogisticRegression:
    return LogisticRegression(
        C=C,
        class_weight="balanced",
        max_iter=2000,
        random_state=seed,
        solver="lbfgs" if multinomial else "liblinear",
    )


def _calibrated(
    C: float, seed: int, y: np.ndarray, multinomial: bool = False
) -> CalibratedClassifierCV:
    """Sigmoid calibration with as many folds as the rarest class allows (2..3)."""
    counts = (
        np.bincount(np.asarray(y, dtype=int))
        if not multinomial
        else np.unique(y, return_counts=True)[1]
    )
    cv = int(max(2, min(3, counts[counts > 0].min())))
    return CalibratedClassifierCV(
        _lr(C, seed, multinomial),
        method="sigmoid",
        cv=StratifiedKFold(cv, shuffle=True, random_state=seed),
    )


@dataclass
class StackedSigmoid:
    """Calibrated linear models as stacked arrays: one sparse matmul scores every label and fold.

    Equivalent to ``CalibratedClassifierCV(LogisticRegression, method="sigmoid").predict_proba``
    (tested), without scikit-learn's per-call validation, which dominated batch tagging time.
    ``groups[g]`` lists the columns of output ``g``; binary outputs average the calibrated
    probabilities of their folds, multiclass outputs normalise per fold, then average.
    """

    W: np.ndarray  # (n_features, n_columns)
    b: np.ndarray  # decision intercepts (n_columns,)
    a_cal: np.ndarray  # sigmoid calibration slope per column
    b_cal: np.ndarray  # sigmoid calibration offset per column

    @classmethod
    def from_binary(
        cls, models: list[CalibratedClassifierCV]
    ) -> tuple[StackedSigmoid, list[list[int]]]:
        cols_w, cols_b, a, bb, groups = [], [], [], [], []
        for m in models:
            g = []
            for c in m.calibrated_classifiers_:
                est, cal = c.estimator, c.calibrators[0]
                g.append(len(cols_w))
                cols_w.append(est.coef_[0])
                cols_b.append(est.intercept_[0])
                a.append(cal.a_)
                bb.append(cal.b_)
            groups.append(g)
        return cls(np.column_stack(cols_w), np.array(cols_b), np.array(a), np.array(bb)), groups

    def decision(self, X) -> np.ndarray:  # noqa: ANN001
        return np.asarray(X @ self.W) + self.b

    def proba_columns(self, X) -> np.ndarray:  # noqa: ANN001
        from scipy.special import expit

        return expit(-(self.a_cal * self.decision(X) + self.b_cal))


def combine_binary(Pc: np.ndarray, groups: list) -> np.ndarray:
    """Per label: the mean calibrated probability of its folds' columns (a float = constant label)."""
    out = np.empty((Pc.shape[0], len(groups)))
    for j, g in enumerate(groups):
        out[:, j] = g if isinstance(g, float) else Pc[:, g].mean(axis=1)
    out[(out > 1.0) & (out <= 1.0 + 1e-5)] = 1.0
    return out


def combine_multiclass(
    Pc: np.ndarray, folds: list, present: np.ndarray, n_labels: int
) -> np.ndarray:
    """Per fold: normalise its per-class calibrated columns; average the folds (as scikit-learn does)."""
    n_cls = len(present)
    acc = np.zeros((Pc.shape[0], n_cls))
    for idx, pos in folds:
        p = np.zeros((Pc.shape[0], n_cls))
        p[:, pos] = Pc[:, idx]
        den = p.sum(axis=1, keepdims=True)
        acc += np.divide(p, den, out=np.full_like(p, 1 / n_cls), where=den != 0)
    acc /= len(folds)
    acc[(acc > 1.0) & (acc <= 1.0 + 1e-5)] = 1.0
    P = np.zeros((Pc.shape[0], n_labels))
    P[:, present] = acc
    return P


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability cut that maximises F1 on out-of-fold predictions (ties: the middle one)."""
    if y.sum() == 0:
        return 0.5
    scores = np.array([f1_score(y, p >= t, zero_division=0) for t in THRESHOLD_GRID])
    best = np.flatnonzero(scores >= scores.max() - 1e-9)
    return float(THRESHOLD_GRID[best[len(best) // 2]])


@dataclass
class SectorModel:
    """One calibrated binary model per sector, plus a tuned threshold per sector."""

    C: float = 8.0
    seed: int = 0
    labels: tuple[str, ...] = SECTORS
    models_: list = field(default_factory=list)
    thresholds_: np.ndarray | None = None
    coef_: np.ndarray | None = None
    prior_: np.ndarray | None = None

    def fit(self, X, Y: np.ndarray, tune: bool = True) -> SectorModel:  # noqa: ANN001
        self.models_, thr, coefs = [], [], []
        self.prior_ = Y.mean(axis=0)
        for j in range(Y.shape[1]):
            y = Y[:, j]
            if y.sum() < 2 or y.sum() > len(y) - 2:
                self.models_.append(float(y.mean()))  # constant: not enough positives to learn
                thr.append(0.5)
                coefs.append(np.zeros(X.shape[1]))
                continue
            m = _calibrated(self.C, self.seed, y).fit(X, y)
            self.models_.append(m)
            coefs.append(np.mean([c.estimator.coef_[0] for c in m.calibrated_classifiers_], axis=0))
            thr.append(self._oof_threshold(X, y) if tune else 0.5)
        self.thresholds_ = np.array(thr)
        self.coef_ = np.vstack(coefs)
        self._compile(X.shape[1])
        return self

    def _compile(self, n_features: int) -> None:
        learned = [m for m in self.models_ if not isinstance(m, float)]
        if learned:
            self.stack_, groups = StackedSigmoid.from_binary(learned)
        else:
            self.stack_, groups = StackedSigmoid(np.zeros((n_features, 0)), *(np.zeros(0),) * 3), []
        it = iter(groups)
        self.groups_ = [m if isinstance(m, float) else next(it) for m in self.models_]

    def _oof_threshold(self, X, y: np.ndarray) -> float:  # noqa: ANN001
        k = int(min(3, y.sum()))
        if k < 2:
            return 0.5
        p = np.zeros(len(y))
        for tr, te in StratifiedKFold(k, shuffle=True, random_state=self.seed).split(X, y):
            if y[tr].sum() < 2:
                continue
            p[te] = (
                _calibrated(self.C, self.seed, y[tr]).fit(X[tr], y[tr]).predict_proba(X[te])[:, 1]
            )
        return best_threshold(y, p)

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        """Calibrated probability per label: every label and fold scored in one matmul."""
        return combine_binary(self.stack_.proba_columns(X), self.groups_)

    def decide(self, P: np.ndarray) -> np.ndarray:
        """Labels passing their threshold; ``non_tech`` only when it beats every tech sector."""
        D = self.thresholds_ <= P
        if "non_tech" in self.labels:
            j = self.labels.index("non_tech")
            others = np.delete(P, j, axis=1).max(axis=1) if P.shape[1] > 1 else np.zeros(len(P))
            nt = D[:, j] & (P[:, j] >= others)
            D[nt] = False
            D[nt, j] = True
            D[~nt, j] = False
        return D


WEIGHT_GRID = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


@dataclass
class ToneModel:
    """Class-weighted multinomial logistic regression, sigmoid-calibrated.

    ``tone_scores`` are the calibrated probabilities. The decision (``tone``) is the class with
    the highest *weighted* probability, the weights tuned on out-of-fold predictions to maximise
    macro-F1: calibrated probabilities favour ``none`` (80% of articles), which alone would
    leave most regulatory articles unflagged.
    """

    C: float = 8.0
    seed: int = 0
    labels: tuple[str, ...] = TONES
    model_: object = None
    coef_: np.ndarray | None = None
    weights_: np.ndarray | None = None

    def fit(self, X, y: np.ndarray, tune: bool = True) -> ToneModel:  # noqa: ANN001
        self.model_, self.present_ = self._fit(X, y)
        coef = np.zeros((len(self.labels), X.shape[1]))
        for c in self.model_.calibrated_classifiers_:
            est = c.estimator
            for k, cls in enumerate(est.classes_):
                coef[int(cls)] += est.coef_[k] / len(self.model_.calibrated_classifiers_)
        self.coef_ = coef
        self.weights_ = self._tune_weights(X, y) if tune else np.ones(len(self.labels))
        self._compile()
        return self

    def _fit(self, X, y: np.ndarray) -> tuple:  # noqa: ANN001
        """Fit on the tones with at least two examples (one example cannot be calibrated)."""
        vals, counts = np.unique(y, return_counts=True)
        keep = np.isin(y, vals[counts >= 2])
        if len(np.unique(y[keep])) < 2:
            raise ValueError(
                "the tone model needs at least two tones with two or more examples each"
            )
        m = _calibrated(self.C, self.seed, y[keep], multinomial=True).fit(X[keep], y[keep])
        return m, np.asarray(m.classes_, dtype=int)

    def _proba(self, m: object, present: np.ndarray, X) -> np.ndarray:  # noqa: ANN001
        P = np.zeros((X.shape[0], len(self.labels)))
        P[:, present] = m.predict_proba(X)
        return P

    def _tune_weights(self, X, y: np.ndarray) -> np.ndarray:  # noqa: ANN001
        counts = np.bincount(y, minlength=len(self.labels))
        learnable = counts[counts >= 2]
        if len(learnable) < 2:
            return np.ones(len(self.labels))
        k = int(min(3, learnable.min()))
        P = np.zeros((len(y), len(self.labels)))
        with warnings.catch_warnings():  # a singleton tone only triggers StratifiedKFold's warning
            warnings.simplefilter("ignore", UserWarning)
            folds = list(StratifiedKFold(k, shuffle=True, random_state=self.seed).split(X, y))
        for tr, te in folds:
            m, present = self._fit(X[tr], y[tr])
            P[te] = self._proba(m, present, X[te])
        head = [TONES.index(t) for t in TONE_HEADLINE]
        t_i, e_i = TONES.index("tightening"), TONES.index("easing")
        best, best_w = -1.0, np.ones(len(self.labels))
        for wt in WEIGHT_GRID:
            for we in WEIGHT_GRID:
                w = np.ones(len(self.labels))
                w[t_i], w[e_i] = wt, we
                pred = (P * w).argmax(axis=1)
                f = f1_score(y, pred, labels=head, average="macro", zero_division=0)
                if f > best + 1e-9:
                    best, best_w = f, w
        return best_w

    def _compile(self) -> None:
        """Stack each fold's per-class decision and calibrator (classes in ``present_`` order)."""
        cols_w, cols_b, a, bb = [], [], [], []
        self.folds_ = []
        for c in self.model_.calibrated_classifiers_:
            est = c.estimator
            idx = []
            for k in range(len(est.classes_)):
                idx.append(len(cols_w))
                cols_w.append(est.coef_[k])
                cols_b.append(est.intercept_[k])
                a.append(c.calibrators[k].a_)
                bb.append(c.calibrators[k].b_)
            # positions of this fold's classes among the model's classes
            pos = np.searchsorted(self.model_.classes_, est.classes_)
            self.folds_.append((idx, pos))
        self.stack_ = StackedSigmoid(
            np.column_stack(cols_w), np.array(cols_b), np.array(a), np.array(bb)
        )

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        """Calibrated tone probabilities (same as the calibrated model's, in one matmul)."""
        return combine_multiclass(
            self.stack_.proba_columns(X), self.folds_, self.present_, len(self.labels)
        )

    def decide(self, P: np.ndarray) -> np.ndarray:
        """Tone index per row: argmax of the tuned-weight probabilities."""
        w = self.weights_ if self.weights_ is not None else np.ones(P.shape[1])
        return (P * w).argmax(axis=1)


@dataclass
class Classifier:
    """Featurizer + sector model + tone model, fitted together (what a bundle stores)."""

    candidate: str = DEFAULT_CANDIDATE
    seed: int = 0
    spec: dict | None = None  # overrides CANDIDATES[candidate] (for experiments)
    featurizer: Featurizer | None = None
    sectors: SectorModel | None = None
    tone: ToneModel | None = None

    def fit(self, batch: Batch, Y: np.ndarray, y_tone: np.ndarray, tune: bool = True) -> Classifier:
        spec = self.spec or CANDIDATES[self.candidate]
        self.featurizer = Featurizer(**spec["featurizer"])
        X = self.featurizer.fit_transform(batch)
        self.tone_scale_ = _column_scale(X.shape[1], spec.get("tone_lexicon_scale"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.sectors = SectorModel(C=spec["C"], seed=self.seed).fit(X, Y, tune=tune)
            self.tone = ToneModel(C=spec.get("tone_C", spec["C"]), seed=self.seed).fit(
                self._tone_X(X), y_tone, tune=tune
            )
        return self

    def _tone_X(self, X):  # noqa: ANN001, ANN202
        scale = getattr(self, "tone_scale_", None)
        return X if scale is None else X @ scale

    def predict(self, batch: Batch) -> tuple[np.ndarray, np.ndarray, object]:
        """(sector probabilities, tone probabilities, feature matrix) for a tokenized batch."""
        X = self.featurizer.transform(batch)
        return self.sectors.predict_proba(X), self.tone.predict_proba(self._tone_X(X)), X


def _column_scale(n_features: int, groups: dict[str, float] | None) -> sp.csr_matrix | None:
    """Diagonal matrix rescaling lexicon column groups (e.g. the tone model ignores sector terms)."""
    if not groups:
        return None
    scale = np.ones(n_features)
    offset = n_features - len(LEXICON_COLUMNS)
    for k, col in enumerate(LEXICON_COLUMNS):
        group = col.split(":")[0]
        if group in groups:
            scale[offset + k] = groups[group]
    return sp.diags(scale, format="csr")


# --------------------------------------------------------------------------- metrics


def sector_metrics(Y: np.ndarray, D: np.ndarray) -> dict:
    p, r, f, s = precision_recall_fscore_support(Y, D, zero_division=0)
    per = {
        lab: {
            "precision": float(p[j]),
            "recall": float(r[j]),
            "f1": float(f[j]),
            "support": int(s[j]),
        }
        for j, lab in enumerate(SECTORS)
    }
    scored = [j for j in range(len(SECTORS)) if s[j] > 0]
    return {
        "per_label": per,
        "micro_f1": float(f1_score(Y, D, average="micro", zero_division=0)),
        "macro_f1": float(np.mean(f[scored])) if scored else 0.0,
    }


def tone_metrics(y: np.ndarray, pred: np.ndarray) -> dict:
    labels = list(range(len(TONES)))
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    # macro over the headline tones present in the gold labels or the predictions (a tone absent
    # from both, as in a small slice, has no F1 to average)
    head = [k for k in (TONES.index(t) for t in TONE_HEADLINE) if s[k] > 0 or (pred == k).any()]
    return {
        "per_label": {
            t: {
                "precision": float(p[k]),
                "recall": float(r[k]),
                "f1": float(f[k]),
                "support": int(s[k]),
            }
            for k, t in enumerate(TONES)
        },
        "macro_f1": float(np.mean(f[head])) if head else 0.0,
        "macro_f1_all4": float(np.mean(f[[k for k in labels if s[k] > 0]])),
        "accuracy": float(np.mean(y == pred)),
        "confusion": {
            "labels": list(TONES),
            "matrix": confusion_matrix(y, pred, labels=labels).tolist(),
        },
    }


def _average(runs: list[dict]) -> dict:
    """Average nested metric dicts over CV repeats (confusion matrices are summed)."""
    out: dict = {}
    for k, v in runs[0].items():
        if isinstance(v, dict) and k == "confusion":
            out[k] = {
                "labels": v["labels"],
                "matrix": np.sum([r[k]["matrix"] for r in runs], axis=0).tolist(),
            }
        elif isinstance(v, dict):
            out[k] = _average([r[k] for r in runs])
        elif isinstance(v, float):
            out[k] = round(float(np.mean([r[k] for r in runs])), 4)
        else:
            out[k] = v
    return out


def cross_validate(
    batch: Batch,
    Y: np.ndarray,
    y: np.ndarray,
    candidate: str = DEFAULT_CANDIDATE,
    n_splits: int = 5,
    n_repeats: int = 2,
    seed: int = 0,
    groups: np.ndarray | None = None,
    n_jobs: int = 1,
    spec: dict | None = None,
) -> dict:
    """Repeated stratified K-fold: every metric is computed on held-out folds only.

    Thresholds are tuned inside each training fold, so the reported F1 is not tuned on the
    data it is scored on. Returns averaged metrics plus the out-of-fold probabilities of the
    first repeat (for error analysis and ``labels check --suspects``).
    """
    from joblib import Parallel, delayed

    key = strata(Y, y, n_splits)
    runs_s, runs_t, oof = [], [], None
    by_group: dict[str, list] = {}
    for rep in range(n_repeats):
        folds = list(
            StratifiedKFold(n_splits, shuffle=True, random_state=seed + rep).split(
                np.zeros(len(y)), key
            )
        )

        def one(tr: np.ndarray, te: np.ndarray) -> tuple:
            clf = Classifier(candidate, seed=seed, spec=spec).fit(subset(batch, tr), Y[tr], y[tr])
            Ps, Pt, _ = clf.predict(subset(batch, te))
            return te, Ps, Pt, clf.sectors.decide(Ps), clf.tone.decide(Pt)

        res = Parallel(n_jobs=n_jobs)(delayed(one)(tr, te) for tr, te in folds)
        Ps_all = np.zeros(Y.shape)
        Pt_all = np.zeros((len(y), len(TONES)))
        D_all = np.zeros(Y.shape, dtype=bool)
        T_all = np.zeros(len(y), dtype=int)
        for te, Ps, Pt, D, T in res:
            Ps_all[te], Pt_all[te], D_all[te], T_all[te] = Ps, Pt, D, T
        runs_s.append(sector_metrics(Y, D_all))
        runs_t.append(tone_metrics(y, T_all))
        if groups is not None:
            for g in np.unique(groups):
                m = groups == g
                by_group.setdefault(str(g), []).append(
                    {
                        "n": int(m.sum()),
                        "sector_macro_f1": sector_metrics(Y[m], D_all[m])["macro_f1"],
                        "sector_micro_f1": sector_metrics(Y[m], D_all[m])["micro_f1"],
                        "tone_macro_f1": tone_metrics(y[m], T_all[m])["macro_f1"],
                    }
                )
        if oof is None:
            oof = {
                "sector_proba": Ps_all,
                "tone_proba": Pt_all,
                "sector_decision": D_all,
                "tone_decision": T_all,
            }
    return {
        "candidate": candidate,
        "scheme": f"{n_repeats}x repeated stratified {n_splits}-fold CV",
        "n": int(len(y)),
        "sectors": _average(runs_s),
        "tone": _average(runs_t),
        "by_group": {
            g: {
                k: (round(float(np.mean([r[k] for r in rs])), 4) if k != "n" else rs[0]["n"])
                for k in rs[0]
            }
            for g, rs in by_group.items()
        },
        "oof": oof,
    }
