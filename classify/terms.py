"""Emerging terms: bursts of words, phrases and lexicon names, period by period.

Topics find the big themes; a named event (a product launch, a new model, a scandal) often
sits inside a broad theme and shows first as one *term* whose share of records jumps. Each
record contributes the set of its terms (document frequency, so a long article counts a term
once):

* **words**: the project tokenizer's words that can carry a theme (as ``theme_tokenize``:
  no number placeholder, no single CJK character, no headline filler; nor month and weekday
  names);
* **phrases**: 2–3 adjacent words seen together in at least ``min_count`` records and in at
  least :data:`PHRASE_COHESION` of the records of their rarest word (a collocation, not a
  chance neighbour: "apple vision" yes, "apple 发布" no);
* **names**: the lexicon's companies and products (``DeepSeek`` whether written DeepSeek,
  DeepSeek-R1 or 深度求索), shown by their first name.

A term's burst in period *t* is scored with the statistic the topic drift uses
(:func:`classify.periods.rise_statistics`: shrunk log2 share ratio against the trailing
baseline, and a two-proportion z), with the same thresholds. Then, per period, the flagged
terms are taken strongest first, and a term whose records in that period are mostly
(:data:`SAME_EVENT_OVERLAP`) records of a term already taken is folded into it as
``related``: "deepseek", "深度求索" and "r1" in 2025-01 are one event, not three rows.

Kleinberg's two-state burst automaton (:func:`kleinberg_states`) is here too, for the
comparison in ``benchmarks/term_bursts.py``; the README says which one is kept and why.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "TermIndex",
    "emerging_terms",
    "kleinberg_states",
    "mark_recurring",
    "PHRASE_COHESION",
    "SAME_EVENT_OVERLAP",
]

#: A 2-3-gram is a phrase when it is in at least this share of its rarest word's records.
PHRASE_COHESION = 0.5
#: A flagged term whose period records are at least this share of a stronger term's is folded in.
SAME_EVENT_OVERLAP = 0.6
#: Terms kept per period (after folding).
PER_PERIOD = 10
#: Example record ids per term.
EXAMPLES = 3
#: Month and weekday names: a dateline's "Dec" bursts every December and names no event.
CALENDAR_WORDS = frozenset(
    [
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)


def _display(words: Sequence[str]) -> str:
    """A phrase as a reader writes it: CJK words run together, Latin words spaced."""
    out = words[0]
    for w in words[1:]:
        if out[-1].isascii() or w[0].isascii():
            out += " " + w
        else:
            out += w
    return out


class TermIndex:
    """The terms of each record, and which records hold each term.

    ``TermIndex(min_count=5).fit(texts)`` reads the texts once; ``terms_`` lists the kept
    terms (those in at least ``min_count`` records), ``kinds_`` says word, phrase or name,
    and ``doc_term_`` is the records x terms 0/1 matrix (scipy CSR).
    """

    def __init__(
        self, min_count: int = 5, ngram_max: int = 3, names: bool = True, tokenizer: Any = None
    ) -> None:
        self.min_count = min_count
        self.ngram_max = ngram_max
        self.names = names
        self.tokenizer = tokenizer

    def fit(self, texts: Sequence[str], log: Callable[[str], None] | None = None) -> TermIndex:
        """Count the terms of every text (words, phrases, lexicon names); returns self."""
        import scipy.sparse as sp

        from classify.text import default_tokenizer
        from classify.topics.prep import is_theme_word

        tok = self.tokenizer or default_tokenizer()
        index, display = None, {}
        if self.names:
            from classify import lexicon
            from classify.lexindex import LexiconIndex

            index = LexiconIndex.build(tok)
            display = {e.id: e.names[0] for e in lexicon.entities() if e.kind != "regulator"}

        def keep(t: str) -> bool:
            return is_theme_word(t) and t not in CALENDAR_WORDS

        docs_words: list[list[str]] = []
        docs_grams: list[set[tuple[str, ...]]] = []
        docs_names: list[list[str]] = []
        df: Counter[str] = Counter()
        gdf: Counter[tuple[str, ...]] = Counter()
        for text in texts:
            raw = tok.tokenize(text)
            ok = [keep(t) for t in raw]
            words = list(dict.fromkeys(t for t, k in zip(raw, ok, strict=True) if k))
            grams: set[tuple[str, ...]] = set()
            for n in range(2, self.ngram_max + 1):
                for i in range(len(raw) - n + 1):
                    if all(ok[i : i + n]):
                        g = tuple(raw[i : i + n])
                        if len(set(g)) == n:
                            grams.add(g)
            names = []
            if index is not None:
                names = ["@" + c for c in index.companies(index.match(raw, text)) if c in display]
            docs_words.append(words)
            docs_grams.append(grams)
            docs_names.append(names)
            df.update(words)
            gdf.update(grams)
            df.update(names)
        m = self.min_count
        phrases = {
            g for g, c in gdf.items() if c >= m and c >= PHRASE_COHESION * min(df[w] for w in g)
        }
        terms = sorted(t for t, c in df.items() if c >= m)
        cased = {v.lower(): v for v in display.values()}  # "deepseek" is written "DeepSeek"
        labels: dict[str, str] = {
            t: display[t[1:]] if t.startswith("@") else cased.get(t, t) for t in terms
        }
        kinds = {t: ("name" if t.startswith("@") else "word") for t in terms}
        for g in sorted(phrases):
            key = " ".join(g)
            terms.append(key)
            labels[key] = _display(g)
            kinds[key] = "phrase"
        col = {t: j for j, t in enumerate(terms)}
        rows, cols = [], []
        for i, (w, g, nm) in enumerate(zip(docs_words, docs_grams, docs_names, strict=True)):
            js = [col[t] for t in w if t in col]
            js += [col[" ".join(x)] for x in g if x in phrases]
            js += [col[t] for t in dict.fromkeys(nm) if t in col]
            rows.extend([i] * len(js))
            cols.extend(js)
        X = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(texts), len(terms))
        )
        X.sum_duplicates()
        X.data[:] = 1
        self.terms_ = terms
        self.labels_ = [labels[t] for t in terms]
        self.kinds_ = [kinds[t] for t in terms]
        self.doc_term_ = X
        if log:
            log(
                f"terms: {len(terms)} in at least {m} of {len(texts)} records "
                f"({sum(k == 'phrase' for k in self.kinds_)} phrases, "
                f"{sum(k == 'name' for k in self.kinds_)} lexicon names)"
            )
        return self

    def period_counts(self, period_index: np.ndarray, n_periods: int) -> np.ndarray:
        """Periods x terms: records of each period holding each term (-1 = undated, left out)."""
        import scipy.sparse as sp

        dated = np.flatnonzero(period_index >= 0)
        P = sp.csr_matrix(
            (np.ones(len(dated)), (period_index[dated], dated)),
            shape=(n_periods, self.doc_term_.shape[0]),
        )
        return np.asarray((P @ self.doc_term_).todense(), dtype=np.int64)


def emerging_terms(
    index: TermIndex,
    period_index: np.ndarray,
    periods: Sequence[str],
    ids: Sequence[str],
    baseline: int = 3,
    prior: float = 2.0,
    threshold: float = 1.0,
    min_z: float = 3.0,
    min_count: int = 5,
    skip: Iterable[int] = (),
    per_period: int = PER_PERIOD,
) -> list[dict[str, Any]]:
    """Bursting terms per period, strongest first, same-event terms folded (the drift JSON rows).

    ``period_index`` gives each record's period position (-1 = undated); ``skip`` lists
    period positions that are not scored (partial first/last periods). Each row: period,
    term, kind, score, z, count, share, baseline_share, examples (up to 3 record ids),
    related (folded terms) and counts (the term's records in every period, for sparklines).
    """
    from classify.periods import rise_statistics

    from_idx = np.asarray(period_index)
    C = index.period_counts(from_idx, len(periods))
    n = np.bincount(from_idx[from_idx >= 0], minlength=len(periods))
    score, z, cb, nb = rise_statistics(C, n, baseline, prior)
    skip = set(skip)
    X = index.doc_term_.tocsc()
    out: list[dict[str, Any]] = []
    with np.errstate(invalid="ignore"):
        flagged = (score >= threshold) & (z >= min_z) & (min_count <= C)
    for i, p in enumerate(periods):
        if i in skip or not flagged[i].any():
            continue
        cand = np.flatnonzero(flagged[i])
        cand = cand[np.lexsort((-z[i, cand], -score[i, cand]))]
        taken: list[tuple[dict, set[int]]] = []
        for j in cand:
            docs = X.indices[X.indptr[j] : X.indptr[j + 1]]
            docs = set(docs[from_idx[docs] == i].tolist())
            host = next(
                (row for row, d in taken if len(docs & d) >= SAME_EVENT_OVERLAP * len(docs)),
                None,
            )
            if host is not None:
                label = index.labels_[j]
                if len(host["related"]) < 8 and label != host["term"]:
                    host["related"].append(label)
                continue
            if len(taken) >= per_period:
                continue
            row = {
                "period": p,
                "term": index.labels_[j],
                "kind": index.kinds_[j],
                "score": round(float(score[i, j]), 3),
                "z": round(float(z[i, j]), 2),
                "count": int(C[i, j]),
                "share": round(float(C[i, j] / n[i]), 6),
                "baseline_share": round(float(cb[i, j] / nb[i]), 6),
                "examples": [ids[k] for k in sorted(docs)[:EXAMPLES]],
                "related": [],
                "counts": C[:, j].tolist(),
            }
            taken.append((row, docs))
        out.extend(row for row, _ in taken)
    return out


def kleinberg_states(
    C: np.ndarray, n: np.ndarray, s: float = 2.0, gamma: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Kleinberg's (2002) two-state burst automaton for batched counts, every column at once.

    Per column, state 0 emits at the column's overall rate p0, state 1 at ``s * p0``; a
    period's cost in a state is the binomial negative log-likelihood of its count, entering
    the burst state costs ``gamma * ln(periods)``, leaving it is free. Returns (states, weight):
    the Viterbi state path (periods x columns, 1 = burst) and each period's burst weight
    (cost in state 0 minus cost in state 1 where the path is in state 1, else 0).
    """
    C = np.asarray(C, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)[:, None]
    P, V = C.shape
    p0 = np.clip(C.sum(axis=0) / max(1.0, float(n.sum())), 1e-12, 1 - 1e-12)
    p1 = np.clip(s * p0, 1e-12, 0.999999)

    def cost(p: np.ndarray) -> np.ndarray:
        return -(C * np.log(p) + (n - C) * np.log(1 - p))  # the binomial coefficient cancels

    c0, c1 = cost(p0[None, :]), cost(p1[None, :])
    up = gamma * math.log(max(P, 2))
    best = np.zeros((2, V))
    best[1] = up
    back = np.zeros((P, 2, V), dtype=np.int8)
    for t in range(P):
        stay0, from1 = best[0], best[1]
        to0 = np.minimum(stay0, from1)
        back[t, 0] = (from1 < stay0).astype(np.int8)
        via0, stay1 = best[0] + up, best[1]
        to1 = np.minimum(via0, stay1)
        back[t, 1] = (stay1 <= via0).astype(np.int8)
        best = np.vstack([to0 + c0[t], to1 + c1[t]])
    states = np.zeros((P, V), dtype=np.int8)
    cur = (best[1] < best[0]).astype(np.int8)
    for t in range(P - 1, -1, -1):
        states[t] = cur
        cur = np.where(cur == 1, back[t, 1], back[t, 0])
    weight = np.where(states == 1, c0 - c1, 0.0)
    return states, weight


#: Periods a year apart, per period type (a year has no yearly recurrence to test).
CYCLE = {"month": 12, "quarter": 4}


def mark_recurring(rows: list[dict[str, Any]], periods: Sequence[str], period: str) -> None:
    """Set ``recurring`` on each emerging-term row: flagged again about a year before or after.

    A term that bursts in the same season of another year (春节 every January or February,
    五一 every April, a yearly fair or half-year report) is a calendar event, not news: the
    timeline ranks it after the others. "About" = within one period of a whole cycle.
    """
    cycle = CYCLE.get(period)
    pos = {p: i for i, p in enumerate(periods)}
    flagged: dict[str, set[int]] = {}
    for r in rows:
        flagged.setdefault(r["term"].lower(), set()).add(pos[r["period"]])
    for r in rows:
        i, seen = pos[r["period"]], flagged[r["term"].lower()]
        r["recurring"] = bool(cycle) and any(
            i + sign * cycle + d in seen for sign in (-1, 1) for d in (-1, 0, 1)
        )
