"""classify: topic-and-tone toolkit for news about the Chinese technology industry.

The front door: what a user needs is here, imported on first use so ``import classify``
stays light (the predictor needs only numpy and scipy.sparse; scikit-learn is for training,
BERTopic/UMAP load only when topics are fitted)::

    from classify import Predictor             # load a bundle, predict Tags (SPEC §3)
    from classify import read_records          # JSONL / CSV / Parquet / .txt -> Articles
    from classify import train, evaluate       # train a bundle from labels; score it on gold labels
    from classify import TopicModel, trends    # fit / load topics; sector and tone per period
    from classify import ClassifyError         # the base of every error raised on purpose

``train`` and ``trends`` are their modules made callable (``classify.train(labels, corpora,
out)`` calls :func:`classify.train.train`, ``classify.trends(tags, period="quarter")`` calls
:func:`classify.trends.trends`), so the name means the same whichever was imported first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Predictor",
    "Tag",
    "read_records",
    "train",
    "evaluate",
    "TopicModel",
    "trends",
    "ClassifyError",
    "BundleError",
    "__version__",
]

#: name -> (module, attribute); attribute None = the (callable) module itself
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "Predictor": ("classify.predictor", "Predictor"),
    "Tag": ("classify.predictor", "Tag"),
    "BundleError": ("classify.bundle", "BundleError"),
    "read_records": ("classify.io", "read_records"),
    "evaluate": ("classify.evaluation", "evaluate"),
    "TopicModel": ("classify.topics", "TopicModel"),
    "ClassifyError": ("classify.errors", "ClassifyError"),
    "train": ("classify.train", None),
    "trends": ("classify.trends", None),
}

if TYPE_CHECKING:  # pragma: no cover
    from classify.bundle import BundleError
    from classify.errors import ClassifyError
    from classify.evaluation import evaluate
    from classify.io import read_records
    from classify.predictor import Predictor, Tag
    from classify.topics import TopicModel


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module, attr = _EXPORTS[name]
        m = importlib.import_module(module)
        return m if attr is None else getattr(m, attr)
    raise AttributeError(f"module 'classify' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
