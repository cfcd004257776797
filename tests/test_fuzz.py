"""Fuzz suite: bad input never loses a record.

Hypothesis builds JSONL and CSV files line by line from good records and every kind of bad
one (malformed JSON, JSON that is not an object, wrong field types, missing or empty text,
binary garbage, invalid UTF-8, overlong numbers, deep nesting, lone surrogate escapes), plus
UTF-16 / GBK / GB18030 / UTF-8-BOM files, a 5 MB text and a 100,000-record file. Each line's
expected outcome is known when it is generated, so the checks are exact:

* one output record per input record (non-blank line of JSONL: a line holding only ASCII
  whitespace is not a record; data row of CSV), in input order;
* a good record carries its id; a bad one carries its line number and a clear ``error``;
* ``classify tag`` exits 0 when every record was tagged, 1 when some failed, 2 on unusable
  arguments or an unreadable model (SPEC §2).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from classify.cli import app
from classify.io import MAX_TEXT_CHARS, Article, BadRecord, read_records
from classify.predictor import Predictor
from classify.tagging import tag_records

_TINY: dict[str, Path] = {}
_PRED: dict[str, Predictor] = {}


@pytest.fixture(autouse=True)
def _tiny(tiny_bundle: Path) -> None:
    """Hypothesis tests cannot take fixtures per example: keep the session bundle at hand."""
    _TINY["path"] = tiny_bundle


def _predictor() -> Predictor:
    path = str(_TINY["path"])
    if path not in _PRED:
        _PRED[path] = Predictor.load(path)
    return _PRED[path]


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
runner = CliRunner()

# --------------------------------------------------------------------------- line strategies


@dataclass(frozen=True)
class Line:
    """One generated input line and what the readers must make of it."""

    raw: bytes
    kind: str  # "blank" (not a record), "ok" (an Article), "error" (a BadRecord), "any"
    id: str | None = None  # the id the output record must carry ("ok" and "error")
    error: str = ""  # a substring the error message must hold ("error")


IDS = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.华为小米", min_size=1, max_size=10).map(
    lambda s: "id-" + s
)
TEXTS = st.text(min_size=1, max_size=60).filter(
    lambda s: s.replace("\x00", "").strip()
)  # NULs are removed
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=6,
)
NOT_STRINGS = st.one_of(
    st.integers(), st.floats(allow_nan=False), st.booleans(), st.lists(st.integers(), max_size=2)
)
# invalid UTF-8 (a stray continuation byte, a truncated sequence, an encoded surrogate), each
# with 0xFF, which GB18030 never uses either: the file's sniffed encoding stays UTF-8
INVALID = st.sampled_from([b"\xff", b"\x80\xff", b"\xc3\x28\xff", b"\xed\xa0\x80\xff"])


def _dumps(obj: object, ascii_: bool) -> bytes:
    return json.dumps(obj, ensure_ascii=ascii_).encode("utf-8")


@st.composite
def good_line(draw: st.DrawFn) -> Line:
    rid = draw(IDS)
    obj: dict = {"id": rid, "text": draw(TEXTS)}
    if draw(st.booleans()):
        obj["title"] = draw(st.none() | st.text(max_size=20))
    if draw(st.booleans()):
        obj["date"] = draw(st.sampled_from(["2021-12-10", "2021-12-10T08:43:00+08:00", "soon"]))
    if draw(st.booleans()):
        obj["extra"] = draw(JSON_VALUES)
    raw = _dumps(obj, draw(st.booleans()))
    if draw(st.booleans()):
        raw += b"\r"  # CRLF line ending
    return Line(raw, "ok", rid)


@st.composite
def wrong_field_line(draw: st.DrawFn) -> Line:
    rid = draw(IDS)
    case = draw(st.sampled_from(["text_type", "title_type", "id_type", "missing", "empty"]))
    if case == "text_type":
        return Line(
            _dumps({"id": rid, "text": draw(NOT_STRINGS)}, True), "error", rid, "field 'text'"
        )
    if case == "title_type":
        obj = {"id": rid, "text": "x", "title": draw(NOT_STRINGS)}
        return Line(_dumps(obj, True), "error", rid, "field 'title'")
    if case == "id_type":
        bad_id = draw(st.booleans() | st.lists(st.integers(), max_size=2) | st.just({}))
        return Line(_dumps({"id": bad_id, "text": "x"}, True), "error", None, "field 'id'")
    if case == "missing":
        obj = {"id": rid, "title": None, **({"text": None} if draw(st.booleans()) else {})}
        return Line(_dumps(obj, True), "error", rid, "missing field 'text'")
    blank = draw(st.text(" \t\n\u3000\xa0", max_size=4))
    return Line(_dumps({"id": rid, "text": blank}, False), "error", rid, "empty 'text'")


@st.composite
def not_object_line(draw: st.DrawFn) -> Line:
    value = draw(st.one_of(st.none(), st.booleans(), st.integers(), st.lists(JSON_VALUES)))
    return Line(_dumps(value, True), "error", None, "expected a JSON object")


@st.composite
def malformed_line(draw: st.DrawFn) -> Line:
    full = json.dumps({"id": draw(IDS), "text": draw(TEXTS)}, ensure_ascii=draw(st.booleans()))
    cut = draw(st.integers(1, len(full) - 1))
    return Line(full[:cut].encode("utf-8"), "error", None, "not valid JSON")


@st.composite
def garbage_line(draw: st.DrawFn) -> Line:
    junk = draw(st.binary(max_size=40)).replace(b"\n", b"")
    pos = draw(st.integers(0, len(junk)))
    return Line(junk[:pos] + draw(INVALID) + junk[pos:], "error", None, "not valid utf-8")


@st.composite
def invalid_utf8_line(draw: st.DrawFn) -> Line:
    rid = draw(IDS)
    text = draw(TEXTS).encode("utf-8")
    raw = b'{"id": "' + rid.encode() + b'", "text": "' + text[:5] + draw(INVALID) + b'"}'
    return Line(raw.replace(b"\n", b" "), "error", None, "not valid utf-8")


@st.composite
def text_line(draw: st.DrawFn) -> Line:
    """Arbitrary text: may even be valid JSON (a bare string is an article), so 'any'."""
    s = draw(st.text(max_size=30).filter(lambda s: s.strip(" \t\r\n\f\v")))
    return Line(s.replace("\n", " ").encode("utf-8"), "any")


@st.composite
def edge_json_line(draw: st.DrawFn) -> Line:
    rid = draw(IDS)
    case = draw(st.sampled_from(["bigint", "deep", "surrogate", "nan", "unicode_ws"]))
    if case == "bigint":  # Python refuses ints over 4,300 digits with a ValueError
        raw = b'{"id": "x", "text": "t", "n": ' + b"7" * 5000 + b"}"
        return Line(raw, "error", None, "not valid JSON")
    if case == "deep":  # json.loads raises RecursionError
        return Line(b'{"id": "x", "text": "t", "n": ' + b"[" * 50_000, "error", None, "JSON")
    if case == "surrogate":  # a lone surrogate cannot be written as UTF-8: replaced, warned
        raw = b'{"id": "' + rid.encode() + b'\\ud800", "text": "a\\udc00b"}'
        return Line(raw, "ok", rid + "\ufffd")
    if case == "nan":
        return Line(b'{"id": "' + rid.encode() + b'", "text": "t", "x": NaN}', "ok", rid)
    ws = draw(st.text("\u3000\xa0\u2028\u2029", min_size=1, max_size=3))
    return Line(ws.encode("utf-8"), "error", None, "not valid JSON")


BLANK = st.text(" \t\r\f\v", max_size=4).map(lambda s: Line(s.encode(), "blank"))
ANY_LINE = st.one_of(
    good_line(),
    wrong_field_line(),
    not_object_line(),
    malformed_line(),
    garbage_line(),
    invalid_utf8_line(),
    text_line(),
    edge_json_line(),
    BLANK,
)
FIRST = Line(b'{"id": "first", "text": "a plain first record"}', "ok", "first")


def _write(path: Path, lines: list[Line], final_newline: bool) -> Path:
    path.write_bytes(b"\n".join(x.raw for x in lines) + (b"\n" if final_newline else b""))
    return path


def _expected(lines: list[Line]) -> list[tuple[int, Line]]:
    return [(n, x) for n, x in enumerate(lines, 1) if x.kind != "blank"]


def _check_record(rec: Article | BadRecord, n: int, x: Line) -> None:
    assert rec.line == n, (rec, x)
    if x.kind == "ok":
        assert isinstance(rec, Article) and rec.id == x.id, (rec, x)
        assert rec.text.strip() or (rec.title or "").strip()
    elif x.kind == "error":
        assert isinstance(rec, BadRecord), (rec, x)
        assert x.error in rec.error and rec.id == x.id, (rec, x)


# --------------------------------------------------------------------------- readers


@FUZZ
@given(lines=st.lists(ANY_LINE, max_size=30), final_newline=st.booleans())
def test_jsonl_reader_one_record_per_nonblank_line(
    tmp_path: Path, lines: list[Line], final_newline: bool
) -> None:
    lines = [FIRST, *lines]
    recs = list(read_records([_write(tmp_path / "in.jsonl", lines, final_newline)]))
    expected = _expected(lines)
    assert len(recs) == len(expected)
    for rec, (n, x) in zip(recs, expected, strict=True):
        _check_record(rec, n, x)


def test_edge_cases_each_once(tmp_path: Path) -> None:
    """The lines that used to abort a whole run (ValueError, RecursionError, write errors)."""
    lines = [
        FIRST,
        Line(b'{"id": "big", "text": "t", "n": ' + b"9" * 5000 + b"}", "error", None, "JSON"),
        Line(b"[" * 100_000, "error", None, "nested too deeply"),
        Line(b'{"id": "s\\ud83d", "text": "\\udfff"}', "ok", "s\ufffd"),
        Line(b'{"id": "pair", "text": "\\ud83d\\ude00 emoji"}', "ok", "pair"),
        Line(b'{"id": "nul", "text": "\\u0000 \\u0000"}', "error", "nul", "empty 'text'"),
        Line(b"\xef\xbb\xbf", "error", None, "not valid JSON"),  # a BOM in the middle is no blank
    ]
    path = _write(tmp_path / "in.jsonl", lines, True)
    recs = list(read_records([path]))
    for rec, (n, x) in zip(recs, _expected(lines), strict=True):
        _check_record(rec, n, x)
    assert recs[3].text == "\ufffd" and "lone surrogate" in recs[3].warnings[0]
    assert recs[4].text == "\U0001f600 emoji" and not recs[4].warnings
    sep = tmp_path / "sep.jsonl"  # U+2028 / U+0085 are escaped: one record per output line
    sep.write_text(json.dumps({"id": "a\u2028b", "text": "x\x85y\u2029z"}) + "\n")
    tag_records(_predictor(), [str(sep)], tmp_path / "sep_out.jsonl", None)
    (row,) = (tmp_path / "sep_out.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(row)["id"] == "a\u2028b"
    for fmt in ("jsonl", "csv", "parquet"):  # every writer takes every record
        out = tmp_path / f"out.{fmt}"
        stats = tag_records(_predictor(), [str(path)], out, None)
        assert stats == {"records": len(recs), "errors": 4}, fmt


CJK = "华为小米芯片汽车电商监管罚款批准发布新手机的了是在中国科技公司游戏比特币"


@FUZZ
@given(
    rows=st.lists(
        st.tuples(IDS, st.text(CJK + "abc XYZ0123,.!？。“”", min_size=1, max_size=30)),
        min_size=1,
        max_size=12,
    ),
    encoding=st.sampled_from(["utf-16", "utf-16-be-bom", "gbk", "gb18030", "utf-8-sig"]),
    blank_every=st.integers(2, 5),
    crlf=st.booleans(),
)
def test_utf16_gbk_and_bom_files_decode_every_record(
    tmp_path: Path, rows: list[tuple[str, str]], encoding: str, blank_every: int, crlf: bool
) -> None:
    # "华为" makes every GBK record invalid as UTF-8: bytes valid in both read as UTF-8
    lines, want = [], []
    for k, (rid, text) in enumerate(rows):
        if k % blank_every == 1:
            lines.append("  ")
        lines.append(json.dumps({"id": rid, "text": "华为" + text}, ensure_ascii=False))
        want.append((len(lines), rid, "华为" + text))
    body = ("\r\n" if crlf else "\n").join(lines) + "\n"
    data = (
        b"\xfe\xff" + body.encode("utf-16-be")
        if encoding == "utf-16-be-bom"
        else body.encode(encoding)
    )
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    recs = list(read_records([path]))
    assert [(r.line, r.id, r.text) for r in recs] == want


def test_utf8_file_with_one_gbk_line_keeps_the_others(tmp_path: Path) -> None:
    """A GBK line inside a UTF-8 file is an error in place; the UTF-8 lines still decode."""
    good = [
        json.dumps({"id": f"u{i}", "text": f"华为发布新手机{i}"}, ensure_ascii=False)
        for i in range(8)
    ]
    data = [x.encode("utf-8") for x in good]
    data.insert(3, json.dumps({"id": "g", "text": "小米汽车"}, ensure_ascii=False).encode("gbk"))
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(data) + b"\n")
    recs = list(read_records([path]))
    assert [r.line for r in recs] == list(range(1, 10))
    assert isinstance(recs[3], BadRecord) and "not valid utf-8" in recs[3].error
    assert [r.text for r in recs if isinstance(r, Article)] == [
        f"华为发布新手机{i}" for i in range(8)
    ]


def test_truncated_or_fake_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    """A .gz cut short: the records before the cut, then one error record in place."""
    import gzip

    body = "".join(
        json.dumps({"id": f"g{i}", "text": f"芯片 {i} " * 20}) + "\n" for i in range(3000)
    )
    whole = gzip.compress(body.encode("utf-8"))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    fake = tmp_path / "fake.jsonl.gz"
    fake.write_bytes(b'{"id": "x", "text": "not gzip at all"}\n')
    recs = list(read_records([cut, fake]))
    good = [r for r in recs if isinstance(r, Article)]
    bad = [r for r in recs if isinstance(r, BadRecord)]
    assert 0 < len(good) < 3000 and [r.id for r in good] == [f"g{i}" for i in range(len(good))]
    assert [r.line for r in bad] == [len(good) + 1, 1]
    assert all("cannot read the rest of" in r.error for r in bad)
    r = runner.invoke(
        app, ["tag", str(cut), "-o", str(tmp_path / "o.jsonl"), "--model", str(_TINY["path"])]
    )
    assert r.exit_code == 1


def test_parquet_input_with_dates_bytes_and_nested_meta(tmp_path: Path) -> None:
    """Arrow types JSON cannot hold (timestamps, bytes, decimals) pass through ``meta`` as text."""
    import datetime as dt
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "in.parquet"
    table = pa.table(
        {
            "id": ["p1", "p2", "p3"],
            "text": ["芯片 晶圆", None, "mobile game"],
            "published": [dt.datetime(2021, 12, 10, 8, 43), None, dt.datetime(2022, 1, 1)],
            "blob": [b"\x00\xff", b"ok", None],
            "price": pa.array([Decimal("1.50"), None, Decimal("2")], pa.decimal128(5, 2)),
            "tags": [["a", "b"], [], None],
        }
    )
    pq.write_table(table, src)
    for fmt in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"out.{fmt}"
        assert tag_records(_predictor(), [str(src)], out, None) == {"records": 3, "errors": 1}
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert rows[0]["meta"] == {
        "published": "2021-12-10T08:43:00",
        "blob": "\x00\ufffd",
        "price": "1.50",
        "tags": ["a", "b"],
    }
    assert rows[1]["error"] == "missing field 'text'" and rows[1]["line"] == 2


# --------------------------------------------------------------------------- CSV


@st.composite
def csv_row(draw: st.DrawFn) -> tuple[str, str, str | None, str]:
    """(raw row, kind, id, error substring) for one CSV data row of header id,text,title."""
    rid = draw(IDS.filter(lambda s: "," not in s))
    kind = draw(
        st.sampled_from(["plain", "quoted", "stray_quote", "junk_after_quote", "fields", "empty"])
    )
    if kind == "plain":
        text = draw(st.text("abc 华为,.", min_size=1).filter(lambda s: s.strip() and "," not in s))
        return f"{rid},{text},", "ok", rid, ""
    if kind == "quoted":  # commas, quotes and newlines inside a quoted cell
        text = draw(st.text('ab ,"\n华为', min_size=1).filter(lambda s: s.strip()))
        return f'{rid},"{text.replace(chr(34), chr(34) * 2)}",T', "ok", rid, ""
    if kind == "stray_quote":  # a quote inside an unquoted cell is kept as a character
        return f'{rid},ab"c"d,', "ok", rid, ""
    if kind == "junk_after_quote":  # text after a closing quote is appended (not strict)
        return f'{rid},"ab"cd,', "ok", rid, ""
    if kind == "fields":
        n = draw(st.sampled_from([2, 4, 5]))
        cells = [rid, "text", "title", "x", "y"][:n]
        return ",".join(cells), "error", None, f"CSV row has {n} fields"
    return f"{rid},,", "error", rid, "missing field 'text'"


@FUZZ
@given(rows=st.lists(csv_row(), max_size=20), blank_at=st.sets(st.integers(0, 20), max_size=3))
def test_csv_one_record_per_row_with_broken_quoting(
    tmp_path: Path, rows: list[tuple[str, str, str | None, str]], blank_at: set[int]
) -> None:
    out_rows, want, row_no = ["id,text,title"], [], 1
    for k, (raw, kind, rid, err) in enumerate(rows):
        if k in blank_at:  # an empty row or a row of empty cells is not a record
            out_rows.append(",," if k % 2 else "")
            row_no += 1
        out_rows.append(raw)
        row_no += 1
        want.append((row_no, kind, rid, err))
    path = tmp_path / "in.csv"
    path.write_text("\n".join(out_rows) + "\n", encoding="utf-8", newline="")
    recs = list(read_records([path]))
    assert len(recs) == len(want)
    for rec, (n, kind, rid, err) in zip(recs, want, strict=True):
        assert rec.line == n and rec.id == rid, (rec, n, kind)
        if kind == "ok":
            assert isinstance(rec, Article) and rec.text
        else:
            assert isinstance(rec, BadRecord) and err in rec.error


def test_csv_unterminated_quote_runs_to_the_end(tmp_path: Path) -> None:
    """As in every CSV reader, a quote left open swallows the rest of the file into one cell."""
    path = tmp_path / "in.csv"
    path.write_text('id,text\na,ok\nb,"open\nc,swallowed\n', encoding="utf-8")
    recs = list(read_records([path]))
    assert [(r.line, r.id) for r in recs] == [(2, "a"), (3, "b")]
    assert recs[1].text == "open\nc,swallowed\n"


# --------------------------------------------------------------------------- tagging


@FUZZ
@given(lines=st.lists(ANY_LINE, max_size=25), batch_size=st.sampled_from([1, 3, 512]))
def test_tag_one_output_per_input_in_order(
    tmp_path: Path, lines: list[Line], batch_size: int
) -> None:
    lines = [FIRST, *lines]
    path = _write(tmp_path / "in.jsonl", lines, True)
    out = tmp_path / "out.jsonl"
    p = _predictor()
    stats = tag_records(p, [str(path)], out, None, batch_size=batch_size)
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    expected = _expected(lines)
    assert stats["records"] == len(rows) == len(expected)
    assert stats["errors"] == sum(1 for r in rows if r["error"])
    for row, (n, x) in zip(rows, expected, strict=True):
        assert row["model"] == p.model_id
        if row["error"]:
            assert row["line"] == n and row["sectors"] is None and row["tone"] is None, row
        else:
            assert row["id"] and isinstance(row["sectors"], list) and row["tone"], row
        if x.kind == "ok":
            assert row["id"] == x.id and row["error"] is None, (row, x)
        elif x.kind == "error":
            assert x.error in row["error"] and row["id"] == x.id, (row, x)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "txt"])
def test_5mb_text_is_truncated_with_a_warning_not_dropped(tmp_path: Path, fmt: str) -> None:
    big = ("芯片晶圆 foundry wafer 比特币 " * 250_000)[:5_000_000]
    if fmt == "jsonl":
        path = tmp_path / "big.jsonl"
        path.write_text(
            json.dumps({"id": "small", "text": "game"})
            + "\n"
            + json.dumps({"id": "huge", "text": big}, ensure_ascii=False)
            + "\n",
            encoding="utf-8",
        )
    elif fmt == "csv":
        path = tmp_path / "big.csv"
        path.write_text(f"id,text\nsmall,game\nhuge,{big}\n", encoding="utf-8")
    else:
        path = tmp_path / "huge.txt"
        path.write_text(big, encoding="utf-8")
    recs = list(read_records([path]))
    huge = recs[-1]
    assert isinstance(huge, Article) and huge.id == "huge"
    assert len(huge.text) == MAX_TEXT_CHARS == 100_000
    assert huge.warnings == [f"text truncated from 5000000 to {MAX_TEXT_CHARS} characters"]
    out = tmp_path / "out.jsonl"
    tag_records(_predictor(), [str(path)], out, None)
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(recs) and rows[-1]["id"] == "huge" and rows[-1]["error"] is None
    assert rows[-1]["warnings"] == huge.warnings and "semiconductors" in rows[-1]["sector_scores"]


@pytest.mark.slow
def test_100k_record_file_keeps_every_record_in_order(tmp_path: Path) -> None:
    texts = ["芯片 晶圆 代工", "new mobile game for players", "比特币 矿工", "熊猫 动物园"]
    path = tmp_path / "big.jsonl"
    bad_every, blank_every = 997, 1009
    lines, want = [], []
    for i in range(100_000):
        if i % blank_every == 500:
            lines.append("   ")
        if i % bad_every == 13:
            lines.append(f'{{"id": "broken-{i}", "text": ')
            want.append((None, len(lines)))
        else:
            lines.append(json.dumps({"id": f"r{i}", "text": texts[i % 4]}, ensure_ascii=False))
            want.append((f"r{i}", None))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    stats = tag_records(_predictor(), [str(path)], out, None, batch_size=2048)
    assert stats == {"records": 100_000, "errors": sum(1 for _, n in want if n)}
    got = []
    with open(out, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            got.append((r["id"], r.get("line")))
    assert got == want


# --------------------------------------------------------------------------- CLI exit codes


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=st.lists(st.one_of(good_line(), malformed_line(), garbage_line(), BLANK), max_size=8))
def test_cli_exit_code_says_whether_records_failed(tmp_path: Path, lines: list[Line]) -> None:
    lines = [FIRST, *lines]
    src = _write(tmp_path / "in.jsonl", lines, True)
    out = tmp_path / "out.jsonl"
    r = runner.invoke(app, ["tag", str(src), "-o", str(out), "--model", str(_TINY["path"])])
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(_expected(lines))
    assert r.exit_code == (1 if any(row["error"] for row in rows) else 0), r.output


def test_cli_unusable_arguments_or_model_exit_2(tmp_path: Path) -> None:
    tiny = _TINY["path"]
    good = tmp_path / "in.jsonl"
    good.write_text('{"id": "a", "text": "game"}\n', encoding="utf-8")
    garbage = tmp_path / "blob.bin"
    garbage.write_bytes(bytes(range(256)))
    broken = tmp_path / "broken_model"
    shutil.copytree(tiny, broken)
    model_file = next(broken.rglob("model.joblib"))
    model_file.write_bytes(model_file.read_bytes()[:-100])  # truncated: fails its sha256
    cases = [
        ["tag", str(tmp_path / "missing.jsonl"), "--model", str(tiny)],
        ["tag", str(garbage), "--model", str(tiny)],  # no known format
        ["tag", str(good), "--format", "xml", "--model", str(tiny)],
        ["tag", str(good), "--format", "parquet", "--model", str(tiny)],  # parquet to stdout
        ["tag", str(good), "--model", str(tmp_path / "no_model")],
        ["tag", str(good), "--model", str(broken)],
        ["tag", str(good), "--model", str(good)],  # a file, not a bundle
    ]
    for args in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == 2, (args, r.output)
        # our own one-line message, or typer's usage error for a value outside a choice
        assert "error:" in r.output or "Invalid value for '--format'" in r.output, (
            args,
            r.output,
        )
    assert runner.invoke(app, ["tag", str(good), "--model", str(tiny)]).exit_code == 0
