"""Training-time features: the TF-IDF vocabulary and idf, fitted with scikit-learn.

:class:`Featurizer` learns *what* the features are (the n-gram vocabulary and idf, with
scikit-learn's ``TfidfVectorizer``, and the lexicon index in force); computing them is the
compiled model's job (:func:`classify.compiled.tfidf_matrix`, ``LexiconIndex.counts``), so the
training matrix and the prediction matrix come from the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, partial

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from classify.compiled import Batch, char_rows, feature_matrix, tokenize_articles
from classify.lexindex import LexiconIndex
from classify.text import cjk_char_grams, default_tokenizer, ngrams

__all__ = ["Batch", "Featurizer", "lexicon_index", "tokenize_batch"]


@cache
def lexicon_index() -> LexiconIndex:
    """The installed lexicon's index (built once per process; training and tests)."""
    return LexiconIndex.build()


def tokenize_batch(titles: Sequence[str | None], texts: Sequence[str]) -> Batch:
    """Tokens and lexicon matches with the installed lexicon (what a model is trained on)."""
    return tokenize_articles(default_tokenizer(), lexicon_index(), titles, texts)


def analyze(doc: tuple[Sequence[str], bool], n_max: int = 2, cjk_chars: bool = False) -> list[str]:
    """The TF-IDF terms of one article, ``(tokens, is Chinese)``: word 1..``n_max``-grams, and
    with ``cjk_chars`` a Chinese article's character 1–2-grams (:func:`~classify.text.cjk_char_grams`).
    Module-level so the fitted vectorizer pickles."""
    tokens, zh = doc
    grams = ngrams(tokens, n_max)
    if cjk_chars and zh:
        grams.extend(cjk_char_grams(tokens))
    return grams


class Featurizer(TransformerMixin, BaseEstimator):
    """TF-IDF over word 1..``ngram_max``-grams, side by side with scaled lexicon counts.

    ``cjk_chars``: Chinese articles (:func:`~classify.text.is_chinese`, ``Batch.zh``) also get
    the character 1–2-grams of their Chinese words, in the same TF-IDF vector.

    ``fit``/``transform`` take a :class:`~classify.compiled.Batch` so a batch is tokenized
    once for all models. Fitted: ``vocabulary_``, ``idf_``, ``terms_`` (by column), ``lexicon_``.
    """

    def __init__(
        self,
        ngram_max: int = 2,
        min_df: int = 2,
        max_features: int = 60000,
        lexicon_weight: float = 0.5,
        use_lexicon: bool = True,
        cjk_chars: bool = False,
    ) -> None:
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_features = max_features
        self.lexicon_weight = lexicon_weight
        self.use_lexicon = use_lexicon
        self.cjk_chars = cjk_chars

    def fit(self, batch: Batch, y: object = None) -> Featurizer:
        if self.ngram_max < 1:
            raise ValueError(f"ngram_max must be >= 1, got {self.ngram_max}")
        tfidf = TfidfVectorizer(
            analyzer=partial(analyze, n_max=self.ngram_max, cjk_chars=self.cjk_chars),
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            dtype=np.float32,
        ).fit(_documents(batch, self.cjk_chars))
        self.vocabulary_ = tfidf.vocabulary_
        self.idf_ = tfidf.idf_.astype(np.float64)
        self.terms_ = [""] * len(self.vocabulary_)
        for t, i in self.vocabulary_.items():
            self.terms_[i] = t
        self.lexicon_ = lexicon_index()
        return self

    def transform(self, batch: Batch) -> sp.csr_matrix:
        check_is_fitted(self, "vocabulary_")
        return feature_matrix(
            batch,
            self.vocabulary_,
            self.idf_,
            self.ngram_max,
            self.lexicon_ if self.use_lexicon else None,
            self.lexicon_weight,
            cjk_chars=self.cjk_chars,
        )

    def fit_transform(self, batch: Batch, y: object = None) -> sp.csr_matrix:  # type: ignore[override]
        return self.fit(batch).transform(batch)


def _documents(batch: Batch, cjk_chars: bool) -> list[tuple[Sequence[str], bool]]:
    """``(tokens, is Chinese)`` per article: what :func:`analyze` reads."""
    zh = char_rows(batch, cjk_chars) or [False] * len(batch.tokens)
    return list(zip(batch.tokens, zh, strict=True))
