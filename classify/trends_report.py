"""The trends report: one self-contained HTML page (plotly inlined, works offline).

Three charts a reader looks at rather than reads: the tone index per period with its 95%
band (and the policy-news-only index beside it), the tightening / easing / neutral shares
stacked per period, and a sector x period heatmap of shares; then the figures as a table.
Partial first/last periods are drawn hollow and named in a note.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from classify.pages import fig_html, page, write_page
from classify.schema import SECTORS

__all__ = ["render_trends_report", "write_trends_report"]

TONE_COLOURS = {"tightening": "#d62728", "easing": "#2ca02c", "neutral": "#7f7f7f"}


def _index_figure(rows: list[dict], title: str) -> Any:
    """Tone index with its band and the policy-only index (top), records per period (bottom)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    x = [r["period"] for r in rows]
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.05
    )
    hi = [r["tone_index_high"] for r in rows]
    lo = [r["tone_index_low"] for r in rows]
    fig.add_trace(
        go.Scatter(x=x, y=hi, mode="lines", line={"width": 0}, showlegend=False), row=1, col=1
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=lo,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(31,119,180,0.25)",
            name="95% interval",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[r["tone_index"] for r in rows],
            mode="lines+markers",
            name="tone index, all records",
            line={"color": "#1f77b4", "width": 2},
            marker={
                "symbol": ["circle-open" if "partial" in r else "circle" for r in rows],
                "size": 8,
            },
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[r["policy_tone_index"] for r in rows],
            mode="lines+markers",
            name="tone index, policy news only (tone not 'none')",
            line={"color": "#9467bd", "dash": "dot"},
            marker={"size": 5},
            text=[f"{r['policy_n']} policy records" for r in rows],
        ),
        row=1,
        col=1,
    )
    fig.add_hline(y=0, line={"color": "#999", "width": 1}, row=1, col=1)
    fig.add_trace(
        go.Bar(x=x, y=[r["n"] for r in rows], name="records", marker_color="#9fb7d6"),
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text="P(easing) − P(tightening)", row=1, col=1)
    fig.update_yaxes(title_text="records", row=2, col=1)
    fig.update_layout(
        title=title, height=520, margin={"t": 60, "b": 40}, legend={"orientation": "h", "y": -0.12}
    )
    return fig


def _tone_figure(rows: list[dict]) -> Any:
    import plotly.graph_objects as go

    x = [r["period"] for r in rows]
    fig = go.Figure()
    for tone, colour in TONE_COLOURS.items():
        fig.add_trace(
            go.Bar(
                x=x,
                y=[100 * r["tone"].get(tone, 0) if r["n"] else None for r in rows],
                name=tone,
                marker_color=colour,
            )
        )
    fig.update_layout(
        barmode="stack",
        title="Share of records by tone (the rest are 'none': no regulatory content)",
        yaxis_title="% of records",
        height=360,
        margin={"t": 60, "b": 40},
        legend={"orientation": "h"},
    )
    return fig


def _sector_figure(rows: list[dict]) -> Any:
    import plotly.graph_objects as go

    x = [r["period"] for r in rows]
    z = [[100 * r["sectors"].get(s, 0) if r["n"] else None for r in rows] for s in SECTORS]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=x, y=list(SECTORS), colorscale="Blues", colorbar={"title": "% of records"}
        )
    )
    fig.update_layout(title="Sector shares per period", height=520, margin={"t": 60, "b": 40})
    return fig


def _table(rows: list[dict]) -> str:
    head = (
        "<tr><th>period</th><th>records</th><th>tightening</th><th>easing</th><th>neutral</th>"
        "<th>tone index [95%]</th><th>policy-only index (n)</th><th>top sectors</th></tr>"
    )
    body = []
    for r in rows:
        if not r["n"]:
            body.append(f"<tr><td>{r['period']}</td><td>0</td>" + "<td></td>" * 6 + "</tr>")
            continue
        top = sorted(r["sectors"].items(), key=lambda kv: -kv[1])[:3]
        pol = (
            f"{r['policy_tone_index']:+.3f} ({r['policy_n']})"
            if r["policy_tone_index"] is not None
            else ""
        )
        mark = " (partial)" if "partial" in r else ""
        body.append(
            f"<tr><td>{html.escape(r['period'])}{mark}</td><td>{r['n']}</td>"
            + "".join(f"<td>{100 * r['tone'][t]:.1f}%</td>" for t in TONE_COLOURS)
            + f"<td>{r['tone_index']:+.3f} [{r['tone_index_low']:+.3f}, {r['tone_index_high']:+.3f}]</td>"
            + f"<td>{pol}</td><td>"
            + ", ".join(f"{s} {100 * v:.0f}%" for s, v in top)
            + "</td></tr>"
        )
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def render_trends_report(result: dict[str, Any], title: str = "Trends", source: str = "") -> str:
    """The HTML page for a trends document (:func:`classify.trends.trends`)."""
    rows = result["periods"]
    r = result["records"]
    parts = [
        f"<p class='summary'><b>{r['total']}</b> records: <b>{r['dated']}</b> dated and tagged, "
        f"<b>{r['undated']}</b> undated, <b>{r['errors']}</b> with an error (neither in the "
        f"charts); {len(rows)} {result['period_type']} periods. Tone index = P(easing) − "
        f"P(tightening) per record, averaged; band: {html.escape(result['interval'])}.</p>"
    ]
    partial = [x["period"] for x in rows if "partial" in x]
    if partial:
        parts.append(
            "<p class='warn'>⚠ partial periods (the data cover only part of them; hollow "
            f"markers): {html.escape(', '.join(partial))}</p>"
        )
    if rows:
        parts.append(fig_html(_index_figure(rows, "Regulatory tone index over time")))
        parts.append(fig_html(_tone_figure(rows)))
        parts.append(fig_html(_sector_figure(rows)))
        parts.append("<h2>Per period</h2>" + _table(rows))
    return page(title, parts, source=source, command="classify trends")


def write_trends_report(
    result: dict[str, Any], path: str | Path, title: str = "Trends", source: str = ""
) -> Path:
    """Write the page via a temporary file, so a reader never sees half of it."""
    return write_page(path, render_trends_report(result, title=title, source=source))
