"""Readers and writers: one record out per record in, in order; bad input becomes an error record."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classify.io import (
    MAX_TEXT_CHARS,
    Article,
    BadRecord,
    article_from_obj,
    derive_id,
    open_writer,
    read_records,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=6,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(
        st.one_of(
            st.builds(
                lambda t, i: json.dumps({"id": i, "text": t}, ensure_ascii=False),
                st.text(min_size=1, max_size=40),
                st.text(min_size=1, max_size=8),
            ),
            st.builds(json.dumps, json_values),
            st.text(max_size=30).filter(lambda s: "\n" not in s and "\r" not in s),
        ),
        max_size=25,
    )
)
def test_jsonl_one_record_per_nonblank_line(tmp_path: Path, lines: list[str]) -> None:
    f = tmp_path / "in.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recs = list(read_records([f]))
    # a line holding only ASCII whitespace is not a record (documented in the README)
    nonblank = [n for n, line in enumerate(lines, 1) if line.strip(" \t\r\n\f\v")]
    assert [r.line for r in recs] == nonblank
    for r in recs:
        assert isinstance(r, Article | BadRecord)
        if isinstance(r, BadRecord):
            assert r.error


@settings(max_examples=100)
@given(obj=json_values)
def test_article_from_obj_never_raises(obj: object) -> None:
    r = article_from_obj(obj, 3)
    assert r.line == 3
    if isinstance(r, Article):
        assert isinstance(obj, dict | str) and r.text is not None and r.id


def test_errors_are_specific() -> None:
    cases = {
        "[1, 2]": "expected a JSON object",
        '{"id": "a"}': "missing field 'text'",
        '{"id": "a", "text": 5}': "field 'text' must be a string",
        '{"id": "a", "text": "  "}': "empty 'text'",
        '{"id": ["x"], "text": "t"}': "field 'id' must be a string",
        '{"text": "t", "title": 3}': "field 'title' must be a string",
        "{not json": "not valid JSON",
    }
    for line, msg in cases.items():
        r = article_from_obj(json.loads(line), 1) if not line.startswith("{not") else None
        if r is None:
            continue
        assert isinstance(r, BadRecord) and msg in r.error, (line, r)


def test_ids_dates_meta_and_truncation() -> None:
    a = article_from_obj(
        {"text": "同样的文字", "date": "2021-12-10T08:43:00+08:00", "source": "x", "n": 1}
    )
    b = article_from_obj({"text": "同样的文字"})
    assert a.id == b.id == derive_id("\n同样的文字") and a.date == "2021-12-10T08:43:00+08:00"
    assert a.meta == {"source": "x", "n": 1}
    bad_date = article_from_obj({"text": "t", "date": "yesterday"})
    assert bad_date.date is None and "not an ISO 8601 date" in bad_date.warnings[0]
    huge = article_from_obj({"id": "h", "text": "x" * (MAX_TEXT_CHARS + 10)})
    assert len(huge.text) == MAX_TEXT_CHARS and "truncated" in huge.warnings[0]
    assert article_from_obj({"id": 7, "text": "t"}).id == "7"


def test_invalid_utf8_line_is_an_error_in_place(tmp_path: Path) -> None:
    f = tmp_path / "in.jsonl"
    f.write_bytes(
        b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "\xff\xfe bad"}\n{"id": "c", "text": "ok"}\n'
    )
    recs = list(read_records([f]))
    assert [type(r).__name__ for r in recs] == ["Article", "BadRecord", "Article"]
    assert "not valid utf-8" in recs[1].error and recs[1].line == 2


def test_utf16_and_gbk_files_decode(tmp_path: Path) -> None:
    rows = '{"id": "a", "text": "华为发布新手机"}\n{"id": "b", "text": "小米汽车"}\n'
    for enc in ("utf-16", "gb18030"):
        f = tmp_path / f"in-{enc}.jsonl"
        f.write_bytes(rows.encode(enc))
        recs = list(read_records([f]))
        assert [r.text for r in recs] == ["华为发布新手机", "小米汽车"], enc


def test_gz_csv_parquet_txt_readers(tmp_path: Path) -> None:
    gz = tmp_path / "a.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write('{"id": "g1", "text": "gz text"}\n')
    csv_f = tmp_path / "a.csv"
    csv_f.write_text('id,text,title\nc1,"hello, world",T\nc2,"broken\n', encoding="utf-8")
    pq_in = tmp_path / "a.parquet"
    import pyarrow as pa

    pq.write_table(pa.table({"id": ["p1", "p2"], "text": ["x", None]}), pq_in)
    d = tmp_path / "txts"
    d.mkdir()
    (d / "story-one.txt").write_text("A story.", encoding="utf-8")
    recs = list(read_records([gz, csv_f, pq_in, d]))
    assert [getattr(r, "id", None) for r in recs] == ["g1", "c1", None, "p1", "p2", "story-one"]
    assert recs[1].title == "T" and recs[1].text == "hello, world"
    assert isinstance(recs[2], BadRecord) and isinstance(recs[4], BadRecord)


def test_writers_round_trip(tmp_path: Path) -> None:
    rows = [
        {
            "id": "a",
            "sectors": ["ai"],
            "sector_scores": {"ai": 0.9},
            "tone_index": 0.1,
            "error": None,
        },
        {"id": "b", "sectors": [], "sector_scores": {"ai": 0.1}, "tone_index": -0.2, "error": "x"},
    ]
    w = open_writer(tmp_path / "o.jsonl")
    w.write_many(rows)
    w.close()
    text = (tmp_path / "o.jsonl").read_text(encoding="utf-8")
    assert [json.loads(x) for x in text.splitlines()] == rows
    w = open_writer(
        tmp_path / "o.parquet", fields=["id", "sectors", "sector_scores", "tone_index", "error"]
    )
    w.write_many(rows[:1])
    w.write_many(rows[1:])
    w.close()
    t = pq.read_table(tmp_path / "o.parquet").to_pylist()
    assert [r["id"] for r in t] == ["a", "b"] and t[0]["sectors"] == ["ai"]
    assert json.loads(t[1]["sector_scores"]) == {"ai": 0.1}
    w = open_writer(tmp_path / "o.csv")
    w.write_many(rows)
    w.close()
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").splitlines()[0].startswith("id,sectors")


def test_non_ascii_written_unescaped(tmp_path: Path) -> None:
    w = open_writer(tmp_path / "o.jsonl")
    w.write_many([{"id": "中文"}])
    w.close()
    assert "中文" in (tmp_path / "o.jsonl").read_text(encoding="utf-8")


def test_json_lines_decodes_like_the_readers_and_reports_bad_lines(tmp_path: Path) -> None:
    """The shared JSONL parser of label files and tag output (#12: labels used to parse its own)."""
    import gzip

    from classify.io import first_json, json_lines

    text = '{"id": "a", "tone": "none"}\n\n  \nnot json\n[1, 2]\n{"id": "标签"}\n'
    plain = tmp_path / "l.jsonl"
    plain.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # with a BOM
    gz = tmp_path / "l.jsonl.gz"
    gz.write_bytes(gzip.compress(text.encode("utf-8")))
    utf16 = tmp_path / "l16.jsonl"
    utf16.write_bytes(text.encode("utf-16"))
    for p in (plain, gz, utf16):
        rows = list(json_lines(p))
        assert [n for n, _, _ in rows] == [1, 4, 5, 6], p
        assert rows[0][1] == {"id": "a", "tone": "none"} and rows[0][2] is None
        assert rows[1][1] is None and rows[1][2].startswith("not valid JSON")
        assert rows[2][1] == [1, 2] and rows[3][1] == {"id": "标签"}
        assert first_json(p) == {"id": "a", "tone": "none"}
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    assert first_json(empty) is None
