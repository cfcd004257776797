"""Select the items of labelling rounds 9, 10 and 11 (selection only, never labels).

- round 9: 240 uniform random Chinese headlines (36Kr + Toutiao), then 60 Chinese and 60
  English items nominated by easing keyword queries (approvals, licences, subsidies, support,
  relaxations) — easing was still the weakest tone in CV (F1 0.52);
- round 10 (after round 9 was labelled): 300 uniform random Chinese headlines and 200 uniform
  random English feed items, so CV is measured on items like a real feed's;
- round 11 (after v005): 500 uniform random Chinese headlines — the learning curve rose most
  on Chinese headlines;
- round 12 (after v008): English feed items nominated by keyword queries for the sectors
  thinnest in the English feed labels (healthtech had 1 label, edtech 0, local_services 7,
  crypto 8, fintech 16; cloud had the lowest F1 with 32), and for tone neutral (drafts,
  consultations, hearings: 71 neutral labels in all). Each query's pool is sampled uniformly;
  an item is taken by the first query that nominates it. (Round 12's Chinese part is
  `classify labels suggest --strategy uncertainty` on v008, not this tool.);
- round 13 (after v009): tone, the weakest Chinese figure (CV tone macro-F1 0.688; 4% of
  random Chinese headlines carry a tone): 240 Chinese headlines and 100 English feed items
  nominated by one regulatory-vocabulary query per language (regulators, rules, penalties,
  approvals, support), sampled uniformly;
- round 15 (after v012): tone, still the weakest figure in both languages (CV easing F1 0.52 on
  the English feed; Chinese tightening 0.63, easing 0.61): 200 Chinese headlines by round 13's
  regulatory query, sampled uniformly. (Round 9's English easing query had one unlabelled item
  left, so round 15's English part is ranked by v012's P(easing) with ``rank_tone.py``; its
  other Chinese part, 150 headlines, is ``classify labels suggest --strategy uncertainty
  --seed 15`` on v012; both run after this tool.)
- round 16 (after v013): the sectors weakest in CV (cross_sector F1 0.49, cloud 0.65,
  healthtech 0.65, other_tech 0.66, edtech 0.72, telecom 0.73): per-sector keyword queries in
  each language (``ZH_WEAK``, ``EN_WEAK``), each pool sampled uniformly, an item taken by the
  first query that nominates it. (Its third part, 150 items, is ``classify labels suggest
  --strategy uncertainty --seed 16`` on v013, run after this tool.)
- round 17 (after round 16): 150 uniform random Chinese headlines and 100 uniform random
  English feed items (CV measured on items like a real feed's; the learning curve still rose
  with rounds 10, 11 and 15). (Its tone part, 100 Chinese and 100 English items with v013's
  highest P(easing), is ``rank_tone.py`` run after this tool, skipping ids chosen here.)
- round 18 (after round 17, while v014 trained): 300 uniform random Chinese headlines and 150
  uniform random English feed items.
- round 19 (after round 18): ``classify labels suggest --strategy uncertainty --seed 19`` on
  v013, 300 Chinese headlines (36Kr + Toutiao) and 150 English feed items, run apart so each
  language gets its share (not this tool).
- round 20 (after round 19): ``classify labels suggest`` on v013 again, apart per language:
  250 English feed items by ``--strategy uncertainty --seed 20`` (the English feed's sector
  macro-F1 was furthest from its aim) and 199 Chinese headlines by ``--strategy mixed --seed
  20`` (not this tool).
- round 21 (after round 20, while v014 trained): 300 Chinese headlines by ``classify labels
  suggest --strategy uncertainty --seed 21`` on v013 (not this tool) and 150 uniform random
  English feed items (this tool).
- round 22 (after v015): 150 uniform random Chinese headlines and 250 uniform random English
  feed items (this tool: the random picks are what tone weights and, from v016, sector
  thresholds are tuned on, and only 25 English and 12 Chinese random picks were easing),
  then 150 English feed items and 150 Chinese headlines by ``classify labels suggest
  --strategy uncertainty --seed 22`` on v015 (not this tool), skipping the ids chosen here.

Every id labelled before (``labels/*.jsonl``, ``labels/eval/``, ``labels/agreement/``) is
excluded, so the output depends on the label files present when it ran: the ``selected`` field
of each label (``round9:zh:random``...) is the record of what was chosen. Keywords only
nominate; every label comes from reading the item. Items were handed to annotators as batches
of id, date, title and text only, with 6 items of another batch for the blind re-label.

Usage: python labels/tools/select_rounds.py 9|10|11|12|13|15|16|17|18|21|22 ../shared/corpora labels/ OUT.jsonl
"""

from __future__ import annotations

import glob
import json
import random
import re
import sys
from pathlib import Path

SEED = 20261202
ZH_EASING = re.compile(
    r"获批|批准|版号|放宽|松绑|支持|鼓励|补贴|扶持|试点|减免|优惠政策|恢复|解禁|利好|提振|国补|以旧换新"
)
EN_EASING = re.compile(
    r"approv|lift(s|ed)? (the |a )?(ban|restriction)|eas(e|es|ed|ing) (rules|restrictions|curbs)"
    r"|subsid|support for|relax|licen[cs]e (granted|approved)|pilot zone|incentive"
    r"|tax (cut|break|relief)|green light|reprieve|resum",
    re.I,
)

#: round 12: (name, query, how many) over an English feed item's title + text
EN_THIN = [
    (
        "healthtech",
        r"\b(health|healthcare|medical|hospital|medicine|pharma\w*|doctor|drug|biotech|vaccine)",
        35,
    ),
    (
        "edtech",
        r"\b(education|edtech|tutor\w*|school|student|New Oriental|TAL\b|Gaotu|Youdao|Zuoyebang)",
        35,
    ),
    ("local_services", r"Meituan|Didi\b|Ele\.me|food delivery|ride-hail\w*|Trip\.com|Dianping", 25),
    (
        "fintech",
        r"Ant Group|Alipay|WeChat Pay|payment|lending|\bloan|insur\w*|digital yuan|e-CNY",
        25,
    ),
    ("crypto", r"bitcoin|crypto\w*|blockchain|\bNFT|\bmining", 20),
    ("cloud", r"\bcloud|data cent(er|re)|\bSaaS\b|server", 25),
    (
        "tone-neutral",
        r"\bdraft|consult\w*|public comment|hearing|seeks? (views|feedback|comment)|proposal",
        35,
    ),
]

#: round 13: regulatory vocabulary of either direction (the label decides the direction)
ZH_REGULATORY = re.compile(
    r"监管|工信部|网信办|市场监管|发改委|央行|证监会|商务部|国务院|新规|规定|办法|条例|征求意见|"
    r"处罚|罚款|被罚|约谈|下架|整改|调查|禁止|限制|制裁|出口管制|关税|"
    r"获批|批准|版号|补贴|支持|试点|放宽|鼓励|牌照|备案"
)
EN_REGULATORY = re.compile(
    r"regulat|\brules?\b|\blaw\b|ministry|watchdog|authorit|antitrust|\bfine[ds]?\b|\bprobe|"
    r"\bban(s|ned)?\b|sanction|export control|tariff|approv|licen[cs]|subsid|state council|"
    r"\bpolicy|\bpolicies|crackdown|\bcurbs?\b",
    re.I,
)

#: round 16: (name, query, how many) for the sectors weakest in v013's CV
ZH_WEAK = [
    ("cloud", r"云计算|阿里云|腾讯云|华为云|算力|数据中心|服务器|SaaS|智算|云服务", 40),
    ("telecom", r"5G|6G|运营商|中国移动|中国电信|中国联通|基站|宽带|光纤|频谱|通信", 35),
    ("healthtech", r"医疗|医院|医药|药房|健康|医生|问诊|医保", 30),
    ("edtech", r"教育|学而思|新东方|作业帮|猿辅导|好未来|网课|学习机|高考|学生", 25),
    ("other_tech", r"机器人|卫星|航天|光伏|储能|电池|网络安全|地图|无人机|融资", 30),
    ("cross_sector", r"平台经济|互联网行业|科技巨头|大厂|互联网公司|科技公司|反垄断|数据安全", 40),
]
EN_WEAK = [
    ("cloud", r"\bcloud|data cent(er|re)|\bSaaS\b|\bservers?\b|computing power", 25),
    (
        "telecom",
        r"\b5G\b|\b6G\b|carrier|China Mobile|China Telecom|China Unicom|base station|"
        r"broadband|spectrum|network equipment",
        25,
    ),
    ("healthtech", r"\b(health\w*|medical|hospital|medicine|pharma\w*|doctor|drug)", 15),
    ("edtech", r"\b(education|edtech|tutor\w*|school|student)", 10),
    (
        "other_tech",
        r"robot\w*|satellite|\bspace\b|solar|batter(y|ies)|cybersecurity|drone|"
        r"venture capital",
        20,
    ),
    (
        "cross_sector",
        r"tech (sector|industry|giants?|firms|companies)|platform economy|"
        r"big tech|crackdown|internet (companies|firms|sector)",
        25,
    ),
]


#: uniform random rounds: round -> (Chinese headlines, English feed items), drawn in that order
RANDOM_ROUNDS = {
    10: (300, 200),
    11: (500, 0),
    17: (150, 100),
    18: (300, 150),
    21: (0, 150),
    22: (150, 250),
}


def labelled_ids(labels: Path) -> set[str]:
    out = set()
    for p in [
        *glob.glob(f"{labels}/*.jsonl"),
        *glob.glob(f"{labels}/eval/*.jsonl"),
        *glob.glob(f"{labels}/agreement/*.jsonl"),
    ]:
        for line in open(p, encoding="utf-8"):
            if line.strip():
                out.add(json.loads(line)["id"])
    return out


def tagged_pools(tagged: list[str], known: set[str]) -> tuple[list[dict], list[dict]]:
    """The Chinese and the English rows of ``classify tag`` outputs not in ``known``, each
    sorted by id (rows without scores or with an error are left out): what the model-ranked
    rounds (24, 25, 26) select from."""
    rows = []
    for t in tagged:
        rows += [json.loads(line) for line in open(t, encoding="utf-8") if line.strip()]
    rows = [r for r in rows if r["id"] not in known and r.get("tone_scores") and not r.get("error")]
    zh = sorted((r for r in rows if not r["id"].startswith("rss_en-")), key=lambda r: r["id"])
    en = sorted((r for r in rows if r["id"].startswith("rss_en-")), key=lambda r: r["id"])
    return zh, en


def take(sel: dict[str, str], pool: list[dict], n: int, why: str) -> None:
    """Add the first ``n`` rows of ``pool`` not selected yet to ``sel`` (id -> why)."""
    for r in [r for r in pool if r["id"] not in sel][:n]:
        sel[r["id"]] = why


def write_selection(out: str | Path, sel: dict[str, str]) -> None:
    """One ``{"id", "selected"}`` line per chosen id, in choice order (every selection file)."""
    with open(out, "w", encoding="utf-8") as f:
        for i, why in sel.items():
            f.write(json.dumps({"id": i, "selected": why}) + "\n")


def title_text(r: dict) -> str:
    """What a keyword query searches: the title (if any) and the text."""
    return (r.get("title") or "") + " " + r["text"]


def by_queries(
    rng: random.Random, records: list[dict], queries: list, prefix: str, sel: dict[str, str]
) -> dict[str, str]:
    """``sel`` plus, per (name, query, n) in order, up to n records the query nominates that
    no earlier query took, sampled uniformly, each marked ``{prefix}:{name}-query``."""
    for name, query, n in queries:
        q = re.compile(query, re.I)
        pool = [r for r in records if r["id"] not in sel and q.search(title_text(r))]
        sel |= {r["id"]: f"{prefix}:{name}-query" for r in rng.sample(pool, min(n, len(pool)))}
    return sel


def load(corpora: Path, name: str) -> list[dict]:
    return [json.loads(line) for line in open(corpora / f"{name}.jsonl", encoding="utf-8")]


def select(round_no: int, corpora: Path, labels: Path) -> dict[str, str]:
    known = labelled_ids(labels)
    zh = [
        r
        for r in load(corpora, "36kr_hotlist") + load(corpora, "toutiao_hot_chinatech")
        if r["id"] not in known and r.get("text")
    ]
    en = [r for r in load(corpora, "rss_en") if r["id"] not in known]
    rng = random.Random(SEED + round_no)
    if round_no in RANDOM_ROUNDS:
        sel = {}
        for lang, pool, n in zip(("zh", "en"), (zh, en), RANDOM_ROUNDS[round_no], strict=True):
            if n:
                sel |= {r["id"]: f"round{round_no}:{lang}:random" for r in rng.sample(pool, n)}
        return sel
    if round_no == 9:
        rand = rng.sample(zh, 240)
        taken = {r["id"] for r in rand}
        zt = [r for r in zh if r["id"] not in taken and ZH_EASING.search(r["text"])]
        et = [r for r in en if EN_EASING.search(title_text(r))]
        sel = {r["id"]: "round9:zh:random" for r in rand}
        sel |= {r["id"]: "round9:zh:easing-query" for r in rng.sample(zt, 60)}
        sel |= {r["id"]: "round9:en:easing-query" for r in rng.sample(et, 60)}
        return sel
    if round_no == 12:
        return by_queries(rng, en, EN_THIN, "round12:en", {})
    if round_no == 13:
        zq = [r for r in zh if ZH_REGULATORY.search(r["text"])]
        eq = [r for r in en if EN_REGULATORY.search(title_text(r))]
        sel = {r["id"]: "round13:zh:regulatory-query" for r in rng.sample(zq, 240)}
        sel |= {r["id"]: "round13:en:regulatory-query" for r in rng.sample(eq, 100)}
        return sel
    if round_no == 15:
        zq = [r for r in zh if ZH_REGULATORY.search(r["text"])]
        return {r["id"]: "round15:zh:regulatory-query" for r in rng.sample(zq, 200)}
    if round_no == 16:
        sel = by_queries(rng, zh, ZH_WEAK, "round16:zh", {})
        return by_queries(rng, en, EN_WEAK, "round16:en", sel)
    raise SystemExit(f"unknown round {round_no}")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    write_selection(sys.argv[4], select(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
