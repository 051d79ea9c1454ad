"""Exact search by columns: an embedded store's vectors, transposed (one array per dimension), so the similarity
of a query to every item is read from the query's nonzero dimensions only.

The offline hashing embedding gives a 60-character query about 19 nonzero dimensions of 256, so comparing it with
1,000,000 items reads 19 arrays of a million floats (about 12 ms on the 2-core machine), and the answer is exact,
which an HNSW index of hashed bag-of-words vectors is not at that size (recall@10 0.22-0.61 there with Chroma's
settings; see the README). A query with many nonzero dimensions (a long text, or a dense embedding such as
OpenAI's) costs more than SCAN_BUDGET and goes to Chroma's HNSW index instead.

The copy lives beside the item table (`journey-columns.{collection}.*`: blocks of BLOCK rows, each stored by
dimension, with each row's norm and partition, and a header saying how many rows it covers). A search first takes
in the rows committed since (the first search after ingesting a million items: about 10 s), so ingest pays nothing
for it; a folder that cannot be written keeps the copy in a temporary folder instead.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .items import ItemTable

SCAN_BUDGET = 40_000_000  # nonzero query dimensions x items compared at most (about 25 ms on the 2-core machine)
BLOCK = 65_536  # rows per block: a block of scores stays in the CPU's cache while the columns stream past
MAX_MASKS = 64  # filters whose matching rows are kept (1 byte per item each)
NOT_AN_ITEM = -1  # the partition code of a place in the vector file that holds no item of this collection
VERSION = 1


class ColumnScan:
    """The vectors of one collection's item table, by dimension, with each row's partition and norm."""

    def __init__(self, items: ItemTable, dim: int):
        self.items, self.dim = items, dim
        self.folder = items.folder
        self.names: list[str] = []  # the partition of each code
        self.codes: dict[str, int] = {}
        self.rows = 0  # rows covered: 0 .. rows-1
        self._masks: dict[tuple, np.ndarray] = {}  # partitions' and filters' rows (see _keep, matching)
        self._generation: tuple[int, int] | None = None
        self._lock = threading.RLock()  # one thread at a time grows the copy or searches it
        try:
            self._open()
        except OSError:  # a read-only store folder: a private copy
            self.folder = Path(tempfile.mkdtemp(prefix="journey-columns-"))
            weakref.finalize(self, shutil.rmtree, str(self.folder), True)
            self._open()

    # -- the files ----------------------------------------------------------------------------------------

    def _path(self, suffix: str) -> Path:
        return self.folder / f"journey-columns.{self.items.collection}.{suffix}"

    def _open(self) -> None:
        """Map the copy's files, or start them empty when there are none (or they were made for another
        embedding or version, or are shorter than their header says)."""
        header: dict[str, Any] = {}
        try:
            header = json.loads(self._path("json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        blocks = -(-int(header.get("rows", 0)) // BLOCK)
        sizes = {"f32": blocks * self.dim * BLOCK * 4, "norms": blocks * BLOCK * 4, "parts": blocks * BLOCK * 2}
        check = header.get("check")
        usable = (header.get("version"), header.get("dim")) == (VERSION, self.dim) and (
            check is None or self.items.ids_of([check[0]]).get(check[0]) == check[1]) and all(
            self._path(suffix).exists() and self._path(suffix).stat().st_size >= size for suffix, size in sizes.items())
        if not usable:
            header, blocks = {}, 0
            for suffix in ("f32", "norms", "parts"):
                with open(self._path(suffix), "wb"):  # raises OSError in a read-only folder
                    pass
        self.rows = int(header.get("rows", 0))
        self.names = list(header.get("names", []))
        self.codes = {name: code for code, name in enumerate(self.names)}
        self._map(blocks)

    def _map(self, blocks: int) -> None:
        """Map `blocks` blocks of each file (growing the files to that size)."""
        self.blocks = blocks
        if blocks == 0:
            self.columns = np.zeros((0, self.dim, BLOCK), dtype=np.float32)
            self.norms = np.zeros(0, dtype=np.float32)
            self.parts = np.zeros(0, dtype=np.int16)
            return
        for suffix, size in (("f32", blocks * self.dim * BLOCK * 4), ("norms", blocks * BLOCK * 4),
                             ("parts", blocks * BLOCK * 2)):
            if self._path(suffix).stat().st_size < size:
                os.truncate(self._path(suffix), size)
        self.columns = np.memmap(self._path("f32"), dtype=np.float32, mode="r+", shape=(blocks, self.dim, BLOCK))
        self.norms = np.memmap(self._path("norms"), dtype=np.float32, mode="r+", shape=(blocks * BLOCK,))
        self.parts = np.memmap(self._path("parts"), dtype=np.int16, mode="r+", shape=(blocks * BLOCK,))

    def _check(self) -> list | None:
        """[row, id] of the last covered item: the copy belongs to the item table that still has that item there."""
        covered = np.flatnonzero(np.asarray(self.parts[: self.rows]) != NOT_AN_ITEM)
        if not len(covered):
            return None
        row = int(covered[-1])
        return [row, self.items.ids_of([row]).get(row)]

    def _save_header(self) -> None:
        for array in (self.columns, self.norms, self.parts):
            if isinstance(array, np.memmap):
                array.flush()
        temporary = self._path(f"json.{os.getpid()}")
        temporary.write_text(json.dumps({"version": VERSION, "dim": self.dim, "rows": self.rows, "names": self.names,
                                         "check": self._check()}), encoding="utf-8")
        os.replace(temporary, self._path("json"))

    # -- keeping up with the item table ---------------------------------------------------------------

    def affordable(self, query: np.ndarray) -> bool:
        return int(np.count_nonzero(query)) * max(self.rows, self.items.last_row() + 1) <= SCAN_BUDGET

    def refresh(self) -> None:
        """Take in the rows committed since the last refresh (by this process or, through the files, another)."""
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        self._current()
        top = self.items.last_row() + 1
        if top <= self.rows:
            return
        self._masks.clear()
        if top > self.blocks * BLOCK:
            self._map(-(-top // BLOCK))
        start = self.rows
        while start < top:
            block, at = divmod(start, BLOCK)
            end = min(top, (block + 1) * BLOCK)
            vectors = self.items.vectors(np.arange(start, end, dtype=np.int64), self.dim)
            self.columns[block, :, at:at + end - start] = vectors.T
            self.norms[start:end] = np.linalg.norm(vectors, axis=1)
            self.parts[start:end] = NOT_AN_ITEM
            start = end
        for row, part in self.items.parts_of_rows(self.rows, top):
            if part not in self.codes:
                self.codes[part] = len(self.names)
                self.names.append(part)
            self.parts[row] = self.codes[part]
        self.rows = top
        self._save_header()

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
        for block in range(-(-self.rows // BLOCK)):
            start = block * BLOCK
            n = min(BLOCK, self.rows - start)
            np.dot(weights, self.columns[block, dims, :n], out=out[start:start + n])
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
