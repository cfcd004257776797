"""``classify topics fit | show`` and ``classify drift`` (the library: :mod:`classify.topics`,
:mod:`classify.drift`).

Heavy imports (BERTopic, UMAP, hdbscan, plotly) happen inside the commands, so ``classify
--help`` and the other commands stay fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from classify.cli.common import (
    DEFAULT_SEED,
    EXIT_OK,
    EXIT_RECORD_ERRORS,
    JsonOpt,
    Period,
    PeriodOpt,
    Reduction,
    ReportJsonOpt,
    ReportOpt,
    SeedOpt,
    TitleOpt,
    TopicModelOpt,
    check_report_outputs,
    fail,
    handles_errors,
    log,
    write_json,
    write_report_json,
)

__all__ = ["app", "drift"]

app = typer.Typer(help="Fit and inspect the BERTopic theme model (offline).", no_args_is_help=True)


def _read_inputs(inputs: list[str] | None) -> tuple[list[Any], list[Any], str]:
    """(articles, bad records, source description); no inputs = the shipped seed corpus."""
    from classify import paths
    from classify.io import BadRecord, read_records, stdin_is_data

    if not inputs and stdin_is_data():  # `cat feed.jsonl | classify drift`
        inputs = ["-"]
    if not inputs:
        from classify.corpus import iter_seed_records

        src = paths.seeds_dir()
        try:
            recs = list(iter_seed_records(src))
        except (OSError, ValueError) as e:
            raise fail(str(e)) from e
        if not recs:
            raise fail(f"no seed documents in {src}")
        return recs, [], f"seed corpus ({src})"
    good: list[Any] = []
    bad: list[Any] = []
    try:
        for rec in read_records(inputs):
            (bad if isinstance(rec, BadRecord) else good).append(rec)
    except (OSError, ValueError) as e:
        raise fail(str(e)) from e
    for b in bad[:5]:
        log(f"skipped {b.source or 'input'} line {b.line}: {b.error}")
    if len(bad) > 5:
        log(f"... and {len(bad) - 5} more unreadable records")
    return good, bad, ", ".join(Path(i).name if i != "-" else "stdin" for i in inputs)


def _load_model(path: Path | None) -> Any:
    from classify.topics import TopicModel

    return TopicModel.load(path)  # a TopicModelError is the error handler's


def _fit(
    records: list[Any],
    seed: int,
    min_topic_size: int | None,
    reduction: str = "umap",
    max_topics: int | None = None,
) -> Any:
    from classify.topics import TopicModel

    return TopicModel(
        seed=seed, min_topic_size=min_topic_size, reduction=reduction, max_topics=max_topics
    ).fit(records, log=log)


def _topics_table(topics: list[dict], n_terms: int, title: str) -> Any:
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for name, kw in (
        ("id", {"justify": "right"}),
        ("label", {}),
        ("size", {"justify": "right"}),
        ("top terms", {"overflow": "fold"}),
        ("first seen", {}),
        ("last seen", {}),
    ):
        table.add_column(name, **kw)
    for t in topics:
        table.add_row(
            str(t["id"]),
            t["label"],
            str(t["size"]),
            ", ".join(t["terms"][:n_terms]),
            t.get("first_seen") or "–",
            t.get("last_seen") or "–",
        )
    return table


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, width=None if stream.isatty() else 160)


def fit(
    corpus: Annotated[
        list[str] | None,
        typer.Argument(
            help="Corpus files (JSONL, CSV, Parquet, .txt or '-' for stdin). Default: the shipped seed corpus."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            help="Model directory to write (default: models/topics; with no corpus, the seed-corpus model models/topics_seeds).",
        ),
    ] = None,
    seed: SeedOpt = DEFAULT_SEED,
    min_topic_size: Annotated[
        int | None,
        typer.Option(
            "--min-topic-size",
            help="Smallest topic (default: min(2% of records, records**0.6 / 4), within 3..300).",
        ),
    ] = None,
    reduction: Annotated[
        Reduction, typer.Option(help="umap, or pca (faster, coarser).")
    ] = Reduction.umap,
    max_topics: Annotated[
        int | None, typer.Option("--max-topics", help="Merge similar topics down to this many.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace an existing topic model at the destination."),
    ] = False,
) -> None:
    """Fit BERTopic on a corpus offline and save the topic model.

    Example: classify topics fit ../shared/corpora/toutiao_hot_chinatech.jsonl -o models/toutiao_topics --seed 7
    """
    from classify import paths

    dest = out or (paths.default_topic_dir() if corpus else paths.seed_topic_dir())
    if (dest / "manifest.json").is_file() and not force:  # checked before minutes of fitting
        raise fail(f"{dest} already holds a topic model: give -o DIR, or --force to replace it")
    records, bad, src = _read_inputs(corpus)
    model = _fit(records, seed, min_topic_size, reduction.value, max_topics)
    model.params["source"] = src  # file names only: the card says what it was fitted on
    try:
        model.save(dest)
    except OSError as e:
        raise fail(f"cannot write {dest}: {e}") from e
    n = sum(1 for t in model.topics() if t["id"] != -1)
    log(f"{n} topics from {len(records)} records of {src}; saved to {dest}")
    _console(stderr=True).print(_topics_table(model.topics(), 6, f"topics in {dest}"))
    raise typer.Exit(EXIT_RECORD_ERRORS if bad else EXIT_OK)


def show(
    topic_model: TopicModelOpt = None,
    as_json: JsonOpt = None,
    terms: Annotated[int, typer.Option(help="Top terms to show per topic.")] = 8,
) -> None:
    """List the topics of a model: id, label, size, top terms, first and last date seen.

    Example: classify topics show --topic-model models/topics_seeds --terms 5
    Example: classify topics show --json topics.json
    """
    tm = _load_model(topic_model)
    topics = tm.topics()
    if as_json is not None:
        write_json(topics, as_json, "topics")
        return
    p = tm.params
    title = (
        f"{sum(1 for t in topics if t['id'] != -1)} topics · {p.get('n_docs', '?')} records · "
        f"seed {p.get('seed', '?')} · min_topic_size {p.get('min_topic_size', '?')}"
    )
    _console().print(_topics_table(topics, terms, title))


def drift(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Article files (JSONL, CSV, Parquet, .txt or '-'). Default: JSONL piped on stdin, else the seed corpus with the shipped seed-corpus topic model."
        ),
    ] = None,
    period: PeriodOpt = Period.month,
    out: ReportOpt = None,
    json_out: ReportJsonOpt = None,
    topic_model: Annotated[
        Path | None,
        typer.Option(
            "--topic-model",
            help="Assign topics with this saved topic model instead of fitting one on the inputs.",
        ),
    ] = None,
    save_model: Annotated[
        Path | None,
        typer.Option("--save-model", help="Save the topic model fitted on the inputs here."),
    ] = None,
    seed: SeedOpt = DEFAULT_SEED,
    min_topic_size: Annotated[
        int | None, typer.Option("--min-topic-size", help="Smallest topic when fitting.")
    ] = None,
    baseline: Annotated[
        int, typer.Option(min=1, help="Trailing periods pooled as the baseline.")
    ] = 3,
    min_count: Annotated[
        int,
        typer.Option("--min-count", min=1, help="Records a topic needs in a period to be flagged."),
    ] = 3,
    threshold: Annotated[
        float, typer.Option(help="Emerging when log2(share / baseline share) >= this.")
    ] = 1.0,
    prior: Annotated[
        float,
        typer.Option(
            help="Pseudo-records of a topic shrinking its shares towards its overall share."
        ),
    ] = 2.0,
    min_z: Annotated[
        float, typer.Option("--min-z", help="Two-proportion z a rise or fall must reach.")
    ] = 3.0,
    title: TitleOpt = None,
) -> None:
    """Topic shares per period, emerging / fading / new topics and terms, a timeline, HTML report.

    Example: classify drift ../shared/corpora/36kr_hotlist.jsonl --period month --json d.json -o d.html
    Example: classify drift news.jsonl --topic-model models/topics --period quarter -o report.html
    """
    from classify import paths
    from classify.drift import run_drift, summary_lines

    if prior <= 0:
        raise fail("--prior must be positive")
    check_report_outputs(json_out, out, inputs or [])
    records, bad, src = _read_inputs(inputs)
    tm = None
    if topic_model is not None:
        tm = _load_model(topic_model)
    elif not inputs and paths.seed_topic_dir().is_dir():
        tm = _load_model(paths.seed_topic_dir())
        log(f"using the shipped seed-corpus topic model in {paths.seed_topic_dir()}")
    if tm is None and not records:
        raise fail("no readable records to fit topics on")
    try:
        result, tm = run_drift(
            records,
            model=tm,
            period=period.value,
            seed=seed,
            min_topic_size=min_topic_size,
            skipped=len(bad),
            log=log,
            baseline=baseline,
            min_count=min_count,
            threshold=threshold,
            prior=prior,
            min_z=min_z,
        )
    except ValueError as e:
        raise fail(str(e)) from e
    if save_model is not None:
        tm.save(save_model)
        log(f"topic model saved to {save_model}")
    for line in summary_lines(result):
        log(line)
    for w in result.get("warnings", []):
        log(f"warning: {w}")
    no_dates = result.get("records", {}).get("dated", 0) == 0
    if no_dates:
        log(
            "warning: no record has a usable date, so there is nothing to track over time "
            "(give a 'date' column or field: ISO 8601 text, or a date/datetime type)"
        )
    write_report_json(result, json_out, out, "drift JSON")
    if out is not None:
        from classify.report import write_report

        write_report(result, out, title=title or "Topic drift", source=src)
        log(f"report written to {out}")
    raise typer.Exit(EXIT_RECORD_ERRORS if bad or no_dates else EXIT_OK)


app.command("fit")(handles_errors(fit))
app.command("show")(handles_errors(show))
