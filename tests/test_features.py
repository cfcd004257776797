"""The bilingual tokenizer and the featurizer."""

from __future__ import annotations

import pickle

import numpy as np

from classify.features import (
    LEXICON_COLUMNS,
    NUM_TOKEN,
    Featurizer,
    article_tokens,
    lexicon_index,
    tokenize,
    tokenize_batch,
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


def test_lexicon_matches_companies_regulators_and_actions() -> None:
    idx = lexicon_index()
    m = idx.match(tokenize("The Cyberspace Administration of China fined Didi; 网信办对滴滴罚款"))
    groups = {(g, v) for g, v in m}
    assert ("action", "tightening") in groups
    ents = {v for g, v in m if g == "entity"}
    assert any("didi" in e for e in ents) and any("cac" in e or "cyberspace" in e for e in ents)


def test_featurizer_shapes_pickle_and_lexicon_columns() -> None:
    batch = tokenize_batch(
        [None, "标题"], ["Regulators fined Tencent over games", "网信办约谈平台"]
    )
    f = Featurizer(min_df=1).fit(batch)
    X = f.transform(batch)
    assert X.shape == (2, len(f.tfidf_.vocabulary_) + len(LEXICON_COLUMNS))
    assert X[:, -len(LEXICON_COLUMNS) :].sum() > 0
    g = pickle.loads(pickle.dumps(f))
    assert np.allclose(g.transform(batch).toarray(), X.toarray())
    off = Featurizer(min_df=1, use_lexicon=False).fit(batch).transform(batch)
    assert off[:, -len(LEXICON_COLUMNS) :].sum() == 0
