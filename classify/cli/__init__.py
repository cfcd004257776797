"""The ``classify`` command line: a thin layer over the library, one module per command group.

``classify.cli.app`` is the entry point. Each command module parses its options (the shared
ones come from :mod:`classify.cli.common`), calls one library function and prints; every
command is wrapped in :func:`~classify.cli.common.handles_errors`, so the library's errors
become exit code 2 with one message.

Exit codes (SPEC §2): 0 success, 1 some records failed (errors are in the output),
2 unusable arguments or unreadable model. Logs and progress go to stderr, data to stdout or -o.

=================  ==========================================
module             commands
=================  ==========================================
``corpus``         ``corpus``
``tag``            ``tag``
``train``          ``train``, ``evaluate``
``labels``         ``labels check | stats | suggest``
``models``         ``models list | show | promote | rollback``
``topics``         ``topics fit | show``, ``drift``
``trends``         ``trends``
``serve``          ``serve``
=================  ==========================================
"""

from __future__ import annotations

from typing import Annotated

import typer

from classify.cli import corpus as _corpus
from classify.cli import labels as _labels
from classify.cli import models as _models
from classify.cli import serve as _serve
from classify.cli import tag as _tag
from classify.cli import topics as _topics
from classify.cli import train as _train
from classify.cli import trends as _trends
from classify.cli.common import (
    EXIT_OK,
    EXIT_RECORD_ERRORS,
    EXIT_USAGE,
    fail,
    handles_errors,
    log,
)

__all__ = ["app", "EXIT_OK", "EXIT_RECORD_ERRORS", "EXIT_USAGE", "fail", "log"]

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


app.command("corpus")(handles_errors(_corpus.corpus))
app.command("train")(handles_errors(_train.train))
app.command("evaluate")(handles_errors(_train.evaluate))
app.command("tag")(handles_errors(_tag.tag))
app.command("drift")(handles_errors(_topics.drift))
app.command("trends")(handles_errors(_trends.trends))
app.command("serve")(handles_errors(_serve.serve))
app.add_typer(_labels.app, name="labels")
app.add_typer(_models.app, name="models")
app.add_typer(_topics.app, name="topics")
