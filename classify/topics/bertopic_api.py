"""Every use of BERTopic's private API, in one place, pinned to the version it was written for.

BERTopic has no public way to save a model whose embedder is not a hub model name, nor to
rebuild one from its safetensors layout with a custom embedder and tokenizer; this module
does both through ``bertopic._save_utils`` and ``bertopic._bertopic._create_model_from_files``
and reads the c-TF-IDF weights from ``ctfidf_model._idf_diag``. It also holds the public
calls the project makes (``topics_over_time``, ``get_representative_docs``), so a BERTopic
upgrade is checked here: ``tests/test_topics.py`` fails when the installed version is not
:data:`TESTED_VERSIONS`, and then this module is what to review.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classify import storage
from classify.topics.prep import theme_tokenize

__all__ = [
    "TESTED_VERSIONS",
    "quiet",
    "save_bertopic",
    "load_bertopic",
    "period_terms",
    "representative_docs",
    "EMB_FILE",
    "CTFIDF_FILE",
]

#: The BERTopic releases this module was written and tested against.
TESTED_VERSIONS = ("0.17.4",)
EMB_FILE = "topic_embeddings.safetensors"
CTFIDF_FILE = "ctfidf.safetensors"


@contextlib.contextmanager
def quiet(name: str) -> Iterator[None]:
    """Silence a library logger below ERROR for the duration of a block."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def representative_docs(model: Any) -> dict[int, list[str]]:
    """BERTopic's representative documents per topic (texts; empty when it kept none)."""
    try:
        return {int(k): list(v) for k, v in (model.get_representative_docs() or {}).items()}
    except Exception:  # noqa: BLE001 - representative docs are an optional extra
        return {}


def _backend(embedder: Any) -> Any:
    """BERTopic's embedding backend for our embedder (an ArrayEmbedder or a fitted pipeline)."""
    from bertopic.backend import BaseEmbedder
    from bertopic.backend._utils import select_backend

    if hasattr(embedder, "steps"):  # a scikit-learn pipeline (a model being fitted)
        return select_backend(embedder)

    class _ArrayBackend(BaseEmbedder):
        def __init__(self, emb: Any) -> None:
            super().__init__()
            self.emb = emb

        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:  # noqa: ARG002
            return self.emb.transform(documents)

    return _ArrayBackend(embedder)


def save_bertopic(model: Any, d: Path, topic_embeddings: np.ndarray) -> None:
    """BERTopic's safetensors layout, written without the safetensors package."""
    from bertopic import _save_utils as su

    storage.write_safetensors(
        d / EMB_FILE, {"topic_embeddings": np.asarray(topic_embeddings, dtype=np.float32)}
    )
    su.save_topics(model=model, path=d / "topics.json")
    su.save_config(model=model, path=d / "config.json", embedding_model=None)
    c = model.c_tf_idf_
    storage.write_safetensors(
        d / CTFIDF_FILE,
        {
            "indptr": c.indptr.astype(np.int64),
            "indices": c.indices.astype(np.int64),
            "data": c.data.astype(np.float64),
            "shape": np.array(c.shape, dtype=np.int64),
            "diag": np.asarray(model.ctfidf_model._idf_diag.data, dtype=np.float64),
        },
    )
    su.save_ctfidf_config(model=model, path=d / "ctfidf_config.json")


def load_bertopic(d: Path, embedder: Any) -> Any:
    """A BERTopic object from the saved layout, with the embedder and tokenizer restored."""
    import bertopic._bertopic as bb
    from bertopic import _save_utils as su

    topics = su.load_cfg_from_json(d / "topics.json")
    params = su.load_cfg_from_json(d / "config.json")
    tensors = storage.read_safetensors(d / EMB_FILE)
    ctfidf = storage.read_safetensors(d / CTFIDF_FILE) if (d / CTFIDF_FILE).is_file() else None
    cfg = (
        su.load_cfg_from_json(d / "ctfidf_config.json")
        if (d / "ctfidf_config.json").is_file()
        else None
    )
    model = bb._create_model_from_files(
        topics, params, tensors, ctfidf, cfg, None, warn_no_backend=False
    )
    model.embedding_model = _backend(embedder)
    # safetensors keeps the vocabulary but not the callable tokenizer: put it back.
    model.vectorizer_model.set_params(tokenizer=theme_tokenize, token_pattern=None)
    return model


def period_terms(
    model: Any,
    texts: Sequence[str],
    topics: Sequence[int],
    period_index: Sequence[int],
    wanted: Iterable[tuple[int, int]],
) -> dict[tuple[int, int], list[str]]:
    """The c-TF-IDF terms of each wanted (topic, period position) from that period's records only.

    BERTopic's ``topics_over_time`` (its one use in this project) with both tunings off: the
    global tuning averages a period's words with the topic's overall words, which is exactly
    what hides the product a broad topic surges with. Up to 5 terms, best first.
    """
    wanted = set(wanted)
    periods = {i for _, i in wanted}
    sel = [k for k, i in enumerate(period_index) if i in periods]
    if not sel or model.bertopic is None:
        return {}
    with quiet("BERTopic"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = model.bertopic.topics_over_time(
            [texts[k] for k in sel],
            [int(period_index[k]) for k in sel],
            topics=[int(topics[k]) for k in sel],
            global_tuning=False,
            evolution_tuning=False,
        )
    out: dict[tuple[int, int], list[str]] = {}
    for topic, words, stamp in zip(df["Topic"], df["Words"], df["Timestamp"], strict=True):
        key = (int(topic), int(stamp))
        if key in wanted:
            out[key] = [w for w in str(words).split(", ") if w]
    return out
