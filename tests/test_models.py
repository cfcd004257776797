"""Models: thresholds, CV on held-out folds, determinism, bundle round trip and tamper refusal."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from helpers import synthetic_examples, train_tiny_bundle, write_labels

from classify.bundle import BundleError, load_bundle, load_estimator
from classify.features import tokenize_batch
from classify.models import best_threshold, cross_validate
from classify.predictor import Predictor
from classify.schema import SECTORS, TONES, strata, targets


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


def test_bundle_round_trip_and_manifest(tiny_bundle: Path) -> None:
    clf, man, _ = load_bundle(tiny_bundle)
    assert man["labels"]["sectors"] == list(SECTORS) and man["labels"]["tones"] == list(TONES)
    assert set(man["files"]) == {"model.joblib", "MODEL_CARD.md", "model.npz", "model.json"}
    assert man["metrics"]["scheme"].startswith("1x repeated stratified 3-fold")
    assert "## Candidate comparison" in (tiny_bundle / "MODEL_CARD.md").read_text(encoding="utf-8")
    p = Predictor.load(tiny_bundle)
    tags = p.predict(
        [
            "Bitcoin miners moved rigs abroad as crypto prices fell, regulators fined them",
            "大模型公司发布新的AI聊天机器人",
        ]
    )
    assert "crypto" in tags[0].sectors and "ai" in tags[1].sectors
    for t in tags:
        assert (
            set(t.sector_scores) == set(SECTORS) and abs(sum(t.tone_scores.values()) - 1) < 1e-3
        )  # scores are rounded to 4 places
        assert -1 <= t.tone_index <= 1 and t.model == p.model_id


def test_tampered_or_truncated_bundle_is_refused(tiny_bundle: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(tiny_bundle, bad)
    with open(bad / "model.joblib", "r+b") as fh:
        fh.seek(100)
        fh.write(b"\x00\x01\x02")
    with pytest.raises(BundleError, match="does not match its sha256"):
        Predictor.load(bad)
    shutil.copytree(tiny_bundle, tmp_path / "trunc")
    (tmp_path / "trunc" / "model.joblib").write_bytes(
        (tiny_bundle / "model.joblib").read_bytes()[:1000]
    )
    with pytest.raises(BundleError):
        Predictor.load(tmp_path / "trunc")
    shutil.copytree(tiny_bundle, tmp_path / "labels")
    man = json.loads((tmp_path / "labels" / "manifest.json").read_text())
    man["labels"]["sectors"] = man["labels"]["sectors"][:-1]
    (tmp_path / "labels" / "manifest.json").write_text(json.dumps(man))
    with pytest.raises(BundleError, match="another label set"):
        Predictor.load(tmp_path / "labels")
    with pytest.raises(BundleError, match="not found"):
        Predictor.load(tmp_path / "nothing")


def test_same_labels_and_seed_give_identical_predictions(tmp_path: Path, tiny_bundle: Path) -> None:
    other = train_tiny_bundle(tmp_path, seed=0)
    texts = ["比特币矿工迁移矿机", "the chipmaker expanded its wafer foundry", "动物园的大熊猫"]
    a = [t.to_dict() for t in Predictor.load(tiny_bundle).predict(texts)]
    b = [t.to_dict() for t in Predictor.load(other).predict(texts)]
    for x, y in zip(a, b, strict=True):
        x.pop("model"), y.pop("model")
    assert a == b


def test_predict_keeps_order_and_errors_in_place(tiny_bundle: Path) -> None:
    p = Predictor.load(tiny_bundle)
    tags = p.predict(
        [
            {"id": "a", "text": "game players"},
            {"id": "b"},
            42,
            "plain text",
            {"id": "e", "text": ""},
        ]
    )
    assert [t.id for t in tags][:2] == ["a", "b"] and tags[3].id.startswith("sha-")
    assert [bool(t.error) for t in tags] == [False, True, True, False, True]
    assert tags[1].sectors is None and tags[1].line == 2


def test_predict_stream_batches_and_threads(tiny_bundle: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    p = Predictor.load(tiny_bundle)
    texts = [f"比特币 挖矿 {i}" if i % 2 else f"new mobile game {i}" for i in range(50)]
    serial = [t.to_dict() for t in p.predict_stream(texts, batch_size=7)]
    assert len(serial) == 50
    with ThreadPoolExecutor(4) as ex:
        par = list(ex.map(lambda t: p.predict([t])[0].to_dict(), texts))
    assert par == serial


def test_explain_lists_terms(tiny_bundle: Path) -> None:
    t = Predictor.load(tiny_bundle).predict(
        ["bitcoin miners moved rigs abroad as crypto prices fell"], explain=True
    )[0]
    terms = [w for w, _ in t.explain["sectors"]["crypto"]]
    assert any("bitcoin" in w or "crypto" in w or "miners" in w for w in terms)


HEAVY = ("sklearn", "pandas", "pyarrow", "scipy.stats", "bertopic", "umap", "hdbscan", "torch")


def test_import_classify_is_light() -> None:
    code = (
        "import sys, classify; from classify import Predictor; import classify.predictor, classify.cli;"
        f"bad=[m for m in {HEAVY!r} if m in sys.modules]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_load_and_predict_import_nothing_heavy() -> None:
    """The shipped model: load + predict (English and Chinese) leave no heavy module loaded,
    no YAML parser, no joblib; rjieba only once Chinese text is seen."""
    code = f"""
import sys
from classify import Predictor
p = Predictor.load()
p.predict(["Regulators fined Alibaba over antitrust rules"], explain=True)
print([m for m in ("rjieba", "jieba", "yaml", "joblib") if m in sys.modules])
p.predict(["阿里巴巴被罚款"])
print([m for m in {HEAVY!r} + ("yaml", "joblib") if m in sys.modules])
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "[]", out  # English only: no segmenter, no YAML
    assert out[1] == "[]", out


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_tag_imports_nothing_heavy(tmp_path: Path, jobs: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=False) + "\n"
            for i, t in enumerate(["Huawei phone sales rose", "宁德时代发布新电池"] * 5)
        ),
        encoding="utf-8",
    )
    code = f"""
import sys
from classify.cli import app
try:
    app(["tag", {str(src)!r}, "-o", {str(tmp_path / "out.jsonl")!r}, "-j", "{jobs}"])
except SystemExit as e:
    assert not e.code, e.code
print([m for m in {HEAVY!r} if m in sys.modules])
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 10


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


def test_default_load_is_pickle_free(tiny_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Predictor.load() never unpickles; its Tags carry the pickled estimators' decisions."""
    import joblib

    est = load_estimator(tiny_bundle)
    texts = ["比特币矿工迁移矿机", "the chipmaker expanded its wafer foundry", "动物园的大熊猫"]
    D, T = est.predict(tokenize_batch([None] * 3, texts))

    def no_unpickling(*a: object, **k: object) -> None:
        raise AssertionError("the default load must not unpickle")

    monkeypatch.setattr(joblib, "load", no_unpickling)
    tags = Predictor.load(tiny_bundle).predict(texts, explain=True)
    for k, t in enumerate(tags):
        assert set(t.sectors) == {SECTORS[j] for j in np.flatnonzero(D[k])}
        assert t.tone == TONES[T[k]] and t.explain["sectors"]


def test_predict_refuses_a_bare_string(tiny_bundle: Path) -> None:
    p = Predictor.load(tiny_bundle)
    with pytest.raises(TypeError, match="list"):
        p.predict("one text")
    assert len(p.predict(["one text"])) == 1


def test_encoded_lines_equal_json_of_tags(tiny_bundle: Path) -> None:
    """Batch tagging's direct JSON equals json.dumps(tag.to_dict()) record for record."""
    from classify.io import article_from_obj, dumps_json

    p = Predictor.load(tiny_bundle)
    objs = [
        {"id": 'a"b', "text": "Regulators fined the bitcoin miners", "extra": [1, None]},
        {
            "id": "b",
            "title": "标题",
            "date": "2024-03-01T08:00:00Z",
            "text": "比特币矿工迁移矿机\u2028更多",
        },
        {"text": ""},
        {"id": "d", "text": "x\x00y"},
        "plain text",
    ]
    recs = [article_from_obj(o, i + 1) for i, o in enumerate(objs)]
    lines = p.encode_batch(recs)
    assert lines == [dumps_json(t.to_dict()) for t in p._predict_batch(recs, False, False)]
    assert json.loads(lines[2])["error"] and json.loads(lines[0])["meta"] == {"extra": [1, None]}


def test_bundle_carries_its_lexicon(tiny_bundle: Path, tmp_path: Path) -> None:
    """A bundle predicts with the lexicon it was trained with, whatever is installed."""
    from classify.lexindex import LexiconIndex

    meta = json.loads((tiny_bundle / "model.json").read_text(encoding="utf-8"))
    lex = LexiconIndex.from_json(meta["lexicon"])
    assert (
        lex.source_sha256
        == json.loads((tiny_bundle / "manifest.json").read_text())["lexicon_sha256"]
    )
    assert ("alibaba",) in lex.phrases and "字节跳动" in lex.user_words


def test_tampered_safe_copy_is_refused(tiny_bundle: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(tiny_bundle, bad)
    data = bytearray((bad / "model.npz").read_bytes())
    data[-10] ^= 0xFF
    (bad / "model.npz").write_bytes(bytes(data))
    with pytest.raises(BundleError, match="model.npz does not match"):
        Predictor.load(bad)


def test_tags_carry_title_and_normalised_date(tiny_bundle: Path) -> None:
    """SPEC §1: date (normalised ISO) is carried over; the title too (#13 item 13)."""
    p = Predictor.load(tiny_bundle)
    t = p.predict([{"id": "a", "title": "Game news", "date": "2024-03-01Z"[:10], "text": "game"}])[
        0
    ]
    d = t.to_dict()
    assert list(d)[:3] == ["id", "title", "date"] and d["date"] == "2024-03-01"
    assert "title" not in p.predict(["no title here"])[0].to_dict()


def test_explain_names_the_matched_phrase() -> None:
    """--explain shows the words behind a lexicon column, not only its bucket (#13 item 12)."""
    from classify import paths

    p = Predictor.load(paths.default_model_dir() / "v001")
    t = p.predict(
        [{"id": "a", "text": "Regulators fined the platform; 监管部门对平台罚款 over data rules"}],
        explain=True,
    )[0]
    names = [n for rows in t.explain["tone"].values() for n, _ in rows]
    lex = [n for n in names if n.startswith("lex:action:tightening")]
    assert lex and "fined" in lex[0] and "罚款" in lex[0], names


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
