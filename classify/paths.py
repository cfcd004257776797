"""Where the shipped defaults live: the seed corpus and the model bundles."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PACKAGE_DIR",
    "PROJECT_ROOT",
    "seeds_dir",
    "models_dir",
    "default_model_dir",
    "default_topic_dir",
    "seed_topic_dir",
    "guideline_gold",
]

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def _root() -> Path:
    """The project root (the checkout holding seeds/ and models/), or the working directory."""
    env = os.environ.get("CLASSIFY_HOME")
    if env:
        return Path(env)
    if (PROJECT_ROOT / "models").is_dir() or (PROJECT_ROOT / "seeds").is_dir():
        return PROJECT_ROOT
    return Path.cwd()


def seeds_dir() -> Path:
    return _root() / "seeds"


def models_dir() -> Path:
    return _root() / "models"


def default_model_dir() -> Path:
    return models_dir() / "default"


def default_topic_dir() -> Path:
    """The topic model ``tag --topics`` and ``TopicModel.load()`` use by default (bilingual,
    fitted on the corpora: 36Kr headlines, the English feed and the seed items)."""
    return models_dir() / "topics"


def seed_topic_dir() -> Path:
    """The topic model fitted on the seed corpus (``classify drift`` with no input uses it)."""
    return models_dir() / "topics_seeds"


def guideline_gold() -> Path:
    """The guidelines' worked examples as gold labels (scored by ``train``, never trained on)."""
    return _root() / "labels" / "eval" / "guidelines_gold.jsonl"
