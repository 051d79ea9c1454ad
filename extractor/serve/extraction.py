"""The extractor behind the server: one extractor, one lock, run in worker threads so the event loop stays free.

The rules extractor takes about 1 ms for a 2,000-character ticket (benchmarks/bench_serve.py), so labelling is
serialised behind a lock rather than made thread-safe: the GIL would serialise it anyway. The llm extractor keeps
its own event loop and answer cache; the lock keeps one request at a time on them.
"""

from __future__ import annotations

import threading
from typing import Sequence

from starlette.concurrency import run_in_threadpool

from ..ingest.fields import clean_text, stable_id, to_lang
from ..pipeline import label_batches, with_language
from ..schema import FeedbackItem


def feedback_item(text: str, *, lang: str | None = None, source: str = "ticket",
                  item_id: str | None = None) -> FeedbackItem:
    """The item `journey extract` would read from a JSON line with these fields (same id, same cleaning)."""
    text = clean_text(text)
    return FeedbackItem(item_id=item_id or stable_id(text), text=text, source=source, lang=to_lang(lang))


class DeskExtractor:
    """Labels items with one extractor; records come back as the JSON `journey extract` writes."""

    def __init__(self, extractor):
        self.extractor = extractor
        self.name: str = extractor.name
        self._lock = threading.Lock()
        extractor.warm_up()  # build the cue indexes now, not in the first agent's request

    def record_json(self, item: FeedbackItem) -> str:
        with self._lock:
            return self.extractor.record_json(with_language(item))

    def records_json(self, items: Sequence[FeedbackItem]) -> list[str]:
        with self._lock:
            return [record.model_dump_json() if record is not None else self.extractor.record_json(item)
                    for batch in label_batches(self.extractor, items) for item, record in batch]

    async def label(self, item: FeedbackItem) -> str:
        return await run_in_threadpool(self.record_json, item)

    async def label_many(self, items: Sequence[FeedbackItem]) -> list[str]:
        return await run_in_threadpool(self.records_json, items)

    def close(self) -> None:
        self.extractor.close()
