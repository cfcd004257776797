"""The shipped model after its re-export to the compiled format: the same decisions as before.

``tests/data/shipped_v001_decisions.json`` holds, per input, a sha256 over every Tag's
``[id, sectors, tone, tone_index]`` as v001 produced them with the previous code (pickled
estimators' safe copy). The compiled v001 must reproduce them exactly on the seeds (in the
repo) and on the shared corpora (when ``../shared`` is beside the checkout).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import CORPORA, ROOT

from classify import paths
from classify.io import read_records
from classify.predictor import Predictor
from classify.tagging import default_records

RECORDED = json.loads((ROOT / "tests" / "data" / "shipped_v001_decisions.json").read_text())


@pytest.fixture(scope="module")
def v001() -> Predictor:
    p = Predictor.load(paths.default_model_dir() / "v001")
    if p.manifest.get("reexported", {}).get("previous_model_id") != RECORDED["model_id_before"]:
        pytest.skip("models/default/v001 is not the re-export of the recorded v001")
    return p


def _digest(tags) -> tuple[int, str]:  # noqa: ANN001
    h, n = hashlib.sha256(), 0
    for t in tags:
        n += 1
        row = [t.id, t.sectors, t.tone, t.tone_index]
        h.update(json.dumps(row, ensure_ascii=False).encode() + b"\n")
    return n, h.hexdigest()


def test_seed_decisions_unchanged(v001: Predictor) -> None:
    n, digest = _digest(v001.predict_stream(default_records()))
    assert (n, digest) == (RECORDED["seeds"]["records"], RECORDED["seeds"]["sha256"])


@pytest.mark.parametrize("name", ["36kr_hotlist", "rss_en", "toutiao_hot_chinatech"])
def test_corpus_decisions_unchanged(v001: Predictor, name: str) -> None:
    path = CORPORA / f"{name}.jsonl"
    if not path.is_file():
        pytest.skip(f"needs the shared corpora beside the checkout ({path} not found)")
    n, digest = _digest(v001.predict_stream(read_records([Path(path)]), batch_size=2048))
    assert (n, digest) == (RECORDED[name]["records"], RECORDED[name]["sha256"])
