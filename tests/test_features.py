"""The training featurizer and the lexicon index (matching, columns, storage)."""

from __future__ import annotations

import pickle

import numpy as np

from classify.features import Featurizer, lexicon_index, tokenize_batch
from classify.lexindex import LEXICON_COLUMNS, LexiconIndex
from classify.text import tokenize


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
    assert X.shape == (2, len(f.vocabulary_) + len(LEXICON_COLUMNS))
    assert X[:, -len(LEXICON_COLUMNS) :].sum() > 0
    g = pickle.loads(pickle.dumps(f))
    assert np.allclose(g.transform(batch).toarray(), X.toarray())
    off = Featurizer(min_df=1, use_lexicon=False).fit(batch).transform(batch)
    assert off[:, -len(LEXICON_COLUMNS) :].sum() == 0


def test_lexicon_index_round_trips_through_json() -> None:
    import json

    idx = lexicon_index()
    back = LexiconIndex.from_json(json.loads(json.dumps(idx.to_json(), ensure_ascii=False)))
    toks = tokenize("The Cyberspace Administration of China fined Didi; 网信办对滴滴罚款 Alibaba")
    assert back.match(toks) == idx.match(toks)
    assert np.array_equal(back.counts([idx.match(toks)]), idx.counts([idx.match(toks)]))
    assert back.companies(back.match(toks)) == idx.companies(idx.match(toks))
    assert "alibaba" in idx.companies(idx.match(toks))


def test_lexicon_counts_weights() -> None:
    idx = LexiconIndex(
        {("acme",): [("entity", "acme")], ("fine",): [("action", "tightening")]},
        {"acme": {"kind": "company", "sectors": ["ai", "cloud"], "country": None}},
        [],
    )
    row = idx.counts([idx.match(["acme", "fine", "acme"])])[0]
    col = {c: i for i, c in enumerate(LEXICON_COLUMNS)}
    assert row[col["entity:ai"]] == 2.0 and row[col["entity:cloud"]] == 1.0
    assert row[col["action:tightening"]] == 1.0 and row.sum() == 4.0
