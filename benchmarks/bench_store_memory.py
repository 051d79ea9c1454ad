"""Does ingest memory grow with the collection beyond Chroma's own index? Ingest the same resampled items twice,
into fresh embedded stores, and sample the resident memory as the collection grows:

- `chroma`: Chroma alone, given what an embedded store gives it (ids and vectors of the offline hashing embedding,
  one collection per language, the store's HNSW settings, batches of 5,000), embedding in the same process;
- `store`: `FeedbackStore.ingest` end to end (item table, vector file, the embedding worker process).

    .venv/bin/python benchmarks/bench_store_memory.py [--size 1000000] [--every 250000] [--json [FILE]]

Each run is a process of its own (so neither inherits the other's memory). Its memory is the proportional set size
(PSS: resident pages, a page shared between processes counted once in all) of that process and its children (the
store's embedding worker is forked, and RSS would count the pages it shares with its parent twice), sampled every
0.2 s; each checkpoint reports the peak since the start, with the RSS of the main process alone. The difference between the two runs at each checkpoint is what the store adds
to Chroma's own memory: it should stay flat as the collection grows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_store import PeakMemory, proc_mb, read_items, resample, shuffled  # noqa: E402

from extractor.store.embedding import HashingEmbedding  # noqa: E402
from extractor.store.items import part_of  # noqa: E402
from extractor.store.store import HNSW, MAX_BATCH, FeedbackStore, content_id, item_metadata  # noqa: E402


def pss_mb(pid: int) -> float:
    return proc_mb(pid, "smaps_rollup", "Pss:")


def chroma_alone(folder: Path, items, size: int, every: int, memory: PeakMemory) -> list[dict]:
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(folder), settings=Settings(anonymized_telemetry=False))
    embedding = HashingEmbedding()
    collections: dict[str, object] = {}
    points, batch, done, started = [], [], 0, time.perf_counter()

    def flush() -> None:
        vectors = np.asarray(embedding([item.text for item in batch]), dtype=np.float32)
        groups: dict[str, list[int]] = {}
        for j, item in enumerate(batch):
            groups.setdefault(part_of(item_metadata(item)), []).append(j)
        for part, at in groups.items():
            if part not in collections:
                collections[part] = client.create_collection(f"alone.{part}", configuration={"hnsw": dict(HNSW)})
            collections[part].add(ids=[content_id(batch[j].item_id, batch[j].text) for j in at],
                                  embeddings=vectors[at])

    for _, item in resample(items, size):
        batch.append(item)
        if len(batch) == MAX_BATCH:
            flush()
            done += len(batch)
            batch = []
            if done % every == 0:
                points.append(point(done, started, memory))
    if batch:
        flush()
        done += len(batch)
    if not points or points[-1]["items"] != done:
        points.append(point(done, started, memory))
    return points


def store_ingest(folder: Path, items, size: int, every: int, memory: PeakMemory) -> list[dict]:
    store = FeedbackStore.open(path=folder)
    points, started = [], time.perf_counter()
    marks = iter(range(every, size + every, every))
    mark = next(marks)

    def progress(read: int) -> None:
        nonlocal mark
        if read >= mark:
            points.append(point(read, started, memory))
            mark = next(marks, size * 10)

    store.ingest((item for _, item in resample(items, size)), progress=progress)
    if not points or points[-1]["items"] != size:
        points.append(point(size, started, memory))
    return points


def point(items: int, started: float, memory: PeakMemory) -> dict:
    return {"items": items, "seconds": round(time.perf_counter() - started, 1),
            "peak_pss_mb": round(memory.peak_mb, 1), "peak_rss_main_mb": round(memory.peak_own_mb, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=250_000, help="a checkpoint every this many items (a multiple "
                                                                   "of 5,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", nargs="?", const="-", metavar="FILE", help="one JSON object on stdout (or FILE)")
    parser.add_argument("--run", choices=["chroma", "store"], help=argparse.SUPPRESS)  # one run, in its own process
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.every % MAX_BATCH:
        parser.error(f"--every must be a multiple of {MAX_BATCH:,}")
    if args.run:
        base, _ = read_items(args.data)
        order = shuffled(base, args.seed)
        with PeakMemory(measure=pss_mb) as memory:
            run = chroma_alone if args.run == "chroma" else store_ingest
            print(json.dumps(run(args.folder, order, args.size, args.every, memory)))
        return
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench-store-memory-") as tmp:
        for name in ("chroma", "store"):
            print(f"{name}: {args.size:,} items ...", file=sys.stderr, flush=True)
            folder = Path(tmp) / name
            result = subprocess.run([sys.executable, __file__, "--run", name, "--folder", str(folder), "--data",
                                     str(args.data), "--size", str(args.size), "--every", str(args.every),
                                     "--seed", str(args.seed)], capture_output=True, text=True)
            if result.returncode:
                raise SystemExit(f"the {name} run failed:\n{result.stderr[-3000:]}")
            runs[name] = json.loads(result.stdout.strip().splitlines()[-1])
            shutil.rmtree(folder, ignore_errors=True)
    rows = []
    for alone, ours in zip(runs["chroma"], runs["store"]):
        rows.append({"items": alone["items"], "chroma_peak_pss_mb": alone["peak_pss_mb"],
                     "store_peak_pss_mb": ours["peak_pss_mb"], "store_peak_rss_main_mb": ours["peak_rss_main_mb"],
                     "store_extra_mb": round(ours["peak_pss_mb"] - alone["peak_pss_mb"], 1),
                     "chroma_s": alone["seconds"], "store_s": ours["seconds"]})
    lines = [f"{'items':>10}{'chroma MB':>11}{'store MB':>10}{'main RSS':>10}{'extra MB':>10}{'chroma s':>10}"
             f"{'store s':>9}"]
    lines += [f"{r['items']:>10,}{r['chroma_peak_pss_mb']:>11,.0f}{r['store_peak_pss_mb']:>10,.0f}"
              f"{r['store_peak_rss_main_mb']:>10,.0f}{r['store_extra_mb']:>10,.0f}{r['chroma_s']:>10.0f}{r['store_s']:>9.0f}"
              for r in rows]
    print("\n".join(lines), file=sys.stderr if args.json else sys.stdout, flush=True)
    if args.json:
        import chromadb

        report = {"machine": {"cpus": os.cpu_count(), "chromadb": chromadb.__version__, "load_avg": os.getloadavg()},
                  "size": args.size, "seed": args.seed, "runs": runs, "rows": rows}
        text = json.dumps(report, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
