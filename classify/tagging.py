"""Batch tagging: stream records from inputs through a Predictor into a writer, in order.

Memory is bounded by ``batch_size`` × in-flight batches, whatever the input size. With
``jobs > 1`` batches are tagged in worker processes (each loads the bundle once) and written
back in input order.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from classify import paths
from classify.io import (
    DEFAULT_COLUMNS,
    Article,
    BadRecord,
    Columns,
    JsonlWriter,
    article_from_obj,
    check_columns,
    detect_format,
    open_writer,
    read_jsonl_range,
    read_records,
    refuse_input_as_output,
)
from classify.partitions import Partition, plan_partitions

__all__ = [
    "TAG_FIELDS",
    "default_records",
    "write_rows",
    "tag_records",
    "RANGE_BYTES",
    "count_records",
]

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future

TAG_FIELDS = [
    "id",
    "title",
    "date",
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


def _init_worker(model_path: str | None, topics: bool | str) -> None:
    """Load the bundle in a worker, unless it came loaded (and warmed) with the fork."""
    global _worker
    if _worker is None:
        from classify.predictor import Predictor

        _worker = Predictor.load(model_path)
    if topics and _worker._topic_model is None:  # True = models/topics, a str = that directory
        _worker.attach_topics(topics if isinstance(topics, str) else None)


def _encode(predictor, chunk: list, as_lines: bool, explain: bool, topics: bool | str) -> list:  # noqa: ANN001
    """A batch's output rows: JSON lines for a JSONL writer, else dicts."""
    if as_lines:
        return predictor.encode_batch(chunk, explain=explain, topics=topics)
    return [t.to_dict() for t in predictor._predict_batch(chunk, explain=explain, topics=topics)]


def write_rows(writer, rows: list, as_lines: bool) -> int:  # noqa: ANN001 - an io writer
    """Write one batch of output rows (JSON lines or Tag dicts); returns its error count."""
    if as_lines:
        writer.write_lines(rows)
        return sum(1 for r in rows if _ERROR_MARK in r)
    writer.write_many(rows)
    return sum(1 for r in rows if r.get("error"))


def _work(chunk: list, as_lines: bool, explain: bool, topics: bool | str) -> list:
    return _encode(_worker, chunk, as_lines, explain, topics)


def _work_range(
    part: Partition,
    batch_size: int,
    as_lines: bool,
    explain: bool,
    topics: bool | str,
    columns: Columns = DEFAULT_COLUMNS,
) -> list:
    """Tag one byte range of a JSONL file, read by the worker itself (nothing is pickled in)."""
    out: list = []
    recs = read_jsonl_range(
        part.input, part.start, part.end, part.first_line, part.encoding, columns
    )
    for chunk in _batches(recs, batch_size):
        out.extend(_encode(_worker, chunk, as_lines, explain, topics))
    return out


def tag_records(
    predictor,  # noqa: ANN001 - a Predictor
    inputs: list[str],
    out: str | Path | None,
    fmt: str | None,
    *,
    explain: bool = False,
    topics: bool | str = False,
    jobs: int = 1,
    batch_size: int = 512,
    model_path: Path | None = None,
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
    columns: Columns = DEFAULT_COLUMNS,
    flat: bool = False,
    excel: bool = False,
) -> dict:
    """Tag every record of ``inputs`` (or the seed corpus) and write Tags; returns counts.

    ``columns`` names the input fields holding text, title, id and date (CLI ``--text-column``
    ...); a CSV or Parquet input without its text column raises ValueError before any output.
    """
    global _worker
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if inputs:
        for p in inputs:  # fail before writing anything when an input is missing
            if p != "-" and not Path(p).exists():
                raise FileNotFoundError(f"input not found: {p}")
    refuse_input_as_output(out, inputs)
    check_columns(inputs, columns)
    writer = open_writer(out, fmt, fields=TAG_FIELDS, flat=flat, excel=excel)
    as_lines = isinstance(writer, JsonlWriter)
    n = errors = 0
    progress = _progress() if sys.stderr.isatty() else None
    try:
        if jobs <= 1:
            records = read_records(inputs, columns=columns) if inputs else default_records()
            results: Iterable[list] = (
                _encode(predictor, b, as_lines, explain, topics)
                for b in _batches(records, batch_size)
            )
        else:
            # forked workers inherit the parent's loaded model with its segmenter started
            predictor.encode_batch([article_from_obj("预热 warm-up", 0)])
            _worker = predictor
            results = _parallel(
                inputs, batch_size, jobs, as_lines, explain, topics, model_path, columns
            )
        total = count_records(inputs) if progress and inputs else None
        task = progress.add_task("tagging", total=total) if progress else None
        if progress:
            progress.start()
        for rows in results:
            errors += write_rows(writer, rows, as_lines)  # Parquet keeps TAG_FIELDS only
            n += len(rows)
            if progress:
                progress.update(task, advance=len(rows))
    except BaseException:
        writer.discard()  # a failed or interrupted run leaves any previous output as it was
        raise
    else:
        writer.close()
    finally:
        if progress:
            progress.stop()
        if jobs > 1:
            _worker = None
    return {"records": n, "errors": errors}


#: Only an error Tag's line holds this: inside a JSON string every quote is escaped.
_ERROR_MARK = ', "sectors": null, "sector_scores": null,'


#: Byte-range size for ``-j N`` on a JSONL file: small enough to bound memory and balance load.
RANGE_BYTES = 1 << 20


def _parallel(
    inputs: list[str],
    batch_size: int,
    jobs: int,
    as_lines: bool,
    explain: bool,
    topics: bool | str,
    model_path: Path | None,
    columns: Columns = DEFAULT_COLUMNS,
) -> Iterator[list]:
    """Tag in ``jobs`` processes, at most 2×jobs units in flight, yielding in input order.

    An uncompressed JSONL file is cut into byte ranges that the workers read themselves and
    return encoded (the parent only writes); other inputs are read here and sent in batches.
    """
    from concurrent.futures import ProcessPoolExecutor  # ~0.1 s of imports: only for -j N

    with ProcessPoolExecutor(
        jobs, initializer=_init_worker, initargs=(str(model_path) if model_path else None, topics)
    ) as ex:
        pending: deque[Future] = deque()

        def submit() -> Iterator[Future]:
            for part in plan_partitions(inputs, RANGE_BYTES, jobs) if inputs else []:
                if part.start is not None:
                    yield ex.submit(
                        _work_range, part, batch_size, as_lines, explain, topics, columns
                    )
                else:
                    recs = read_records([part.input], columns=columns)
                    for chunk in _batches(recs, batch_size):
                        yield ex.submit(_work, chunk, as_lines, explain, topics)
            if not inputs:
                for chunk in _batches(default_records(), batch_size):
                    yield ex.submit(_work, chunk, as_lines, explain, topics)

        for fut in submit():
            pending.append(fut)
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _progress():  # noqa: ANN202
    """A Rich progress bar on stderr: bar, count of total, rate and time left when the total
    is known (:func:`count_records`), a spinner and count otherwise."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:  # noqa: ANN001
            return Text(
                f"{task.speed:,.0f} rec/s" if task.speed else "", style="progress.data.speed"
            )

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        transient=True,
        console=Console(stderr=True),
    )


def count_records(inputs: list[str]) -> int | None:
    """The number of records in ``inputs`` if cheap to know (None otherwise): non-blank lines
    of uncompressed JSONL (the CSV header and quoted newlines make CSV a guess: not counted),
    Parquet row counts from the footer. Reads JSONL at disk speed, once, before tagging."""
    total = 0
    for p in inputs:
        if p == "-" or not Path(p).is_file():
            return None
        try:
            kind = detect_format(p)
        except ValueError:
            return None
        if kind == "parquet":
            import pyarrow.parquet as pq

            total += pq.ParquetFile(p).metadata.num_rows
        elif kind == "jsonl" and not p.lower().endswith(".gz"):
            with open(p, "rb") as fh:
                for block in iter(lambda fh=fh: fh.read(1 << 22), b""):
                    total += block.count(b"\n")
                # a last line without its newline is a record too; blank lines are not (rare)
                fh.seek(max(0, fh.tell() - 1))
                if fh.read(1) not in (b"\n", b""):
                    total += 1
        else:
            return None
    return total
