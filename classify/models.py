"""Sector and tone models (scikit-learn estimators), their cross-validation, candidate comparison.

Sectors: one calibrated logistic regression per label (one-vs-rest) with a per-label
threshold tuned on out-of-fold probabilities. Tone: a class-weighted multinomial logistic
regression, calibrated, with decision weights tuned out of fold. Both read the same
:class:`~classify.features.Featurizer` output, so a batch is vectorized once for all labels.

The estimators follow scikit-learn's conventions (parameters in ``__init__`` only, fitted
state in trailing-underscore attributes, ``fit`` returns self, ``check_is_fitted`` guards,
``clone`` works). Scoring is not done here: :meth:`Classifier.compile` returns the
:class:`~classify.compiled.CompiledClassifier` that every prediction uses, and the estimators'
own ``predict_proba``/``predict`` go through the same stacked scorer and decision rules.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from classify.compiled import (
    LENGTH_BUCKETS,
    Batch,
    CompiledClassifier,
    StackedSigmoid,
    combine_binary,
    combine_multiclass,
    decide_sectors,
    decide_tone,
    length_bucket,
)
from classify.features import Featurizer
from classify.lexindex import LEXICON_COLUMNS
from classify.schema import SECTORS, TONE_HEADLINE, TONES, strata, targets  # noqa: F401

__all__ = [
    "THRESHOLD_GRID",
    "CANDIDATES",
    "DEFAULT_CANDIDATE",
    "make_classifier",
    "best_threshold",
    "RATIO_GRID",
    "MIN_BUCKET",
    "MIN_TUNE_POSITIVES",
    "decision_score",
    "best_ratios",
    "SectorModel",
    "WEIGHT_GRID",
    "ToneModel",
    "Classifier",
    "sector_metrics",
    "MIN_SUPPORT",
    "supported_macro_f1",
    "tone_metrics",
    "cross_validate",
]

THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.025), 3)
_TONE_SCALE = {"entity": 0.0, "term": 0.0, "action": 0.25, "regulator": 0.25}

#: The shipped designs' parameters; the variant candidates below change one decision rule each.
_LEXICON_NGRAMS = {
    "ngram_max": 2,
    "use_lexicon": True,
    "lexicon_weight": 1.0,
    "C": 16.0,
    "tone_lexicon_scale": _TONE_SCALE,
}
_LEXICON_UNIGRAMS = {**_LEXICON_NGRAMS, "ngram_max": 1, "C": 8.0}
#: unigrams + Chinese character grams with weaker regularisation (v019's base)
_CHARS_C24 = {**_LEXICON_UNIGRAMS, "cjk_chars": True, "C": 24.0}

#: The candidate designs compared by repeated cross-validation: parameter sets of
#: :class:`Classifier` (see MODEL_CARD.md).
CANDIDATES: dict[str, dict] = {
    # n-grams beside lexicon counts; the tone model sees only the regulatory lexicon columns
    "lexicon+ngrams": _LEXICON_NGRAMS,
    # the same without domain knowledge: what the labels alone teach
    "ngrams-only": {"ngram_max": 2, "use_lexicon": False, "C": 8.0},
    # fewer, more general features
    "lexicon+unigrams": _LEXICON_UNIGRAMS,
    # the shipped design with one set of tone decision weights for both languages (v004's)
    "lexicon+ngrams/pooled-tone-weights": {**_LEXICON_NGRAMS, "tone_per_language": False},
    # the shipped design with the tone decision weights tuned on every label, not only on
    # the randomly picked ones (v013's and earlier versions' rule)
    "lexicon+ngrams/tone-tuned-on-all": {**_LEXICON_NGRAMS, "tone_tune_random": False},
    # lexicon + unigrams with the sector thresholds and length ratios, too, tuned on the
    # labels picked at random (keyword queries nominate a weak sector's items, and a
    # threshold tuned on them is too low for a feed)
    "lexicon+unigrams/sectors-tuned-on-random": {**_LEXICON_UNIGRAMS, "sector_tune_random": True},
    # the two base designs with Chinese character 1-2-grams beside the words (Chinese
    # articles only): a term the segmenter cuts or does not know shares its characters
    "lexicon+unigrams+chars": {**_LEXICON_UNIGRAMS, "cjk_chars": True},
    "lexicon+ngrams+chars": {**_LEXICON_NGRAMS, "cjk_chars": True},
    # the same with weaker regularisation: with 10,598 labels and the character grams, C = 8
    # (chosen on 2,000-odd labels of words alone) held the models back (paired two-repeat CV:
    # C 8 / 12 / 16 / 24 gave sector macro-F1 0.774 / 0.779 / 0.779 / 0.779, tone 0.753 /
    # 0.758 / 0.763 / 0.765), and the tone model gains from a weaker prior still
    "lexicon+unigrams+chars/C=24": _CHARS_C24,
    "lexicon+unigrams+chars/C=24,tone-C=48": {**_CHARS_C24, "tone_C": 48.0},
    # the same with the mildest tone weights within 0.02 of the best out-of-fold macro-F1:
    # the Chinese random picks hold ~10 easing 36Kr headlines in 1,600, and the weight their
    # maximum chose (easing 6) flagged 582 of the 68,637 36Kr headlines as easing, 200 more
    # than at 4, most of them (read: 22 of 25) funding rounds and model launches
    "lexicon+unigrams+chars/C=24,tone-C=48,mild-weights": {
        **_CHARS_C24,
        "tone_C": 48.0,
        "tone_weight_tolerance": 0.02,
    },
    # the same with the decision rule before issue #10: per-label thresholds only, so a long
    # article keeps every sector that clears its threshold (and a text none clears has none)
    "lexicon+unigrams/thresholds-only": {
        **_LEXICON_UNIGRAMS,
        "relative": False,
        "at_least_one": False,
    },
}
DEFAULT_CANDIDATE = "lexicon+ngrams"


def make_classifier(
    candidate: str = DEFAULT_CANDIDATE, seed: int = 0, spec: dict | None = None
) -> Classifier:
    """A :class:`Classifier` with a candidate's parameters (``spec`` overrides them)."""
    params = dict(CANDIDATES[candidate]) if candidate in CANDIDATES else {}
    params.update(spec or {})
    return Classifier(**params, random_state=seed)


def _lr(C: float, seed: int, multinomial: bool = False) -> LogisticRegression:
    return LogisticRegression(
        C=C,
        class_weight="balanced",
        max_iter=2000,
        random_state=seed,
        solver="lbfgs" if multinomial else "liblinear",
    )


def _calibrated(
    C: float, seed: int, y: np.ndarray, multinomial: bool = False, ensemble: bool = False
) -> CalibratedClassifierCV:
    """Sigmoid calibration with as many folds as the rarest class allows (2..3).

    ``ensemble=False`` (the sector models): the folds only produce the calibration data
    (out-of-fold decisions); the model itself is then fitted once on all the data, not averaged
    over models that each saw 2/3 of it (CV: English sector macro-F1 up 0.01-0.03). The tone
    model keeps the fold ensemble: without it, its tuned class weights flagged ordinary
    English feed items as tightening at P = 0.27-0.45 (gold tone macro-F1 0.688 -> 0.631).
    """
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
        ensemble=ensemble,
    )


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability cut that maximises F1 on out-of-fold predictions (ties: the middle one)."""
    if y.sum() == 0:
        return 0.5
    scores = np.array([f1_score(y, p >= t, zero_division=0) for t in THRESHOLD_GRID])
    best = np.flatnonzero(scores >= scores.max() - 1e-9)
    return float(THRESHOLD_GRID[best[len(best) // 2]])


#: a label with fewer positives than this among the tuning rows is tuned on all rows
MIN_TUNE_POSITIVES = 20
RATIO_GRID = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
#: fewer articles than this in a length bucket: its ratio stays 0 (thresholds alone)
MIN_BUCKET = 30


def decision_score(Y: np.ndarray, D: np.ndarray) -> float:
    """What sector decision rules are tuned and compared on: macro-F1 + micro-F1."""
    return f1_score(Y, D, average="macro", zero_division=0) + f1_score(
        Y, D, average="micro", zero_division=0
    )


def best_ratios(
    Y: np.ndarray,
    P: np.ndarray,
    thresholds: np.ndarray,
    chars: np.ndarray,
    labels: tuple,
    at_least_one: bool = True,
) -> np.ndarray:
    """Per length bucket, the ratio-to-top that maximises :func:`decision_score` out of fold.

    ``P`` are out-of-fold probabilities; ties keep the smaller ratio (the plain threshold rule).
    """
    b = length_bucket(chars)
    out = np.zeros(len(LENGTH_BUCKETS))
    for k in range(len(LENGTH_BUCKETS)):
        m = b == k
        if m.sum() < MIN_BUCKET:
            continue
        Ym, Pm, cm = Y[m].astype(bool), P[m], np.asarray(chars)[m]
        best, best_r = -1.0, 0.0
        for r in RATIO_GRID:
            ratio = np.full(len(LENGTH_BUCKETS), r)
            s = decision_score(Ym, decide_sectors(Pm, thresholds, labels, ratio, cm, at_least_one))
            if s > best + 1e-9:
                best, best_r = s, r
        out[k] = best_r
    return out


class SectorModel(ClassifierMixin, BaseEstimator):
    """One calibrated binary model per sector, plus a threshold per sector tuned out of fold.

    ``fit(X, Y)`` with ``Y`` a multi-hot (n, len(labels)) matrix. Fitted: ``estimators_``
    (a calibrated model, or the constant probability of a label with < 2 positives or
    negatives), ``thresholds_``, ``coef_`` (fold-mean weights, for explanations), ``prior_``,
    ``stack_`` and ``groups_`` (the stacked scorer).
    """

    def __init__(
        self,
        C: float = 8.0,
        random_state: int = 0,
        tune: bool = True,
        labels: tuple = SECTORS,
        relative: bool = True,
        at_least_one: bool = True,
    ) -> None:
        self.C = C
        self.random_state = random_state
        self.tune = tune
        self.labels = labels
        self.relative = relative
        self.at_least_one = at_least_one

    def fit(  # noqa: ANN001
        self,
        X,
        Y: np.ndarray,
        chars: np.ndarray | None = None,
        tune_rows: np.ndarray | None = None,
    ) -> SectorModel:
        """Fit every label; ``chars`` (article lengths) lets the decision depend on length.

        With ``tune``, per-label thresholds come from inner out-of-fold probabilities; with
        ``relative`` and ``chars``, so does one ratio-to-top per length bucket (see
        :func:`classify.compiled.decide_sectors`). ``tune_rows`` (bool per row): the rows the
        thresholds and ratios are tuned on (the models are fitted on all rows), as for
        :meth:`ToneModel.fit`: items a keyword query or a model's uncertainty nominated hold
        a weak sector several times as often as a feed does, and a threshold tuned on them
        is too low for the feed. A label with fewer than :data:`MIN_TUNE_POSITIVES`
        positives among those rows is tuned on all rows.
        """
        Y = np.asarray(Y)
        self.estimators_, coefs = [], []
        self.prior_ = Y.mean(axis=0)
        P_inner = np.zeros(Y.shape)
        for j in range(Y.shape[1]):
            y = Y[:, j]
            if y.sum() < 2 or y.sum() > len(y) - 2:
                self.estimators_.append(float(y.mean()))  # constant: too few to learn
                coefs.append(np.zeros(X.shape[1]))
                P_inner[:, j] = y.mean()
                continue
            m = _calibrated(self.C, self.random_state, y).fit(X, y)
            self.estimators_.append(m)
            coefs.append(np.mean([c.estimator.coef_[0] for c in m.calibrated_classifiers_], axis=0))
            if self.tune:
                P_inner[:, j] = self._oof_proba(X, y)
        rows = np.ones(len(Y), dtype=bool) if tune_rows is None else np.asarray(tune_rows, bool)
        if self.tune:
            thr = []
            for j in range(Y.shape[1]):
                if isinstance(self.estimators_[j], float):
                    thr.append(0.5)
                    continue
                on = rows if Y[rows, j].sum() >= MIN_TUNE_POSITIVES else slice(None)
                thr.append(best_threshold(Y[on, j], P_inner[on, j]))
        else:
            thr = [0.5] * Y.shape[1]
        self.thresholds_ = np.array(thr)
        self.ratio_ = (
            best_ratios(
                Y[rows],
                P_inner[rows],
                self.thresholds_,
                np.asarray(chars)[rows],
                self.labels,
                self.at_least_one,
            )
            if self.tune and self.relative and chars is not None
            else None
        )
        self.coef_ = np.vstack(coefs)
        self.n_features_in_ = X.shape[1]
        learned = [m for m in self.estimators_ if not isinstance(m, float)]
        if learned:
            self.stack_, groups = _stack_binary(learned)
        else:
            self.stack_, groups = StackedSigmoid(np.zeros((X.shape[1], 0)), *(np.zeros(0),) * 3), []
        it = iter(groups)
        self.groups_ = [m if isinstance(m, float) else next(it) for m in self.estimators_]
        return self

    def _oof_proba(self, X, y: np.ndarray) -> np.ndarray:  # noqa: ANN001
        """Inner out-of-fold calibrated probabilities of one label (for tuning its decision)."""
        k = int(min(3, y.sum()))
        p = np.full(len(y), float(y.mean()))
        if k < 2:
            return p
        seed = self.random_state
        for tr, te in StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y):
            if y[tr].sum() < 2:
                continue
            p[te] = _calibrated(self.C, seed, y[tr]).fit(X[tr], y[tr]).predict_proba(X[te])[:, 1]
        return p

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        """Calibrated probability per label: every label and fold scored in one matmul."""
        check_is_fitted(self, "stack_")
        return combine_binary(self.stack_.proba_columns(X), self.groups_)

    def predict(self, X, chars: np.ndarray | None = None) -> np.ndarray:  # noqa: ANN001
        """Multi-hot decisions (thresholds, the length-aware ratio, the ``non_tech`` rule)."""
        P = self.predict_proba(X)
        D = decide_sectors(P, self.thresholds_, self.labels, self.ratio_, chars, self.at_least_one)
        return D.astype(int)


def _stack_binary(models: list[CalibratedClassifierCV]) -> tuple[StackedSigmoid, list[list[int]]]:
    """The calibrated binary models as one StackedSigmoid: a column per (label, CV fold)."""
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
    return StackedSigmoid(
        np.column_stack(cols_w), np.array(cols_b), np.array(a), np.array(bb)
    ), groups


WEIGHT_GRID = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


def _is_binary(est: LogisticRegression) -> bool:
    """A model fitted on two classes has one decision function (``coef_`` has one row)."""
    return len(est.classes_) == 2 and est.coef_.shape[0] == 1


def _best_weights(P: np.ndarray, y: np.ndarray, n_tones: int, tolerance: float = 0.0) -> np.ndarray:
    """The (tightening, easing) weights of :data:`WEIGHT_GRID` maximising the headline tones'
    macro-F1 of ``argmax(P * w)`` (the other tones weigh 1).

    With ``tolerance`` > 0, the mildest weights (smallest product, then smallest larger weight)
    whose macro-F1 is within ``tolerance`` of the best: on the Chinese random picks (12
    easing and 33 tightening items among 1,900) the maximum is often one or two items' luck,
    and a weight raised for them flags hundreds of ordinary headlines in a feed."""
    head = [TONES.index(t) for t in TONE_HEADLINE]
    t_i, e_i = TONES.index("tightening"), TONES.index("easing")
    best, best_w = -1.0, np.ones(n_tones)
    scored = []
    for wt in WEIGHT_GRID:
        for we in WEIGHT_GRID:
            w = np.ones(n_tones)
            w[t_i], w[e_i] = wt, we
            f = f1_score(y, (P * w).argmax(axis=1), labels=head, average="macro", zero_division=0)
            scored.append((f, wt * we, max(wt, we), w))
            if f > best + 1e-9:
                best, best_w = f, w
    if tolerance <= 0:
        return best_w
    near = [s for s in scored if s[0] >= best - tolerance]
    return min(near, key=lambda s: (s[1], s[2]))[3]


class ToneModel(ClassifierMixin, BaseEstimator):
    """Class-weighted multinomial logistic regression, sigmoid-calibrated.

    ``fit(X, y)`` with ``y`` tone indices into ``labels``. ``predict_proba`` gives the
    calibrated probabilities (``tone_scores``); ``predict`` the class with the highest
    *weighted* probability, the weights tuned on out-of-fold predictions to maximise macro-F1:
    calibrated probabilities favour ``none`` (80% of articles), which alone would leave most
    regulatory articles unflagged. With ``per_language`` and ``zh`` given to ``fit``, the
    weights are tuned for English and Chinese apart (``weights_`` has two rows, English then
    Chinese): a third of English feed items carry a tone and a few percent of Chinese
    headlines do, so one set of weights tuned on both over-flags English (CV: tone macro-F1
    +0.01-0.03 in each language). Fitted: ``model_``, ``present_``, ``coef_``, ``weights_``,
    ``stack_``, ``folds_``.
    """

    def __init__(
        self,
        C: float = 8.0,
        random_state: int = 0,
        tune: bool = True,
        labels: tuple = TONES,
        per_language: bool = False,
        weight_tolerance: float = 0.0,
    ) -> None:
        self.C = C
        self.random_state = random_state
        self.tune = tune
        self.labels = labels
        self.per_language = per_language
        self.weight_tolerance = weight_tolerance

    def fit(  # noqa: ANN001
        self, X, y: np.ndarray, zh: np.ndarray | None = None, tune_rows: np.ndarray | None = None
    ) -> ToneModel:
        """Fit on features ``X`` and tone indices ``y``; ``zh`` (bool per row) for the
        per-language decision weights; ``tune_rows`` (bool per row) the rows the weights are
        tuned on (the model is fitted on all): items picked by a query or by a model's
        uncertainty carry a tone far more often than a feed does, and weights tuned on them
        over-flag ordinary items."""
        y = np.asarray(y, dtype=int)
        self.model_, self.present_ = self._fit(X, y)
        coef = np.zeros((len(self.labels), X.shape[1]))
        n_folds = len(self.model_.calibrated_classifiers_)
        for c in self.model_.calibrated_classifiers_:
            est = c.estimator
            if _is_binary(est):  # one decision: for classes_[1], against classes_[0]
                coef[int(est.classes_[1])] += est.coef_[0] / n_folds
                coef[int(est.classes_[0])] -= est.coef_[0] / n_folds
                continue
            for k, cls in enumerate(est.classes_):
                coef[int(cls)] += est.coef_[k] / n_folds
        self.coef_ = coef
        zh = None if zh is None or not self.per_language else np.asarray(zh, dtype=bool)
        rows = None if tune_rows is None else np.asarray(tune_rows, dtype=bool)
        self.weights_ = (
            self._tune_weights(X, y, zh, rows) if self.tune else np.ones(len(self.labels))
        )
        self.n_features_in_ = X.shape[1]
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
        m = _calibrated(self.C, self.random_state, y[keep], multinomial=True, ensemble=True)
        m = m.fit(X[keep], y[keep])
        return m, np.asarray(m.classes_, dtype=int)

    def _proba(self, m: object, present: np.ndarray, X) -> np.ndarray:  # noqa: ANN001
        P = np.zeros((X.shape[0], len(self.labels)))
        P[:, present] = m.predict_proba(X)
        return P

    def _tune_weights(  # noqa: ANN001
        self, X, y: np.ndarray, zh: np.ndarray | None = None, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Weights maximising out-of-fold macro-F1; with ``zh``, one row per language (a
        language with fewer than 20 articles or a single tone keeps the pooled weights). With
        ``rows``, the out-of-fold predictions of every row are made as before and only the
        given rows are scored (all of them when fewer than 20 are given)."""
        counts = np.bincount(y, minlength=len(self.labels))
        learnable = counts[counts >= 2]
        if len(learnable) < 2:
            return np.ones(len(self.labels))
        k = int(min(3, learnable.min()))
        P = np.zeros((len(y), len(self.labels)))
        with warnings.catch_warnings():  # a singleton tone only triggers StratifiedKFold's warning
            warnings.simplefilter("ignore", UserWarning)
            folds = list(
                StratifiedKFold(k, shuffle=True, random_state=self.random_state).split(X, y)
            )
        for tr, te in folds:
            m, present = self._fit(X[tr], y[tr])
            P[te] = self._proba(m, present, X[te])
        if rows is None or rows.sum() < 20:
            rows = np.ones(len(y), dtype=bool)
        tol = self.weight_tolerance
        pooled = _best_weights(P[rows], y[rows], len(self.labels), tol)
        if zh is None:
            return pooled
        out = []
        for lang in (False, True):  # English, then Chinese
            of = (zh == lang) & rows
            enough = of.sum() >= 20 and len(np.unique(y[of])) >= 2
            out.append(_best_weights(P[of], y[of], len(self.labels), tol) if enough else pooled)
        return np.vstack(out)

    def _compile(self) -> None:
        """Stack each fold's per-class decision and calibrator (classes in ``present_`` order)."""
        cols_w, cols_b, a, bb = [], [], [], []
        self.folds_ = []
        for c in self.model_.calibrated_classifiers_:
            est = c.estimator
            idx = []
            if _is_binary(est):
                # two tones: scikit-learn calibrates the one decision into P(classes_[1]) and
                # sets P(classes_[0]) = 1 - that, which is the same sigmoid with -a, -b
                cal = c.calibrators[0]
                columns = [(0, -cal.a_, -cal.b_), (0, cal.a_, cal.b_)]
            else:
                columns = [(k, cal.a_, cal.b_) for k, cal in enumerate(c.calibrators)]
            for k, a_k, b_k in columns:
                idx.append(len(cols_w))
                cols_w.append(est.coef_[k])
                cols_b.append(est.intercept_[k])
                a.append(a_k)
                bb.append(b_k)
            # positions of this fold's classes among the model's classes
            pos = np.searchsorted(self.model_.classes_, est.classes_)
            self.folds_.append((idx, pos))
        self.stack_ = StackedSigmoid(
            np.column_stack(cols_w), np.array(cols_b), np.array(a), np.array(bb)
        )

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        """Calibrated tone probabilities (same as the calibrated model's, in one matmul)."""
        check_is_fitted(self, "stack_")
        return combine_multiclass(
            self.stack_.proba_columns(X), self.folds_, self.present_, len(self.labels)
        )

    def predict(self, X, zh: np.ndarray | None = None) -> np.ndarray:  # noqa: ANN001
        """Tone index per row (argmax of the tuned-weight probabilities; ``zh`` per row picks
        the language's weights when they were tuned per language)."""
        return decide_tone(self.predict_proba(X), self.weights_, zh)


class Classifier(BaseEstimator):
    """Featurizer + sector model + tone model, fitted together; :meth:`compile` for prediction.

    ``fit(batch, Y, y_tone)`` takes a tokenized :class:`~classify.compiled.Batch`, the
    multi-hot sector matrix and the tone indices (:func:`classify.schema.targets`). Fitted:
    ``featurizer_``, ``sectors_``, ``tone_``, ``tone_scale_`` and ``compiled_`` (the
    prediction object, which ``predict_proba``/``predict`` use). ``tone_tune_random``: tune
    the tone decision weights on the batch's ``tune`` rows only (the labels picked at random,
    :func:`classify.train.picked_at_random`) when the batch names them;
    ``sector_tune_random``: the same for the sector thresholds and length ratios;
    ``cjk_chars``: Chinese articles also get character 1–2-grams of their Chinese words
    (:class:`~classify.features.Featurizer`).
    """

    def __init__(
        self,
        ngram_max: int = 2,
        min_df: int = 2,
        max_features: int = 60000,
        use_lexicon: bool = True,
        lexicon_weight: float = 1.0,
        C: float = 8.0,
        tone_C: float | None = None,
        tone_lexicon_scale: dict | None = None,
        random_state: int = 0,
        tune: bool = True,
        relative: bool = True,
        at_least_one: bool = True,
        tone_per_language: bool = True,
        non_tech_no_tone: bool = True,
        tone_tune_random: bool = True,
        sector_tune_random: bool = False,
        cjk_chars: bool = False,
        tone_weight_tolerance: float = 0.0,
    ) -> None:
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_features = max_features
        self.use_lexicon = use_lexicon
        self.lexicon_weight = lexicon_weight
        self.C = C
        self.tone_C = tone_C
        self.tone_lexicon_scale = tone_lexicon_scale
        self.random_state = random_state
        self.tune = tune
        self.relative = relative
        self.at_least_one = at_least_one
        self.tone_per_language = tone_per_language
        self.non_tech_no_tone = non_tech_no_tone
        self.tone_tune_random = tone_tune_random
        self.sector_tune_random = sector_tune_random
        self.cjk_chars = cjk_chars
        self.tone_weight_tolerance = tone_weight_tolerance

    def fit(self, batch: Batch, Y: np.ndarray, y_tone: np.ndarray) -> Classifier:
        self.featurizer_ = Featurizer(
            ngram_max=self.ngram_max,
            min_df=self.min_df,
            max_features=self.max_features,
            lexicon_weight=self.lexicon_weight,
            use_lexicon=self.use_lexicon,
            cjk_chars=self.cjk_chars,
        )
        X = self.featurizer_.fit_transform(batch)
        self.tone_scale_ = _column_scale(X.shape[1], self.tone_lexicon_scale)
        tone_C = self.tone_C if self.tone_C is not None else self.C
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.sectors_ = SectorModel(
                C=self.C,
                random_state=self.random_state,
                tune=self.tune,
                relative=self.relative,
                at_least_one=self.at_least_one,
            )
            self.sectors_.fit(
                X,
                Y,
                None if batch.chars is None else np.asarray(batch.chars),
                tune_rows=batch.tune if self.sector_tune_random else None,
            )
            self.tone_ = ToneModel(
                C=tone_C,
                random_state=self.random_state,
                tune=self.tune,
                per_language=self.tone_per_language,
                weight_tolerance=self.tone_weight_tolerance,
            )
            self.tone_.fit(
                X @ sp.diags(self.tone_scale_, format="csr"),
                y_tone,
                zh=batch.zh,
                tune_rows=batch.tune if self.tone_tune_random else None,
            )
        self.compiled_ = self.compile()
        return self

    def __getstate__(self) -> dict:
        """Pickle without ``compiled_`` (rebuilt on load): the same fit pickles to the same bytes."""
        state = super().__getstate__()
        state.pop("compiled_", None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if hasattr(self, "tone_"):
            self.compiled_ = self.compile()

    def compile(self) -> CompiledClassifier:
        """The prediction object: this fitted classifier as numpy arrays and plain data."""
        check_is_fitted(self, "tone_")
        f, sm, tm = self.featurizer_, self.sectors_, self.tone_
        return CompiledClassifier(
            terms=f.terms_,
            idf=f.idf_,
            ngram_max=f.ngram_max,
            use_lexicon=f.use_lexicon,
            lexicon_weight=f.lexicon_weight,
            lexicon=f.lexicon_,
            sector_labels=sm.labels,
            sector_stack=sm.stack_,
            sector_groups=sm.groups_,
            thresholds=sm.thresholds_,
            sector_ratio=getattr(sm, "ratio_", None),
            at_least_one=getattr(sm, "at_least_one", False),
            sector_coef=sm.coef_,
            tone_labels=tm.labels,
            tone_stack=tm.stack_,
            tone_folds=tm.folds_,
            tone_present=tm.present_,
            tone_weights=tm.weights_,
            tone_coef=tm.coef_,
            tone_scale=self.tone_scale_,
            non_tech_no_tone=self.non_tech_no_tone,
            cjk_chars=getattr(f, "cjk_chars", False),  # absent in estimators pickled before it
        )

    def predict_proba(self, batch: Batch) -> tuple[np.ndarray, np.ndarray]:
        """(sector probabilities, tone probabilities) of a tokenized batch."""
        check_is_fitted(self, "compiled_")
        Ps, Pt, _ = self.compiled_.predict_batch(batch)
        return Ps, Pt

    def predict(self, batch: Batch) -> tuple[np.ndarray, np.ndarray]:
        """(multi-hot sector decisions, tone indices) of a tokenized batch."""
        Ps, Pt = self.predict_proba(batch)
        return self.compiled_.decide(Ps, Pt, batch.chars, batch.zh)


def _column_scale(n_features: int, groups: dict[str, float] | None) -> np.ndarray:
    """Per-column scale: lexicon column groups rescaled for the tone model (1 elsewhere)."""
    scale = np.ones(n_features)
    if groups:
        offset = n_features - len(LEXICON_COLUMNS)
        for k, col in enumerate(LEXICON_COLUMNS):
            group = col.split(":")[0]
            if group in groups:
                scale[offset + k] = groups[group]
    return scale


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


#: a label needs this many gold examples in a slice to count in ``sector_macro_f1_supported``
MIN_SUPPORT = 10


def supported_macro_f1(metrics: dict, min_support: int = MIN_SUPPORT) -> float | None:
    """Macro-F1 over the labels with at least ``min_support`` gold examples (``sector_metrics``
    output): reported beside the plain macro-F1, whose labels with one or two examples in a
    slice swing it by 1/16 each. None when no label has that many."""
    f = [v["f1"] for v in metrics["per_label"].values() if v["support"] >= min_support]
    return float(np.mean(f)) if f else None


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
    groups: np.ndarray | dict[str, np.ndarray] | None = None,
    n_jobs: int = 1,
    spec: dict | None = None,
) -> dict:
    """Repeated stratified K-fold: every metric is computed on held-out folds only.

    Thresholds are tuned inside each training fold, so the reported F1 is not tuned on the
    data it is scored on. ``groups`` (one array, or several by name) names the slices to report
    apart (``by_group``; keys ``name:value`` when named). Returns averaged metrics plus the out-of-fold probabilities of the
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
            clf = make_classifier(candidate, seed, spec).fit(batch.subset(tr), Y[tr], y[tr])
            c = clf.compiled_
            sub = batch.subset(te)
            Ps, Pt, _ = c.predict_batch(sub)
            return te, Ps, Pt, *c.decide(Ps, Pt, sub.chars, sub.zh)

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
            named = groups if isinstance(groups, dict) else {"": groups}
            for name, arr, g in ((n, a, g) for n, a in named.items() for g in np.unique(a)):
                m = arr == g
                g = f"{name}:{g}" if name else g  # noqa: PLW2901
                sm = sector_metrics(Y[m], D_all[m])
                by_group.setdefault(str(g), []).append(
                    {
                        "n": int(m.sum()),
                        "sector_macro_f1": sm["macro_f1"],
                        # the same over the labels with >= MIN_SUPPORT gold examples in the slice
                        # (a label with one example weighs as much as one with hundreds)
                        "sector_macro_f1_supported": supported_macro_f1(sm),
                        "sector_micro_f1": sm["micro_f1"],
                        "tone_macro_f1": tone_metrics(y[m], T_all[m])["macro_f1"],
                        # label cardinality: sectors per item, predicted and gold
                        "sectors_predicted": float(D_all[m].sum(axis=1).mean()),
                        "sectors_gold": float(Y[m].sum(axis=1).mean()),
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
        # a slice's n and a None supported figure (same in every repeat: the gold is) stay as is
        "by_group": {g: _average(rs) for g, rs in by_group.items()},
        "oof": oof,
    }
