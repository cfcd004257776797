"""Batch tagging: stream records from inputs through a Predictor into a writer, in order.

Memory is bounded by ``batch_size`` × in-flight batches, whatever the input size. With
``jobs > 1`` batches are tagged in worker processes (each loads the bundle once) and written
back in input order.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from pathlib import Path

from classify import paths
from classify.io import Article, BadRecord, article_from_obj, open_writer, read_records

TAG_FIELDS = [
    "id",
    "sectors",
    "sector_scores",
    "tone",
    "tone_scores",
    "tone_index",
    "companies",
    "topic",
    "model",
    "error",
    "line",
    "warnings",
    "explain",
    "meta",
]


def default_records() -> Iterator[Article | BadRecord]:
    """The shipped default input: the seed corpus, segmented."""
    from classify.corpus import iter_seed_records

    for n, rec in enumerate(iter_seed_records(paths.seeds_dir()), 1):
        yield article_from_obj(rec, n, "seeds")


def _batches(records: Iterable, size: int) -> Iterator[list]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


_worker = None


def _init_worker(model_path: str | None, topics: bool) -> None:
    global _worker
    from classify.predictor import Predictor

    _worker = Predictor.load(model_path)
    if topics:
        _worker.attach_topics(None)


def _work(chunk: list, explain: bool, topics: bool) -> list[dict]:
    return [t.to_dict() for t in _worker._predict_batch(chunk, explain=explain, topics=topics)]


def tag_records(
    predictor,
    inputs: list[str],
    out: str | Path | None,
    fmt: str | None,
    *,
    explain: bool = False,  # noqa: ANN001
    topics: bool = False,
    jobs: int = 1,
    batch_size: int = 512,
    model_path: Path | None = None,
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
) -> dict:
    """Tag every record of ``inputs`` (or the seed corpus) and write Tags; returns counts."""
    records = read_records(inputs) if inputs else default_records()
    if inputs:
        for p in inputs:  # fail before writing anything when an input is missing
            if p != "-" and not Path(p).exists():
                raise FileNotFoundError(f"input not found: {p}")
    writer = open_writer(out, fmt, fields=TAG_FIELDS)
    n = errors = 0
    progress = _progress() if sys.stderr.isatty() else None
    try:
        if jobs <= 1:
            results: Iterable[list[dict]] = (
                [t.to_dict() for t in predictor._predict_batch(b, explain=explain, topics=topics)]
                for b in _batches(records, batch_size)
            )
        else:
            results = _parallel(records, batch_size, jobs, explain, topics, model_path)
        task = progress.add_task("tagging", total=None) if progress else None
        if progress:
            progress.start()
        for rows in results:
            if fmt == "parquet" or (
                fmt is None and out is not None and str(out).endswith(".parquet")
            ):
                rows = [{k: r.get(k) for k in TAG_FIELDS} for r in rows]
            writer.write_many(rows)
            n += len(rows)
            errors += sum(1 for r in rows if r.get("error"))
            if progress:
                progress.update(task, advance=len(rows))
    finally:
        if progress:
            progress.stop()
        writer.close()
    return {"records": n, "errors": errors}


def _parallel(
    records: Iterable,
    batch_size: int,
    jobs: int,
    explain: bool,
    topics: bool,
    model_path: Path | None,
) -> Iterator[list[dict]]:
    """Tag batches in ``jobs`` processes, at most 2×jobs in flight, yielding in input order."""
    with ProcessPoolExecutor(
        jobs, initializer=_init_worker, initargs=(str(model_path) if model_path else None, topics)
    ) as ex:
        pending: deque[Future] = deque()
        for chunk in _batches(records, batch_size):
            pending.append(ex.submit(_work, chunk, explain, topics))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _progress():  # noqa: ANN202
    from rich.console import Console
    from rich.progress import (
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),
    )
