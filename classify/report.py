"""The drift report: one self-contained HTML page with plotly charts (works offline, no CDN).

It shows what a reader asks first: which themes are rising (emerging topics' shares over
time, flagged periods starred), how each topic moves (a heatmap of shares, scaled per topic so
small topics are visible too, emerging cells marked), how much the mix changes from one period
to the next (Jensen-Shannon drift with the number of records per period), and tables of the
flagged events and of all topics. plotly is imported inside functions only.
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path
from typing import Any

from classify.pages import fig_html, page, write_page

__all__ = [
    "MAX_HEATMAP_ROWS",
    "MAX_LINES",
    "MAX_EVENTS",
    "render_report",
    "write_report",
]

MAX_HEATMAP_ROWS = 50
MAX_LINES = 6
MAX_EVENTS = 40


def _name(t: dict) -> str:
    return f"{t['id']}: {t['label']}"


def _top_emerging(result: dict, k: int) -> list[tuple[int, dict]]:
    """The ``k`` topics with the strongest emerging event, each with that event."""
    best: dict[int, dict] = {}
    for e in result["emerging"]:
        if e["topic"] not in best or e["score"] > best[e["topic"]]["score"]:
            best[e["topic"]] = e
    return sorted(best.items(), key=lambda kv: -kv[1]["score"])[:k]


def _emerging_figure(result: dict, labels: dict[int, dict]) -> Any:
    """Small multiples: share over time of the topics with the strongest emerging events.

    One panel per topic with its own y axis, so a small topic's rise is as visible as a big
    one's; flagged periods are starred.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    periods = result["periods"]
    chosen = _top_emerging(result, MAX_LINES)
    cols = 2 if len(chosen) > 1 else 1
    rows = (len(chosen) + cols - 1) // cols
    titles = [
        f"{t}: {html.escape(labels[t]['label'])} — score {e['score']:+.1f} in {e['period']}"
        for t, e in chosen
    ]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        shared_xaxes=False,
        vertical_spacing=0.5 / max(rows, 1) if rows > 1 else 0.1,
        horizontal_spacing=0.07,
    )
    share = {(s["period"], s["topic"]): s for s in result["shares"]}
    flagged = defaultdict(dict)
    for e in result["emerging"]:
        flagged[e["topic"]][e["period"]] = e
    for k, (t, _) in enumerate(chosen):
        r, c = k // cols + 1, k % cols + 1
        ys = [share[(p, t)]["share"] for p in periods]
        fig.add_trace(
            go.Scatter(
                x=periods,
                y=[None if y is None else 100 * y for y in ys],
                mode="lines",
                showlegend=False,
                line={"color": "#1f77b4", "width": 2},
                customdata=[share[(p, t)]["count"] for p in periods],
                hovertemplate="%{x}: %{y:.2f}% (%{customdata} records)<extra></extra>",
            ),
            row=r,
            col=c,
        )
        fx = [p for p in periods if p in flagged[t]]
        fig.add_trace(
            go.Scatter(
                x=fx,
                y=[100 * flagged[t][p]["share"] for p in fx],
                mode="markers",
                showlegend=False,
                marker={
                    "symbol": "star",
                    "size": 12,
                    "color": "#d62728",
                    "line": {"width": 0.5, "color": "black"},
                },
                customdata=[
                    [
                        flagged[t][p]["score"],
                        flagged[t][p]["count"],
                        100 * flagged[t][p]["baseline_share"],
                    ]
                    for p in fx
                ],
                hovertemplate=(
                    "emerging %{x}: score %{customdata[0]:+.2f}, %{customdata[1]} records, "
                    "share %{y:.2f}% vs %{customdata[2]:.2f}% before<extra></extra>"
                ),
            ),
            row=r,
            col=c,
        )
        fig.update_xaxes(
            type="category",
            categoryorder="array",
            categoryarray=periods,
            row=r,
            col=c,
            tickangle=-45,
            tickfont={"size": 9},
            nticks=18,
        )
        fig.update_yaxes(rangemode="tozero", ticksuffix="%", row=r, col=c)
    fig.update_annotations(font_size=13)
    fig.update_layout(
        title="Strongest emerging topics: share of dated records per period (★ = flagged emerging)",
        height=120 + 260 * rows,
        margin={"l": 50, "r": 20, "t": 90, "b": 40},
    )
    return fig


def _heatmap_figure(result: dict, labels: dict[int, dict]) -> tuple[Any, int]:
    """Topic x period heatmap of shares, each row scaled to its own peak; ▲ marks emerging cells."""
    import plotly.graph_objects as go

    periods = result["periods"]
    flagged = {e["topic"] for e in result["emerging"]}
    topics = [t for t in result["topics"] if t["id"] != -1]
    topics.sort(key=lambda t: -t["count"])
    keep = [t for t in topics if t["id"] in flagged][:MAX_HEATMAP_ROWS]
    keep += [t for t in topics if t not in keep][: max(0, MAX_HEATMAP_ROWS - len(keep))]
    hidden = len(topics) - len(keep)
    share = {(s["period"], s["topic"]): s for s in result["shares"]}

    def peak_period(t: dict) -> int:
        vals = [(share[(p, t["id"])]["share"] or 0.0) for p in periods]
        return max(range(len(vals)), key=lambda i: vals[i]) if vals else 0

    keep.sort(key=lambda t: (peak_period(t), -t["count"]))  # rows ordered by when they peak
    z, text = [], []
    for t in keep:
        row = [share[(p, t["id"])]["share"] for p in periods]
        top = max((v for v in row if v is not None), default=0.0) or 1.0
        z.append([None if v is None else v / top for v in row])
        text.append(
            [
                "no records"
                if v is None
                else f"{100 * v:.2f}% ({share[(p, t['id'])]['count']} records)"
                for p, v in zip(periods, row, strict=True)
            ]
        )
    ylab = [_name(t) for t in keep]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=periods,
            y=ylab,
            text=text,
            colorscale="Blues",
            zmin=0,
            zmax=1,
            xgap=1,
            ygap=1,
            hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
            colorbar={
                "title": {"text": "share / topic's<br>peak share", "side": "right"},
                "thickness": 12,
            },
        )
    )
    for key, symbol, color in (("emerging", "triangle-up", "#d62728"),):
        ev = [e for e in result[key] if e["topic"] in {t["id"] for t in keep}]
        if not ev:
            continue
        name_of = {t["id"]: _name(t) for t in keep}
        fig.add_trace(
            go.Scatter(
                x=[e["period"] for e in ev],
                y=[name_of[e["topic"]] for e in ev],
                mode="markers",
                name=key,
                marker={
                    "symbol": symbol,
                    "size": 9,
                    "color": color,
                    "line": {"width": 0.5, "color": "white"},
                },
                customdata=[[e["score"], e["count"]] for e in ev],
                hovertemplate=f"{key} %{{x}}: score %{{customdata[0]:+.2f}}, %{{customdata[1]}} records<extra>%{{y}}</extra>",
            )
        )
    fig.update_layout(
        title="Topic shares per period (each row scaled to its own peak share; ▲ = flagged emerging)",
        height=max(360, 140 + 18 * len(keep)),
        margin={"l": 20, "r": 20, "t": 50, "b": 40},
        xaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": periods,
            "side": "bottom",
        },
        yaxis={
            "type": "category",
            "automargin": True,
            "autorange": "reversed",
            "tickfont": {"size": 11},
        },
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    )
    return fig, hidden


def _drift_figure(result: dict) -> Any:
    """Jensen-Shannon drift per period (top) above the number of dated records per period (bottom)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    periods = result["periods"]
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.06
    )
    js = {d["period"]: d["js"] for d in result["drift"]}
    n = {p["period"]: p["n"] for p in result["period_sizes"]}
    fig.add_trace(
        go.Scatter(
            x=periods,
            y=[js.get(p) for p in periods],  # gaps where a period has no records: no line across
            customdata=[n[p] for p in periods],
            mode="lines+markers",
            connectgaps=False,
            name="drift",
            line={"color": "#1f77b4", "width": 2},
            hovertemplate="%{x}: JS %{y:.3f} (%{customdata} records)<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=periods,
            y=[p["n"] for p in result["period_sizes"]],
            name="dated records",
            marker_color="#9e9e9e",
            hovertemplate="%{x}: %{y} records<extra></extra>",
        ),
        row=2,
        col=1,
    )
    fig.update_layout(
        title="Drift: how much the topic mix changed from the previous period (few records = noisy)",
        height=460,
        showlegend=False,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    for r in (1, 2):
        fig.update_xaxes(
            type="category", categoryorder="array", categoryarray=periods, row=r, col=1
        )
    fig.update_yaxes(
        title_text="JS divergence<br>(0 same, 1 disjoint)", rangemode="tozero", row=1, col=1
    )
    fig.update_yaxes(title_text="records", rangemode="tozero", row=2, col=1)
    return fig


def _table(headers: list[str], rows: list[list[Any]], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>" for c in r)
        + "</tr>"
        for r in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _sparkline(values: list[float], mark: int | None = None, w: int = 140, h: int = 26) -> str:
    """An inline SVG line of ``values`` (one per period), the ``mark`` period as a red dot."""
    if not values:
        return ""
    top = max(values) or 1.0
    step = w / max(1, len(values) - 1)
    pts = [(i * step, h - 2 - (h - 4) * v / top) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    dot = ""
    if mark is not None and 0 <= mark < len(pts):
        x, y = pts[mark]
        dot = f"<circle cx='{x:.1f}' cy='{y:.1f}' r='2.5' fill='#d62728'/>"
    return (
        f"<svg class='spark' width='{w}' height='{h}' viewBox='0 0 {w} {h}'>"
        f"<polyline fill='none' stroke='#1f77b4' stroke-width='1.3' points='{line}'/>{dot}</svg>"
    )


def _timeline_table(result: dict) -> str:
    """The one-minute table: per period, the strongest named events (topics and terms)."""
    body = []
    for row in result.get("timeline", []):
        items = []
        for e in row["events"]:
            what = "topics " + ", ".join(map(str, e["topics"])) if e["topics"] else "term"
            items.append(
                f"<b>{html.escape(e['name'])}</b> <span class='k'>({html.escape(what)}; "
                f"{e['count']} records, score {e['score']:+.1f})</span>"
            )
        ex = ", ".join(html.escape(x) for x in row["events"][0]["examples"][:3])
        body.append(
            f"<tr><td>{html.escape(row['period'])}</td><td>{' · '.join(items)}</td>"
            f"<td class='ids'>{ex}</td></tr>"
        )
    return (
        "<table class='timeline'><thead><tr><th>period</th><th>what emerged (strongest first)</th>"
        f"<th>examples of the first</th></tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _terms_table(result: dict, per_period: int = 5) -> str:
    """Emerging terms: the strongest per period, with a share sparkline and example ids."""
    n = {x["period"]: x["n"] for x in result["period_sizes"]}
    pos = {p: i for i, p in enumerate(result["periods"])}
    by: dict[str, list[dict]] = defaultdict(list)
    for r in result.get("emerging_terms", []):
        by[r["period"]].append(r)
    body = []
    for p in result["periods"]:
        for r in by.get(p, [])[:per_period]:
            shares = [
                c / n[q] if n[q] else 0.0
                for c, q in zip(r["counts"], result["periods"], strict=True)
            ]
            rel = ", ".join(r["related"][:4])
            body.append(
                "<tr>"
                + "".join(
                    f"<td>{html.escape(str(c))}</td>"
                    for c in (
                        p,
                        r["term"],
                        r["kind"] + (" · yearly" if r.get("recurring") else ""),
                        f"{r['score']:+.2f}",
                        r["count"],
                        f"{100 * r['share']:.2f}% vs {100 * r['baseline_share']:.2f}%",
                        rel,
                    )
                )
                + f"<td>{_sparkline(shares, pos[p])}</td>"
                + f"<td class='ids'>{html.escape(', '.join(r['examples']))}</td></tr>"
            )
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "period",
            "term",
            "kind",
            "score",
            "records",
            "share vs before",
            "same event",
            "share over time",
            "example ids",
        )
    )
    return (
        f"<table class='terms'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def render_report(result: dict[str, Any], title: str = "Topic drift", source: str = "") -> str:
    """The HTML report for a drift document (see :func:`classify.drift.compute_drift`)."""
    labels = {t["id"]: t for t in result["topics"]}
    r = result["records"]
    st = result["statistic"]
    n_topics = sum(1 for t in result["topics"] if t["id"] != -1)
    parts: list[str] = []
    span = (
        f"{result['periods'][0]} – {result['periods'][-1]}"
        if result["periods"]
        else "no dated records"
    )
    parts.append(
        f"<p class='summary'><b>{r['total']}</b> records: <b>{r['dated']}</b> dated, "
        f"<b>{r['undated']}</b> undated (not in the charts), <b>{r['skipped']}</b> unreadable or empty. "
        f"<b>{n_topics}</b> topics, {len(result['periods'])} {result['period_type']} periods ({span}). "
        f"<b>{len(result['emerging'])}</b> emerging, <b>{len(result['fading'])}</b> fading, "
        f"<b>{len(result['new'])}</b> new topic events.</p>"
    )
    parts.append(
        "<p class='method'>Emerging score = log<sub>2</sub> of a topic's share in the period over its share in the "
        f"previous {st['baseline_periods']} periods, both shrunk towards the topic's overall share by {st['prior']:g} "
        f"pseudo-records of the topic (so small periods and rare topics cannot swing it). Flagged emerging at score ≥ {st['threshold']:g} "
        f"(share doubled) when the rise is also significant (two-proportion z ≥ {st['min_z']:g}) and the topic has "
        f"at least {st['min_count']} records in the period; fading likewise at score ≤ −{st['threshold']:g}. "
        f"New = first period with {st['min_count']}+ records after fewer than that in all earlier periods.</p>"
    )
    notes = list(result.get("warnings", []))
    partial = [x for x in result.get("period_sizes", []) if "partial" in x]
    if partial:
        notes.append(
            "partial periods (data cover only part of them; shares shown, not scored): "
            + ", ".join(f"{x['period']} ({100 * x['partial']:.0f}% of its days)" for x in partial)
        )
    if notes:
        parts.append(
            "<div class='warn'>" + "".join(f"<p>⚠ {html.escape(w)}</p>" for w in notes) + "</div>"
        )
    if result.get("timeline"):
        parts.append(f"<h2>What emerged, {result['period_type']} by {result['period_type']}</h2>")
        parts.append(_timeline_table(result))
    top = _top_emerging(result, 5)
    if top:
        items = "".join(
            f"<li><b>{html.escape(e['period'])}</b> · topic {t} <b>{html.escape(labels[t]['label'])}</b>: "
            f"{100 * e['share']:.1f}% of records vs {100 * e['baseline_share']:.1f}% before "
            f"({e['count']} records, score {e['score']:+.2f}, z {e['z']:.1f})</li>"
            for t, e in top
        )
        parts.append(f"<p><b>Strongest emerging topics</b></p><ul class='top'>{items}</ul>")
    if result["periods"]:
        if result["emerging"]:
            parts.append(fig_html(_emerging_figure(result, labels)))
        else:
            parts.append("<p><i>No topic passed the emerging threshold.</i></p>")
        heat, hidden = _heatmap_figure(result, labels)
        parts.append(fig_html(heat))
        if hidden:
            parts.append(
                f"<p class='note'>{hidden} smaller topics without an emerging flag are not in the heatmap; "
                "all topics are in the table below.</p>"
            )
        parts.append(fig_html(_drift_figure(result)))
    if result.get("emerging_terms"):
        parts.append("<h2>Emerging terms</h2>")
        parts.append(
            "<p class='method'>Words, phrases and lexicon names whose share of records jumps, "
            "scored with the same statistic as the topics (at least "
            f"{st.get('term_min_count', 5)} records in the period); terms whose records are "
            'mostly the same as a stronger term\'s are folded into it ("same event").</p>'
        )
        parts.append(_terms_table(result))
    events = (
        (
            "Strongest emerging events",
            sorted(result["emerging"], key=lambda e: -e["score"])[:MAX_EVENTS],
        ),
        (
            "Strongest fading events",
            sorted(
                (e for e in result["fading"] if "falls_back_from" not in e),
                key=lambda e: e["score"],
            )[: MAX_EVENTS // 2],
        ),
    )
    for heading_text, rows in events:
        if rows:
            parts.append(f"<h2>{heading_text}</h2>")
            parts.append(_events_table(rows, labels))
    emerging_in = defaultdict(list)
    for e in result["emerging"]:
        emerging_in[e["topic"]].append(e["period"])
    new_in = {e["topic"]: e["period"] for e in result["new"]}
    parts.append("<h2>Topics</h2>")
    parts.append(
        _table(
            [
                "id",
                "label",
                "records",
                "top terms",
                "first seen",
                "last seen",
                "new in",
                "emerging in",
                "same theme as",
            ],
            [
                [
                    t["id"],
                    t["label"],
                    t["count"],
                    ", ".join(t["terms"][:8]),
                    t.get("first_seen") or "",
                    t.get("last_seen") or "",
                    new_in.get(t["id"], ""),
                    ", ".join(emerging_in[t["id"]][:6])
                    + (" …" if len(emerging_in[t["id"]]) > 6 else ""),
                    ", ".join(map(str, t.get("same_theme", []))),
                ]
                for t in sorted(result["topics"], key=lambda t: t["id"])
            ],
            cls="topics",
        )
    )
    return page(
        title,
        parts,
        source=source,
        command="classify drift",
        extra_css="table.topics td:nth-child(4){max-width:520px}.k{color:#666;font-size:.9em}"
        "td.ids{font-size:.8em;color:#555;max-width:260px}"
        "table.timeline td:first-child,table.terms td:first-child{white-space:nowrap}",
    )


def write_report(
    result: dict[str, Any], path: str | Path, title: str = "Topic drift", source: str = ""
) -> Path:
    """Write the HTML report to ``path`` (via a temporary file, so a reader never sees half a page)."""
    return write_page(path, render_report(result, title=title, source=source))


def _events_table(events: list[dict], labels: dict) -> str:
    """Emerging or fading events as an HTML table (period, topic, score, counts, shares)."""
    return _table(
        [
            "period",
            "topic",
            "label",
            "event",
            "terms in the period",
            "score",
            "records",
            "share",
            "share before",
            "example ids",
        ],
        [
            [
                e["period"],
                e["topic"],
                labels[e["topic"]]["label"],
                e.get("name") or "",
                ", ".join(e.get("terms", [])),
                f"{e['score']:+.2f}",
                e["count"],
                f"{100 * e['share']:.2f}%",
                f"{100 * e['baseline_share']:.2f}%",
                ", ".join(e.get("examples", [])),
            ]
            for e in events
        ],
    )
