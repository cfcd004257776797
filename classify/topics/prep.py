"""Documents as the topic model sees them, and the words that can carry a theme.

:func:`to_docs` turns strings, dicts or :class:`classify.io.Article` records into
:class:`Doc` (id, the headline plus the start of the body, date); :func:`theme_tokenize` is the
project tokenizer keeping only theme words; :func:`default_min_topic_size` scales the smallest
topic with the corpus. No BERTopic here: the emerging-terms code uses the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from classify.errors import ClassifyError
from classify.text import NUM_TOKEN, tokenize

__all__ = [
    "TopicModelError",
    "Doc",
    "doc_text",
    "to_docs",
    "theme_tokenize",
    "is_theme_word",
    "THEME_STOPWORDS",
    "default_min_topic_size",
    "MAX_DOC_CHARS",
    "NO_TOPIC",
    "DEFAULT_SEED",
]

DEFAULT_SEED = 42
NO_TOPIC = -1
#: Only the start of a long body is embedded: themes are set by the headline and the lead,
#: and this bounds the cost of one record.
MAX_DOC_CHARS = 4000


class TopicModelError(ClassifyError):
    """A topic model that cannot be fitted, saved or loaded; the message says why and what to do."""


@dataclass(slots=True)
class Doc:
    """One document as the topic model sees it."""

    id: str
    text: str
    date: str | None


def doc_text(title: str | None, text: str) -> str:
    """Headline (if any) plus the start of the body: what is embedded and described."""
    body = (text or "")[:MAX_DOC_CHARS]
    return f"{title}\n{body}" if title else body


def _get(rec: Any, key: str) -> Any:
    return rec.get(key) if isinstance(rec, dict) else getattr(rec, key, None)


def to_docs(records: Iterable[Any]) -> list[Doc]:
    """Docs from strings, dicts or :class:`classify.io.Article`; records without text are skipped."""
    out: list[Doc] = []
    for i, rec in enumerate(records):
        if isinstance(rec, str):
            if rec.strip():
                out.append(Doc(str(i), doc_text(None, rec), None))
            continue
        if _get(rec, "error") is not None and _get(rec, "text") is None:
            continue  # a BadRecord
        text, title = _get(rec, "text") or "", _get(rec, "title")
        if not str(text).strip() and not (title or "").strip():
            continue
        date = _get(rec, "date")
        rid = _get(rec, "id")
        out.append(
            Doc(str(rid) if rid is not None else str(i), doc_text(title, str(text)), date or None)
        )
    return out


#: Headline filler that makes clusters of style instead of theme ("who will pay", "began to").
_THEME_WORDS = (
    "开始 背后 正在 为何 成为 不是 可能 终于 到底 能否 不再 需要 还有 之后 一场 一家 刚刚 最新 首次 正式 "
    "彻底 迎来 宣布 真的 已经 如今 今年 一年 这些 那些 为了 以及 还是 只是 或许 甚至 不能 不会 一起 "
    "怎样 为啥 多少 哪些 这么 那么 一次 一下 起来 出来 下来 上来 进去 之前 以后 时候 中国 全球 "
    "独家 首发 前线 焦点 分析 丨 "
    "china chinese"  # every record is about China: never a theme of its own
)
THEME_STOPWORDS = frozenset(_THEME_WORDS.split())
_CJK_CHAR = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]$")


def theme_tokenize(text: str) -> list[str]:
    """The project tokenizer, keeping only words that can carry a theme.

    Drops the number placeholder, single CJK characters (in headlines they are mostly
    particles, measure words and verbs of style: 谁, 来, 上, 种) and :data:`THEME_STOPWORDS`;
    without this, short Chinese headlines cluster by phrasing rather than by subject.
    """
    return [t for t in tokenize(text) if is_theme_word(t)]


def is_theme_word(token: str) -> bool:
    """Whether a token can carry a theme (the test :func:`theme_tokenize` applies)."""
    return token != NUM_TOKEN and not _CJK_CHAR.match(token) and token not in THEME_STOPWORDS


def default_min_topic_size(n_docs: int) -> int:
    """Smallest topic for a corpus of ``n_docs``: min(2% of n, n**0.6 / 4), within [3, 300].

    100 records -> 3, 172 (the seeds) -> 3, 1,000 -> 16, 10,000 -> 63, 100,000 -> 251: a
    small corpus keeps its short-lived themes (three metaverse stories among 172 records),
    a large one is not split into hundreds of near-duplicate topics.
    """
    n = max(n_docs, 1)
    return int(min(300, max(3, round(min(0.02 * n, n**0.6 / 4)))))
