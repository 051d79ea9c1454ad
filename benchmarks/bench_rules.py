"""Benchmark the rules extractor in-process: items read once, then labelled N times; the best pass counts.

    .venv/bin/python benchmarks/bench_rules.py [FILES...] [--repeat 3] [--json FILE]

Steadier than `bench_extract.py` (no subprocesses, no workers, no writing) for comparing two versions of the
extractor's own code: run it with each version on PYTHONPATH (`PYTHONPATH=OTHER_CHECKOUT`), alternating; the
package is imported as installed or from PYTHONPATH, never from this file's checkout. Default files: the English and Polish
reviews and the airline tweets of ../shared/data (about 30,000 items).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from extractor.extractors import make_extractor
from extractor.ingest import open_readers
from extractor.ingest.options import ReadOptions
from extractor.pipeline import with_language
from extractor.schema import FeedbackItem
from extractor.taxonomy import default_taxonomy

ROOT = Path(__file__).resolve().parent.parent

DATA = ROOT.parent / "shared" / "data"
DEFAULT = ("amazon_reviews_misc.jsonl", "polemo2_pl.jsonl", "airline_tweets.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    files = args.files or [DATA / name for name in DEFAULT]
    started = time.perf_counter()
    items = [with_language(row) for reader in open_readers(files, ReadOptions()) for row in reader
             if isinstance(row, FeedbackItem)]
    read = time.perf_counter() - started
    rules = make_extractor("rules", default_taxonomy())
    rules.warm_up()
    passes = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        for item in items:
            rules.record_json(item)
        passes.append(time.perf_counter() - started)
    best = min(passes)
    result = {"items": len(items), "read_and_detect_s": round(read, 3), "label_best_s": round(best, 3),
              "items_per_s": round(len(items) / best), "passes_s": [round(p, 3) for p in passes]}
    print(f"{result['items']:,} items: read and language {read:.2f} s; labelled in {best:.2f} s (best of "
          f"{args.repeat}) = {result['items_per_s']:,} items/s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
