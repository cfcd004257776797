"""The CLI end to end: tag (files, stdin, formats, exit codes), evaluate, corpus, help examples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers import synthetic_examples, write_labels
from typer.testing import CliRunner

from classify.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _all_commands() -> list[list[str]]:
    """Every command of the app, walked from typer's click group (so a new one is checked too)."""
    import typer.main

    out: list[list[str]] = []

    def walk(group, prefix: list[str]) -> None:  # noqa: ANN001
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                walk(cmd, [*prefix, name])
            else:
                out.append([*prefix, name])

    walk(typer.main.get_command(app), [])
    return out


def test_every_command_has_help_with_example() -> None:
    cmds = _all_commands()
    assert {"tag", "trends", "serve", "drift"} <= {c[0] for c in cmds} and len(cmds) >= 16
    for cmd in cmds:
        r = runner.invoke(app, [*cmd, "--help"])
        assert r.exit_code == 0, cmd
        assert "Example" in r.output or "example" in r.output, cmd
        # #13 item 9: no value type after a flag, no doubled brackets in the usage line
        assert "<bool>" not in r.output and "[[" not in r.output, (cmd, r.output)


def test_corpus_command(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    r = runner.invoke(app, ["corpus", str(ROOT / "seeds"), "-o", str(out)])
    assert r.exit_code == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 150 and all(r["id"] and r["text"] for r in rows)
    assert runner.invoke(app, ["corpus", str(tmp_path / "none")]).exit_code == 2


def test_tag_jsonl_with_bad_lines_keeps_order(tmp_path: Path, tiny_bundle: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "a", "text": "比特币矿工"}\nnot json\n{"id": "c"}\n\n{"id": "d", "text": "game"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    r = runner.invoke(app, ["tag", str(src), "-o", str(out), "--model", str(tiny_bundle)])
    assert r.exit_code == 1  # some records failed; their errors are in the output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(x["id"], x["error"] is not None) for x in rows] == [
        ("a", False),
        (None, True),
        ("c", True),
        ("d", False),
    ]
    assert rows[1]["line"] == 2 and "not valid JSON" in rows[1]["error"]


def test_tag_parquet_round_trip_and_csv(tmp_path: Path, tiny_bundle: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            json.dumps({"id": f"r{i}", "text": t, "source": "unit"})
            for i, t in enumerate(["芯片 晶圆", "new mobile game", "熊猫"])
        )
        + "\n",
        encoding="utf-8",
    )
    pq_out = tmp_path / "o.parquet"
    assert (
        runner.invoke(
            app, ["tag", str(src), "-o", str(pq_out), "--model", str(tiny_bundle)]
        ).exit_code
        == 0
    )
    rows = pq.read_table(pq_out).to_pylist()
    assert [r["id"] for r in rows] == ["r0", "r1", "r2"] and isinstance(rows[0]["sectors"], list)
    # the Parquet output is itself a valid input (ids and meta pass through)
    again = tmp_path / "o2.jsonl"
    assert (
        runner.invoke(
            app, ["tag", str(src), "-o", str(again), "--model", str(tiny_bundle)]
        ).exit_code
        == 0
    )
    first = [json.loads(x) for x in again.read_text(encoding="utf-8").splitlines()]
    assert [r["sectors"] for r in first] == [r["sectors"] for r in rows]
    assert first[0]["meta"] == {"source": "unit"}
    csv_out = tmp_path / "o.csv"
    assert (
        runner.invoke(
            app, ["tag", str(src), "-o", str(csv_out), "--model", str(tiny_bundle)]
        ).exit_code
        == 0
    )
    assert csv_out.read_text(encoding="utf-8").count("\n") == 4


def test_tag_stdin_and_explain(tiny_bundle: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "classify.cli",
            "tag",
            "-",
            "--explain",
            "--model",
            str(tiny_bundle),
        ],
        input='{"id": "x", "text": "bitcoin miners moved rigs abroad"}\n',
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert row["id"] == "x" and "explain" in row and "1 records tagged" in proc.stderr


def test_tag_jobs_matches_serial(tmp_path: Path, tiny_bundle: Path) -> None:
    src = write_labels(tmp_path / "in.jsonl", synthetic_examples(n_per_sector=4))
    outs = []
    for j in ("1", "2"):
        o = tmp_path / f"o{j}.jsonl"
        r = runner.invoke(
            app,
            [
                "tag",
                str(src),
                "-o",
                str(o),
                "-j",
                j,
                "--batch-size",
                "5",
                "--model",
                str(tiny_bundle),
            ],
        )
        assert r.exit_code == 0, r.output
        outs.append(o.read_text(encoding="utf-8"))
    assert outs[0] == outs[1]


@pytest.mark.parametrize(
    "args",
    [
        ["tag", "missing.jsonl"],
        ["tag", "--model", "/nonexistent"],
        ["tag", "--format", "xml"],
        ["evaluate", "missing.jsonl"],
    ],
)
def test_unusable_arguments_exit_2(args: list[str], tiny_bundle: Path) -> None:
    if "--model" not in args and args[0] == "tag":
        args = [*args, "--model", str(tiny_bundle)]
    assert runner.invoke(app, args).exit_code == 2


def test_evaluate_reports_metrics(tmp_path: Path, tiny_bundle: Path) -> None:
    gold = write_labels(tmp_path / "gold.jsonl", synthetic_examples(n_per_sector=3, seed=5))
    r = runner.invoke(app, ["evaluate", str(gold), "--model", str(tiny_bundle), "--json", "-"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["n"] == 21 and 0 <= res["sectors"]["macro_f1"] <= 1
    assert res["tone"]["confusion"]["labels"] == ["tightening", "easing", "neutral", "none"]
    assert sum(map(sum, res["tone"]["confusion"]["matrix"])) == 21
    table = runner.invoke(app, ["evaluate", str(gold), "--model", str(tiny_bundle)])
    assert "sector macro-F1" in table.output and "tone confusion" in table.output


@pytest.mark.slow
def test_tag_engine_dask_cli_matches_local(tmp_path: Path, tiny_bundle: Path) -> None:
    src = write_labels(tmp_path / "in.jsonl", synthetic_examples(n_per_sector=3))
    with open(src, "a", encoding="utf-8") as fh:
        fh.write("not json\n")
    local, dask_out = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    r1 = runner.invoke(app, ["tag", str(src), "-o", str(local), "--model", str(tiny_bundle)])
    r2 = runner.invoke(
        app,
        [
            "tag",
            str(src),
            "-o",
            str(dask_out),
            "--model",
            str(tiny_bundle),
            "--engine",
            "dask",
            "--workers",
            "1",
        ],
    )
    assert r1.exit_code == r2.exit_code == 1  # the bad line is an error record in both
    assert dask_out.read_bytes() == local.read_bytes()
    assert (
        runner.invoke(app, ["tag", "--engine", "dask", "--model", str(tiny_bundle)]).exit_code == 2
    )


# ---------------------------------------------------------------- the first hour of a user (#13)


@pytest.mark.parametrize("ext", ["jsonl", "csv"])
def test_output_that_is_an_input_is_refused_and_the_input_kept(
    tmp_path: Path, tiny_bundle: Path, ext: str
) -> None:
    src = tmp_path / f"mine.{ext}"
    if ext == "jsonl":
        src.write_text('{"id": "a", "text": "new mobile game"}\n', encoding="utf-8")
    else:
        src.write_text("id,text\na,new mobile game\n", encoding="utf-8")
    before = src.read_bytes()
    for out in (src, tmp_path / "." / f"mine.{ext}"):
        r = runner.invoke(app, ["tag", str(src), "-o", str(out), "--model", str(tiny_bundle)])
        assert r.exit_code == 2 and "is the input" in r.stderr
        dask = ["tag", str(src), "-o", str(out), "--model", str(tiny_bundle), "--engine", "dask"]
        r = runner.invoke(app, dask)  # refused before any cluster starts
        assert r.exit_code == 2 and "is the input" in r.stderr
    assert src.read_bytes() == before


def test_drift_output_that_is_an_input_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "feed.jsonl"
    src.write_text('{"id": "a", "date": "2024-01-02", "text": "x"}\n', encoding="utf-8")
    before = src.read_bytes()
    r = runner.invoke(app, ["drift", str(src), "--json", str(src)])
    assert r.exit_code == 2 and "one of the inputs" in r.stderr
    r = runner.invoke(
        app, ["drift", str(src), "--json", str(tmp_path / "d"), "-o", str(tmp_path / "d")]
    )
    assert r.exit_code == 2 and "same file" in r.stderr
    assert src.read_bytes() == before


def test_a_failed_run_leaves_the_previous_output_whole(
    tmp_path: Path, tiny_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Output goes to a temp file renamed on success: a crash mid-run changes nothing."""
    from classify.predictor import Predictor
    from classify.tagging import tag_records

    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(json.dumps({"id": f"r{i}", "text": f"game {i}"}) + "\n" for i in range(40)),
        encoding="utf-8",
    )
    out = tmp_path / "tags.jsonl"
    out.write_text("previous tags\n", encoding="utf-8")
    p = Predictor.load(tiny_bundle)
    calls = {"n": 0}
    real = Predictor.encode_batch

    def crash_on_second_batch(self, recs, **kw):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed mid-run")
        return real(self, recs, **kw)

    monkeypatch.setattr(Predictor, "encode_batch", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        tag_records(p, [str(src)], out, None, batch_size=10, log=lambda m: None)
    assert out.read_text(encoding="utf-8") == "previous tags\n"
    assert [x.name for x in tmp_path.iterdir() if x.name.startswith(".tmp-")] == []
    monkeypatch.undo()
    tag_records(p, [str(src)], out, None, batch_size=10, log=lambda m: None)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 40


@pytest.mark.parametrize(
    "extra",
    [
        ["--batch-size", "0"],
        ["--batch-size", "-5"],
        ["-j", "0"],
        ["--engine", "dask", "--workers", "0"],
    ],
)
def test_numeric_options_are_validated(tmp_path: Path, tiny_bundle: Path, extra: list) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "game"}\n', encoding="utf-8")
    out = tmp_path / "o.jsonl"
    r = runner.invoke(app, ["tag", str(src), "-o", str(out), "--model", str(tiny_bundle), *extra])
    assert r.exit_code == 2 and not out.exists()


def test_labels_suggest_n_zero_is_a_usage_error() -> None:
    r = runner.invoke(app, ["labels", "suggest", "-n", "0"])
    assert r.exit_code == 2 and "Found array" not in (r.stderr + r.stdout)


@pytest.mark.parametrize("target", ["nodir/x.jsonl", "adir/"])
def test_output_paths_that_cannot_be_written_say_so(
    tmp_path: Path, tiny_bundle: Path, target: str
) -> None:
    (tmp_path / "adir").mkdir()
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "game"}\n', encoding="utf-8")
    r = runner.invoke(
        app, ["tag", str(src), "-o", str(tmp_path / target), "--model", str(tiny_bundle)]
    )
    assert r.exit_code == 2
    msg = r.stderr.strip().splitlines()
    assert len(msg) == 1 and ("does not exist" in msg[0] or "is a directory" in msg[0]), msg


def test_piped_stdin_is_read_and_no_stdin_means_the_seeds(tiny_bundle: Path) -> None:
    """`cat mine.jsonl | classify tag` tags the pipe; with /dev/null as stdin, the seeds."""
    lines = "".join(json.dumps({"id": f"p{i}", "text": "new mobile game"}) + "\n" for i in range(3))
    cmd = [sys.executable, "-m", "classify.cli", "tag", "--model", str(tiny_bundle)]
    piped = subprocess.run(cmd, input=lines, capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0, piped.stderr
    assert [json.loads(x)["id"] for x in piped.stdout.splitlines()] == ["p0", "p1", "p2"]
    none = subprocess.run(
        cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300
    )
    assert none.returncode == 0 and len(none.stdout.splitlines()) == 172  # the seed items


@pytest.mark.parametrize("ext", ["jsonl", "csv", "parquet"])
def test_empty_input_warns_and_writes_a_valid_empty_output(
    tmp_path: Path, tiny_bundle: Path, ext: str
) -> None:
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "mdonly").mkdir()
    (tmp_path / "mdonly" / "notes.md").write_text("# not an article\n", encoding="utf-8")
    for src in (tmp_path / "empty.jsonl", tmp_path / "mdonly"):
        out = tmp_path / f"out.{ext}"
        r = runner.invoke(app, ["tag", str(src), "-o", str(out), "--model", str(tiny_bundle)])
        assert r.exit_code == 0 and "no records" in r.stderr, r.stderr
        assert out.is_file()
        if ext == "parquet":
            t = pq.read_table(out)
            assert t.num_rows == 0 and "sectors" in t.column_names
        elif ext == "csv":
            assert out.read_text(encoding="utf-8").startswith("id,title,date,sectors,")
        else:
            assert out.read_text(encoding="utf-8") == ""
        out.unlink()


def test_contradictory_options_exit_2(tmp_path: Path, tiny_bundle: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "game"}\n', encoding="utf-8")
    m = ["--model", str(tiny_bundle)]
    r = runner.invoke(
        app, ["tag", str(src), "--format", "csv", "-o", str(tmp_path / "x.parquet"), *m]
    )
    assert r.exit_code == 2 and "contradicts" in r.stderr
    assert not (tmp_path / "x.parquet").exists()
    r = runner.invoke(app, ["tag", str(src), "--scheduler", "tcp://127.0.0.1:1", *m])
    assert r.exit_code == 2 and "--engine dask" in r.stderr
    ok = runner.invoke(app, ["tag", str(src), "--format", "csv", "-o", str(tmp_path / "x.csv"), *m])
    assert ok.exit_code == 0


def test_version() -> None:
    from classify import __version__

    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.stdout.strip() == f"classify {__version__}"


def test_evaluate_on_training_ids_warns_and_scores_the_rest_apart(
    tmp_path: Path, tiny_bundle: Path
) -> None:
    """#13 item 11: gold ids the model trained on (its manifest lists them) are flagged."""
    ex = synthetic_examples(n_per_sector=3, seed=5)  # ids syn-0001…: the tiny model's own ids
    for e in ex[:7]:
        e["id"] = "fresh-" + e["id"]
    gold = write_labels(tmp_path / "gold.jsonl", ex)
    r = runner.invoke(app, ["evaluate", str(gold), "--model", str(tiny_bundle), "--json", "-"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["in_training"] == 14 and res["held_out"]["n"] == 7
    assert "14 of 21 gold examples are in the model's training data" in r.stderr
    table = runner.invoke(app, ["evaluate", str(gold), "--model", str(tiny_bundle)])
    assert "held out (the 7 gold examples" in table.stdout


def test_column_options_map_fields_and_a_missing_text_column_is_one_message(
    tmp_path: Path, tiny_bundle: Path
) -> None:
    """#13 item 7: --text/--title/--id/--date-column; no text column = exit 2, columns listed."""
    import pyarrow as pa

    src = tmp_path / "export.csv"
    src.write_text(
        "key,headline,body,published\n"
        "a,Miners move,bitcoin miners moved rigs abroad,2021-06-01\n"
        "b,New game,a new mobile game launched,2021-06-02\n",
        encoding="utf-8",
    )
    out = tmp_path / "tags.jsonl"
    for jobs in ("1", "2"):
        r = runner.invoke(
            app, ["tag", str(src), "-m", str(tiny_bundle), "-o", str(out), "-j", jobs]
        )
        assert r.exit_code == 2 and not out.exists(), r.output
        assert "no column 'text'" in r.output and "key, headline, body, published" in r.output
    r = runner.invoke(
        app,
        [
            "tag",
            str(src),
            "-m",
            str(tiny_bundle),
            "-o",
            str(out),
            "--text-column",
            "body",
            "--title-column",
            "headline",
            "--id-column",
            "key",
            "--date-column",
            "published",
        ],
    )
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(t["id"], t["title"], t["date"]) for t in rows] == [
        ("a", "Miners move", "2021-06-01"),
        ("b", "New game", "2021-06-02"),
    ]
    assert "crypto" in rows[0]["sectors"] and all(t["error"] is None for t in rows)
    # a named column the table lacks is the same one message
    r = runner.invoke(app, ["tag", str(src), "-m", str(tiny_bundle), "--text-column", "content"])
    assert r.exit_code == 2 and "'content' (--text-column)" in r.output
    # Parquet: the schema is checked the same way
    pq.write_table(pa.table({"body": ["bitcoin miners"], "key": ["p"]}), tmp_path / "x.parquet")
    r = runner.invoke(app, ["tag", str(tmp_path / "x.parquet"), "-m", str(tiny_bundle)])
    assert r.exit_code == 2 and "columns found: body, key" in r.output
    # JSONL has no header: the mapping applies per record
    j = tmp_path / "in.jsonl"
    j.write_text(json.dumps({"key": "j", "body": "bitcoin miners moved"}) + "\n", encoding="utf-8")
    r = runner.invoke(
        app, ["tag", str(j), "-m", str(tiny_bundle), "--text-column", "body", "--id-column", "key"]
    )
    assert r.exit_code == 0 and json.loads(r.stdout.splitlines()[0])["id"] == "j"
    r = runner.invoke(
        app,
        ["tag", str(j), "-m", str(tiny_bundle), "--title-column", "body", "--text-column", "body"],
    )
    assert r.exit_code == 2 and "both name the field 'body'" in r.output


def test_flat_score_columns_and_excel_csv(tmp_path: Path, tiny_bundle: Path) -> None:
    """#13 item 13: --flat spreads the scores into one column per label; --excel adds a BOM."""
    import csv as csv_

    from classify.schema import SECTORS, TONES

    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(json.dumps({"id": f"r{i}", "text": f"比特币 挖矿 bitcoin {i}"}) for i in range(3))
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "t.csv"
    r = runner.invoke(
        app, ["tag", str(src), "-m", str(tiny_bundle), "-o", str(out), "--flat", "--excel"]
    )
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv_.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [x["id"] for x in rows] == ["r0", "r1", "r2"]
    assert {f"score_{s}" for s in SECTORS} | {f"tone_score_{t}" for t in TONES} <= set(rows[0])
    assert "sector_scores" not in rows[0] and "tone_scores" not in rows[0]
    assert 0.0 <= float(rows[0]["score_crypto"]) <= 1.0 and not rows[0]["sectors"].startswith("[")
    pout = tmp_path / "t.parquet"
    for jobs in ("1", "2"):
        r = runner.invoke(
            app, ["tag", str(src), "-m", str(tiny_bundle), "-o", str(pout), "--flat", "-j", jobs]
        )
        assert r.exit_code == 0, r.output
        t = pq.read_table(pout)
        assert str(t.schema.field("score_crypto").type) == "double" and t.num_rows == 3
        assert str(t.schema.field("sectors").type).startswith("list")
    plain = tmp_path / "plain.csv"
    runner.invoke(app, ["tag", str(src), "-m", str(tiny_bundle), "-o", str(plain)])
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    for bad in (["--flat"], ["--excel"], ["--excel", "-o", str(tmp_path / "x.parquet")]):
        r = runner.invoke(app, ["tag", str(src), "-m", str(tiny_bundle), *bad])
        assert r.exit_code == 2 and ("--flat" in r.output or "--excel" in r.output), r.output


def test_progress_total_is_known_for_files(tmp_path: Path) -> None:
    """#13 item 10: the bar's total (JSONL lines, Parquet rows); unknown for stdin, gz, CSV."""
    import gzip

    import pyarrow as pa

    from classify.tagging import count_records

    a = tmp_path / "a.jsonl"
    a.write_text('{"text": "x"}\n{"text": "y"}\n', encoding="utf-8")
    b = tmp_path / "b.jsonl"
    b.write_text('{"text": "x"}\n{"text": "y"}', encoding="utf-8")  # no final newline
    pq.write_table(pa.table({"text": ["p", "q", "r"]}), tmp_path / "c.parquet")
    assert count_records([str(a), str(b), str(tmp_path / "c.parquet")]) == 7
    g = tmp_path / "d.jsonl.gz"
    g.write_bytes(gzip.compress(b'{"text": "x"}\n'))
    assert count_records([str(g)]) is None and count_records(["-"]) is None


def test_piped_tag_prints_no_progress(tmp_path: Path, tiny_bundle: Path) -> None:
    src = tmp_path / "a.jsonl"
    src.write_text('{"text": "bitcoin"}\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "classify.cli", "tag", str(src), "-m", str(tiny_bundle)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "tagging" not in proc.stderr and "━" not in proc.stderr
