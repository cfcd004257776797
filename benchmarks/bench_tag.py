"""Tagging speed as a ratio to the floor of the work itself, every figure measured in one run.

Inputs: (zh) the 68,637 real 36Kr headlines (../shared/corpora), (en) the 172 seed articles
replayed to 20,000 records. For each input, in separate processes (repeated, median):

- ``classify tag FILE -o OUT.jsonl``: the whole process, wall clock, cold start included
  (interpreter, imports, bundle load and verification, reading, writing);
- the floor, timed inside its process after warm-up (so the floor pays no start-up at all):
  zh = bare ``rjieba.cut(text, hmm=False)`` per headline plus a scikit-learn
  ``TfidfVectorizer`` transform of those tokens; en = a bare
  ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).transform`` of the same texts;
- cold start: ``from classify import Predictor; Predictor.load()`` against a bare
  ``import numpy, scipy.sparse``, both whole processes.

Ratios are tag time / floor time (lower is better; the targets are en <= 1.5, zh <= 2.0,
cold start <= 4). Peak RSS is the tag process's own VmHWM. Not a test: it prints figures.

Usage: uv run python benchmarks/bench_tag.py [--quick] [--repeat N] [--only en|zh]
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KR = ROOT.parent / "shared" / "corpora" / "36kr_hotlist.jsonl"


def make_en(path: Path, n: int) -> Path:
    from classify.corpus import iter_seed_records

    seeds = list(iter_seed_records(ROOT / "seeds"))
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            r = seeds[i % len(seeds)]
            rec = {"id": f"{r['id']}-{i}", "title": r["title"], "text": r["text"]}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def head(src: Path, dst: Path, n: int) -> Path:
    with open(src, encoding="utf-8") as a, open(dst, "w", encoding="utf-8") as b:
        for i, line in enumerate(a):
            if i >= n:
                break
            b.write(line)
    return dst


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB as the child reports it, stdout) of one child process."""
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t
    if p.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return dt, _peak_rss(p.stdout), p.stdout


def _peak_rss(out: str) -> float:
    for line in out.splitlines()[::-1]:
        if line.startswith("PEAK_RSS_MB "):
            return float(line.split()[1])
    return float("nan")


def floor_child(kind: str, path: str) -> None:
    """In this process: the floor's work timed after warm-up; prints seconds."""
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    from sklearn.feature_extraction.text import TfidfVectorizer

    if kind == "en":
        texts = [(r.get("title") or "") + "\n" + r["text"] for r in rows]
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts[:2000])
        t = time.perf_counter()
        vec.transform(texts)
    else:
        import rjieba

        texts = [r["text"] for r in rows]
        vec = TfidfVectorizer(analyzer=lambda toks: toks, sublinear_tf=True)
        vec.fit([rjieba.cut(x, hmm=False) for x in texts[:5000]])
        t = time.perf_counter()
        vec.transform([rjieba.cut(x, hmm=False) for x in texts])
    print(time.perf_counter() - t)
    print(f"PEAK_RSS_MB {_vmhwm():.1f}")


def _vmhwm() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


RSS_SNIPPET = (
    "import atexit\n"
    "def _p():\n"
    "    for l in open('/proc/self/status'):\n"
    "        if l.startswith('VmHWM:'): print('PEAK_RSS_MB', int(l.split()[1]) / 1024)\n"
    "atexit.register(_p)\n"
)


def tag_cmd(path: Path, out: Path, jobs: int) -> list[str]:
    code = (
        RSS_SNIPPET
        + "import sys\nfrom classify.cli import app\n"
        + f"app(['tag', {str(path)!r}, '-o', {str(out)!r}, '-j', '{jobs}'])\n"
    )
    return [sys.executable, "-c", code]


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    if quick:
        repeat = min(repeat, 2)
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    tmp = Path(tempfile.mkdtemp(prefix="bench_tag-"))
    inputs = {"en": make_en(tmp / "en.jsonl", 2_000 if quick else 20_000)}
    if KR.exists():
        inputs["zh"] = head(KR, tmp / "zh.jsonl", 10_000 if quick else 10**9)
    else:
        print(f"(no {KR}: Chinese figures skipped)")
    if only:
        inputs = {k: v for k, v in inputs.items() if k == only}
    # As on a user's machine: Python caches bytecode (this sandbox sets PYTHONDONTWRITEBYTECODE,
    # which would recompile classify's own modules in every process); one warm-up run writes it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    warm = next(iter(inputs.values()))
    run(tag_cmd(warm, tmp / "warm.jsonl", 1), env)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}; "
        f"median of {repeat} runs each"
    )
    # cold start
    cold_floor = [
        run([sys.executable, "-c", "import numpy, scipy.sparse"], env)[0] for _ in range(repeat)
    ]
    load_code = "from classify import Predictor; Predictor.load()"
    cold = [run([sys.executable, "-c", load_code], env)[0] for _ in range(repeat)]
    rows = []
    for kind, path in inputs.items():
        n = sum(1 for _ in open(path, encoding="utf-8"))
        fl = [
            run([sys.executable, __file__, "--floor", kind, str(path)], env) for _ in range(repeat)
        ]
        floor_s = median([float(o.splitlines()[0]) for _, _, o in fl])
        t1 = [run(tag_cmd(path, tmp / "out.jsonl", 1), env) for _ in range(repeat)]
        t2 = [run(tag_cmd(path, tmp / "out2.jsonl", 2), env) for _ in range(repeat)]
        same = (tmp / "out.jsonl").read_bytes() == (tmp / "out2.jsonl").read_bytes()
        rows.append(
            (
                kind,
                n,
                floor_s,
                median([t for t, _, _ in t1]),
                median([t for t, _, _ in t2]),
                max(r for _, r, _ in t1),
                same,
            )
        )
    print()
    print(
        f"{'input':6s} {'records':>8s} {'floor s':>8s} {'floor rec/s':>11s} {'tag s':>7s} "
        f"{'tag rec/s':>9s} {'ratio':>6s} {'target':>6s} {'tag -j2 s':>9s} {'-j2 ratio':>9s} "
        f"{'peak RSS MB':>11s} {'-j2 same bytes':>14s}"
    )
    targets = {"en": 1.5, "zh": 2.0}
    for kind, n, fs, t1, t2, rss, same in rows:
        print(
            f"{kind:6s} {n:8d} {fs:8.2f} {n / fs:11.0f} {t1:7.2f} {n / t1:9.0f} {t1 / fs:6.2f} "
            f"{targets[kind]:6.1f} {t2:9.2f} {t2 / fs:9.2f} {rss:11.0f} {str(same):>14s}"
        )
    cf, cl = median(cold_floor), median(cold)
    print(
        f"\ncold start: import + Predictor.load() {cl:.3f} s; bare `import numpy, scipy.sparse` "
        f"{cf:.3f} s; ratio {cl / cf:.2f} (target 4.0)"
    )
    print(
        "\nfloor: zh = rjieba.cut(hmm=False) + TfidfVectorizer transform of the tokens; "
        "en = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).transform; both timed "
        "in-process after warm-up. tag = the whole `classify tag` process, cold start included."
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--floor":
        floor_child(sys.argv[2], sys.argv[3])
    else:
        main()
