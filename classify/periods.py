"""Calendar periods and the rise statistic shared by topic drift, emerging terms and trends.

Periods: :func:`period_of` (``2025-02``, ``2025-Q1``, ``2025``), :func:`period_range`,
:func:`period_bounds`, :func:`partial_periods` (first/last periods the data cover in part).
The statistic: :func:`rise_statistics` (shrunk log2 share ratio against a trailing baseline,
with a two-proportion z; :mod:`classify.drift` explains it) and :func:`two_proportion_z`;
:func:`thin_warnings` says when periods hold too few records to read.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "PERIODS",
    "period_of",
    "period_range",
    "period_bounds",
    "partial_periods",
    "two_proportion_z",
    "rise_statistics",
    "thin_warnings",
    "MIN_COVERAGE",
    "THIN_MEDIAN",
]

PERIODS = ("month", "quarter", "year")


def period_of(date: str | None, period: str = "month") -> str | None:
    """Calendar period of an ISO date or datetime: ``2025-02``, ``2025-Q1`` or ``2025``; None if undated."""
    if not date or len(date) < 7:
        return None
    try:
        year, month = int(date[:4]), int(date[5:7])
    except ValueError:
        return None
    if not 1 <= month <= 12:
        return None
    if period == "month":
        return f"{year:04d}-{month:02d}"
    if period == "quarter":
        return f"{year:04d}-Q{(month - 1) // 3 + 1}"
    if period == "year":
        return f"{year:04d}"
    raise ValueError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")


def _index(p: str, period: str) -> int:
    """A period as a running integer (so ranges and trailing windows are arithmetic)."""
    y = int(p[:4])
    if period == "month":
        return y * 12 + int(p[5:7]) - 1
    if period == "quarter":
        return y * 4 + int(p[-1]) - 1
    return y


def _label_of(i: int, period: str) -> str:
    if period == "month":
        return f"{i // 12:04d}-{i % 12 + 1:02d}"
    if period == "quarter":
        return f"{i // 4:04d}-Q{i % 4 + 1}"
    return f"{i:04d}"


def period_range(first: str, last: str, period: str) -> list[str]:
    """Every calendar period from ``first`` to ``last`` inclusive."""
    a, b = _index(first, period), _index(last, period)
    return [_label_of(i, period) for i in range(a, b + 1)]


def two_proportion_z(c1: int, n1: int, c2: int, n2: int) -> float:
    """z statistic of the share c1/n1 against c2/n2 with pooled variance (0 when undefined)."""
    if n1 == 0 or n2 == 0:
        return 0.0
    p = (c1 + c2) / (n1 + n2)
    var = p * (1 - p) * (1 / n1 + 1 / n2)
    return 0.0 if var <= 0 else (c1 / n1 - c2 / n2) / math.sqrt(var)


#: A first or last period whose dates cover less than this share of its days is partial.
MIN_COVERAGE = 0.75
#: Median dated records per period below which a report warns that it is too thin to read.
THIN_MEDIAN = 20


def _parse_day(date: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(date)[:10])
    except (TypeError, ValueError):
        return None


def period_bounds(label: str, period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar period label (``2025-02``, ``2025-Q1``, ``2025``)."""
    i = _index(label, period)
    if period == "month":
        start, months = dt.date(i // 12, i % 12 + 1, 1), 1
    elif period == "quarter":
        start, months = dt.date(i // 4, 3 * (i % 4) + 1, 1), 3
    else:
        start, months = dt.date(i, 1, 1), 12
    m = start.month - 1 + months
    end = dt.date(start.year + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def partial_periods(
    dates: Sequence[str | None], periods: Sequence[str], period: str
) -> dict[int, float]:
    """Positions of the first/last period that the data cover only in part -> covered share.

    The data's first day is the earliest date and its last day the latest; a first period
    that starts before the first day (or a last one that ends after the last day) by more
    than ``1 - MIN_COVERAGE`` of its days is partial: its shares rest on a few days, so it is
    marked and not scored as a spike.
    """
    days = [d for d in map(_parse_day, dates) if d is not None]
    if not days or not periods:
        return {}
    first, last = min(days), max(days)
    out: dict[int, float] = {}
    for i in {0, len(periods) - 1}:
        a, b = period_bounds(periods[i], period)
        lo, hi = max(a, first), min(b, last)
        cover = max(0, (hi - lo).days + 1) / ((b - a).days + 1)
        if cover < MIN_COVERAGE:
            out[i] = round(cover, 3)
    return out


def thin_warnings(n: np.ndarray, period: str) -> list[str]:
    """Warnings a reader needs before trusting shares: too few records per period."""
    n = np.asarray(n)
    if len(n) == 0:
        return []
    med = float(np.median(n))
    if med >= THIN_MEDIAN:
        return []
    coarser = {"month": " (try --period quarter or year)", "quarter": " (try --period year)"}
    return [
        f"too thin to read: {int(n.sum())} dated records over {len(n)} {period} periods, "
        f"median {med:g} per period (below {THIN_MEDIAN}); shares and flags rest on a few "
        f"records{coarser.get(period, '')}"
    ]


def rise_statistics(
    C: np.ndarray, n: np.ndarray, baseline: int, prior: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(score, z, baseline counts, baseline sizes) of every column in every period, at once.

    ``C`` is periods x columns (records of each topic or term per period), ``n`` the records
    per period. ``score`` is the shrunk log2 share ratio of the module docstring and ``z`` the
    two-proportion z against the pooled trailing ``baseline`` periods; both are NaN where the
    period or its baseline holds no record, or the column was never seen.
    """
    C = np.asarray(C, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    P, _ = C.shape
    g = C.sum(axis=0) / max(1.0, float(n.sum()))
    cum = np.vstack([np.zeros((1, C.shape[1])), np.cumsum(C, axis=0)])
    ncum = np.concatenate([[0.0], np.cumsum(n)])
    lo = np.maximum(0, np.arange(P) - baseline)
    cb = cum[np.arange(P)] - cum[lo]  # the `baseline` periods before each period, pooled
    nb = (ncum[np.arange(P)] - ncum[lo])[:, None]
    nt = n[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        pseudo = prior / g  # inf for a never-seen column: masked below
        s_t = (C + prior) / (nt + pseudo)
        s_b = (cb + prior) / (nb + pseudo)
        score = np.log2(s_t / s_b)
        pooled = (C + cb) / (nt + nb)
        var = pooled * (1 - pooled) * (1 / nt + 1 / nb)
        z = np.where(var > 0, (C / nt - cb / nb) / np.sqrt(var), 0.0)
    bad = (nt == 0) | (nb == 0) | (g == 0)[None, :]
    score = np.where(bad, np.nan, score)
    z = np.where(bad, np.nan, z)
    return score, z, cb, nb[:, 0]
