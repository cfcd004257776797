"""The Python API (SPEC §3): load a bundle once, tag many articles.

>>> from classify import Predictor
>>> p = Predictor.load()                       # the shipped model in models/default
>>> tags = p.predict(["text", {"id": "a1", "title": "…", "text": "…"}])
>>> for tag in p.predict_stream(records, batch_size=512): ...

``predict`` mutates no shared state, so one Predictor is safe to use from several threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from classify import paths
from classify.bundle import BundleError, bundle_id, load_bundle
from classify.features import tokenize_batch
from classify.io import Article, BadRecord, article_from_obj
from classify.schema import SECTORS, TONES

__all__ = ["Predictor", "Tag", "BundleError"]


@dataclass
class Tag:
    """One output record per input record (SPEC §1)."""

    id: str | None
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
        out: dict[str, Any] = {
            "id": self.id,
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

    def __init__(self, classifier: Any, manifest: dict, path: Path) -> None:
        self.classifier = classifier
        self.manifest = manifest
        self.path = path
        self.model_id = bundle_id(manifest)
        self._topic_model = None
        self._topic_lock = threading.Lock()
        names = classifier.featurizer.feature_names_
        self._feature_names = np.asarray(names)
        from classify import lexicon

        self._entity_kind = {e.id: e.kind for e in lexicon.entities()}

    @classmethod
    def load(cls, path: str | Path | None = None, *, pickle: bool = False) -> Predictor:
        """Load and verify a bundle (default: the shipped ``models/default``).

        By default the pickle-free copy is loaded, so loading runs no code from the bundle;
        ``pickle=True`` unpickles the full estimators (only for bundles you trust).
        Raises :class:`BundleError` if the bundle is missing, tampered with or for another label set.
        """
        p = Path(path) if path is not None else paths.default_model_dir()
        clf, man, resolved = load_bundle(p, safe=not pickle)
        return cls(clf, man, resolved)

    # ------------------------------------------------------------------ predicting

    def predict(
        self, items: Iterable[Any], *, explain: bool = False, topics: bool = False
    ) -> list[Tag]:
        """Tags for a list of texts, dicts or Articles, in order (errors in place, never raised)."""
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

    def _predict_batch(
        self, recs: list[Article | BadRecord], explain: bool, topics: bool
    ) -> list[Tag]:
        good = [r for r in recs if isinstance(r, Article)]
        results: dict[int, Tag] = {}
        if good:
            batch = tokenize_batch([a.title for a in good], [a.text for a in good])
            Ps, Pt, X = self.classifier.predict(batch)
            D = self.classifier.sectors.decide(Ps)
            T = self.classifier.tone.decide(Pt)
            Ps_r = np.round(Ps, 4).tolist()
            Pt_r = np.round(Pt, 4).tolist()
            idx_r = np.round(
                Pt[:, TONES.index("easing")] - Pt[:, TONES.index("tightening")], 4
            ).tolist()
            order_all = np.argsort(-Ps, axis=1)
            topic_rows = (
                self._topics([(a.title or "") + "\n" + a.text for a in good]) if topics else None
            )
            for k, a in enumerate(good):
                companies = []
                for group, value in batch.matches[k]:
                    if (
                        group == "entity"
                        and self._entity_kind.get(value) != "regulator"
                        and value not in companies
                    ):
                        companies.append(value)
                sectors = [SECTORS[j] for j in order_all[k] if D[k, j]]
                tone_k = int(T[k])
                tag = Tag(
                    id=a.id,
                    sectors=sectors,
                    sector_scores=dict(zip(SECTORS, Ps_r[k], strict=True)),
                    tone=TONES[tone_k],
                    tone_scores=dict(zip(TONES, Pt_r[k], strict=True)),
                    tone_index=idx_r[k],
                    companies=companies,
                    topic=topic_rows[k] if topic_rows else None,
                    model=self.model_id,
                    warnings=a.warnings or None,
                    meta=a.meta,
                )
                if explain:
                    tag.explain = self._explain(X[k], sectors, tone_k)
                results[id(a)] = tag
        out = []
        for r in recs:
            if isinstance(r, BadRecord):
                out.append(Tag(id=r.id, error=r.error, line=r.line, model=self.model_id))
            else:
                out.append(results[id(r)])
        return out

    def _explain(self, x: Any, sectors: list[str], tone_k: int, k: int = 8) -> dict:
        """The features that pushed each predicted sector and the tone up the most."""
        x = x.tocsr()
        idx, vals = x.indices, x.data

        def top(coef: np.ndarray) -> list[list]:
            contrib = vals * coef[idx]
            best = np.argsort(-contrib)[:k]
            return [
                [str(self._feature_names[idx[b]]), round(float(contrib[b]), 4)]
                for b in best
                if contrib[b] > 0
            ]

        sm, tm = self.classifier.sectors, self.classifier.tone
        out = {"sectors": {s: top(sm.coef_[SECTORS.index(s)]) for s in sectors}}
        out["tone"] = {TONES[tone_k]: top(tm.coef_[tone_k])}
        return out

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
