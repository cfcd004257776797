"""Label files: check catches each kind of bad label with a clear message; stats counts."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from classify.cli import app
from classify.labels import check, merge, stats

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, rows: list) -> Path:
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows)
        + "\n",
        encoding="utf-8",
    )
    return path


def test_check_reports_each_problem(tmp_path: Path) -> None:
    corpus = write(
        tmp_path / "corpus.jsonl", [{"id": "c-1", "text": "一条新闻", "date": "2024-01-02"}]
    )
    f = write(
        tmp_path / "bad.jsonl",
        [
            {"id": "a", "text": "x", "sectors": ["ai"], "tone": "none"},
            {"id": "a", "text": "x", "sectors": ["ai"], "tone": "none"},  # duplicate
            {"id": "b", "text": "x", "sectors": ["robots"], "tone": "none"},  # unknown sector
            {"id": "c", "text": "x", "sectors": ["ai"], "tone": "strict"},  # unknown tone
            {
                "id": "d",
                "text": "x",
                "sectors": ["non_tech", "ai"],
                "tone": "none",
            },  # non_tech not alone
            {
                "id": "e",
                "text": "x",
                "sectors": ["non_tech"],
                "tone": "easing",
            },  # non_tech with a tone
            {"id": "f", "sectors": ["ai"], "tone": "none"},  # no text, not in corpus
            {"id": "c-1", "sectors": ["ai"], "tone": "none"},  # resolved from corpus
            {"id": "g", "text": "x", "sectors": ["ai"], "tone": "none", "date": "12/10/2021"},
            {
                "id": "h",
                "text": "x",
                "sectors": ["ai", "cloud", "gaming", "devices", "telecom"],
                "tone": "none",
            },
            "{broken json",
        ],
    )
    examples, problems = check([f], [corpus])
    msgs = {
        (p.id, p.message.split(" (")[0].split(":")[0]) for p in problems if p.severity == "error"
    }
    assert ("a", "duplicate id") in msgs
    assert any(i == "b" and "unknown sector" in m for i, m in msgs)
    assert any(i == "c" and "unknown tone" in m for i, m in msgs)
    assert ("d", "non_tech must stand alone") in msgs
    assert any(i == "e" and "tone is always" in m for i, m in msgs)
    assert any(i == "f" and "no text" in m for i, m in msgs)
    assert any(i == "g" and "ISO 8601" in m for i, m in msgs)
    assert any(i == "h" and "more than 4" in m for i, m in msgs)
    assert any("not valid JSON" in p.message for p in problems)
    assert not any(p.id == "c-1" for p in problems)
    resolved = next(e for e in examples if e.id == "c-1")
    assert resolved.text == "一条新闻" and resolved.date == "2024-01-02" and not resolved.own_text


def test_merge_later_file_wins(tmp_path: Path) -> None:
    a = write(tmp_path / "a.jsonl", [{"id": "x", "text": "t", "sectors": ["ai"], "tone": "none"}])
    b = write(
        tmp_path / "b.jsonl", [{"id": "x", "text": "t", "sectors": ["cloud"], "tone": "none"}]
    )
    examples, _ = check([a, b])
    merged, notes = merge(examples)
    assert [e.sectors for e in merged] == [["cloud"]] and "replaced by" in notes[0]


def test_stats_counts(tmp_path: Path) -> None:
    f = write(
        tmp_path / "l.jsonl",
        [
            {
                "id": "technode-1",
                "text": "t",
                "sectors": ["ai", "cloud"],
                "tone": "easing",
                "date": "2021-03-01",
            },
            {"id": "feed-2", "text": "t", "sectors": ["ai"], "tone": "none"},
        ],
    )
    st = stats(check([f])[0])
    assert st["sectors"]["ai"] == 2 and st["sectors"]["cloud"] == 1 and st["tones"]["easing"] == 1
    assert st["years"] == {"2021": 1, "undated": 1} and st["sources"] == {"technode": 1, "feed": 1}


def test_cli_check_and_stats_exit_codes(tmp_path: Path) -> None:
    good = write(
        tmp_path / "good.jsonl", [{"id": "a", "text": "x", "sectors": ["ai"], "tone": "none"}]
    )
    bad = write(
        tmp_path / "bad.jsonl", [{"id": "a", "text": "x", "sectors": ["nope"], "tone": "none"}]
    )
    r = CliRunner().invoke(app, ["labels", "check", str(good), "--corpus", str(good)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, ["labels", "check", str(bad), "--corpus", str(good)])
    assert r.exit_code == 1 and "unknown sector" in r.output
    r = CliRunner().invoke(app, ["labels", "check", str(tmp_path / "missing.jsonl")])
    assert r.exit_code == 2
    r = CliRunner().invoke(
        app, ["labels", "stats", str(good), "--json", "-", "--corpus", str(good)]
    )
    assert r.exit_code == 0 and json.loads(r.stdout)["sectors"]["ai"] == 1


def test_shipped_labels_pass_check() -> None:
    """The committed label files are valid (corpus ids resolved when ../shared is present)."""
    import glob

    corpora = sorted(glob.glob(str(ROOT.parent / "shared" / "corpora" / "*.jsonl")))
    examples, problems = check([ROOT / "labels"], corpora)
    errors = [
        str(p)
        for p in problems
        if p.severity == "error" and (corpora or "no text" not in p.message)
    ]
    assert not errors, errors[:5]
    st = stats(examples)
    assert st["examples"] >= 800 and all(st["tones"][t] > 0 for t in st["tones"])


def test_corpus_glob_after_flag_is_understood(tmp_path: Path) -> None:
    """`--corpus a.jsonl b.jsonl` (a shell glob): b arrives positionally and is used as a corpus."""
    c1 = write(tmp_path / "c1.jsonl", [{"id": "x-1", "text": "一"}])
    c2 = write(tmp_path / "c2.jsonl", [{"id": "y-1", "text": "二"}])
    lab = write(
        tmp_path / "l.jsonl",
        [
            {"id": "x-1", "sectors": ["ai"], "tone": "none"},
            {"id": "y-1", "sectors": ["ai"], "tone": "none"},
        ],
    )
    r = CliRunner().invoke(app, ["labels", "check", str(lab), "--corpus", str(c1), str(c2)])
    assert r.exit_code == 0, r.output
