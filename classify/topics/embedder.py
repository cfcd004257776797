"""The offline embedding of documents: TF-IDF over the theme words, TruncatedSVD, L2 norm.

:func:`build_embedder` / :func:`fit_embedder` make and fit the scikit-learn pipeline
(training only). :class:`ArrayEmbedder` is the fitted pipeline as plain arrays — vocabulary,
idf, SVD components — saved as JSON + safetensors and applied with numpy and scipy.sparse,
so loading a topic model (``tag --topics``) unpickles nothing and imports no scikit-learn.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classify import storage
from classify.topics.prep import DEFAULT_SEED, TopicModelError, theme_tokenize

__all__ = ["build_embedder", "fit_embedder", "ArrayEmbedder", "EMBEDDER_JSON", "EMBEDDER_ARRAYS"]

EMBEDDER_JSON = "embedder.json"
EMBEDDER_ARRAYS = "embedder.safetensors"
FORMAT = "classify-embedder/1"


def build_embedder(n_docs: int, seed: int = DEFAULT_SEED, n_components: int = 100):  # noqa: ANN201
    """The offline embedding: TF-IDF (bilingual tokenizer) -> TruncatedSVD -> L2 normalisation."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer

    tfidf = TfidfVectorizer(
        tokenizer=theme_tokenize,
        token_pattern=None,
        lowercase=False,
        sublinear_tf=True,
        # A word seen in one document cannot make two documents similar.
        min_df=2 if n_docs >= 20 else 1,
        max_df=0.5 if n_docs >= 50 else 1.0,
        max_features=50_000,
        dtype=np.float32,
    )
    svd = TruncatedSVD(n_components=n_components, random_state=seed)
    return make_pipeline(tfidf, svd, Normalizer())


def fit_embedder(texts: list[str], seed: int) -> tuple[Any, np.ndarray]:
    """Fit the embedder, shrinking the SVD to what the vocabulary allows; returns (pipeline, embeddings)."""
    pipe = build_embedder(len(texts), seed)
    tfidf = pipe.steps[0][1]
    try:
        X = tfidf.fit_transform(texts)
    except ValueError:  # every word pruned (near-identical texts): keep them all
        tfidf.set_params(min_df=1, max_df=1.0)
        try:
            X = tfidf.fit_transform(texts)
        except ValueError as e:
            raise TopicModelError(f"no words to build topics from: {e}") from e
    if X.shape[1] < 3:
        raise TopicModelError(f"only {X.shape[1]} distinct words in the corpus: too few for topics")
    n_comp = max(2, min(100, X.shape[1] - 1, X.shape[0] - 1))
    svd = pipe.steps[1][1]
    svd.set_params(n_components=n_comp)
    Z = svd.fit_transform(X)
    svd.components_ = svd.components_.astype(np.float32)  # half the size on disk, same topics
    emb = pipe.steps[2][1].fit_transform(Z)
    return pipe, np.asarray(emb, dtype=np.float64)


class ArrayEmbedder:
    """A fitted TF-IDF -> SVD -> L2 embedding held as arrays (no scikit-learn, no pickle).

    ``transform(texts)`` equals the scikit-learn pipeline's output (float32 arithmetic in
    the same order; tested to 1e-6 on real texts). ``from_pipeline`` converts a fitted
    pipeline; ``save(dir)`` / ``load(dir)`` use ``embedder.json`` (vocabulary and settings)
    and ``embedder.safetensors`` (idf and SVD components).
    """

    def __init__(
        self,
        vocabulary: Sequence[str],
        idf: np.ndarray,
        components: np.ndarray,
        sublinear_tf: bool = True,
    ) -> None:
        self.vocabulary = list(vocabulary)
        self.index = {w: i for i, w in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.components = np.asarray(components, dtype=np.float32)
        self.sublinear_tf = sublinear_tf
        if self.idf.shape != (len(self.vocabulary),) or self.components.shape[1] != len(self.idf):
            raise TopicModelError(
                f"embedder arrays do not fit: {len(self.vocabulary)} words, idf {self.idf.shape}, "
                f"components {self.components.shape}"
            )

    @property
    def dim(self) -> int:
        return int(self.components.shape[0])

    @classmethod
    def from_pipeline(cls, pipe: Any) -> ArrayEmbedder:
        """The arrays of a fitted :func:`build_embedder` pipeline."""
        tfidf, svd = pipe.steps[0][1], pipe.steps[1][1]
        vocab = sorted(tfidf.vocabulary_, key=tfidf.vocabulary_.__getitem__)
        return cls(vocab, tfidf.idf_, svd.components_, bool(tfidf.sublinear_tf))

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings (rows of zeros for texts without a known word)."""
        import scipy.sparse as sp

        index = self.index
        rows: list[int] = []
        cols: list[int] = []
        vals: list[int] = []
        for i, text in enumerate(texts):
            counts = Counter(j for j in map(index.get, theme_tokenize(text)) if j is not None)
            rows.extend([i] * len(counts))
            cols.extend(counts.keys())
            vals.extend(counts.values())
        X = sp.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (rows, cols)),
            shape=(len(texts), len(self.idf)),
            dtype=np.float32,
        )
        X.sort_indices()
        if self.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1
        X = X.multiply(self.idf[None, :]).tocsr()
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        X = sp.diags(1 / norms.astype(np.float32)) @ X
        Z = np.asarray(X @ self.components.T, dtype=np.float32)
        zn = np.linalg.norm(Z, axis=1, keepdims=True)
        return np.asarray(Z / np.where(zn == 0, 1, zn), dtype=np.float64)

    def save(self, d: Path) -> list[str]:
        """Write the two files into ``d``; returns their names."""
        meta = {"format": FORMAT, "sublinear_tf": self.sublinear_tf, "vocabulary": self.vocabulary}
        (Path(d) / EMBEDDER_JSON).write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        storage.write_safetensors(
            Path(d) / EMBEDDER_ARRAYS, {"idf": self.idf, "components": self.components}
        )
        return [EMBEDDER_JSON, EMBEDDER_ARRAYS]

    @classmethod
    def load(cls, d: Path) -> ArrayEmbedder:
        """Read an embedder saved by :meth:`save`."""
        meta = json.loads((Path(d) / EMBEDDER_JSON).read_text("utf-8"))
        if meta.get("format") != FORMAT:
            raise TopicModelError(f"{d / EMBEDDER_JSON} is not a {FORMAT} embedder")
        arrays = storage.read_safetensors(Path(d) / EMBEDDER_ARRAYS)
        return cls(meta["vocabulary"], arrays["idf"], arrays["components"], meta["sublinear_tf"])
