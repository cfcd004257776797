"""The Dask engine on a LocalCluster (2 worker processes): its merged output is the local engine's.

Inputs mix formats and encodings; JSONL files are split into many byte ranges (a tiny
``partition_bytes``) with bad and blank lines inside the ranges, so an error record must keep
its global line number. The merged output is compared with ``tag_records`` (the local
engine) byte for byte (JSONL, CSV) and record for record (Parquet). Byte-range planning and
the range reader are also checked on their own (hypothesis) against ``read_jsonl``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classify.engine_dask import tag_dask
from classify.io import jsonl_encoding, read_jsonl, read_jsonl_range
from classify.partitions import plan_partitions, split_jsonl
from classify.predictor import Predictor
from classify.tagging import tag_records

TEXTS = ["芯片 晶圆 代工", "new mobile game for players", "比特币 矿工 监管 罚款", "熊猫"]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """One LocalCluster for the module: 2 single-threaded worker processes."""
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


def _jsonl_lines(n: int, prefix: str) -> tuple[list[str], dict[int, str]]:
    """n lines with a bad line every 37 and a blank every 50; returns the bad lines' numbers."""
    lines, bad = [], {}
    for i in range(n):
        if i % 50 == 20:
            lines.append("  ")
        if i % 37 == 11:
            lines.append('{"id": "cut", "text": ')
            bad[len(lines)] = "not valid JSON"
        elif i % 41 == 3:
            lines.append(json.dumps({"id": f"{prefix}{i}", "text": 5}))
            bad[len(lines)] = "field 'text'"
        else:
            rec = {"id": f"{prefix}{i}", "text": TEXTS[i % 4], "source": "unit"}
            lines.append(json.dumps(rec, ensure_ascii=bool(i % 2)))
    return lines, bad


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("dask_inputs")
    lines, _ = _jsonl_lines(400, "a")
    (d / "a.jsonl").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    lines, _ = _jsonl_lines(120, "g")
    (d / "gbk.jsonl").write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    (d / "u16.jsonl").write_bytes(("\n".join(lines[:30]) + "\n").encode("utf-16"))
    with gzip.open(d / "z.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines[:40]))
    (d / "c.csv").write_text(
        'id,text,title\nc1,"芯片, 晶圆",T\nc2,,\nc3,"broken\n', encoding="utf-8"
    )
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": ["mobile game", None]}), d / "p.parquet")
    (d / "txts").mkdir()
    (d / "txts" / "one.txt").write_text("比特币 矿工", encoding="utf-8")
    (d / "txts" / "two.txt").write_text("", encoding="utf-8")
    return {p.name: p for p in d.iterdir()}


def _all(inputs: dict[str, Path]) -> list[str]:
    names = ["a.jsonl", "c.csv", "gbk.jsonl", "p.parquet", "u16.jsonl", "txts", "z.jsonl.gz"]
    return [str(inputs[n]) for n in names]


def _local(bundle: Path, inputs: list[str], out: Path) -> dict:
    return tag_records(Predictor.load(bundle), inputs, out, None)


def test_dask_merged_jsonl_is_byte_identical_to_local(
    tmp_path: Path, tiny_bundle: Path, inputs: dict[str, Path], scheduler: str
) -> None:
    files = _all(inputs)
    local = tmp_path / "local.jsonl"
    want = _local(tiny_bundle, files, local)
    merged = tmp_path / "dask.jsonl"
    res = tag_dask(
        str(tiny_bundle),
        files,
        merged,
        None,
        scheduler=scheduler,
        partition_bytes=700,
        parts_dir=tmp_path / "parts",
        log=lambda m: None,
    )
    assert merged.read_bytes() == local.read_bytes()
    assert (res["records"], res["errors"]) == (want["records"], want["errors"])
    parts = res["parts"]
    by_input: dict[str, int] = {}
    for p in parts:
        by_input[Path(p["input"]).name] = by_input.get(Path(p["input"]).name, 0) + 1
    assert by_input["a.jsonl"] >= 10 and by_input["gbk.jsonl"] >= 3  # split by byte ranges
    assert by_input["u16.jsonl"] == by_input["z.jsonl.gz"] == by_input["c.csv"] == 1
    assert [p["index"] for p in parts] == list(range(len(parts)))
    assert len({p["worker_pid"] for p in parts}) == 2  # both workers took partitions
    # the kept parts, concatenated in order, are the merged output
    kept = b"".join(Path(p["path"]).read_bytes() for p in parts if p["path"])
    assert kept == merged.read_bytes()


def test_bad_lines_keep_their_global_line_numbers(
    tmp_path: Path, tiny_bundle: Path, scheduler: str
) -> None:
    lines, bad = _jsonl_lines(300, "r")
    src = tmp_path / "big.jsonl"
    src.write_text("\n".join(lines), encoding="utf-8")  # no final newline either
    out = tmp_path / "out.jsonl"
    res = tag_dask(
        str(tiny_bundle), [str(src)], out, None, scheduler=scheduler, partition_bytes=500
    )
    firsts = [p["first_line"] for p in res["parts"]]
    assert len(firsts) >= 10 and firsts[0] == 1 and firsts == sorted(set(firsts))
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    errors = {r["line"]: r["error"] for r in rows if r["error"]}
    assert sorted(errors) == sorted(bad)
    for n, msg in bad.items():
        assert msg in errors[n], (n, errors[n])
    assert len(rows) == sum(1 for x in lines if x.strip())


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_dask_parquet_and_csv_outputs_match_local(
    tmp_path: Path, tiny_bundle: Path, inputs: dict[str, Path], scheduler: str, suffix: str
) -> None:
    files = _all(inputs)
    local, merged = tmp_path / f"local.{suffix}", tmp_path / f"dask.{suffix}"
    _local(tiny_bundle, files, local)
    res = tag_dask(str(tiny_bundle), files, merged, None, scheduler=scheduler, partition_bytes=900)
    assert not list(tmp_path.glob(".*parts-*"))  # the temp parts dir is gone
    if suffix == "csv":
        assert merged.read_bytes() == local.read_bytes()
    else:
        assert pq.read_table(merged).to_pylist() == pq.read_table(local).to_pylist()
        assert pq.read_table(merged).num_rows == res["records"]


def test_explain_and_topics_match_local(tmp_path: Path, tiny_bundle: Path, scheduler: str) -> None:
    lines, _ = _jsonl_lines(60, "t")
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    local, merged = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    p = Predictor.load(tiny_bundle)
    tag_records(p, [str(src)], local, None, explain=True, topics=True)
    tag_dask(
        str(tiny_bundle),
        [str(src)],
        merged,
        None,
        scheduler=scheduler,
        explain=True,
        topics=True,
        partition_bytes=1000,
    )
    assert merged.read_bytes() == local.read_bytes()
    row = json.loads(local.read_text(encoding="utf-8").splitlines()[0])
    assert "topic" in row and "explain" in row


@pytest.mark.slow
def test_default_local_cluster_with_two_workers(tmp_path: Path, tiny_bundle: Path) -> None:
    """scheduler=None starts (and stops) a LocalCluster of n_workers processes."""
    lines, _ = _jsonl_lines(200, "s")
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    local, merged = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    _local(tiny_bundle, [str(src)], local)
    res = tag_dask(str(tiny_bundle), [str(src)], merged, None, n_workers=2, partition_bytes=2000)
    assert merged.read_bytes() == local.read_bytes()
    assert res["records"] == sum(1 for x in lines if x.strip())


def test_unusable_model_or_input_fails_before_any_work(tmp_path: Path, tiny_bundle: Path) -> None:
    from classify.bundle import BundleError

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    with pytest.raises(BundleError):
        tag_dask(str(tmp_path / "no_model"), [str(src)], tmp_path / "o.jsonl", None)
    with pytest.raises(FileNotFoundError):
        tag_dask(str(tiny_bundle), [str(tmp_path / "missing.jsonl")], None, None)
    with pytest.raises(ValueError, match="Parquet output needs a file path"):
        tag_dask(str(tiny_bundle), [str(src)], None, "parquet")
    assert not (tmp_path / "o.jsonl").exists()


# --------------------------------------------------------------------------- planning

LINES = st.lists(
    st.one_of(
        st.builds(
            lambda i, t, a: json.dumps({"id": f"x{i}", "text": t}, ensure_ascii=a).encode(),
            st.integers(),
            st.text(),
            st.booleans(),
        ),
        st.sampled_from([b"", b"  ", b"\r", b"not json", b"[1]", b'{"id": "e"}']),
        st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"")),  # invalid UTF-8 too
    ),
    max_size=30,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=LINES, size=st.integers(1, 300), final_newline=st.booleans(), bom=st.booleans())
def test_byte_ranges_read_exactly_the_whole_file_records(
    tmp_path: Path, lines: list[bytes], size: int, final_newline: bool, bom: bool
) -> None:
    path = tmp_path / "in.jsonl"
    body = b"\n".join(lines) + (b"\n" if final_newline else b"")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body)
    ranges = split_jsonl(path, size)
    total = path.stat().st_size
    ends = [e for _, e, _ in ranges]
    assert [s for s, _, _ in ranges] == [0, *ends][: len(ranges)]  # contiguous, from 0 ...
    assert ends[-1:] == ([total] if total else [])  # ... to the end of the file
    data = path.read_bytes()
    for start, _end, first in ranges:
        assert start == 0 or data[start - 1 : start] == b"\n"  # cut at line starts only
        assert first == data[:start].count(b"\n") + 1
    parts = plan_partitions([str(path)], size, 2)
    if jsonl_encoding(path).startswith("utf-16"):  # random bytes began with a UTF-16 BOM
        assert [p.start for p in parts] == [None]  # such a file is never split
        return
    assert sum(1 for p in parts if p.start is not None) == (len(ranges) if total > size else 0)
    whole = list(read_jsonl(path))
    pieces = [r for s, e, f in ranges for r in read_jsonl_range(path, s, e, f)]
    assert pieces == whole  # same records, lines, ids and error messages
