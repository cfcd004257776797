"""The bilingual tokenizer: tokens, dictionaries, and equality with the simple reference loop."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classify.text import (
    EN_STOPWORDS,
    NUM_TOKEN,
    ZH_STOPWORDS,
    Tokenizer,
    article_tokens,
    default_tokenizer,
    tokenize,
)


def test_mixed_chinese_english_tokens() -> None:
    toks = tokenize("字节跳动和宁德时代在2023年发布AI芯片，Alibaba’s cloud grew 12.5% in Q3")
    assert "字节跳动" in toks and "宁德时代" in toks  # kept whole by the lexicon user dictionary
    assert "alibaba" in toks and "cloud" in toks and "q3" in toks  # lower-cased, possessive dropped
    assert "2023" not in toks and "12.5" not in toks and toks.count(NUM_TOKEN) == 2
    assert "和" not in toks and "in" not in toks  # stop words


def test_company_names_not_split() -> None:
    for name in ("哔哩哔哩", "中芯国际", "拼多多", "小红书"):
        assert tokenize(f"{name}发布财报")[0] == name


def test_full_width_and_case_fold() -> None:
    assert tokenize("ＡＩ　ChatGPT") == ["ai", "chatgpt"]


def test_title_and_lead_count_twice() -> None:
    toks = article_tokens(
        "Chip export controls", "Lead words here. " + "filler " * 200 + "tailword"
    )
    assert toks.count("chip") == 2 and toks.count("lead") == 2 and toks.count("tailword") == 1


def _reference_tokenize(text: str, cut) -> list[str]:  # noqa: ANN001
    """The tokenizer as first written (one Python step per regex match): the fast one must agree."""
    cjk_re = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    token_re = re.compile(rf"([{cjk_re}]+)|([a-z0-9]+(?:[.\-&'][a-z0-9]+)*)")
    num_re = re.compile(r"^\d+(?:[.,]\d+)*$")
    s = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")
    out: list[str] = []
    for m in token_re.finditer(s):
        cjk, latin = m.group(1), m.group(2)
        if cjk:
            out.extend(w for w in cut(cjk) if w not in ZH_STOPWORDS)
        else:
            w = latin.removesuffix("'s").strip("'")
            if num_re.match(w):
                out.append(NUM_TOKEN)
            elif w and w not in EN_STOPWORDS and not (len(w) == 1 and w.isalpha()):
                out.append(w)
    return out


def test_fast_tokenizer_equals_reference_on_seed_articles(seed_records: list) -> None:
    tok = default_tokenizer()
    cut = tok._segmenter()
    for r in seed_records:
        for text in (r["text"], r.get("title") or ""):
            assert tok.tokenize(text) == _reference_tokenize(text, cut)


_PIECES = st.sampled_from(
    [
        "Alibaba's",
        "it's",
        "3.5",
        "1,000",
        "x",
        "Q3",
        "U.S.",
        "AT&T",
        "e-commerce",
        "’s",
        "‘quoted’",
        "字节跳动",
        "的",
        "发布",
        "ＡＩ",
        "１２",
        "café",
        " ",
        ", ",
        "\n",
        "2023年",
        "ab'c's",
        "5G",
        "a.b.c",
        "—",
        "😀",
        "\u3000",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_fast_tokenizer_equals_reference_on_mixed_text(text: str) -> None:
    tok = default_tokenizer()
    assert tok.tokenize(text) == _reference_tokenize(text, tok._segmenter())


def test_stop_words_are_scikit_learns() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    extra = {"s", "said", "says", "also", "would", "could", "like"}
    assert ENGLISH_STOP_WORDS | extra == EN_STOPWORDS


def test_user_dictionary_is_per_tokenizer() -> None:
    plain = Tokenizer(())
    assert "字节跳动" in default_tokenizer().tokenize("字节跳动发布")
    assert Tokenizer(["跳动发"]).tokenize("字节跳动发布") != default_tokenizer().tokenize(
        "字节跳动发布"
    )
    assert plain.tokenize("Hello world") == ["hello", "world"]


def test_nfkc_equals_unicodedata_on_every_bmp_character() -> None:
    from classify.text import nfkc

    bad = []
    for c in range(0x10000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        ch = chr(c)
        for s in (ch, "a" + ch, ch + "\u0301", "가" + ch, ch + "\u1161", "カ" + ch + "ﾞ"):
            if nfkc(s) != unicodedata.normalize("NFKC", s):
                bad.append(s)
    assert not bad, bad[:10]


_TRICKY = st.sampled_from(
    [
        "a",
        "e",
        "\u0301",
        "\u0316",
        "ｶ",
        "ﾞ",
        "ﾟ",
        "가",
        "\u1100",
        "\u1161",
        "\u11a8",
        "ﬁ",
        "①",
        "ＡＢ",
        "，",
        "\u3000",
        "豈",
        "字",
        "😀",
        "𝐀",
        "\u0bc6",
        "\u0bbe",
        "ǅ",
        "™",
        "½",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TRICKY, max_size=12).map("".join))
def test_nfkc_equals_unicodedata_on_mixed_text(text: str) -> None:
    from classify.text import nfkc

    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_shipped_nfkc_table_is_current() -> None:
    import json

    from classify.text import NFKC_DATA, _nfkc_data

    data = json.loads(NFKC_DATA.read_text(encoding="utf-8"))
    if data["unidata_version"] != unicodedata.unidata_version:
        pytest.skip(
            f"table built for Unicode {data['unidata_version']}, this Python has "
            f"{unicodedata.unidata_version} (it builds its own)"
        )
    table, unsafe = _nfkc_data()
    assert {int(k): v for k, v in data["table"].items()} == table
    assert [tuple(r) for r in data["unsafe"]] == unsafe


def test_nfkc_and_tokens_equal_reference_on_the_corpora() -> None:
    import json

    from conftest import CORPORA

    from classify.text import nfkc

    path = CORPORA / "36kr_hotlist.jsonl"
    if not path.is_file():
        pytest.skip(f"needs the shared corpora beside the checkout ({path} not found)")
    tok = default_tokenizer()
    cut = tok._segmenter()
    with open(path, encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            text = json.loads(line)["text"]
            assert nfkc(text) == unicodedata.normalize("NFKC", text)
            if k % 10 == 0:  # the tokens of one headline in ten against the reference loop
                assert tok.tokenize(text) == _reference_tokenize(text, cut)


def test_is_chinese_counts_han_characters_against_the_text_without_spaces() -> None:
    from classify.text import is_chinese

    assert is_chinese("英伟达H20芯片获准对华销售")  # a mixed headline with Latin names
    assert is_chinese("TikTok 美国 业务")  # spaces are not counted
    assert not is_chinese("Nvidia said on Tuesday that 华为 was a competitor in AI chips")
    assert not is_chinese("")
    assert not is_chinese("Beijing " + "李" * 3 + " announced new rules for platforms" * 50)
    # only the first 2,000 characters decide
    assert not is_chinese("x" * 2000 + "中" * 5000)
