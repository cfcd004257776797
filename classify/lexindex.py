"""The lexicon as a model sees it: a token-sequence phrase index and its feature columns.

Built once from the lexicon YAML at training time (:meth:`LexiconIndex.build`) and stored
inside every model bundle (:meth:`LexiconIndex.to_json`), so a bundle predicts with the
lexicon it was trained with, loads without parsing YAML and without segmenting Chinese names
again. Only numpy; no scikit-learn, no YAML on the prediction path.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress

import numpy as np

from classify.schema import SECTORS
from classify.text import NUM_TOKEN, Tokenizer

__all__ = ["LEXICON_COLUMNS", "LexiconIndex"]

#: The lexicon feature columns, in matrix order (after the n-gram columns).
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
_COL = {c: i for i, c in enumerate(LEXICON_COLUMNS)}

Match = tuple[str, str]  # (group, value): ("entity", id) | ("term", sector) | ("action", direction)


class LexiconIndex:
    """Lexicon names and words as token tuples, matched longest-first without overlaps.

    ``phrases`` maps a token tuple to its ``(group, value)`` entries; ``entities`` maps an
    entity id to ``{"kind", "sectors", "country"}``; ``user_words`` are the Chinese names the
    segmenter must keep whole (so the text is cut the way the phrases were).
    """

    def __init__(
        self,
        phrases: dict[tuple[str, ...], list[Match]],
        entities: dict[str, dict],
        user_words: Sequence[str],
        source_sha256: str | None = None,
    ) -> None:
        self.phrases = phrases
        self.entities = entities
        self.user_words = tuple(user_words)
        self.source_sha256 = source_sha256
        starts: dict[str, set[int]] = {}
        for k in phrases:
            starts.setdefault(k[0], set()).add(len(k))
        #: first token -> phrase lengths, longest first
        self.starts = {t: tuple(sorted(v, reverse=True)) for t, v in starts.items()}
        self.company_ids = frozenset(i for i, e in entities.items() if e["kind"] != "regulator")
        self._contrib = self._contributions()

    def __getstate__(self) -> dict:
        """Pickle the stored form only: derived sets would pickle in hash-seed order."""
        return self.to_json()

    def __setstate__(self, state: dict) -> None:
        other = LexiconIndex.from_json(state)
        self.__dict__.update(other.__dict__)

    # ------------------------------------------------------------------ building and storing

    @classmethod
    def build(cls, tokenizer: Tokenizer | None = None) -> LexiconIndex:
        """The index of the installed lexicon (``classify/lexicon/*.yaml``), for training."""
        from classify import lexicon
        from classify.text import default_tokenizer

        tok = tokenizer or default_tokenizer()
        phrases: dict[tuple[str, ...], list[Match]] = {}

        def add(name: str, group: str, value: str) -> None:
            toks = tuple(tok.tokenize(name))
            if toks and not (len(toks) == 1 and toks[0] == NUM_TOKEN):
                entry = (group, value)
                bucket = phrases.setdefault(toks, [])
                if entry not in bucket:
                    bucket.append(entry)

        entities = {}
        for e in lexicon.entities():
            entities[e.id] = {
                "kind": e.kind,
                "sectors": list(e.sectors),
                "country": e.country if e.kind == "regulator" else None,
            }
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
        return cls(phrases, entities, tok.user_words, lexicon.fingerprint())

    def to_json(self) -> dict:
        return {
            "phrases": [[list(k), [list(e) for e in v]] for k, v in self.phrases.items()],
            "entities": self.entities,
            "user_words": list(self.user_words),
            "source_sha256": self.source_sha256,
        }

    @classmethod
    def from_json(cls, data: dict) -> LexiconIndex:
        phrases = {tuple(k): [(g, v) for g, v in entries] for k, entries in data["phrases"]}
        return cls(phrases, data["entities"], data["user_words"], data.get("source_sha256"))

    # ------------------------------------------------------------------ matching

    def match(self, tokens: Sequence[str]) -> list[Match]:
        """(group, value) for every lexicon phrase in the tokens, longest match first, no overlaps."""
        starts, phrases = self.starts, self.phrases
        lengths = list(map(starts.get, tokens))  # phrase lengths starting at each token, or None
        out: list[Match] = []
        n, nxt = len(tokens), 0
        for i in compress(range(n), lengths):
            if i < nxt:
                continue
            for L in lengths[i]:
                if i + L <= n:
                    hit = phrases.get(tuple(tokens[i : i + L]))
                    if hit:
                        out.extend(hit)
                        nxt = i + L
                        break
        return out

    def companies(self, matches: Sequence[Match]) -> list[str]:
        """Company/product ids among the matches (regulators are not companies), first seen first."""
        ids = self.company_ids
        return list(dict.fromkeys(v for g, v in matches if g == "entity" and v in ids))

    # ------------------------------------------------------------------ feature columns

    def _contributions(self) -> dict[Match, tuple[tuple[int, float], ...]]:
        """What one match adds to the lexicon columns: an entity counts 1 for its first sector,
        0.5 for each further one, and 1 for its regulator's country; a term or action word 1."""
        out: dict[Match, tuple[tuple[int, float], ...]] = {}
        for entries in self.phrases.values():
            for group, value in entries:
                if (group, value) in out:
                    continue
                c: list[tuple[int, float]] = []
                if group == "entity":
                    e = self.entities.get(value, {})
                    for k, s in enumerate(e.get("sectors", ())):
                        if f"entity:{s}" in _COL:
                            c.append((_COL[f"entity:{s}"], 1.0 if k == 0 else 0.5))
                    country = e.get("country")
                    if country:
                        c.append(
                            (_COL["regulator:cn" if country == "CN" else "regulator:foreign"], 1.0)
                        )
                elif group == "term" and f"term:{value}" in _COL:
                    c.append((_COL[f"term:{value}"], 1.0))
                elif group == "action":
                    c.append((_COL[f"action:{value}"], 1.0))
                out[(group, value)] = tuple(c)
        return out

    def counts(self, matches: Sequence[Sequence[Match]]) -> np.ndarray:
        """Dense (records × :data:`LEXICON_COLUMNS`) match counts for a batch."""
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        contrib = self._contrib
        for r, ms in enumerate(matches):
            for m in ms:
                for c, v in contrib.get(m, ()):
                    rows.append(r)
                    cols.append(c)
                    vals.append(v)
        out = np.zeros((len(matches), len(LEXICON_COLUMNS)), dtype=np.float64)
        if rows:
            np.add.at(out, (np.asarray(rows), np.asarray(cols)), np.asarray(vals))
        return out
