"""Which burst statistic finds named events: shrunk share + z (kept) or Kleinberg's automaton.

On the 68,637 dated 36Kr headlines (../shared/corpora), monthly, the same term counts
(``classify.terms.TermIndex``: words, phrases, lexicon names in at least 5 records) are scored
two ways:

- **shrunk**: ``classify.drift.rise_statistics`` (log2 of shrunk shares against the trailing
  3 months, flagged at score >= 1 and z >= 3, count >= 5) - the statistic the topic drift uses;
- **kleinberg**: ``classify.terms.kleinberg_states`` (two states, s = 2, gamma = 1), a term
  flagged in each month its Viterbi path is in the burst state (count >= 5), ranked by the
  month's burst weight.

For events whose month is public knowledge (launches and waves covered by every outlet), it
prints the rank of the event's term among the flagged terms of that month (1 = the month's
strongest; '-' = not flagged), how many (month, term) pairs each method flags, and how many
distinct terms it flags in 12 or more of the 34 months (a statistic that re-flags the same
big words every month tells a reader nothing). Not a test: it prints figures.

Usage: uv run python benchmarks/term_bursts.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
KR = ROOT.parent / "shared" / "corpora" / "36kr_hotlist.jsonl"

#: (term as TermIndex spells it, months where it is known to have broken out)
EVENTS = [
    ("sora", ("2024-02",)),  # OpenAI's Sora video model shown, 15 Feb 2024
    ("gpt-4o", ("2024-05",)),  # released 13 May 2024
    ("@apollo_go", ("2024-07",)),  # robotaxi wave in Wuhan, July 2024
    ("@black_myth", ("2024-08",)),  # the game's release, 20 Aug 2024
    ("o1", ("2024-09",)),  # OpenAI o1, 12 Sep 2024
    ("@deepseek", ("2025-01", "2025-02")),  # R1, 20 Jan 2025, and the February wave
    ("manus", ("2025-03",)),  # the agent's invitation-only launch, 6 Mar 2025
    ("关税", ("2025-04",)),  # US "reciprocal" tariffs, 2 Apr 2025
    ("labubu", ("2025-06",)),  # Pop Mart's Labubu craze, June 2025
    ("gpt-5", ("2025-08",)),  # released 7 Aug 2025
    ("openclaw", ("2026-02", "2026-03")),  # the OpenClaw agent wave (issue #11)
]


def main() -> int:
    if not KR.is_file():
        print(f"skipped: {KR} not found (the shared corpora are not in this checkout)")
        return 0
    from classify.periods import period_of, period_range, rise_statistics
    from classify.terms import TermIndex, kleinberg_states

    recs = [json.loads(line) for line in KR.open(encoding="utf-8")]
    t0 = time.perf_counter()
    ix = TermIndex(min_count=5).fit([r["text"] for r in recs])
    t_index = time.perf_counter() - t0
    keys = [period_of(r.get("date")) for r in recs]
    periods = period_range(min(k for k in keys if k), max(k for k in keys if k), "month")
    pos = {p: i for i, p in enumerate(periods)}
    pidx = np.array([pos.get(k, -1) for k in keys])
    C = ix.period_counts(pidx, len(periods))
    n = np.bincount(pidx[pidx >= 0], minlength=len(periods))
    inner = np.zeros(len(periods), dtype=bool)
    inner[1:-1] = True  # the first and last months are partial: neither method scores them

    t0 = time.perf_counter()
    score, z, _, _ = rise_statistics(C, n, 3, 2.0)
    with np.errstate(invalid="ignore"):
        flag_a = (score >= 1.0) & (z >= 3.0) & (C >= 5) & inner[:, None]
    rank_a = np.where(flag_a, score, -np.inf)
    t_a = time.perf_counter() - t0
    t0 = time.perf_counter()
    states, weight = kleinberg_states(C, n, s=2.0, gamma=1.0)
    flag_b = (states == 1) & (C >= 5) & inner[:, None]
    rank_b = np.where(flag_b, weight, -np.inf)
    t_b = time.perf_counter() - t0

    col = {t: j for j, t in enumerate(ix.terms_)}

    def rank(R: np.ndarray, i: int, j: int) -> str:
        if not np.isfinite(R[i, j]):
            return "-"
        return str(int((R[i] > R[i, j]).sum()) + 1)

    print(f"{len(recs)} headlines, {len(periods)} months, {len(ix.terms_)} terms ({t_index:.1f} s)")
    print(f"{'event':<18} {'month':<8} {'count':>5} {'shrunk':>7} {'kleinberg':>9}")
    hits = {"shrunk": 0, "kleinberg": 0}
    total = 0
    for term, months in EVENTS:
        j = col.get(term)
        for m in months:
            total += 1
            if j is None:
                print(f"{term:<18} {m:<8} {'(not a term)':>23}")
                continue
            i = pos[m]
            ra, rb = rank(rank_a, i, j), rank(rank_b, i, j)
            hits["shrunk"] += ra != "-" and int(ra) <= 10
            hits["kleinberg"] += rb != "-" and int(rb) <= 10
            print(f"{ix.labels_[j]:<18} {m:<8} {int(C[i, j]):>5} {ra:>7} {rb:>9}")
    for name, F, secs in (("shrunk", flag_a, t_a), ("kleinberg", flag_b, t_b)):
        per_term = F.sum(axis=0)
        chronic = [ix.labels_[j] for j in np.argsort(-per_term)[:5] if per_term[j] >= 12]
        print(
            f"{name:<10} in a month's top 10: {hits[name]}/{total} events; flagged "
            f"(month, term) pairs {int(F.sum())}; terms flagged in >= 12 months "
            f"{int((per_term >= 12).sum())} (e.g. {', '.join(chronic) or 'none'}); {secs * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
