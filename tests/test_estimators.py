"""scikit-learn's estimator contract for the models, and the compiled model's equality with it.

``check_estimator`` runs scikit-learn's whole suite; the checks asserted here are those that
apply to these estimators. The API-contract checks (parameters stored unchanged in
``__init__``, ``clone``, ``get_params``/``set_params``, ``NotFittedError`` before ``fit``)
apply to all four. The data checks feed numeric arrays with arbitrary labels (strings,
continuous targets, one sample, one class, NaN, 1-D X): they do not apply to
``Classifier``/``Featurizer`` (their X is a tokenized text batch), nor to ``SectorModel`` (its
y is the multi-hot matrix over the fixed sector ids) — labels are validated upstream by
``labels check``, not by the estimators. ``ToneModel`` is a plain classifier over tone
indices, so its behavioural checks that make sense for a fixed label set are asserted too.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import check_estimator

from classify.features import Featurizer, tokenize_batch
from classify.models import Classifier, SectorModel, ToneModel, make_classifier

API_CHECKS = {
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_estimators_unfitted",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
}
TONE_BEHAVIOUR_CHECKS = {
    "check_fit_score_takes_y",
    "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_dict_unchanged",
    "check_readonly_memmap_input",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_decision_proba_consistency",
    "check_estimators_empty_data_messages",
}


def _passed(est: object) -> set[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = check_estimator(est, on_fail=None)
    return {r["check_name"] for r in res if r["status"] == "passed"}


@pytest.mark.slow
@pytest.mark.parametrize("est", [SectorModel(), ToneModel(), Classifier(), Featurizer()], ids=repr)
def test_api_contract_checks_pass(est: object) -> None:
    missing = API_CHECKS - _passed(est)
    assert not missing, f"{type(est).__name__} fails {sorted(missing)}"


@pytest.mark.slow
def test_tone_model_behaviour_checks_pass() -> None:
    missing = TONE_BEHAVIOUR_CHECKS - _passed(ToneModel())
    assert not missing, f"ToneModel fails {sorted(missing)}"


def test_candidates_are_parameter_sets_and_clone() -> None:
    clf = make_classifier("lexicon+unigrams", seed=3)
    assert clf.get_params()["ngram_max"] == 1 and clf.get_params()["random_state"] == 3
    twin = clone(clf)
    assert twin.get_params() == clf.get_params() and twin is not clf
    with pytest.raises(NotFittedError):
        clf.predict_proba(tokenize_batch([None], ["x"]))
    with pytest.raises(NotFittedError):
        SectorModel().predict_proba(np.zeros((1, 3)))


@pytest.mark.slow
def test_fit_returns_self_and_compiles(tmp_path) -> None:  # noqa: ANN001
    from helpers import synthetic_examples, write_labels

    from classify.labels import check
    from classify.schema import targets

    ex, _ = check([write_labels(tmp_path / "l.jsonl", synthetic_examples(n_per_sector=6))])
    Y, y = targets(ex)
    batch = tokenize_batch([e.title for e in ex], [e.text for e in ex])
    clf = Classifier(ngram_max=3, min_df=1, random_state=0)
    assert clf.fit(batch, Y, y) is clf
    assert any(len(t.split()) == 3 for t in clf.featurizer_.terms_), "ngram_max=3 gives trigrams"
    compiled = clf.compile()
    Ps, Pt = clf.predict_proba(batch)
    Ps2, Pt2, _ = compiled.predict_batch(batch)
    assert np.array_equal(Ps, Ps2) and np.array_equal(Pt, Pt2)
    D, T = clf.predict(batch)
    assert D.shape == Y.shape and T.shape == y.shape
