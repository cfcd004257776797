"""The label schema: sector and tone ids, the guideline version, label encoding.

The bottom layer: every module takes the label set from here (LABELS.md and
``labels/GUIDELINES.md`` are the source of truth for their meaning).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "GUIDELINE_VERSION",
    "SECTORS",
    "TONES",
    "TONE_HEADLINE",
    "SPECIFIC_SECTORS",
    "SALIENCE",
    "MAX_SPECIFIC",
    "targets",
    "strata",
]

GUIDELINE_VERSION = "v1"

SECTORS: tuple[str, ...] = (
    "ecommerce",
    "local_services",
    "gaming",
    "media_social",
    "fintech",
    "crypto",
    "semiconductors",
    "ev_auto",
    "ai",
    "cloud",
    "telecom",
    "devices",
    "edtech",
    "healthtech",
    "other_tech",
    "cross_sector",
    "non_tech",
)
TONES: tuple[str, ...] = ("tightening", "easing", "neutral", "none")

#: Tones whose macro-F1 is the headline tone metric (``neutral`` is too rare to score alone).
TONE_HEADLINE = ("tightening", "easing", "none")
SPECIFIC_SECTORS = tuple(s for s in SECTORS if s not in ("cross_sector", "non_tech"))
SALIENCE = ("primary", "background")
MAX_SPECIFIC = 4


def targets(examples: list) -> tuple[np.ndarray, np.ndarray]:
    """Multi-hot sector matrix and tone index vector for labelled examples."""
    Y = np.array([[s in e.sectors for s in SECTORS] for e in examples], dtype=int)
    y = np.array([TONES.index(e.tone) for e in examples], dtype=int)
    return Y, y


def strata(Y: np.ndarray, y: np.ndarray, n_splits: int) -> np.ndarray:
    """A stratification key for multi-label data: tone plus the example's rarest sector."""
    freq = Y.sum(axis=0)
    keys = []
    for row, t in zip(Y, y, strict=True):
        pos = np.flatnonzero(row)
        rare = pos[np.argmin(freq[pos])] if len(pos) else -1
        keys.append(f"{t}|{rare}")
    keys = np.array(keys)
    vals, counts = np.unique(keys, return_counts=True)
    small = set(vals[counts < n_splits])
    keys = np.array([k if k not in small else k.split("|")[0] for k in keys])
    vals, counts = np.unique(keys, return_counts=True)
    small = set(vals[counts < n_splits])
    return np.array([k if k not in small else "rare" for k in keys])
