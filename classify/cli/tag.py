"""``classify tag``: batch tagging (parse options, call :func:`classify.tagging.tag_records`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classify.cli.common import (
    EXIT_RECORD_ERRORS,
    DateColumnOpt,
    Engine,
    Format,
    IdColumnOpt,
    ModelOpt,
    TextColumnOpt,
    TitleColumnOpt,
    TopicModelOpt,
    columns_of,
    fail,
    log,
)

__all__ = ["tag"]


def tag(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Input files (.jsonl[.gz], .csv, .parquet, .txt, a directory) or '-' for JSONL on stdin. Default: JSONL piped on stdin, else (on a terminal) the seed corpus."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Output file (default: JSONL on stdout).")
    ] = None,
    fmt: Annotated[
        Format | None, typer.Option("--format", help="Output format (default: from -o's name).")
    ] = None,
    topics: Annotated[
        bool,
        typer.Option(
            "--topics", help="Add the topic of each article (topic model in models/topics)."
        ),
    ] = False,
    topic_model: TopicModelOpt = None,
    model: ModelOpt = None,
    engine: Annotated[Engine, typer.Option(help="Where to run.")] = Engine.local,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Add the top weighted terms behind each sector and the tone."
        ),
    ] = False,
    jobs: Annotated[int, typer.Option("-j", "--jobs", min=1, help="Worker processes.")] = 1,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Records per batch (memory is bounded by this).")
    ] = 512,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="--engine dask: scheduler address (tcp://host:8786); default: a local cluster."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="--engine dask without --scheduler: local workers.")
    ] = 2,
    text_column: TextColumnOpt = "text",
    title_column: TitleColumnOpt = "title",
    id_column: IdColumnOpt = "id",
    date_column: DateColumnOpt = "date",
    flat: Annotated[
        bool,
        typer.Option(
            "--flat",
            help="CSV/Parquet: one column per label score (score_ai, tone_score_easing, ...).",
        ),
    ] = False,
    excel: Annotated[
        bool,
        typer.Option("--excel", help="CSV with a UTF-8 byte-order mark, for spreadsheet programs."),
    ] = False,
) -> None:
    """Tag articles in batch: one Tag per input record, in order; bad records get an error field.

    --topic-model DIR implies --topics.

    Example: classify tag articles.jsonl -o tags.parquet
    Example: classify tag export.csv --text-column body --title-column headline -o tags.csv
    Example: classify tag articles.jsonl -o tags.csv --flat --excel
    Example: cat articles.jsonl | classify tag - --explain
    Example: classify tag headlines.jsonl --topic-model models/topics_seeds -o tagged.jsonl
    Example: classify tag big.jsonl -o tags.parquet --engine dask --scheduler tcp://10.0.0.5:8786
    """
    from classify.io import stdin_is_data
    from classify.predictor import BundleError, Predictor
    from classify.tagging import tag_records

    if not inputs and stdin_is_data():  # `cat mine.jsonl | classify tag`: the pipe, not the seeds
        inputs = ["-"]
    columns = columns_of(text_column, title_column, id_column, date_column)
    fmt_name = fmt.value if fmt is not None else None
    if fmt_name is not None and out is not None and str(out) != "-":
        from classify.io import detect_format

        try:
            named = detect_format(out)
        except ValueError:
            named = None  # a name without a known suffix: --format decides
        if named is not None and named != fmt_name and named != "txt":
            raise fail(f"--format {fmt_name} contradicts the output name {out} ({named})")
    if scheduler is not None and engine is not Engine.dask:
        raise fail("--scheduler is for --engine dask")
    if (fmt_name == "parquet" or (out and str(out).endswith(".parquet"))) and (
        out is None or str(out) == "-"
    ):
        raise fail("Parquet output needs -o FILE.parquet")
    predictor = Predictor.load(model)
    topics_arg: bool | str = topics
    if topic_model is not None:
        topics_arg = str(topic_model)  # workers load the same directory
    if topics_arg:
        try:
            predictor.attach_topics(topic_model)
        except Exception as e:  # noqa: BLE001 - any failure to load the topic model is a usage error
            raise fail(f"cannot load the topic model: {e}") from e
    try:
        # what both engines take the same way
        common = dict(
            explain=explain,
            topics=topics_arg,
            batch_size=batch_size,
            log=log,
            columns=columns,
            flat=flat,
            excel=excel,
        )
        if engine is Engine.dask:
            from classify.engine_dask import tag_dask

            if not inputs or "-" in inputs:
                raise fail("--engine dask needs input files (not stdin or the default seeds)")
            stats = tag_dask(
                str(predictor.path),
                inputs,
                out,
                fmt_name,
                scheduler=scheduler,
                n_workers=workers,
                **common,
            )
        else:
            stats = tag_records(
                predictor,
                inputs or [],
                out,
                fmt_name,
                jobs=jobs,
                model_path=predictor.path,
                **common,
            )
    except ImportError as e:
        raise fail(f"--engine dask needs dask: pip install 'classify[dask]' ({e})") from e
    except (ValueError, BundleError) as e:
        raise fail(str(e)) from e
    if stats["records"] == 0:
        log("warning: the input holds no records (empty file or directory?); wrote an empty output")
    log(f"{stats['records']} records tagged, {stats['errors']} with errors")
    if stats["errors"]:
        raise typer.Exit(EXIT_RECORD_ERRORS)
