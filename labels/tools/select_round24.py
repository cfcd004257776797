"""Round 24's selection (selection only: annotators never see a model's output).

Four parts, each id once, skipping every labelled, eval and agreement id:

- ``round24:zh:v017-p-easing``: the 150 Chinese headlines (36Kr, Toutiao) v017 gives the
  highest P(easing) (round 23's zh P(easing) part found 37 easing labels in 150);
- ``round24:zh:v017-tightening-band``: 100 drawn at random from the Chinese headlines whose
  v017 P(tightening) is between 0.15 and 0.5, where the out-of-fold Chinese tightening
  errors sit (CV F1 0.64: 新国标, App removals, arrests the model half sees);
- ``round24:en:random``: 150 English feed items drawn at random (the English tone on the
  random picks is the weakest figure, 0.59–0.60, and rests on ~1,150 items);
- ``round24:zh:v017-uncertainty``: 100 Chinese headlines whose top sector probability is
  nearest the decision (|P − 0.5| smallest over the sectors, ties by id), for the weak
  Chinese sectors (media_social 0.65, cross_sector 0.40, cloud 0.66, other_tech 0.66).

Usage: classify tag CORPUS -o TAGGED (for each corpus, v017), then
python labels/tools/select_round24.py labels/ OUT.jsonl TAGGED...
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from select_rounds import labelled_ids, tagged_pools, take, write_selection

SEED = 24


def main(labels: str, out: str, tagged: list[str]) -> None:
    known = labelled_ids(Path(labels))
    zh, en = tagged_pools(tagged, known)
    rng = random.Random(SEED)
    sel: dict[str, str] = {}

    take(
        sel, sorted(zh, key=lambda r: -r["tone_scores"]["easing"]), 150, "round24:zh:v017-p-easing"
    )
    band = [r for r in zh if 0.15 <= r["tone_scores"]["tightening"] <= 0.5 and r["id"] not in sel]
    take(sel, rng.sample(band, min(100, len(band))), 100, "round24:zh:v017-tightening-band")
    take(sel, rng.sample(en, min(150, len(en))), 150, "round24:en:random")
    margin = sorted(zh, key=lambda r: min(abs(p - 0.5) for p in r["sector_scores"].values()))
    take(sel, margin, 100, "round24:zh:v017-uncertainty")
    write_selection(out, sel)
    print(f"{len(sel)} selected; band pool {len(band)}, en pool {len(en)}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
