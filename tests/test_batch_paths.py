"""The batch fast paths of tagging equal the per-record code they replace (issue #15).

Tokenizing a batch at once, finding lexicon candidates per batch, parsing JSON lines with the
C scanner, the Article fast path and the per-batch JSON encoder each have a simple per-record
counterpart; these tests hold them equal on generated input and, where present, the corpora.
"""

from __future__ import annotations

import json
import math
from itertools import chain

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classify.compiled import TokenCodes, tokenize_articles
from classify.io import (
    Article,
    BadRecord,
    article_from_obj,
    dumps_json,
    json_dumper,
    records_from_lines,
)
from classify.predictor import Predictor
from classify.text import LEAD_CHARS, _lead_rest, default_tokenizer

_PIECES = st.sampled_from(
    [
        "Alibaba's",
        "it's",
        "'s",
        "3.5",
        "1,000",
        "x",
        "Q3",
        "AT&T",
        "e-commerce",
        "’s",
        "字节跳动",
        "的",
        "发布",
        "理想",
        "荣耀",
        "中兴",
        "ＡＩ",
        "１２",
        "café",
        "e\u0301",  # a combining mark: NFKC must compose it (the batch falls back text by text)
        "\u0301",
        " ",
        "，",
        "\n",
        "2023年",
        "5G",
        "😀",
        "\u3000",
        "\x00",
        "ΑΣ",  # final sigma: lower-casing looks at the neighbours
    ]
)
_TEXT = st.lists(_PIECES, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, max_size=8))
def test_tokenize_many_equals_tokenize(texts: list[str]) -> None:
    tok = default_tokenizer()
    assert tok.tokenize_many(texts) == [tok.tokenize(t) for t in texts]


def _reference_article_tokens(title: str | None, text: str) -> list[str]:
    """The per-article definition: headline and lead twice, the rest once (LABELS.md), each
    tokenized on its own (the lead/rest split itself is the module's)."""
    tok = default_tokenizer()
    lead, rest = _lead_rest(text)
    t_title = tok.tokenize(title) if title else []
    t_lead = tok.tokenize(lead)
    return t_title + t_title + t_lead + t_lead + (tok.tokenize(rest) if rest else [])


def test_article_tokens_many_equals_per_article(seed_records: list) -> None:
    titles = [r.get("title") for r in seed_records]
    texts = [r["text"] for r in seed_records]
    got = default_tokenizer().article_tokens_many(titles, texts)
    assert got == [_reference_article_tokens(t, x) for t, x in zip(titles, texts, strict=True)]
    short = [x[:LEAD_CHARS] for x in texts]  # the headline-only fast path
    got = default_tokenizer().article_tokens_many([None] * len(short), short)
    assert got == [_reference_article_tokens(None, x) for x in short]


@pytest.mark.parametrize("name", ["36kr_hotlist.jsonl", "rss_en.jsonl"])
def test_batch_tokens_and_matches_equal_per_record_on_the_corpora(name: str) -> None:
    from conftest import CORPORA

    path = CORPORA / name
    if not path.is_file():
        pytest.skip(f"needs the shared corpora beside the checkout ({path} not found)")
    clf = Predictor.load().classifier
    tok, lex = clf.tokenizer, clf.lexicon
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for k, line in enumerate(fh) if k % 7 == 0]
    for i in range(0, len(rows), 512):
        chunk = rows[i : i + 512]
        titles, texts = [r.get("title") for r in chunk], [r["text"] for r in chunk]
        batch = clf.tokenize(titles, texts)
        ref = [tok.article_tokens(t, x) for t, x in zip(titles, texts, strict=True)]
        assert batch.tokens == ref
        raws = [x if not t else f"{t}\n{x}" for t, x in zip(titles, texts, strict=True)]
        assert batch.matches == [lex.match(t, r) for t, r in zip(ref, raws, strict=True)]


def test_token_codes_give_the_string_paths_features() -> None:
    """Features through the shared token codes equal the per-dictionary look-ups."""
    clf = Predictor.load().classifier
    titles = [None, "阿里云发布新模型", "Tencent's games", None]
    texts = [
        "字节跳动和宁德时代发布AI芯片，监管部门约谈",
        "通义千问开源 cloud computing",
        "NetEase and Tencent get new game licences from the NPPA",
        "他的理想是成为科学家",
    ]
    batch = clf.tokenize(titles, texts)
    assert batch.coded is not None
    plain = tokenize_articles(clf.tokenizer, clf.lexicon, titles, texts)  # no codes
    assert plain.coded is None and plain.tokens == batch.tokens and plain.matches == batch.matches
    a, b = clf.transform(batch), clf.transform(plain)
    assert (a != b).nnz == 0 and a.shape == b.shape
    codes = clf._token_codes()
    assert isinstance(codes, TokenCodes)
    flat = list(chain.from_iterable(batch.tokens))
    c = codes.encode(batch.tokens)
    assert [clf.vocab.get(t, -1) for t in flat] == codes.uni[c].tolist()
    assert [t in clf.lexicon.starts for t in flat] == codes.start[c].tolist()


def _reference_record(n: int, line: str) -> tuple:
    """What a JSON line becomes through ``json.loads`` (the behaviour the scanner must keep)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return ("bad", f"not valid JSON: {e.msg} (column {e.colno})")
    except (ValueError, RecursionError):
        return ("bad", None)
    return ("obj", obj)


_JSONISH = st.one_of(
    st.text(alphabet=' {}[]",:0123456789abcnlutrfe\\\t\r\n\ufeffé字', max_size=30),
    st.builds(
        lambda d, pre, post: pre + json.dumps(d, ensure_ascii=False) + post,
        st.dictionaries(
            st.sampled_from(["id", "text", "title", "date", "x"]),
            st.one_of(st.text(max_size=8), st.integers(), st.none(), st.floats(allow_nan=False)),
            max_size=5,
        ),
        st.sampled_from(["", " ", "\t", "\ufeff"]),
        st.sampled_from(["", " ", "\n", "\r\n", " x", "}"]),
    ),
)


@settings(max_examples=400, deadline=None)
@given(_JSONISH)
def test_json_lines_parse_as_json_loads_does(line: str) -> None:
    if not line.strip(" \t\n\r"):
        return  # blank lines never reach the parser
    (rec,) = records_from_lines([(1, line, None)], "src")
    kind, want = _reference_record(1, line)
    if kind == "bad":
        assert isinstance(rec, BadRecord) and rec.error.startswith("not valid JSON")
        if want is not None:
            assert rec.error == want
    else:
        expect = article_from_obj(want, 1, "src")
        assert type(rec) is type(expect)
        if isinstance(rec, Article):
            assert (rec.id, rec.text, rec.title, rec.date, rec.meta) == (
                expect.id,
                expect.text,
                expect.title,
                expect.date,
                expect.meta,
            )


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
_RECORD = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.text(max_size=6), st.integers(), st.none(), st.just("  ")),
        "text": st.one_of(st.text(max_size=12), st.just(""), st.just("a\x00b"), st.integers()),
        "title": st.one_of(st.text(max_size=6), st.none(), st.just(""), st.integers()),
        "date": st.one_of(
            st.sampled_from(["2024-05-01", "2024-05-01T10:00:00Z", "nope", "", " "]),
            st.integers(),
            st.none(),
        ),
        "url": st.text(max_size=6),
    },
)


@settings(max_examples=400, deadline=None)
@given(_RECORD)
def test_article_fast_path_equals_the_checks(obj: dict) -> None:
    """The fast path takes only records the full checks would accept unchanged."""
    got = article_from_obj(dict(obj), 3, "s")
    # the full checks alone: a dict subclass skips the fast path (it tests ``type(obj) is dict``)
    ref = article_from_obj(type("D", (dict,), {})(obj), 3, "s")
    assert type(got) is type(ref)
    assert (
        got == ref
        if isinstance(got, BadRecord)
        else (
            got.id,
            got.text,
            got.title,
            got.date,
            got.meta,
            got.warnings,
        )
        == (ref.id, ref.text, ref.title, ref.date, dict(ref.meta), ref.warnings)
    )


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        _VALUES,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=10,
    )
)
def test_json_dumper_equals_dumps_json(value: object) -> None:
    dumps = json_dumper()
    assert dumps(value) == dumps_json(value)
    assert dumps(value) == dumps_json(value)  # the encoder is reused within a batch


def test_json_dumper_handles_what_parquet_meta_holds() -> None:
    import datetime as dt

    meta = {"d": dt.date(2024, 5, 1), "b": b"\xff", "n": np.int64(3), "f": np.float32(0.5)}
    assert json_dumper()(meta) == dumps_json(meta)
    assert json.loads(json_dumper()(meta))["n"] == 3
    assert math.isclose(json.loads(json_dumper()(meta))["f"], 0.5)
