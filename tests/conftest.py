"""Shared test fixtures: the seed corpus, the real corpora beside the checkout, synthetic corpora."""

from __future__ import annotations

import os

# BLAS threads spin under CPU contention (2 cores, parallel CV): one thread is faster here.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import json
import random
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Third-party corpora: read at test time, never copied into the repo (CI has ../shared).
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

# Word pools of a synthetic news stream: four steady themes, one that appears later.
THEMES = {
    "ev": "battery charging sedan range motor dealer suv hybrid lidar drivetrain chassis",
    "edtech": "tutoring homework student teacher exam classroom curriculum school parents lesson",
    "chips": "wafer foundry semiconductor lithography fab transistor node packaging etching photoresist",
    "ecommerce": "livestream influencer seller coupon checkout merchant parcel shopper cart refund",
    "quantum": "quantum qubit cryostat entanglement photon superconducting processor decoherence annealing ion",
}
GENERIC = [
    "company",
    "market",
    "plan",
    "report",
    "growth",
    "quarter",
    "industry",
    "launch",
    "investor",
]


def make_stream(
    months: list[str],
    per_month: int,
    inject: str | None = None,
    inject_from: str | None = None,
    inject_per_month: int = 0,
    undated: int = 0,
    seed: int = 0,
) -> list[dict]:
    """Synthetic dated articles: the steady themes every month, ``inject`` from ``inject_from`` on.

    Returns dicts with id, date, text and the true theme under ``theme``.
    """
    rng = random.Random(seed)
    steady = [t for t in THEMES if t != inject]
    out: list[dict] = []

    def article(theme: str, date: str | None) -> dict:
        words = rng.choices(THEMES[theme].split(), k=9) + rng.choices(GENERIC, k=4)
        rng.shuffle(words)
        return {
            "id": f"syn-{len(out)}",
            "date": date,
            "text": " ".join(words) + ".",
            "theme": theme,
        }

    for m in months:
        for k in range(per_month):
            out.append(article(steady[k % len(steady)], f"{m}-{1 + k % 28:02d}"))
        if inject and inject_from and m >= inject_from:
            for k in range(inject_per_month):
                out.append(article(inject, f"{m}-{1 + k % 28:02d}"))
    for k in range(undated):
        out.append(article(steady[k % len(steady)], None))
    return out


@pytest.fixture(scope="session")
def seed_records() -> list[dict]:
    """The shipped seed corpus as Article dicts."""
    from classify import paths
    from classify.corpus import iter_seed_records

    return list(iter_seed_records(paths.seeds_dir()))


@pytest.fixture(scope="session")
def kr_lines() -> list[dict]:
    """All records of the 36Kr headline corpus (read from ../shared at test time)."""
    path = CORPORA / "36kr_hotlist.jsonl"
    if not path.is_file():
        pytest.skip(f"needs the shared corpora beside the checkout ({path} not found)")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture
def write_jsonl(tmp_path: Path):  # noqa: ANN201 - a factory
    """Write records to a JSONL file in tmp_path and return its path."""

    def _write(records: list[dict], name: str = "in.jsonl") -> Path:
        p = tmp_path / name
        p.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
        return p

    return _write


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real classifier bundle trained once per session (tests/helpers.py)."""
    from helpers import train_tiny_bundle

    return train_tiny_bundle(tmp_path_factory.mktemp("tiny_bundle"))


#: Fixtures that fit a model (BERTopic with UMAP's one-off numba compile: ~15 s on 2 cores):
#: every test that uses one is `slow`, so `pytest -m "not slow"` stays under a minute.
FITTING_FIXTURES = {"seed_model", "saved_model"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if FITTING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
