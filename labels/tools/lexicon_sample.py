"""Sample real lexicon entity matches for reading by hand (lexicon precision, issue #10 item 5).

For each corpus, a seeded random sample of (record, entity) matches found by the installed
lexicon, and a sample of the matches the name conditions removed (entities the tokens alone
would have matched: the old behaviour). Each line carries the text to read, so the output goes
outside the repository; the judgements are stored by id in ``labels/lexicon_precision.jsonl``.

Usage: python labels/tools/lexicon_sample.py ../shared/corpora OUT.jsonl [PER_CORPUS]
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from classify.features import lexicon_index
from classify.lexindex import LexiconIndex
from classify.text import default_tokenizer

SEED = 20261203
CORPORA = ("36kr_hotlist.jsonl", "toutiao_hot_chinatech.jsonl", "rss_en.jsonl")


def main(corpora: Path, out: Path, per_corpus: int = 60) -> None:
    idx = lexicon_index()
    legacy = LexiconIndex(idx.phrases, idx.entities, idx.user_words)  # tokens alone decide
    tok = default_tokenizer()
    rng = random.Random(SEED)
    lines = []
    for name in CORPORA:
        kept, removed = [], []
        with open(corpora / name, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                toks = tok.tokenize(r["text"])
                new = {v for g, v in idx.match(toks, r["text"]) if g == "entity"}
                old = {v for g, v in legacy.match(toks) if g == "entity"}
                kept += [(r, e) for e in sorted(new) if idx.entities[e]["kind"] != "regulator"]
                removed += [(r, e) for e in sorted(old - new)]
        for part, pool, n in (("kept", kept, per_corpus), ("removed", removed, per_corpus // 2)):
            for r, e in rng.sample(pool, min(n, len(pool))):
                lines.append(
                    {"id": r["id"], "corpus": name, "sample": part, "entity": e, "text": r["text"]}
                )
            print(f"{name}: {len(pool)} {part} matches", file=sys.stderr)
    with open(out, "w", encoding="utf-8") as fh:
        for x in lines:
            fh.write(json.dumps(x, ensure_ascii=False) + "\n")
    print(f"{len(lines)} samples -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 60)
