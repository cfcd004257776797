"""Nominate unlabelled records by a model's probability of one tone (selection only).

Round 15 took the English feed items that v012 gives the highest P(easing): easing is the
weakest English tone (CV F1 0.52 on the feed), and the keyword pools of rounds 9 and 13 were
used up (164 of 165 items matching round 9's easing query were labelled); round 17 took the
top P(easing) of v013 in each language, round 23 the top P(easing) and P(neutral) of v016
(150 + 100 easing, 50 + 50 neutral, each id once). The probability
only nominates: annotators never saw it, and every label comes from reading the item.

Usage: classify tag CORPUS.jsonl -o TAGGED.jsonl  (the model to rank with), then
python labels/tools/rank_tone.py TAGGED.jsonl labels/ TONE N WHY OUT.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from select_rounds import labelled_ids

if __name__ == "__main__":
    if len(sys.argv) != 7:
        raise SystemExit(__doc__)
    tagged, labels, tone, n, why, out = sys.argv[1:]
    known = labelled_ids(Path(labels))
    rows = [json.loads(line) for line in open(tagged, encoding="utf-8") if line.strip()]
    rows = [r for r in rows if r["id"] not in known and r.get("tone_scores")]
    rows.sort(key=lambda r: (-r["tone_scores"][tone], r["id"]))
    with open(out, "w", encoding="utf-8") as f:
        for r in rows[: int(n)]:
            f.write(json.dumps({"id": r["id"], "selected": why}) + "\n")
