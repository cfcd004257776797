"""Article records in, Tag records out: streaming readers and writers for JSONL, CSV, Parquet, txt.

Readers never raise on a bad record: a line that is not JSON, not an object, has the wrong
field types or no text becomes a :class:`BadRecord` in its place, so every input record
yields exactly one output record, in order. Readers stream, so memory stays bounded by the
chunk size, not the file size.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import functools
import gzip
import hashlib
import io
import json
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = [
    "records_from_lines",
    "decode_line",
    "json_lines",
    "first_json",
    "MAX_TEXT_CHARS",
    "ASCII_WS",
    "INPUT_FORMATS",
    "Columns",
    "DEFAULT_COLUMNS",
    "ARTICLE_FIELDS",
    "OUTPUT_FORMATS",
    "Article",
    "BadRecord",
    "derive_id",
    "parse_date",
    "article_from_obj",
    "detect_format",
    "jsonl_encoding",
    "read_jsonl",
    "read_jsonl_range",
    "read_csv",
    "read_parquet",
    "read_txt",
    "READERS",
    "check_columns",
    "read_records",
    "dumps_json",
    "stdin_is_data",
    "refuse_input_as_output",
    "same_file",
    "JsonlWriter",
    "flat_fields",
    "flat_row",
    "CsvWriter",
    "ParquetWriter",
    "open_writer",
]

#: Texts longer than this are truncated (with a warning on the record), never dropped.
MAX_TEXT_CHARS = 100_000
#: A CSV field may hold a long article body.
csv.field_size_limit(16 * 1024 * 1024)

#: Only these count as blank: a line (or CSV row) holding nothing else is not a record.
ASCII_WS = " \t\r\n\f\v"
#: A JSON escape of a UTF-16 surrogate; only lines holding one can decode to a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

INPUT_FORMATS = ("jsonl", "csv", "parquet", "txt")


@dataclass(frozen=True)
class Columns:
    """Which input fields hold the article's text, title, id and date (``--text-column`` ...).

    The defaults are the Article field names; a mapping renames the input's own names onto
    them before validation, so ``body`` can be the text and ``headline`` the title.
    """

    text: str = "text"
    title: str = "title"
    id: str = "id"
    date: str = "date"

    @functools.cached_property
    def is_default(self) -> bool:
        return self == DEFAULT_COLUMNS

    def rename(self, obj: dict) -> dict:
        """``obj`` with the mapped fields under the Article names (unmapped fields kept)."""
        if self.is_default:
            return obj
        skip = self._skip
        out = {k: v for k, v in obj.items() if k not in skip}
        for target, source in self.pairs:
            if source in obj:
                out[target] = obj[source]
        return out

    @functools.cached_property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        return (("text", self.text), ("title", self.title), ("id", self.id), ("date", self.date))

    @functools.cached_property
    def _skip(self) -> frozenset[str]:
        """Input fields not passed through as they are: the mapped ones and the Article names."""
        return frozenset(s for _, s in self.pairs) | ARTICLE_FIELDS

    def check_header(self, found: Iterable[str], path: str | Path) -> None:
        """Raise ValueError when a table's columns lack the text column or a named column."""
        found = list(found)
        missing = [
            f"{s!r} (--{t}-column)"
            for t, s in self.pairs
            if s not in found and (t == "text" or s != t)
        ]
        if missing:
            raise ValueError(
                f"{path}: no column {', '.join(missing)}; columns found: "
                + (", ".join(found) if found else "none")
            )


DEFAULT_COLUMNS = Columns()
ARTICLE_FIELDS = frozenset(("text", "title", "id", "date"))
OUTPUT_FORMATS = ("jsonl", "csv", "parquet")


@dataclass(slots=True)
class Article:
    """One input article (SPEC §1). Unknown input fields are kept in ``meta``."""

    id: str
    text: str
    title: str | None = None
    date: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    line: int | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class BadRecord:
    """An input record that cannot be processed; it keeps its position and, if known, its id."""

    line: int
    error: str
    id: str | None = None
    source: str | None = None


Record = Article | BadRecord


def derive_id(text: str) -> str:
    """Content-derived id: the same text always gets the same id."""
    return "sha-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@functools.lru_cache(maxsize=4096)
def parse_date(value: str) -> str | None:
    """Normalise an ISO 8601 date or datetime string; None when it does not parse.

    Cached: a feed repeats the same few hundred dates many thousand times.
    """
    v = value.strip()
    if not v:
        return None
    try:
        if len(v) == 10:
            return dt.date.fromisoformat(v).isoformat()
        return dt.datetime.fromisoformat(v.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


_ARTICLE_FIELDS = frozenset(("id", "text", "title", "date"))


def article_from_obj(obj: Any, line: int = 0, source: str | None = None) -> Record:
    """Validate one decoded input object (a dict or a bare string) into an Article or BadRecord."""
    if type(obj) is dict:  # the usual record: plain strings, nothing to repair or warn about
        rid, text, title, date = obj.get("id"), obj.get("text"), obj.get("title"), obj.get("date")
        if (
            (rid is None or type(rid) is str and rid.strip())
            and type(text) is str
            and (title is None or type(title) is str)
            and (date is None or type(date) is str and (date := parse_date(date)) is not None)
            and len(text) <= MAX_TEXT_CHARS
            and "\x00" not in text
            and (text.strip() or title and title.strip())
        ):
            return Article(  # positional: keywords cost a third of this path
                rid or derive_id((title or "") + "\n" + text),
                text,
                title or None,
                date,
                {k: v for k, v in obj.items() if k not in _ARTICLE_FIELDS},
                line,
                [],
            )
    if isinstance(obj, str):
        obj = {"text": obj}
    if not isinstance(obj, dict):
        return BadRecord(line, f"expected a JSON object, got {type(obj).__name__}", source=source)
    rid = obj.get("id")
    if rid is not None and not isinstance(rid, str):
        if isinstance(rid, int | float) and not isinstance(rid, bool):
            rid = str(rid)
        else:
            return BadRecord(
                line, f"field 'id' must be a string, got {type(rid).__name__}", source=source
            )
    if rid is not None and not rid.strip():
        rid = None
    text = obj.get("text")
    if text is None:
        return BadRecord(line, "missing field 'text'", id=rid, source=source)
    if not isinstance(text, str):
        return BadRecord(
            line, f"field 'text' must be a string, got {type(text).__name__}", id=rid, source=source
        )
    title = obj.get("title")
    if title is not None and not isinstance(title, str):
        return BadRecord(
            line,
            f"field 'title' must be a string, got {type(title).__name__}",
            id=rid,
            source=source,
        )
    warnings: list[str] = []
    if "\x00" in text:  # removed before the emptiness check: empty after cleaning is an error
        text = text.replace("\x00", "")
        warnings.append("NUL characters removed from text")
    if not text.strip() and not (title or "").strip():
        return BadRecord(line, "empty 'text'", id=rid, source=source)
    if len(text) > MAX_TEXT_CHARS:
        warnings.append(f"text truncated from {len(text)} to {MAX_TEXT_CHARS} characters")
        text = text[:MAX_TEXT_CHARS]
    date = obj.get("date")
    norm_date = None
    if date is not None:
        if isinstance(date, dt.date):  # datetime, date, pandas.Timestamp (Parquet, pandas)
            norm_date = date.isoformat()
        elif type(date).__name__ == "datetime64":  # numpy
            norm_date = parse_date(str(date.astype("datetime64[us]")))  # type: ignore[union-attr]
            if norm_date is None:
                warnings.append("field 'date' ignored: not a valid datetime64")
        elif not isinstance(date, str):
            warnings.append(
                f"field 'date' ignored: expected an ISO 8601 string or a date, got "
                f"{type(date).__name__}"
            )
        else:
            norm_date = parse_date(date)
            if norm_date is None and date.strip():
                warnings.append(f"field 'date' ignored: not an ISO 8601 date: {date[:40]!r}")
    meta = {k: v for k, v in obj.items() if k not in _ARTICLE_FIELDS}
    return Article(
        id=rid or derive_id((title or "") + "\n" + text),
        text=text,
        title=title or None,
        date=norm_date,
        meta=meta,
        line=line,
        warnings=warnings,
    )


# --------------------------------------------------------------------------- readers


def detect_format(path: str | Path) -> str:
    """Input format from the file name (``-`` is JSONL on stdin; a directory holds .txt files)."""
    p = str(path)
    if p == "-":
        return "jsonl"
    if Path(p).is_dir():
        return "txt"
    name = p.lower().removesuffix(".gz")
    for ext, fmt in (
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".json", "jsonl"),
        (".csv", "csv"),
        (".parquet", "parquet"),
        (".pq", "parquet"),
        (".txt", "txt"),
    ):
        if name.endswith(ext):
            return fmt
    raise ValueError(
        f"cannot tell the format of {p!r}: use .jsonl, .csv, .parquet, .txt, a directory or '-'"
    )


class _nullctx:
    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __enter__(self) -> Any:
        return self.obj

    def __exit__(self, *exc: object) -> None:
        return None


def _open_binary(path: str | Path) -> Any:
    """A context manager yielding a binary stream; stdin is never closed."""
    if str(path) == "-":
        return _nullctx(sys.stdin.buffer)
    # 64 KiB buffers, so the encoding is sniffed from the first 64 KiB (a default buffer
    # would show peek() only 4-8 KiB)
    if str(path).endswith(".gz"):
        return io.BufferedReader(gzip.open(path, "rb"), 1 << 16)
    return open(path, "rb", buffering=1 << 16)


def _sniff_encoding(head: bytes) -> str:
    """utf-8 unless the bytes carry a UTF-16/32 BOM or are clearly GB18030 (a GBK superset)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        if e.start > len(head) - 4:  # cut mid-character at the end of the sniffed block
            return "utf-8"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        return "utf-8"


def _peekable(raw: IO[bytes]) -> IO[bytes]:
    return io.BufferedReader(raw) if not hasattr(raw, "peek") else raw  # type: ignore[arg-type]


def _stream_encoding(buf: IO[bytes]) -> str:
    """The encoding sniffed from the head of a peekable byte stream (nothing is consumed)."""
    return _sniff_encoding(buf.peek(65536)[:65536])  # type: ignore[attr-defined]


def jsonl_encoding(path: str | Path) -> str:
    """The encoding :func:`read_jsonl` would use for ``path`` (for splitting it by byte ranges)."""
    with _open_binary(path) as raw:
        return _stream_encoding(_peekable(raw))


def _byte_lines(
    lines: Iterable[bytes], enc: str, first_line: int = 1
) -> Iterator[tuple[int, str | None, str | None]]:
    """Decode byte lines numbered from ``first_line``; blank (ASCII whitespace) lines are skipped."""
    codec = "utf-8" if enc == "utf-8-sig" else enc
    for n, bline in enumerate(lines, first_line):
        if n == 1 and enc == "utf-8-sig":
            bline = bline.removeprefix(codecs.BOM_UTF8)
        if not bline or bline.isspace():
            continue
        try:  # decode_line, inlined for the usual line
            yield n, bline.decode(codec), None
        except UnicodeDecodeError:
            yield decode_line(n, bline, enc)


def decode_line(n: int, bline: bytes, enc: str = "utf-8") -> tuple[int, str | None, str | None]:
    """(line number, decoded line or None, error): one byte line as the JSONL readers see it."""
    try:
        return n, bline.decode("utf-8" if enc == "utf-8-sig" else enc), None
    except UnicodeDecodeError as e:
        return n, None, f"line is not valid {enc}: {e.reason} at byte {e.start}"


def _text_lines(raw: IO[bytes]) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, decoded line or None, error) for each non-blank line of a byte stream."""
    buf = _peekable(raw)
    enc = _stream_encoding(buf)
    if enc.startswith("utf-16"):
        # split on "\n" only, like the byte path, so a stray "\r" never splits a record
        for n, line in enumerate(
            io.TextIOWrapper(buf, encoding=enc, errors="replace", newline="\n"), 1
        ):
            if line.strip(ASCII_WS):
                yield n, line, None
        return
    yield from _byte_lines(buf, enc)


def json_lines(path: str | Path) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed JSON value or None, error or None) per non-blank line of a JSONL file.

    The same decoding as the record readers (``.gz``, ``-`` for stdin, the sniffed encoding),
    for files that hold other JSON than Articles: label files and ``classify tag`` output.
    """
    with _open_binary(path) as raw:
        for n, line, err in _text_lines(raw):
            if err:
                yield n, None, err
                continue
            try:
                yield n, json.loads(line), None
            except json.JSONDecodeError as e:
                yield n, None, f"not valid JSON: {e.msg} (column {e.colno})"
            except (ValueError, RecursionError) as e:
                yield n, None, f"not valid JSON: {str(e)[:120] or type(e).__name__}"


def first_json(path: str | Path) -> Any:
    """The first JSON value of a JSONL file (None if it has none or the first line is not JSON)."""
    for _, obj, _ in json_lines(path):
        return obj
    return None


def _without_surrogates(obj: Any) -> Any:
    """``obj`` with every lone surrogate (from a ``\\udXXX`` escape) replaced by U+FFFD."""
    if isinstance(obj, str):
        return _LONE_SURROGATE.sub("\ufffd", obj)
    if isinstance(obj, list):
        return [_without_surrogates(v) for v in obj]
    if isinstance(obj, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in obj.items()}
    return obj


#: What JSON allows around a value (json.loads strips the same characters).
_JSON_WS = " \t\n\r"


def _scanner() -> Any:
    """A C JSON scanner (``json.loads``' own, with its defaults); the pure one where C is absent."""
    return json.scanner.make_scanner(json.JSONDecoder())


def records_from_lines(
    lines: Iterable[tuple[int, str | None, str | None]],
    src: str,
    columns: Columns = DEFAULT_COLUMNS,
) -> Iterator[Record]:
    """Records from decoded lines: the one place JSON lines are parsed and validated."""
    scan = _scanner()
    for n, line, err in lines:
        if err:
            yield BadRecord(n, err, source=src)
            continue
        try:
            # the C scanner straight away (json.loads adds three Python calls per line); a line
            # it does not take whole goes through json.loads, for the value or the message
            try:
                obj, end = scan(line, 0)
            except StopIteration:
                end = -1
            if end != len(line) and line[end:].strip(_JSON_WS) or end < 0:
                obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield BadRecord(n, f"not valid JSON: {e.msg} (column {e.colno})", source=src)
            continue
        except ValueError as e:  # e.g. an integer longer than Python's 4300-digit limit
            yield BadRecord(n, f"not valid JSON: {str(e)[:120]}", source=src)
            continue
        except RecursionError:
            yield BadRecord(n, "not valid JSON: nested too deeply", source=src)
            continue
        fixed = False
        if _SURROGATE_ESCAPE.search(line):  # lone surrogates cannot be written as UTF-8
            clean = _without_surrogates(obj)
            fixed = clean != obj
            obj = clean
        if isinstance(obj, dict):
            obj = columns.rename(obj)
        rec = article_from_obj(obj, n, src)
        if fixed and isinstance(rec, Article):
            rec.warnings.append("lone surrogate escapes replaced with U+FFFD")
        yield rec


def read_jsonl(path: str | Path, columns: Columns = DEFAULT_COLUMNS) -> Iterator[Record]:
    """One record per non-blank line; blank lines are not records."""
    src = str(path)
    with _open_binary(path) as raw:
        yield from records_from_lines(_text_lines(raw), src, columns)


def read_jsonl_range(
    path: str | Path,
    start: int,
    end: int,
    first_line: int,
    encoding: str | None = None,
    columns: Columns = DEFAULT_COLUMNS,
) -> Iterator[Record]:
    """The records of the lines starting in bytes [start, end) of an uncompressed JSONL file.

    ``start`` and ``end`` must be line starts (or EOF) and ``first_line`` the global number of
    the line at ``start``, so records and error messages are exactly those of :func:`read_jsonl`
    for the same lines (the Dask engine splits big files this way). ``encoding`` defaults to the
    one sniffed from the head of the file; UTF-16 files cannot be split by bytes.
    """
    enc = encoding or jsonl_encoding(path)
    if enc.startswith("utf-16"):
        raise ValueError(f"{path}: a UTF-16 file cannot be read by byte ranges")

    def lines(fh: IO[bytes]) -> Iterator[bytes]:
        pos = start
        while pos < end:
            bline = fh.readline()
            if not bline:
                return
            pos += len(bline)
            yield bline

    with open(path, "rb") as fh:
        fh.seek(start)
        yield from records_from_lines(_byte_lines(lines(fh), enc, first_line), str(path), columns)


def read_csv(path: str | Path, columns: Columns = DEFAULT_COLUMNS) -> Iterator[Record]:
    """One record per CSV row (header names the fields); a row with the wrong field count is an error.

    A header without the text column (``columns.text``) raises ValueError naming the columns
    found: every row would fail the same way.
    """
    src = str(path)
    with _open_binary(path) as raw:
        buf = _peekable(raw)
        enc = _stream_encoding(buf)
        text = io.TextIOWrapper(buf, encoding=enc, errors="replace", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield BadRecord(1, f"unreadable CSV header: {e}", source=src)
            return
        header = [h.strip().lstrip("\ufeff") for h in header]
        columns.check_header(header, path)
        row_no = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                row_no += 1
                yield BadRecord(row_no, f"broken CSV row: {e}", source=src)
                continue
            row_no += 1
            if not any(c.strip(ASCII_WS) for c in row):
                continue
            if len(row) != len(header):
                yield BadRecord(
                    row_no, f"CSV row has {len(row)} fields, header has {len(header)}", source=src
                )
                continue
            obj = {k: (v if v != "" else None) for k, v in zip(header, row, strict=True)}
            yield article_from_obj(columns.rename(obj), row_no, src)


def read_parquet(
    path: str | Path, columns: Columns = DEFAULT_COLUMNS, batch_size: int = 4096
) -> Iterator[Record]:
    """One record per Parquet row, read in batches; a schema without the text column raises
    ValueError naming the columns found."""
    import pyarrow.parquet as pq

    src = str(path)
    n = 0
    f = pq.ParquetFile(path)
    columns.check_header(f.schema_arrow.names, path)
    for batch in f.iter_batches(batch_size=batch_size):
        for obj in batch.to_pylist():
            n += 1
            yield article_from_obj(columns.rename(obj), n, src)


def read_txt(path: str | Path, columns: Columns = DEFAULT_COLUMNS) -> Iterator[Record]:
    """A .txt file is one article (id = file stem); a directory yields one per .txt file, sorted."""
    p = Path(path)
    files = sorted(p.glob("*.txt")) if p.is_dir() else [p]
    for n, f in enumerate(files, 1):
        data = f.read_bytes()
        enc = _sniff_encoding(data[:65536])
        text = data.decode(enc, errors="replace")
        yield article_from_obj({"id": f.stem, "text": text}, n, str(f))


READERS = {"jsonl": read_jsonl, "csv": read_csv, "parquet": read_parquet, "txt": read_txt}


def check_columns(
    paths: Iterable[str | Path], columns: Columns = DEFAULT_COLUMNS, fmt: str | None = None
) -> None:
    """Raise ValueError if a CSV or Parquet input lacks the text column (or a named column).

    Called before any output is opened, so a wrong ``--text-column`` is one message, not one
    error per row. JSONL has no header: a missing field is an error on its record.
    """
    for path in paths:
        if str(path) == "-" or not Path(path).is_file():
            continue
        kind = fmt or detect_format(path)
        if kind == "csv":
            for _ in read_csv(path, columns):  # the header is checked before the first row
                break
        elif kind == "parquet":
            import pyarrow.parquet as pq

            columns.check_header(pq.ParquetFile(path).schema_arrow.names, path)


def read_records(
    paths: Iterable[str | Path], fmt: str | None = None, columns: Columns = DEFAULT_COLUMNS
) -> Iterator[Record]:
    """Records from several inputs, in order; the format is taken from each name unless given.

    ``columns`` maps the input's field names onto the Article's (text, title, id, date).
    """
    for path in paths:
        if str(path) != "-" and not Path(path).exists():
            raise FileNotFoundError(f"input not found: {path}")
        last = 0
        try:
            for rec in READERS[fmt or detect_format(path)](path, columns):
                last = rec.line
                yield rec
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            # a truncated or corrupt .gz: keep what was read, then one error record in place
            yield BadRecord(
                last + 1,
                f"cannot read the rest of {path} after line {last}: {type(e).__name__}: {e}",
                source=str(path),
            )


# --------------------------------------------------------------------------- writers


def _json_default(v: Any) -> Any:
    """JSON for values a Parquet or CSV input can carry in ``meta`` (dates, bytes, decimals, numpy)."""
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, bytes | bytearray):
        return v.decode("utf-8", errors="replace")
    if hasattr(v, "tolist"):  # numpy scalars and arrays
        return v.tolist()
    return str(v)


#: Line separators to Unicode-aware splitters (str.splitlines, JavaScript) but not to JSON:
#: escaped in JSONL output so every record stays on one line for every reader.
_LINE_SEPARATORS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_json_default)


def json_dumper() -> Any:
    """A :func:`dumps_json` for one batch in one thread, with its C encoder made once.

    ``JSONEncoder.encode`` builds a new C encoder on every call, which was most of the cost
    of encoding a small ``meta`` object per record. Same output as :func:`dumps_json` (tested).
    """
    make = json.encoder.c_make_encoder
    if make is None:  # pragma: no cover - CPython always has the C encoder
        return dumps_json
    enc = make(
        {}, _json_default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
    )
    basestring = json.encoder.encode_basestring

    def dumps(v: Any) -> str:
        return basestring(v) if isinstance(v, str) else "".join(enc(v, 0))

    return dumps


def dumps_json(v: Any) -> str:
    """One record's JSON as JSONL writes it (non-ASCII unescaped, dates and numpy made plain).

    The same as ``json.dumps(v, ensure_ascii=False, default=...)``, with one encoder reused
    (``json.dumps`` with options builds a new encoder per call).
    """
    return _ENCODER.encode(v)


class _Target:
    """An output file written under a temp name beside it and renamed over it on success.

    A failed or interrupted run never leaves a half-written or clobbered output: until
    :meth:`commit`, the file at the final path (if any) is untouched. The temp name keeps
    the final name as its suffix, so ``.gz`` and ``.parquet`` are still recognised.
    """

    def __init__(self, out: str | Path) -> None:
        _refuse_directory(out)
        self.final = Path(out)
        if not self.final.parent.is_dir():
            raise ValueError(f"output directory {self.final.parent} does not exist")
        self.path = str(self.final.parent / f".tmp-{os.getpid()}-{self.final.name}")

    def commit(self) -> None:
        if os.path.exists(self.path):
            os.replace(self.path, self.final)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def _refuse_directory(out: str | Path) -> None:
    if Path(out).is_dir() or str(out).endswith(("/", os.sep)):
        raise ValueError(f"output {out} is a directory: give a file name (-o DIR/tags.jsonl)")


def stdin_is_data() -> bool:
    """Whether standard input is a pipe, a file or a socket (``cat x | classify tag``).

    Not on a terminal, not for /dev/null or a closed stdin (a job run with no input): there
    the commands keep their shipped default input.
    """
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode)


def refuse_input_as_output(out: str | Path | None, inputs: Iterable[str | Path]) -> None:
    """Raise ValueError when writing ``out`` would overwrite one of the ``inputs``."""
    clobbered = same_file(out, inputs)
    if clobbered:
        raise ValueError(f"the output {out} is the input {clobbered}: write the tags elsewhere")


def same_file(out: str | Path | None, inputs: Iterable[str | Path]) -> str | None:
    """The input that ``out`` would overwrite (the same file, links resolved), if any."""
    if out is None or str(out) == "-":
        return None
    o = Path(out).resolve()
    for i in inputs:
        if str(i) == "-":
            continue
        if Path(i).resolve() == o or (o.exists() and Path(i).exists() and os.path.samefile(i, o)):
            return str(i)
    return None


class _TextWriter:
    """A text output: stdout or a caller's stream (flushed), or an atomic file (``_target``)."""

    fh: IO[str]
    _own: bool
    _target: _Target | None

    def close(self) -> None:
        """Finish the output (a file is renamed into place only now)."""
        if self._own:
            self.fh.close()
            if self._target:
                self._target.commit()
        else:
            self.fh.flush()

    def discard(self) -> None:
        """Abandon the output after a failure: a file output keeps its previous content."""
        if self._own:
            with contextlib.suppress(Exception):
                self.fh.close()
            if self._target:
                self._target.discard()


class JsonlWriter(_TextWriter):
    """Writes one JSON object per line, non-ASCII unescaped (atomically, for a file)."""

    def __init__(self, out: str | Path | IO[str] | None) -> None:
        self._own = out is not None and not hasattr(out, "write")
        self._target: _Target | None = None
        if out is None or str(out) == "-":
            self.fh: IO[str] = sys.stdout
            self._own = False
        elif hasattr(out, "write"):
            self.fh = out  # type: ignore[assignment]
        else:
            self._target = _Target(out)
            p = self._target.path
            self.fh = (
                gzip.open(p, "wt", encoding="utf-8")
                if p.endswith(".gz")
                else open(p, "w", encoding="utf-8")
            )

    def write_many(self, rows: Iterable[dict]) -> None:
        self.write_lines([dumps_json(r) for r in rows])

    def write_lines(self, lines: list[str]) -> None:
        """Write already-encoded JSON records (one per item, without the newline)."""
        text = "\n".join(lines) + "\n" if lines else ""
        if "\x85" in text or "\u2028" in text or "\u2029" in text:
            text = text.translate(_LINE_SEPARATORS)
        self.fh.write(text)


#: Tag fields that ``--flat`` spreads into one column per label.
_SCORE_FIELDS = {"sector_scores": "score_", "tone_scores": "tone_score_"}


def flat_fields(fields: list[str] | None) -> list[str] | None:
    """``fields`` with ``sector_scores``/``tone_scores`` replaced by one column per label."""
    from classify.schema import SECTORS, TONES

    if fields is None:
        return None
    out: list[str] = []
    for f in fields:
        if f in _SCORE_FIELDS:
            labels = SECTORS if f == "sector_scores" else TONES
            out.extend(_SCORE_FIELDS[f] + lab for lab in labels)
        else:
            out.append(f)
    return out


def flat_row(r: dict, join_lists: bool = False) -> dict:
    """One Tag row with a column per label score (``score_ai``, ``tone_score_easing``...).

    Scores stored as a JSON string (a Parquet part) are decoded first; with ``join_lists``
    (CSV), ``sectors`` and ``companies`` become ``;``-joined strings a spreadsheet can filter.
    """
    from classify.schema import SECTORS, TONES

    out: dict = {}
    for k, v in r.items():
        if k in _SCORE_FIELDS:
            if isinstance(v, str):
                v = json.loads(v)
            labels = SECTORS if k == "sector_scores" else TONES
            for lab in labels:
                out[_SCORE_FIELDS[k] + lab] = None if v is None else v.get(lab)
        elif join_lists and k in ("sectors", "companies") and isinstance(v, list):
            out[k] = ";".join(v)
        else:
            out[k] = v
    return out


class CsvWriter(_TextWriter):
    """Flat CSV: nested values (lists, dicts) are JSON-encoded in their cell (atomic for a file).

    ``flat``: a column per label score and ``;``-joined sectors/companies; ``excel``: UTF-8
    with a byte-order mark, so spreadsheet programs read Chinese text right.
    """

    def __init__(
        self,
        out: str | Path | None,
        fields: list[str] | None = None,
        flat: bool = False,
        excel: bool = False,
    ) -> None:
        self._own = out is not None and str(out) != "-"
        self._target = _Target(out) if self._own else None  # type: ignore[arg-type]
        self.fh = (
            open(self._target.path, "w", encoding="utf-8", newline="")  # type: ignore[union-attr]
            if self._own
            else sys.stdout
        )
        if excel:
            self.fh.write("\ufeff")
        self.writer: csv.DictWriter | None = None
        self.flat = flat
        self.fields = flat_fields(fields) if flat else fields  # None = the first row's keys

    def write_many(self, rows: Iterable[dict]) -> None:
        for r in rows:
            if self.flat:
                r = flat_row(r, join_lists=True)  # noqa: PLW2901
            flat = {k: (dumps_json(v) if isinstance(v, list | dict) else v) for k, v in r.items()}
            if self.writer is None:
                self.writer = csv.DictWriter(
                    self.fh, fieldnames=self.fields or list(flat), extrasaction="ignore"
                )
                self.writer.writeheader()
            self.writer.writerow(flat)

    def close(self) -> None:
        """Finish the output; with no rows, a header-only CSV (when the fields are known)."""
        if self.writer is None and self.fields:
            csv.DictWriter(self.fh, fieldnames=self.fields).writeheader()
        super().close()


class ParquetWriter:
    """Parquet in row groups; dict-valued fields are stored as JSON strings so every batch shares one schema."""

    def __init__(
        self, out: str | Path, schema_fields: list[str] | None = None, flat: bool = False
    ) -> None:
        if out is None or str(out) == "-":
            raise ValueError("Parquet output needs a file path (-o FILE.parquet), not stdout")
        self._target = _Target(out)
        self.path = self._target.path
        self.writer = None
        self.flat = flat
        self.fields = flat_fields(schema_fields) if flat else schema_fields

    def write_many(self, rows: Iterable[dict]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = [flat_row(r) for r in rows] if self.flat else list(rows)
        if not rows:
            return
        if self.fields is None:
            self.fields = list(rows[0])
        cols: dict[str, list] = {k: [] for k in self.fields}
        for r in rows:
            for k in self.fields:
                v = r.get(k)
                if isinstance(v, dict):
                    v = dumps_json(v)
                cols[k].append(v)
        schema = self._schema()
        table = pa.table(
            {k: pa.array(cols[k], type=schema.field(k).type) for k in self.fields}, schema=schema
        )
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, schema)
        self.writer.write_table(table)

    def close(self) -> None:
        """Finish the file; with no rows, a valid empty Parquet file (when the fields are known)."""
        if self.writer is None and self.fields:
            import pyarrow.parquet as pq

            pq.write_table(self._schema().empty_table(), self.path)
        elif self.writer is not None:
            self.writer.close()
        self._target.commit()

    def discard(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
        self._target.discard()

    def _schema(self):  # noqa: ANN202 - a pyarrow schema
        import pyarrow as pa

        return pa.schema([(k, _arrow_type(k)) for k in self.fields or []])


def _arrow_type(name: str):  # noqa: ANN202 - pyarrow type
    import pyarrow as pa

    if name in ("sectors", "companies", "warnings"):
        return pa.list_(pa.string())
    if name == "tone_index" or name.startswith(("score_", "tone_score_")):
        return pa.float64()
    if name == "line":
        return pa.int64()
    return pa.string()


def open_writer(  # noqa: ANN201 - a writer
    out: str | Path | None,
    fmt: str | None = None,
    fields: list[str] | None = None,
    *,
    flat: bool = False,
    excel: bool = False,
):
    """A writer for ``out`` (None or '-' is stdout); the format comes from the name unless given.

    A file output is written atomically (see :class:`_Target`): ``close()`` puts it in place,
    ``discard()`` after a failure leaves the previous file as it was. ``flat`` (CSV, Parquet):
    one column per label score; ``excel`` (CSV): a UTF-8 byte-order mark.
    """
    if out is not None and str(out) != "-" and not hasattr(out, "write"):
        _refuse_directory(out)  # before the format is read from a directory's name
    if fmt is None:
        fmt = "jsonl" if out is None or str(out) == "-" else detect_format(out)
    if fmt != "csv" and excel:
        raise ValueError(f"--excel is for CSV output, not {fmt}")
    if fmt == "jsonl":
        if flat:
            raise ValueError("--flat is for CSV or Parquet output (JSONL keeps the score objects)")
        return JsonlWriter(out)
    if fmt == "csv":
        return CsvWriter(out, fields, flat=flat, excel=excel)
    if fmt == "parquet":
        return ParquetWriter(out, fields, flat=flat)
    raise ValueError(f"unknown output format {fmt!r}; choose one of {', '.join(OUTPUT_FORMATS)}")
