"""Scale benchmark: the 36Kr headlines replayed to 10k, 100k and 1M records, local vs Dask.

For every size: `--engine local` with 1 job and with 2 jobs (``tag_records(..., jobs=N)``) and
the Dask engine on a LocalCluster of 2 single-threaded workers (``tag_dask``). Each
measurement runs in its own process; it reports records/s of the tagging call (model loaded
and cluster started beforehand, both timed separately; a Dask worker loads the model inside
the call) and the peak RSS of every process: the driver (VmHWM; with Dask it also hosts the
scheduler and the nannies), local job workers (sampled every 50 ms with psutil: forked, they
share the driver's pages) and Dask workers (VmHWM read inside each worker at the end of each
of its partitions). ``getrusage`` is not used: Linux carries ru_maxrss over exec, so a child
would report its parent's peak. Output goes to real JSONL
files in a temp dir (the Dask parts too), deleted after each measurement. The model is the
shipped one, copied to the temp dir first so a concurrent retrain cannot change it midway.

Not a test: it prints figures. Replay files are generated in a temp dir, never in the repo.

Usage: uv run python benchmarks/bench_scale.py [--quick] [--sizes 10000,100000] [--model DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KR = ROOT.parent / "shared" / "corpora" / "36kr_hotlist.jsonl"
FULL_SIZES = [10_000, 100_000, 1_000_000]
QUICK_SIZES = [2_000, 10_000, 50_000]
ENGINES = ["local1", "local2", "dask2"]


def replay(path: Path, n: int) -> None:
    """The 36Kr headlines cycled to ``n`` records; replayed copies get unique ids."""
    with open(KR, encoding="utf-8") as fh:
        base = [json.loads(line) for line in fh if line.strip()]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            rnd, k = divmod(i, len(base))
            rec = dict(base[k])
            if rnd:
                rec["id"] = f"{rec['id']}~{rnd}"
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")


class Sampler:
    """Peak RSS per descendant process of this one, sampled every 50 ms with psutil."""

    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.peak: dict[int, tuple[str, float]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        import psutil

        while not self.stop.is_set():
            for c in self.me.children(recursive=True):
                try:
                    rss = c.memory_info().rss / 2**20
                    name = " ".join(c.cmdline()[-2:])[-60:]
                except psutil.Error:
                    continue
                if rss > self.peak.get(c.pid, ("", 0.0))[1]:
                    self.peak[c.pid] = (name, round(rss, 1))
            self.stop.wait(0.05)

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def child(engine: str, path: str, model: str, work: str) -> None:
    """One measurement in this process; prints one JSON line."""
    from classify.engine_dask import peak_rss_mb
    from classify.predictor import Predictor
    from classify.tagging import tag_records

    n_in = sum(1 for _ in open(path, "rb"))
    out = str(Path(work) / "out.jsonl")
    res: dict = {"engine": engine, "n": n_in}
    t0 = time.perf_counter()
    if engine.startswith("local"):
        jobs = int(engine[5:])
        p = Predictor.load(model)
        p.predict(["预热 warm-up"])
        res["setup_s"] = round(time.perf_counter() - t0, 2)
        with Sampler() as s:
            t = time.perf_counter()
            stats = tag_records(
                p, [path], out, None, jobs=jobs, model_path=Path(model), log=lambda m: None
            )
            dt = time.perf_counter() - t
        res["workers_peak_mb"] = sorted(v for _, v in s.peak.values())
    else:
        import logging

        from dask.distributed import LocalCluster

        from classify.engine_dask import tag_dask

        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
        res["setup_s"] = round(time.perf_counter() - t0, 2)
        with Sampler() as s:
            t = time.perf_counter()
            r = tag_dask(
                model,
                [path],
                out,
                None,
                scheduler=cluster.scheduler_address,
                parts_dir=Path(work) / "parts",
                log=lambda m: None,
            )
            dt = time.perf_counter() - t
        stats = {"records": r["records"], "errors": r["errors"]}
        workers: dict[int, float] = {}
        for part in r["parts"]:
            pid = part["worker_pid"]
            workers[pid] = max(workers.get(pid, 0.0), part["worker_peak_rss_mb"])
        res["partitions"] = len(r["parts"])
        res["workers_peak_mb"] = sorted(workers.values())
        # any other process under the driver (the nannies run inside the driver; this is
        # e.g. multiprocessing's resource tracker)
        res["others_peak_mb"] = sorted(v for pid, (_, v) in s.peak.items() if pid not in workers)
        cluster.close()
    assert stats["records"] == n_in, (stats, n_in)
    res.update(
        records=stats["records"],
        seconds=round(dt, 2),
        rps=round(stats["records"] / dt),
        driver_peak_mb=peak_rss_mb(),
    )
    print(json.dumps(res))


def measure(engine: str, path: Path, model: Path, tmp: Path) -> dict:
    work = Path(tempfile.mkdtemp(dir=tmp))
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", engine, str(path), str(model), str(work)],
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            sys.exit(f"{engine} on {path.name} failed:\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2k / 10k / 50k records")
    ap.add_argument("--sizes", help="comma-separated record counts (overrides --quick)")
    ap.add_argument("--model", help="model bundle (default: the shipped models/default)")
    ap.add_argument("--engines", default=",".join(ENGINES), help="local1,local2,dask2")
    args = ap.parse_args()
    if not KR.exists():
        sys.exit(f"needs the shared corpora beside the checkout: {KR}")
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else (QUICK_SIZES if args.quick else FULL_SIZES)
    )
    engines = args.engines.split(",")
    from classify.predictor import Predictor

    src = Predictor.load(args.model).path  # the resolved bundle version
    tmp = Path(tempfile.mkdtemp(prefix="classify-bench-scale-"))
    try:
        model = tmp / "model"
        shutil.copytree(src, model)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; model {src}; load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}",
            flush=True,
        )
        rows = []
        for n in sizes:
            path = tmp / f"kr_{n}.jsonl"
            replay(path, n)
            for engine in engines:
                r = measure(engine, path, model, tmp)
                rows.append(r)
                print(json.dumps(r), flush=True)
            path.unlink()
        print()
        head = f"{'engine':10s} {'records':>9s} {'seconds':>8s} {'rec/s':>7s} {'driver MB':>10s}  workers MB (peak per process)"
        print(head)
        for r in rows:
            extra = r["workers_peak_mb"]
            if r["engine"].startswith("dask"):
                extra = (
                    f"{extra} (other processes {r['others_peak_mb']}; {r['partitions']} partitions)"
                )
            elif r["engine"] != "local1":
                extra = f"{extra} (sampled)"
            else:
                extra = "-"
            print(
                f"{r['engine']:10s} {r['records']:9,d} {r['seconds']:8.1f} {r['rps']:7,d} "
                f"{r['driver_peak_mb']:10.1f}  {extra}"
            )
        local1 = [r for r in rows if r["engine"] == "local1"]
        if len(local1) > 1:
            peaks = [r["driver_peak_mb"] for r in local1]
            print(
                "\nlocal engine, 1 job, peak RSS by size: "
                + ", ".join(f"{r['records']:,} -> {r['driver_peak_mb']:.0f} MB" for r in local1)
                + f"  (max/min = {max(peaks) / min(peaks):.3f}; flat means within 1.20)"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
    else:
        main()
