"""Retraining: versions, before/after comparison, gated promotion, rollback, suspects, suggestions."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from helpers import synthetic_examples, write_labels
from typer.testing import CliRunner

from classify import registry
from classify.active import oof_for, suggest, suspects
from classify.bundle import BundleError
from classify.cli import app
from classify.io import article_from_obj
from classify.labels import check
from classify.predictor import Predictor
from classify.schema import SECTORS
from classify.train import promotion_decision, train

QUIET = {
    "n_splits": 3,
    "n_repeats": 1,
    "n_jobs": 1,
    "candidates": ["lexicon+ngrams"],
    "log": lambda m: None,
}


@pytest.fixture(scope="module")
def registry_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model name dir with v001 (first, current) then v002 (more labels, --promote)."""
    tmp = tmp_path_factory.mktemp("reg")
    base = write_labels(tmp / "base.jsonl", synthetic_examples(n_per_sector=8, seed=1))
    first = train([base], [], tmp / "m", **QUIET)
    (tmp / "v001.json").write_text(
        json.dumps({"current_after": registry.current(tmp / "m"), **first})
    )
    more = write_labels(
        tmp / "more.jsonl",
        [{**e, "id": "more-" + e["id"]} for e in synthetic_examples(n_per_sector=4, seed=7)],
    )
    second = train([base, more], [], tmp / "m", promote=True, **QUIET)
    (tmp / "v002.json").write_text(
        json.dumps({"current_after": registry.current(tmp / "m"), **second})
    )
    return tmp


@pytest.mark.slow
def test_first_version_is_current_then_gated(registry_dir: Path) -> None:
    m = registry_dir / "m"
    first = json.loads((registry_dir / "v001.json").read_text())
    assert first["version"] == "v001" and first["current_after"] == "v001"
    assert first["promotion"]["why"] == "first version"
    assert registry.versions(m) == ["v001", "v002"]
    # v002: new labels (different ids) + --promote, compared with v001, promoted only if no drop
    man = json.loads((registry_dir / "v002.json").read_text())
    cmp = man["comparison_with_current"]
    assert cmp["current_version"] == "v001" and "current" in cmp["cv"]
    assert (
        cmp["unseen"]["current"]["n"] == 28 == cmp["unseen"]["new"]["n"]
    )  # only the new labels are unseen
    assert man["promotion"]["basis"] == "unseen"
    assert man["current_after"] == ("v002" if man["promotion"]["promote"] else "v001")
    card = (m / "v002" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "## Before / after" in card and "current CV" in card


def test_promotion_decision_rules() -> None:
    base = {
        "cv": {
            "current": {"sector_macro_f1": 0.8, "tone_macro_f1": 0.7},
            "new": {"sector_macro_f1": 0.7, "tone_macro_f1": 0.7},
        }
    }
    assert promotion_decision(
        base, has_current=False, promote=False, force=False, reason=None, tolerance=0.01
    )["promote"]
    assert not promotion_decision(
        base, has_current=True, promote=False, force=False, reason=None, tolerance=0.01
    )["promote"]
    drop = promotion_decision(
        base, has_current=True, promote=True, force=False, reason=None, tolerance=0.01
    )
    assert not drop["promote"] and drop["drops"]["sector_macro_f1"] == pytest.approx(0.1)
    forced = promotion_decision(
        base, has_current=True, promote=True, force=True, reason="new taxonomy", tolerance=0.01
    )
    assert forced["promote"] and forced["forced"] and forced["reason"] == "new taxonomy"
    assert promotion_decision(
        base, has_current=True, promote=True, force=False, reason=None, tolerance=0.2
    )["promote"]


@pytest.mark.slow
def test_promote_and_rollback_via_cli(registry_dir: Path) -> None:
    m = registry_dir / "m"
    runner = CliRunner()
    r = runner.invoke(app, ["models", "promote", "v001", "--name", str(m), "--reason", "test"])
    assert r.exit_code == 0 and registry.current(m) == "v001"
    r = runner.invoke(app, ["models", "promote", "v002", "--name", str(m)])
    assert r.exit_code == 0 and registry.current(m) == "v002"
    r = runner.invoke(app, ["models", "rollback", "--name", str(m)])
    assert r.exit_code == 0 and registry.current(m) == "v001"
    rows = json.loads(
        runner.invoke(app, ["models", "list", "--name", str(m), "--json", "-"]).stdout
    )
    assert [x["version"] for x in rows] == ["v001", "v002"] and [x["current"] for x in rows] == [
        True,
        False,
    ]
    assert runner.invoke(app, ["models", "promote", "v009", "--name", str(m)]).exit_code == 2
    shown = json.loads(runner.invoke(app, ["models", "show", "v002", "--name", str(m)]).stdout)
    assert shown["version"] == "v002" and "ids" not in shown["training_data"]
    events = [e["action"] for e in registry.history(m)]
    assert events[-1] == "rollback" and "promote" in events


@pytest.mark.slow
def test_crash_mid_promote_leaves_complete_current(
    registry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the process dies between writing the new CURRENT and renaming it, CURRENT is unchanged."""
    m = registry_dir / "m"
    before = registry.current(m)
    import os

    real_replace = os.replace

    def boom(src: str, dst: str) -> None:
        if str(dst).endswith("CURRENT"):
            raise KeyboardInterrupt("killed mid-promote")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", boom)
    target = "v002" if before == "v001" else "v001"
    with pytest.raises(KeyboardInterrupt):
        registry.promote(m, target)
    monkeypatch.setattr(os, "replace", real_replace)
    assert registry.current(m) == before
    assert Predictor.load(m).path == m / before
    assert not list(m.glob(".CURRENT.*"))  # the half-written temp file was removed


def test_resolve_errors(tmp_path: Path) -> None:
    (tmp_path / "v001").mkdir()
    with pytest.raises(BundleError, match="no CURRENT"):
        registry.resolve(tmp_path)
    (tmp_path / "CURRENT").write_text("v007\n")
    with pytest.raises(BundleError, match="not a bundle version"):
        registry.resolve(tmp_path)


@pytest.mark.slow
def test_suspects_find_flipped_labels(tmp_path: Path) -> None:
    """20 deliberately flipped sector labels: at least 80% of them are in the top 40 suspects."""
    ex = synthetic_examples(n_per_sector=30, seed=3)
    rng = random.Random(0)
    flipped = set()
    for e in rng.sample(ex, 20):
        others = [
            s
            for s in ("ecommerce", "gaming", "semiconductors", "ev_auto", "ai", "crypto")
            if s not in e["sectors"]
        ]
        e["sectors"] = [rng.choice(others)]
        e["tone"] = "none" if e["tone"] != "none" else e["tone"]
        flipped.add(e["id"])
    examples, problems = check([write_labels(tmp_path / "l.jsonl", ex)])
    assert not [p for p in problems if p.severity == "error"]
    rows = suspects(examples, oof_for(examples, n_jobs=1), top=40)
    found = flipped & {r["id"] for r in rows}
    assert len(found) >= 16, (len(found), sorted(flipped - found))
    assert all(
        r["model"]["sectors"] != r["label"]["sectors"] or r["model"]["tone"] != r["label"]["tone"]
        for r in rows
        if r["id"] in flipped
    )


def test_suggest_strategies(tiny_bundle: Path) -> None:
    p = Predictor.load(tiny_bundle)
    pool = [
        article_from_obj({"id": f"u{i}", "text": t}, i)
        for i, t in enumerate(
            [e["text"] for e in synthetic_examples(n_per_sector=5, seed=11)]
            + ["a phone maker and a chip foundry and a game studio", "比特币 游戏 芯片"]
        )
    ]
    for strategy in ("uncertainty", "diversity", "mixed"):
        rows = suggest(p, pool, n=6, strategy=strategy, exclude={"u0"})
        assert (
            len(rows) == 6
            and len({r["id"] for r in rows}) == 6
            and "u0" not in {r["id"] for r in rows}
        )
        assert all(r["why"]["strategy"] == strategy and r["sectors"] is None for r in rows)
        assert set(rows[0]["predicted"]["top_sector_scores"]) <= set(SECTORS)
    unc = suggest(p, pool, n=len(pool), strategy="uncertainty")
    scores = [r["why"]["uncertainty"] for r in unc]
    assert scores == sorted(scores, reverse=True)
    with pytest.raises(ValueError):
        suggest(p, pool, strategy="psychic")


@pytest.mark.slow
def test_cli_suggest_and_suspects(tmp_path: Path, tiny_bundle: Path) -> None:
    runner = CliRunner()
    pool = write_labels(
        tmp_path / "pool.jsonl",
        [
            {"id": f"p{i}", "text": e["text"]}
            for i, e in enumerate(synthetic_examples(n_per_sector=3, seed=4))
        ],
    )
    labels = write_labels(tmp_path / "lab.jsonl", synthetic_examples(n_per_sector=6, seed=5))
    out = tmp_path / "to_label.jsonl"
    r = runner.invoke(
        app,
        [
            "labels",
            "suggest",
            str(pool),
            "-n",
            "5",
            "--strategy",
            "uncertainty",
            "-o",
            str(out),
            "--model",
            str(tiny_bundle),
            "--labels",
            str(labels),
        ],
    )
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5 and all(x["text"] and x["why"]["reason"] for x in rows)
    assert (
        runner.invoke(
            app, ["labels", "suggest", str(pool), "--strategy", "x", "--model", str(tiny_bundle)]
        ).exit_code
        == 2
    )
    r = runner.invoke(app, ["labels", "check", str(labels), "--suspects", "--top", "5"])
    assert r.exit_code == 0, r.output
    sus = [json.loads(x)["suspect"] for x in r.stdout.splitlines() if x.startswith('{"suspect"')]
    assert len(sus) <= 5 and all("model" in s and "label" in s for s in sus)
    assert all(s["text"] for s in sus)  # the text to read beside each suspect (#13 item 14)


def test_rollback_with_nothing_before_is_refused(tmp_path: Path, tiny_bundle: Path) -> None:
    """#13 item 14: a single version (even promoted twice) has nothing to roll back to."""
    import shutil

    m = tmp_path / "m"
    m.mkdir()
    shutil.copytree(tiny_bundle, m / "v001")
    registry.promote(m, "v001")
    registry.promote(m, "v001", reason="again")
    r = CliRunner().invoke(app, ["models", "rollback", "--name", str(m)])
    assert r.exit_code == 2 and "nothing to roll back to" in r.stderr
    assert registry.current(m) == "v001"


def test_suggest_on_an_all_labelled_pool_says_why(tmp_path: Path, tiny_bundle: Path) -> None:
    """#13 item 14: '0 records suggested' comes with the reason."""
    ex = synthetic_examples(n_per_sector=2)
    labels = write_labels(tmp_path / "labels.jsonl", ex)
    pool = tmp_path / "pool.jsonl"
    pool.write_text(
        "".join(json.dumps({"id": e["id"], "text": e["text"]}) + "\n" for e in ex),
        encoding="utf-8",
    )
    args = ["labels", "suggest", str(pool), "--model", str(tiny_bundle), "--labels", str(labels)]
    r = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "s.jsonl")])
    assert r.exit_code == 0 and "0 records suggested" in r.stderr
    assert f"all {len(ex)} readable records of the pool are already labelled" in r.stderr
