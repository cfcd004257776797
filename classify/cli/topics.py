"""CLI commands for emergent themes: ``topics fit``, ``topics show`` and ``drift``.

Heavy imports (BERTopic, UMAP, hdbscan, plotly) happen inside the commands, so ``classify
--help`` and the other commands stay fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

PERIOD_HELP = "Period of the time axis: month, quarter or year."


def _read_inputs(inputs: list[str] | None) -> tuple[list[Any], list[Any], str]:
    """(articles, bad records, source description); no inputs = the shipped seed corpus."""
    from classify import paths
    from classify.cli import fail, log
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
    from classify.cli import fail
    from classify.topics import TopicModel, TopicModelError

    try:
        return TopicModel.load(path)
    except TopicModelError as e:
        raise fail(str(e)) from e


def _fit(
    records: list[Any],
    seed: int,
    min_topic_size: int | None,
    reduction: str = "umap",
    max_topics: int | None = None,
) -> Any:
    from classify.cli import fail, log
    from classify.topics import TopicModel, TopicModelError

    try:
        return TopicModel.fit(
            records,
            seed=seed,
            min_topic_size=min_topic_size,
            reduction=reduction,
            max_topics=max_topics,
            log=log,
        )
    except TopicModelError as e:
        raise fail(str(e)) from e


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


def register(app: typer.Typer, topics_app: typer.Typer) -> None:
    """Add ``topics fit``, ``topics show`` (on ``topics_app``) and ``drift`` (on ``app``)."""

    @topics_app.command("fit")
    def topics_fit(
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
        seed: Annotated[
            int, typer.Option(help="Random seed: the same seed and corpus give the same topics.")
        ] = 42,
        min_topic_size: Annotated[
            int | None,
            typer.Option(
                "--min-topic-size",
                help="Smallest topic (default: min(2% of records, records**0.6 / 4), within 3..300).",
            ),
        ] = None,
        reduction: Annotated[
            str, typer.Option(help="umap (default) or pca (faster, coarser).")
        ] = "umap",
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
        from classify.cli import EXIT_OK, EXIT_RECORD_ERRORS, fail, log

        if reduction not in ("umap", "pca"):
            raise fail(f"--reduction must be umap or pca, not {reduction!r}")
        dest = out or (paths.default_topic_dir() if corpus else paths.seed_topic_dir())
        if (dest / "manifest.json").is_file() and not force:  # checked before minutes of fitting
            raise fail(f"{dest} already holds a topic model: give -o DIR, or --force to replace it")
        records, bad, src = _read_inputs(corpus)
        model = _fit(records, seed, min_topic_size, reduction, max_topics)
        model.params["source"] = src  # file names only: the card says what it was fitted on
        try:
            model.save(dest)
        except OSError as e:
            raise fail(f"cannot write {dest}: {e}") from e
        n = sum(1 for t in model.topics() if t["id"] != -1)
        log(f"{n} topics from {len(records)} records of {src}; saved to {dest}")
        _console(stderr=True).print(_topics_table(model.topics(), 6, f"topics in {dest}"))
        raise typer.Exit(EXIT_RECORD_ERRORS if bad else EXIT_OK)

    @topics_app.command("show")
    def topics_show(
        model: Annotated[
            Path | None,
            typer.Option("--model", help="Topic model directory (default: models/topics)."),
        ] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the topics as JSON instead of a table.")
        ] = False,
        terms: Annotated[int, typer.Option(help="Top terms to show per topic.")] = 8,
    ) -> None:
        """List the topics of a model: id, label, size, top terms, first and last date seen.

        Example: classify topics show --model models/topics --terms 5
        """
        tm = _load_model(model)
        topics = tm.topics()
        if as_json:
            sys.stdout.write(json.dumps(topics, ensure_ascii=False, indent=1) + "\n")
            return
        p = tm.params
        title = (
            f"{sum(1 for t in topics if t['id'] != -1)} topics · {p.get('n_docs', '?')} records · "
            f"seed {p.get('seed', '?')} · min_topic_size {p.get('min_topic_size', '?')}"
        )
        _console().print(_topics_table(topics, terms, title))

    @app.command()
    def drift(
        inputs: Annotated[
            list[str] | None,
            typer.Argument(
                help="Article files (JSONL, CSV, Parquet, .txt or '-'). Default: JSONL piped on stdin, else the seed corpus with the shipped topic model."
            ),
        ] = None,
        period: Annotated[str, typer.Option(help=PERIOD_HELP)] = "month",
        out: Annotated[
            Path | None,
            typer.Option(
                "-o", "--out", help="Write the HTML report (plotly, self-contained) here."
            ),
        ] = None,
        json_out: Annotated[
            str | None,
            typer.Option(
                "--json",
                help="Write the drift JSON here ('-' = stdout). Default: stdout when no -o is given.",
            ),
        ] = None,
        model: Annotated[
            Path | None,
            typer.Option(
                "--model",
                help="Assign topics with this saved model instead of fitting one on the inputs.",
            ),
        ] = None,
        save_model: Annotated[
            Path | None,
            typer.Option("--save-model", help="Save the model fitted on the inputs here."),
        ] = None,
        seed: Annotated[int, typer.Option(help="Random seed for fitting.")] = 42,
        min_topic_size: Annotated[
            int | None, typer.Option("--min-topic-size", help="Smallest topic when fitting.")
        ] = None,
        baseline: Annotated[int, typer.Option(help="Trailing periods pooled as the baseline.")] = 3,
        min_count: Annotated[
            int,
            typer.Option("--min-count", help="Records a topic needs in a period to be flagged."),
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
        title: Annotated[str | None, typer.Option(help="Report title.")] = None,
    ) -> None:
        """Topic shares per period, emerging / fading / new topics, drift score, HTML report.

        Example: classify drift ../shared/corpora/36kr_hotlist.jsonl --period month --json d.json -o d.html
        """
        from classify import paths
        from classify.cli import EXIT_OK, EXIT_RECORD_ERRORS, fail, log
        from classify.drift import PERIODS, run_drift, summary_lines

        if period not in PERIODS:
            raise fail(f"--period must be one of {', '.join(PERIODS)}, not {period!r}")
        if baseline < 1 or min_count < 1 or prior <= 0:
            raise fail("--baseline and --min-count must be at least 1, --prior positive")
        from classify.io import same_file

        for target in (json_out, out):
            if target is not None and same_file(target, inputs or []):
                raise fail(f"the output {target} is one of the inputs: write it elsewhere")
        if json_out is not None and out is not None and same_file(json_out, [out]):
            raise fail("--json and -o name the same file")
        records, bad, src = _read_inputs(inputs)
        tm = None
        if model is not None:
            tm = _load_model(model)
        elif not inputs and paths.seed_topic_dir().is_dir():
            tm = _load_model(paths.seed_topic_dir())
            log(f"using the shipped seed-corpus topic model in {paths.seed_topic_dir()}")
        if tm is None and not records:
            raise fail("no readable records to fit topics on")
        try:
            result, tm = run_drift(
                records,
                model=tm,
                period=period,
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
        except Exception as e:
            from classify.topics import TopicModelError

            if isinstance(e, TopicModelError | ValueError):
                raise fail(str(e)) from e
            raise
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
        doc = json.dumps(result, ensure_ascii=False, indent=1) + "\n"
        if json_out == "-" or (json_out is None and out is None):
            sys.stdout.write(doc)
        elif json_out is not None:
            Path(json_out).write_text(doc, encoding="utf-8")
            log(f"drift JSON written to {json_out}")
        if out is not None:
            from classify.report import write_report

            write_report(result, out, title=title or "Topic drift", source=src)
            log(f"report written to {out}")
        raise typer.Exit(EXIT_RECORD_ERRORS if bad or no_dates else EXIT_OK)
