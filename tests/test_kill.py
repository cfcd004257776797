"""SIGKILL `classify train` at random moments: the previous model always loads and predicts the same.

Two lanes (one model directory each, run side by side to halve the wall time) each train once
to create a model and measure a run, then kill 10 retrains with SIGKILL: 6 at
a uniformly random moment of the measured run, 4 at a random moment after the bundle
write has begun (a hidden ``.NAME.tmp-*`` directory appears), the window where atomicity
matters. After every kill:

* ``Predictor.load(DIR)`` works and gives exactly the same ``to_dict()`` for a fixed list of
  inputs as before the kill (nothing ignored, not even ``model``); if the kill came after the
  new version was made current, the new model must load and predict the same (same labels
  and seed) and becomes the reference;
* every visible version directory verifies (no half-written bundle is ever visible);
* at most one stray temp directory exists: the one the killed write left (``write_bundle``
  removes those of dead writers before it starts).

A final clean retrain leaves no stray temp directory at all.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import synthetic_examples, write_labels
from typer.testing import CliRunner

from classify.bundle import verify, write_bundle
from classify.cli import app
from classify.predictor import Predictor
from classify.storage import _owner

INPUTS = [
    "Bitcoin miners moved rigs abroad as crypto prices fell",
    "中芯国际扩产芯片晶圆，监管部门批准新牌照",
    "the game publisher released a new mobile game for players",
    {"id": "t1", "title": "比亚迪新能源汽车销量增长", "text": "Regulators fined the company."},
    {"id": "no-text"},
]
KILLS_PER_LANE = 10
WRITE_KILLS_PER_LANE = 4  # of the 10: triggered by the bundle write starting


def _env(pycache: Path) -> dict[str, str]:
    """Single-threaded BLAS (threads spinning on 2 busy cores make a run 4x slower) and a
    bytecode cache outside the repo, so every run after the first skips recompiling."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PYTHONPYCACHEPREFIX=str(pycache),
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


def _stray(model_dir: Path) -> list[Path]:
    """Hidden temp directories a bundle write leaves when it is killed."""
    return [p for p in model_dir.iterdir() if p.name.startswith(".") and p.is_dir()]


def _predictions(model_dir: Path) -> tuple[str, list[dict]]:
    p = Predictor.load(model_dir)
    return p.model_id, [t.to_dict() for t in p.predict(INPUTS)]


def _check_versions(model_dir: Path) -> None:
    """Every visible bundle directory is complete and verifies."""
    for d in model_dir.iterdir():
        if d.is_dir() and not d.name.startswith("."):
            verify(d)


class Lane:
    """One model directory and its sequence of runs and kills."""

    def __init__(self, root: Path, cmd: list[str], env: dict[str, str], seed: int) -> None:
        self.dir = root / "model"
        self.cmd = [*cmd, "-o", str(self.dir)]
        self.env = env
        self.rng = random.Random(seed)
        self.kills = self.late = self.wrote = self.completed = 0
        self.measured = (0.0, 0.0)

    def run_full(self) -> tuple[float, float]:
        """A run to completion: (total seconds, seconds its bundle temp dir existed)."""
        t0 = time.monotonic()
        proc = subprocess.Popen(
            self.cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        t_write = t_done = None
        while proc.poll() is None:
            if self.dir.exists():
                stray = _stray(self.dir)
                if t_write is None and stray:
                    t_write = time.monotonic()
                elif t_write is not None and t_done is None and not stray:
                    t_done = time.monotonic()
            time.sleep(0.001)
        end = time.monotonic()
        assert proc.returncode == 0, proc.stderr.read().decode()[-2000:]
        return end - t0, (t_done or end) - (t_write or end)

    def kill_once(self, total: float, write: float, after_write: bool) -> None:
        before = set(_stray(self.dir))
        proc = subprocess.Popen(
            self.cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if after_write:  # wait for a new bundle temp dir, then kill during write + promote
            deadline = time.monotonic() + 4 * total
            while (
                proc.poll() is None
                and not set(_stray(self.dir)) - before
                and time.monotonic() < deadline
            ):
                time.sleep(0.001)
            time.sleep(self.rng.uniform(0, 1.5 * write + 0.01))  # ~2/3 inside the write
        else:
            time.sleep(self.rng.uniform(0, total))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            self.kills += 1
        else:
            self.completed += 1  # finished before the kill: a clean retrain, also fine
        proc.wait()
        if set(_stray(self.dir)) - before:
            self.wrote += 1  # this kill landed inside write_bundle

    def run(self) -> None:
        total, write = self.run_full()  # the first model; the run measured
        self.measured = (total, write)
        model_id, expected = _predictions(self.dir)
        plan = [k < WRITE_KILLS_PER_LANE for k in range(KILLS_PER_LANE)]
        self.rng.shuffle(plan)
        for after_write in plan:
            self.kill_once(total, write, after_write)
            got_id, got = _predictions(self.dir)  # raises if the model no longer loads
            if got_id == model_id:
                assert got == expected
            else:  # the killed run had already made its new version current
                self.late += 1
                assert [{**r, "model": None} for r in got] == [
                    {**r, "model": None} for r in expected
                ]
                model_id, expected = got_id, got
            _check_versions(self.dir)
            assert len(_stray(self.dir)) <= 1, _stray(self.dir)
        self.run_full()  # a clean retrain (a new current version when versioned)
        assert _stray(self.dir) == []
        assert [{**r, "model": None} for r in _predictions(self.dir)[1]] == [
            {**r, "model": None} for r in expected
        ]
        _check_versions(self.dir)


@pytest.mark.slow
def test_sigkill_during_train_never_breaks_the_previous_model(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    labels = write_labels(tmp_path / "labels.jsonl", synthetic_examples(n_per_sector=4))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("", encoding="utf-8")
    cmd = [sys.executable, "-m", "classify.cli", "train", "--labels", str(labels)]
    cmd += ["--corpus", str(corpus), "--candidate", "lexicon+ngrams"]
    cmd += ["--folds", "3", "--repeats", "1", "-j", "1"]
    if "--promote" in CliRunner().invoke(app, ["train", "--help"]).output:
        cmd.append("--promote")  # versioned models: exercise the switch of CURRENT too
    env = _env(tmp_path_factory.mktemp("pycache"))
    warm = "import classify.cli, classify.train, classify.models, classify.predictor"
    subprocess.run([sys.executable, "-c", warm], env=env, check=True)  # compile once
    lanes = []
    for k in range(2):
        (tmp_path / f"lane{k}").mkdir()
        lanes.append(Lane(tmp_path / f"lane{k}", cmd, env, seed=20_240_601 + k))
    errors: list[BaseException] = []

    def work(lane: Lane) -> None:
        try:
            lane.run()
        except BaseException as e:  # noqa: BLE001 - re-raised in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(lane,)) for lane in lanes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    kills = sum(lane.kills for lane in lanes)
    assert kills + sum(lane.completed for lane in lanes) == 2 * KILLS_PER_LANE
    assert kills >= KILLS_PER_LANE  # most runs really were killed mid-way
    assert sum(lane.wrote for lane in lanes) >= 1  # and some inside the bundle write
    if os.environ.get("KILL_TEST_REPORT"):
        print(
            [(lane.measured, lane.kills, lane.completed, lane.wrote, lane.late) for lane in lanes]
        )


def test_write_bundle_removes_only_dead_writers_leftovers(
    tmp_path: Path, tiny_bundle: Path
) -> None:
    """Stale temp dirs of dead local writers go; live or foreign ones stay; a lost swap is undone."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = _owner().rsplit("-", 1)[0]
    made = {
        "dead_tmp": f".v002.tmp-{host}-{dead.pid}-abc",
        "dead_other_name": f".v001.tmp-{host}-{dead.pid}-xyz",
        "live_tmp": f".v002.tmp-{_owner()}-def",
        "foreign_host": f".v002.tmp-otherhost{host}-{dead.pid}-ghi",
        "old_format": ".v002.tmp-k3j4h5",
        "lost_swap": f".gone.old-{host}-{dead.pid}",
    }
    for name in made.values():
        (tmp_path / name).mkdir()
    (tmp_path / made["lost_swap"] / "manifest.json").write_text("{}")
    from classify.bundle import load_bundle

    write_bundle(tmp_path / "v002", load_bundle(tiny_bundle)[0], {}, "card")
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {
        "v002",
        "gone",
        made["live_tmp"],
        made["foreign_host"],
        made["old_format"],
    }
    assert (tmp_path / "gone" / "manifest.json").is_file()  # put back, not deleted
