"""CLI commands for topics and drift (placeholder until the topics issue lands)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, topics_app: typer.Typer) -> None:
    from classify.cli import not_built

    ctx = {"allow_extra_args": True, "ignore_unknown_options": True}

    @topics_app.command("fit", context_settings=ctx)
    def topics_fit() -> None:
        """Fit BERTopic on a corpus offline."""
        raise not_built("topics fit", "the topics issue")

    @topics_app.command("show", context_settings=ctx)
    def topics_show() -> None:
        """List topics with labels, sizes and top terms."""
        raise not_built("topics show", "the topics issue")

    @app.command(context_settings=ctx)
    def drift() -> None:
        """Topic shares per period, emerging and fading topics, drift score, HTML report."""
        raise not_built("drift", "the topics issue")
