"""Exact search by columns: an embedded store's vectors, transposed in memory (one array per dimension), so the
similarity of a query to every item is read from the query's nonzero dimensions only.

The offline hashing embedding gives a 60-character query about 19 nonzero dimensions of 256, so comparing it with
1,000,000 items reads 19 arrays of a million floats (about 12 ms on the 2-core machine), and the answer is exact,
which an HNSW index of hashed bag-of-words vectors is not at that size (recall@10 about 0.5-0.9 there, see
DESIGN.md). A query with many nonzero dimensions (a long text, or a dense embedding such as OpenAI's) costs more
than SCAN_BUDGET and goes to Chroma's HNSW index instead.

The copy is built from the item table's vector file on the first search (about 5 s for 1,000,000 items) and
extended with the rows added since, before each search; it holds as much memory as the vector file.
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

import numpy as np

from .items import ItemTable

SCAN_BUDGET = 40_000_000  # nonzero query dimensions x items compared at most (about 25 ms on the 2-core machine)
BLOCK = 65_536  # items per step: a block of scores stays in the CPU's cache while the columns stream past
MAX_MASKS = 64  # filters whose matching rows are kept (1 byte per item each)
NOT_AN_ITEM = -1  # the partition code of a place in the vector file that holds no item of this collection


class ColumnScan:
    """The vectors of one collection's item table, by dimension, with each row's partition and norm."""

    def __init__(self, items: ItemTable, dim: int):
        self.items, self.dim = items, dim
        self.columns = np.zeros((dim, 0), dtype=np.float32)
        self.norms = np.zeros(0, dtype=np.float32)
        self.parts = np.zeros(0, dtype=np.int16)  # a code per row (see `codes`), NOT_AN_ITEM for holes
        self.codes: dict[str, int] = {}
        self.names: list[str] = []  # partition of each code
        self.rows = 0  # rows covered: 0 .. rows-1
        self._masks: dict[tuple, np.ndarray] = {}  # partitions' and filters' rows (see _keep, matching)
        self._generation: tuple[int, int] | None = None
        self._lock = threading.RLock()  # one thread at a time grows the copy or builds a mask

    def part_of(self, row: int) -> str | None:
        """The partition of a covered row (None for a hole)."""
        code = int(self.parts[row])
        return None if code == NOT_AN_ITEM else self.names[code]

    def affordable(self, query: np.ndarray) -> bool:
        return int(np.count_nonzero(query)) * max(self.rows, self.items.last_row() + 1) <= SCAN_BUDGET

    def refresh(self) -> None:
        """Take in the rows committed since the last refresh."""
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        self._current()
        top = self.items.last_row() + 1
        if top <= self.rows:
            return
        self._masks.clear()
        if top > self.columns.shape[1]:
            self._grow(max(top, int(self.columns.shape[1] * 1.5)))
        for start in range(self.rows, top, BLOCK):
            end = min(start + BLOCK, top)
            block = self.items.vectors(np.arange(start, end, dtype=np.int64), self.dim)
            self.columns[:, start:end] = block.T
            self.norms[start:end] = np.linalg.norm(block, axis=1)
        self.parts[self.rows:top] = NOT_AN_ITEM
        for row, part in self.items.parts_of_rows(self.rows, top):
            if part not in self.codes:
                self.codes[part] = len(self.names)
                self.names.append(part)
            self.parts[row] = self.codes[part]
        self.rows = top

    def _grow(self, capacity: int) -> None:
        columns = np.zeros((self.dim, capacity), dtype=np.float32)
        columns[:, : self.rows] = self.columns[:, : self.rows]
        norms, parts = np.zeros(capacity, dtype=np.float32), np.full(capacity, NOT_AN_ITEM, dtype=np.int16)
        norms[: self.rows], parts[: self.rows] = self.norms[: self.rows], self.parts[: self.rows]
        self.columns, self.norms, self.parts = columns, norms, parts

    def _keep(self, parts: Sequence[str] | None) -> np.ndarray:
        """Which rows are items of these partitions (all partitions when None); kept until rows are added."""
        key = ("parts", tuple(sorted(parts)) if parts is not None else None)
        if key not in self._masks:
            own = self.parts[: self.rows]
            self._masks[key] = own != NOT_AN_ITEM if parts is None else np.isin(
                own, [self.codes[p] for p in parts if p in self.codes])
        return self._masks[key]

    def matching(self, clauses: Sequence[tuple[str, Any]]) -> np.ndarray:
        """Which rows match every (key, value) clause, from the item table's facets; kept until the table
        changes (labels written, items added, here or by another process)."""
        with self._lock:
            return self._matching(clauses)

    def _matching(self, clauses: Sequence[tuple[str, Any]]) -> np.ndarray:
        self._current()
        key = ("clauses", tuple(sorted((k, repr(v)) for k, v in clauses)))
        if key not in self._masks:
            mask = np.zeros(self.rows, dtype=bool)
            rows = self.items.matching_rows(clauses)
            mask[rows[rows < self.rows]] = True
            self._masks[key] = mask
            while len(self._masks) > MAX_MASKS:
                del self._masks[next(iter(self._masks))]
        return self._masks[key]

    def _current(self) -> None:
        generation = self.items.generation()
        if generation != self._generation:
            self._masks.clear()
            self._generation = generation

    def scores(self, query: np.ndarray, parts: Sequence[str] | None = None, mask: np.ndarray | None = None
               ) -> np.ndarray:
        """The cosine similarity of the query with every row; -inf for rows that are not items of the wanted
        partitions (all partitions when None) or outside `mask`."""
        dims = np.flatnonzero(query)
        weights = query[dims].astype(np.float32)
        out = np.zeros(self.rows, dtype=np.float32)
        for start in range(0, self.rows, BLOCK):
            end = min(start + BLOCK, self.rows)
            np.dot(weights, self.columns[dims, start:end], out=out[start:end])
        norms = self.norms[: self.rows] * (float(np.linalg.norm(query)) or 1.0)
        np.divide(out, norms, out=out, where=norms > 0)
        keep = self._keep(parts)
        if mask is not None and len(mask) < self.rows:  # rows added by another thread since the mask was made
            mask = np.concatenate([mask, np.zeros(self.rows - len(mask), dtype=bool)])
        out[~(keep if mask is None else keep & mask[: self.rows])] = -np.inf
        return out

    def best(self, query: np.ndarray, k: int, parts: Sequence[str] | None = None, mask: np.ndarray | None = None
             ) -> list[tuple[int, float]]:
        """The k best (row, similarity) pairs among the rows of `parts` (and `mask`), best first, ties by row."""
        with self._lock:  # a search in another thread may be growing the copy
            scores = self.scores(query, parts, mask)
        n = min(k, int(np.count_nonzero(scores > -np.inf)))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))][:n]
        return [(int(r), float(scores[r])) for r in top]
