"""``classify serve``: the predictor over HTTP (the library: :mod:`classify.serve`)."""

from __future__ import annotations

from typing import Annotated

import typer

from classify.cli.common import ModelOpt, TopicModelOpt, fail, log

__all__ = ["serve"]


def serve(
    model: ModelOpt = None,
    host: Annotated[
        str, typer.Option(help="Interface to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes (each loads the model).")
    ] = 1,
    topics: Annotated[
        bool, typer.Option("--topics", help="Add the topic of each article (models/topics).")
    ] = False,
    topic_model: TopicModelOpt = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="CLASSIFY_TOKEN",
            help="Require 'Authorization: Bearer TOKEN' on every endpoint but /health (or set CLASSIFY_TOKEN).",
        ),
    ] = None,
    max_batch: Annotated[int, typer.Option(min=1, help="Records in one POST /tag array.")] = 1000,
    max_body: Annotated[
        int, typer.Option(min=1024, help="Bytes in one POST /tag body (and one stream line).")
    ] = 10 * 2**20,
) -> None:
    """Serve the predictor over HTTP: POST /tag, POST /tag/stream, GET /health, GET /model.

    POST /admin/reload (or SIGHUP) loads the registry's current version without downtime.
    Needs the 'serve' extra (Starlette + uvicorn): pip install 'classify[serve]'.

    Example: classify serve --port 8000
    Example: CLASSIFY_TOKEN=s3cret classify serve --host 0.0.0.0 --workers 2
    """
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        raise fail(
            f"classify serve needs the 'serve' extra: pip install 'classify[serve]' ({e})"
        ) from e
    from classify.predictor import Predictor
    from classify.serve import ModelHolder, run

    topics_arg: bool | str = str(topic_model) if topic_model is not None else topics
    # refuse an unusable bundle before binding the port; one worker serves this very load
    holder = ModelHolder(model, topics_arg) if workers == 1 else None
    if holder is None:
        Predictor.load(model)  # the workers load their own
    log(
        f"serving {model or 'models/default'} on http://{host}:{port} "
        f"({workers} worker{'s' if workers > 1 else ''}{', token required' if token else ''}); "
        "Ctrl-C stops"
    )
    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        log(
            "warning: listening beyond loopback without --token: anyone who can reach it can use it"
        )
    run(
        str(model) if model else None,
        host=host,
        port=port,
        workers=workers,
        topics=topics_arg,
        token=token,
        max_batch=max_batch,
        max_body=max_body,
        holder=holder,
    )
