"""Round 25's selection (selection only: annotators never see a model's output).

Four parts, each id once, skipping every labelled, eval and agreement id:

- ``round25:en:random``: 300 English feed items drawn at random (the English feed's sector
  macro-F1, 0.77 in v018's CV, is furthest from its aim, and the random picks are what the
  decisions are tuned on);
- ``round25:en:v018-uncertainty``: 100 English feed items whose sector probability is nearest
  the decision (|P − 0.5| smallest over the sectors, ties by id): in v018's out-of-fold
  predictions the English feed's weak sectors are non_tech (0.42: incidental platform
  mentions), cross_sector (0.63), cloud (0.70) and other_tech (0.72);
- ``round25:zh:easing-query``: 100 drawn at random from the Chinese headlines round 9's easing
  query (``select_rounds.ZH_EASING``: approvals, licences, support, subsidies, relaxations)
  still nominates (Chinese easing CV F1 0.56; v017's P(easing) ranking had become a weak
  nominator, 14 easing in 150);
- ``round25:zh:v018-tightening-band``: 100 drawn at random from the Chinese headlines whose
  v018 P(tightening) is between 0.15 and 0.5 (Chinese tightening CV F1 0.65, the weakest of the
  large classes; round 24 drew the same band on v017).

Usage: classify tag CORPUS -o TAGGED (for each corpus, v018), then
python labels/tools/select_round25.py labels/ ../shared/corpora OUT.jsonl TAGGED...
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from select_rounds import ZH_EASING, labelled_ids, load, tagged_pools, take, write_selection

SEED = 25


def main(labels: str, corpora: str, out: str, tagged: list[str]) -> None:
    known = labelled_ids(Path(labels))
    texts = {
        r["id"]: r.get("title") or r.get("text") or ""
        for name in ("36kr_hotlist", "toutiao_hot_chinatech")
        for r in load(Path(corpora), name)
    }
    zh, en = tagged_pools(tagged, known)
    rng = random.Random(SEED)
    sel: dict[str, str] = {}

    take(sel, rng.sample(en, min(300, len(en))), 300, "round25:en:random")
    margin = sorted(
        (r for r in en if r["id"] not in sel),
        key=lambda r: min(abs(p - 0.5) for p in r["sector_scores"].values()),
    )
    take(sel, margin, 100, "round25:en:v018-uncertainty")
    easing = [r for r in zh if ZH_EASING.search(texts.get(r["id"], ""))]
    take(sel, rng.sample(easing, min(100, len(easing))), 100, "round25:zh:easing-query")
    band = [r for r in zh if 0.15 <= r["tone_scores"]["tightening"] <= 0.5 and r["id"] not in sel]
    take(sel, rng.sample(band, min(100, len(band))), 100, "round25:zh:v018-tightening-band")
    write_selection(out, sel)
    print(
        f"{len(sel)} selected; en pool {len(en)}, easing pool {len(easing)}, band pool {len(band)}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
