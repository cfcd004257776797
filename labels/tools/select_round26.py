"""Round 26's selection (selection only: annotators never see a model's output).

Three parts, each id once, skipping every labelled, eval and agreement id:

- ``round26:en:random``: 400 English feed items drawn at random (the English feed's sector
  macro-F1, 0.764 in v019's CV, is the furthest from its aim of the three sources, and its
  random picks are what the decisions are tuned on);
- ``round26:en:v019-uncertainty``: 100 English feed items whose sector probability is nearest
  the decision (|P − 0.5| smallest over the sectors, ties by id);
- ``round26:zh:v019-uncertainty``: 100 Chinese headlines chosen the same way (Chinese sector
  macro-F1 0.748 in v019's CV).

No tone query this round: round 9's Chinese easing query is spent (2 easing in round 25's
100), a wider one (plans, licences, 门槛, 奖励, 降息…) nominates 185 unlabelled headlines that
read as product and market stories, and the English easing query nominates none that are not
labelled already.

Usage: classify tag CORPUS -o TAGGED (for each corpus, v019), then
python labels/tools/select_round26.py labels/ OUT.jsonl TAGGED...
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from select_rounds import labelled_ids, tagged_pools, take, write_selection

SEED = 26


def _margin(r: dict) -> float:
    return min(abs(p - 0.5) for p in r["sector_scores"].values())


def main(labels: str, out: str, tagged: list[str]) -> None:
    known = labelled_ids(Path(labels))
    zh, en = tagged_pools(tagged, known)
    rng = random.Random(SEED)
    sel: dict[str, str] = {}

    take(sel, rng.sample(en, min(400, len(en))), 400, "round26:en:random")
    take(
        sel,
        sorted((r for r in en if r["id"] not in sel), key=_margin),
        100,
        "round26:en:v019-uncertainty",
    )
    take(sel, sorted(zh, key=_margin), 100, "round26:zh:v019-uncertainty")
    write_selection(out, sel)
    print(f"{len(sel)} selected; en pool {len(en)}, zh pool {len(zh)}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
