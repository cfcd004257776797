"""Per-label agreement between two annotations of the same items (the blind 10% re-label).

Usage: python labels/tools/agreement.py FIRST.jsonl SECOND.jsonl [--json]
FIRST may be a full label file; only ids present in SECOND are compared.
Reports per sector: positives by each annotator, Cohen's kappa, F1 of the second against the first;
tone: exact agreement and Cohen's kappa; sectors: exact-set agreement and Jaccard.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from classify.schema import SECTORS, TONES  # noqa: E402


def kappa(a: list, b: list) -> float:
    n = len(a)
    if n == 0:
        return float("nan")
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    cats = set(a) | set(b)
    pe = sum((a.count(c) / n) * (b.count(c) / n) for c in cats)
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)


def compare(first: dict, second: dict) -> dict:
    ids = [i for i in second if i in first]
    out: dict = {"n": len(ids), "sectors": {}}
    for s in SECTORS:
        a = [s in first[i]["sectors"] for i in ids]
        b = [s in second[i]["sectors"] for i in ids]
        tp = sum(x and y for x, y in zip(a, b, strict=True))
        f1 = 2 * tp / (sum(a) + sum(b)) if (sum(a) + sum(b)) else None
        out["sectors"][s] = {
            "first": sum(a),
            "second": sum(b),
            "both": tp,
            "agree": sum(x == y for x, y in zip(a, b, strict=True)) / len(ids),
            "kappa": round(kappa(a, b), 3) if (sum(a) + sum(b)) else None,
            "f1": round(f1, 3) if f1 is not None else None,
        }
    ta = [first[i]["tone"] for i in ids]
    tb = [second[i]["tone"] for i in ids]
    out["tone"] = {
        "agree": round(sum(x == y for x, y in zip(ta, tb, strict=True)) / len(ids), 3),
        "kappa": round(kappa(ta, tb), 3),
        "pairs": {
            f"{x}->{y}": sum(1 for p, q in zip(ta, tb, strict=True) if (p, q) == (x, y))
            for x in TONES
            for y in TONES
            if x != y and any((p, q) == (x, y) for p, q in zip(ta, tb, strict=True))
        },
    }
    exact = sum(set(first[i]["sectors"]) == set(second[i]["sectors"]) for i in ids) / len(ids)
    jac = sum(
        len(set(first[i]["sectors"]) & set(second[i]["sectors"]))
        / max(1, len(set(first[i]["sectors"]) | set(second[i]["sectors"])))
        for i in ids
    ) / len(ids)
    f1s = [v["f1"] for v in out["sectors"].values() if v["f1"] is not None]
    out["sector_sets"] = {
        "exact": round(exact, 3),
        "jaccard": round(jac, 3),
        "macro_f1": round(sum(f1s) / len(f1s), 3),
    }
    out["disagreements"] = [
        {
            "id": i,
            "first": [first[i]["sectors"], first[i]["tone"]],
            "second": [second[i]["sectors"], second[i]["tone"]],
        }
        for i in ids
        if set(first[i]["sectors"]) != set(second[i]["sectors"])
        or first[i]["tone"] != second[i]["tone"]
    ]
    return out


def load(path: str) -> dict:
    return {d["id"]: d for d in map(json.loads, open(path, encoding="utf-8"))}


if __name__ == "__main__":
    res = compare(load(sys.argv[1]), load(sys.argv[2]))
    if "--json" in sys.argv:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        print(
            f"n={res['n']} sector sets: {res['sector_sets']}  tone: agree {res['tone']['agree']} kappa {res['tone']['kappa']} {res['tone']['pairs']}"
        )
        for s, v in res["sectors"].items():
            if v["first"] or v["second"]:
                print(
                    f"  {s:15s} first {v['first']:3d} second {v['second']:3d} both {v['both']:3d} kappa {v['kappa']} f1 {v['f1']}"
                )
