"""The ``classify`` command line: a thin layer over the library.

Exit codes (SPEC §2): 0 success, 1 some records failed (errors are in the output),
2 unusable arguments or unreadable model. Logs and progress go to stderr, data to stdout or -o.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from classify import paths

app = typer.Typer(
    name="classify",
    help="Topic-and-tone toolkit for news about the Chinese technology industry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
labels_app = typer.Typer(help="Validate, count and extend the labelled data.", no_args_is_help=True)
topics_app = typer.Typer(help="Fit and inspect the BERTopic theme model (offline).", no_args_is_help=True)
app.add_typer(labels_app, name="labels")
app.add_typer(topics_app, name="topics")

EXIT_OK, EXIT_RECORD_ERRORS, EXIT_USAGE = 0, 1, 2


def log(msg: str) -> None:
    """Human-facing messages go to stderr so stdout stays clean data."""
    print(msg, file=sys.stderr)


def fail(msg: str, code: int = EXIT_USAGE) -> typer.Exit:
    log(f"error: {msg}")
    return typer.Exit(code)


def not_built(name: str, issue: str) -> typer.Exit:
    return fail(f"`classify {name}` is not built yet ({issue}).")


@app.command()
def corpus(
    seeds: Annotated[Path | None, typer.Argument(help="Directory of raw seed .txt files (default: the shipped seeds/).")] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Output JSONL (default: stdout).")] = None,
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
    except (OSError, ValueError) as e:
        raise fail(str(e)) from e
    if not records:
        raise fail(f"no .txt seed documents in {src}")
    writer = open_writer(out, "jsonl")
    writer.write_many(records)
    writer.close()
    dated = sum(1 for r in records if r["date"])
    titled = sum(1 for r in records if r["title"])
    log(f"{len(records)} records ({dated} dated, {titled} titled) from {src}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def train() -> None:
    """Train sector + tone models from labelled files and write a model bundle."""
    raise not_built("train", "the models issue")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def evaluate() -> None:
    """Score a model on gold labels: per-label P/R/F1 and the tone confusion matrix."""
    raise not_built("evaluate", "the models issue")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def tag() -> None:
    """Tag articles in batch: one Tag per input record, in order."""
    raise not_built("tag", "the models issue")


@labels_app.command("check", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def labels_check() -> None:
    """Validate label files against the guidelines."""
    raise not_built("labels check", "the labels issue")


@labels_app.command("stats", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def labels_stats() -> None:
    """Counts per label, source and year."""
    raise not_built("labels stats", "the labels issue")


@labels_app.command("suggest", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def labels_suggest() -> None:
    """Suggest the unlabelled articles whose labels would help the model most."""
    raise not_built("labels suggest", "the retraining issue")


def _register_plugins() -> None:
    """Commands that live in their own modules (topics, drift)."""
    from classify import cli_topics

    cli_topics.register(app, topics_app)


_register_plugins()
