"""``classify corpus``: the seed documents as item-level Article records (:mod:`classify.corpus`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classify import paths
from classify.cli.common import OutOpt, fail, log

__all__ = ["corpus"]


def corpus(
    seeds: Annotated[
        Path | None,
        typer.Argument(help="Directory of raw seed .txt files (default: the shipped seeds/)."),
    ] = None,
    out: OutOpt = None,
) -> None:
    """Segment the raw seed documents into item-level Article records (JSONL).

    Example: classify corpus seeds -o corpus.jsonl
    """
    from classify.corpus import iter_seed_records
    from classify.io import open_writer

    src = seeds or paths.seeds_dir()
    if not src.is_dir():
        raise fail(f"seeds directory not found: {src}")
    try:
        records = list(iter_seed_records(src))
    except ValueError as e:
        raise fail(str(e)) from e
    if not records:
        raise fail(f"no .txt seed documents in {src}")
    writer = open_writer(out, "jsonl")
    writer.write_many(records)
    writer.close()
    dated = sum(1 for r in records if r["date"])
    titled = sum(1 for r in records if r["title"])
    log(f"{len(records)} records ({dated} dated, {titled} titled) from {src}")
