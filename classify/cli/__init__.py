"""The ``classify`` command line: a thin layer over the library.

Exit codes (SPEC §2): 0 success, 1 some records failed (errors are in the output),
2 unusable arguments or unreadable model. Logs and progress go to stderr, data to stdout or -o.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from classify import paths


def _no_type_after_flags() -> None:
    """Typer 0.29's Rich help prints a ``<bool>`` type after every flag (``--json <bool>``),
    as if it took a value; its plain help does not. Show no type for flags and counters, as
    the plain help does. (The one place this package reaches into Typer's internals; the
    help test fails if Typer changes them.)"""
    import typer.core

    original = typer.core.TyperOption.display_type_rich
    if getattr(original, "_classify_patched", False):
        return

    def display_type_rich(self, ctx):  # noqa: ANN001, ANN202
        if self.is_flag or self.count:
            return None
        return original(self, ctx)

    display_type_rich._classify_patched = True  # type: ignore[attr-defined]
    typer.core.TyperOption.display_type_rich = display_type_rich


_no_type_after_flags()

app = typer.Typer(
    name="classify",
    help="Topic-and-tone toolkit for news about the Chinese technology industry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from classify import __version__

        print(f"classify {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Topic-and-tone toolkit for news about the Chinese technology industry."""


labels_app = typer.Typer(help="Validate, count and extend the labelled data.", no_args_is_help=True)
topics_app = typer.Typer(
    help="Fit and inspect the BERTopic theme model (offline).", no_args_is_help=True
)
models_app = typer.Typer(
    help="List, inspect, promote and roll back model versions.", no_args_is_help=True
)
app.add_typer(labels_app, name="labels")
app.add_typer(models_app, name="models")
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
    seeds: Annotated[
        Path | None,
        typer.Argument(help="Directory of raw seed .txt files (default: the shipped seeds/)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Output JSONL (default: stdout).")
    ] = None,
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


def _corpora(corpus: list[Path] | None) -> list[str]:
    """--corpus files, or the shared corpora beside the checkout when none are given."""
    if corpus:
        missing = [str(c) for c in corpus if not c.exists()]
        if missing:
            raise fail(f"corpus file(s) not found: {', '.join(missing)}")
        return [str(c) for c in corpus]
    from classify.train import default_corpora

    return default_corpora()


def _sort_paths(
    paths_: list[Path] | None, corpus: list[Path] | None
) -> tuple[list[str] | None, list[str]]:
    """Split positional files into label files and corpus files.

    ``--corpus ../shared/corpora/*.jsonl`` expands to several files, and only the first follows
    the flag; the others arrive as positional paths. A JSONL file whose first record has no
    ``sectors``/``tone`` is a corpus, not a label file, so it is used as one.
    """
    from classify.labels import is_corpus_file

    labels_, extra = [], []
    for p in paths_ or []:
        (extra if p.is_file() and is_corpus_file(p) else labels_).append(p)
    corpora = _corpora([*(corpus or []), *extra] or None)
    return ([str(p) for p in labels_] or None), corpora


LabelsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--labels",
        "-l",
        help="Label file or directory (repeatable; later files win for a repeated id).",
    ),
]
CorpusOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--corpus",
        "-c",
        help="Corpus JSONL resolving id-only labels (repeatable; default: ../shared/corpora/*.jsonl).",
    ),
]
ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", "-m", help="Model bundle directory (default: models/default)."),
]
TextColumnOpt = Annotated[
    str,
    typer.Option(
        "--text-column", help="Input field holding the article text (e.g. --text-column body)."
    ),
]
TitleColumnOpt = Annotated[
    str, typer.Option("--title-column", help="Input field holding the headline.")
]
IdColumnOpt = Annotated[str, typer.Option("--id-column", help="Input field holding the id.")]
DateColumnOpt = Annotated[str, typer.Option("--date-column", help="Input field holding the date.")]


def columns_of(text: str, title: str, id_: str, date: str):  # noqa: ANN201 - io.Columns
    """The input column mapping of the --*-column options (one exit-2 message if unusable)."""
    from classify.io import Columns

    names = {"text": text, "title": title, "id": id_, "date": date}
    empty = [k for k, v in names.items() if not v.strip()]
    if empty:
        raise fail(f"--{empty[0]}-column needs a field name")
    seen: dict[str, str] = {}
    for k, v in names.items():
        if v in seen:
            raise fail(f"--{seen[v]}-column and --{k}-column both name the field {v!r}")
        seen[v] = k
    return Columns(text=text, title=title, id=id_, date=date)


@app.command()
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
    seed: Annotated[
        int, typer.Option(help="Random seed: same labels + seed give identical predictions.")
    ] = 0,
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

    Example: classify train --labels labels/ --labels my_new.jsonl --promote
    Example: classify train -o models/mine --corpus ../shared/corpora/*.jsonl --eval gold.jsonl --promote
    """
    from classify.train import TrainingError, comparison_table, metrics_table
    from classify.train import train as run_train

    label_paths = [str(p) for p in (labels or [paths.PROJECT_ROOT / "labels"])]
    _, corpora = _sort_paths(extra, corpus)
    unknown = [str(p) for p in extra or [] if str(p) not in corpora]
    if unknown:
        raise fail(f"not corpus files (label files go after --labels): {', '.join(unknown)}")
    try:
        if holdout > 0:
            label_paths = _split_holdout(label_paths, corpora, holdout, seed, holdout_file)
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
    except (TrainingError, FileNotFoundError) as e:
        raise fail(str(e)) from e
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


def _split_holdout(
    label_paths: list[str], corpora: list[str], fraction: float, seed: int, out: Path | None
) -> list[str]:
    """Write a stratified held-out split and a training file; returns the training label path."""
    import tempfile

    from sklearn.model_selection import train_test_split

    from classify.labels import check, merge
    from classify.schema import strata, targets

    examples, _ = check(label_paths, corpora)
    examples, _ = merge(examples)
    Y, y = targets(examples)
    idx = np.arange(len(examples))
    tr, te = train_test_split(idx, test_size=fraction, random_state=seed, stratify=strata(Y, y, 2))
    tmpdir = Path(tempfile.mkdtemp(prefix="classify-holdout-"))

    def dump(ids: np.ndarray, path: Path) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            for i in ids:
                e = examples[i]
                rec = {"id": e.id, "sectors": e.sectors, "tone": e.tone}
                # Corpus items stay id-only: their text is third-party and resolved with --corpus.
                if e.own_text:
                    rec.update(title=e.title, date=e.date, text=e.text)
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    train_file = tmpdir / "train.jsonl"
    dump(tr, train_file)
    gold = out or Path("holdout.jsonl")
    dump(te, gold)
    log(f"held out {len(te)} of {len(idx)} labels -> {gold}; training on {len(tr)}")
    return [str(train_file)]


@app.command()
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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Score a model on gold labels: per-label P/R/F1, micro/macro F1, tone confusion matrix.

    Example: classify evaluate holdout.jsonl --model models/default
    """
    from classify.labels import check
    from classify.models import sector_metrics, tone_metrics
    from classify.predictor import BundleError, Predictor
    from classify.schema import targets

    if not gold.exists():
        raise fail(f"gold file not found: {gold}")
    try:
        p = Predictor.load(model)
    except BundleError as e:
        raise fail(str(e)) from e
    examples, problems = check([gold], _corpora(corpus) + [str(p) for p in extra or []])
    errors = [pr for pr in problems if pr.severity == "error"]
    if errors:
        raise fail("gold labels have problems:\n" + "\n".join(map(str, errors[:20])))
    Y, y = targets(examples)
    tags = p.predict([{"id": e.id, "title": e.title, "text": e.text} for e in examples])
    from classify.schema import SECTORS, TONES

    D = np.array([[s in t.sectors for s in SECTORS] for t in tags], dtype=int)
    pred = np.array([TONES.index(t.tone) for t in tags])
    res = {
        "model": str(p.path),
        "n": len(examples),
        "sectors": sector_metrics(Y, D),
        "tone": tone_metrics(y, pred),
    }
    trained = set(p.manifest.get("training_data", {}).get("ids") or [])
    seen = np.array([e.id in trained for e in examples], dtype=bool)
    res["in_training"] = int(seen.sum())
    if seen.any():
        log(
            f"warning: {int(seen.sum())} of {len(examples)} gold examples are in the model's "
            "training data, so the scores above them are not held-out"
            + ("; 'held_out' scores the others" if not seen.all() else "")
        )
        if not seen.all():
            res["held_out"] = {
                "n": int((~seen).sum()),
                "sectors": sector_metrics(Y[~seen], D[~seen]),
                "tone": tone_metrics(y[~seen], pred[~seen]),
            }
    if as_json:
        print(json.dumps(res, ensure_ascii=False, indent=2))
        return
    _print_metrics(res)


def _print_metrics(res: dict) -> None:
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


@app.command()
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
        str | None,
        typer.Option("--format", help="jsonl | csv | parquet (default: from -o's name)."),
    ] = None,
    topics: Annotated[
        bool,
        typer.Option(
            "--topics", help="Add the topic of each article (topic model in models/topics)."
        ),
    ] = False,
    topic_model: Annotated[
        Path | None,
        typer.Option(
            "--topic-model",
            help="Topic model directory for --topics (implies --topics; default: models/topics).",
        ),
    ] = None,
    model: ModelOpt = None,
    engine: Annotated[str, typer.Option(help="local | dask")] = "local",
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

    Example: classify tag articles.jsonl -o tags.parquet
    Example: classify tag export.csv --text-column body --title-column headline -o tags.csv
    Example: classify tag articles.jsonl -o tags.csv --flat --excel
    Example: cat articles.jsonl | classify tag - --explain
    Example: classify tag headlines.jsonl --topic-model models/topics_zh -o tagged.jsonl
    Example: classify tag big.jsonl -o tags.parquet --engine dask --scheduler tcp://10.0.0.5:8786
    """
    from classify.io import stdin_is_data
    from classify.predictor import BundleError, Predictor
    from classify.tagging import tag_records

    if not inputs and stdin_is_data():  # `cat mine.jsonl | classify tag`: the pipe, not the seeds
        inputs = ["-"]
    columns = columns_of(text_column, title_column, id_column, date_column)
    if engine not in ("local", "dask"):
        raise fail(f"unknown engine {engine!r}: choose local or dask")
    if fmt is not None and fmt not in ("jsonl", "csv", "parquet"):
        raise fail(f"unknown format {fmt!r}: choose jsonl, csv or parquet")
    if fmt is not None and out is not None and str(out) != "-":
        from classify.io import detect_format

        try:
            named = detect_format(out)
        except ValueError:
            named = None  # a name without a known suffix: --format decides
        if named is not None and named != fmt and named != "txt":
            raise fail(f"--format {fmt} contradicts the output name {out} ({named})")
    if scheduler is not None and engine != "dask":
        raise fail("--scheduler is for --engine dask")
    if (fmt == "parquet" or (out and str(out).endswith(".parquet"))) and (
        out is None or str(out) == "-"
    ):
        raise fail("Parquet output needs -o FILE.parquet")
    try:
        predictor = Predictor.load(model)
    except BundleError as e:
        raise fail(str(e)) from e
    if topic_model is not None:
        topics = str(topic_model)  # workers load the same directory
    if topics:
        try:
            predictor.attach_topics(topic_model)
        except Exception as e:  # noqa: BLE001 - any failure to load the topic model is a usage error
            raise fail(f"cannot load the topic model: {e}") from e
    try:
        # what both engines take the same way
        common = dict(
            explain=explain,
            topics=topics,
            batch_size=batch_size,
            log=log,
            columns=columns,
            flat=flat,
            excel=excel,
        )
        if engine == "dask":
            from classify.engine_dask import tag_dask

            if not inputs or "-" in inputs:
                raise fail("--engine dask needs input files (not stdin or the default seeds)")
            stats = tag_dask(
                str(predictor.path),
                inputs,
                out,
                fmt,
                scheduler=scheduler,
                n_workers=workers,
                **common,
            )
        else:
            stats = tag_records(
                predictor, inputs or [], out, fmt, jobs=jobs, model_path=predictor.path, **common
            )
    except ImportError as e:
        raise fail(f"--engine dask needs dask: pip install 'classify[dask]' ({e})") from e
    except (FileNotFoundError, ValueError, BundleError, PermissionError, IsADirectoryError) as e:
        raise fail(str(e)) from e
    if stats["records"] == 0:
        log("warning: the input holds no records (empty file or directory?); wrote an empty output")
    log(f"{stats['records']} records tagged, {stats['errors']} with errors")
    if stats["errors"]:
        raise typer.Exit(EXIT_RECORD_ERRORS)


@labels_app.command("check")
def labels_check(
    paths_: Annotated[
        list[Path] | None,
        typer.Argument(metavar="PATHS", help="Label files or directories (default: labels/)."),
    ] = None,
    corpus: CorpusOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print problems as JSON.")] = False,
    suspects: Annotated[
        bool,
        typer.Option(
            "--suspects",
            help="Also list the labels most likely wrong (out-of-fold model disagrees).",
        ),
    ] = False,
    top: Annotated[int, typer.Option(help="How many suspects to list.")] = 40,
    seed: Annotated[int, typer.Option(help="CV seed for --suspects.")] = 0,
) -> None:
    """Validate label files against the guidelines: ids, combinations, duplicates, text, dates.

    Example: classify labels check labels/ --corpus ../shared/corpora/36kr_hotlist.jsonl
    Example: classify labels check labels/ --suspects --top 40
    """
    from classify.labels import check

    try:
        label_paths, corpora = _sort_paths(paths_, corpus)
        examples, problems = check(label_paths or [str(paths.PROJECT_ROOT / "labels")], corpora)
    except FileNotFoundError as e:
        raise fail(str(e)) from e
    errors = [p for p in problems if p.severity == "error"]
    if as_json:
        print(
            json.dumps(
                {"examples": len(examples), "problems": [vars(p) for p in problems]},
                ensure_ascii=False,
                indent=1,
            )
        )
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


@labels_app.command("stats")
def labels_stats(
    paths_: Annotated[
        list[Path] | None,
        typer.Argument(metavar="PATHS", help="Label files or directories (default: labels/)."),
    ] = None,
    corpus: CorpusOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Counts per sector and tone, per source, per year.

    Example: classify labels stats labels/ --json
    """
    from classify.labels import check, stats

    try:
        label_paths, corpora = _sort_paths(paths_, corpus)
        examples, _ = check(label_paths or [str(paths.PROJECT_ROOT / "labels")], corpora)
    except FileNotFoundError as e:
        raise fail(str(e)) from e
    st = stats(examples)
    if as_json:
        print(json.dumps(st, ensure_ascii=False, indent=1))
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


@labels_app.command("suggest")
def labels_suggest(
    inputs: Annotated[list[str], typer.Argument(help="Unlabelled records (any input format).")],
    n: Annotated[int, typer.Option("-n", min=1, help="How many records to suggest.")] = 50,
    strategy: Annotated[str, typer.Option(help="uncertainty | diversity | mixed")] = "mixed",
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Output JSONL (default: stdout).")
    ] = None,
    model: ModelOpt = None,
    labels: LabelsOpt = None,
    seed: Annotated[int, typer.Option(help="Seed for the diversity clustering.")] = 0,
) -> None:
    """Suggest the unlabelled records whose labels would help the model most (JSONL to annotate).

    Each line carries the text, the model's current predictions and why it was chosen; fill in
    `sectors` and `tone` and the file is a label file. Records already in --labels are skipped.
    Example: classify labels suggest ../shared/corpora/36kr_hotlist.jsonl -n 50 --strategy mixed -o to_label.jsonl
    """
    from classify.active import STRATEGIES, suggest
    from classify.io import open_writer, read_records
    from classify.labels import read_examples
    from classify.predictor import BundleError, Predictor

    if strategy not in STRATEGIES:
        raise fail(f"unknown strategy {strategy!r}: choose {', '.join(STRATEGIES)}")
    try:
        p = Predictor.load(model)
    except BundleError as e:
        raise fail(str(e)) from e
    pool = {"records": 0, "labelled": 0}

    def counted(recs):  # noqa: ANN001, ANN202 - records, counted on the way to suggest()
        for r in recs:
            pool["records"] += 1
            pool["labelled"] += getattr(r, "id", None) in exclude
            yield r

    try:
        known, _ = read_examples([str(x) for x in (labels or [paths.PROJECT_ROOT / "labels"])])
        exclude = {e.id for e in known}
        rows = suggest(
            p, counted(read_records(inputs)), n=n, strategy=strategy, seed=seed, exclude=exclude
        )
    except (FileNotFoundError, ValueError) as e:
        raise fail(str(e)) from e
    w = open_writer(out, "jsonl")
    w.write_many(rows)
    w.close()
    log(f"{len(rows)} records suggested ({strategy})")
    if not rows:
        why = (
            "the pool holds no records"
            if pool["records"] == 0
            else f"all {pool['labelled']} readable records of the pool are already labelled"
            if pool["labelled"] and pool["labelled"] >= pool["records"]
            else "no readable record in the pool (see the errors above)"
        )
        log(f"warning: nothing to suggest: {why}")


NameOpt = Annotated[
    Path | None,
    typer.Option("--name", "-n", help="Model name directory (default: models/default)."),
]


@models_app.command("list")
def models_list(
    name: NameOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Versions of a model with their CV macro-F1; * marks the current one.

    Example: classify models list --name models/default
    """
    from classify import registry

    d = name or paths.default_model_dir()
    rows = registry.describe(d)
    if not rows:
        raise fail(f"no model versions in {d}")
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"model versions in {d}")
    for c in (
        "",
        "version",
        "created",
        "candidate",
        "examples",
        "sector macro-F1",
        "tone macro-F1",
        "note",
    ):
        t.add_column(c)
    for r in rows:
        t.add_row(
            "*" if r["current"] else "",
            r["version"],
            str(r["created"]),
            str(r["candidate"]),
            str(r["examples"]),
            f"{r['sector_macro_f1']:.3f}",
            f"{r['tone_macro_f1']:.3f}",
            r["forced_reason"] or "",
        )
    Console().print(t)


@models_app.command("show")
def models_show(
    version: Annotated[
        str | None, typer.Argument(help="Version (vNNN) or bundle path; default: current.")
    ] = None,
    name: NameOpt = None,
) -> None:
    """Print a version's manifest (JSON, without the training id list).

    Example: classify models show v002
    """
    from classify import registry
    from classify.bundle import BundleError, verify

    d = name or paths.default_model_dir()
    try:
        target = (
            Path(version)
            if version and Path(version).is_dir()
            else (d / version if version else registry.resolve(d))
        )
        man = verify(target)
    except BundleError as e:
        raise fail(str(e)) from e
    man.get("training_data", {}).pop("ids", None)
    man["path"] = str(target)
    print(json.dumps(man, ensure_ascii=False, indent=1))


@models_app.command("promote")
def models_promote(
    version: Annotated[str, typer.Argument(help="Version to make current (vNNN).")],
    name: NameOpt = None,
    reason: Annotated[str | None, typer.Option(help="Why (recorded in HISTORY.jsonl).")] = None,
) -> None:
    """Make a version current (atomic: CURRENT is replaced, never half-written).

    Example: classify models promote v003 --reason "reviewed on gold set"
    """
    from classify import registry
    from classify.bundle import BundleError

    d = name or paths.default_model_dir()
    try:
        registry.promote(d, version, reason=reason, forced=True)
    except BundleError as e:
        raise fail(str(e)) from e
    log(f"{version} is now current in {d}")


@models_app.command("rollback")
def models_rollback(name: NameOpt = None) -> None:
    """Make the previously current version current again.

    Example: classify models rollback
    """
    from classify import registry
    from classify.bundle import BundleError

    d = name or paths.default_model_dir()
    try:
        v = registry.rollback(d)
    except BundleError as e:
        raise fail(str(e)) from e
    log(f"rolled back: {v} is now current in {d}")


def _register_plugins() -> None:
    """Commands that live in their own modules (topics, drift, trends)."""
    from classify.cli import topics as cli_topics
    from classify.cli import trends as cli_trends

    cli_topics.register(app, topics_app)
    cli_trends.register(app)


_register_plugins()


if __name__ == "__main__":
    app()
