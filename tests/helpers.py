"""Shared test helpers: a synthetic labelled set written for the tests, and a tiny bundle.

The texts are made up here (no third-party text); they only need to carry enough sector and
tone vocabulary for a small model to learn something testable.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SECTOR_PHRASES = {
    "ecommerce": [
        "online shoppers flocked to Taobao and JD.com during the Singles Day shopping festival",
        "拼多多商家在双11期间的电商销售额创新高",
    ],
    "gaming": [
        "the game publisher released a new mobile game for players",
        "米哈游新游戏上线，玩家涌入",
    ],
    "semiconductors": [
        "the chipmaker expanded its wafer foundry for advanced chips",
        "中芯国际扩产芯片晶圆",
    ],
    "ev_auto": [
        "the electric vehicle maker delivered more cars with new batteries",
        "比亚迪新能源汽车销量增长",
    ],
    "ai": ["the startup launched a large language model chatbot", "大模型公司发布新的AI聊天机器人"],
    "crypto": [
        "bitcoin miners moved rigs abroad as crypto prices fell",
        "比特币矿工迁移矿机，加密货币价格下跌",
    ],
    "non_tech": ["the panda cub at the zoo was named after a vote", "动物园的大熊猫幼崽取名"],
}
TONE_PHRASES = {
    "tightening": [
        "Regulators fined the company and ordered a probe.",
        "监管部门对其罚款并立案调查。",
    ],
    "easing": [
        "The ministry approved new licences and pledged subsidies.",
        "主管部门批准发放新牌照并给予补贴。",
    ],
    "none": ["", ""],
}
FILLER = [
    "Analysts expect more growth next year.",
    "The company did not comment.",
    "业内人士表示仍需观察。",
    "Shares rose in Hong Kong trading.",
    "Sales figures were released on Monday.",
]


def synthetic_examples(n_per_sector: int = 10, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    k = 0
    for sector, phrases in SECTOR_PHRASES.items():
        for i in range(n_per_sector):
            lang = i % 2
            tone = (
                "none"
                if sector == "non_tech"
                else rng.choice(["none", "none", "tightening", "easing"])
            )
            text = " ".join(
                [phrases[lang], TONE_PHRASES[tone][lang], rng.choice(FILLER), rng.choice(FILLER)]
            )
            k += 1
            out.append(
                {
                    "id": f"syn-{k:04d}",
                    "title": None,
                    "text": text.strip(),
                    "sectors": [sector],
                    "tone": tone,
                }
            )
    return out


def write_labels(path: Path, examples: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    return path


def train_tiny_bundle(tmp: Path, seed: int = 0) -> Path:
    """A small real bundle trained on the synthetic set (one candidate, 3-fold, one repeat).

    Returns the bundle directory itself (``<tmp>/models/v001``), which loads directly.
    """
    from classify.train import train

    labels = write_labels(tmp / "labels.jsonl", synthetic_examples(seed=seed))
    out = tmp / "models"
    man = train(
        [labels],
        [],
        out,
        seed=seed,
        candidates=["lexicon+ngrams"],
        n_splits=3,
        n_repeats=1,
        n_jobs=1,
        log=lambda m: None,
    )
    return out / man["version"]
