"""Emergent themes: BERTopic fitted offline on a scikit-learn embedding, saved without pickle for topics.

Why this shape:

* Offline and light. Documents are embedded by a scikit-learn pipeline (TF-IDF over the
  project's bilingual tokenizer -> TruncatedSVD -> L2 normalisation), never a model from a hub.
  BERTopic, UMAP and hdbscan are imported inside functions only, so ``import classify.topics``
  (and ``classify tag`` without ``--topics``) never loads them.
* Reproducible. The SVD and UMAP both get ``random_state=seed``; hdbscan is deterministic.
* Readable. Topics carry their top c-TF-IDF terms and a short snake_case label built from them
  (``metaverse_virtual_vr``).
* Portable and pickle-free. The BERTopic part is saved in its safetensors layout (topics.json,
  config.json, topic embeddings, c-TF-IDF), the fitted embedder as arrays (vocabulary + idf
  in JSON/safetensors, SVD components), and every file is listed with its sha256 in
  ``manifest.json``; a model directory is written atomically (:mod:`classify.storage`).

The package, bottom up: :mod:`~classify.topics.prep` (documents, theme words),
:mod:`~classify.topics.embedder` (the embedding, fitted and as arrays),
:mod:`~classify.topics.bertopic_api` (every use of BERTopic's private API, pinned),
:mod:`~classify.topics.model` (:class:`TopicModel`).

Assigning topics to new texts needs only the embedder and the topic embeddings: a text goes to
the topic whose embedding is most similar (cosine), which is what BERTopic itself does for a
model loaded from safetensors; ``probability`` is a softmax over those similarities with a
temperature fitted on the training assignments. That path is plain numpy and thread-safe.
"""

from __future__ import annotations

from classify.topics.bertopic_api import period_terms
from classify.topics.embedder import ArrayEmbedder, build_embedder, fit_embedder
from classify.topics.model import FORMAT, OUTLIER_THRESHOLD, TopicModel
from classify.topics.prep import (
    DEFAULT_SEED,
    MAX_DOC_CHARS,
    NO_TOPIC,
    THEME_STOPWORDS,
    Doc,
    TopicModelError,
    default_min_topic_size,
    doc_text,
    theme_tokenize,
    to_docs,
)

__all__ = [
    "TopicModel",
    "TopicModelError",
    "ArrayEmbedder",
    "build_embedder",
    "fit_embedder",
    "period_terms",
    "Doc",
    "doc_text",
    "to_docs",
    "theme_tokenize",
    "THEME_STOPWORDS",
    "default_min_topic_size",
    "DEFAULT_SEED",
    "MAX_DOC_CHARS",
    "NO_TOPIC",
    "FORMAT",
    "OUTLIER_THRESHOLD",
]
