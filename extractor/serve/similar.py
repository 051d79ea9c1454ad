"""Similar past items from the feedback store, for the card; none (and a reason) when there is no store."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from ..errors import JourneyError
from .limits import describe

log = logging.getLogger("journey.serve")

NO_STORE = "no feedback store at "


@dataclass
class SimilarItem:
    """A stored item near the pasted one, with its labels when `journey extract --to-store` gave it some."""

    id: str
    score: float
    text: str
    lang: str | None = None
    source: str | None = None
    created_at: str | None = None
    stage: str | None = None
    emotion: str | None = None
    touchpoints: list[str] = field(default_factory=list)
    pain_points: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class SimilarResult:
    items: list[SimilarItem]
    store: str | None  # where the store is; None: there is none
    problem: str | None = None  # why there are no items although a store was asked for


class SimilarItems:
    """Search the feedback store the other commands use; opened once, searched one request at a time."""

    def __init__(self, store, where: str, problem: str | None = None):
        self.store = store
        self.where = where
        self.problem = problem
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path | None) -> SimilarItems:
        """The store at `path` (default: $JOURNEY_CHROMA_URL, $JOURNEY_STORE or ./.journey/store) if one exists."""
        from ..store.store import DEFAULT_COLLECTION, FeedbackStore, resolve_location

        try:
            kind, where = resolve_location(path, None)
            if kind == "path" and not (Path(where) / "chroma.sqlite3").exists():
                return cls(None, where, NO_STORE + where)
            return cls(FeedbackStore.open(path=path, collection=DEFAULT_COLLECTION, create=False), where)
        except JourneyError as exc:
            return cls(None, str(path or ""), str(exc))

    @property
    def available(self) -> bool:
        return self.store is not None

    def find(self, text: str, k: int) -> SimilarResult:
        if self.store is None:
            return SimilarResult([], None, self.problem)
        try:
            with self._lock:
                hits = self.store.search(text, k + 1)
        except JourneyError as exc:
            return SimilarResult([], self.where, str(exc))
        except Exception as exc:  # noqa: BLE001 - similar items are extra: the card must still show the labels
            log.error("similar items: search failed: %s", describe(exc))
            return SimilarResult([], self.where, "the search failed (logged)")
        items = [_similar(hit) for hit in hits if hit.text.strip() != text.strip()][:k]
        return SimilarResult(items, self.where)

    async def find_async(self, text: str, k: int) -> SimilarResult:
        return await run_in_threadpool(self.find, text, k)


def _similar(hit) -> SimilarItem:
    md = hit.metadata
    labels = hit.labels
    return SimilarItem(id=str(md.get("item_id") or hit.id), score=round(float(hit.score), 4), text=hit.text,
                       lang=md.get("lang"), source=md.get("source"), created_at=md.get("created_at"),
                       stage=labels.get("stage"), emotion=labels.get("emotion"),
                       touchpoints=labels.get("touchpoints") or [], pain_points=labels.get("pain_points") or [])
