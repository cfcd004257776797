"""Bundles: round trip, manifest, tamper and truncation refused, the lexicon inside, pickle-free load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from classify.bundle import BundleError, load_bundle, load_estimator
from classify.features import tokenize_batch
from classify.predictor import Predictor
from classify.schema import SECTORS, TONES


def test_bundle_round_trip_and_manifest(tiny_bundle: Path) -> None:
    clf, man, _ = load_bundle(tiny_bundle)
    assert man["labels"]["sectors"] == list(SECTORS) and man["labels"]["tones"] == list(TONES)
    assert set(man["files"]) == {"model.joblib", "MODEL_CARD.md", "model.npz", "model.json"}
    assert man["metrics"]["scheme"].startswith("1x repeated stratified 3-fold")
    card = (tiny_bundle / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "## Candidate comparison" in card
    # synthetic labels carry no `selected` field: every one counts as picked at random, and
    # the card says which rows each decision was tuned on (lexicon+ngrams: sectors on all)
    td = man["training_data"]
    assert td["picked_at_random"] == td["examples"]
    assert f"tone weights — the {td['examples']} labels picked at random" in card
    assert "sector thresholds and length ratios — all labels" in card
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
