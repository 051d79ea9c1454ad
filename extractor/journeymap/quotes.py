"""Choosing the quotes a map shows: a few per label out of possibly thousands, representative and not repetitive.

A quote is representative when its record is confident, the quote is long enough to say something and short enough
to read, and its sentiment points the way the label does (a pain point's quote should sound like the pain). Among
equally good quotes a hash of the item id decides, so the choice is stable across runs and not simply the first
records of the file."""

from __future__ import annotations

import hashlib
import heapq
import itertools
from typing import NamedTuple

from .model import Quote

POOL = 12  # candidates kept per label; the shown quotes are picked from these


class Candidate(NamedTuple):
    score: float
    tiebreak: int
    seq: int  # earlier first among equals (events of one record share score and tiebreak)
    quote: Quote


def tiebreak_of(item_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(item_id.encode("utf-8"), digest_size=4).digest(), "big")


def quote_score(text: str, confidence: float, sentiment: float, direction: float) -> float:
    """Higher is better; `direction` is -1 for pain (negative quotes first), 1 for praise, 0 for either."""
    length = len(text)
    fit = 1.0 if 25 <= length <= 220 else 0.5 if 12 <= length <= 400 else 0.0
    lean = sentiment * direction if direction else abs(sentiment)
    return round(confidence + fit + 0.5 * lean, 6)


class QuotePool:
    """The best `POOL` candidates of one label, kept as a min-heap while records stream by."""

    __slots__ = ("_heap", "_seq")

    def __init__(self) -> None:
        self._heap: list[Candidate] = []
        self._seq = itertools.count(0, -1)

    def offer(self, score: float, tiebreak: int, make) -> None:
        """`make` builds the Quote only when the candidate gets in (most do not, on large inputs)."""
        heap = self._heap
        if len(heap) < POOL:
            heapq.heappush(heap, Candidate(score, tiebreak, next(self._seq), make()))
        elif (score, tiebreak) > (heap[0].score, heap[0].tiebreak):
            heapq.heapreplace(heap, Candidate(score, tiebreak, next(self._seq), make()))

    def pick(self, n: int) -> list[Quote]:
        """The n best quotes from different items and with different wording."""
        chosen: list[Quote] = []
        items: set[str] = set()
        texts: set[str] = set()
        for candidate in sorted(self._heap, key=lambda c: (-c.score, -c.tiebreak, -c.seq)):
            quote = candidate.quote
            key = " ".join(quote.text.casefold().split())
            if quote.item_id in items or key in texts:
                continue
            chosen.append(quote)
            items.add(quote.item_id)
            texts.add(key)
            if len(chosen) == n:
                break
        return chosen
