"""``classify labels check | stats | suggest`` (the library: :mod:`classify.labels`,
:mod:`classify.active`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from classify import paths
from classify.cli.common import (
    DEFAULT_SEED,
    EXIT_RECORD_ERRORS,
    CorpusOpt,
    JsonOpt,
    LabelsOpt,
    ModelOpt,
    OutOpt,
    SeedOpt,
    Strategy,
    fail,
    handles_errors,
    log,
    sort_paths,
    write_json,
)

__all__ = ["app"]

app = typer.Typer(help="Validate, count and extend the labelled data.", no_args_is_help=True)

PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(metavar="PATHS", help="Label files or directories (default: labels/)."),
]


def check(
    paths_: PathsArg = None,
    corpus: CorpusOpt = None,
    as_json: JsonOpt = None,
    suspects: Annotated[
        bool,
        typer.Option(
            "--suspects",
            help="Also list the labels most likely wrong (out-of-fold model disagrees).",
        ),
    ] = False,
    top: Annotated[int, typer.Option(help="How many suspects to list.")] = 40,
    seed: SeedOpt = DEFAULT_SEED,
) -> None:
    """Validate label files against the guidelines: ids, combinations, duplicates, text, dates.

    Example: classify labels check labels/ --corpus ../shared/corpora/36kr_hotlist.jsonl
    Example: classify labels check labels/ --suspects --top 40
    Example: classify labels check labels/ --json problems.json
    """
    from classify.labels import check as run_check

    label_paths, corpora = sort_paths(paths_, corpus)
    examples, problems = run_check(label_paths or [str(paths.PROJECT_ROOT / "labels")], corpora)
    errors = [p for p in problems if p.severity == "error"]
    if as_json is not None:
        doc = {"examples": len(examples), "problems": [vars(p) for p in problems]}
        write_json(doc, as_json, "problems")
    else:
        for p in problems:
            print(str(p))
    log(
        f"{len(examples)} examples checked: {len(errors)} errors, {len(problems) - len(errors)} warnings"
    )
    if suspects:
        if errors:
            raise fail("fix the errors above before looking for suspects", EXIT_RECORD_ERRORS)
        from classify.active import oof_for
        from classify.active import suspects as find_suspects
        from classify.labels import merge

        merged, _ = merge(examples)
        log(f"cross-validating {len(merged)} labels to find suspects ...")
        rows = find_suspects(merged, oof_for(merged, seed=seed), top=top)
        for r in rows:
            print(json.dumps({"suspect": r}, ensure_ascii=False))
        log(f"{len(rows)} suspects listed (most suspicious first)")
    if errors:
        raise typer.Exit(EXIT_RECORD_ERRORS)


def stats(paths_: PathsArg = None, corpus: CorpusOpt = None, as_json: JsonOpt = None) -> None:
    """Counts per sector and tone, per source, per year.

    Example: classify labels stats labels/
    Example: classify labels stats labels/ --json -
    """
    from classify.labels import check as run_check
    from classify.labels import stats as label_stats

    label_paths, corpora = sort_paths(paths_, corpus)
    examples, _ = run_check(label_paths or [str(paths.PROJECT_ROOT / "labels")], corpora)
    st = label_stats(examples)
    if as_json is not None:
        write_json(st, as_json, "label counts")
        return
    from rich.console import Console
    from rich.table import Table

    con = Console()
    for key, title in (
        ("sectors", "sector positives"),
        ("tones", "tones"),
        ("sources", "sources"),
        ("files", "files"),
        ("years", "years"),
    ):
        t = Table(title=f"{title} ({st['examples']} examples)")
        t.add_column(key[:-1] if key.endswith("s") else key)
        t.add_column("count", justify="right")
        for k, v in st[key].items():
            t.add_row(k, str(v))
        con.print(t)


def suggest(
    inputs: Annotated[list[str], typer.Argument(help="Unlabelled records (any input format).")],
    n: Annotated[int, typer.Option("-n", min=1, help="How many records to suggest.")] = 50,
    strategy: Annotated[Strategy, typer.Option(help="How to choose.")] = Strategy.mixed,
    out: OutOpt = None,
    model: ModelOpt = None,
    labels: LabelsOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
) -> None:
    """Suggest the unlabelled records whose labels would help the model most (JSONL to annotate).

    Each line carries the text, the model's current predictions and why it was chosen; fill in
    `sectors` and `tone` and the file is a label file. Records already in --labels are skipped.
    Example: classify labels suggest ../shared/corpora/36kr_hotlist.jsonl -n 50 --strategy mixed -o to_label.jsonl
    """
    from classify.active import suggest as run_suggest
    from classify.io import open_writer, read_records
    from classify.labels import read_examples
    from classify.predictor import Predictor

    p = Predictor.load(model)
    pool = {"records": 0, "labelled": 0}

    def counted(recs):  # noqa: ANN001, ANN202 - records, counted on the way to suggest()
        for r in recs:
            pool["records"] += 1
            pool["labelled"] += getattr(r, "id", None) in exclude
            yield r

    try:
        known, _ = read_examples([str(x) for x in (labels or [paths.PROJECT_ROOT / "labels"])])
        exclude = {e.id for e in known}
        rows = run_suggest(
            p,
            counted(read_records(inputs)),
            n=n,
            strategy=strategy.value,
            seed=seed,
            exclude=exclude,
        )
    except ValueError as e:
        raise fail(str(e)) from e
    w = open_writer(out, "jsonl")
    w.write_many(rows)
    w.close()
    log(f"{len(rows)} records suggested ({strategy.value})")
    if not rows:
        why = (
            "the pool holds no records"
            if pool["records"] == 0
            else f"all {pool['labelled']} readable records of the pool are already labelled"
            if pool["labelled"] and pool["labelled"] >= pool["records"]
            else "no readable record in the pool (see the errors above)"
        )
        log(f"warning: nothing to suggest: {why}")


app.command("check")(handles_errors(check))
app.command("stats")(handles_errors(stats))
app.command("suggest")(handles_errors(suggest))
