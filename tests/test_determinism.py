"""Same labels + same seed -> byte-identical `classify tag` output, across separate processes.

Two processes (different PYTHONHASHSEED, so nothing may depend on set or dict-of-str hash
order) train from the same labels with the same seed into two directories; two more
processes tag the same input with each model. The outputs must be equal byte for byte,
including the ``model`` field: it is a hash of the bundle's files (``model.joblib`` and
``MODEL_CARD.md``), and both are byte-identical when training is deterministic. The card
names the model directory, so both runs write to a directory of the same name (``model``)
in different parents; the manifest (which holds the creation time) is not part of the hash.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import synthetic_examples, write_labels
from typer.testing import CliRunner

from classify.cli import app

INPUT = [
    {"id": "a", "text": "Bitcoin miners moved rigs abroad as crypto prices fell"},
    {"id": "b", "title": "中芯国际扩产", "text": "芯片晶圆代工，监管部门批准新牌照", "src": "x"},
    {"text": "the game publisher released a new mobile game for players"},
    {"id": "d", "text": "比亚迪新能源汽车销量增长。Regulators fined the company."},
]


def _env(pycache: Path, hash_seed: int) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PYTHONHASHSEED=str(hash_seed),
        PYTHONPYCACHEPREFIX=str(pycache),  # compiled once, outside the repo
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
    )
    return env


def _run_pair(cmds: list[list[str]], envs: list[dict[str, str]]) -> list[str]:
    """Run two commands side by side; both must succeed (or exit 1 for record errors)."""
    procs = [
        subprocess.Popen(c, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c, e in zip(cmds, envs, strict=True)
    ]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode in (0, 1), err[-2000:]
        outs.append(out)
    return outs


@pytest.mark.slow
def test_same_labels_and_seed_give_byte_identical_tag_output(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    labels = write_labels(tmp_path / "labels.jsonl", synthetic_examples(n_per_sector=4, seed=3))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("", encoding="utf-8")
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in INPUT) + "not json\n",
        encoding="utf-8",
    )
    pycache = tmp_path_factory.mktemp("pycache")
    envs = [_env(pycache, 1), _env(pycache, 2)]
    models = [tmp_path / run / "model" for run in ("run1", "run2")]
    train = [sys.executable, "-m", "classify.cli", "train", "--labels", str(labels)]
    train += ["--corpus", str(corpus), "--candidate", "lexicon+ngrams", "--seed", "7"]
    train += ["--folds", "3", "--repeats", "1", "-j", "1"]
    _run_pair([[*train, "-o", str(m)] for m in models], envs)

    # the pickled estimators and the card are byte-identical, hence so is the model id
    files = [sorted(p.relative_to(m) for p in m.rglob("*") if p.is_file()) for m in models]
    assert files[0] == files[1]
    for rel in files[0]:
        if rel.name in ("model.joblib", "MODEL_CARD.md"):
            assert (models[0] / rel).read_bytes() == (models[1] / rel).read_bytes(), rel

    tag = [sys.executable, "-m", "classify.cli", "tag", str(src)]
    outs = _run_pair([[*tag, "--model", str(m)] for m in models], envs)
    assert outs[0] == outs[1]
    rows = [json.loads(x) for x in outs[0].splitlines()]
    assert len(rows) == 5 and rows[4]["error"] and rows[0]["sectors"] is not None
    assert rows[0]["model"] == rows[1]["model"]
    # the same bytes again from this process, through the library (no hidden state)
    r = CliRunner().invoke(app, ["tag", str(src), "--model", str(models[0])])
    assert r.stdout == outs[0]
