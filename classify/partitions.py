"""Cutting inputs into partitions: whole files, or byte ranges of a big JSONL file.

Used by every engine that tags in parallel (``tag -j N`` and ``--engine dask``): a range
starts at a line start and knows the global number of its first line, so a worker reads its
own records (:func:`classify.io.read_jsonl_range`) and error records carry the same ``line``
as a serial run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from classify.io import detect_format, jsonl_encoding

__all__ = [
    "RANGES_PER_WORKER",
    "MIN_RANGE_BYTES",
    "Partition",
    "split_jsonl",
    "plan_partitions",
]

#: A big JSONL file is cut into at least this many byte ranges per worker (load balance) ...
RANGES_PER_WORKER = 4
#: ... but not into ranges smaller than this (unless ``partition_bytes`` is smaller).
MIN_RANGE_BYTES = 1 << 20


@dataclass(frozen=True)
class Partition:
    """One unit of work: a whole input, or the byte range [start, end) of a JSONL file."""

    index: int
    input: str  # a path; "" for the shipped seed corpus
    start: int | None = None
    end: int | None = None
    first_line: int = 1
    encoding: str | None = None


def split_jsonl(path: str | Path, partition_bytes: int) -> list[tuple[int, int, int]]:
    """Byte ranges ``(start, end, first_line)`` of at most about ``partition_bytes`` each.

    Every range starts at a line start and ends just after a newline (or at EOF), so a line
    is never cut; ``first_line`` counts every line before it, blank ones included, exactly as
    the line numbers of :func:`classify.io.read_jsonl`.
    """
    if partition_bytes < 1:
        raise ValueError("partition_bytes must be at least 1")
    size = os.path.getsize(path)
    ranges: list[tuple[int, int, int]] = []
    start, line = 0, 1
    with open(path, "rb") as fh:
        while start < size:
            end = start + partition_bytes
            if end >= size:
                end = size
            else:
                fh.seek(end - 1)
                fh.readline()  # up to and including the newline ending the line at end - 1
                end = fh.tell()
            fh.seek(start)
            newlines, todo = 0, end - start
            while todo:
                chunk = fh.read(min(todo, 1 << 22))
                newlines += chunk.count(b"\n")
                todo -= len(chunk)
            ranges.append((start, end, line))
            line += newlines
            start = end
    return ranges


def _splittable(path: str) -> str | None:
    """The encoding of a JSONL file that can be read by byte ranges, else None."""
    if path == "-" or path.lower().endswith(".gz") or detect_format(path) != "jsonl":
        return None
    enc = jsonl_encoding(path)
    return None if enc.startswith("utf-16") else enc


def plan_partitions(inputs: list[str], partition_bytes: int, n_workers: int) -> list[Partition]:
    """Partitions in input order: one per file, several byte ranges for a big JSONL file.

    A range holds at most ``partition_bytes``; a JSONL file over 1 MiB is also cut into at
    least :data:`RANGES_PER_WORKER` ranges per worker (of at least 1 MiB), so every worker
    has work and a slow range does not hold up the end.
    """
    if not inputs:
        return [Partition(0, "")]
    parts: list[Partition] = []
    for path in inputs:
        enc = _splittable(path)
        size = os.path.getsize(path) if enc else 0
        per_range = max(
            min(partition_bytes, -(-size // (RANGES_PER_WORKER * max(1, n_workers)))),
            min(partition_bytes, MIN_RANGE_BYTES),
        )
        if enc is None or size <= per_range:
            parts.append(Partition(len(parts), path))
            continue
        for start, end, first in split_jsonl(path, per_range):
            parts.append(Partition(len(parts), path, start, end, first, enc))
    return parts
