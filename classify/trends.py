"""Sectors and regulatory tone over time: per-period shares and the tone index with its interval.

``trends(tags, period="quarter")`` aggregates Tags (from :class:`classify.Predictor` or a
file written by ``classify tag``) by calendar period. For each period: the number of tagged,
dated records ``n``; each sector's share of them; each tone's share; and the mean
``tone_index`` (P(easing) − P(tightening), in [−1, 1]) with a 95% percentile-bootstrap
interval (:data:`BOOTSTRAP` resamples, fixed seed, so the same input gives the same bands).
The same rows are computed for the records of each sector (``by_sector``) and of each
lexicon company named often enough (``by_company``). Periods are every calendar period from
the first to the last dated record; a period without records has ``n`` 0 and null figures.
``policy_tone_index`` is the same mean over the records whose tone is not ``none`` (the
policy news only; ``policy_n`` of them). A first or last period the data cover only in part
carries ``partial`` (the covered share of its days, :func:`classify.periods.partial_periods`).
Records without a usable date are counted in ``records.undated``; error records (a Tag with
``error``) in ``records.errors``; neither is in any period.

Why the mean of ``tone_index`` over all records, not only the policy ones: it is the
figure a reader can recompute from the tags, and it moves both when the tone turns and when
policy news becomes more frequent; the tone shares beside it separate the two.
"""

from __future__ import annotations

import sys
import types
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from classify.periods import PERIODS, partial_periods, period_of, period_range
from classify.schema import SECTORS, TONES

__all__ = ["trends", "period_rows", "bootstrap_mean", "BOOTSTRAP", "MIN_COMPANY_RECORDS"]

#: Bootstrap resamples for the tone-index interval.
BOOTSTRAP = 1000
#: A company gets its own series when at least this many dated records name it.
MIN_COMPANY_RECORDS = 20
#: At most this many companies (the most named) get a series.
MAX_COMPANIES = 40
SEED = 0


def _get(tag: Any, key: str) -> Any:
    return tag.get(key) if isinstance(tag, dict) else getattr(tag, key, None)


def bootstrap_mean(
    values: np.ndarray, rng: np.random.Generator, n_boot: int = BOOTSTRAP
) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean of ``values`` (one value: that value twice)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2:
        v = float(values[0]) if len(values) else float("nan")
        return v, v
    means = np.empty(n_boot)
    for start in range(0, n_boot, 100):  # in blocks, so memory stays small on big periods
        k = min(100, n_boot - start)
        idx = rng.integers(0, len(values), size=(k, len(values)))
        means[start : start + k] = values[idx].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)


def period_rows(
    keys: Sequence[int],
    sectors: Sequence[Sequence[str]],
    tones: Sequence[str],
    index: np.ndarray,
    periods: Sequence[str],
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """One row per period for records at period positions ``keys`` (aligned lists)."""
    by_period: dict[int, list[int]] = defaultdict(list)
    for r, k in enumerate(keys):
        by_period[k].append(r)
    out = []
    for i, p in enumerate(periods):
        rows = by_period.get(i, [])
        n = len(rows)
        if not n:
            out.append(
                {
                    "period": p,
                    "n": 0,
                    "sectors": {},
                    "tone": {},
                    "tone_index": None,
                    "tone_index_low": None,
                    "tone_index_high": None,
                    "policy_n": 0,
                    "policy_tone_index": None,
                }
            )
            continue
        sc = Counter(s for r in rows for s in set(sectors[r]))
        tc = Counter(tones[r] for r in rows)
        vals = index[rows]
        lo, hi = bootstrap_mean(vals, rng)
        policy = [r for r in rows if tones[r] != "none"]
        out.append(
            {
                "period": p,
                "n": n,
                "sectors": {s: round(sc.get(s, 0) / n, 6) for s in SECTORS},
                "tone": {t: round(tc.get(t, 0) / n, 6) for t in TONES},
                "tone_index": round(float(vals.mean()), 6),
                "tone_index_low": round(lo, 6),
                "tone_index_high": round(hi, 6),
                "policy_n": len(policy),
                "policy_tone_index": round(float(index[policy].mean()), 6) if policy else None,
            }
        )
    return out


def trends(
    tags: Iterable[Any],
    period: str = "month",
    min_company_records: int = MIN_COMPANY_RECORDS,
    max_companies: int = MAX_COMPANIES,
    seed: int = SEED,
) -> dict[str, Any]:
    """Per-period sector shares, tone shares and tone index, overall, per sector and per company.

    ``tags`` are :class:`classify.Tag` objects or their dicts (``classify tag`` output lines),
    each with ``date``, ``sectors``, ``tone``, ``tone_index`` and ``companies``.
    """
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")
    keys: list[str] = []
    dates: list[str] = []
    sectors: list[list[str]] = []
    tones: list[str] = []
    index: list[float] = []
    companies: list[list[str]] = []
    total = errors = undated = 0
    for tag in tags:
        total += 1
        if _get(tag, "error") is not None or _get(tag, "tone") not in TONES:
            errors += 1
            continue
        k = period_of(_get(tag, "date"), period)
        if k is None:
            undated += 1
            continue
        keys.append(k)
        dates.append(_get(tag, "date"))
        sectors.append(list(_get(tag, "sectors") or []))
        tones.append(_get(tag, "tone"))
        index.append(float(_get(tag, "tone_index") or 0.0))
        companies.append(list(_get(tag, "companies") or []))
    result: dict[str, Any] = {
        "period_type": period,
        "records": {"total": total, "dated": len(keys), "undated": undated, "errors": errors},
        "interval": f"95% percentile bootstrap of the mean, {BOOTSTRAP} resamples, seed {seed}",
        "periods": [],
        "by_sector": {},
        "by_company": {},
    }
    if not keys:
        return result
    labels = period_range(min(keys), max(keys), period)
    pos = {p: i for i, p in enumerate(labels)}
    kpos = [pos[k] for k in keys]
    idx = np.asarray(index)
    rng = np.random.default_rng(seed)
    result["periods"] = period_rows(kpos, sectors, tones, idx, labels, rng)
    partial = partial_periods(dates, labels, period)
    for i, cover in partial.items():
        result["periods"][i]["partial"] = cover

    def subset(rows: list[int]) -> list[dict[str, Any]]:
        return period_rows(
            [kpos[r] for r in rows],
            [sectors[r] for r in rows],
            [tones[r] for r in rows],
            idx[rows],
            labels,
            rng,
        )

    for s in SECTORS:
        rows = [r for r, ss in enumerate(sectors) if s in ss]
        if rows:
            result["by_sector"][s] = subset(rows)
    named = Counter(c for cs in companies for c in set(cs))
    chosen = [c for c, m in named.most_common(max_companies) if m >= min_company_records]
    for c in sorted(chosen, key=lambda c: (-named[c], c)):
        result["by_company"][c] = subset([r for r, cs in enumerate(companies) if c in cs])
    result["companies"] = {c: named[c] for c in chosen}
    return result


def is_tagged_file(path: str) -> bool:
    """True when ``path`` is JSONL written by ``classify tag`` (its first record has tone and sectors)."""
    from classify.io import detect_format, first_json

    if path == "-" or detect_format(path) != "jsonl":
        return False
    obj = first_json(path)
    return isinstance(obj, dict) and "tone" in obj and "sectors" in obj


def read_tags(path: str) -> Iterable[dict[str, Any]]:
    """The Tag dicts of a ``classify tag`` JSONL file; an unreadable line is an error record."""
    from classify.io import json_lines

    for n, obj, err in json_lines(path):
        if err:
            yield {"id": None, "line": n, "error": err}
        else:
            yield obj if isinstance(obj, dict) else {"line": n, "error": "not a JSON object"}


def tags_of(inputs: Sequence[str], model: Any = None, columns: Any = None) -> Iterable[Any]:
    """Tags for every input in order: tagged JSONL files are read as they are, others tagged.

    ``model`` is a :class:`classify.Predictor` (loaded on first need when None); ``columns``
    a :class:`classify.io.Columns` for the untagged inputs.
    """
    from classify.io import DEFAULT_COLUMNS, read_records

    for path in inputs:
        if is_tagged_file(path):
            yield from read_tags(path)
            continue
        if model is None:
            from classify.predictor import Predictor

            model = Predictor.load()
        yield from model.predict_stream(read_records([path], columns=columns or DEFAULT_COLUMNS))


class _CallableModule(types.ModuleType):
    """``classify.trends(...)`` calls :func:`trends` (the front door exports this module, callable)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return trends(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
