"""classify: topic-and-tone toolkit for news about the Chinese technology industry.

``from classify import Predictor`` is the Python API (SPEC §3). Importing the package is
light: the predictor module loads on first use and needs only numpy and scipy.sparse
(scikit-learn is for training), BERTopic/UMAP only when topics are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Predictor", "Tag", "BundleError", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from classify.predictor import BundleError, Predictor, Tag


def __getattr__(name: str) -> Any:
    if name in ("Predictor", "Tag", "BundleError"):
        from classify import predictor

        return getattr(predictor, name)
    raise AttributeError(f"module 'classify' has no attribute {name!r}")
