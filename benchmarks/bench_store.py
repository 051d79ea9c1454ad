"""Benchmark the Chroma feedback store: ingest speed and search latency, embedded and against a server.

    .venv/bin/python benchmarks/bench_store.py [--data ../shared/data] [--sizes 10000 100000]
        [--modes embedded server] [--queries 200] [--seed 7] [--json FILE]

The customer-feedback texts of the data folder (every *.jsonl except goemotions.jsonl, read with the
project's readers as `journey ingest` reads them) are resampled to each size: shuffled once with the seed
(so every size has the same mix of files and languages), then cycled, each repeated copy with a distinct
item id (`{id}#r{n}`), so every resampled item is a new store entry.
For each mode and size, in a fresh store (embedded: a new folder; server: a new `chroma run` process):
- ingest: `FeedbackStore.ingest` from the items in memory, end to end (hashing embedding, id checks,
  writes); reading the files is timed once, separately;
- search: queries (the first 60 characters of texts sampled from the data with a fixed seed), timed one
  by one through `FeedbackStore.search` (embedding the query included), then the same queries with a
  filter (lang="pl"); a few untimed queries warm the store up first.
Budgets (DESIGN.md): ingest at least 2,000 items/s (embedded, offline embedding); search p95 under 50 ms at
100k items. The language filter (28% of the items, and unrelated to most queries, which are mostly English) is
the hard case for filtered search and is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.ingest import InputError, ReadOptions, open_readers  # noqa: E402
from extractor.schema import FeedbackItem  # noqa: E402
from extractor.store.store import FeedbackStore, filters  # noqa: E402
from tests.processes import stop_process  # noqa: E402

EXCLUDED = {"goemotions.jsonl"}  # Reddit comments, not customer feedback
QUERY_CHARS = 60
WARMUP = 5
INGEST_BUDGET = 2000.0  # items/s
P95_BUDGET_MS, P95_BUDGET_SIZE = 50.0, 100_000


# -- a Chroma server of our own ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _heartbeat(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/api/v2/heartbeat", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_chroma_server(path: Path, timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """`chroma run` (the executable beside this Python) on a free loopback port; (process, URL) once it answers."""
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        raise SystemExit(f"server mode needs the `chroma` executable beside {sys.executable}")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    path.mkdir(parents=True, exist_ok=True)
    log_path = path / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(exe), "run", "--path", str(path / "data"), "--host", "127.0.0.1",
                                 "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not _heartbeat(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_chroma_server(proc)
            output = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise SystemExit(f"`chroma run` did not come up at {url} (exit code {proc.returncode}):\n{output}")
        time.sleep(0.2)
    return proc, url


def stop_chroma_server(proc: subprocess.Popen) -> None:
    stop_process(proc)


# -- data ----------------------------------------------------------------------------------------------------


def read_items(data: Path) -> tuple[list[FeedbackItem], dict]:
    """The distinct (id, text) feedback items of the data folder, and how reading went."""
    files = sorted(p for p in data.glob("*.jsonl") if p.name not in EXCLUDED)
    if not files:
        raise SystemExit(f"no *.jsonl files in {data}")
    started = time.perf_counter()
    items: list[FeedbackItem] = []
    seen: set[tuple[str, str]] = set()
    bad = duplicates = 0
    for reader in open_readers([str(p) for p in files], ReadOptions()):
        for row in reader:
            if isinstance(row, InputError):
                bad += 1
            elif (row.item_id, row.text) in seen:
                duplicates += 1
            else:
                seen.add((row.item_id, row.text))
                items.append(row)
    seconds = time.perf_counter() - started
    return items, {"files": [p.name for p in files], "items": len(items), "bad_rows": bad,
                   "duplicates": duplicates, "seconds": round(seconds, 3),
                   "items_per_s": round((len(items) + bad + duplicates) / seconds)}


def resample(items: list[FeedbackItem], size: int, seed: int) -> list[FeedbackItem]:
    """`size` items cycling through `items` in one shuffled order (so that every size has the same mix of
    files and languages); the n-th repeat of an item gets the id f"{id}#r{n}"."""
    order = list(items)
    random.Random(seed).shuffle(order)
    out = []
    for i in range(size):
        base = order[i % len(order)]
        copy = i // len(items)
        out.append(base if copy == 0 else base.model_copy(update={"item_id": f"{base.item_id}#r{copy}"}))
    return out


def pick_queries(items: list[FeedbackItem], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    candidates = [item.text[:QUERY_CHARS] for item in items if item.text[:QUERY_CHARS].strip()]
    return rng.sample(candidates, n)


# -- measuring -----------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def time_queries(store: FeedbackStore, queries: list[str], where=None) -> dict:
    for query in queries[:WARMUP]:
        store.search(query, 10, where)
    latencies, empty = [], 0
    for query in queries:
        started = time.perf_counter()
        hits = store.search(query, 10, where)
        latencies.append((time.perf_counter() - started) * 1000)
        empty += not hits
    return {"n": len(latencies), "p50_ms": round(percentile(latencies, 0.5), 2),
            "p95_ms": round(percentile(latencies, 0.95), 2), "max_ms": round(max(latencies), 2),
            "no_hits": empty}


def run_one(mode: str, size: int, base: list[FeedbackItem], queries: list[str], workdir: Path, seed: int) -> dict:
    items = resample(base, size, seed)
    polish = sum(item.lang == "pl" for item in items)
    server = None
    folder = workdir / f"{mode}-{size}"
    try:
        if mode == "server":
            server, url = start_chroma_server(folder)
            store = FeedbackStore.open(url=url, collection=f"bench-{uuid.uuid4().hex[:8]}")
        else:
            store = FeedbackStore.open(path=folder / "store")
        started = time.perf_counter()
        stats = store.ingest(items)
        seconds = time.perf_counter() - started
        count = store.count()
        plain = time_queries(store, queries)
        pl = time_queries(store, queries, filters(lang="pl"))
    finally:
        if server is not None:
            stop_chroma_server(server)
        shutil.rmtree(folder, ignore_errors=True)
    return {"mode": mode, "size": size, "polish_items": polish, "added": stats.added, "present": stats.present, "count": count,
            "batches": stats.batches, "ingest_s": round(seconds, 2), "ingest_items_per_s": round(stats.added / seconds),
            "search": plain, "search_lang_pl": pl}


def table(read: dict, results: list[dict]) -> str:
    lines = [f"read {read['items']:,} distinct (id, text) items from {len(read['files'])} files in {read['seconds']:.2f} s "
             f"({read['items_per_s']:,} rows/s; {read['bad_rows']} bad rows, {read['duplicates']} duplicate rows)",
             "",
             f"{'mode':<9}{'items':>9}{'ingest s':>10}{'items/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}"
             f"{'p50 pl':>8}{'p95 pl':>8}{'max pl':>8}{'pl items':>10}",
             "-" * 95]
    for r in results:
        s, f = r["search"], r["search_lang_pl"]
        lines.append(f"{r['mode']:<9}{r['size']:>9,}{r['ingest_s']:>10.1f}{r['ingest_items_per_s']:>9,}"
                     f"{s['p50_ms']:>8.1f}{s['p95_ms']:>8.1f}{s['max_ms']:>8.1f}"
                     f"{f['p50_ms']:>8.1f}{f['p95_ms']:>8.1f}{f['max_ms']:>8.1f}{r['polish_items']:>10,}")
    lines.append("")
    for r in results:
        checks = [f"ingest {r['ingest_items_per_s']:,} items/s "
                  f"{'meets' if r['ingest_items_per_s'] >= INGEST_BUDGET else 'MISSES'} the {INGEST_BUDGET:,.0f} budget"]
        if r["size"] >= P95_BUDGET_SIZE:
            p95 = r["search"]["p95_ms"]
            checks.append(f"search p95 {p95:.1f} ms {'meets' if p95 < P95_BUDGET_MS else 'MISSES'} the "
                          f"{P95_BUDGET_MS:.0f} ms budget")
            pl = r["search_lang_pl"]["p95_ms"]
            checks.append(f"with the language filter p95 {pl:.1f} ms "
                          f"({'within' if pl < P95_BUDGET_MS else 'over'} {P95_BUDGET_MS:.0f} ms)")
        empty = r["search"]["no_hits"] + r["search_lang_pl"]["no_hits"]
        if empty:
            checks.append(f"{empty} queries found nothing")
        lines.append(f"{r['mode']} {r['size']:,}: " + "; ".join(checks))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--modes", nargs="+", choices=["embedded", "server"], default=["embedded", "server"])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    base, read = read_items(args.data)
    queries = pick_queries(base, args.queries, args.seed)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        for mode in args.modes:
            for size in args.sizes:
                print(f"{mode} {size:,} ...", file=sys.stderr, flush=True)
                results.append(run_one(mode, size, base, queries, Path(tmp), args.seed))
    print(table(read, results), flush=True)
    if args.json:
        import chromadb

        report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                              "chromadb": chromadb.__version__, "load_avg": os.getloadavg()},
                  "queries": {"n": len(queries), "chars": QUERY_CHARS, "seed": args.seed, "k": 10, "warmup": WARMUP},
                  "read": read, "results": results}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
