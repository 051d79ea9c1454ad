"""The extraction run: readers -> language -> extractor -> JSON Lines, with an errors file and resume."""

from __future__ import annotations

import json
import multiprocessing
from collections import deque
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, TextIO, TypeVar

from .errors import JourneyError, ResumeError
from .extractors import Extractor
from .ingest.items import make_item
from .jsonl import read_json_lines
from .language import detect_language
from .schema import FeedbackItem, JourneyRecord

ProgressFn = Callable[[int], None]
T = TypeVar("T")


@dataclass
class RunStats:
    """Counts of one run; `read` = items and bad rows seen, each ending as a record or an error."""

    read: int = 0
    extracted: int = 0
    errors: int = 0
    skipped: int = 0
    failed: int = 0
    unsent: int = 0
    stopped: str | None = None  # "budget" when --max-cost stopped the run early
    seconds: float = 0.0
    by_file: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, file: str, key: str) -> None:
        counts = self.by_file.setdefault(file, {"extracted": 0, "errors": 0, "skipped": 0})
        counts[key] += 1

    @property
    def items_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


def with_language(item: FeedbackItem) -> FeedbackItem:
    """The item with its language detected when the input did not say."""
    if item.lang is None:
        lang = detect_language(item.text)
        if lang is not None:
            item.lang = lang
    return item


def label_item(extractor: Extractor, item: FeedbackItem) -> JourneyRecord:
    """One item through language detection and the extractor."""
    return extractor.extract(with_language(item))


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in consecutive lists of `size` (the last one may be shorter), read lazily: how every caller hands
    an extractor its items, `extractor.batch_rows` at a time."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def label_batches(extractor: Extractor, items: Iterable[FeedbackItem]
                  ) -> Iterator[list[tuple[FeedbackItem, JourneyRecord | None]]]:
    """Every item, its language detected, through `extractor.extract_many`, a batch of `extractor.batch_rows` at a
    time: each batch's (item, record) pairs in input order; a record is None for an item a cost budget left
    unlabelled."""
    for batch in batches((with_language(item) for item in items), extractor.batch_rows):
        yield list(zip(batch, extractor.extract_many(batch)))


def _repair_tail(path: Path) -> None:
    """Cut a last line left half-written by a killed run, so appending continues on a clean line."""
    with path.open("rb+") as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return
        pos = size
        while pos > 0:
            step = min(65536, pos)
            f.seek(pos - step)
            chunk = f.read(step)
            nl = chunk.rfind(b"\n")
            if nl >= 0:
                cut = pos - step + nl + 1
                if cut != size:
                    f.truncate(cut)
                return
            pos -= step
        f.truncate(0)


def completed_origins(*paths: Path) -> set[str]:
    """Origins ('file:line') already written to records or error files, for --resume."""
    done: set[str] = set()
    for path in paths:
        if not path.exists():
            continue
        _repair_tail(path)
        for n, row in read_json_lines(path, ResumeError):
            if not isinstance(row, dict):
                raise ResumeError(f"{path}:{n}: not a record or error line; cannot resume from this file")
            origin = row.get("origin") if "item_id" in row and "stage" in row else (
                f"{row['file']}:{row.get('line')}" if "file" in row else None)
            if origin is None:
                raise ResumeError(f"{path}:{n}: record has no 'origin'; it was not written by `journey extract`")
            done.add(origin)
    return done


BATCH = 256
_WORKER_EXTRACTOR: Extractor | None = None  # set in the parent before forking workers


LabelledBatch = tuple[str, list[tuple]]
# How a run's batches of tagged rows get labelled, in input order: in this process or forked ones by default,
# or on an engine (engines/spark.py) that applies `label_rows` elsewhere.
Labeller = Callable[[Iterator[list[tuple]]], Iterator[LabelledBatch]]


def _label_batch(batch: list[tuple]) -> LabelledBatch:
    """Worker side: label a batch with the extractor set before forking."""
    return label_rows(_WORKER_EXTRACTOR, batch)


def label_rows(extractor: Extractor, batch: list[tuple]) -> LabelledBatch:
    """Label a batch of tagged rows (`tagged_rows`). Returns the record lines joined (one write, one pickle) and
    one (kind, file, error payload or None) row per input row, in order: what every engine of a run computes."""
    if extractor.batched:
        return _label_many(extractor, batch)
    lines: list[str] = []
    rows: list[tuple] = []
    for row in batch:
        if row[0] != "item":
            rows.append(row)
            continue
        _, file, fields = row
        item = make_item(fields)
        try:
            lines.append(extractor.record_json(with_language(item)))
            rows.append(("record", file, None))
        except Exception as exc:  # noqa: BLE001 - an item must never vanish, even on a bug
            rows.append(("failed", file, {"file": file, "line": _line_of(item.origin), "item_id": item.item_id,
                                          "reason": f"extractor failed: {type(exc).__name__}: {exc}"}))
    return ("\n".join(lines) + "\n" if lines else ""), rows


def _label_many(extractor, batch: list[tuple]) -> tuple[str, list[tuple]]:
    """A batch through an extractor that labels many items at once (the llm extractor: several to a request).
    Items it leaves unlabelled (a cost budget was reached) come back as "unsent" rows: not written, not lost."""
    at = [n for n, row in enumerate(batch) if row[0] == "item"]
    items = [with_language(make_item(batch[n][2])) for n in at]
    try:
        records = extractor.records_json(items)
    except JourneyError:
        raise
    except Exception as exc:  # noqa: BLE001 - an item must never vanish, even on a bug
        records = [exc] * len(items)
    rows = list(batch)
    lines: list[str] = []
    for n, item, record in zip(at, items, records):
        file = batch[n][1]
        if record is None:
            rows[n] = ("unsent", file, None)
        elif isinstance(record, Exception):
            rows[n] = ("failed", file, {"file": file, "line": _line_of(item.origin), "item_id": item.item_id,
                                        "reason": f"extractor failed: {type(record).__name__}: {record}"})
        else:
            lines.append(record)
            rows[n] = ("record", file, None)
    return ("\n".join(lines) + "\n" if lines else ""), rows


def tagged_rows(sources, done: set[str], stats: RunStats, progress: ProgressFn | None) -> Iterator[tuple]:
    """Every input row as (kind, file, payload): an item to label, a bad row to write as an error, or one that
    `done` already holds (skipped); counts what is read and ticks the progress every BATCH rows."""
    for file, rows in sources:
        for row in rows:
            stats.read += 1
            if progress is not None and stats.read % BATCH == 0:
                progress(stats.read)
            if isinstance(row, FeedbackItem):
                yield ("skip", file, None) if row.origin in done else ("item", file, row.__dict__)
            else:
                err = row.to_dict()  # type: ignore[attr-defined]
                seen = f"{err['file']}:{err.get('line')}" in done
                yield ("skip", file, None) if seen else ("error", file, err)


def _bounded_imap(pool, batches: Iterator[list[tuple]], ahead: int) -> Iterator[tuple[str, list[tuple]]]:
    """Pool.imap reads its whole input ahead of the workers; this keeps at most `ahead` batches in flight,
    so memory stays flat in input size, and yields results in input order."""
    pending: deque = deque()
    for batch in batches:
        pending.append(pool.apply_async(_label_batch, (batch,)))
        if len(pending) >= ahead:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def default_workers(total_bytes: int | None) -> int:
    """Two or more processes pay off for big inputs only (each worker loads spaCy and the cues)."""
    if not total_bytes or total_bytes < 4_000_000:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def run_extraction(
    sources: Iterable[tuple[str, Iterable[FeedbackItem | object]]],
    extractor: Extractor,
    out: TextIO,
    errors: TextIO,
    *,
    done: set[str] | None = None,
    progress: ProgressFn | None = None,
    workers: int = 1,
    labeller: Labeller | None = None,
) -> RunStats:
    """Label every item of every source; every input row ends as one record line or one error line.

    `sources` yields (file, iterable of FeedbackItem or error objects with `to_dict()`). Items whose
    origin is in `done` (from an interrupted run) are skipped. With `workers` > 1 the labelling runs
    in forked processes; a `labeller` (an engine such as Spark) labels the batches elsewhere. Either way records
    are written in input order by this process.
    """
    global _WORKER_EXTRACTOR
    stats = RunStats()
    started = time.perf_counter()
    _WORKER_EXTRACTOR = extractor
    rows = batches(tagged_rows(sources, done or set(), stats, progress), extractor.batch_rows)
    pool = None
    if labeller is not None:
        results = labeller(rows)
    elif workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        extractor.warm_up()
        pool = multiprocessing.get_context("fork").Pool(workers)
        results = _bounded_imap(pool, rows, ahead=4 * workers)
    else:
        results = map(_label_batch, rows)
    try:
        _write_results(results, out, errors, stats)
        if pool is not None:
            pool.close()
            pool.join()
    finally:
        if pool is not None:
            pool.terminate()
        out.flush()
        errors.flush()
        stats.seconds = time.perf_counter() - started
        _WORKER_EXTRACTOR = None
    return stats


def _write_results(results: Iterable[tuple[str, list[tuple]]], out: TextIO, errors: TextIO, stats: RunStats) -> None:
    """The labelled batches, in input order: record lines to `out`, error lines to `errors`, each row counted;
    stops after the batch in which a cost budget left items unsent."""
    write_out, write_err = out.write, errors.write
    for block, rows in results:
        write_out(block)
        unsent = sum(1 for kind, _, _ in rows if kind == "unsent")
        if unsent:  # the budget is spent: what was labelled is written, the rest waits for --resume
            stats.read -= unsent
            stats.stopped = "budget"
        for kind, file, payload in rows:
            if kind == "record":
                stats.extracted += 1
                stats.count(file, "extracted")
            elif kind == "skip":
                stats.skipped += 1
                stats.count(file, "skipped")
            elif kind == "unsent":
                stats.unsent += 1  # not read: --resume sends it
            else:
                write_err(json.dumps(payload, ensure_ascii=False) + "\n")
                stats.errors += 1
                stats.failed += kind == "failed"
                stats.count(file, "errors")
        if stats.stopped:
            break


def _line_of(origin: str | None) -> int | None:
    if not origin or ":" not in origin:
        return None
    tail = origin.rsplit(":", 1)[1]
    return int(tail) if tail.isdigit() else None
