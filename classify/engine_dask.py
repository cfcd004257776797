"""Scale-out tagging on a Dask cluster (``classify tag --engine dask``).

The inputs are cut into partitions: every input file is one, and a big uncompressed JSONL file
is split by byte ranges aligned to line starts (each range knows the global number of its
first line, so error records carry the same ``line`` as with the local engine). Each worker
loads the model bundle once (cached per worker process, keyed by bundle path and model id),
tags its partitions in batches and writes one part file per partition (JSONL, or Parquet
when the output is Parquet). The driver merges the parts in partition order into the output
with the local engine's writer, so the merged records are exactly those of
:func:`classify.tagging.tag_records`, in the same order (JSONL output: the same bytes).

Dask is imported only inside functions: ``import classify`` stays light.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

from classify import paths
from classify.io import (
    DEFAULT_COLUMNS,
    Columns,
    check_columns,
    detect_format,
    open_writer,
    read_jsonl_range,
    read_records,
    refuse_input_as_output,
)
from classify.partitions import Partition, plan_partitions
from classify.tagging import TAG_FIELDS

__all__ = [
    "peak_rss_mb",
    "tag_partition",
    "tag_dask",
]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


# --------------------------------------------------------------------------- workers


def peak_rss_mb() -> float:
    """This process's peak RSS in MB (VmHWM: unlike ``getrusage``, not inherited over exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


_PREDICTORS: dict[tuple[str, bool], object] = {}
_LOCK = threading.Lock()


def _predictor(model_path: str, model_id: str, topics: bool | str):  # noqa: ANN202 - a Predictor
    """The bundle, loaded once per worker process (reloaded if the bundle at the path changed)."""
    from classify.predictor import Predictor

    with _LOCK:
        p = _PREDICTORS.get((model_path, topics))
        if p is None or p.model_id != model_id:
            p = Predictor.load(model_path)
            if p.model_id != model_id:
                raise RuntimeError(
                    f"worker {os.getpid()} sees model {p.model_id} at {model_path}, the driver "
                    f"{model_id}: give every worker the same bundle"
                )
            if topics:  # True = models/topics, a str = that directory
                p.attach_topics(topics if isinstance(topics, str) else None)
            _PREDICTORS[(model_path, topics)] = p
        return p


def _records(part: Partition, columns: Columns = DEFAULT_COLUMNS) -> Iterator:
    if not part.input:
        from classify.tagging import default_records

        return default_records()
    if part.start is not None:
        return read_jsonl_range(
            part.input, part.start, part.end, part.first_line, part.encoding, columns
        )
    return read_records([part.input], columns=columns)


def tag_partition(
    part: Partition,
    model_path: str,
    model_id: str,
    part_path: str,
    part_fmt: str,
    explain: bool,
    topics: bool | str,
    batch_size: int,
    columns: Columns = DEFAULT_COLUMNS,
) -> dict:
    """Tag one partition on a worker into ``part_path`` (written aside, then renamed)."""
    from classify.io import JsonlWriter
    from classify.tagging import _batches, _encode, write_rows

    predictor = _predictor(model_path, model_id, topics)
    writer = open_writer(part_path, part_fmt, fields=TAG_FIELDS)  # renamed into place on close
    as_lines = isinstance(writer, JsonlWriter)
    n = errors = 0
    try:
        for chunk in _batches(_records(part, columns), batch_size):
            rows = _encode(predictor, chunk, as_lines, explain, topics)
            errors += write_rows(writer, rows, as_lines)
            n += len(rows)
    except BaseException:
        writer.discard()
        raise
    writer.close()
    return {
        **asdict(part),
        "records": n,
        "errors": errors,
        "path": part_path if n else None,  # an empty part has nothing to merge
        "worker_pid": os.getpid(),
        "worker_peak_rss_mb": peak_rss_mb(),
    }


# --------------------------------------------------------------------------- driver


def _resolve_model(predictor_path: str | None) -> tuple[str, str]:
    """(absolute bundle dir, model id), verified on the driver before any worker starts."""
    from classify.bundle import bundle_id, verify
    from classify.registry import resolve

    d = resolve(Path(predictor_path) if predictor_path else paths.default_model_dir())
    return str(d.resolve()), bundle_id(verify(d))


def _merge(writer, part: dict, part_fmt: str) -> None:  # noqa: ANN001 - an io writer
    """Append one part to the output, through the output's own writer."""
    from classify.io import JsonlWriter

    path = part["path"]
    if path is None:
        return
    if part_fmt == "jsonl" and isinstance(writer, JsonlWriter):
        # the part was written by the same JsonlWriter code: its bytes are the output's
        with open(path, encoding="utf-8", newline="") as fh:
            shutil.copyfileobj(fh, writer.fh, 1 << 20)
    elif part_fmt == "jsonl":
        with open(path, encoding="utf-8") as fh:
            rows: list[dict] = []
            for line in fh:
                rows.append(json.loads(line))
                if len(rows) >= 4096:
                    writer.write_many(rows)
                    rows = []
            writer.write_many(rows)
    else:
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
            writer.write_many(batch.to_pylist())


def _client(scheduler: str | None, n_workers: int):  # noqa: ANN202 - (client, cluster or None)
    import logging

    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: never collide with a running dashboard
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def tag_dask(
    predictor_path: str | None,
    inputs: list[str],
    out: str | Path | None,
    fmt: str | None,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    explain: bool = False,
    topics: bool | str = False,
    batch_size: int = 512,
    parts_dir: str | Path | None = None,
    partition_bytes: int = 64 * 2**20,
    log: Callable[[str], None] = _stderr,
    columns: Columns = DEFAULT_COLUMNS,
    flat: bool = False,
    excel: bool = False,
) -> dict:
    """Tag ``inputs`` (or the seed corpus) on a Dask cluster; write the merged Tags to ``out``.

    ``scheduler`` is the address of a running scheduler (``tcp://host:8786``); None starts a
    LocalCluster of ``n_workers`` single-threaded worker processes. Workers must see the
    inputs, the bundle and ``parts_dir`` at the same paths. Parts are kept when
    ``parts_dir`` is given, else written to a temp dir beside ``out`` and removed after the
    merge. Returns ``{"records", "errors", "parts"}`` (one dict per partition).
    """
    for p in inputs:
        if str(p) != "-" and not Path(p).exists():
            raise FileNotFoundError(f"input not found: {p}")
    refuse_input_as_output(out, inputs)
    check_columns(inputs, columns)
    # absolute paths: a worker's working directory is not the driver's
    inputs = [str(p) if str(p) == "-" else str(Path(p).resolve()) for p in inputs]
    model_path, model_id = _resolve_model(predictor_path)
    out_fmt = fmt or ("jsonl" if out is None or str(out) == "-" else detect_format(out))
    part_fmt = "parquet" if out_fmt == "parquet" else "jsonl"
    keep = parts_dir is not None
    if keep:
        pdir = Path(parts_dir).resolve()
        pdir.mkdir(parents=True, exist_ok=True)
    elif out is not None and str(out) != "-":
        o = Path(out).resolve()
        pdir = Path(tempfile.mkdtemp(prefix=f".{o.name}.parts-", dir=o.parent))
    else:
        pdir = Path(tempfile.mkdtemp(prefix="classify-parts-"))
    writer = None
    client = cluster = None
    try:
        if "-" in inputs:  # workers cannot read the driver's stdin: spool it to the parts dir
            spool = pdir / "stdin.jsonl"
            with open(spool, "wb") as fh:
                shutil.copyfileobj(sys.stdin.buffer, fh, 1 << 20)
            inputs = [str(spool) if p == "-" else p for p in inputs]
        writer = open_writer(out, fmt, fields=TAG_FIELDS, flat=flat, excel=excel)
        client, cluster = _client(scheduler, n_workers)
        workers = len(client.scheduler_info().get("workers", {})) or n_workers
        parts = plan_partitions(inputs, partition_bytes, workers)
        log(f"dask: {len(parts)} partition(s) on {workers} worker(s) at {client.scheduler.address}")
        ext = "parquet" if part_fmt == "parquet" else "jsonl"
        futures = [
            client.submit(
                tag_partition,
                part,
                model_path,
                model_id,
                str(pdir / f"part-{part.index:05d}.{ext}"),
                part_fmt,
                explain,
                topics,
                batch_size,
                columns,
                pure=False,
            )
            for part in parts
        ]
        done, n, errors = [], 0, 0
        for fut in futures:  # in partition order: the merge streams while workers go on
            res = fut.result()
            _merge(writer, res, part_fmt)
            if not keep and res["path"]:
                os.remove(res["path"])
                res["path"] = None
            n += res["records"]
            errors += res["errors"]
            done.append(res)
        writer.close()  # the output appears, complete, only now
        writer = None
        return {"records": n, "errors": errors, "parts": done}
    finally:
        if writer is not None:  # failed or interrupted: any previous output stays as it was
            writer.discard()
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        if not keep:
            shutil.rmtree(pdir, ignore_errors=True)
