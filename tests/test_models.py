"""Models: thresholds, CV on held-out folds, determinism, compiled = scikit-learn, tone edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from helpers import synthetic_examples, train_tiny_bundle, write_labels
from hypothesis import given, settings
from hypothesis import strategies as st

from classify.bundle import load_bundle, load_estimator
from classify.features import tokenize_batch
from classify.models import best_threshold, cross_validate, sector_metrics, supported_macro_f1
from classify.predictor import Predictor
from classify.schema import TONES, strata, targets


def test_best_threshold_maximises_f1() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.55, 0.6, 0.7, 0.9])
    t = best_threshold(y, p)
    assert 0.55 < t <= 0.6
    assert best_threshold(np.zeros(4, dtype=int), np.ones(4)) == 0.5


@pytest.mark.slow
def test_cv_is_held_out_and_learns(tmp_path: Path) -> None:
    from classify.labels import check

    ex, _ = check([write_labels(tmp_path / "l.jsonl", synthetic_examples())])
    Y, y = targets(ex)
    batch = tokenize_batch([e.title for e in ex], [e.text for e in ex])
    r = cross_validate(batch, Y, y, n_splits=3, n_repeats=1, seed=0)
    assert (
        r["sectors"]["macro_f1"] > 0.8
    )  # the synthetic sectors are easy, but only if the model learns
    # shuffled labels: held-out scores must collapse (a model scored on its training data would not)
    rng = np.random.default_rng(0)
    rs = cross_validate(batch, Y[rng.permutation(len(Y))], y, n_splits=3, n_repeats=1, seed=0)
    assert rs["sectors"]["macro_f1"] < r["sectors"]["macro_f1"] - 0.3
    assert r["oof"]["sector_proba"].shape == Y.shape


def test_strata_has_enough_members() -> None:
    Y = np.array([[1, 0], [1, 0], [0, 1], [1, 0], [1, 0], [0, 1]])
    y = np.array([3, 3, 0, 3, 3, 3])
    key = strata(Y, y, 2)
    _, counts = np.unique(key, return_counts=True)
    assert counts.min() >= 2


@pytest.mark.slow
def test_same_labels_and_seed_give_identical_predictions(tmp_path: Path, tiny_bundle: Path) -> None:
    other = train_tiny_bundle(tmp_path, seed=0)
    texts = ["比特币矿工迁移矿机", "the chipmaker expanded its wafer foundry", "动物园的大熊猫"]
    a = [t.to_dict() for t in Predictor.load(tiny_bundle).predict(texts)]
    b = [t.to_dict() for t in Predictor.load(other).predict(texts)]
    for x, y in zip(a, b, strict=True):
        x.pop("model"), y.pop("model")
    assert a == b


def _sklearn_proba(est, batch) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """scikit-learn's own calibrated probabilities of a fitted Classifier (no stacked scorer)."""
    X = est.featurizer_.transform(batch)
    ref = np.column_stack(
        [
            np.full(X.shape[0], m) if isinstance(m, float) else m.predict_proba(X)[:, 1]
            for m in est.sectors_.estimators_
        ]
    )
    tm = est.tone_
    ref_t = np.zeros((X.shape[0], len(TONES)))
    ref_t[:, tm.present_] = tm.model_.predict_proba(X @ sp.diags(est.tone_scale_, format="csr"))
    return ref, ref_t


def test_compiled_model_equals_sklearn_calibrated(tiny_bundle: Path, seed_records: list) -> None:
    """The compiled model loaded from disk gives scikit-learn's calibrated probabilities (1e-6),
    on made-up texts and on the real seed articles."""
    est = load_estimator(tiny_bundle)
    compiled, _, _ = load_bundle(tiny_bundle)
    titles = [None] * 4 + [r.get("title") for r in seed_records]
    texts = ["比特币矿工", "new mobile game", "the chipmaker wafer", "熊猫"] + [
        r["text"] for r in seed_records
    ]
    batch = tokenize_batch(titles, texts)
    ref_s, ref_t = _sklearn_proba(est, batch)
    Ps, Pt = compiled.predict_proba(titles, texts)
    assert np.abs(Ps - ref_s).max() <= 1e-6 and np.abs(Pt - ref_t).max() <= 1e-6
    # the estimators' own predict_proba (stacked) agree too
    X = est.featurizer_.transform(batch)
    assert np.abs(est.sectors_.predict_proba(X) - ref_s).max() <= 1e-6


@pytest.mark.slow
def test_a_tone_with_one_example_does_not_break_training(tmp_path: Path) -> None:
    from classify.labels import check
    from classify.models import Classifier

    ex = synthetic_examples(n_per_sector=6)
    ex[0]["tone"] = "neutral"  # the only neutral example
    examples, _ = check([write_labels(tmp_path / "l.jsonl", ex)])
    Y, y = targets(examples)
    clf = Classifier(random_state=0).fit(
        tokenize_batch([None] * len(ex), [e.text for e in examples]), Y, y
    )
    _, P = clf.predict_proba(tokenize_batch([None], ["x"]))
    assert P.shape == (1, len(TONES)) and P[0, TONES.index("neutral")] == 0.0


def test_tone_macro_f1_averages_only_tones_present() -> None:
    from classify.models import tone_metrics

    none = TONES.index("none")
    y = np.full(5, none)
    assert tone_metrics(y, y.copy())["macro_f1"] == 1.0  # tightening/easing absent from both
    pred = y.copy()
    pred[0] = TONES.index("easing")  # a false positive counts: easing F1 0 joins the average
    assert tone_metrics(y, pred)["macro_f1"] == pytest.approx((0.0 + 2 * 4 / 9) / 2)


def test_policy_words_in_the_body_reach_the_tone_model() -> None:
    """A regulatory body under a plain headline moves the tone (#10 item 3), in both languages."""
    from classify import paths

    p = Predictor.load(paths.default_model_dir())
    head = "Company results for the quarter"
    body = (
        " The company reported revenue in line with expectations. "
        * 3
        + "Regulators fined the company and ordered it to suspend new users; the market "
        "regulator opened a probe and banned two apps."
    )
    plain, policy = p.predict(
        [{"id": "a", "text": head + "."}, {"id": "b", "text": head + "." + body}]
    )
    assert policy.tone_scores["tightening"] > plain.tone_scores["tightening"] + 0.2
    zh_plain, zh_policy = p.predict(
        [
            {"id": "c", "text": "公司发布季度业绩。"},
            {"id": "d", "text": "公司发布季度业绩。监管部门对其罚款并约谈，责令整改。"},
        ]
    )
    assert zh_policy.tone_scores["tightening"] > zh_plain.tone_scores["tightening"] + 0.2


def test_tone_weights_can_differ_by_language() -> None:
    """Two rows of weights (English, Chinese) pick each article's own; one row serves all."""
    from classify.compiled import decide_tone, tone_row_weights

    t, e, none = TONES.index("tightening"), TONES.index("easing"), TONES.index("none")
    P = np.zeros((2, len(TONES)))
    P[:, t], P[:, none] = 0.35, 0.65  # the same probabilities for an English and a Chinese text
    W = np.ones((2, len(TONES)))
    W[1, t] = 3.0  # only Chinese upweights tightening
    assert decide_tone(P, W, [False, True]).tolist() == [none, t]
    assert decide_tone(P, W).tolist() == [none, none]  # no language given: English weights
    assert decide_tone(P, W[1]).tolist() == [t, t]  # one row of weights (bundles before v005)
    assert tone_row_weights(None, None, len(TONES)).tolist() == [1.0] * len(TONES)
    assert tone_row_weights(W, [True, False, True], len(TONES))[:, t].tolist() == [3, 1, 3]
    assert e != t


def test_tone_model_tunes_weights_per_language_from_out_of_fold_probabilities() -> None:
    """English rows carry a tone often and Chinese rows rarely: the tuned weights differ by
    language, a language with too few rows keeps the pooled weights, and per_language=False
    (or no zh) gives one row."""
    from classify.models import ToneModel

    rng = np.random.default_rng(0)
    n = 240
    zh = np.arange(n) % 2 == 1
    t, e, none = TONES.index("tightening"), TONES.index("easing"), TONES.index("none")
    # English: 40% tightening, 10% easing; Chinese: 10% tightening, 3% easing, signals weaker
    u = rng.random(n)
    y = np.where(u < np.where(zh, 0.1, 0.4), t, np.where(u > np.where(zh, 0.97, 0.9), e, none))
    weak = np.where(zh, 0.6, 1.0)
    X = sp.csr_matrix(
        np.column_stack(
            [
                (y == t) * weak + rng.normal(0, 0.5, n),
                (y == e) * weak + rng.normal(0, 0.5, n),
                zh.astype(float),
            ]
        )
    )
    pooled = ToneModel(C=1.0).fit(X, y, zh=zh)
    assert pooled.weights_.shape == (len(TONES),)  # per_language is off by default
    per = ToneModel(C=1.0, per_language=True).fit(X, y, zh=zh)
    assert per.weights_.shape == (2, len(TONES))
    assert per.predict(X, zh).shape == (n,)
    few = zh & (np.arange(n) < 20)  # 10 Chinese rows: too few to tune on their own
    keep = ~zh | few
    small = ToneModel(C=1.0, per_language=True).fit(X[keep], y[keep], zh=zh[keep])
    alone = ToneModel(C=1.0).fit(X[keep], y[keep])
    assert small.weights_[1].tolist() == alone.weights_.tolist()
    assert ToneModel(C=1.0, per_language=True).fit(X, y).weights_.ndim == 1


def test_tone_weights_are_tuned_on_the_rows_picked_at_random() -> None:
    """``tune_rows`` limits weight tuning to the given rows: half the rows are "targeted"
    (mostly tightening, with strong signals), half "random" (rarely toned, weak signals);
    the weights equal those of the same out-of-fold predictions scored on the random rows
    alone, differ from tuning on all rows, and fewer than 20 given rows fall back to all."""
    from classify.models import ToneModel, _best_weights

    rng = np.random.default_rng(1)
    n = 400
    random_rows = np.arange(n) % 2 == 0
    t, e, none = TONES.index("tightening"), TONES.index("easing"), TONES.index("none")
    u = rng.random(n)
    y = np.where(u < np.where(random_rows, 0.08, 0.6), t, np.where(u > 0.97, e, none)).astype(int)
    X = sp.csr_matrix(
        np.column_stack([(y == t) * 0.8 + rng.normal(0, 0.6, n), (y == e) + rng.normal(0, 0.5, n)])
    )
    on_all = ToneModel(C=1.0).fit(X, y)
    on_random = ToneModel(C=1.0).fit(X, y, tune_rows=random_rows)
    # the fitted model is the same (all rows); only the decision weights move
    assert np.allclose(on_all.predict_proba(X), on_random.predict_proba(X))
    assert on_random.weights_.tolist() != on_all.weights_.tolist()
    # ... and they are the best weights for the random rows' out-of-fold predictions
    m = ToneModel(C=1.0)
    P = np.zeros((n, len(TONES)))
    from sklearn.model_selection import StratifiedKFold

    for tr, te in StratifiedKFold(3, shuffle=True, random_state=0).split(X, y):
        fm, present = m._fit(X[tr], y[tr])
        P[te] = m._proba(fm, present, X[te])
    expect = _best_weights(P[random_rows], y[random_rows], len(TONES))
    assert on_random.weights_.tolist() == expect.tolist()
    few = np.zeros(n, dtype=bool)
    few[:10] = True
    assert ToneModel(C=1.0).fit(X, y, tune_rows=few).weights_.tolist() == on_all.weights_.tolist()


def test_a_weight_tolerance_keeps_the_mildest_weights_near_the_best() -> None:
    """``_best_weights(tolerance=)``: with 0 the grid's best macro-F1; with a tolerance, among
    the weights whose macro-F1 is that close to the best, the mildest (smallest product), so a
    weight one lucky item would justify is not taken; no tolerance can pick a weight scoring
    further than it from the best."""
    from sklearn.metrics import f1_score

    from classify.models import WEIGHT_GRID, _best_weights
    from classify.schema import TONE_HEADLINE

    rng = np.random.default_rng(6)
    n = 600
    t, e, none = TONES.index("tightening"), TONES.index("easing"), TONES.index("none")
    y = rng.choice([t, e, none], size=n, p=[0.06, 0.03, 0.91])
    P = np.full((n, len(TONES)), 0.02)
    P[np.arange(n), none] = 0.5
    # calibrated-looking: toned items a little more likely to show their tone, ordinary ones
    # a noisy share of both
    P[:, t] = np.where(y == t, rng.uniform(0.2, 0.6, n), rng.uniform(0.0, 0.3, n))
    P[:, e] = np.where(y == e, rng.uniform(0.1, 0.5, n), rng.uniform(0.0, 0.2, n))
    head = [TONES.index(x) for x in TONE_HEADLINE]

    def score(w: np.ndarray) -> float:
        return f1_score(y, (P * w).argmax(axis=1), labels=head, average="macro", zero_division=0)

    best_w = _best_weights(P, y, len(TONES))
    grid = []
    for wt in WEIGHT_GRID:
        for we in WEIGHT_GRID:
            w = np.ones(len(TONES))
            w[t], w[e] = wt, we
            grid.append(w)
    best = max(score(w) for w in grid)
    assert score(best_w) == pytest.approx(best)
    for tol in (0.01, 0.05, 0.1):
        w = _best_weights(P, y, len(TONES), tol)
        assert score(w) >= best - tol - 1e-12
        near = [g for g in grid if score(g) >= best - tol]
        assert w[t] * w[e] == min(g[t] * g[e] for g in near)
    milder = _best_weights(P, y, len(TONES), 0.05)
    assert milder[t] * milder[e] < best_w[t] * best_w[e]  # here the tolerance does move it
    huge = _best_weights(P, y, len(TONES), 1.0)  # every weight is "near": no reweighting
    assert huge.tolist() == [1.0] * len(TONES)


def test_sector_thresholds_are_tuned_on_the_rows_picked_at_random() -> None:
    """``SectorModel.fit(tune_rows=)``: a label whose positives are mostly in "targeted" rows
    (picked by a keyword query, weak signal there) gets a higher threshold when tuned on the
    random rows than on all; the fitted models are the same; a label with fewer than
    ``MIN_TUNE_POSITIVES`` positives among the given rows keeps the all-rows threshold."""
    from classify.models import MIN_TUNE_POSITIVES, SectorModel

    rng = np.random.default_rng(3)
    n = 600
    random_rows = np.arange(n) % 2 == 0
    u = rng.random(n)
    # label 0: rare among random rows (10%), common among targeted ones (50%); label 1: rare
    # everywhere among random rows (below MIN_TUNE_POSITIVES), common among targeted ones
    y0 = u < np.where(random_rows, 0.1, 0.5)
    y1 = (u < np.where(random_rows, 0.0, 0.4)) | (random_rows & (np.arange(n) < 20))
    assert y1[random_rows].sum() < MIN_TUNE_POSITIVES <= y0[random_rows].sum()
    Y = np.column_stack([y0, y1]).astype(int)
    X = sp.csr_matrix(
        np.column_stack([y0 * 1.0 + rng.normal(0, 0.8, n), y1 + rng.normal(0, 0.8, n)])
    )
    labels = ("ai", "cloud")
    on_all = SectorModel(C=1.0, labels=labels, relative=False).fit(X, Y)
    on_random = SectorModel(C=1.0, labels=labels, relative=False).fit(X, Y, tune_rows=random_rows)
    assert np.allclose(on_all.predict_proba(X), on_random.predict_proba(X))
    assert on_random.thresholds_[0] > on_all.thresholds_[0]
    assert on_random.thresholds_[1] == on_all.thresholds_[1]
    # ... and the random rows' F1 is at least as good with their own threshold
    from sklearn.metrics import f1_score

    P = on_all.predict_proba(X)[random_rows, 0]
    f = [f1_score(y0[random_rows], m.thresholds_[0] <= P) for m in (on_all, on_random)]
    assert f[1] >= f[0]
    every = np.ones(n, dtype=bool)
    same = SectorModel(C=1.0, labels=labels, relative=False).fit(X, Y, tune_rows=every)
    assert same.thresholds_.tolist() == on_all.thresholds_.tolist()


def test_train_tunes_on_labels_picked_at_random() -> None:
    """``selected`` names how an item was chosen: random picks and labels without the field
    count for tuning, query or model nominations do not."""
    from classify.labels import Example
    from classify.train import picked_at_random

    def ex(sel: str | None) -> Example:
        return Example("x", ["ai"], "none", "t", extra={} if sel is None else {"selected": sel})

    assert picked_at_random(ex(None))
    assert picked_at_random(ex("round18:zh:random"))
    assert picked_at_random(ex("round4:en:en-random"))
    assert not picked_at_random(ex("round19:en:suggest-uncertainty-v013"))
    assert not picked_at_random(ex("round17:zh:v013-p-easing"))
    assert not picked_at_random(ex("round16:zh:cloud-query"))


@pytest.fixture(scope="module")
def synthetic_fit(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """(batch, classifier fitted on it, its compiled copy saved and loaded back): the synthetic
    set, half English and half Chinese, fitted once for the tests below."""
    from classify.compiled import CompiledClassifier
    from classify.labels import check
    from classify.models import Classifier

    tmp = tmp_path_factory.mktemp("synthetic_fit")
    examples, _ = check([write_labels(tmp / "l.jsonl", synthetic_examples())])
    Y, y = targets(examples)
    batch = tokenize_batch([None] * len(examples), [e.text for e in examples])
    clf = Classifier(random_state=0).fit(batch, Y, y)
    (tmp / "b").mkdir()
    clf.compiled_.save(tmp / "b")
    return batch, clf, CompiledClassifier.load(tmp / "b")


def test_per_language_tone_weights_survive_save_and_load(synthetic_fit: tuple) -> None:
    """A classifier fitted on both languages stores two rows of tone weights; the bundle's
    compiled copy decides exactly as the fitted one, language by language."""
    batch, clf, loaded = synthetic_fit
    assert batch.zh is not None and any(batch.zh) and not all(batch.zh)
    assert batch.subset([0, 1]).zh == batch.zh[:2]
    assert np.asarray(clf.tone_.weights_).shape == (2, len(TONES))
    texts = ["监管部门对平台罚款并责令整改", "regulators fined the platform", "动物园的大熊猫"]
    b2 = loaded.tokenize([None] * 3, texts)
    assert b2.zh == [True, False, True]
    Ps, Pt, _ = loaded.predict_batch(b2)
    assert loaded.decide(Ps, Pt, b2.chars, b2.zh)[1].tolist() == clf.predict(b2)[1].tolist()
    assert loaded.decide_tone(Pt, b2.zh).tolist() == clf.compiled_.decide_tone(Pt, b2.zh).tolist()
    assert np.array_equal(loaded.tone_weights, clf.compiled_.tone_weights)


def test_a_tone_model_on_two_tones_equals_scikit_learn() -> None:
    """Labels with only two tones (a user's own set: none and tightening) train, and the
    stacked scorer gives scikit-learn's calibrated probabilities (one decision, P0 = 1 - P1)."""
    from classify.models import ToneModel

    rng = np.random.default_rng(1)
    t, none = TONES.index("tightening"), TONES.index("none")
    y = np.where(rng.random(120) < 0.3, t, none)
    X = sp.csr_matrix(np.column_stack([(y == t) + rng.normal(0, 0.7, 120), rng.random(120)]))
    m = ToneModel(C=1.0).fit(X, y)
    P = m.predict_proba(X)
    ref = np.zeros_like(P)
    ref[:, m.present_] = m.model_.predict_proba(X)
    assert np.abs(P - ref).max() < 1e-9
    assert P[:, [TONES.index("easing"), TONES.index("neutral")]].max() == 0.0
    assert set(m.predict(X).tolist()) <= {t, none}
    assert m.coef_[t, 0] > 0 > m.coef_[none, 0]  # the signal column pushes tightening


def test_a_non_tech_only_article_has_no_tone() -> None:
    """LABELS.md: non_tech stands alone and its tone is always none; the joined decision keeps
    a tone wherever a tech sector is present."""
    from classify.compiled import finish_tone
    from classify.schema import SECTORS

    nt, ai = SECTORS.index("non_tech"), SECTORS.index("ai")
    D = np.zeros((3, len(SECTORS)), dtype=bool)
    D[0, nt] = True  # non_tech alone
    D[1, ai] = True  # a tech sector
    D[2, [ai, nt]] = True  # (cannot come out of finish_sectors, but the rule is about "alone")
    t, none = TONES.index("tightening"), TONES.index("none")
    T = finish_tone(np.array([t, t, t]), D, SECTORS, TONES)
    assert T.tolist() == [none, t, t]


def test_the_non_tech_tone_rule_is_part_of_the_bundle(synthetic_fit: tuple) -> None:
    """A classifier fitted now carries the rule into its bundle; bundles written before it
    (v001..v006 shipped) decide as they were trained and evaluated."""
    from classify import paths
    from classify.compiled import CompiledClassifier
    from classify.schema import SECTORS

    _, clf, loaded = synthetic_fit
    assert loaded.non_tech_no_tone and clf.compiled_.non_tech_no_tone
    Ps = np.full((2, len(SECTORS)), 0.01)
    Ps[0, SECTORS.index("non_tech")] = 0.99  # non_tech alone
    Ps[1, SECTORS.index("fintech")] = 0.99
    Pt = np.tile(np.eye(len(TONES))[TONES.index("tightening")] * 0.9 + 0.025, (2, 1))
    _, T = loaded.decide(Ps, Pt, [50, 50], [False, False])
    assert T.tolist() == [TONES.index("none"), TONES.index("tightening")]
    assert not CompiledClassifier.load(paths.default_model_dir() / "v001").non_tech_no_tone


def test_supported_macro_f1_leaves_out_labels_with_few_examples():
    """A label with one gold example that is missed pulls the plain macro-F1 down by its
    share; the supported figure averages only the labels with enough examples."""
    n = 40
    Y = np.zeros((n, 17), dtype=int)
    Y[:20, 0] = 1  # label 0: 20 examples, all found
    Y[20:39, 1] = 1  # label 1: 19 examples, all found
    Y[39, 2] = 1  # label 2: one example, missed
    D = Y.copy()
    D[39, 2] = 0
    D[39, 1] = 1  # ... and predicted as label 1 instead
    m = sector_metrics(Y, D)
    f1_label1 = 2 * 19 / (2 * 19 + 1)
    assert m["macro_f1"] == pytest.approx((1.0 + f1_label1 + 0.0) / 3)
    assert supported_macro_f1(m, 10) == pytest.approx((1.0 + f1_label1) / 2)
    assert supported_macro_f1(m, 50) is None


def test_selection_scores_tone_on_the_items_picked_at_random() -> None:
    """With ``random:`` slices, tone in the selection score comes from them (not the targeted
    items, nor slices under 30 items); without them, from the ``slice:`` groups."""
    from classify.train import selection_score

    def g(n: int, tone: float) -> dict:
        return {
            "n": n,
            "sector_macro_f1": 0.5,
            "tone_macro_f1": tone,
            "sectors_predicted": 1.0,
            "sectors_gold": 1.0,
        }

    base = {"sectors": {"macro_f1": 0.5}, "tone": {"macro_f1": 0.5}}
    plain = {**base, "by_group": {"slice:en-lead": g(100, 0.9), "slice:zh-headline": g(100, 0.7)}}
    assert selection_score(plain) == pytest.approx(0.5 + 0.8)
    picked = {
        **base,
        "by_group": {
            **plain["by_group"],
            "random:en-lead": g(40, 0.6),
            "random:zh-headline": g(50, 0.4),
            "random:en-article": g(10, 0.0),  # too few to count
            "random:targeted": g(500, 1.0),  # never counts
        },
    }
    assert selection_score(picked) == pytest.approx(0.5 + 0.5)


def test_chinese_character_grams_join_runs_and_skip_latin() -> None:
    """Character 1–2-grams come from runs of Chinese tokens: a bigram across a segmentation
    cut is seen, a Latin token ends the run, and Latin text gives none."""
    from classify.text import CHAR_PREFIX, cjk_char_grams

    grams = cjk_char_grams(["云计", "算", "mate", "手机"])
    assert {CHAR_PREFIX + g for g in ("云", "计", "算", "云计", "计算", "手", "机", "手机")} == set(
        grams
    )
    assert CHAR_PREFIX + "算手" not in grams  # "mate" separates the runs
    assert cjk_char_grams(["cloud", "#num", "computing"]) == []


def test_character_features_train_and_score_as_scikit_learn(tmp_path: Path) -> None:
    """With ``cjk_chars`` the fitted vocabulary holds character grams of the Chinese articles
    only; the training matrix is scikit-learn's TfidfVectorizer's, and the compiled model,
    saved (format 3) and loaded, scores a new batch exactly as the fitted estimator."""
    from functools import partial

    from sklearn.feature_extraction.text import TfidfVectorizer

    from classify.compiled import META_FILE, CompiledClassifier
    from classify.features import _documents, analyze
    from classify.labels import check
    from classify.models import Classifier
    from classify.text import CHAR_PREFIX

    examples, _ = check([write_labels(tmp_path / "l.jsonl", synthetic_examples())])
    Y, y = targets(examples)
    batch = tokenize_batch([None] * len(examples), [e.text for e in examples])
    clf = Classifier(ngram_max=1, cjk_chars=True, random_state=0).fit(batch, Y, y)
    terms = clf.featurizer_.terms_
    chars = [t for t in terms if t.startswith(CHAR_PREFIX)]
    assert chars and all("\u3400" <= c <= "\u9fff" for t in chars for c in t[len(CHAR_PREFIX) :])
    docs = _documents(batch, True)
    ref = TfidfVectorizer(
        analyzer=partial(analyze, n_max=1, cjk_chars=True),
        min_df=2,
        max_features=60000,
        sublinear_tf=True,
    ).fit(docs)
    X = clf.featurizer_.transform(batch)[:, : len(terms)]
    assert np.abs(X - ref.transform(docs)).max() < 1e-6
    en = [k for k, z in enumerate(batch.zh) if not z]
    char_cols = [k for k, t in enumerate(terms) if t.startswith(CHAR_PREFIX)]
    assert X[en][:, char_cols].nnz == 0  # English articles get no character features
    (tmp_path / "b").mkdir()
    clf.compiled_.save(tmp_path / "b")
    meta = json.loads((tmp_path / "b" / META_FILE).read_text(encoding="utf-8"))
    assert meta["compiled_version"] == 3 and meta["cjk_chars"] is True
    loaded = CompiledClassifier.load(tmp_path / "b")
    texts = ["监管部门对云计算平台罚款", "regulators fined the cloud platform", "新款手机发布"]
    b2 = loaded.tokenize([None] * 3, texts)
    Ps, Pt, _ = loaded.predict_batch(b2)
    ref_s, ref_t = clf.predict_proba(tokenize_batch([None] * 3, texts))
    assert np.abs(Ps - ref_s).max() < 1e-9 and np.abs(Pt - ref_t).max() < 1e-9
    # without the flag the same model would read other features: the flag is what differs
    plain = CompiledClassifier.load(tmp_path / "b")
    plain.cjk_chars = False
    assert np.abs(plain.predict_batch(b2)[0] - Ps).max() > 0


_TOKENS = st.lists(
    st.one_of(
        st.text(alphabet="云计算手机华为中国平台监管", min_size=1, max_size=4),
        st.sampled_from(["mate", "#num", "5g", "ai"]),
    ),
    max_size=12,
)


@given(rows=st.lists(st.tuples(_TOKENS, st.booleans()), max_size=6), seen=st.integers(0, 5))
@settings(max_examples=60, deadline=None)
def test_the_character_table_finds_the_grams_the_text_function_lists(
    rows: list[tuple[list[str], bool]], seen: int
) -> None:
    """``CharTable.pairs`` (numpy on code points) gives exactly the in-vocabulary grams that
    ``cjk_char_grams`` lists for each Chinese row, Latin tokens breaking runs, for any rows."""
    from collections import Counter

    from classify.compiled import CharTable
    from classify.text import cjk_char_grams

    tokens = [t for t, _ in rows]
    zh = [z for _, z in rows]
    vocab: dict[str, int] = {}
    for t in tokens[:seen]:  # a vocabulary from some rows: the others hold unknown grams
        for g in cjk_char_grams(t):
            vocab.setdefault(g, len(vocab))
    r, c = CharTable(vocab).pairs(tokens, zh)
    want = Counter(
        (i, vocab[g]) for i, (t, z) in enumerate(rows) if z for g in cjk_char_grams(t) if g in vocab
    )
    assert Counter(zip(r.tolist(), c.tolist(), strict=True)) == want
