"""The topic model: BERTopic fitted offline on the array embedder, saved without pickle.

``TopicModel(seed=42, min_topic_size=None, ...)`` holds the hyperparameters; ``fit(records)``
fits BERTopic and returns the model; ``TopicModel.load(dir)`` reads a saved one (checked
against its sha256 manifest, no pickle, no scikit-learn import); ``assign(texts)`` gives each
text ``{"id", "label", "probability"}`` (``id`` -1 = no topic) with numpy only.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classify import storage
from classify.topics import bertopic_api
from classify.topics.embedder import EMBEDDER_JSON, ArrayEmbedder, fit_embedder
from classify.topics.prep import (
    DEFAULT_SEED,
    NO_TOPIC,
    Doc,
    TopicModelError,
    _get,
    default_min_topic_size,
    doc_text,
    theme_tokenize,
    to_docs,
)

__all__ = ["TopicModel", "TopicModelError", "FORMAT", "OUTLIER_THRESHOLD", "PACKAGES"]

FORMAT = "classify-topics/1"
#: Outliers whose cosine similarity to every topic is below this stay "no topic".
OUTLIER_THRESHOLD = 0.05
TOP_TERMS = 10
LABEL_WORDS = 3

MANIFEST = "manifest.json"
TABLE = "topic_table.json"
#: The pickled scikit-learn embedder of models saved before the array embedder (read if alone).
LEGACY_EMBEDDER = "embedder.joblib"
CARD = "MODEL_CARD.md"
BERTOPIC_DIR = "bertopic"
EMB_FILE = bertopic_api.EMB_FILE
#: The distributions whose versions a topic model manifest records.
PACKAGES = ("classify", "bertopic", "scikit-learn", "umap-learn", "hdbscan", "numpy")


def _reducer(n_docs: int, seed: int, method: str):  # noqa: ANN202
    """UMAP to 5 dimensions (PCA for tiny corpora, or when asked: no numba compile, ~0.1 s)."""
    if method == "umap" and n_docs >= 30:
        from umap import UMAP

        return UMAP(
            # 10 neighbours (BERTopic uses 15): keeps a small, tight theme such as the
            # three Dec 2021 metaverse stories of the seeds apart from their neighbours.
            n_neighbors=min(10, n_docs - 1),
            n_components=5,
            min_dist=0.0,
            metric="euclidean",  # the embeddings are L2-normalised: same neighbours as cosine
            random_state=seed,
            low_memory=True,
        )
    from sklearn.decomposition import PCA

    return PCA(n_components=min(5, n_docs - 1), random_state=seed)


def _label(terms: Sequence[str], taken: set[str], tid: int) -> str:
    """A short snake_case label from the top terms: first distinct words, e.g. ``metaverse_virtual_vr``."""
    words: list[str] = []
    for term in terms:
        for w in term.split():
            w = re.sub(r"[^\w]+", "_", w).strip("_")
            if w and w not in words and not any(w in x or x in w for x in words):
                words.append(w)
            if len(words) == LABEL_WORDS:
                break
        if len(words) == LABEL_WORDS:
            break
    label = "_".join(words) or f"topic_{tid}"
    if label in taken:
        label = f"{label}_{tid}"
    taken.add(label)
    return label


def _softmax_max(sims: np.ndarray, temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """(argmax, max probability) of a row-wise softmax of similarities / temperature."""
    z = sims / temperature
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return p.argmax(axis=1), p.max(axis=1)


def _fit_temperature(sims: np.ndarray, target: np.ndarray) -> float:
    """Softmax temperature that best explains the fitted assignments (max likelihood, 1-D search)."""
    from scipy.optimize import minimize_scalar

    if len(target) == 0 or sims.shape[1] < 2:
        return 0.05

    def nll(log_t: float) -> float:
        z = sims / math.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(target)), target].mean())

    res = minimize_scalar(nll, bounds=(math.log(0.002), math.log(1.0)), method="bounded")
    return float(math.exp(res.x))


def _example_ids(
    texts: Sequence[str], first_id: dict[str, str], arr: np.ndarray, t: int, docs: Sequence[Doc]
) -> list[str]:
    """Up to 3 record ids for a topic: its representative documents, else its first records."""
    ids = [first_id[x] for x in texts if x in first_id][:3]
    if len(ids) < 3:
        for k in np.flatnonzero(arr == t)[:10].tolist():
            if docs[k].id not in ids:
                ids.append(docs[k].id)
            if len(ids) == 3:
                break
    return ids


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1.0, norms)


class TopicModel:
    """A topic model: hyperparameters in ``__init__``; ``fit`` or ``load`` gives it the fitted
    embedder, one embedding per topic and the readable topic table.

    ``TopicModel(seed=7).fit(records)`` fits BERTopic and returns the model;
    ``TopicModel.load(dir)`` reads a saved one; ``assign(texts)`` gives each text
    ``{"id", "label", "probability"}`` (``id`` -1 = no topic).
    """

    def __init__(
        self,
        seed: int = DEFAULT_SEED,
        min_topic_size: int | None = None,
        reduction: str = "umap",
        max_topics: int | None = None,
        outlier_threshold: float = OUTLIER_THRESHOLD,
    ) -> None:
        self.seed = seed
        self.min_topic_size = min_topic_size
        self.reduction = reduction
        self.max_topics = max_topics
        self.outlier_threshold = outlier_threshold
        self.embedder: Any = None
        self.params: dict[str, Any] = {}
        #: Per training record: topic id and probability (set by ``fit``; empty after ``load``).
        self.doc_topics: list[int] = []
        self.doc_probabilities: list[float] = []
        self.doc_ids: list[str] = []
        self._table: list[dict] | None = None
        self._bertopic: Any = None
        self._source: Path | None = None
        self._lock = threading.Lock()

    def _set_fitted(
        self,
        embedder: Any,
        topic_embeddings: np.ndarray,
        table: list[dict],
        params: dict[str, Any],
        temperature: float,
        min_similarity: float,
    ) -> None:
        """The fitted state (from ``fit`` or ``load``)."""
        self.embedder = embedder
        self.topic_ids = [int(t["id"]) for t in table]
        self._table = table
        self._labels = {int(t["id"]): t["label"] for t in table}
        self.params = params
        self.temperature = temperature
        self.min_similarity = min_similarity
        self.topic_embeddings = np.asarray(topic_embeddings, dtype=np.float64)
        # Rows of the topic embeddings that are real topics (-1, the outlier row, is never assigned).
        self._rows = np.array([i for i, t in enumerate(self.topic_ids) if t != NO_TOPIC], dtype=int)
        self._unit = (
            _unit(self.topic_embeddings[self._rows]) if len(self._rows) else np.zeros((0, 1))
        )
        self._real_ids = np.array([self.topic_ids[i] for i in self._rows], dtype=int)

    def _check_fitted(self) -> None:
        if self._table is None:
            raise TopicModelError("this TopicModel is not fitted: call fit(records) or load(dir)")

    # ------------------------------------------------------------------ fitting

    def fit(self, records: Iterable[Any], log: Callable[[str], None] | None = None) -> TopicModel:
        """Fit BERTopic offline on records (strings, dicts or Articles); returns self.

        ``min_topic_size`` defaults to :func:`default_min_topic_size`; ``reduction`` is
        ``umap`` (default) or ``pca`` (faster, coarser); ``max_topics`` merges similar topics
        down to that many. Outliers left by hdbscan go to the most similar topic when their
        cosine similarity reaches ``outlier_threshold``; the rest stay -1.
        """
        seed, min_topic_size, reduction = self.seed, self.min_topic_size, self.reduction
        max_topics, outlier_threshold = self.max_topics, self.outlier_threshold
        say = log or (lambda _m: None)
        docs = to_docs(records)
        n = len(docs)
        if n < 10:
            raise TopicModelError(f"need at least 10 records with text to fit topics, got {n}")
        if reduction not in ("umap", "pca"):
            raise TopicModelError(f"unknown reduction {reduction!r}: use umap or pca")
        mts = int(min_topic_size or default_min_topic_size(n))
        if mts < 2:
            raise TopicModelError("min_topic_size must be at least 2")
        texts = [d.text for d in docs]

        from bertopic import BERTopic
        from bertopic.vectorizers import ClassTfidfTransformer
        from hdbscan import HDBSCAN
        from sklearn.feature_extraction.text import CountVectorizer

        say(f"embedding {n} records (TF-IDF + SVD, offline)")
        pipe, emb = fit_embedder(texts, seed)
        zero = np.linalg.norm(emb, axis=1) == 0
        vectorizer = CountVectorizer(
            tokenizer=theme_tokenize, token_pattern=None, lowercase=False
        )  # never min_df > 1: it is fitted on one document per topic
        ctfidf = ClassTfidfTransformer(reduce_frequent_words=True)
        model = BERTopic(
            embedding_model=pipe,
            umap_model=_reducer(n, seed, reduction),
            hdbscan_model=HDBSCAN(
                min_cluster_size=mts,
                min_samples=min(10, max(2, mts // 2)),
                metric="euclidean",
                cluster_selection_method="eom",  # "leaf" splits one theme into several
                prediction_data=False,
            ),
            vectorizer_model=vectorizer,
            ctfidf_model=ctfidf,
            top_n_words=TOP_TERMS + 5,
            nr_topics=max_topics,
            calculate_probabilities=False,
            verbose=False,
        )
        say(
            f"clustering ({reduction} + hdbscan, min_topic_size={mts}, seed={seed}; "
            "the longest step) ..."
        )
        t_cluster = time.perf_counter()
        with warnings.catch_warnings():
            # UMAP notes that a fixed random_state means one thread: that is the point.
            warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
            try:
                topics, _ = model.fit_transform(texts, embeddings=emb)
            except (ValueError, TypeError) as e:  # degenerate corpora (all texts alike, ...)
                raise TopicModelError(f"BERTopic could not cluster these {n} records: {e}") from e
        topics = [int(t) for t in topics]
        say(f"clustered in {time.perf_counter() - t_cluster:.0f} s")
        if all(t == NO_TOPIC for t in topics):
            raise TopicModelError(
                f"hdbscan found no topic in {n} records with min_topic_size={mts}: try a smaller --min-topic-size"
            )
        n_out = sum(t == NO_TOPIC for t in topics)
        if n_out:  # reduce_outliers raises when there are none
            reduced = model.reduce_outliers(
                texts, topics, strategy="embeddings", embeddings=emb, threshold=outlier_threshold
            )
            reduced = [NO_TOPIC if z else int(t) for t, z in zip(reduced, zero, strict=True)]
            say(f"outliers: {n_out} -> {sum(t == NO_TOPIC for t in reduced)} after reduction")
            if reduced != topics:
                with bertopic_api.quiet(
                    "BERTopic"
                ):  # it warns that custom assignments are, well, custom
                    model.update_topics(
                        texts,
                        topics=reduced,
                        vectorizer_model=vectorizer,
                        ctfidf_model=ctfidf,
                        top_n_words=TOP_TERMS + 5,
                    )
            topics = reduced
        arr = np.array(topics)
        ids = sorted(set(topics))
        # Topic embeddings = centroids of the final assignments (BERTopic's own convention).
        centroids = np.vstack([emb[arr == t].mean(axis=0) for t in ids])
        model.topic_embeddings_ = centroids.astype(np.float32)

        # BERTopic's representative documents (texts) as record ids: a table names no text
        first_id: dict[str, str] = {}
        for d in docs:
            first_id.setdefault(d.text, d.id)
        reps = bertopic_api.representative_docs(model)
        taken: set[str] = set()
        table = []
        dates_by_topic: dict[int, list[str]] = {t: [] for t in ids}
        for d, t in zip(docs, topics, strict=True):
            if d.date:
                dates_by_topic[t].append(str(d.date)[:10])
        for t in ids:
            ds = dates_by_topic[t]
            if t == NO_TOPIC:
                terms, label = [], "no_topic"
            else:
                terms = [w for w, _ in (model.get_topic(t) or [])][:TOP_TERMS]
                label = _label(terms, taken, t)
            table.append(
                {
                    "id": t,
                    "label": label,
                    "size": int((arr == t).sum()),
                    "terms": terms,
                    "first_seen": min(ds) if ds else None,
                    "last_seen": max(ds) if ds else None,
                    "examples": _example_ids(reps.get(t, []), first_id, arr, t, docs),
                }
            )
        model.set_topic_labels({t["id"]: t["label"] for t in table})

        real = arr != NO_TOPIC
        sims = emb[real] @ _unit(centroids[[i for i, t in enumerate(ids) if t != NO_TOPIC]]).T
        real_ids = [t for t in ids if t != NO_TOPIC]
        target = np.searchsorted(np.array(real_ids), arr[real])
        temperature = _fit_temperature(sims, target)

        params = {
            "seed": seed,
            "min_topic_size": mts,
            "reduction": reduction,
            "max_topics": max_topics,
            "outlier_threshold": outlier_threshold,
            "n_docs": n,
            "n_dated": sum(1 for d in docs if d.date),
            "embedding_dim": int(emb.shape[1]),
            "vocabulary": len(pipe.steps[0][1].vocabulary_),
        }
        self._set_fitted(
            ArrayEmbedder.from_pipeline(pipe),
            centroids,
            table,
            params,
            temperature,
            outlier_threshold,
        )
        self._bertopic = model
        self._source = None
        self.doc_ids = [d.id for d in docs]
        self.doc_topics = topics
        probs = np.zeros(n)
        if real.any():
            _, p = _softmax_max(sims, temperature)
            probs[real] = p
        self.doc_probabilities = [float(x) for x in probs]
        say(f"{sum(1 for t in ids if t != NO_TOPIC)} topics")
        return self

    # ------------------------------------------------------------------ using

    def topics(self) -> list[dict]:
        """The topic table: id, label, size, terms, first_seen, last_seen, examples (3 record ids;
        -1 = no topic, if any)."""
        self._check_fitted()
        return [dict(t, terms=list(t["terms"])) for t in self._table]

    def label(self, topic_id: int) -> str:
        """Label of a topic id (``no_topic`` for -1)."""
        return self._labels.get(
            int(topic_id), "no_topic" if topic_id == NO_TOPIC else f"topic_{topic_id}"
        )

    def embed(self, texts: Sequence[Any]) -> np.ndarray:
        """Embeddings of texts (strings, or dicts/Articles whose title and text are used)."""
        self._check_fitted()
        docs = [
            doc_text(None, t)
            if isinstance(t, str)
            else doc_text(_get(t, "title"), _get(t, "text") or "")
            for t in texts
        ]
        return np.asarray(self.embedder.transform(docs), dtype=np.float64)

    def assign(self, texts: Sequence[Any], batch_size: int = 2048) -> list[dict]:
        """Topic of each text: ``{"id": int, "label": str, "probability": float}``; id -1 = no topic.

        Nearest topic embedding by cosine similarity; -1 when the text has no known word or its
        best similarity is below the model's outlier threshold. Safe to call from several threads.
        """
        self._check_fitted()
        out: list[dict] = []
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            if not len(self._rows):
                out.extend({"id": NO_TOPIC, "label": "no_topic", "probability": 0.0} for _ in chunk)
                continue
            emb = self.embed(chunk)
            sims = emb @ self._unit.T
            best, prob = _softmax_max(sims, self.temperature)
            top_sim = sims[np.arange(len(chunk)), best]
            for k in range(len(chunk)):
                if top_sim[k] < self.min_similarity or not np.any(emb[k]):
                    out.append({"id": NO_TOPIC, "label": "no_topic", "probability": 0.0})
                else:
                    tid = int(self._real_ids[best[k]])
                    out.append(
                        {
                            "id": tid,
                            "label": self._labels[tid],
                            "probability": round(float(prob[k]), 4),
                        }
                    )
        return out

    @property
    def bertopic(self) -> Any:
        """The underlying BERTopic object (built from the saved files after ``load``)."""
        with self._lock:
            if self._bertopic is None and self._source is not None:
                self._bertopic = bertopic_api.load_bertopic(
                    self._source / BERTOPIC_DIR, self.embedder
                )
            return self._bertopic

    # ------------------------------------------------------------------ saving and loading

    def save(self, path: str | Path) -> Path:
        """Write the model directory atomically (:func:`classify.storage.write_dir_atomic`)
        with a sha256 manifest."""
        path = storage.write_dir_atomic(path, self._write)
        self._source = path
        return path

    def _write(self, d: Path) -> None:
        self._check_fitted()
        bt = d / BERTOPIC_DIR
        bt.mkdir()
        if self._bertopic is not None and hasattr(self._bertopic, "c_tf_idf_"):
            bertopic_api.save_bertopic(self._bertopic, bt, self.topic_embeddings)
        elif self._source is not None:
            for f in sorted((self._source / BERTOPIC_DIR).iterdir()):
                shutil.copy2(f, bt / f.name)
        else:
            raise TopicModelError("nothing to save: the model was neither fitted nor loaded")
        embedder = self.embedder
        if not isinstance(embedder, ArrayEmbedder):  # a model loaded from the legacy pickle
            embedder = ArrayEmbedder.from_pipeline(embedder)
        embedder.save(d)
        table = {
            "topics": self._table,
            "temperature": self.temperature,
            "min_similarity": self.min_similarity,
        }
        (d / TABLE).write_text(json.dumps(table, ensure_ascii=False, indent=1), "utf-8")
        (d / CARD).write_text(self._card(), "utf-8")
        files = sorted(p for p in d.rglob("*") if p.is_file())
        manifest = {
            "format": FORMAT,
            "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "params": self.params,
            "n_topics": sum(1 for t in self.topic_ids if t != NO_TOPIC),
            "versions": storage.package_versions(PACKAGES),
            "files": storage.file_hashes(d, [p.relative_to(d).as_posix() for p in files]),
        }
        (d / MANIFEST).write_text(json.dumps(manifest, indent=1), "utf-8")

    def _card(self) -> str:
        p = self.params
        rows = "\n".join(
            f"| {t['id']} | `{t['label']}` | {t['size']} | {', '.join(t['terms'][:6])} | {t['first_seen'] or ''} | {t['last_seen'] or ''} |"
            for t in self._table
        )
        return (
            "# Topic model\n\n"
            f"BERTopic fitted offline on {p.get('n_docs')} records ({p.get('n_dated')} dated) with a "
            "scikit-learn embedding (TF-IDF over the bilingual tokenizer, TruncatedSVD, L2 norm; "
            "saved as arrays, no pickle), "
            f"{p.get('reduction')} + hdbscan, min_topic_size={p.get('min_topic_size')}, seed={p.get('seed')}"
            + (f"; records from {p['source']}" if p.get("source") else "")
            + ".\n\n"
            "Load with `classify.topics.TopicModel.load(dir)`; files are checked against `manifest.json`.\n\n"
            "| id | label | size | top terms | first seen | last seen |\n|---|---|---|---|---|---|\n"
            f"{rows}\n"
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> TopicModel:
        """Load a saved model (default: ``models/topics``), checking every file against the manifest."""
        from classify.paths import default_topic_dir

        d = Path(path) if path is not None else default_topic_dir()
        if not d.is_dir():
            raise TopicModelError(
                f"no topic model at {d}: fit one with `classify topics fit -o {d}`"
            )
        try:
            manifest = json.loads((d / MANIFEST).read_text("utf-8"))
        except FileNotFoundError as e:
            raise TopicModelError(f"{d} is not a topic model: {MANIFEST} is missing") from e
        except (OSError, ValueError) as e:
            raise TopicModelError(f"unreadable {d / MANIFEST}: {e}") from e
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise TopicModelError(
                f"{d} is not a {FORMAT} topic model (format {manifest.get('format')!r})"
                if isinstance(manifest, dict)
                else f"unreadable {d / MANIFEST}"
            )
        files = manifest.get("files") or {}
        for required in (TABLE, f"{BERTOPIC_DIR}/{EMB_FILE}"):
            if required not in files:
                raise TopicModelError(f"{d}: manifest does not list {required}")
        if EMBEDDER_JSON not in files and LEGACY_EMBEDDER not in files:
            raise TopicModelError(f"{d}: manifest lists no embedder ({EMBEDDER_JSON})")
        storage.verify_files(d, files, TopicModelError, what="topic model")
        try:
            table = json.loads((d / TABLE).read_text("utf-8"))
            if EMBEDDER_JSON in files:
                embedder: Any = ArrayEmbedder.load(d)
            else:  # saved before the array embedder: a pickle (re-save the model to drop it)
                import joblib

                embedder = joblib.load(d / LEGACY_EMBEDDER)
            tensors = storage.read_safetensors(d / BERTOPIC_DIR / EMB_FILE)
            emb = tensors["topic_embeddings"]
        except Exception as e:  # noqa: BLE001 - any failure here means an unreadable model
            raise TopicModelError(f"{d}: cannot read the model files: {e}") from e
        if emb.shape[0] != len(table["topics"]):
            raise TopicModelError(
                f"{d}: {emb.shape[0]} topic embeddings for {len(table['topics'])} topics"
            )
        params = manifest.get("params", {})
        tm = cls(
            **{
                k: params[k]
                for k in ("seed", "min_topic_size", "reduction", "max_topics", "outlier_threshold")
                if k in params
            }
        )
        tm._set_fitted(
            embedder,
            emb,
            table["topics"],
            params,
            float(table["temperature"]),
            float(table["min_similarity"]),
        )
        tm._source = d
        return tm
