"""Skip re-labelling near-duplicates: reuse the labels of a near-identical item already labelled in the store.

For the LLM extractor every skipped item is a model call saved. A labelled neighbour is reused only when its
similarity reaches the threshold and every evidence quote of its record is found verbatim in the new text
(so the new record's offsets are exact); otherwise the item is labelled normally. Labels found are written
to the store too, so the next near-duplicate in the same run is caught.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..records import MadeBy, build_record
from ..schema import FeedbackItem, JourneyRecord
from ..store.store import FeedbackStore
from . import Extractor


@dataclass
class ReuseStats:
    reused: int = 0
    labelled: int = 0


class ReuseNearDuplicates:
    """An extractor that asks the store before it asks the wrapped extractor."""

    def __init__(self, inner: Extractor, store: FeedbackStore, threshold: float = 0.95):
        self.inner = inner
        self.name = inner.name
        self.taxonomy = inner.taxonomy
        self.store = store
        self.threshold = threshold
        self.stats = ReuseStats()

    @property
    def batched(self) -> bool:
        return self.inner.batched

    @property
    def batch_rows(self) -> int:
        return self.inner.batch_rows

    def warm_up(self) -> None:
        self.inner.warm_up()

    def close(self) -> None:
        self.inner.close()

    def record_json(self, item: FeedbackItem) -> str:
        return self.extract(item).model_dump_json()

    def extract(self, item: FeedbackItem) -> JourneyRecord:
        reused = self._reuse(item)
        if reused is not None:
            self.stats.reused += 1
            return reused
        record = self.inner.extract(item)
        self.stats.labelled += 1
        self.store.update_labels([(item, dict(record.model_dump(), events_json=_events_json(record)))])
        return record

    def records_json(self, items: list[FeedbackItem]) -> list[str | None]:
        return [None if record is None else record.model_dump_json() for record in self.extract_many(items)]

    def extract_many(self, items: list[FeedbackItem]) -> list[JourneyRecord | None]:
        """A batch: reused records from the store, the rest labelled by the inner extractor in one go when it
        labels many at once (the llm extractor's requests), else one by one as `extract` does."""
        if not self.inner.batched:
            return [self.extract(item) for item in items]
        reused = [self._reuse(item) for item in items]
        todo = [item for item, record in zip(items, reused) if record is None]
        fresh = iter(self.inner.extract_many(todo))
        records: list[JourneyRecord | None] = []
        labelled = []
        for item, record in zip(items, reused):
            if record is not None:
                self.stats.reused += 1
                records.append(record)
                continue
            new = next(fresh)
            records.append(new)
            if new is not None:
                self.stats.labelled += 1
                labelled.append((item, dict(new.model_dump(), events_json=_events_json(new))))
        self.store.update_labels(labelled)
        return records

    def _reuse(self, item: FeedbackItem) -> JourneyRecord | None:
        hits = self.store.search(item.text, 1, {"has_events": True})
        if not hits or hits[0].score < self.threshold:
            return None
        hit = hits[0]
        events = json.loads(hit.metadata.get("events_json") or "[]")
        moved = _relocate(events, item.text)
        if moved is None:
            return None
        meta = hit.metadata
        labels = {**hit.labels, "sentiment": float(meta.get("sentiment", 0.0)),
                  "moment_of_truth": bool(meta.get("moment_of_truth"))}
        made_by = MadeBy(self.name, self.taxonomy.ref, meta.get("model") or None, meta.get("prompt_id") or None)
        return build_record(item, labels, made_by, events=moved, confidence=float(meta.get("confidence", 0.5)),
                            customer_goal=meta.get("customer_goal") or None)


def _events_json(record: JourneyRecord) -> str:
    return json.dumps([e.model_dump() for e in record.events], ensure_ascii=False)


def _relocate(events: list[dict[str, Any]], text: str) -> list[dict[str, Any]] | None:
    """The events with their quotes' offsets in `text`, or None when a quote is not in it verbatim."""
    moved = []
    for event in events:
        quote = event["evidence"]["quote"]
        start = text.find(quote)
        if start < 0:
            return None
        moved.append(dict(event, evidence={"quote": quote, "start": start, "end": start + len(quote)}))
    return moved
