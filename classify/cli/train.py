"""``classify train`` and ``classify evaluate`` (the library: :mod:`classify.train`,
:mod:`classify.evaluation`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from classify import paths
from classify.cli.common import (
    DEFAULT_SEED,
    CorpusOpt,
    JsonOpt,
    LabelsOpt,
    ModelOpt,
    SeedOpt,
    corpora_of,
    fail,
    log,
    sort_paths,
    write_json,
)

__all__ = ["train", "evaluate"]


def train(
    extra: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="corpus",
            help="More corpus files (a shell glob after --corpus lands here).",
        ),
    ] = None,
    labels: LabelsOpt = None,
    corpus: CorpusOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            help="Model name directory; the bundle becomes its next version vNNN (default: models/default).",
        ),
    ] = None,
    seed: SeedOpt = DEFAULT_SEED,
    candidate: Annotated[
        list[str] | None, typer.Option(help="Candidate design(s) to compare (default: all).")
    ] = None,
    folds: Annotated[int, typer.Option(min=2, help="CV folds.")] = 5,
    repeats: Annotated[int, typer.Option(min=1, help="CV repeats.")] = 3,
    holdout: Annotated[
        float, typer.Option(help="Keep this fraction of labels out of training (0 = none).")
    ] = 0.0,
    holdout_file: Annotated[
        Path | None,
        typer.Option(help="Where to write the held-out labels (for `classify evaluate`)."),
    ] = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", min=1, help="Parallel CV fits.")] = 2,
    promote: Annotated[
        bool,
        typer.Option("--promote", help="Make the new version current if macro-F1 does not drop."),
    ] = False,
    tolerance: Annotated[
        float, typer.Option(help="Largest macro-F1 drop (sector or tone) --promote accepts.")
    ] = 0.01,
    force: Annotated[
        bool, typer.Option("--force", help="Promote even if macro-F1 drops (needs --reason).")
    ] = False,
    reason: Annotated[
        str | None, typer.Option(help="Why a forced promotion is fine (recorded in the manifest).")
    ] = None,
    eval_: Annotated[
        list[Path] | None,
        typer.Option(
            "--eval", help="Gold labels scored by the current and the new model (repeatable)."
        ),
    ] = None,
) -> None:
    """Train sector + tone models; compare with the current model; write a new version atomically.

    Prints the new version's summary as one JSON line on stdout; metrics go to stderr.

    Example: classify train --labels labels/ --labels my_new.jsonl --promote
    Example: classify train -o models/mine --corpus ../shared/corpora/*.jsonl --eval gold.jsonl --promote
    """
    import contextlib

    from classify.evaluation import holdout_split
    from classify.train import comparison_table, metrics_table
    from classify.train import train as run_train

    label_paths = [str(p) for p in (labels or [paths.PROJECT_ROOT / "labels"])]
    _, corpora = sort_paths(extra, corpus)
    unknown = [str(p) for p in extra or [] if str(p) not in corpora]
    if unknown:
        raise fail(f"not corpus files (label files go after --labels): {', '.join(unknown)}")
    with contextlib.ExitStack() as stack:
        if holdout > 0:
            label_paths, gold, n_tr, n_te = stack.enter_context(
                holdout_split(label_paths, corpora, holdout, seed, holdout_file)
            )
            log(f"held out {n_te} of {n_tr + n_te} labels -> {gold}; training on {n_tr}")
        man = run_train(
            label_paths,
            corpora,
            out,
            seed=seed,
            candidates=candidate,
            n_splits=folds,
            n_repeats=repeats,
            n_jobs=jobs,
            log=log,
            promote=promote,
            force=force,
            reason=reason,
            tolerance=tolerance,
            eval_paths=[str(p) for p in eval_ or []],
        )
    log(metrics_table(man["metrics"]))
    cmp = man["comparison_with_current"]
    if "current" in cmp["cv"]:
        log(f"\nbefore ({cmp['current_version']}) / after ({man['version']}), F1 per label:")
        log(comparison_table(cmp))
    print(
        json.dumps(
            {
                "model": str(out or paths.default_model_dir()),
                "version": man["version"],
                "candidate": man["candidate"],
                "comparison": man["comparison"],
                "promotion": man["promotion"],
            },
            ensure_ascii=False,
        )
    )


def evaluate(
    gold: Annotated[
        Path,
        typer.Argument(
            help="Gold labels (JSONL: id + sectors + tone, with text or resolvable via --corpus)."
        ),
    ],
    extra: Annotated[
        list[Path] | None,
        typer.Argument(metavar="corpus", help="More corpus files (a shell glob after --corpus)."),
    ] = None,
    model: ModelOpt = None,
    corpus: CorpusOpt = None,
    as_json: JsonOpt = None,
) -> None:
    """Score a model on gold labels: per-label P/R/F1, micro/macro F1, tone confusion matrix.

    Example: classify evaluate holdout.jsonl --model models/default
    Example: classify evaluate gold.jsonl --json scores.json
    """
    from classify.evaluation import evaluate as score
    from classify.predictor import Predictor

    if not gold.exists():
        raise fail(f"gold file not found: {gold}")
    p = Predictor.load(model)
    res = score(gold, p, corpora_of(corpus) + [str(x) for x in extra or []])
    if res["in_training"]:
        log(
            f"warning: {res['in_training']} of {res['n']} gold examples are in the model's "
            "training data, so the scores above them are not held-out"
            + ("; 'held_out' scores the others" if "held_out" in res else "")
        )
    if as_json is not None:
        write_json(res, as_json, "scores", indent=2)
        return
    _print_metrics(res)


def _print_metrics(res: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"{res['n']} gold examples — model {res['model']}")
    for c in ("label", "precision", "recall", "F1", "support"):
        t.add_column(c, justify="right" if c != "label" else "left")
    for lab, v in res["sectors"]["per_label"].items():
        t.add_row(
            lab, f"{v['precision']:.2f}", f"{v['recall']:.2f}", f"{v['f1']:.2f}", str(v["support"])
        )
    t.add_row("sector macro-F1", "", "", f"{res['sectors']['macro_f1']:.3f}", "", style="bold")
    t.add_row("sector micro-F1", "", "", f"{res['sectors']['micro_f1']:.3f}", "", style="bold")
    for lab, v in res["tone"]["per_label"].items():
        t.add_row(
            f"tone: {lab}",
            f"{v['precision']:.2f}",
            f"{v['recall']:.2f}",
            f"{v['f1']:.2f}",
            str(v["support"]),
        )
    t.add_row("tone macro-F1 (t/e/n)", "", "", f"{res['tone']['macro_f1']:.3f}", "", style="bold")
    con.print(t)
    c = Table(title="tone confusion (rows: true, columns: predicted)")
    c.add_column("")
    labs = res["tone"]["confusion"]["labels"]
    for lab in labs:
        c.add_column(lab, justify="right")
    for lab, row in zip(labs, res["tone"]["confusion"]["matrix"], strict=True):
        c.add_row(lab, *map(str, row))
    con.print(c)
    if res.get("held_out"):
        h = res["held_out"]
        con.print(
            f"held out (the {h['n']} gold examples not in the model's training data): sector "
            f"macro-F1 {h['sectors']['macro_f1']:.3f}, micro-F1 {h['sectors']['micro_f1']:.3f}, "
            f"tone macro-F1 {h['tone']['macro_f1']:.3f}"
        )
