"""The Python API (SPEC §3): load a bundle once, tag many articles.

>>> from classify import Predictor
>>> p = Predictor.load()                       # the shipped model in models/default
>>> tags = p.predict(["text", {"id": "a1", "title": "…", "text": "…"}])
>>> for tag in p.predict_stream(records, batch_size=512): ...

``predict`` mutates no shared state, so one Predictor is safe to use from several threads.
Loading and predicting import only numpy and scipy.sparse (no scikit-learn, pandas or
pyarrow): the bundle's compiled model (:mod:`classify.compiled`) is all prediction needs.
Batch tagging writes JSONL through :meth:`Predictor.encode_batch`, which formats the same
bytes as ``json.dumps(tag.to_dict())`` without building a Tag per record.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from classify import paths
from classify.bundle import BundleError, bundle_id
from classify.compiled import Batch, CompiledClassifier
from classify.io import Article, BadRecord, article_from_obj, dumps_json, json_dumper
from classify.registry import load as load_bundle
from classify.schema import SECTORS, TONES
from classify.text import article_raw

_enc = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses for strings
#: "0.0", "0.0001", …, "1.0": the JSON of every score rounded to 4 places (as np.round does)
_SCORE_JSON = tuple(repr(q / 10000) for q in range(10001))
_E, _T = TONES.index("easing"), TONES.index("tightening")

__all__ = ["Predictor", "Tag", "BundleError"]


@dataclass
class Tag:
    """One output record per input record (SPEC §1); ``title`` and ``date`` (normalised) are
    carried over from the input when it had them, so tagged files can be aggregated later."""

    id: str | None
    title: str | None = None
    date: str | None = None
    sectors: list[str] | None = None
    sector_scores: dict[str, float] | None = None
    tone: str | None = None
    tone_scores: dict[str, float] | None = None
    tone_index: float | None = None
    companies: list[str] | None = None
    topic: dict | None = None
    model: str | None = None
    error: str | None = None
    line: int | None = None
    warnings: list[str] | None = None
    explain: dict | None = None
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict in SPEC field order; optional fields appear only when set."""
        out: dict[str, Any] = {"id": self.id}
        if self.title is not None:
            out["title"] = self.title
        if self.date is not None:
            out["date"] = self.date
        out |= {
            "sectors": self.sectors,
            "sector_scores": self.sector_scores,
            "tone": self.tone,
            "tone_scores": self.tone_scores,
            "tone_index": self.tone_index,
            "companies": self.companies,
        }
        if self.topic is not None:
            out["topic"] = self.topic
        out["model"] = self.model
        out["error"] = self.error
        if self.line is not None:
            out["line"] = self.line
        if self.warnings:
            out["warnings"] = self.warnings
        if self.explain:
            out["explain"] = self.explain
        if self.meta:
            out["meta"] = self.meta
        return out


class Predictor:
    """A loaded model bundle. Construct with :meth:`load`."""

    def __init__(self, classifier: CompiledClassifier, manifest: dict, path: Path) -> None:
        self.classifier = classifier
        self.manifest = manifest
        self.path = path
        self.model_id = bundle_id(manifest)
        self._topic_model = None
        self._topic_lock = threading.Lock()
        self._model_json = _enc(self.model_id)
        self._sector_json = tuple(_enc(s) for s in classifier.sector_labels)
        self._tone_json = tuple(_enc(t) for t in classifier.tone_labels)
        # One %-template per Tag line (fields in Tag.to_dict order), with a slot for every
        # score: a line is one % operation on strings already made (see _lines).
        sector_slots = ", ".join(k.replace("%", "%%") + ": %s" for k in self._sector_json)
        tone_slots = ", ".join(k.replace("%", "%%") + ": %s" for k in self._tone_json)
        self._line_template = (
            '{"id": %s%s, "sectors": [%s], "sector_scores": {' + sector_slots + "}, "
            '"tone": %s, "tone_scores": {' + tone_slots + "}, "
            '"tone_index": %s, "companies": [%s], "model": '
            + self._model_json.replace("%", "%%")
            + ', "error": null%s}'
        )
        if classifier.sector_labels != SECTORS or classifier.tone_labels != TONES:
            raise BundleError(f"bundle {path} scores another label set than this code's")

    @classmethod
    def load(cls, path: str | Path | None = None) -> Predictor:
        """Load and verify a bundle (default: the shipped ``models/default``).

        Only the compiled copy (``model.npz`` + ``model.json``) is read, so loading runs no
        code from the bundle. Raises :class:`BundleError` if the bundle is missing, tampered
        with or for another label set.
        """
        p = Path(path) if path is not None else paths.default_model_dir()
        clf, man, resolved = load_bundle(p)
        return cls(clf, man, resolved)

    # ------------------------------------------------------------------ predicting

    def predict(
        self, items: Iterable[Any], *, explain: bool = False, topics: bool = False
    ) -> list[Tag]:
        """Tags for a list of texts, dicts or Articles, in order (errors in place, never raised).

        ``items`` is a list (or any iterable) of records. A bare ``str`` is refused with a
        ``TypeError`` — iterating it would tag each character; pass ``[text]``.
        """
        if isinstance(items, str | bytes):
            raise TypeError("predict() takes a list of texts or records; for one text use [text]")
        return list(self.predict_stream(items, batch_size=512, explain=explain, topics=topics))

    def predict_stream(
        self,
        records: Iterable[Any],
        batch_size: int = 512,
        *,
        explain: bool = False,
        topics: bool = False,
    ) -> Iterator[Tag]:
        """Generator of Tags; reads ``batch_size`` records at a time, so memory stays bounded."""
        if isinstance(records, str | bytes):
            raise TypeError("predict_stream() takes an iterable of texts or records, not a str")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        it = iter(records)
        n = 0
        while True:
            chunk = list(islice(it, batch_size))
            if not chunk:
                return
            recs = []
            for obj in chunk:
                n += 1
                recs.append(
                    obj if isinstance(obj, Article | BadRecord) else article_from_obj(obj, n)
                )
            yield from self._predict_batch(recs, explain=explain, topics=topics)

    def _score(self, good: list[Article]) -> _Scored:
        """Score a batch and decode the decisions both renderers (Tags, JSON lines) share."""
        clf = self.classifier
        batch = clf.tokenize([a.title for a in good], [a.text for a in good])
        Ps, Pt, X = clf.predict_batch(batch)
        D, T = clf.decide(Ps, Pt, batch.chars, batch.zh)
        # the chosen columns of each row, highest score first: numpy picks them, Python slices
        order = np.argsort(-Ps, axis=1)
        chosen = np.take_along_axis(D, order, axis=1)
        flat = order[chosen].tolist()
        ends = np.cumsum(chosen.sum(axis=1)).tolist()
        return _Scored(
            batch,
            Ps,
            Pt,
            X,
            sectors=[flat[a:b] for a, b in zip([0, *ends], ends, strict=False)],
            tone=T.tolist(),
            tone_index=np.round(Pt[:, _E] - Pt[:, _T], 4).tolist(),
        )

    def _predict_batch(
        self, recs: list[Article | BadRecord], explain: bool, topics: bool
    ) -> list[Tag]:
        """One Tag per record, in order (BadRecords become error Tags)."""
        good = [r for r in recs if isinstance(r, Article)]
        tags = iter(self._tags(good, explain, topics) if good else ())
        return [self._error_tag(r) if isinstance(r, BadRecord) else next(tags) for r in recs]

    def _error_tag(self, r: BadRecord) -> Tag:
        return Tag(id=r.id, error=r.error, line=r.line, model=self.model_id)

    def _tags(self, good: list[Article], explain: bool, topics: bool) -> list[Tag]:
        s = self._score(good)
        clf = self.classifier
        Ps_r = np.round(s.Ps, 4).tolist()
        Pt_r = np.round(s.Pt, 4).tolist()
        T = s.tone
        topic_rows = (
            self._topics([(a.title or "") + "\n" + a.text for a in good]) if topics else None
        )
        out = []
        for k, a in enumerate(good):
            sectors = [SECTORS[j] for j in s.sectors[k]]
            tag = Tag(
                id=a.id,
                title=a.title,
                date=a.date,
                sectors=sectors,
                sector_scores=dict(zip(SECTORS, Ps_r[k], strict=True)),
                tone=TONES[T[k]],
                tone_scores=dict(zip(TONES, Pt_r[k], strict=True)),
                tone_index=s.tone_index[k],
                companies=clf.lexicon.companies(s.batch.matches[k]),
                topic=topic_rows[k] if topic_rows else None,
                model=self.model_id,
                warnings=a.warnings or None,
                meta=a.meta,
            )
            if explain:
                matched = clf.lexicon.explain_matches(
                    s.batch.tokens[k], article_raw(a.title, a.text)
                )
                tag.explain = clf.explain(s.X[k], sectors, T[k], matched=matched)
            out.append(tag)
        return out

    def encode_batch(
        self, recs: list[Article | BadRecord], *, explain: bool = False, topics: bool = False
    ) -> list[str]:
        """The JSON line of each record's Tag, in order: ``json.dumps(tag.to_dict())`` (tested).

        Formats the JSON directly from the score arrays (scores are rounded to 4 places, so
        each is one of 10,001 precomputed strings): batch tagging spends no time building
        Tags or running the generic encoder. ``explain``/``topics`` go through Tags.
        """
        if explain or topics:
            return [dumps_json(t.to_dict()) for t in self._predict_batch(recs, explain, topics)]
        good = [r for r in recs if isinstance(r, Article)]
        lines = iter(self._lines(good) if good else ())
        return [
            dumps_json(self._error_tag(r).to_dict()) if isinstance(r, BadRecord) else next(lines)
            for r in recs
        ]

    def _lines(self, good: list[Article]) -> list[str]:
        s = self._score(good)
        # Every cell of a line as a string, a column at a time, then one % per line: the
        # per-record Python work is the template alone (this was ~20% of tagging headlines).
        Q = np.rint(np.clip(np.hstack([s.Ps, s.Pt]), 0.0, 1.0) * 10000).astype(np.intp)
        score = _SCORE_JSON.__getitem__
        cols = [list(map(score, q)) for q in Q.T.tolist()]
        n_sec = s.Ps.shape[1]
        sj, tj = self._sector_json, self._tone_json
        companies = self.classifier.lexicon.companies
        dumps = json_dumper()
        rows = zip(
            [_enc(a.id) for a in good],
            [_title_date(a) for a in good],
            [", ".join([sj[j] for j in row]) for row in s.sectors],
            *cols[:n_sec],
            [tj[t] for t in s.tone],
            *cols[n_sec:],
            map(repr, s.tone_index),
            [", ".join(map(_enc, companies(m))) if m else "" for m in s.batch.matches],
            [_tail(a, dumps) if a.warnings or a.meta else "" for a in good],
            strict=True,
        )
        return list(map(self._line_template.__mod__, rows))

    def _topics(self, texts: list[str]) -> list[dict] | None:
        with self._topic_lock:
            if self._topic_model is None:
                from classify.topics import TopicModel

                self._topic_model = TopicModel.load()
        return self._topic_model.assign(texts)

    def attach_topics(self, path: str | Path | None) -> None:
        """Use a specific topic model for ``topics=True`` (default: models/topics)."""
        from classify.topics import TopicModel

        with self._topic_lock:
            self._topic_model = TopicModel.load(path)


def _title_date(a: Article) -> str:
    """The optional ``title`` and ``date`` members of a Tag line (after ``id``)."""
    out = ""
    if a.title is not None:
        out += ', "title": ' + _enc(a.title)
    if a.date is not None:
        out += ', "date": ' + _enc(a.date)
    return out


def _tail(a: Article, dumps: Callable[[Any], str]) -> str:
    """The optional ``warnings`` and ``meta`` members of a Tag line (after ``error``)."""
    out = ""
    if a.warnings:
        out += ', "warnings": ' + dumps(a.warnings)
    if a.meta:
        out += ', "meta": ' + dumps(a.meta)
    return out


@dataclass(slots=True)
class _Scored:
    """One scored batch: tokens and matches, probabilities, features, decoded decisions."""

    batch: Batch
    Ps: np.ndarray
    Pt: np.ndarray
    X: Any
    sectors: list[list[int]]  # per row: the chosen sector columns, highest score first
    tone: list[int]  # per row: the chosen tone column
    tone_index: list[float]  # per row: P(easing) - P(tightening), rounded to 4 places
