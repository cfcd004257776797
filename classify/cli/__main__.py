"""``python -m classify.cli``: the same command line as the ``classify`` script."""

from classify.cli import app

app()
