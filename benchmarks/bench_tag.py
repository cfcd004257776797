"""Tagging throughput against the floor of the work itself, measured side by side in one run.

(a) the 68,637 real 36Kr headlines (../shared/corpora), (b) the seed items replayed to 20,000
records. For each: records/s of `classify tag` (file in, JSONL out, shipped model), the floor
(bare jieba.lcut over the same headlines; a bare scikit-learn word 1-2-gram TF-IDF transform
over the same English texts), the ratio, and peak RSS. Each measurement runs in its own
process so peak RSS is per measurement. Not a test: it prints figures.

Usage: uv run python benchmarks/bench_tag.py [--quick]
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KR = ROOT.parent / "shared" / "corpora" / "36kr_hotlist.jsonl"


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM): getrusage would report the parent's peak across exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_inputs(tmp: Path, n_seed: int) -> dict[str, Path]:
    from classify.corpus import iter_seed_records

    seeds = list(iter_seed_records(ROOT / "seeds"))
    out = tmp / "seeds_replayed.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        for i in range(n_seed):
            r = seeds[i % len(seeds)]
            fh.write(
                json.dumps(
                    {"id": f"{r['id']}-{i}", "title": r["title"], "text": r["text"]},
                    ensure_ascii=False,
                )
                + "\n"
            )
    return {"36kr": KR, "seeds": out}


def child(kind: str, path: str, limit: int, jobs: int) -> None:
    """One measurement in this process; prints a JSON line."""
    texts = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= limit:
                break
            r = json.loads(line)
            texts.append(
                ((r.get("title") or "") + "\n" + r["text"]) if kind != "floor_jieba" else r["text"]
            )
    n = len(texts)
    if kind == "floor_jieba":
        import jieba

        jieba.setLogLevel(60)
        jieba.lcut("预热")
        t = time.perf_counter()
        for x in texts:
            jieba.lcut(x)
        dt = time.perf_counter() - t
    elif kind == "floor_tfidf":
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(ngram_range=(1, 2)).fit(texts[: min(n, 2000)])
        t = time.perf_counter()
        vec.transform(texts)
        dt = time.perf_counter() - t
    else:
        from classify.predictor import Predictor
        from classify.tagging import tag_records

        p = Predictor.load()
        p.predict(["预热 warm-up"])
        sub = Path(tempfile.mkdtemp()) / "in.jsonl"
        with open(path, encoding="utf-8") as src, open(sub, "w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i >= limit:
                    break
                dst.write(line)
        t = time.perf_counter()
        tag_records(p, [str(sub)], os.devnull, "jsonl", jobs=jobs, log=lambda m: None)
        dt = time.perf_counter() - t
    print(
        json.dumps(
            {
                "kind": kind,
                "n": n,
                "seconds": round(dt, 3),
                "rps": round(n / dt, 1),
                "peak_rss_mb": round(peak_rss_mb(), 1),
            }
        )
    )


def run(kind: str, path: Path, limit: int, jobs: int = 1) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), str(limit), str(jobs)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    quick = "--quick" in sys.argv
    if not KR.exists():
        sys.exit(f"needs {KR}")
    n_kr = 10_000 if quick else 68_637
    n_seed = 2_000 if quick else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        inputs = make_inputs(Path(tmp), n_seed)
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        rows = []
        for label, path, n, floor in (
            ("36Kr headlines (zh)", inputs["36kr"], n_kr, "floor_jieba"),
            ("seed items replayed (en)", inputs["seeds"], n_seed, "floor_tfidf"),
        ):
            f = run(floor, path, n)
            t1 = run("tag", path, n, 1)
            t2 = run("tag", path, n, 2)
            rows.append((label, f, t1, t2))
        print(
            f"\n{'input':28s} {'records':>8s} {'floor rec/s':>12s} {'tag rec/s (1 job)':>18s} {'ratio floor/tag':>16s} "
            f"{'tag rec/s (2 jobs)':>19s} {'peak RSS tag (MB)':>18s} {'peak RSS floor (MB)':>20s}"
        )
        for label, f, t1, t2 in rows:
            print(
                f"{label:28s} {t1['n']:8d} {f['rps']:12.0f} {t1['rps']:18.0f} {f['rps'] / t1['rps']:16.2f} "
                f"{t2['rps']:19.0f} {t1['peak_rss_mb']:18.0f} {f['peak_rss_mb']:20.0f}"
            )
        print(
            "\nfloor: 36Kr = bare jieba.lcut per headline; seeds = bare TfidfVectorizer(ngram_range=(1, 2)).transform."
        )
        print("ratio < 1.5 meets the target (tagging within 1.5x of the floor).")
        # memory vs input size (headlines), one process each
        sizes = [5_000, 20_000, n_kr] if not quick else [2_000, 10_000]
        mem = [run("tag", inputs["36kr"], s, 1) for s in sizes]
        print(
            "\npeak RSS of `tag` by input size (36Kr headlines): "
            + ", ".join(f"{m['n']:,} -> {m['peak_rss_mb']:.0f} MB" for m in mem)
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
