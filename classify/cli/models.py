"""``classify models list | show | promote | rollback`` (the library: :mod:`classify.registry`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classify import paths
from classify.cli.common import JsonOpt, NameOpt, fail, handles_errors, log, write_json

__all__ = ["app"]

app = typer.Typer(help="List, inspect, promote and roll back model versions.", no_args_is_help=True)


def list_(name: NameOpt = None, as_json: JsonOpt = None) -> None:
    """Versions of a model with their CV macro-F1; * marks the current one.

    Example: classify models list --name models/default
    Example: classify models list --json -
    """
    from classify import registry

    d = name or paths.default_model_dir()
    rows = registry.describe(d)
    if not rows:
        raise fail(f"no model versions in {d}")
    if as_json is not None:
        write_json(rows, as_json, "model versions")
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


def show(
    version: Annotated[
        str | None, typer.Argument(help="Version (vNNN) or bundle path; default: current.")
    ] = None,
    name: NameOpt = None,
) -> None:
    """Print a version's manifest (JSON, without the training id list).

    Example: classify models show v002
    """
    from classify import registry
    from classify.bundle import verify

    d = name or paths.default_model_dir()
    target = (
        Path(version)
        if version and Path(version).is_dir()
        else (d / version if version else registry.resolve(d))
    )
    man = verify(target)
    man.get("training_data", {}).pop("ids", None)
    man["path"] = str(target)
    write_json(man, "-")


def promote(
    version: Annotated[str, typer.Argument(help="Version to make current (vNNN).")],
    name: NameOpt = None,
    reason: Annotated[str | None, typer.Option(help="Why (recorded in HISTORY.jsonl).")] = None,
) -> None:
    """Make a version current (atomic: CURRENT is replaced, never half-written).

    Example: classify models promote v003 --reason "reviewed on gold set"
    """
    from classify import registry

    d = name or paths.default_model_dir()
    registry.promote(d, version, reason=reason, forced=True)
    log(f"{version} is now current in {d}")


def rollback(name: NameOpt = None) -> None:
    """Make the previously current version current again.

    Example: classify models rollback
    """
    from classify import registry

    d = name or paths.default_model_dir()
    v = registry.rollback(d)
    log(f"rolled back: {v} is now current in {d}")


app.command("list")(handles_errors(list_))
app.command("show")(handles_errors(show))
app.command("promote")(handles_errors(promote))
app.command("rollback")(handles_errors(rollback))
