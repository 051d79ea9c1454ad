"""Benchmark the learned extractor in-process, split into its parts, to see where its time goes.

    .venv/bin/python benchmarks/bench_learned.py [--learned-model DIR] [--items 20000] [--batch 256]
        [--repeat 2] [--json FILE] [--records FILE]

Reads a sample of ../shared/data (the first `--items` items, taken round-robin from every file so each source
and language is in it), detects their languages, then runs `LearnedExtractor.extract_many` over batches of
`--batch` items `--repeat` times (the best pass counts), and times, the same way again, each of its steps on
its own: the rules pass (`analyse` + `fields_from`), building the model's docs, the classifiers' predict (all
learned fields) and building the records. The parts are timed over what the step before produced, so they add
up to about the whole. Reading and language detection are not timed. `--records FILE` writes the records' JSON
(to compare two checkouts: the same records before and after a change). The package is imported as installed
or from PYTHONPATH, never from this file's checkout. Prints a reference loop timing (the machine's speed swings).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from extractor.extractors import make_extractor
from extractor.extractors.learned.features import item_doc
from extractor.extractors.learned.model import SHIPPED_MODEL
from extractor.ingest import open_readers
from extractor.ingest.options import ReadOptions
from extractor.pipeline import batches, with_language
from extractor.schema import FeedbackItem
from extractor.taxonomy import default_taxonomy

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def sample(files: Sequence[Path], n: int) -> list[FeedbackItem]:
    """The first `n` items, taken in turn from each file, their languages detected."""
    readers = [(row for row in reader if isinstance(row, FeedbackItem)) for reader in open_readers(files, ReadOptions())]
    taken = itertools.islice((item for group in itertools.zip_longest(*readers) for item in group if item), n)
    return [with_language(item) for item in taken]


def best_of(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of `repeat` runs of `work` (seconds) and what the last run returned."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def reference_loop_seconds() -> float:
    """Seconds for a fixed pure-Python loop (lower: the machine was faster), as bench_extract.py prints."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return round(time.perf_counter() - started, 2)


def time_parts(learned: Any, groups: list[list[FeedbackItem]], repeat: int) -> dict[str, float]:
    """Seconds (best of `repeat`) of each step of `extract_many`, over every batch."""
    rules, model = learned.rules, learned.model
    parts: dict[str, float] = {}
    parts["rules pass"], passes = best_of(repeat, lambda: [
        [(an, rules.fields_from(item, an)) for item, an in ((i, rules.analyse(i.text, i.lang)) for i in g)]
        for g in groups])
    parts["building docs"], docs = best_of(repeat, lambda: [
        [item_doc(model.vocab, i.text, an, r, i.source, i.lang) for i, (an, r) in zip(g, p)]
        for g, p in zip(groups, passes)])
    parts["classifiers' predict"], predictions = best_of(repeat, lambda: [
        model.predict(d, [r for _, r in p]) for d, p in zip(docs, passes)])
    parts["building records"], _ = best_of(repeat, lambda: [
        [learned.record_from(i, an, r, pr) for i, (an, r), pr in zip(g, p, prs)]
        for g, p, prs in zip(groups, passes, predictions)])
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--learned-model", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--records", type=Path, help="write the records' JSON Lines here")
    args = parser.parse_args()
    files = sorted(args.data.glob("*.jsonl"))
    if not files:
        sys.exit(f"no *.jsonl files in {args.data}")
    reference = [reference_loop_seconds()]
    items = sample(files, args.items)
    learned = make_extractor("learned", default_taxonomy(), learned_model=args.learned_model)
    learned.warm_up()
    groups = list(batches(items, args.batch))
    learned.extract_many(groups[0])  # first-use costs (cue indexes, spaCy's lazy parts) are not timed
    whole, records = best_of(args.repeat, lambda: [r for g in groups for r in learned.extract_many(g)])
    parts = time_parts(learned, groups, args.repeat)
    reference.append(reference_loop_seconds())
    if args.records:
        args.records.write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    n = len(items)
    print(f"{n:,} items of {len(files)} files, batches of {args.batch}, model {learned.model.card.id} "
          f"({', '.join(learned.model.card.fields)}); best of {args.repeat}")
    print(f"{'part':24} {'seconds':>8} {'share':>6} {'items/s':>9}")
    for name, seconds in [*parts.items(), ("sum of the parts", sum(parts.values())), ("extract_many", whole)]:
        print(f"{name:24} {seconds:8.2f} {seconds / whole:6.0%} {n / seconds:9,.0f}")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; reference loop (10M additions) "
          f"{reference[0]} s before, {reference[1]} s after")
    if args.json:
        args.json.write_text(json.dumps({
            "items": n, "batch": args.batch, "model": learned.model.card.id, "repeat": args.repeat,
            "extract_many_s": round(whole, 3), "items_per_s": round(n / whole),
            "parts_s": {k: round(v, 3) for k, v in parts.items()}, "reference_loop_s": reference}, indent=2) + "\n",
            encoding="utf-8")


if __name__ == "__main__":
    main()
