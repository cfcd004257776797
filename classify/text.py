"""The bilingual tokenizer: one tokenization for English, Chinese and mixed text.

Used by training and by prediction alike, so a model sees at prediction time exactly the
tokens it was trained on. Chinese runs are segmented by rjieba (jieba when rjieba is missing)
with the lexicon's names as user dictionary; Latin runs are split into words.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from classify import lexicon

#: Only the first part of a long body is read: sectors and tone are set by the headline, the
#: lead and the first sections, and this bounds the cost of one record.
MAX_BODY_CHARS = 8000
LEAD_CHARS = 400
NUM_TOKEN = "#num"

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"([{_CJK}]+)|([a-z0-9]+(?:[.\-&'][a-z0-9]+)*)")
_NUM_RE = re.compile(r"^\d+(?:[.,]\d+)*$")
ZH_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "等",
        "也",
        "都",
        "被",
        "将",
        "把",
        "对",
        "为",
        "从",
        "让",
        "给",
        "这",
        "那",
        "又",
        "就",
        "还",
        "吗",
        "呢",
        "吧",
        "啊",
        "着",
        "过",
        "而",
        "并",
        "或",
        "之",
        "其",
        "于",
        "以",
        "个",
        "们",
        "我",
        "你",
        "他",
        "她",
        "它",
        "有",
        "没",
        "不",
        "很",
        "更",
        "最",
        "已",
        "再",
        "才",
        "要",
        "会",
        "能",
        "可",
        "该",
        "此",
        "每",
        "各",
        "一",
        "一个",
        "这个",
        "那个",
        "什么",
        "如何",
        "为什么",
        "怎么",
        "如果",
        "因为",
        "所以",
        "但是",
        "然而",
        "还是",
        "已经",
        "可以",
        "没有",
        "我们",
        "你们",
        "他们",
        "自己",
    ]
)
EN_STOPWORDS = frozenset(ENGLISH_STOP_WORDS) | {
    "s",
    "said",
    "says",
    "also",
    "would",
    "could",
    "like",
}

_seg_lock = threading.Lock()
_segmenter = None


def _get_segmenter():  # noqa: ANN202 - returns a cut function
    """The Chinese word segmenter (rjieba when installed, else jieba), with the lexicon as user dictionary."""
    global _segmenter
    if _segmenter is not None:
        return _segmenter
    with _seg_lock:
        if _segmenter is not None:
            return _segmenter
        words = lexicon.chinese_words()
        try:
            import rjieba

            for w in words:
                rjieba.add_word(w, 100000, None)

            def cut(s: str) -> list[str]:
                return rjieba.cut(s, hmm=False)

        except ImportError:  # pragma: no cover - rjieba is a default dependency
            import jieba

            jieba.setLogLevel(60)
            for w in words:
                jieba.add_word(w, 100000)

            def cut(s: str) -> list[str]:
                return jieba.lcut(s, HMM=False)

        _segmenter = cut
        return cut


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower-case, curly apostrophes to straight."""
    return unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")


def tokenize(text: str) -> list[str]:
    """Tokens of English, Chinese or mixed text: jieba words for CJK runs, words for Latin runs.

    Lower-cased; numbers folded to ``#num`` (so a model cannot key on years or amounts);
    possessive 's dropped; stop words removed.
    """
    cut = _get_segmenter()
    out: list[str] = []
    for m in _TOKEN_RE.finditer(normalize(text)):
        cjk, latin = m.group(1), m.group(2)
        if cjk:
            out.extend(w for w in cut(cjk) if w not in ZH_STOPWORDS)
        else:
            w = latin.removesuffix("'s").strip("'")
            if _NUM_RE.match(w):
                out.append(NUM_TOKEN)
            elif w and w not in EN_STOPWORDS and not (len(w) == 1 and w.isalpha()):
                out.append(w)
    return out


def article_tokens(title: str | None, text: str) -> list[str]:
    """Token list of one article with the headline and the lead counted twice (LABELS.md)."""
    body = text[:MAX_BODY_CHARS]
    lead, rest = body[:LEAD_CHARS], body[LEAD_CHARS:]
    # Cut the lead at a word boundary so no word is split between lead and rest.
    if rest and not rest[:1].isspace():
        k = rest.find(" ")
        if 0 <= k < 40:
            lead, rest = lead + rest[:k], rest[k:]
    t_title = tokenize(title) if title else []
    t_lead = tokenize(lead)
    return t_title + t_title + t_lead + t_lead + tokenize(rest)


def ngrams(tokens: Sequence[str], n_max: int = 2) -> list[str]:
    """Word 1..n_max-grams of a token list (the TF-IDF analyzer; module-level so it pickles)."""
    out = list(tokens)
    for n in range(2, n_max + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


def unigrams(tokens: Sequence[str]) -> list[str]:
    return list(tokens)
