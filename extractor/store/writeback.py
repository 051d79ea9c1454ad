"""Pair the records of an extraction run with their items, to write journey labels back into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from ..jsonl import read_json_lines
from ..schema import FeedbackItem


def records_with_items(items: Iterable[FeedbackItem], records_path: Path) -> Iterator[tuple[FeedbackItem, dict[str, Any]]]:
    """(item, record) for every record of `records_path`, matched by origin ('file:line').

    Records are written in input order, so both streams are walked together; items without a record (bad rows,
    items skipped by a resumed run that are written earlier in the file) are looked up in a small buffer.
    """
    waiting: dict[str, FeedbackItem] = {}
    items_iter = iter(items)
    for _, record in read_json_lines(records_path):
        if not isinstance(record, dict) or "origin" not in record:
            continue
        origin = record["origin"]
        item = waiting.pop(origin, None)
        while item is None:
            nxt = next(items_iter, None)
            if nxt is None:
                break
            if nxt.origin == origin:
                item = nxt
            else:
                waiting[nxt.origin or ""] = nxt
        if item is not None:
            yield item, record
