"""Benchmark the learned extractor in-process, split into its parts, to see where its time goes.

    .venv/bin/python benchmarks/bench_learned.py [--learned-model DIR] [--items 20000] [--batch 256]
        [--repeat 2] [--json FILE] [--records FILE]

Reads a sample of ../shared/data (the first `--items` items, taken round-robin from every file so each source
and language is in it), detects their languages, then runs `LearnedExtractor.records_json` (the batched run's path) over batches of
`--batch` items `--repeat` times (the best pass counts), each pass with a newly loaded extractor as a run starts
(no cache or vocabulary filled by an earlier pass over the same texts), and times, the same way again, each of
its steps on its own: the rules pass (`analyse` + `fields_from`), the words the model reads, the classifiers'
predict (n-gram features and every learned field's scores) and building the records' JSON (with the evidence
of learned labels). The parts are timed over what the step before produced, so they add up to about the whole.
Reading and language detection are not timed. `--records FILE` writes the records' JSON (to compare two
checkouts: the same records before and after a change). The package is imported as installed or from
PYTHONPATH, never from this file's checkout. Prints a reference loop timing (the machine's speed swings).
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

from bench_extract import reference_loop_seconds  # noqa: E402  (this folder is on the path when run as a script)
from extractor.extractors import make_extractor
from extractor.extractors.learned.features import item_words
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
    readers = [(row for row in reader if isinstance(row, FeedbackItem))
               for reader in open_readers(files, ReadOptions())]
    taken = itertools.islice((item for group in itertools.zip_longest(*readers) for item in group if item), n)
    return [with_language(item) for item in taken]


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds `work()` took, and what it returned."""
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def time_parts(learned: Any, groups: list[list[FeedbackItem]]) -> dict[str, float]:
    """Seconds of each step of `records_json`, over every batch, each step over what the one before made."""
    rules, model = learned.rules, learned.model
    parts: dict[str, float] = {}
    parts["rules pass"], passes = timed(lambda: [
        [(an, rules.fields_from(item, an)) for item, an in ((i, rules.analyse(i.text, i.lang)) for i in g)]
        for g in groups])
    parts["the model's words"], texts = timed(lambda: [
        [item_words(i.text, an, r, i.source, i.lang, model.reads_words) for i, (an, r) in zip(g, p)]
        for g, p in zip(groups, passes)])
    parts["classifiers' predict"], predictions = timed(lambda: [
        model.predict(t, [r for _, r in p]) for t, p in zip(texts, passes)])
    parts["building records (JSON)"], _ = timed(lambda: [
        [json.dumps(learned.record_from(i, an, r, pr), ensure_ascii=False, separators=(",", ":"))
         for i, (an, r), pr in zip(g, p, prs)] for g, p, prs in zip(groups, passes, predictions)])
    return parts


def fresh_extractor(model: Path) -> Any:
    """A newly loaded learned extractor, its cue indexes built: each pass starts as a `journey extract` run does
    (the tokenizer's vocabulary learns the words of the texts it sees: a second pass over them is faster)."""
    learned = make_extractor("learned", default_taxonomy(), learned_model=model)
    learned.warm_up()
    return learned


def measure(model: Path, groups: list[list[FeedbackItem]], repeat: int) -> tuple[float, dict[str, float], list]:
    """Best of `repeat` passes of records_json (a fresh extractor each), best of `repeat` of each part, and the
    records' JSON lines."""
    whole, records = float("inf"), []
    fresh_extractor(model).records_json(groups[0])  # the process's first-use costs (imports, spaCy's lazy parts)
    for _ in range(repeat):
        learned = fresh_extractor(model)
        seconds, records = timed(lambda: [r for g in groups for r in learned.records_json(g)])
        whole = min(whole, seconds)
    parts: dict[str, float] = {}
    for _ in range(repeat):
        for name, seconds in time_parts(fresh_extractor(model), groups).items():
            parts[name] = min(parts.get(name, float("inf")), seconds)
    return whole, parts, records


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
    groups = list(batches(items, args.batch))
    whole, parts, records = measure(args.learned_model, groups, args.repeat)
    card = fresh_extractor(args.learned_model).model.card
    reference.append(reference_loop_seconds())
    if args.records:
        args.records.write_text("".join(r + "\n" for r in records), encoding="utf-8")
    n = len(items)
    print(f"{n:,} items of {len(files)} files, batches of {args.batch}, model {card.id} "
          f"({', '.join(card.fields)}); best of {args.repeat}")
    print(f"{'part':24} {'seconds':>8} {'share':>6} {'items/s':>9}")
    for name, seconds in [*parts.items(), ("sum of the parts", sum(parts.values())), ("records_json", whole)]:
        print(f"{name:24} {seconds:8.2f} {seconds / whole:6.0%} {n / seconds:9,.0f}")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; reference loop (10M additions) "
          f"{reference[0]} s before, {reference[1]} s after")
    if args.json:
        args.json.write_text(json.dumps({
            "items": n, "batch": args.batch, "model": card.id, "repeat": args.repeat,
            "records_json_s": round(whole, 3), "items_per_s": round(n / whole),
            "parts_s": {k: round(v, 3) for k, v in parts.items()}, "reference_loop_s": reference}, indent=2) + "\n",
            encoding="utf-8")


if __name__ == "__main__":
    main()
