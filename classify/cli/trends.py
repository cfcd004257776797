"""``classify trends``: sector and tone shares and the tone index per period.

The command parses options, calls :func:`classify.trends.trends` on the inputs' Tags
(:func:`classify.trends.tags_of`: already-tagged JSONL is read as it is, other input tagged
with the model) and writes the JSON and the HTML report; plotly is imported only for ``-o``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classify.cli.common import (
    EXIT_OK,
    EXIT_RECORD_ERRORS,
    ModelOpt,
    Period,
    PeriodOpt,
    ReportJsonOpt,
    ReportOpt,
    TitleOpt,
    check_report_outputs,
    fail,
    log,
    write_report_json,
)

__all__ = ["trends"]


def trends(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Article files (JSONL, CSV, Parquet, .txt) or JSONL written by `classify tag` (read as it is, not re-tagged)."
        ),
    ],
    period: PeriodOpt = Period.month,
    json_out: ReportJsonOpt = None,
    out: ReportOpt = None,
    model: ModelOpt = None,
    min_company: Annotated[
        int,
        typer.Option("--min-company", min=1, help="Records a company needs for its own series."),
    ] = 20,
    title: TitleOpt = None,
) -> None:
    """Sector shares, tone shares and the mean tone index (95% band) per period; HTML report.

    Example: classify trends ../shared/corpora/toutiao_hot_chinatech.jsonl --period quarter --json t.json -o t.html
    Example: classify tag feed.jsonl -o tagged.jsonl && classify trends tagged.jsonl --period year
    """
    from classify.predictor import Predictor
    from classify.trends import is_tagged_file, tags_of
    from classify.trends import trends as aggregate

    check_report_outputs(json_out, out, inputs)
    for i in inputs:
        if i != "-" and not Path(i).exists():
            raise fail(f"input not found: {i}")
    predictor = None
    if not all(i != "-" and is_tagged_file(i) for i in inputs):
        predictor = Predictor.load(model)
    try:
        result = aggregate(
            tags_of(inputs, model=predictor), period=period.value, min_company_records=min_company
        )
    except ValueError as e:
        raise fail(str(e)) from e
    r = result["records"]
    log(
        f"{r['total']} records: {r['dated']} dated, {r['undated']} undated, "
        f"{r['errors']} errors; {len(result['periods'])} {period.value} periods, "
        f"{len(result['by_company'])} companies with their own series"
    )
    if r["dated"] == 0:
        log("warning: no record has a usable date: nothing to put on a time axis")
    write_report_json(result, json_out, out, "trends JSON")
    if out is not None:
        from classify.trends_report import write_trends_report

        src = ", ".join(Path(i).name if i != "-" else "stdin" for i in inputs)
        write_trends_report(result, out, title=title or "Sector and tone trends", source=src)
        log(f"report written to {out}")
    raise typer.Exit(EXIT_RECORD_ERRORS if r["errors"] or r["dated"] == 0 else EXIT_OK)
