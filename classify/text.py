"""The bilingual tokenizer: one tokenization for English, Chinese and mixed text.

Used by training and by prediction alike, so a model sees at prediction time exactly the
tokens it was trained on. Chinese runs are segmented by rjieba (jieba when rjieba is missing)
with a user dictionary (the lexicon's names) so company names stay whole; Latin runs are
split into words. Nothing here imports scikit-learn, and rjieba is imported only when a text
holds Chinese characters, so tokenizing English costs no segmenter start-up.

Speed: this is the per-record hot path of tagging. English text (``str.isascii``) skips NFKC
and the CJK branch; Latin words go through one ``re.findall`` and list comprehensions with
set look-ups instead of a per-match Python loop. The tokens are the same as the simple
loop's (tested against a reference implementation in ``tests/test_text.py``).
"""

from __future__ import annotations

import functools
import json
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from string import ascii_lowercase

__all__ = [
    "MAX_BODY_CHARS",
    "LEAD_CHARS",
    "NUM_TOKEN",
    "ZH_STOPWORDS",
    "EN_STOPWORDS",
    "normalize",
    "nfkc",
    "NFKC_DATA",
    "write_nfkc_data",
    "dropped_words",
    "is_chinese",
    "article_raw",
    "Tokenizer",
    "default_tokenizer",
    "tokenize",
    "article_tokens",
    "ngrams",
    "CHAR_PREFIX",
    "cjk_char_grams",
]

#: Only the first part of a long body is read: sectors and tone are set by the headline, the
#: lead and the first sections, and this bounds the cost of one record.
MAX_BODY_CHARS = 8000
LEAD_CHARS = 400
NUM_TOKEN = "#num"

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LATIN_RE = re.compile(r"[a-z0-9]+(?:[.\-&'][a-z0-9]+)*")
_NUM_RE = re.compile(r"^\d+(?:[.,]\d+)*$")
#: A batch's pieces in order: a CJK run, a Latin word, or the NUL that separates two texts.
_PIECES = re.compile(rf"[{_CJK}]+|\x00|[a-z0-9]+(?:[.\-&'][a-z0-9]+)*").findall
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
#: scikit-learn's ENGLISH_STOP_WORDS (BSD-3), copied so tokenizing needs no scikit-learn;
#: a test checks the copy against scikit-learn's list.
_SKLEARN_STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "across",
        "after",
        "afterwards",
        "again",
        "against",
        "all",
        "almost",
        "alone",
        "along",
        "already",
        "also",
        "although",
        "always",
        "am",
        "among",
        "amongst",
        "amoungst",
        "amount",
        "an",
        "and",
        "another",
        "any",
        "anyhow",
        "anyone",
        "anything",
        "anyway",
        "anywhere",
        "are",
        "around",
        "as",
        "at",
        "back",
        "be",
        "became",
        "because",
        "become",
        "becomes",
        "becoming",
        "been",
        "before",
        "beforehand",
        "behind",
        "being",
        "below",
        "beside",
        "besides",
        "between",
        "beyond",
        "bill",
        "both",
        "bottom",
        "but",
        "by",
        "call",
        "can",
        "cannot",
        "cant",
        "co",
        "con",
        "could",
        "couldnt",
        "cry",
        "de",
        "describe",
        "detail",
        "do",
        "done",
        "down",
        "due",
        "during",
        "each",
        "eg",
        "eight",
        "either",
        "eleven",
        "else",
        "elsewhere",
        "empty",
        "enough",
        "etc",
        "even",
        "ever",
        "every",
        "everyone",
        "everything",
        "everywhere",
        "except",
        "few",
        "fifteen",
        "fifty",
        "fill",
        "find",
        "fire",
        "first",
        "five",
        "for",
        "former",
        "formerly",
        "forty",
        "found",
        "four",
        "from",
        "front",
        "full",
        "further",
        "get",
        "give",
        "go",
        "had",
        "has",
        "hasnt",
        "have",
        "he",
        "hence",
        "her",
        "here",
        "hereafter",
        "hereby",
        "herein",
        "hereupon",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "however",
        "hundred",
        "i",
        "ie",
        "if",
        "in",
        "inc",
        "indeed",
        "interest",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "keep",
        "last",
        "latter",
        "latterly",
        "least",
        "less",
        "ltd",
        "made",
        "many",
        "may",
        "me",
        "meanwhile",
        "might",
        "mill",
        "mine",
        "more",
        "moreover",
        "most",
        "mostly",
        "move",
        "much",
        "must",
        "my",
        "myself",
        "name",
        "namely",
        "neither",
        "never",
        "nevertheless",
        "next",
        "nine",
        "no",
        "nobody",
        "none",
        "noone",
        "nor",
        "not",
        "nothing",
        "now",
        "nowhere",
        "of",
        "off",
        "often",
        "on",
        "once",
        "one",
        "only",
        "onto",
        "or",
        "other",
        "others",
        "otherwise",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "part",
        "per",
        "perhaps",
        "please",
        "put",
        "rather",
        "re",
        "same",
        "see",
        "seem",
        "seemed",
        "seeming",
        "seems",
        "serious",
        "several",
        "she",
        "should",
        "show",
        "side",
        "since",
        "sincere",
        "six",
        "sixty",
        "so",
        "some",
        "somehow",
        "someone",
        "something",
        "sometime",
        "sometimes",
        "somewhere",
        "still",
        "such",
        "system",
        "take",
        "ten",
        "than",
        "that",
        "the",
        "their",
        "them",
        "themselves",
        "then",
        "thence",
        "there",
        "thereafter",
        "thereby",
        "therefore",
        "therein",
        "thereupon",
        "these",
        "they",
        "thick",
        "thin",
        "third",
        "this",
        "those",
        "though",
        "three",
        "through",
        "throughout",
        "thru",
        "thus",
        "to",
        "together",
        "too",
        "top",
        "toward",
        "towards",
        "twelve",
        "twenty",
        "two",
        "un",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "was",
        "we",
        "well",
        "were",
        "what",
        "whatever",
        "when",
        "whence",
        "whenever",
        "where",
        "whereafter",
        "whereas",
        "whereby",
        "wherein",
        "whereupon",
        "wherever",
        "whether",
        "which",
        "while",
        "whither",
        "who",
        "whoever",
        "whole",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)
EN_STOPWORDS = _SKLEARN_STOP_WORDS | {
    "s",
    "said",
    "says",
    "also",
    "would",
    "could",
    "like",
}
#: Latin words that never become tokens: stop words and single letters.
_EN_DROP = EN_STOPWORDS | frozenset(ascii_lowercase) | {""}
#: Every token dropped (:meth:`Tokenizer.tokenize_many`): the two sets are disjoint.
_DROP = ZH_STOPWORDS | _EN_DROP


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower-case, curly apostrophes to straight."""
    if text.isascii():  # NFKC is the identity on ASCII, and ASCII has no curly quotes
        return text.lower()
    return nfkc(text).lower().replace("’", "'").replace("‘", "'")


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, character by character where that is the same.

    NFKC was the costliest step of tokenizing Chinese (more than segmenting). For a text
    without combining marks, composition partners or characters beyond the BMP, NFKC is a
    per-character mapping, done by ``str.translate`` with the mapping of every BMP character
    that NFKC changes (built on first use from this Python's ``unicodedata``); other texts,
    and long mostly-Latin ones (where its quick check is faster), take
    ``unicodedata.normalize``. Equality is tested on every BMP character, on mixed
    random text and on the corpora.
    """
    table, unsafe = _nfkc_table()
    if unsafe(text) or _mostly_latin(text):
        return unicodedata.normalize("NFKC", text)
    return text.translate(table)


def _mostly_latin(text: str) -> bool:
    """Whether the start of a long text is mostly one-byte characters: there unicodedata's
    quick check beats the table (3x on English articles); on Chinese the table is faster."""
    if len(text) < 2000:
        return False
    head = text[:2000]
    return len(head.encode("utf-8", "surrogatepass")) < 2400


#: The table for this Python's Unicode version, shipped so no process spends ~60 ms building it.
NFKC_DATA = Path(__file__).resolve().parent / "data" / "nfkc_bmp.json"


@functools.cache
def _nfkc_table() -> tuple[dict[int, str], Callable[[str], object]]:
    """(BMP char -> its NFKC, search for a character that needs the full algorithm)."""
    table, unsafe = _load_nfkc_data() or _nfkc_data()
    cls = "".join(f"\\u{a:04x}" + (f"-\\u{b:04x}" if b > a else "") for a, b in unsafe)
    return table, re.compile(f"[{cls}\\U00010000-\\U0010ffff]").search


def _load_nfkc_data() -> tuple[dict[int, str], list[tuple[int, int]]] | None:
    """The shipped table, if it was built from this Python's Unicode version."""
    try:
        data = json.loads(NFKC_DATA.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("unidata_version") != unicodedata.unidata_version:
        return None
    table = {int(k): v for k, v in data["table"].items()}
    return table, [(a, b) for a, b in data["unsafe"]]


def write_nfkc_data(path: Path = NFKC_DATA) -> None:
    """Write the table for this Python's Unicode version (``python -m classify.text``)."""
    table, unsafe = _nfkc_data()
    data = {
        "unidata_version": unicodedata.unidata_version,
        "note": "NFKC of every BMP character it changes, and the ranges of characters that "
        "need the full algorithm (classify.text.nfkc); derived from Python's unicodedata",
        "table": {str(k): v for k, v in sorted(table.items())},
        "unsafe": unsafe,
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


def _nfkc_data() -> tuple[dict[int, str], list[tuple[int, int]]]:
    """(BMP char -> its NFKC, ranges of characters that need the full algorithm)."""
    table: dict[int, str] = {}
    unsafe: set[int] = set()
    for c in range(0x10000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        ch = chr(c)
        if unicodedata.combining(ch):
            unsafe.add(c)  # reordered or composed with its neighbours
        d = unicodedata.decomposition(ch)
        if not d:
            continue
        parts = d.split()
        if not d.startswith("<") and len(parts) == 2:
            unsafe.add(int(parts[1], 16))  # the second half of a composition pair
        mapped = unicodedata.normalize("NFKC", ch)
        if mapped != ch:
            table[c] = mapped
    unsafe.update(range(0x1161, 0x1176))  # Hangul vowel and trailing jamo compose with
    unsafe.update(range(0x11A8, 0x11C3))  # the syllable before them
    for c, mapped in list(table.items()):
        if any(ord(m) in unsafe or unicodedata.combining(m) for m in mapped):
            unsafe.add(c)
            del table[c]
    return table, _ranges(sorted(unsafe))


def _ranges(codes: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for c in codes:
        if out and out[-1][1] == c - 1:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out


def article_raw(title: str | None, text: str) -> str:
    """An article's raw text as one string, title and text on their own lines: what lexicon
    matching (names found as written), ``--explain`` and :func:`is_chinese` read."""
    return text if not title else f"{title}\n{text}"


_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")


def is_chinese(text: str) -> bool:
    """Whether a text is reported and decided as Chinese: Han characters are more than 20% of
    its first 2,000 characters, spaces not counted (a mixed headline with a few English names
    is Chinese; an English article quoting a Chinese name is not).

    One definition for training's per-language reports and the per-language tone decision
    (``Batch.zh``); a regex substitution, so it costs well under a microsecond a headline.
    """
    head = text[:2000]
    return len(_NOT_HAN.sub("", head)) > 0.2 * max(1, len(head) - head.count(" "))


def dropped_words(text: str) -> list[str]:
    """The Latin words of ``text`` that tokenizing drops (stop words, single letters).

    The lexicon uses it to find names that tokenize to less than they say ("US government"
    becomes ``government``, "Will Semiconductor" ``semiconductor``): those names must also be
    found as written in the raw text.
    """
    words = [w.removesuffix("'s").strip("'") for w in _LATIN_RE.findall(normalize(text))]
    return [w for w in words if w in _EN_DROP]


class Tokenizer:
    """Tokenizer with its own Chinese user dictionary (``user_words`` are kept whole).

    The segmenter is built on first Chinese text and shared by every Tokenizer with the same
    words, so a model and the topic tokenizer with the same lexicon segment identically and
    pay the segmenter's start-up once.
    """

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        self.user_words = tuple(sorted(set(user_words)))
        self._cut: Callable[[str], list[str]] | None = None

    def _segmenter(self) -> Callable[[str], list[str]]:
        if self._cut is None:
            self._cut = _segmenter_for(self.user_words)
        return self._cut

    def tokenize(self, text: str) -> list[str]:
        """Tokens of English, Chinese or mixed text: jieba words for CJK runs, words for Latin runs.

        Lower-cased; numbers folded to ``#num`` (so a model cannot key on years or amounts);
        possessive 's dropped; stop words removed. (:meth:`tokenize_many` of one text.)
        """
        return self.tokenize_many([text])[0]

    def tokenize_many(self, texts: Sequence[str]) -> list[list[str]]:
        """:meth:`tokenize` of each text, with the per-text Python work done per batch.

        The texts are joined with NUL (which no normalisation step changes or joins with a
        neighbour, and no token holds; a NUL inside a text separates words as a space does, so
        it becomes one), normalised in one pass, cut into pieces (CJK runs, Latin words,
        separators) by one regex, and every CJK run of the batch segmented by one segmenter
        call: jieba cuts blocks separated by whitespace independently, so "\n"-joined runs are
        cut exactly as run by run. A batch equals its texts tokenized one by one (tested on
        the corpora and on generated text); one text equals an independent reference loop.
        """
        if not texts:
            return []
        joined = "\x00".join(texts)
        if joined.count("\x00") != len(texts) - 1:
            joined = "\x00".join(t.replace("\x00", " ") for t in texts)
        many_unsafe = len(texts) > 1 and _nfkc_table()[1](joined)  # then NFKC text by text
        pieces = _PIECES(_normalize_each(joined) if many_unsafe else normalize(joined))
        runs = [p for p in pieces if p > "\x7f"]  # a CJK run starts above ASCII, the rest not
        drop = _DROP
        if runs:
            # the runs' words without stop words; a run of stop words only leaves an empty run
            zh_stop = ZH_STOPWORDS
            words = self._segmenter()("\n".join(runs))
            words = " ".join([w for w in words if w not in zh_stop]).split("\n")
            nxt = iter(words).__next__
            # each run becomes its words ("w1 w2"); a Latin word stays, is fixed up or dropped
            pieces = [
                nxt()
                if p > "\x7f"
                else (p if p not in drop else "")
                if p[0] > "9" and "'" not in p
                else _latin_word(p)
                for p in pieces
            ]
        else:
            pieces = [
                (p if p not in drop else "") if p[0] > "9" and "'" not in p else _latin_word(p)
                for p in pieces
            ]
        # spaces left by empty runs and dropped words are only more whitespace to split on
        return [t.split() for t in " ".join(pieces).split("\x00")]

    def article_tokens(self, title: str | None, text: str) -> list[str]:
        """Token list of one article with the headline and the lead counted twice (LABELS.md)."""
        return self.article_tokens_many([title], [text])[0]

    def article_tokens_many(
        self, titles: Sequence[str | None], texts: Sequence[str]
    ) -> list[list[str]]:
        """:meth:`article_tokens` of each article, tokenized as one batch."""
        if not any(titles) and max(map(len, texts), default=0) <= LEAD_CHARS:
            return [t + t for t in self.tokenize_many(texts)]  # headlines: all lead, no title
        segs: list[str] = []
        shape: list[tuple[bool, bool]] = []  # (has a title, has a rest) per article
        for title, text in zip(titles, texts, strict=True):
            lead, rest = _lead_rest(text)
            if title:
                segs.append(title)
            segs.append(lead)
            if rest:
                segs.append(rest)
            shape.append((bool(title), bool(rest)))
        toks = iter(self.tokenize_many(segs))
        out = []
        for has_title, has_rest in shape:
            t_title = next(toks) if has_title else []
            t_lead = next(toks)
            t_rest = next(toks) if has_rest else []
            out.append(t_title + t_title + t_lead + t_lead + t_rest)
        return out


def _latin_word(w: str) -> str:
    """One Latin word as a token ("" if dropped): the NUL separator kept, possessive 's
    dropped, a number folded to ``#num``; the caller drops the stop words without an "'"."""
    if w == "\x00":
        return w
    if "'" in w:
        w = w.removesuffix("'s").strip("'")
        if w in _EN_DROP:  # "" included
            return ""
    return NUM_TOKEN if w[0] <= "9" and _NUM_RE.match(w) else w


def _normalize_each(joined: str) -> str:
    """:func:`normalize` text by text (a batch holding a character NFKC must compose)."""
    return "\x00".join(map(normalize, joined.split("\x00")))


def _lead_rest(text: str) -> tuple[str, str]:
    """(lead, rest) of a body: the first LEAD_CHARS characters, cut at a word boundary, and
    the rest up to MAX_BODY_CHARS (so no word is split between lead and rest)."""
    body = text[:MAX_BODY_CHARS]
    lead, rest = body[:LEAD_CHARS], body[LEAD_CHARS:]
    if rest and not rest[:1].isspace():
        k = rest.find(" ")
        if 0 <= k < 40:
            lead, rest = lead + rest[:k], rest[k:]
    return lead, rest


_seg_lock = threading.Lock()
_segmenters: dict[tuple[str, ...], Callable[[str], list[str]]] = {}


def _segmenter_for(words: tuple[str, ...]) -> Callable[[str], list[str]]:
    """A Chinese word segmenter (rjieba, else jieba) with ``words`` added at high frequency."""
    with _seg_lock:
        cut = _segmenters.get(words)
        if cut is not None:
            return cut
        try:
            import rjieba

            # rjieba builds its default segmenter on import (~0.3 s): the first dictionary
            # asked for goes into that one; another needs a segmenter of its own.
            seg = rjieba.Jieba() if _segmenters else rjieba._DEFAULT_JIEBA
            for w in words:
                seg.add_word(w, 100000, None)

            def cut(s: str) -> list[str]:
                return seg.cut(s, hmm=False)

        except ImportError:  # pragma: no cover - rjieba is a default dependency
            import jieba

            jieba.setLogLevel(60)
            jt = jieba.Tokenizer()
            for w in words:
                jt.add_word(w, 100000)

            def cut(s: str) -> list[str]:
                return jt.lcut(s, HMM=False)

        _segmenters[words] = cut
        return cut


@functools.cache
def default_tokenizer() -> Tokenizer:
    """The tokenizer with the installed lexicon's Chinese names (training, topics, tests)."""
    from classify import lexicon

    return Tokenizer(lexicon.chinese_words())


def tokenize(text: str) -> list[str]:
    """:meth:`Tokenizer.tokenize` with the installed lexicon's dictionary."""
    return default_tokenizer().tokenize(text)


def article_tokens(title: str | None, text: str) -> list[str]:
    """:meth:`Tokenizer.article_tokens` with the installed lexicon's dictionary."""
    return default_tokenizer().article_tokens(title, text)


def ngrams(tokens: Sequence[str], n_max: int = 2) -> list[str]:
    """Word 1..n_max-grams of a token list (the TF-IDF analyzer; module-level so it pickles)."""
    out = list(tokens)
    for n in range(2, n_max + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


#: The prefix of a character feature ("#c中", "#c中国"): no word token starts with "#" but
#: :data:`NUM_TOKEN`, and a character gram holds only Han characters, so none is a word.
CHAR_PREFIX = "#c"


def cjk_char_grams(tokens: Sequence[str]) -> list[str]:
    """Character 1- and 2-grams of a token list's Chinese runs, as features (``#c中``, ``#c中国``).

    A run is consecutive Chinese tokens joined (a Chinese token holds only Han characters, a
    Latin one only ASCII, so ``t > "\u33ff"`` tells them apart), so a bigram the segmenter cut
    in two ("云计" "算" → 云计, 计算) is still seen, and a name or term the segmenter does not
    know still shares its characters with the ones it does. On the Chinese headlines, out of
    fold, these features beside the words raised sector macro-F1 0.733 → 0.744 and tone
    0.715 → 0.734 (same labels and folds; README, v018).
    """
    out: list[str] = []
    run: list[str] = []
    for t in (*tokens, ""):
        if t > "\u33ff":
            run.append(t)
        elif run:
            w = "".join(run)
            run = []
            out.extend([CHAR_PREFIX + c for c in w])
            out.extend([CHAR_PREFIX + w[i : i + 2] for i in range(len(w) - 1)])
    return out


if __name__ == "__main__":
    write_nfkc_data()
