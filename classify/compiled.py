"""The one prediction object: a fitted classifier compiled to numpy arrays and plain data.

:meth:`classify.models.Classifier.compile` returns a :class:`CompiledClassifier` after
``fit``; :meth:`CompiledClassifier.load` rebuilds the same object from a bundle's
``model.npz`` (arrays, loaded with ``allow_pickle=False``) and ``model.json`` (vocabulary,
parameters and the lexicon index it was trained with). Every prediction — ``Predictor``,
``train``'s cross-validation and comparisons, active learning, ``labels check --suspects``,
the local and Dask engines — goes through this one class, so a model change is made here and
in the estimator that fills it, nowhere else.

Only numpy and scipy.sparse are imported: no scikit-learn, pandas or YAML on the prediction
path. Probabilities equal scikit-learn's ``CalibratedClassifierCV(method="sigmoid")``
(tested to 1e-6): every label and CV fold is one column of a stacked weight matrix, so one
sparse matmul scores a batch, and calibration, fold averaging and the decision rules are a
few numpy operations.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from classify.lexindex import LEXICON_COLUMNS, LexiconIndex
from classify.schema import SECTORS, TONES
from classify.text import CHAR_PREFIX, Tokenizer, article_raw, is_chinese, ngrams

__all__ = [
    "ARRAYS_FILE",
    "META_FILE",
    "Batch",
    "CompiledClassifier",
    "StackedSigmoid",
    "combine_binary",
    "combine_multiclass",
    "decide_sectors",
    "finish_sectors",
    "decide_tone",
    "finish_tone",
    "tone_row_weights",
]

ARRAYS_FILE = "model.npz"
META_FILE = "model.json"
#: 1: arrays + vocabulary (lexicon read from the installed YAML); 2: the lexicon index inside;
#: 3: version 2 + Chinese character features (``cjk_chars``): written only by a model that
#: reads them, so code that cannot compute them refuses the bundle instead of mis-scoring.
COMPILED_VERSION = 3


#: Length buckets of an article (characters of title + text): headline, headline + lead, article.
LENGTH_EDGES = (200, 1000)
LENGTH_BUCKETS = ("headline", "lead", "article")


@dataclass(slots=True)
class Batch:
    """One tokenized batch: what scoring and ``--explain`` need, computed once.

    ``chars`` is each article's length (title + text), for the length-aware sector decision;
    ``coded`` (batches a compiled model tokenized) its :class:`TokenCodes` and the code of
    every token, the articles' tokens laid end to end: only that model uses them; ``zh``
    whether each article is Chinese (:func:`~classify.text.is_chinese`), for the tone
    decision's per-language weights; ``tune`` (training only) which articles are like a
    user's feed — picked at random, not by a query or a model — so decision weights are
    tuned on them (None: all).
    """

    tokens: list[list[str]]
    matches: list[list[tuple[str, str]]]
    chars: list[int] | None = None
    coded: tuple[TokenCodes, np.ndarray] | None = None
    zh: list[bool] | None = None
    tune: list[bool] | None = None

    def subset(self, idx: Sequence[int]) -> Batch:
        chars = None if self.chars is None else [self.chars[i] for i in idx]
        zh = None if self.zh is None else [self.zh[i] for i in idx]
        tune = None if self.tune is None else [self.tune[i] for i in idx]
        return Batch(
            [self.tokens[i] for i in idx], [self.matches[i] for i in idx], chars, zh=zh, tune=tune
        )


def length_bucket(chars: Sequence[int] | np.ndarray) -> np.ndarray:
    """Index into :data:`LENGTH_BUCKETS` per article length."""
    return np.searchsorted(np.asarray(LENGTH_EDGES), np.asarray(chars, dtype=np.int64), "right")


def tokenize_articles(
    tokenizer: Tokenizer,
    lexicon: LexiconIndex,
    titles: Sequence[str | None],
    texts: Sequence[str],
    codes: TokenCodes | None = None,
) -> Batch:
    """Article tokens and lexicon matches of a batch: the one tokenizing step of every model.

    With ``codes`` (a compiled model's look-up table) every token is looked up once, for the
    vocabulary, the bigrams and the lexicon together.
    """
    toks = tokenizer.article_tokens_many(titles, texts)
    raws = list(map(article_raw, titles, texts))
    chars = [len(r) for r in raws]
    zh = list(map(is_chinese, raws))
    if codes is None:
        return Batch(toks, lexicon.match_many(toks, raws), chars, zh=zh)
    c = codes.encode(toks)
    return Batch(toks, lexicon.match_many(toks, raws, codes.start[c]), chars, (codes, c), zh)


class TokenCodes:
    """One integer code per token any part of a compiled model looks up, so a batch's tokens
    are looked up in one dictionary once (it was three look-ups: vocabulary, bigram parts,
    lexicon phrase starts); per code, numpy arrays give the vocabulary column (-1: none), the
    bigram part (-1: none) and whether a lexicon phrase starts there. An unknown token gets
    code -1, which indexes each array's last element: -1, -1, False.
    """

    def __init__(
        self, vocab: dict[str, int], bigrams: BigramTable | None, lexicon: LexiconIndex
    ) -> None:
        parts = bigrams.parts if bigrams is not None else {}
        names = list(
            dict.fromkeys(
                chain(
                    # a word bigram ("a b") or a character gram ("#c中国") is never a token
                    (t for t in vocab if " " not in t and not t.startswith(CHAR_PREFIX)),
                    parts,
                    lexicon.starts,
                )
            )
        )
        self.code = {t: i for i, t in enumerate(names)}
        self.uni = np.array([vocab.get(t, -1) for t in names] + [-1], dtype=np.int64)
        self.part = np.array([parts.get(t, -1) for t in names] + [-1], dtype=np.int64)
        self.start = np.array([t in lexicon.starts for t in names] + [False], dtype=bool)

    def encode(self, tokens: Sequence[Sequence[str]]) -> np.ndarray:
        """The code of every token of a batch, articles end to end."""
        n = sum(map(len, tokens))
        return np.fromiter(map(self.code.get, chain.from_iterable(tokens), repeat(-1)), np.int64, n)


# --------------------------------------------------------------------------- calibrated scoring


@dataclass
class StackedSigmoid:
    """Calibrated linear models as stacked arrays: one sparse matmul scores every label and fold.

    Equivalent to ``CalibratedClassifierCV(LogisticRegression, method="sigmoid").predict_proba``
    (tested), without scikit-learn's per-call validation. Column ``k`` is one fold's decision
    function ``X @ W[:, k] + b[k]`` mapped through its sigmoid calibrator
    ``1 / (1 + exp(a_cal[k] * d + b_cal[k]))``.
    """

    W: np.ndarray  # (n_features, n_columns)
    b: np.ndarray  # decision intercepts (n_columns,)
    a_cal: np.ndarray  # sigmoid calibration slope per column
    b_cal: np.ndarray  # sigmoid calibration offset per column

    def decision(self, X) -> np.ndarray:  # noqa: ANN001 - sparse or dense matrix
        return np.asarray(X @ self.W) + self.b

    def proba_columns(self, X) -> np.ndarray:  # noqa: ANN001
        return calibrate(self.decision(X), self.a_cal, self.b_cal)


def calibrate(decision: np.ndarray, a_cal: np.ndarray, b_cal: np.ndarray) -> np.ndarray:
    """Platt sigmoid of decision values, as scikit-learn's ``_SigmoidCalibration.predict``."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(a_cal * decision + b_cal))


def combine_binary(Pc: np.ndarray, groups: list) -> np.ndarray:
    """Per label: the mean calibrated probability of its folds' columns (a float = constant label)."""
    out = np.empty((Pc.shape[0], len(groups)))
    for j, g in enumerate(groups):
        out[:, j] = g if isinstance(g, float) else Pc[:, g].mean(axis=1)
    out[(out > 1.0) & (out <= 1.0 + 1e-5)] = 1.0
    return out


def combine_multiclass(
    Pc: np.ndarray, folds: list, present: np.ndarray, n_labels: int
) -> np.ndarray:
    """Per fold: normalise its per-class calibrated columns; average the folds (as scikit-learn does)."""
    n_cls = len(present)
    acc = np.zeros((Pc.shape[0], n_cls))
    for idx, pos in folds:
        p = np.zeros((Pc.shape[0], n_cls))
        p[:, pos] = Pc[:, idx]
        den = p.sum(axis=1, keepdims=True)
        acc += np.divide(p, den, out=np.full_like(p, 1 / n_cls), where=den != 0)
    acc /= len(folds)
    acc[(acc > 1.0) & (acc <= 1.0 + 1e-5)] = 1.0
    P = np.zeros((Pc.shape[0], n_labels))
    P[:, present] = acc
    return P


def decide_sectors(
    P: np.ndarray,
    thresholds: np.ndarray,
    labels: Sequence[str] = SECTORS,
    ratio: np.ndarray | None = None,
    chars: Sequence[int] | None = None,
    at_least_one: bool = False,
) -> np.ndarray:
    """Labels passing their threshold; ``non_tech`` only when it beats every tech sector, alone.

    With ``ratio`` (one per :data:`LENGTH_BUCKETS`) and the articles' ``chars``, a label must
    also reach ``ratio[bucket]`` × the article's top probability: a long article touches many
    sectors' vocabulary, and this keeps its secondary sectors to the ones that score near its
    main one (the ratios are tuned out of fold, per length bucket). With ``at_least_one``, an
    article no label passes gets its most probable one (the guidelines give every item a
    sector; ``non_tech`` when it is not about technology).
    """
    D = thresholds <= P
    if ratio is not None and chars is not None and len(P):
        r = np.asarray(ratio)[length_bucket(chars)]
        D &= (r * P.max(axis=1))[:, None] <= P
    return finish_sectors(D, P, labels, at_least_one)


def finish_sectors(
    D: np.ndarray, P: np.ndarray, labels: Sequence[str] = SECTORS, at_least_one: bool = False
) -> np.ndarray:
    """The rules every sector decision ends with, whatever chose ``D`` (modified in place).

    With ``at_least_one``, an article no label passes keeps its most probable one; ``non_tech``
    stays only when it beats every tech sector, and then alone.
    """
    if at_least_one and len(P):  # every article is about something: keep its top label
        empty = ~D.any(axis=1)
        D[empty, P[empty].argmax(axis=1)] = True
    if "non_tech" in labels:
        j = list(labels).index("non_tech")
        others = np.delete(P, j, axis=1).max(axis=1) if P.shape[1] > 1 else np.zeros(len(P))
        nt = D[:, j] & (P[:, j] >= others)
        D[nt] = False
        D[nt, j] = True
        D[~nt, j] = False
    return D


def finish_tone(
    T: np.ndarray,
    D: np.ndarray,
    sector_labels: Sequence[str] = SECTORS,
    tone_labels: Sequence[str] = TONES,
) -> np.ndarray:
    """The rule every tone decision ends with (modified in place): an article whose only sector
    is ``non_tech`` has tone ``none`` (LABELS.md: "its tone is always none") — a fund rule, a
    court sentence or a tax break for restaurants is not regulation of the tech industry."""
    if "non_tech" in sector_labels and "none" in tone_labels and len(T):
        j = list(sector_labels).index("non_tech")
        only_nt = D[:, j] & (D.sum(axis=1) == 1)
        T[only_nt] = list(tone_labels).index("none")
    return T


def tone_row_weights(
    weights: np.ndarray | None, zh: Sequence[bool] | None, n_tones: int
) -> np.ndarray:
    """The tone decision weights, broadcastable against a batch's probabilities.

    ``weights`` is one row for every article (models before per-language weights) or two,
    English then Chinese, picked per article by ``zh``: the two feeds carry a tone at very
    different rates (about a third of English feed items, a few percent of Chinese
    headlines), so one set of weights tuned on both over-flags one language. Without ``zh``
    an article counts as English.
    """
    if weights is None:
        return np.ones(n_tones)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim == 1:
        return w
    if zh is None:
        return w[0]
    return w[np.asarray(zh, dtype=np.intp)]


def decide_tone(
    P: np.ndarray, weights: np.ndarray | None, zh: Sequence[bool] | None = None
) -> np.ndarray:
    """Tone index per row: argmax of the tuned-weight probabilities (per language, if tuned so)."""
    return (P * tone_row_weights(weights, zh, P.shape[1])).argmax(axis=1)


# --------------------------------------------------------------------------- features


class BigramTable:
    """The vocabulary's bigrams as integer pairs, so a batch's bigrams are looked up with numpy
    instead of building a ``"a b"`` string per adjacent token pair.

    ``parts`` numbers every token that occurs in a vocabulary bigram; a bigram ``a b`` is the
    key ``parts[a] * k + parts[b]``, found by binary search in ``keys``. ``usable`` is False
    when a vocabulary term has more than one space (then the string path is used).
    """

    def __init__(self, vocab: dict[str, int]) -> None:
        pairs = [(t.split(" "), c) for t, c in vocab.items() if " " in t]
        self.usable = all(len(ab) == 2 for ab, _ in pairs)
        if not self.usable:
            pairs = []
        parts: dict[str, int] = {}
        for (a, b), _ in pairs:
            parts.setdefault(a, len(parts))
            parts.setdefault(b, len(parts))
        k = max(1, len(parts))
        keys = np.array([parts[a] * k + parts[b] for (a, b), _ in pairs], dtype=np.int64)
        cols = np.array([c for _, c in pairs], dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self.parts, self.k, self.keys, self.cols = parts, k, keys[order], cols[order]


def _bigram_pairs(
    pid: np.ndarray, rows: np.ndarray, table: BigramTable
) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every in-vocabulary bigram of the batch, from the bigram part of every
    token (``pid``, -1: none; the batch's tokens end to end) and the article of each (``rows``)."""
    if len(pid) < 2 or not len(table.keys):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    a, b = pid[:-1], pid[1:]
    ok = (a >= 0) & (b >= 0) & (rows[:-1] == rows[1:])  # both known, same article
    key = a[ok] * table.k + b[ok]
    pos = np.searchsorted(table.keys, key)
    pos[pos == len(table.keys)] = 0
    hit = table.keys[pos] == key
    return rows[:-1][ok][hit], table.cols[pos[hit]]


class CharTable:
    """The vocabulary's character grams (``#c中``, ``#c中国``) as code-point arrays, so a
    batch's grams are found with numpy on its characters instead of a string per gram.

    ``uni[cp]`` is the column of the one-character gram ``cp`` (-1: none); a two-character gram
    ``ab`` is the key ``ord(a) << 16 | ord(b)`` (a uint32: Chinese characters are in the Basic
    Multilingual Plane), found by binary search in ``keys``.
    """

    def __init__(self, vocab: dict[str, int]) -> None:
        n = len(CHAR_PREFIX)
        self.uni = np.full(0x10000, -1, dtype=np.int64)
        keys, cols = [], []
        for t, c in vocab.items():
            if t.startswith(CHAR_PREFIX):
                g = t[n:]
                if len(g) == 1:
                    self.uni[ord(g)] = c
                elif len(g) == 2:
                    keys.append(ord(g[0]) << 16 | ord(g[1]))
                    cols.append(c)
        k = np.array(keys, dtype=np.uint32)
        order = np.argsort(k, kind="stable")
        self.keys, self.cols = k[order], np.array(cols, dtype=np.int64)[order]

    def pairs(
        self, tokens: Sequence[Sequence[str]], zh: Sequence[bool]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every in-vocabulary character gram of the Chinese rows (``zh``):
        the grams :func:`~classify.text.cjk_char_grams` lists, computed on the rows' tokens
        written end to end (Latin tokens are ASCII and break a run; rows are separated by a
        control character)."""
        rows = [i for i, z in enumerate(zh) if z]
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        texts = ["".join(tokens[i]) for i in rows]
        cps = np.frombuffer("\x01".join(texts).encode("utf-32-le"), dtype=np.uint32)
        lens = np.fromiter(map(len, texts), np.int64, len(texts))
        row_of = np.repeat(np.asarray(rows, dtype=np.int64), lens + 1)[: len(cps)]
        han = cps > 0x33FF
        pos = np.flatnonzero(han)
        c1 = self.uni[cps[pos]]
        ok1 = c1 >= 0
        out_r, out_c = [row_of[pos[ok1]]], [c1[ok1]]
        pos2 = np.flatnonzero(han[:-1] & han[1:])
        if len(pos2) and len(self.keys):
            key = cps[pos2] << 16 | cps[pos2 + 1]  # both < 0x10000: fits in uint32
            at = np.searchsorted(self.keys, key)
            at[at == len(self.keys)] = 0
            hit = self.keys[at] == key
            out_r.append(row_of[pos2[hit]])
            out_c.append(self.cols[at[hit]])
        return np.concatenate(out_r), np.concatenate(out_c)


def tfidf_matrix(
    tokens: Sequence[Sequence[str]],
    vocab: dict[str, int],
    idf: np.ndarray,
    ngram_max: int,
    bigrams: BigramTable | None = None,
    coded: tuple[TokenCodes, np.ndarray] | None = None,
    zh: Sequence[bool] | None = None,
    chars: CharTable | None = None,
) -> sp.csr_matrix:
    """Sublinear-tf × idf, L2-normalised rows: the matrix of scikit-learn's fitted TfidfVectorizer.

    Vectorized over the batch: one flat look-up of every token, then numpy (bigrams through
    ``bigrams``, a :class:`BigramTable` of ``vocab``, when given; else as strings). ``coded``
    (a :class:`TokenCodes` of this vocabulary and ``bigrams``, and the batch's codes) stands
    for that look-up. ``zh`` (given when the model reads characters): the rows whose Chinese
    character 1–2-grams join their terms (:func:`classify.features.analyze`), found through
    ``chars`` (a :class:`CharTable` of ``vocab``; built here when not given).
    """
    pairs = ngram_max == 2 and bigrams is not None and bigrams.usable
    if ngram_max == 1 or pairs:  # every n-gram is a token or a pair of tokens: look tokens up
        if coded is not None:
            table, codes = coded
            ids = table.uni[codes]
            pid = table.part[codes] if pairs else None
        else:
            flat = list(chain.from_iterable(tokens))
            ids = np.fromiter(map(vocab.get, flat, repeat(-1)), np.int64, len(flat))
            pid = (
                np.fromiter(map(bigrams.parts.get, flat, repeat(-1)), np.int64, len(flat))
                if pairs
                else None
            )
        lens = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        rows = np.repeat(np.arange(len(tokens), dtype=np.int64), lens)
        keep = ids >= 0
        r, c = rows[keep], ids[keep]
        if pid is not None:
            brow, bcol = _bigram_pairs(pid, rows, bigrams)
            r, c = np.concatenate([r, brow]), np.concatenate([c, bcol])
    else:  # longer n-grams, or a vocabulary the bigram table cannot hold: n-grams as strings
        grams = [ngrams(t, ngram_max) for t in tokens]
        lens = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        total = int(lens.sum())
        ids = np.fromiter(map(vocab.get, chain.from_iterable(grams), repeat(-1)), np.int64, total)
        rows = np.repeat(np.arange(len(grams), dtype=np.int64), lens)
        keep = ids >= 0
        r, c = rows[keep], ids[keep]
    if zh is not None:
        crow, ccol = (chars or CharTable(vocab)).pairs(tokens, zh)
        r, c = np.concatenate([r, crow]), np.concatenate([c, ccol])
    X = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(tokens), len(vocab)))
    X.sum_duplicates()  # counts, columns sorted within each row
    X.data = (np.log(X.data) + 1.0) * idf[X.indices]
    sq = np.zeros(X.shape[0])
    nz = np.diff(X.indptr) > 0
    sq[nz] = np.add.reduceat(X.data * X.data, X.indptr[:-1][nz])
    norms = np.sqrt(sq)
    norms[norms == 0] = 1.0
    X.data /= np.repeat(norms, np.diff(X.indptr))
    return X.astype(np.float32)


def char_rows(batch: Batch, cjk_chars: bool) -> Sequence[bool] | None:
    """Which rows count Chinese character grams: the batch's language flags when the model
    reads them (``cjk_chars``), else None. A batch without flags cannot be scored so."""
    if not cjk_chars:
        return None
    if batch.zh is None:
        raise ValueError("cjk_chars needs the batch's language flags (Batch.zh)")
    return batch.zh


def feature_matrix(
    batch: Batch,
    vocab: dict[str, int],
    idf: np.ndarray,
    ngram_max: int,
    lexicon: LexiconIndex | None,
    lexicon_weight: float,
    bigrams: BigramTable | None = None,
    coded: tuple[TokenCodes, np.ndarray] | None = None,
    cjk_chars: bool = False,
    chars: CharTable | None = None,
) -> sp.csr_matrix:
    """TF-IDF n-grams beside ``log1p(lexicon counts) * lexicon_weight`` (zeros without a lexicon).

    The one feature computation: training (``Featurizer.transform``) and prediction use it.
    ``cjk_chars``: Chinese rows (``batch.zh``) also count their character 1–2-grams.
    """
    zh = char_rows(batch, cjk_chars)
    X = tfidf_matrix(batch.tokens, vocab, idf, ngram_max, bigrams, coded, zh, chars)
    n = X.shape[0]
    if lexicon is not None and n:
        dense = lexicon.counts(batch.matches)
        L = sp.csr_matrix((np.log1p(dense) * lexicon_weight).astype(np.float32))
    else:
        L = sp.csr_matrix((n, len(LEXICON_COLUMNS)), dtype=np.float32)
    return sp.hstack([X, L], format="csr")


# --------------------------------------------------------------------------- the compiled model


class CompiledClassifier:
    """Tokenizer + lexicon index + TF-IDF + stacked calibrated sector and tone models.

    Plain data only (see module doc). ``predict_batch`` returns calibrated probabilities;
    ``decide_sectors``/``decide_tone`` apply the tuned decisions (thresholds, tone weights).
    """

    def __init__(
        self,
        *,
        terms: Sequence[str],
        idf: np.ndarray,
        ngram_max: int,
        use_lexicon: bool,
        lexicon_weight: float,
        lexicon: LexiconIndex,
        sector_labels: Sequence[str],
        sector_stack: StackedSigmoid,
        sector_groups: list,
        thresholds: np.ndarray,
        sector_coef: np.ndarray,
        tone_labels: Sequence[str],
        tone_stack: StackedSigmoid,
        tone_folds: list,
        tone_present: np.ndarray,
        tone_weights: np.ndarray,
        tone_coef: np.ndarray,
        tone_scale: np.ndarray,
        sector_ratio: np.ndarray | None = None,
        at_least_one: bool = False,
        non_tech_no_tone: bool = False,
        cjk_chars: bool = False,
    ) -> None:
        self.terms = list(terms)
        self.vocab = {t: i for i, t in enumerate(self.terms)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.ngram_max = int(ngram_max)
        self.use_lexicon = bool(use_lexicon)
        self.lexicon_weight = float(lexicon_weight)
        self.lexicon = lexicon
        self.tokenizer = Tokenizer(lexicon.user_words)
        self.sector_labels = tuple(sector_labels)
        self.sector_stack = sector_stack
        self.sector_groups = sector_groups
        self.thresholds = np.asarray(thresholds, dtype=np.float64)
        self.sector_ratio = None if sector_ratio is None else np.asarray(sector_ratio, np.float64)
        self.at_least_one = bool(at_least_one)
        self.non_tech_no_tone = bool(non_tech_no_tone)
        self.cjk_chars = bool(cjk_chars)
        self.sector_coef = sector_coef
        self.tone_labels = tuple(tone_labels)
        self.tone_stack = tone_stack
        self.tone_folds = tone_folds
        self.tone_present = np.asarray(tone_present, dtype=np.int64)
        self.tone_weights = np.asarray(tone_weights, dtype=np.float64)
        self.tone_coef = tone_coef
        self.tone_scale = np.asarray(tone_scale, dtype=np.float64)
        n_sec = sector_stack.W.shape[1]
        # One matmul for both models: the tone model reads X @ diag(tone_scale), folded into
        # its weights (the scales are 0, 0.25 and 1, so the products are exact).
        self._W = np.hstack([sector_stack.W, tone_stack.W * self.tone_scale[:, None]])
        self._b = np.concatenate([sector_stack.b, tone_stack.b])
        self._a = np.concatenate([sector_stack.a_cal, tone_stack.a_cal])
        self._c = np.concatenate([sector_stack.b_cal, tone_stack.b_cal])
        self._n_sec = n_sec
        self._feature_names: np.ndarray | None = None
        self._bigrams: BigramTable | None = None
        self._codes: TokenCodes | None = None
        self._chars: CharTable | None = None

    @property
    def n_features(self) -> int:
        return len(self.terms) + len(LEXICON_COLUMNS)

    @property
    def feature_names(self) -> np.ndarray:
        """Feature names (n-grams, then ``lex:`` columns), built on first use (``--explain``)."""
        if self._feature_names is None:
            self._feature_names = np.array(
                self.terms + [f"lex:{c}" for c in LEXICON_COLUMNS], dtype=object
            )
        return self._feature_names

    # ------------------------------------------------------------------ predicting

    def tokenize(self, titles: Sequence[str | None], texts: Sequence[str]) -> Batch:
        """Tokens and lexicon matches of a batch, with this model's own dictionary and lexicon."""
        return tokenize_articles(self.tokenizer, self.lexicon, titles, texts, self._token_codes())

    def _token_codes(self) -> TokenCodes:
        """The model's one token look-up table, built on first use (not at load)."""
        if self._codes is None:
            self._codes = TokenCodes(self.vocab, self._bigram_table(), self.lexicon)
        return self._codes

    def _char_table(self) -> CharTable:
        if self._chars is None:
            self._chars = CharTable(self.vocab)
        return self._chars

    def _bigram_table(self) -> BigramTable | None:
        if self._bigrams is None and self.ngram_max == 2:
            self._bigrams = BigramTable(self.vocab)
        return self._bigrams

    def transform(self, batch: Batch) -> sp.csr_matrix:
        """Feature matrix: TF-IDF n-grams beside log-scaled lexicon counts."""
        bigrams = self._bigram_table()
        coded = batch.coded if batch.coded and batch.coded[0] is self._codes else None
        return feature_matrix(
            batch,
            self.vocab,
            self.idf,
            self.ngram_max,
            self.lexicon if self.use_lexicon else None,
            self.lexicon_weight,
            bigrams,
            coded,
            self.cjk_chars,
            self._char_table() if self.cjk_chars else None,
        )

    def predict_proba_X(self, X) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
        """(sector probabilities, tone probabilities) of a feature matrix."""
        Pc = calibrate(np.asarray(X @ self._W) + self._b, self._a, self._c)
        Ps = combine_binary(Pc[:, : self._n_sec], self.sector_groups)
        Pt = combine_multiclass(
            Pc[:, self._n_sec :], self.tone_folds, self.tone_present, len(self.tone_labels)
        )
        return Ps, Pt

    def predict_batch(self, batch: Batch) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
        """(sector probabilities, tone probabilities, feature matrix) of a tokenized batch."""
        X = self.transform(batch)
        Ps, Pt = self.predict_proba_X(X)
        return Ps, Pt, X

    def predict_proba(
        self, titles: Sequence[str | None], texts: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated (sector, tone) probabilities of raw texts."""
        Ps, Pt, _ = self.predict_batch(self.tokenize(titles, texts))
        return Ps, Pt

    def decide_sectors(self, Ps: np.ndarray, chars: Sequence[int] | None = None) -> np.ndarray:
        """Multi-hot sector decisions; ``chars`` (article lengths) for the length-aware rule."""
        return decide_sectors(
            Ps, self.thresholds, self.sector_labels, self.sector_ratio, chars, self.at_least_one
        )

    def decide_tone(self, Pt: np.ndarray, zh: Sequence[bool] | None = None) -> np.ndarray:
        """Tone index per row from the tone probabilities alone; ``zh`` (``Batch.zh``) picks
        per-language weights where tuned. :meth:`decide` adds the rule joining it to sectors."""
        return decide_tone(Pt, self.tone_weights, zh)

    def decide(
        self,
        Ps: np.ndarray,
        Pt: np.ndarray,
        chars: Sequence[int] | None = None,
        zh: Sequence[bool] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(multi-hot sectors, tone index) per row: the decisions every caller ships, sectors
        and tone joined by :func:`finish_tone` (a ``non_tech``-only article has tone none) in
        models fitted with that rule (``non_tech_no_tone``; older bundles decide as they were
        trained and evaluated)."""
        D = self.decide_sectors(Ps, chars)
        T = self.decide_tone(Pt, zh)
        if self.non_tech_no_tone:
            finish_tone(T, D, self.sector_labels, self.tone_labels)
        return D, T

    def row_tone_weights(self, zh: Sequence[bool] | None) -> np.ndarray:
        """Decision weights broadcastable against a batch's tone probabilities (one row for
        all, or one per article by ``zh``; None: English)."""
        return tone_row_weights(self.tone_weights, zh, len(self.tone_labels))

    def explain(
        self,
        x,  # noqa: ANN001 - one row of the feature matrix
        sectors: Sequence[str],
        tone_k: int,
        k: int = 8,
        matched: dict[str, list[str]] | None = None,
    ) -> dict:
        """The features that pushed each predicted sector and the tone up the most.

        A lexicon column is shown with the phrases that fired it (``matched``, from
        :meth:`LexiconIndex.explain_matches`): ``lex:action:easing [tax exemption]``.
        """
        x = x.tocsr()
        idx, vals = x.indices, x.data
        names = self.feature_names
        n_terms = len(self.terms)
        matched = matched or {}

        def name(i: int) -> str:
            if i < n_terms or not matched.get(LEXICON_COLUMNS[i - n_terms]):
                return str(names[i])
            return f"{names[i]} [{', '.join(matched[LEXICON_COLUMNS[i - n_terms]])}]"

        def top(coef: np.ndarray) -> list[list]:
            contrib = vals * coef[idx]
            best = np.argsort(-contrib)[:k]
            return [[name(idx[b]), round(float(contrib[b]), 4)] for b in best if contrib[b] > 0]

        out = {"sectors": {s: top(self.sector_coef[self.sector_labels.index(s)]) for s in sectors}}
        out["tone"] = {self.tone_labels[tone_k]: top(self.tone_coef[tone_k] * self.tone_scale)}
        return out

    # ------------------------------------------------------------------ storing

    def save(self, out_dir: str | Path) -> list[str]:
        """Write ``model.npz`` + ``model.json`` into ``out_dir``; returns the file names."""
        d = Path(out_dir)
        arrays = {
            "idf": self.idf,
            "sec_W": self.sector_stack.W,
            "sec_b": self.sector_stack.b,
            "sec_a": self.sector_stack.a_cal,
            "sec_c": self.sector_stack.b_cal,
            "thresholds": self.thresholds,
            "sec_coef": self.sector_coef,
            "tone_W": self.tone_stack.W,
            "tone_b": self.tone_stack.b,
            "tone_a": self.tone_stack.a_cal,
            "tone_c": self.tone_stack.b_cal,
            "tone_weights": self.tone_weights,
            "tone_present": self.tone_present,
            "tone_coef": self.tone_coef,
            "tone_scale": self.tone_scale,
        }
        if self.sector_ratio is not None:
            arrays["sector_ratio"] = self.sector_ratio
        meta = {
            "compiled_version": COMPILED_VERSION if self.cjk_chars else 2,
            "terms": self.terms,
            "ngram_max": self.ngram_max,
            "use_lexicon": self.use_lexicon,
            "lexicon_weight": self.lexicon_weight,
            "lexicon_columns": list(LEXICON_COLUMNS),
            "sector_labels": list(self.sector_labels),
            "tone_labels": list(self.tone_labels),
            "sector_groups": [
                g if isinstance(g, float) else [int(i) for i in g] for g in self.sector_groups
            ],
            "tone_folds": [[[int(i) for i in a], [int(p) for p in b]] for a, b in self.tone_folds],
            "lexicon": self.lexicon.to_json(),
        }
        if self.at_least_one:  # absent (False) in bundles written before the rule existed
            meta["at_least_one"] = True
        if self.non_tech_no_tone:  # likewise
            meta["non_tech_no_tone"] = True
        if self.cjk_chars:  # likewise (and only version-3 code reads it: see COMPILED_VERSION)
            meta["cjk_chars"] = True
        np.savez_compressed(d / ARRAYS_FILE, **arrays)
        (d / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return [ARRAYS_FILE, META_FILE]

    @classmethod
    def load(cls, bundle_dir: str | Path) -> CompiledClassifier:
        """Rebuild from ``model.npz`` + ``model.json`` (no pickle). Raises ValueError if unusable.

        A version-1 copy (written before bundles carried their lexicon) is rebuilt with the
        installed lexicon, and only if that lexicon is the one the bundle was trained with.
        """
        d = Path(bundle_dir)
        meta = json.loads((d / META_FILE).read_text(encoding="utf-8"))
        with np.load(d / ARRAYS_FILE, allow_pickle=False) as z:
            A = {k: z[k] for k in z.files}
        version = meta.get("compiled_version", meta.get("safe_version"))
        if version == 1:
            lex = _v1_lexicon(d, meta)
        elif version in (2, COMPILED_VERSION):  # 2: the same format without cjk_chars
            lex = LexiconIndex.from_json(meta["lexicon"])
        else:
            raise ValueError(f"unsupported compiled model version {version!r}")
        if meta["lexicon_columns"] != list(LEXICON_COLUMNS):
            raise ValueError("the bundle's lexicon columns differ from this code's")
        return cls(
            terms=meta["terms"],
            idf=A["idf"],
            ngram_max=meta["ngram_max"],
            use_lexicon=meta["use_lexicon"],
            lexicon_weight=meta["lexicon_weight"],
            lexicon=lex,
            sector_labels=meta["sector_labels"],
            sector_stack=StackedSigmoid(A["sec_W"], A["sec_b"], A["sec_a"], A["sec_c"]),
            sector_groups=meta["sector_groups"],
            thresholds=A["thresholds"],
            sector_coef=A["sec_coef"],
            tone_labels=meta["tone_labels"],
            tone_stack=StackedSigmoid(A["tone_W"], A["tone_b"], A["tone_a"], A["tone_c"]),
            tone_folds=[(np.array(i), np.array(p)) for i, p in meta["tone_folds"]],
            tone_present=A["tone_present"],
            tone_weights=A["tone_weights"],
            tone_coef=A["tone_coef"],
            tone_scale=A["tone_scale"],
            sector_ratio=A.get("sector_ratio"),
            at_least_one=meta.get("at_least_one", False),
            non_tech_no_tone=meta.get("non_tech_no_tone", False),
            cjk_chars=meta.get("cjk_chars", False),
        )


def _v1_lexicon(d: Path, meta: dict) -> LexiconIndex:
    """The lexicon of a version-1 bundle: the installed one, if it is the one it was trained with."""
    from classify import lexicon

    man = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    trained = man.get("lexicon_sha256")
    if trained != lexicon.fingerprint():
        raise ValueError(
            "this version-1 bundle does not carry its lexicon and the installed lexicon differs "
            f"from the one it was trained with (sha256 {str(trained)[:12]}…); retrain it"
        )
    lex = LexiconIndex.build()
    # the entity table as trained (ids, sectors, regulator countries), not as installed
    for eid, sectors in meta["entity_sectors"].items():
        if eid in lex.entities:
            lex.entities[eid]["sectors"] = list(sectors)
            lex.entities[eid]["country"] = meta["entity_country"].get(eid)
    return LexiconIndex(lex.phrases, lex.entities, lex.user_words, lex.source_sha256)
