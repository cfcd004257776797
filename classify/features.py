"""Text features shared by every model: one bilingual tokenizer, n-gram TF-IDF and lexicon counts.

Everything here is vectorized once per batch: a batch of articles is tokenized once, and the
same token lists feed the n-gram TF-IDF, the lexicon match and (for ``--explain``) the terms.
Functions used inside fitted estimators are module-level so bundles pickle.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

from classify import lexicon
from classify.schema import SECTORS, TONES  # noqa: F401 - re-exported for callers
from classify.text import NUM_TOKEN, article_tokens, ngrams, tokenize, unigrams  # noqa: F401

# --------------------------------------------------------------------------- lexicon matching


@dataclass
class LexiconIndex:
    """Token-sequence index of lexicon names and words, built with the same tokenizer as the text."""

    phrases: dict[tuple[str, ...], list[tuple[str, str]]]  # token tuple -> [(group, value)]
    max_len: int
    sector_cols: tuple[str, ...]
    entity_kind: dict[str, str]
    starts: dict[str, tuple[int, ...]] = None  # type: ignore[assignment]  # first token -> phrase lengths, longest first

    def __post_init__(self) -> None:
        if self.starts is None:
            starts: dict[str, set[int]] = {}
            for k in self.phrases:
                starts.setdefault(k[0], set()).add(len(k))
            self.starts = {t: tuple(sorted(v, reverse=True)) for t, v in starts.items()}

    @classmethod
    def build(cls) -> LexiconIndex:
        phrases: dict[tuple[str, ...], list[tuple[str, str]]] = {}

        def add(name: str, group: str, value: str) -> None:
            toks = tuple(tokenize(name))
            if toks and not (len(toks) == 1 and toks[0] == NUM_TOKEN):
                entry = (group, value)
                bucket = phrases.setdefault(toks, [])
                if entry not in bucket:
                    bucket.append(entry)

        kinds = {}
        for e in lexicon.entities():
            kinds[e.id] = e.kind
            for name in e.names:
                add(name, "entity", e.id)
        for direction, langs in lexicon.actions().items():
            for words in langs.values():
                for w in words:
                    add(w, "action", direction)
        for sector, langs in lexicon.sector_terms().items():
            for words in langs.values():
                for w in words:
                    add(w, "term", sector)
        max_len = max((len(k) for k in phrases), default=1)
        return cls(phrases, max_len, SECTORS, kinds)

    def match(self, tokens: Sequence[str]) -> list[tuple[str, str]]:
        """(group, value) for every lexicon phrase in the tokens, longest match first, no overlaps."""
        out = []
        i, n = 0, len(tokens)
        starts, phrases = self.starts, self.phrases
        while i < n:
            lengths = starts.get(tokens[i])
            if lengths:
                for L in lengths:
                    if n - i >= L:
                        hit = phrases.get(tuple(tokens[i : i + L]))
                        if hit:
                            out.extend(hit)
                            i += L
                            break
                else:
                    i += 1
            else:
                i += 1
        return out


_index_lock = threading.Lock()
_index: LexiconIndex | None = None


def lexicon_index() -> LexiconIndex:
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                _index = LexiconIndex.build()
    return _index


LEXICON_COLUMNS: tuple[str, ...] = (
    tuple(f"entity:{s}" for s in SECTORS[:-1])
    + tuple(f"term:{s}" for s in SECTORS[:-1])
    + (
        "action:tightening",
        "action:easing",
        "action:regulatory",
        "regulator:cn",
        "regulator:foreign",
    )
)


_LEXICON_COL = {c: i for i, c in enumerate(LEXICON_COLUMNS)}


def lexicon_counts(
    matches: list[tuple[str, str]],
    entity_sectors: dict[str, tuple[str, ...]],
    entity_country: dict[str, str | None],
) -> np.ndarray:
    """Dense per-article counts over :data:`LEXICON_COLUMNS`."""
    col = _LEXICON_COL
    v = np.zeros(len(LEXICON_COLUMNS), dtype=np.float64)
    for group, value in matches:
        if group == "entity":
            for k, s in enumerate(entity_sectors.get(value, ())):
                key = f"entity:{s}"
                if key in col:
                    v[col[key]] += 1.0 if k == 0 else 0.5
            country = entity_country.get(value, "")
            if country is not None and country != "":
                v[col["regulator:cn" if country == "CN" else "regulator:foreign"]] += 1.0
        elif group == "term":
            key = f"term:{value}"
            if key in col:
                v[col[key]] += 1.0
        elif group == "action":
            v[col[f"action:{value}"]] += 1.0
    return v


# --------------------------------------------------------------------------- the featurizer


@dataclass
class Batch:
    """One tokenized batch: what every model and ``--explain`` needs, computed once."""

    tokens: list[list[str]]
    matches: list[list[tuple[str, str]]]


def tokenize_batch(titles: Sequence[str | None], texts: Sequence[str]) -> Batch:
    index = lexicon_index()
    toks = [article_tokens(t, x) for t, x in zip(titles, texts, strict=True)]
    return Batch(tokens=toks, matches=[index.match(t) for t in toks])


class Featurizer(BaseEstimator, TransformerMixin):
    """TF-IDF over word 1-2-grams, side by side with scaled lexicon counts.

    ``fit``/``transform`` take a :class:`Batch` so a batch is tokenized once for all models.
    """

    def __init__(
        self,
        ngram_max: int = 2,
        min_df: int = 2,
        max_features: int = 60000,
        lexicon_weight: float = 0.5,
        use_lexicon: bool = True,
    ) -> None:
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_features = max_features
        self.lexicon_weight = lexicon_weight
        self.use_lexicon = use_lexicon

    def _analyzer(self):  # noqa: ANN202
        return ngrams if self.ngram_max == 2 else unigrams

    def fit(self, batch: Batch, y: object = None) -> Featurizer:
        self.tfidf_ = TfidfVectorizer(
            analyzer=self._analyzer(),
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self.tfidf_.fit(batch.tokens)
        ents = lexicon.entities()
        self.entity_sectors_ = {e.id: e.sectors for e in ents}
        self.entity_country_ = {e.id: (e.country if e.kind == "regulator" else None) for e in ents}
        self.lexicon_fingerprint_ = lexicon.fingerprint()
        self.feature_names_ = np.concatenate(
            [self.tfidf_.get_feature_names_out(), np.array([f"lex:{c}" for c in LEXICON_COLUMNS])]
        )
        return self

    def transform(self, batch: Batch) -> sp.csr_matrix:
        X = self.tfidf_.transform(batch.tokens)
        if not self.use_lexicon:
            L = sp.csr_matrix((X.shape[0], len(LEXICON_COLUMNS)), dtype=np.float32)
        else:
            dense = (
                np.vstack(
                    [
                        lexicon_counts(m, self.entity_sectors_, self.entity_country_)
                        for m in batch.matches
                    ]
                )
                if batch.matches
                else np.zeros((0, len(LEXICON_COLUMNS)))
            )
            L = sp.csr_matrix((np.log1p(dense) * self.lexicon_weight).astype(np.float32))
        return sp.hstack([X, L], format="csr")

    def fit_transform(self, batch: Batch, y: object = None) -> sp.csr_matrix:  # type: ignore[override]
        return self.fit(batch).transform(batch)
