"""The lexicon as a model sees it: a token-sequence phrase index and its feature columns.

Built once from the lexicon YAML at training time (:meth:`LexiconIndex.build`) and stored
inside every model bundle (:meth:`LexiconIndex.to_json`), so a bundle predicts with the
lexicon it was trained with, loads without parsing YAML and without segmenting Chinese names
again. Only numpy; no scikit-learn, no YAML on the prediction path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain, compress

import numpy as np

from classify.schema import SECTORS
from classify.text import NUM_TOKEN, Tokenizer, dropped_words

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

#: How many tokens either side of an ambiguous name a second cue may stand.
CUE_WINDOW = 30
#: How many tokens after a reversal word ("lifts") a tightening word is its object ("ban").
REVERSAL_WINDOW = 4
#: How many tokens before a postposed reversal word ("lifted", 解除) a tightening word is its
#: object, per language ("ban lifted"; 禁令解除, 关税战暂停): short, as the passive is terse
#: and a longer reach pairs clauses ("fined, shares dropped").
REVERSAL_AFTER_WINDOW = {"en": 1, "zh": 2}
_REVERSAL: Match = ("reversal", "")
_REVERSAL_AFTER = {lang: ("reversal", f"after:{w}") for lang, w in REVERSAL_AFTER_WINDOW.items()}
_EASING: Match = ("action", "easing")
_TIGHTENING: Match = ("action", "tightening")
# Words that end a support measure ("ends", 取消; postposed "expired", 退坡): the same windows
_ENDER: Match = ("ender", "")
_ENDER_AFTER = {lang: ("ender", f"after:{w}") for lang, w in REVERSAL_AFTER_WINDOW.items()}
#: Marker groups that pair with an action word and add no feature column themselves.
_PAIRING = ("reversal", "ender")

_ODD_PUNCT = re.compile(r"[^\w\s.\-&'’:/]")  # characters tokenizing strips from a name (Face++)
_LATIN_EDGE = re.compile(r"[A-Za-z0-9]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]")


def surface_pattern(name: str, keep_case: bool = True) -> str:
    """A regex finding ``name`` as written: the words tokenizing drops keep their case.

    "US government" must be written with "US" in capitals, "Will Semiconductor" with "Will";
    the other words match in any case, spaces as any whitespace, punctuation as written. In a
    name with Chinese characters the Chinese carries the name (B站, 理想ONE): any case, and
    optional spaces where Latin meets Chinese ("b 站"). ``keep_case=False`` (sector terms and
    action words: "Shut Down" in a headline is still *shut down*) matches every word in any case.
    """
    dropped = set(dropped_words(name))
    cjk_name = bool(_CJK_RUN.search(name))
    out = []
    prev = ""
    for m in re.finditer(r"[A-Za-z0-9]+|[\u3400-\u9fff]+|\s+|.", name):
        piece = m.group()
        if cjk_name and prev and (_CJK_RUN.match(piece) is None) != (_CJK_RUN.match(prev) is None):
            out.append(r"\s*")
        if piece.isspace():
            out.append(r"\s+")
        elif piece in ("'", "’"):
            out.append("['’]")
        elif piece.isascii() and piece.isalnum():
            esc = re.escape(piece)
            keep = keep_case and piece.lower() in dropped and not cjk_name
            out.append(esc if keep else f"(?i:{esc})")
        else:
            out.append(re.escape(piece))
        prev = piece
    head = "(?<![A-Za-z0-9])" if _LATIN_EDGE.match(name[:1]) else ""
    tail = "(?![A-Za-z0-9])" if _LATIN_EDGE.match(name[-1:]) else ""
    return head + "".join(out) + tail


def _condition(
    name: str, tokens: tuple[str, ...], needs_cue: bool, keep_case: bool = True
) -> dict | None:
    """What one name needs beyond its tokens (None: nothing): found as written, and/or a cue.

    A name is lossy when tokenizing drops words or punctuation from it, or folds its number
    ("阿里巴巴1688" would otherwise match 阿里巴巴 followed by any number). The same holds for
    sector terms and action words, whose dropped words are the small ones: "shut down" is the
    token *shut*, "open up" *open*, "operating system" *operating*, "series a" *series*; without
    its surface each would fire on every "shut", "open", "operating" and "series"."""
    lossy = bool(dropped_words(name)) or bool(_ODD_PUNCT.search(name)) or NUM_TOKEN in tokens
    if not lossy and not needs_cue:
        return None
    return {"surface": surface_pattern(name, keep_case) if lossy else None, "cue": needs_cue}


def _pair(
    out: list[Match],
    where: list[int],
    phrases_out: list | None,
    group: str,
    target: Match,
    result: Match,
    marked_only: bool,
) -> tuple[list[Match], list[int]]:
    """Matches with each ``group`` word and the ``target`` action it governs made one ``result``.

    A ``target`` match starting 1..:data:`REVERSAL_WINDOW` tokens after a ``group`` word is
    its object (reversal "lift" … "ban"; ender "ends" … "exemption"), and so is one whose
    phrase ends just before a postposed one ("ban" "lifted", 禁令解除; 补贴退坡;
    :data:`REVERSAL_AFTER_WINDOW`) when the phrase is marked as a possible object
    (``group``, ``object:N``). With ``marked_only`` the preposed pairing, too, takes only
    marked objects (an ender ends a subsidy, not every easing word: "ends support for
    Windows 10" is not a policy). The object is dropped, and the word's own action entries
    ("lift" easing, "revoke" tightening) become the single ``result``. ``group`` entries add
    no feature column; unpaired ones are dropped, so a text without a pair matches as before.
    Returns the new matches and their token positions.
    """
    pre_at = {where[k] for k, m in enumerate(out) if m == (group, "")}
    post_at = {
        where[k]: int(m[1].split(":")[1])
        for k, m in enumerate(out)
        if m[0] == group and m[1].startswith("after:")
    }
    # the last token of each phrase marked as a possible object, by its first token
    object_end = {
        where[k]: where[k] + int(m[1].split(":")[1]) - 1
        for k, m in enumerate(out)
        if m[0] == group and m[1].startswith("object:")
    }
    paired: set[int] = set()
    drop: set[int] = set()
    for k, m in enumerate(out):
        if m == target:
            # the nearest governing word before it, within the window; else the nearest
            # postposed one after it
            p = where[k]
            q = None
            if not marked_only or p in object_end:
                q = max((r for r in pre_at if 0 < p - r <= REVERSAL_WINDOW), default=None)
            if q is None and p in object_end:
                e = object_end[p]
                q = min((r for r, w in post_at.items() if 0 < r - e <= w), default=None)
            if q is not None:
                paired.add(q)
                drop.add(k)
    keep: list[int] = []  # slots of out to keep; -1 - k: the result entry shown as phrase k
    emitted: set[int] = set()  # paired positions whose result entry is in keep
    for k, m in enumerate(out):
        pos = where[k]
        if k in drop:
            continue
        if pos in paired and m[0] in (group, "action"):
            if pos not in emitted:
                emitted.add(pos)
                keep.append(-1 - k)
            continue
        if m[0] == group:
            continue
        keep.append(k)
    if phrases_out is not None:
        phrases_out[:] = [phrases_out[-1 - k] if k < 0 else phrases_out[k] for k in keep]
    return (
        [result if k < 0 else out[k] for k in keep],
        [where[-1 - k] if k < 0 else where[k] for k in keep],
    )


def _mark_objects(
    phrases: dict[tuple[str, ...], list[Match]],
    nouns: dict[str, tuple[str, ...]],
    tok: Tokenizer,
    direction: str,
    group: str,
) -> None:
    """Mark every ``direction`` action phrase that ends in one of ``nouns`` (per language) as a
    possible object of a ``group`` word: the entry ``(group, "object:N")``, N its length."""
    heads = {t for words in nouns.values() for w in words if (t := tuple(tok.tokenize(w)))}
    for key, bucket in phrases.items():
        if ("action", direction) in bucket and any(
            key[len(key) - len(h) :] == h for h in heads if len(h) <= len(key)
        ):
            bucket.append((group, f"object:{len(key)}"))


def _reverse(out: list[Match], where: list[int], phrases_out: list | None) -> list[Match]:
    """Undoers and enders paired with their objects (:func:`_pair`): "lifts the ban" is one
    easing action (a reversal word and any tightening word after it, or a restriction noun
    before a postposed one), "ends the tax exemption" / 补贴退坡 one tightening action (an
    ender and a support noun). Undoers first: an ender that is also an undoer (取消, "scraps")
    pairs with a restriction as an undoer ("取消限制" easing) and with a subsidy as an ender."""
    if any(m[0] == "reversal" for m in out):
        out, where = _pair(out, where, phrases_out, "reversal", _TIGHTENING, _EASING, False)
    if any(m[0] == "ender" for m in out):
        out, where = _pair(out, where, phrases_out, "ender", _EASING, _TIGHTENING, True)
    return out


class LexiconIndex:
    """Lexicon names and words as token tuples, matched longest-first without overlaps.

    ``phrases`` maps a token tuple to its ``(group, value)`` entries; ``entities`` maps an
    entity id to ``{"kind", "sectors", "country"}``; ``user_words`` are the Chinese names the
    segmenter must keep whole (so the text is cut the way the phrases were).

    ``conditions`` maps ``(tokens, entry)`` to the alternatives (one per name with those
    tokens) of what an entity name needs beyond its tokens, any one of which admits the match:
    a ``surface`` pattern that must occur in the raw text (names that tokenize to less
    than they say: "US government" → ``government``, "Face++" → ``face``, "理想ONE" → 理想),
    and ``cue``: the name is also an ordinary word (荣耀 "glory", 中兴 "revival", 理想 "ideal"),
    so it counts only with another lexicon match (a company, regulator, sector term or action
    word) within :data:`CUE_WINDOW` tokens: in tech news the bare name is nearly always the
    firm, in general news it stands alone. Entries without conditions match on tokens alone.
    """

    def __init__(
        self,
        phrases: dict[tuple[str, ...], list[Match]],
        entities: dict[str, dict],
        user_words: Sequence[str],
        source_sha256: str | None = None,
        conditions: dict[tuple[tuple[str, ...], Match], list[dict]] | None = None,
    ) -> None:
        self.phrases = phrases
        self.entities = entities
        self.user_words = tuple(user_words)
        self.source_sha256 = source_sha256
        self.conditions = dict(conditions or {})
        self._conditional = {k for k, _ in self.conditions}
        self._alternatives = {
            key: [(re.compile(a["surface"]) if a["surface"] else None, a["cue"]) for a in alts]
            for key, alts in self.conditions.items()
        }
        starts: dict[str, set[int]] = {}
        for k in phrases:
            starts.setdefault(k[0], set()).add(len(k))
        #: first token -> phrase lengths, longest first
        self.starts = {t: tuple(sorted(v, reverse=True)) for t, v in starts.items()}
        #: first token -> the second tokens of its longer phrases (most starts have none that
        #: fit the next token, and then only the one-token phrase needs looking up)
        nexts: dict[str, set[str]] = {}
        for k in phrases:
            if len(k) > 1:
                nexts.setdefault(k[0], set()).add(k[1])
        self._nexts = {t: frozenset(v) for t, v in nexts.items()}
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
        conditions: dict[tuple[tuple[str, ...], Match], list[dict]] = {}

        def add(name: str, group: str, value: str, needs_cue: bool = False) -> None:
            toks = tuple(tok.tokenize(name))
            if not toks or (len(toks) == 1 and toks[0] == NUM_TOKEN):
                return
            entry = (group, value)
            # entity names keep the case of their dropped words ("US" is not "us"); terms do not
            cond = _condition(name, toks, needs_cue, keep_case=group == "entity")
            bucket = phrases.setdefault(toks, [])
            key = (toks, entry)
            if entry not in bucket:
                bucket.append(entry)
                if cond:
                    conditions[key] = [cond]
            elif key in conditions:  # conditional so far: one more way to admit it
                if cond is None:
                    del conditions[key]  # a name that needs nothing: tokens alone decide
                elif cond not in conditions[key]:
                    conditions[key].append(cond)

        entities = {}
        for e in lexicon.entities():
            entities[e.id] = {
                "kind": e.kind,
                "sectors": list(e.sectors),
                "country": e.country if e.kind == "regulator" else None,
            }
            for name in e.names:
                add(name, "entity", e.id, name in e.needs_cue)
        for direction, langs in lexicon.actions().items():
            for words in langs.values():
                for w in words:
                    add(w, "action", direction)
        for sector, langs in lexicon.sector_terms().items():
            for words in langs.values():
                for w in words:
                    add(w, "term", sector)
        # the words that pair with an action: undoers, then enders, each preposed and postposed
        for words_of, entry, after_entry in (
            (lexicon.reversals, _REVERSAL, _REVERSAL_AFTER),
            (lexicon.enders, _ENDER, _ENDER_AFTER),
        ):
            for words in words_of().values():
                for w in words:
                    add(w, *entry)
            for lang, words in words_of(after=True).items():
                for w in words:
                    add(w, *after_entry[lang])
        # the easing phrases an ender can take as its object: those ending in a support noun
        # ("purchase tax exemption", 国补), not other easing words (approval, 支持)
        _mark_objects(phrases, lexicon.support_objects(), tok, "easing", "ender")
        # the tightening phrases a postposed undoer can take as its object: those ending in a
        # restriction noun ("export curbs", 加征关税), not misconduct words (违规, illegal)
        _mark_objects(phrases, lexicon.reversal_objects(), tok, "tightening", "reversal")
        return cls(phrases, entities, tok.user_words, lexicon.fingerprint(), conditions)

    def to_json(self) -> dict:
        out = {
            "phrases": [[list(k), [list(e) for e in v]] for k, v in self.phrases.items()],
            "entities": self.entities,
            "user_words": list(self.user_words),
            "source_sha256": self.source_sha256,
        }
        if self.conditions:  # absent in bundles built before conditions existed
            out["conditions"] = [[list(k), list(e), c] for (k, e), c in self.conditions.items()]
        return out

    @classmethod
    def from_json(cls, data: dict) -> LexiconIndex:
        phrases = {tuple(k): [(g, v) for g, v in entries] for k, entries in data["phrases"]}
        conditions = {(tuple(k), (e[0], e[1])): c for k, e, c in data.get("conditions", ())}
        return cls(
            phrases, data["entities"], data["user_words"], data.get("source_sha256"), conditions
        )

    # ------------------------------------------------------------------ matching

    def match(
        self, tokens: Sequence[str], text: str = "", phrases_out: list | None = None
    ) -> list[Match]:
        """(group, value) for every lexicon phrase in the tokens, longest match first, no overlaps.

        ``text`` is the raw text the tokens came from, for the names that must be found as
        written (:attr:`conditions`); without it those names never match. ``phrases_out``, if
        given, receives the matched token phrase of each returned entry (for ``--explain``).
        """
        starts = self.starts
        at = list(compress(range(len(tokens)), map(starts.__contains__, tokens)))
        return self._match_at(tokens, at, text, phrases_out)

    def match_many(
        self,
        tokens: Sequence[Sequence[str]],
        texts: Sequence[str],
        starts_at: np.ndarray | None = None,
    ) -> list[list[Match]]:
        """``[self.match(t, x) for t, x in zip(tokens, texts)]``, candidates found per batch.

        ``starts_at`` (optional) flags, over the batch's tokens laid end to end, those that
        start a phrase (:attr:`starts`); a compiled model finds it with the look-up it does
        for its vocabulary anyway. Records where no phrase starts cost nothing.
        """
        lens = np.fromiter(map(len, tokens), np.int64, len(tokens))
        if starts_at is None:
            flat = list(chain.from_iterable(tokens))
            starts_at = np.fromiter(map(self.starts.__contains__, flat), bool, len(flat))
        pos = np.flatnonzero(starts_at)
        offsets = np.zeros(len(tokens) + 1, np.int64)
        np.cumsum(lens, out=offsets[1:])
        rec = np.searchsorted(offsets, pos, "right") - 1
        local = (pos - offsets[rec]).tolist()
        bounds = np.searchsorted(rec, np.arange(len(tokens) + 1)).tolist()
        out: list[list[Match]] = [[] for _ in tokens]
        match_at = self._match_at
        for r in np.unique(rec).tolist():
            out[r] = match_at(tokens[r], local[bounds[r] : bounds[r + 1]], texts[r], None)
        return out

    def _match_at(
        self, tokens: Sequence[str], at: Sequence[int], text: str, phrases_out: list | None
    ) -> list[Match]:
        """:meth:`match` with the positions where a phrase starts (``at``, ascending) given."""
        starts, phrases, conditional = self.starts, self.phrases, self._conditional
        nexts, none = self._nexts, frozenset()
        out: list[Match] = []
        where: list[int] = []  # token position of each entry in out (for the cue window)
        waiting: list[tuple[int, int, Match]] = []  # (slot in out, token position, entry)
        seen: dict = {}  # surface pattern -> found in text (see _admit)
        n, nxt = len(tokens), 0
        for i in at:
            if i < nxt:
                continue
            lengths = starts[tokens[i]]  # phrase lengths starting here, longest first
            # no longer phrase goes on with the next token: only the one-token phrase can fit
            if i + 1 < n and tokens[i + 1] in nexts.get(tokens[i], none):
                candidates = lengths
            else:
                candidates = (1,) if lengths[-1] == 1 else ()
            for L in candidates:
                if i + L <= n:
                    key = tuple(tokens[i : i + L])
                    hit = phrases.get(key)
                    if hit and key in conditional:
                        hit = self._admit(key, hit, text, len(out), i, waiting, seen)
                    if not hit:
                        continue  # nothing here, or every entry refused: try a shorter phrase
                    out.extend(hit)
                    where.extend([i] * len(hit))
                    if phrases_out is not None:
                        phrases_out.extend([key] * len(hit))
                    nxt = i + L
                    break
        if waiting:
            kept = self._resolve_cues(out, where, waiting)
            if phrases_out is not None:
                phrases_out[:] = [phrases_out[k] for k in kept]
            out, where = [out[k] for k in kept], [where[k] for k in kept]
        if any(m[0] in _PAIRING for m in out):
            return _reverse(out, where, phrases_out)
        return out

    def _admit(
        self,
        key: tuple[str, ...],
        hit: list[Match],
        text: str,
        slot: int,
        i: int,
        waiting: list,
        seen: dict,
    ) -> list[Match]:
        """The entries of a conditional phrase that stand here: an alternative whose surface is
        found admits it; one that also needs a cue admits it provisionally (``waiting``).
        ``seen`` remembers, for this text, whether each surface pattern occurs in it (a common
        word such as *government* would otherwise search a long article once per occurrence)."""
        admitted: list[Match] = []
        for entry in hit:
            alts = self._alternatives.get((key, entry))
            if alts is not None:
                found = []
                for pat, cue in alts:
                    if pat is not None:
                        there = seen.get(pat)
                        if there is None:
                            there = seen[pat] = pat.search(text) is not None
                        if not there:
                            continue
                    found.append(cue)
                if not found:
                    continue
                if all(found):  # every alternative found still needs a cue
                    waiting.append((slot + len(admitted), i, entry))
            admitted.append(entry)
        return admitted

    def _resolve_cues(self, out: list[Match], where: list[int], waiting: list) -> list[int]:
        """Slots of ``out`` to keep: a waiting entry needs another match within the window
        (or a name of the same entity anywhere)."""
        slots = {s for s, _, _ in waiting}
        drop = set()
        for slot, pos, (_, ent) in waiting:
            if not any(
                k not in slots
                and g not in _PAIRING
                and (abs(where[k] - pos) <= CUE_WINDOW or v == ent)
                for k, (g, v) in enumerate(out)
            ):
                drop.add(slot)
        return [k for k in range(len(out)) if k not in drop]

    def explain_matches(self, tokens: Sequence[str], text: str = "") -> dict[str, list[str]]:
        """Per lexicon feature column (``action:easing``...), the phrases that fired it."""
        phrases: list = []
        matches = self.match(tokens, text, phrases)
        out: dict[str, list[str]] = {}
        for key, m in zip(phrases, matches, strict=True):
            shown = ("" if _CJK_RUN.match(key[0]) else " ").join(key)
            for col, _ in self._contrib.get(m, ()):
                seen = out.setdefault(LEXICON_COLUMNS[col], [])
                if shown not in seen:
                    seen.append(shown)
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
