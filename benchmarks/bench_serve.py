"""Load benchmark of `classify serve` on loopback: requests/s, records/s, latency, peak RSS.

Starts ``classify serve`` (the shipped model, one worker) as its own process on a free
loopback port, then drives it with ``--clients`` threads, each on one keep-alive connection:

1. ``--single`` requests ``POST /tag`` of one record each (default 10,000);
2. ``--batched`` requests of ``--batch`` records each (default 500 x 100 = 50,000 records);
3. a reload under load: single requests for ``--reload-seconds`` while ``POST /admin/reload``
   is called every 0.5 s — every request must still succeed.

Records are the 172 seed items and, when ../shared is present, 36Kr headlines, cycled.
Prints requests/s, records/s, p50/p99 latency per phase, failed requests (must be 0) and the
server's peak RSS (VmHWM). Not a test: it prints figures.

Usage: uv run python benchmarks/bench_serve.py [--single N] [--batched N] [--clients K]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KR = ROOT.parent / "shared" / "corpora" / "36kr_hotlist.jsonl"


def records() -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from classify.corpus import iter_seed_records

    out = [
        {"id": r["id"], "title": r["title"], "text": r["text"][:3000]}
        for r in iter_seed_records(ROOT / "seeds")
    ]
    if KR.is_file():
        with open(KR, encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i >= 2000:
                    break
                r = json.loads(line)
                out.append({"id": r["id"], "text": r["text"], "date": r["date"]})
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def drive(
    port: int, bodies: list[bytes], clients: int, stop_when: float | None = None
) -> tuple[list[float], int, int]:
    """Send the bodies (cycled by index) from ``clients`` threads; (latencies, failures, sent)."""
    lat: list[float] = []
    failures = [0]
    sent = [0]
    lock = threading.Lock()
    nxt = [0]

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json"}
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if stop_when is None and i >= len(bodies):
                break
            if stop_when is not None and time.perf_counter() >= stop_when:
                break
            body = bodies[i % len(bodies)]
            t = time.perf_counter()
            try:
                conn.request("POST", "/tag", body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            dt = time.perf_counter() - t
            with lock:
                lat.append(dt)
                sent[0] += 1
                failures[0] += not ok
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, failures[0], sent[0]


def report(name: str, lat: list[float], failures: int, secs: float, per_request: int) -> None:
    q = statistics.quantiles(lat, n=100)
    n = len(lat)
    print(
        f"{name:<28} {n:>7} requests in {secs:6.1f} s: {n / secs:8.1f} req/s, "
        f"{n * per_request / secs:9.1f} records/s, p50 {q[49] * 1000:7.2f} ms, "
        f"p99 {q[98] * 1000:7.2f} ms, failed {failures}"
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--single", type=int, default=10_000)
    ap.add_argument("--batched", type=int, default=500)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--reload-seconds", type=float, default=10.0)
    args = ap.parse_args()
    recs = records()
    port = free_port()
    exe = Path(sys.executable).with_name("classify")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--max-batch", str(max(args.batch, 1000))],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                print("server did not start:", proc.stderr.read() if proc.stderr else "")
                return 1
            time.sleep(0.1)
        print(
            f"classify serve (shipped model, 1 worker) on loopback, {args.clients} client threads, "
            f"{len(recs)} distinct records; {os.cpu_count()} CPUs"
        )
        singles = [json.dumps(r, ensure_ascii=False).encode() for r in recs]
        t = time.perf_counter()
        bodies = [singles[i % len(singles)] for i in range(args.single)]  # exactly --single
        lat, fail, _ = drive(port, bodies, args.clients)
        report("POST /tag, 1 record", lat, fail, time.perf_counter() - t, 1)
        total_fail = fail
        batches = [
            json.dumps(
                [recs[(i * args.batch + k) % len(recs)] for k in range(args.batch)],
                ensure_ascii=False,
            ).encode()
            for i in range(args.batched)
        ]
        t = time.perf_counter()
        lat, fail, _ = drive(port, batches, args.clients)
        report(f"POST /tag, {args.batch} records", lat, fail, time.perf_counter() - t, args.batch)
        total_fail += fail

        reloads = [0, 0]

        def reloader(until: float) -> None:
            while time.perf_counter() < until:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                c.request("POST", "/admin/reload")
                reloads[0 if c.getresponse().status == 200 else 1] += 1
                time.sleep(0.5)

        until = time.perf_counter() + args.reload_seconds
        rt = threading.Thread(target=reloader, args=(until,))
        t = time.perf_counter()
        rt.start()
        lat, fail, _ = drive(port, singles, args.clients, stop_when=until)
        rt.join()
        report(f"… during {reloads[0]} reloads", lat, fail, time.perf_counter() - t, 1)
        total_fail += fail
        print(f"reloads: {reloads[0]} ok, {reloads[1]} refused")
        print(
            f"server peak RSS {peak_rss_mb(proc.pid):.0f} MB; failed requests in all: {total_fail}"
        )
        return 0 if total_fail == 0 else 1
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
