"""Select items for the fourth labelling round (selection only, never labels).

Round 4 adds what the model-quality issue asks for:

- ``en-random``: a seeded uniform sample of the English feed (``rss_en.jsonl``: headline + RSS
  lead), so the base rates of a real English feed are represented;
- ``en-targeted:<what>``: English items matching a keyword query for the thin tones (easing,
  neutral) and the weak sectors (cross_sector, media_social, telecom, cloud, other_tech);
- ``zh-targeted4:<what>``: Chinese headlines for the same needs, excluding every id labelled
  before.

Keywords only nominate a candidate; every label comes from reading the item. Every id
labelled before is excluded, so the output depends on the label files present: the committed
``round4*_selection.jsonl`` files are the record of what was chosen (run before the round-4
label files existed, 4b and 4c after the previous round's). The output lists
``{"id", "selected"}`` per line; the label file copies ``selected`` so each label says how its
item was chosen.

Usage: python labels/tools/select_round4.py ../shared/corpora labels/ OUT.jsonl
       python labels/tools/select_round4.py --b ../shared/corpora labels/ OUT.jsonl

``--c`` is round 4c: after 4b, neutral stood at 30 new examples; queries for standards, white
papers, explainers and official Q&As (policy documents read without a direction).
``--b`` is round 4b, after round 4 was labelled: easing (56 new) and above all neutral (23 new)
were still short of the issue's 60 and 40, so narrower queries for policy documents without a
direction and for approvals.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

SEED = 20261202
EN_RANDOM = 300
EN_PER_QUERY = 15
ZH_PER_QUERY = 20

EN_QUERIES: dict[str, list[str]] = {
    "tone:easing": [
        r"\bapprov",
        r"\blicen[cs]e",
        r"\bsubsid",
        r"\blift(s|ed)?\b",
        r"\beas(es|ed|ing)\b",
        r"\bresum",
        r"\bsupport(s|ed)? (for|the) ",
        r"\brelax",
        r"green light",
        r"\bexempt",
        r"\bincentive",
        r"\bpause[sd]?\b",
        r"\bsuspend",
        r"\bstimulus",
        r"\ballow(s|ed)?\b",
    ],
    "tone:neutral": [
        r"\bdraft\b",
        r"\bguideline",
        r"\bnew rules?\b",
        r"\bstandards?\b",
        r"\bconsultation",
        r"\bframework\b",
        r"\bproposal",
        r"\bregulations? (on|for)\b",
        r"\bpolicy document",
    ],
    "cross_sector": [
        r"\btech (sector|industry|giants?|crackdown)",
        r"\bbig tech\b",
        r"\bplatform economy",
        r"\bdata (security|privacy) law",
        r"\bantitrust",
    ],
    "media_social": [
        r"\bWeibo\b",
        r"\bDouyin\b",
        r"\bKuaishou\b",
        r"\bBilibili\b",
        r"\bWeChat\b",
        r"\biQiyi\b",
        r"\bbox office\b",
        r"\bstreaming\b",
    ],
    "telecom": [
        r"\b5G\b",
        r"\bChina Mobile\b",
        r"\bChina Unicom\b",
        r"\bChina Telecom\b",
        r"\bZTE\b",
        r"\bcarriers?\b",
        r"\btelecom",
        r"\bbroadband\b",
    ],
    "cloud": [
        r"\bcloud\b",
        r"\bdata cent(er|re)s?\b",
        r"\bservers?\b",
        r"\bsoftware\b",
        r"\bcomputing power\b",
    ],
    "other_tech": [
        r"\bsolar\b",
        r"\bsatellite",
        r"\brobot",
        r"\bdrones?\b",
        r"\bDJI\b",
        r"\bspace\b",
        r"\bcybersecurity\b",
        r"\bhackers?\b",
    ],
}

ZH_QUERIES: dict[str, list[str]] = {
    "tone:easing": [
        "获批",
        "批准",
        "发放",
        "放宽",
        "松绑",
        "扶持",
        "支持",
        "补贴",
        "试点",
        "减免",
        "恢复",
        "暂停加征",
        "豁免",
        "牌照",
        "准入",
    ],
    "tone:neutral": [
        "征求意见",
        "管理办法",
        "新规",
        "标准",
        "指导意见",
        "条例",
        "印发",
        "规定",
        "政策解读",
    ],
    "cross_sector": [
        "平台经济",
        "互联网平台",
        "大厂",
        "科技公司",
        "互联网公司",
        "数字经济",
        "科技巨头",
    ],
    "media_social": [
        "抖音",
        "快手",
        "B站",
        "微博",
        "小红书",
        "短剧",
        "票房",
        "微信",
        "视频号",
        "直播",
    ],
    "telecom": [
        "5G",
        "中国移动",
        "中国联通",
        "中国电信",
        "运营商",
        "基站",
        "6G",
        "卫星通信",
        "宽带",
    ],
    "cloud": ["阿里云", "云计算", "数据中心", "算力", "SaaS", "华为云", "腾讯云", "服务器", "智算"],
    "other_tech": [
        "机器人",
        "卫星",
        "航天",
        "光伏",
        "储能",
        "无人机",
        "大疆",
        "网络安全",
        "低空经济",
    ],
}


EN_QUERIES_B: dict[str, list[str]] = {
    "tone:neutral": [
        r"\bdraft (rules|regulations|law|measures|guidelines)",
        r"\bpublic comment",
        r"\bwhite paper",
        r"\bguidelines? (on|for)\b",
        r"\bnew (rules|regulations) (on|for)\b",
        r"\bstandards? for\b",
        r"\bcomes? into (force|effect)",
        r"\bexplainer\b",
        r"\bwhat (the|China's) new",
        r"\bpolicy\b",
    ],
    "tone:easing": [
        r"\bapproved?\b",
        r"\bapproval",
        r"\bgreen light",
        r"\blift(s|ed)? (a |the )?(ban|curbs|restrictions)",
        r"\bsubsid",
        r"\btax (break|credit|cut)s?",
        r"\bsupport(ive)? (measures|policies|plan)",
    ],
}
ZH_QUERIES_B: dict[str, list[str]] = {
    "tone:neutral": [
        "征求意见稿",
        "管理办法",
        "国家标准",
        "白皮书",
        "实施细则",
        "解读",
        "新规",
        "起施行",
        "正式实施",
        "办法",
        "规定",
        "指引",
    ],
    "tone:easing": [
        "获批",
        "牌照",
        "补贴",
        "扶持",
        "以旧换新",
        "国补",
        "放开",
        "发放",
        "松绑",
        "利好政策",
    ],
}


EN_QUERIES_C: dict[str, list[str]] = {
    "tone:neutral": [
        r"\bstandards?\b",
        r"\bwhite paper",
        r"\bexplained\b",
        r"\bwhat (you need )?to know\b",
        r"\bQ&A\b",
        r"\bclarif",
        r"\bconsult",
        r"\bfive-year plan",
        r"\brules?\b.*\bbut\b",
        r"\bmixed\b",
    ],
}
ZH_QUERIES_C: dict[str, list[str]] = {
    "tone:neutral": [
        "国家标准",
        "团体标准",
        "行业标准",
        "白皮书",
        "答记者问",
        "解读",
        "一文读懂",
        "有何影响",
        "明确",
        "细则",
        "备案",
        "规范",
    ],
}


def round_b(corpora: Path, labels: Path, first: Path, out: Path, c: bool = False) -> None:
    """Round 4b (4c with ``c``): candidates not chosen before (earlier rounds beside ``first``)."""
    rng = random.Random(SEED + (2 if c else 1))
    taken = labelled_ids(labels) | {
        json.loads(line)["id"] for line in open(first, encoding="utf-8")
    }
    if c:
        taken |= {
            json.loads(line)["id"] for line in open(first.with_name("round4b_selection.jsonl"))
        }
    chosen: dict[str, str] = {}
    en = [r for r in _read(corpora / "rss_en.jsonl") if r["id"] not in taken]
    zh = [
        r
        for name in ("36kr_hotlist.jsonl", "toutiao_hot_chinatech.jsonl")
        for r in _read(corpora / name)
    ]
    zh = [r for r in zh if r["id"] not in taken]
    tag = "targeted4c" if c else "targeted4b"
    en_q, zh_q = (EN_QUERIES_C, ZH_QUERIES_C) if c else (EN_QUERIES_B, ZH_QUERIES_B)
    for query, patterns in en_q.items():
        rx = re.compile("|".join(patterns), re.IGNORECASE)
        hits = [r for r in en if r["id"] not in chosen and rx.search(r["text"])]
        for r in rng.sample(
            hits, min(60 if c else 80 if query == "tone:neutral" else 40, len(hits))
        ):
            chosen[r["id"]] = f"en-{tag}:{query}"
    for query, words in zh_q.items():
        hits = [r for r in zh if r["id"] not in chosen and any(w in r["text"] for w in words)]
        for r in rng.sample(
            hits, min(60 if c else 80 if query == "tone:neutral" else 40, len(hits))
        ):
            chosen[r["id"]] = f"zh-{tag}:{query}"
    write_selection(chosen, out)


def write_selection(chosen: dict[str, str], out: Path) -> None:
    """One ``{"id", "selected"}`` line per chosen id (the format of every selection file)."""
    with open(out, "w", encoding="utf-8") as fh:
        for rid, how in chosen.items():
            fh.write(json.dumps({"id": rid, "selected": how}, ensure_ascii=False) + "\n")
    print(f"{len(chosen)} ids -> {out}", file=sys.stderr)


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def labelled_ids(labels: Path) -> set[str]:
    """Every id labelled before (any label file in the directory)."""
    return {
        json.loads(line)["id"]
        for f in sorted(labels.glob("*.jsonl"))
        for line in open(f, encoding="utf-8")
    }


def main(corpora: Path, labels: Path, out: Path) -> None:
    rng = random.Random(SEED)
    taken = labelled_ids(labels)
    chosen: dict[str, str] = {}
    en = [r for r in _read(corpora / "rss_en.jsonl") if r["id"] not in taken]
    for r in rng.sample(en, EN_RANDOM):
        chosen[r["id"]] = "en-random"
    for query, patterns in EN_QUERIES.items():
        rx = re.compile("|".join(patterns), re.IGNORECASE if query.startswith("tone") else 0)
        hits = [r for r in en if r["id"] not in chosen and rx.search(r["text"])]
        n = EN_PER_QUERY * (7 if query == "tone:easing" else 4 if query == "tone:neutral" else 1)
        for r in rng.sample(hits, min(n, len(hits))):
            chosen[r["id"]] = f"en-targeted:{query}"
    zh = [
        r
        for name in ("36kr_hotlist.jsonl", "toutiao_hot_chinatech.jsonl")
        for r in _read(corpora / name)
    ]
    zh = [r for r in zh if r["id"] not in taken]
    for query, words in ZH_QUERIES.items():
        hits = [
            r
            for r in zh
            if r["id"] not in chosen and any(w.lower() in r["text"].lower() for w in words)
        ]
        n = ZH_PER_QUERY * (3 if query == "tone:easing" else 2 if query == "tone:neutral" else 1)
        for r in rng.sample(hits, min(n, len(hits))):
            chosen[r["id"]] = f"zh-targeted4:{query}"
    write_selection(chosen, out)


if __name__ == "__main__":
    if sys.argv[1] in ("--b", "--c"):
        first = Path(sys.argv[4]).with_name("round4_selection.jsonl")
        round_b(
            Path(sys.argv[2]), Path(sys.argv[3]), first, Path(sys.argv[4]), sys.argv[1] == "--c"
        )
    else:
        main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
