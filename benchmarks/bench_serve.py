"""Benchmark `journey serve`: latency of POST /api/label (rules extractor) against a real server process.

    .venv/bin/python benchmarks/bench_serve.py [--data ../shared/data] [--requests 300] [--json FILE]

Ticket texts of about 200, 1,000 and 2,000 characters (within 15%) are sampled from ../shared/data/*.jsonl (read
by path, never copied). Each size gets a warm-up, then requests one after another on one keep-alive connection:
p50/p95/p99 latency as the client sees it, beside the extractor's own time for the same texts in this process.
Then 50 requests at once (50 connections): all must succeed; the wall time and their latencies. Acceptance:
p95 < 100 ms up to 2,000 characters (exit code 1 otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
JOURNEY = str(Path(sys.executable).with_name("journey"))
SIZES = (200, 1000, 2000)
TOLERANCE = 0.15
WARM_UP = 30
CONCURRENT = 50
BUDGET_P95_MS = 100.0


def sample_texts(data: Path, size: int, n: int, rng: random.Random) -> list[str]:
    """n texts of size +-15% characters from every data file that has some (language mixed as the files are)."""
    low, high = size * (1 - TOLERANCE), size * (1 + TOLERANCE)
    found: list[str] = []
    for path in sorted(data.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                text = json.loads(line).get("text")
                if isinstance(text, str) and low <= len(text) <= high:
                    found.append(text)
    if not found:
        sys.exit(f"no texts of about {size} characters in {data}")
    return [found[rng.randrange(len(found))] for _ in range(n)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def start_server(cwd: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([JOURNEY, "serve", "--port", "0", "--no-access-log", "--reviewed", str(cwd / "r.jsonl"),
                             "--store", str(cwd / "no-store")], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline() if proc.stderr else ""
    found = re.search(r"journey serve: (http://\S+/)", line)
    if not found:
        proc.kill()
        sys.exit(f"journey serve did not start: {line}")
    threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()  # keep the pipe drained
    url = found.group(1)
    deadline = time.monotonic() + 60
    with httpx.Client(trust_env=False) as client:
        while time.monotonic() < deadline:
            try:
                if client.get(url + "healthz").status_code == 200:
                    return proc, url
            except httpx.TransportError:
                time.sleep(0.05)
    proc.kill()
    sys.exit("journey serve did not answer /healthz within 60 s")


def timed_post(client: httpx.Client, text: str) -> float:
    started = time.perf_counter()
    response = client.post("/api/label", json={"text": text})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        sys.exit(f"POST /api/label answered {response.status_code}: {response.text[:200]}")
    return elapsed * 1000


def in_process_ms(texts: list[str]) -> list[float]:
    """The extractor alone (language detection and rules), for the same texts: what HTTP adds is the rest."""
    from extractor.extractors import make_extractor
    from extractor.pipeline import label_item
    from extractor.serve.labeller import feedback_item
    from extractor.taxonomy import default_taxonomy

    engine = make_extractor("rules", default_taxonomy())
    engine.warm_up()
    times = []
    for text in texts:
        started = time.perf_counter()
        label_item(engine, feedback_item(text))
        times.append((time.perf_counter() - started) * 1000)
    return times


def concurrent_burst(url: str, texts: list[str]) -> tuple[float, list[float], list[int]]:
    """len(texts) requests released together, one connection each: wall ms, latencies, status codes."""
    gate = threading.Barrier(len(texts) + 1)
    clients = [httpx.Client(base_url=url, trust_env=False, timeout=60) for _ in texts]
    for client in clients:
        client.get("/healthz")  # connect first: the burst measures labelling, not TCP set-up

    def post(pair: tuple[httpx.Client, str]) -> tuple[float, int]:
        client, text = pair
        gate.wait()
        started = time.perf_counter()
        status = client.post("/api/label", json={"text": text}).status_code
        return (time.perf_counter() - started) * 1000, status

    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        futures = [pool.submit(post, pair) for pair in zip(clients, texts)]
        gate.wait()
        started = time.perf_counter()
        results = [f.result() for f in futures]
        wall = (time.perf_counter() - started) * 1000
    for client in clients:
        client.close()
    return wall, [ms for ms, _ in results], [status for _, status in results]


def reference_loop_seconds() -> float:
    """Seconds for a fixed pure-Python loop: how fast this (shared) machine was while the benchmark ran."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return round(time.perf_counter() - started, 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--requests", type=int, default=300, help="timed requests per text size")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    data = Path(args.data)
    texts = {size: sample_texts(data, size, args.requests + WARM_UP, rng) for size in SIZES}
    reference = [reference_loop_seconds()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(Path(tmp))
        try:
            with httpx.Client(base_url=url, trust_env=False, timeout=60) as client:
                for size in SIZES:
                    for text in texts[size][:WARM_UP]:
                        timed_post(client, text)
                    timed = texts[size][WARM_UP:]
                    latencies = [timed_post(client, text) for text in timed]
                    alone = in_process_ms(timed)
                    rows.append({"chars": size, "mean_chars": round(statistics.mean(map(len, timed))),
                                 "requests": len(latencies), "p50_ms": percentile(latencies, 50),
                                 "p95_ms": percentile(latencies, 95), "p99_ms": percentile(latencies, 99),
                                 "max_ms": max(latencies), "extractor_p50_ms": percentile(alone, 50),
                                 "extractor_p95_ms": percentile(alone, 95)})
            burst_texts = texts[1000][:CONCURRENT]
            wall, burst, statuses = concurrent_burst(url, burst_texts)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    reference.append(reference_loop_seconds())
    print(f"POST /api/label, rules extractor, one connection, after {WARM_UP} warm-up requests per size")
    print(f"{'chars':>6} {'mean':>6} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'extractor p50':>14} {'p95':>6}")
    for r in rows:
        print(f"{r['chars']:6,} {r['mean_chars']:6,} {r['requests']:9,} {r['p50_ms']:8.2f} {r['p95_ms']:8.2f} "
              f"{r['p99_ms']:8.2f} {r['max_ms']:8.2f} {r['extractor_p50_ms']:14.2f} {r['extractor_p95_ms']:6.2f}")
    ok = sum(1 for s in statuses if s == 200)
    print(f"{CONCURRENT} requests at once (~1,000 chars, {CONCURRENT} connections): {ok}/{len(statuses)} succeeded, "
          f"wall {wall:.0f} ms, latency p50 {percentile(burst, 50):.0f} ms, p95 {percentile(burst, 95):.0f} ms, "
          f"max {max(burst):.0f} ms")
    worst = max(r["p95_ms"] for r in rows)
    passed = worst < BUDGET_P95_MS and ok == len(statuses)
    print(f"acceptance: p95 < {BUDGET_P95_MS:.0f} ms up to 2,000 chars and every concurrent request succeeds: "
          f"{'PASS' if passed else 'FAIL'} (worst p95 {worst:.2f} ms)")
    print(f"machine: {os.cpu_count()} cores (client and server share them), python {sys.version.split()[0]}; "
          f"reference loop (10M additions) {reference[0]} s before, {reference[1]} s after")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"label": rows, "concurrent": {
            "requests": len(statuses), "succeeded": ok, "wall_ms": round(wall, 1),
            "p50_ms": percentile(burst, 50), "p95_ms": percentile(burst, 95)}, "reference_loop_s": reference},
            indent=2))
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
