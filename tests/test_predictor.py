"""The predictor: order and errors in place, streams and threads, explain, JSON lines, import weight."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from classify.predictor import Predictor


def test_predict_keeps_order_and_errors_in_place(tiny_bundle: Path) -> None:
    p = Predictor.load(tiny_bundle)
    tags = p.predict(
        [
            {"id": "a", "text": "game players"},
            {"id": "b"},
            42,
            "plain text",
            {"id": "e", "text": ""},
        ]
    )
    assert [t.id for t in tags][:2] == ["a", "b"] and tags[3].id.startswith("sha-")
    assert [bool(t.error) for t in tags] == [False, True, True, False, True]
    assert tags[1].sectors is None and tags[1].line == 2


def test_predict_stream_batches_and_threads(tiny_bundle: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    p = Predictor.load(tiny_bundle)
    texts = [f"比特币 挖矿 {i}" if i % 2 else f"new mobile game {i}" for i in range(50)]
    serial = [t.to_dict() for t in p.predict_stream(texts, batch_size=7)]
    assert len(serial) == 50
    with ThreadPoolExecutor(4) as ex:
        par = list(ex.map(lambda t: p.predict([t])[0].to_dict(), texts))
    assert par == serial


def test_explain_lists_terms(tiny_bundle: Path) -> None:
    t = Predictor.load(tiny_bundle).predict(
        ["bitcoin miners moved rigs abroad as crypto prices fell"], explain=True
    )[0]
    terms = [w for w, _ in t.explain["sectors"]["crypto"]]
    assert any("bitcoin" in w or "crypto" in w or "miners" in w for w in terms)


HEAVY = ("sklearn", "pandas", "pyarrow", "scipy.stats", "bertopic", "umap", "hdbscan", "torch")


def test_import_classify_is_light() -> None:
    code = (
        "import sys, classify; from classify import Predictor; import classify.predictor, classify.cli;"
        f"bad=[m for m in {HEAVY!r} if m in sys.modules]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_load_and_predict_import_nothing_heavy() -> None:
    """The shipped model: load + predict (English and Chinese) leave no heavy module loaded,
    no YAML parser, no joblib; rjieba only once Chinese text is seen."""
    code = f"""
import sys
from classify import Predictor
p = Predictor.load()
p.predict(["Regulators fined Alibaba over antitrust rules"], explain=True)
print([m for m in ("rjieba", "jieba", "yaml", "joblib") if m in sys.modules])
p.predict(["阿里巴巴被罚款"])
print([m for m in {HEAVY!r} + ("yaml", "joblib") if m in sys.modules])
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "[]", out  # English only: no segmenter, no YAML
    assert out[1] == "[]", out


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_tag_imports_nothing_heavy(tmp_path: Path, jobs: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=False) + "\n"
            for i, t in enumerate(["Huawei phone sales rose", "宁德时代发布新电池"] * 5)
        ),
        encoding="utf-8",
    )
    code = f"""
import sys
from classify.cli import app
try:
    app(["tag", {str(src)!r}, "-o", {str(tmp_path / "out.jsonl")!r}, "-j", "{jobs}"])
except SystemExit as e:
    assert not e.code, e.code
print([m for m in {HEAVY!r} if m in sys.modules])
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 10


def test_predict_refuses_a_bare_string(tiny_bundle: Path) -> None:
    p = Predictor.load(tiny_bundle)
    with pytest.raises(TypeError, match="list"):
        p.predict("one text")
    assert len(p.predict(["one text"])) == 1


def test_encoded_lines_equal_json_of_tags(tiny_bundle: Path) -> None:
    """Batch tagging's direct JSON equals json.dumps(tag.to_dict()) record for record."""
    from classify.io import article_from_obj, dumps_json

    p = Predictor.load(tiny_bundle)
    objs = [
        {"id": 'a"b', "text": "Regulators fined the bitcoin miners", "extra": [1, None]},
        {
            "id": "b",
            "title": "标题",
            "date": "2024-03-01T08:00:00Z",
            "text": "比特币矿工迁移矿机\u2028更多",
        },
        {"text": ""},
        {"id": "d", "text": "x\x00y"},
        "plain text",
    ]
    recs = [article_from_obj(o, i + 1) for i, o in enumerate(objs)]
    lines = p.encode_batch(recs)
    assert lines == [dumps_json(t.to_dict()) for t in p._predict_batch(recs, False, False)]
    assert json.loads(lines[2])["error"] and json.loads(lines[0])["meta"] == {"extra": [1, None]}


def test_tags_carry_title_and_normalised_date(tiny_bundle: Path) -> None:
    """SPEC §1: date (normalised ISO) is carried over; the title too (#13 item 13)."""
    p = Predictor.load(tiny_bundle)
    t = p.predict([{"id": "a", "title": "Game news", "date": "2024-03-01Z"[:10], "text": "game"}])[
        0
    ]
    d = t.to_dict()
    assert list(d)[:3] == ["id", "title", "date"] and d["date"] == "2024-03-01"
    assert "title" not in p.predict(["no title here"])[0].to_dict()


def test_explain_names_the_matched_phrase() -> None:
    """--explain shows the words behind a lexicon column, not only its bucket (#13 item 12)."""
    from classify import paths

    p = Predictor.load(paths.default_model_dir() / "v001")
    t = p.predict(
        # (a tech sector named: v001 reads a bare "platform" as non_tech, whose tone is none)
        [
            {
                "id": "a",
                "text": "Regulators fined the e-commerce platform Taobao; 监管部门对淘宝平台罚款 over data rules",
            }
        ],
        explain=True,
    )[0]
    names = [n for rows in t.explain["tone"].values() for n, _ in rows]
    lex = [n for n in names if n.startswith("lex:action:tightening")]
    assert lex and "fined" in lex[0] and "罚款" in lex[0], names


def test_front_door_exports_what_a_user_needs_lazily() -> None:
    """#12 item 5: `from classify import ...` for the public API; importing it stays light."""
    code = (
        "import sys, classify\n"
        "from classify import Predictor, Tag, read_records, ClassifyError, BundleError, evaluate\n"
        "heavy = [m for m in ('sklearn', 'pandas', 'bertopic', 'umap', 'torch') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert issubclass(BundleError, ClassifyError)\n"
        "from classify import train, trends, TopicModel\n"
        "import classify.trends as t, classify.train as tr\n"
        "assert callable(train) and callable(trends) and t is trends and tr is train\n"
        "r = classify.trends([{'date': '2024-05-01', 'sectors': ['ai'], 'tone': 'easing',"
        " 'tone_index': 0.5, 'companies': []}], period='quarter')\n"
        "assert r['periods'][0]['n'] == 1 and r['periods'][0]['tone_index'] == 0.5\n"
        "from classify.topics import TopicModelError\n"
        "from classify.train import TrainingError\n"
        "assert issubclass(TopicModelError, ClassifyError) and issubclass(TrainingError, ClassifyError)\n"
        "missing = [n for n in classify.__all__ if not hasattr(classify, n)]\n"
        "assert not missing, missing\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
