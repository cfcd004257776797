"""What every command module shares: messages, exit codes, options, choices, the error handler.

Every option that more than one command takes is declared here once, as an ``Annotated``
alias, so it is spelled, typed, defaulted and documented the same everywhere: ``--json
[FILE]`` (the result as JSON to FILE, ``-`` = stdout: one meaning in every command), ``--seed``
(default :data:`DEFAULT_SEED`), ``-m/--model`` (the classifier bundle), ``--topic-model``,
``-o/--out``, ``--period``, the ``--*-column`` options. Choices are ``Enum`` types, so typer
checks them and lists them in ``--help``. :func:`handles_errors` maps the library's errors
(:class:`classify.errors.ClassifyError`, missing or unreadable files) to exit code 2 with one
``error:`` line, for every command.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = [
    "EXIT_OK",
    "EXIT_RECORD_ERRORS",
    "EXIT_USAGE",
    "DEFAULT_SEED",
    "log",
    "fail",
    "handles_errors",
    "write_json",
    "write_report_json",
    "columns_of",
    "corpora_of",
    "sort_paths",
]

EXIT_OK, EXIT_RECORD_ERRORS, EXIT_USAGE = 0, 1, 2
#: One seed default for every command that takes ``--seed`` (train, labels, topics, drift).
DEFAULT_SEED = 42


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


def log(msg: str) -> None:
    """Human-facing messages go to stderr so stdout stays clean data."""
    print(msg, file=sys.stderr)


def fail(msg: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Log ``error: msg`` and return the Exit to raise (``raise fail(...)``)."""
    log(f"error: {msg}")
    return typer.Exit(code)


def handles_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command, turning the library's deliberate errors into exit code 2 and one message.

    :class:`~classify.errors.ClassifyError` (bundles, labels, training, topic models,
    evaluation) and a missing, unreadable or misnamed file are the user's to fix; anything
    else is a bug and keeps its traceback.
    """
    from classify.errors import ClassifyError

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ClassifyError, FileNotFoundError, IsADirectoryError, PermissionError) as e:
            raise fail(str(e)) from e

    return run


def write_json(doc: Any, target: str | None, what: str = "JSON", indent: int | None = 1) -> None:
    """Write a JSON document to ``target`` (a file), or to stdout when it is None or ``-``."""
    text = json.dumps(doc, ensure_ascii=False, indent=indent) + "\n"
    if target is None or target == "-":
        sys.stdout.write(text)
        return
    p = Path(target)
    if p.is_dir():
        raise fail(f"--json {target} is a directory: give a file name, or '-' for stdout")
    p.write_text(text, encoding="utf-8")
    log(f"{what} written to {target}")


def write_report_json(doc: Any, json_out: str | None, report: Path | None, what: str) -> None:
    """The JSON of a command with a report: to ``--json``, or to stdout when neither is given."""
    if json_out is not None or report is None:
        write_json(doc, json_out, what)


def check_report_outputs(json_out: str | None, report: Path | None, inputs: list[str]) -> None:
    """Refuse (exit 2) a report command whose ``--json`` or ``-o`` is one of its inputs, or
    whose ``--json`` and ``-o`` name the same file (one would overwrite the other)."""
    from classify.io import same_file

    for target in (json_out, report):
        if target is not None and target != "-" and same_file(target, inputs):
            raise fail(f"the output {target} is one of the inputs: write it elsewhere")
    if json_out not in (None, "-") and report is not None and same_file(json_out, [report]):
        raise fail("--json and -o name the same file")


# ----------------------------------------------------------------------------- choices


class Period(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


class Engine(StrEnum):
    local = "local"
    dask = "dask"


class Format(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


class Strategy(StrEnum):
    uncertainty = "uncertainty"
    diversity = "diversity"
    mixed = "mixed"


class Reduction(StrEnum):
    umap = "umap"
    pca = "pca"


# ----------------------------------------------------------------------------- options

JsonOpt = Annotated[
    str | None,
    typer.Option("--json", metavar="FILE", help="Write the result as JSON to FILE ('-' = stdout)."),
]
#: ``--json`` of the commands that also write an HTML report (``-o``): JSON goes to stdout
#: unless a report is asked for, so a bare ``classify drift`` still prints its result.
ReportJsonOpt = Annotated[
    str | None,
    typer.Option(
        "--json",
        metavar="FILE",
        help="Write the result as JSON to FILE ('-' = stdout). Default: stdout when no -o is given.",
    ),
]
SeedOpt = Annotated[
    int, typer.Option(help="Random seed: the same input and seed give the same result.")
]
PeriodOpt = Annotated[Period, typer.Option(help="Period of the time axis.")]
ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", "-m", help="Classifier bundle directory (default: models/default)."),
]
TopicModelOpt = Annotated[
    Path | None,
    typer.Option("--topic-model", help="Topic model directory (default: models/topics)."),
]
OutOpt = Annotated[Path | None, typer.Option("-o", "--out", help="Output file (default: stdout).")]
ReportOpt = Annotated[
    Path | None,
    typer.Option("-o", "--out", help="Write the HTML report (plotly, self-contained) here."),
]
TitleOpt = Annotated[str | None, typer.Option(help="Report title.")]
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
NameOpt = Annotated[
    Path | None,
    typer.Option("--name", "-n", help="Model name directory (default: models/default)."),
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


def corpora_of(corpus: list[Path] | None) -> list[str]:
    """--corpus files, or the shared corpora beside the checkout when none are given."""
    if corpus:
        missing = [str(c) for c in corpus if not c.exists()]
        if missing:
            raise fail(f"corpus file(s) not found: {', '.join(missing)}")
        return [str(c) for c in corpus]
    from classify.train import default_corpora

    return default_corpora()


def sort_paths(
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
    corpora = corpora_of([*(corpus or []), *extra] or None)
    return ([str(p) for p in labels_] or None), corpora
