"""Benchmark the Chroma feedback store: ingest speed, memory, filtered search latency and recall, embedded and
against a server.

    .venv/bin/python benchmarks/bench_store.py [--data ../shared/data] [--sizes 10000 100000]
        [--modes embedded server] [--queries 200] [--recall-queries 50] [--seed 7] [--json [FILE]]

The customer-feedback texts of the data folder (every *.jsonl except goemotions.jsonl, read with the
project's readers as `journey ingest` reads them) are resampled to each size, as a stream: shuffled once with the
seed (so every size has the same mix of files and languages), then cycled, each repeated copy with a distinct
item id (`{id}#r{n}`), so every resampled item is a new store entry.
For each mode and size, in a fresh store (embedded: a new folder; server: a new `chroma run` process):
- ingest: `FeedbackStore.ingest` from the stream, end to end (hashing embedding, id checks, writes), with the
  peak memory (RSS of this process and its children, sampled every 0.2 s); reading the files is timed once;
- labels: the rules extractor's labels of each distinct text (computed once, untimed) written onto every item
  with `FeedbackStore.update_labels`, as `journey extract --to-store` does (timed apart from ingest);
- search: queries (the first 60 characters of texts sampled from the data with a fixed seed), timed one
  by one through `FeedbackStore.search` (embedding the query included), unfiltered and with each of several
  single filters: both languages, and for stage, emotion, touchpoint and pain point the most frequent value
  and the one nearest a 2% share. A language filter is searched with queries in that language (sampled from
  its items: an analyst filtering Polish items searches in Polish); the other searches with queries sampled
  from every item (72% English). One more row, outside the budgets, searches Polish items with those mixed
  queries: with the offline hashing embedding an English query shares only journey concepts with Polish
  texts, so its neighbours there are near ties. The report names the filter with the worst p95;
- recall@10: the first --recall-queries queries of each row against brute force over every stored vector
  (same filter), streamed in batches;
- the first search's time (it builds the column copy of the vectors, see extractor/store/scan.py; on a server it
  first copies the collection into the client's cache, see extractor/store/mirror.py, as a new client's first
  search does) and this process's memory after the timed searches. On a server, the timed searches include the
  copy's syncs with the server (at most one a second).
Budgets (DESIGN.md, issue 20): ingest at least 2,500 items/s (embedded, offline embedding), also at 1M items;
search p95 under 50 ms at 1M items with any single filter (embedded), under 100 ms on a server; recall@10 >= 0.90.
With --json the figures are one JSON object (on stdout, or in FILE) and the table goes to stderr.
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
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.extractors import make_extractor  # noqa: E402
from extractor.ingest import InputError, ReadOptions, open_readers  # noqa: E402
from extractor.schema import FeedbackItem  # noqa: E402
from extractor.store.store import FeedbackStore, filters  # noqa: E402
from extractor.taxonomy import default_taxonomy  # noqa: E402
from tests.processes import stop_process  # noqa: E402

EXCLUDED = {"goemotions.jsonl"}  # Reddit comments, not customer feedback
QUERY_CHARS = 60
WARMUP = 5
K = 10
INGEST_BUDGET = 2500.0  # items/s
P95_BUDGET_MS = {"embedded": 50.0, "server": 100.0}
RECALL_BUDGET = 0.90
RARE_SHARE = 0.02  # the second value timed for each label: the one whose share of the items is nearest this


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


def shuffled(items: list[FeedbackItem], seed: int) -> list[FeedbackItem]:
    order = list(items)
    random.Random(seed).shuffle(order)
    return order


def resample(order: list[FeedbackItem], size: int) -> Iterator[tuple[int, FeedbackItem]]:
    """`size` (position in `order`, item) pairs cycling through `order`, as a stream (nothing kept); the n-th
    repeat of an item gets the id f"{id}#r{n}"."""
    for i in range(size):
        base = order[i % len(order)]
        copy = i // len(order)
        yield i % len(order), (base if copy == 0 else base.model_copy(update={"item_id": f"{base.item_id}#r{copy}"}))


def label_all(order: list[FeedbackItem]) -> tuple[list[dict], float]:
    """The rules extractor's labels of each distinct item (what update_labels writes), and the seconds it took."""
    started = time.perf_counter()
    extractor = make_extractor("rules", default_taxonomy())
    keep = ("stage", "emotion", "sentiment", "moment_of_truth", "touchpoints", "pain_points", "extractor",
            "taxonomy_id", "confidence")
    labels = []
    for item in order:
        record = extractor.extract(item).model_dump()
        labels.append({key: record.get(key) for key in keep})
    extractor.close()
    return labels, time.perf_counter() - started


def pick_filters(order: list[FeedbackItem], labels: list[dict]) -> list[dict[str, Any]]:
    """Single filters to time: both languages, and per label the most frequent value and the one nearest RARE_SHARE."""
    chosen = [{"lang": lang} for lang, _ in Counter(item.lang for item in order).most_common(2) if lang]
    kinds = {"stage": Counter(r["stage"] for r in labels), "emotion": Counter(r["emotion"] for r in labels),
             "touchpoint": Counter(tp for r in labels for tp in r["touchpoints"] or ()),
             "pain_point": Counter(pp for r in labels for pp in r["pain_points"] or ())}
    for kind, counts in kinds.items():
        if not counts:
            continue
        common = counts.most_common(1)[0][0]
        rare = min(counts, key=lambda v: (abs(counts[v] / len(labels) - RARE_SHARE), v))
        for value in dict.fromkeys([common, rare]):
            chosen.append(filters(**{kind: value}) or {})
    return chosen


def pick_queries(items: list[FeedbackItem], n: int, seed: int, lang: str | None = None) -> list[str]:
    """n query texts: the first QUERY_CHARS characters of items sampled with the seed (of one language if given)."""
    rng = random.Random(seed)
    candidates = [item.text[:QUERY_CHARS] for item in items
                  if item.text[:QUERY_CHARS].strip() and (lang is None or item.lang == lang)]
    return rng.sample(candidates, min(n, len(candidates)))


def search_rows(items: list[FeedbackItem], wheres: list[dict], n: int, seed: int) -> list[dict[str, Any]]:
    """What each timed row searches: its filter (None: unfiltered), its queries and whether it counts against the
    budgets. A language filter gets queries in its language; every other row the mixed queries."""
    mixed = pick_queries(items, n, seed)
    rows: list[dict[str, Any]] = [{"filter": None, "queries": "all", "texts": mixed, "budget": True}]
    for where in wheres:
        lang = where.get("lang") if len(where) == 1 else None
        texts = pick_queries(items, n, seed, lang) if lang else mixed
        rows.append({"filter": where, "queries": lang or "all", "texts": texts, "budget": True})
    rows += [{"filter": where, "queries": "all", "texts": mixed, "budget": False} for where in wheres
             if len(where) == 1 and where.get("lang") not in (None, "en")]
    return rows


# -- measuring -----------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


class PeakMemory:
    """Samples the summed memory (RSS, or what `measure` says) of this process and its children in a thread while
    running (a `with` block), and this process's own RSS."""

    def __init__(self, interval: float = 0.2, measure: Callable[[int], float] | None = None):
        self.interval, self.peak_mb, self.peak_own_mb = interval, 0.0, 0.0
        self.measure = measure or rss_mb
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            own = rss_mb(os.getpid())
            children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
            kids = children.read_text().split() if children.exists() else []
            self.peak_own_mb = max(self.peak_own_mb, own)
            self.peak_mb = max(self.peak_mb, sum(self.measure(pid) for pid in [os.getpid(), *map(int, kids)]))


def proc_mb(pid: int, name: str = "status", key: str = "VmRSS:") -> float:
    """A figure in kB of /proc/PID/NAME, in MB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_mb(pid: int) -> float:
    return proc_mb(pid)


def time_queries(store: FeedbackStore, queries: list[str], where=None) -> dict:
    for query in queries[:WARMUP]:
        store.search(query, K, where)
    latencies, empty = [], 0
    for query in queries:
        started = time.perf_counter()
        hits = store.search(query, K, where)
        latencies.append((time.perf_counter() - started) * 1000)
        empty += not hits
    return {"n": len(latencies), "p50_ms": round(percentile(latencies, 0.5), 2),
            "p95_ms": round(percentile(latencies, 0.95), 2), "max_ms": round(max(latencies), 2),
            "no_hits": empty}


def brute_force(store: FeedbackStore, rows: list[tuple[dict | None, list[str]]]) -> list[list[np.ndarray]]:
    """[row][query] -> the similarities of the K most similar stored items matching the row's filter, best first,
    over every vector (one pass over the store for every row)."""
    texts = list(dict.fromkeys(text for _, queries in rows for text in queries))
    at = {text: j for j, text in enumerate(texts)}
    q = np.asarray(store.embedding(texts), dtype=np.float32)
    q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    best = [[np.empty(0, dtype=np.float32) for _ in queries] for _, queries in rows]
    for _, vectors, metas in store.iter_vectors():
        m = np.asarray(vectors, dtype=np.float32)
        m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
        scores = q @ m.T
        for r, (where, queries) in enumerate(rows):
            keep = [j for j, md in enumerate(metas) if all(md.get(key) == value for key, value in (where or {}).items())]
            if not keep:
                continue
            sub = scores[[at[text] for text in queries]][:, keep]
            top = -np.sort(-sub, axis=1)[:, :K]
            for qi in range(len(queries)):
                best[r][qi] = -np.sort(-np.concatenate([best[r][qi], top[qi]]))[:K]
    return best


def recall(store: FeedbackStore, rows: list[tuple[dict | None, list[str]]]) -> list[float]:
    """recall@K of the store's search against brute force, per (filter, queries) row: a hit counts when it is as
    similar as the K-th exact neighbour (items with the same text tie, and any of them is right)."""
    truth = brute_force(store, rows)
    out = []
    for r, (where, queries) in enumerate(rows):
        found = total = 0
        for qi, query in enumerate(queries):
            exact = truth[r][qi]
            if len(exact):
                hits = store.search(query, K, where)
                found += min(len(exact), sum(h.score >= float(exact[-1]) - 1e-5 for h in hits))
            total += len(exact)
        out.append(round(found / total, 4) if total else float("nan"))
    return out


def run_one(mode: str, size: int, order: list[FeedbackItem], labels: list[dict], rows: list[dict[str, Any]],
            workdir: Path, recall_n: int) -> dict:
    polish = sum(order[i % len(order)].lang == "pl" for i in range(size))
    server = None
    folder = workdir / f"{mode}-{size}"
    try:
        if mode == "server":
            server, url = start_chroma_server(folder)
            os.environ["JOURNEY_CACHE"] = str(folder / "client-cache")  # the client's local copy (mirror.py)
            store = FeedbackStore.open(url=url, collection=f"bench-{uuid.uuid4().hex[:8]}")
        else:
            store = FeedbackStore.open(path=folder / "store")
        with PeakMemory() as memory:
            started = time.perf_counter()
            stats = store.ingest(item for _, item in resample(order, size))
            seconds = time.perf_counter() - started
        started = time.perf_counter()
        store.update_labels((item, labels[j]) for j, item in resample(order, size))
        label_s = time.perf_counter() - started
        count = store.count()
        started = time.perf_counter()
        store.search(rows[0]["texts"][0], K)  # the first search builds what the store keeps for searching
        first_s = time.perf_counter() - started
        searches = [dict(time_queries(store, row["texts"], row["filter"]), filter=row["filter"],
                         queries=row["queries"], budget=row["budget"]) for row in rows]
        search_rss = rss_mb(os.getpid())
        recalls = recall(store, [(row["filter"], row["texts"][:recall_n]) for row in rows]) if recall_n else []
    finally:
        if server is not None:
            stop_chroma_server(server)
        shutil.rmtree(folder, ignore_errors=True)
    for search, value in zip(searches, recalls):
        search["recall_at_10"] = value
    filtered = searches[1:]
    budgeted = [s for s in searches if s["budget"]]
    worst = max((s for s in budgeted if s["filter"]), key=lambda s: s["p95_ms"], default=None)
    return {"mode": mode, "size": size, "polish_items": polish, "added": stats.added, "present": stats.present,
            "count": count, "batches": stats.batches, "ingest_s": round(seconds, 2),
            "ingest_items_per_s": round(stats.added / seconds), "ingest_peak_rss_mb": round(memory.peak_mb, 1),
            "ingest_peak_rss_main_mb": round(memory.peak_own_mb, 1), "label_s": round(label_s, 2),
            "first_search_s": round(first_s, 2), "search_rss_mb": round(search_rss, 1),
            "search": searches[0], "filtered": filtered,
            "worst_filtered": worst and {"filter": worst["filter"], "p95_ms": worst["p95_ms"]},
            "min_recall_at_10": min(s["recall_at_10"] for s in budgeted) if recalls else None}


def describe(where: dict | None, queries: str = "all", budget: bool = True) -> str:
    text = ",".join(f"{k}={v}" for k, v in (where or {}).items()) or "(none)"
    if not budget:
        return text + " (mixed queries, not budgeted)"
    return text + (f" ({queries} queries)" if queries != "all" else "")


def table(read: dict, results: list[dict]) -> str:
    lines = [f"read {read['items']:,} distinct (id, text) items from {len(read['files'])} files in {read['seconds']:.2f} s "
             f"({read['items_per_s']:,} rows/s; {read['bad_rows']} bad rows, {read['duplicates']} duplicate rows)", ""]
    for r in results:
        lines += [f"{r['mode']} {r['size']:,}: ingest {r['ingest_s']:.1f} s, {r['ingest_items_per_s']:,} items/s, "
                  f"peak RSS {r['ingest_peak_rss_mb']:,.0f} MB ({r['ingest_peak_rss_main_mb']:,.0f} MB this process); "
                  f"labels written in {r['label_s']:.1f} s; first search {r['first_search_s']:.1f} s, "
                  f"RSS after searching {r['search_rss_mb']:,.0f} MB",
                  f"  {'filter':<46}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'recall':>8}{'no hits':>9}"]
        for s in [r["search"], *r["filtered"]]:
            rec = s.get("recall_at_10")
            lines.append(f"  {describe(s['filter'], s.get('queries', 'all'), s.get('budget', True)):<46}{s['p50_ms']:>8.1f}{s['p95_ms']:>8.1f}{s['max_ms']:>8.1f}"
                         f"{'' if rec is None else f'{rec:.3f}':>8}{s['no_hits']:>9}")
        budget = P95_BUDGET_MS[r["mode"]]
        checks = [f"ingest {'meets' if r['ingest_items_per_s'] >= INGEST_BUDGET else 'MISSES'} {INGEST_BUDGET:,.0f}/s"]
        if r["worst_filtered"]:
            p95 = r["worst_filtered"]["p95_ms"]
            checks.append(f"worst filtered p95 {p95:.1f} ms ({describe(r['worst_filtered']['filter'])}) "
                          f"{'within' if p95 < budget else 'OVER'} {budget:.0f} ms")
        if r["min_recall_at_10"] is not None:
            checks.append(f"lowest recall@10 {r['min_recall_at_10']:.3f} "
                          f"{'meets' if r['min_recall_at_10'] >= RECALL_BUDGET else 'MISSES'} {RECALL_BUDGET}")
        lines += [f"  {'; '.join(checks)}", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--modes", nargs="+", choices=["embedded", "server"], default=["embedded", "server"])
    parser.add_argument("--queries", type=int, default=200, help="timed queries per filter")
    parser.add_argument("--recall-queries", type=int, default=50, help="queries checked against brute force (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", nargs="?", const="-", metavar="FILE",
                        help="print the figures as one JSON object on stdout (or write it to FILE); the table "
                             "goes to stderr")
    args = parser.parse_args()

    base, read = read_items(args.data)
    order = shuffled(base, args.seed)
    print(f"labelling {len(order):,} distinct items with the rules extractor ...", file=sys.stderr, flush=True)
    labels, label_seconds = label_all(order)
    rows = search_rows(base, pick_filters(order, labels), args.queries, args.seed)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        for mode in args.modes:
            for size in args.sizes:
                print(f"{mode} {size:,} ...", file=sys.stderr, flush=True)
                results.append(run_one(mode, size, order, labels, rows, Path(tmp), args.recall_queries))
    print(table(read, results), file=sys.stderr if args.json else sys.stdout, flush=True)
    if args.json:
        import chromadb

        report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                              "chromadb": chromadb.__version__, "load_avg": os.getloadavg()},
                  "queries": {"n": args.queries, "chars": QUERY_CHARS, "seed": args.seed, "k": K, "warmup": WARMUP,
                              "recall_queries": args.recall_queries},
                  "budgets": {"ingest_items_per_s": INGEST_BUDGET, "filtered_p95_ms": P95_BUDGET_MS,
                              "recall_at_10": RECALL_BUDGET},
                  "read": read, "labelling_s": round(label_seconds, 2), "results": results}
        text = json.dumps(report, indent=2)
        if args.json == "-":
            print(text, flush=True)
        else:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
