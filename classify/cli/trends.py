"""CLI command ``classify trends``: sector and tone shares and the tone index per period.

The command parses options, calls :func:`classify.trends.trends` on the inputs' Tags
(:func:`classify.trends.tags_of`: already-tagged JSONL is read as it is, other input tagged
with the model) and writes the JSON and the HTML report; plotly is imported only for ``-o``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add ``trends`` to ``app``."""

    @app.command()
    def trends(
        inputs: Annotated[
            list[str],
            typer.Argument(
                help="Article files (JSONL, CSV, Parquet, .txt) or JSONL written by `classify tag` (read as it is, not re-tagged)."
            ),
        ],
        period: Annotated[str, typer.Option(help="month, quarter or year.")] = "month",
        json_out: Annotated[
            str | None,
            typer.Option(
                "--json",
                help="Write the trends JSON here ('-' = stdout). Default: stdout when no -o is given.",
            ),
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option(
                "-o", "--out", help="Write the HTML report (plotly, self-contained) here."
            ),
        ] = None,
        model: Annotated[
            Path | None,
            typer.Option(
                "--model", "-m", help="Model bundle for untagged input (default: models/default)."
            ),
        ] = None,
        min_company: Annotated[
            int,
            typer.Option(
                "--min-company", min=1, help="Records a company needs for its own series."
            ),
        ] = 20,
        title: Annotated[str | None, typer.Option(help="Report title.")] = None,
    ) -> None:
        """Sector shares, tone shares and the mean tone index (95% band) per period; HTML report.

        Example: classify trends ../shared/corpora/toutiao_hot_chinatech.jsonl --period quarter --json t.json -o t.html
        Example: classify tag feed.jsonl -o tagged.jsonl && classify trends tagged.jsonl --period year
        """
        from classify.cli import EXIT_OK, EXIT_RECORD_ERRORS, fail, log
        from classify.drift import PERIODS
        from classify.io import same_file
        from classify.predictor import BundleError, Predictor
        from classify.trends import is_tagged_file, tags_of
        from classify.trends import trends as aggregate

        if period not in PERIODS:
            raise fail(f"--period must be one of {', '.join(PERIODS)}, not {period!r}")
        for target in (json_out, out):
            if target is not None and target != "-" and same_file(target, inputs):
                raise fail(f"the output {target} is one of the inputs: write it elsewhere")
        for i in inputs:
            if i != "-" and not Path(i).exists():
                raise fail(f"input not found: {i}")
        predictor = None
        if not all(i != "-" and is_tagged_file(i) for i in inputs):
            try:
                predictor = Predictor.load(model)
            except BundleError as e:
                raise fail(str(e)) from e
        try:
            result = aggregate(
                tags_of(inputs, model=predictor), period=period, min_company_records=min_company
            )
        except (OSError, ValueError) as e:
            raise fail(str(e)) from e
        r = result["records"]
        log(
            f"{r['total']} records: {r['dated']} dated, {r['undated']} undated, "
            f"{r['errors']} errors; {len(result['periods'])} {period} periods, "
            f"{len(result['by_company'])} companies with their own series"
        )
        if r["dated"] == 0:
            log("warning: no record has a usable date: nothing to put on a time axis")
        doc = json.dumps(result, ensure_ascii=False, indent=1) + "\n"
        if json_out == "-" or (json_out is None and out is None):
            sys.stdout.write(doc)
        elif json_out is not None:
            Path(json_out).write_text(doc, encoding="utf-8")
            log(f"trends JSON written to {json_out}")
        if out is not None:
            from classify.trends_report import write_trends_report

            src = ", ".join(Path(i).name if i != "-" else "stdin" for i in inputs)
            write_trends_report(result, out, title=title or "Sector and tone trends", source=src)
            log(f"report written to {out}")
        raise typer.Exit(EXIT_RECORD_ERRORS if r["errors"] or r["dated"] == 0 else EXIT_OK)
