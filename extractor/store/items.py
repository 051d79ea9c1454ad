"""The item table of an embedded store: texts, metadata and journey labels beside Chroma, in one SQLite file.

Chroma's embedded (SQLite) metadata segment made ingest about 1.7x slower (40,000 items, 256 dimensions:
2,500 items/s with ids and vectors only, 1,490 with four small metadata fields), and a filtered query there costs
about 7 us per matching item (a language filter matching 28,000 of 100,000 items: 185 ms). An embedded store
therefore gives Chroma only ids and vectors and keeps everything else here, in `journey-items.sqlite3` in the store
folder: one row per item (text and metadata as JSON) and one row per filterable value (a facet, keyed by partition,
key, value and item), so the items of one partition with one value are one range of the facets' primary key. A Chroma server keeps the metadata itself, where every
client can read it.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

FILENAME = "journey-items.sqlite3"
WHOLE = "*"  # the facet key and value under which facet_counts keeps how many items a partition holds
PART_KEY = "lang"  # a partitioned store keeps one Chroma collection per language
UNPARTITIONED, NO_LANGUAGE = "", "und"
_PART = re.compile(r"[a-z]{2,3}")
_IN_CHUNK = 900  # ids per `IN (...)` query, well under SQLite's variable limit
# Values unique to an item or free text: stored, never filtered on through the index.
UNINDEXED = frozenset({"item_id", "origin", "created_at", "customer_id", "text", "events_json", "customer_goal",
                       "sentiment", "confidence", "touchpoints", "pain_points", "prompt_id", "model"})


def _facet_value(value: Any) -> str | None:
    """A metadata value as its facet key (JSON, so True and "True" differ); None for values not indexed."""
    if isinstance(value, (bool, str, int)) and not isinstance(value, float):
        return json.dumps(value, ensure_ascii=False)
    return None


def part_of(metadata: Mapping[str, Any]) -> str:
    """The partition of a partitioned store an item belongs to: its language code, or "und"."""
    lang = metadata.get(PART_KEY)
    return lang if isinstance(lang, str) and _PART.fullmatch(lang) else NO_LANGUAGE


class ItemTable:
    """Store id -> (text, metadata), with the metadata's filterable values indexed, for one collection.

    `facet_counts` keeps how many items of each partition have each facet (and, under WHOLE, how many it holds),
    so a search can choose how to answer a filter before reading any id. A partitioned store also keeps each
    item's vector (float32) in a file beside the table, at the item's rowid, and each facet row carries that
    rowid and the item's partition: the vectors of the items of a partition matching a filter are then one range
    scan and one pass over the file, for an exact search. A table of
    a store made before partitions (`partitioned=False`) keeps neither, counts under the partition "", and counts
    its facets once on opening."""

    def __init__(self, folder: str | Path, collection: str, partitioned: bool = False):
        self.folder = Path(folder)
        self.path = self.folder / FILENAME
        self.collection = collection
        self.partitioned = partitioned
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=30000")  # the ingest worker process writes here too
        # a rowid table: texts are large rows, which WITHOUT ROWID tables store badly (3.5x slower inserts here)
        self._db.execute("CREATE TABLE IF NOT EXISTS items (collection TEXT NOT NULL, id TEXT NOT NULL, "
                         "text TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (collection, id))")
        self._facets_by_part()
        self.vector_path = self.folder / f"journey-vectors.{collection}.f32"
        self._mapped: np.ndarray | None = None  # the vector file, mapped once (its pages stay in the OS's cache)
        self._writes = 0  # transactions written through this connection (see generation)
        self._count_facets()

    def _facets_by_part(self) -> None:
        """Create the facets table: one row per (partition, key, value, item), with the item's rowid, so the items
        of one partition with one value are a range of the primary key. A table made before partitions were part
        of that key is rebuilt once (its rows' partitions read from their items' metadata)."""
        create = ("CREATE TABLE {} (collection TEXT NOT NULL, part TEXT NOT NULL, key TEXT NOT NULL, "
                  "value TEXT NOT NULL, id TEXT NOT NULL, row INTEGER, PRIMARY KEY (collection, part, key, value, id)) "
                  "WITHOUT ROWID")
        columns = {c[1] for c in self._db.execute("PRAGMA table_info(facets)")}
        if not columns:
            self._db.execute(create.format("facets"))
            return
        if "part" in columns:
            return
        row = "f.row" if "row" in columns else "NULL"  # rowids (and partitions) came with partitioned stores
        lang = "json_extract(metadata, '$.lang')"
        valid = f"typeof({lang}) = 'text' AND ({lang} GLOB '[a-z][a-z]' OR {lang} GLOB '[a-z][a-z][a-z]')"  # part_of
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DROP TABLE IF EXISTS facets_by_part")
            self._db.execute(create.format("facets_by_part"))
            self._db.execute("CREATE TEMP TABLE row_parts (row INTEGER PRIMARY KEY, part TEXT NOT NULL)")
            self._db.execute(f"INSERT INTO row_parts SELECT rowid, CASE WHEN {valid} THEN {lang} ELSE ? END FROM items",
                             (NO_LANGUAGE,))
            self._db.execute(f"INSERT INTO facets_by_part SELECT f.collection, CASE WHEN {row} IS NULL THEN '' ELSE "
                             f"coalesce(p.part, ?) END, f.key, f.value, f.id, {row} FROM facets f "
                             f"LEFT JOIN row_parts p ON p.row = {row}", (NO_LANGUAGE,))
            self._db.execute("DROP TABLE row_parts")
            self._db.execute("DROP TABLE facets")
            self._db.execute("ALTER TABLE facets_by_part RENAME TO facets")

    def _count_facets(self) -> None:
        """Create facet_counts; count the facets of a table that has none yet (made before counts existed)."""
        self._db.execute("CREATE TABLE IF NOT EXISTS facet_counts (collection TEXT NOT NULL, part TEXT NOT NULL, "
                         "key TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL, "
                         "PRIMARY KEY (collection, part, key, value)) WITHOUT ROWID")
        if self.partitioned or self._db.execute("SELECT 1 FROM facet_counts WHERE collection = ? LIMIT 1",
                                                (self.collection,)).fetchone():
            return
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("INSERT OR REPLACE INTO facet_counts SELECT collection, '', key, value, count(*) FROM "
                             "facets WHERE collection = ? GROUP BY key, value", (self.collection,))
            self._db.execute("INSERT OR REPLACE INTO facet_counts SELECT ?, '', ?, ?, count(*) FROM items "
                             "WHERE collection = ?", (self.collection, WHOLE, WHOLE, self.collection))

    # -- writing ------------------------------------------------------------------------------------------

    def put(self, rows: Iterable[tuple[str, str, Mapping[str, Any]]], vectors: Any = None) -> None:
        """Keep (id, text, metadata) rows of new items (an id already kept is replaced, see `update`), and their
        vectors (in the rows' order) when the store is partitioned."""
        rows = list(rows)
        found = self.get([i for i, _, _ in rows])
        with self._db:
            self._db.execute("BEGIN")
            rowids = self._write(rows, found)
            if self.partitioned and vectors is not None:
                self._keep_vectors([rowids[i] for i, _, _ in rows], np.asarray(vectors, dtype=np.float32))

    def _keep_vectors(self, rowids: Sequence[int], vectors: np.ndarray) -> None:
        """Write each vector at its rowid's place in the vector file (before the rows commit: a vector whose row
        did not commit is overwritten by the next row given that rowid)."""
        fd = os.open(self.vector_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            width = vectors.shape[1] * 4
            for rowid, vector in zip(rowids, vectors):
                os.pwrite(fd, vector.tobytes(), rowid * width)
        finally:
            os.close(fd)

    def update(self, metadata: Mapping[str, Mapping[str, Any]]) -> None:
        """Replace the metadata of items already kept (id -> full metadata); other ids are ignored."""
        found = self.get(list(metadata))
        with self._db:
            self._db.execute("BEGIN")
            self._write([(i, found[i][0], m) for i, m in metadata.items() if i in found], found)

    def generation(self) -> tuple[int, int]:
        """Changes whenever the table does: SQLite's data_version (commits by other connections, such as the ingest
        worker's) and this connection's own writes."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0]), self._writes

    def _write(self, rows: Sequence[tuple[str, str, Mapping[str, Any]]],
               old: Mapping[str, tuple[str, Mapping[str, Any]]]) -> dict[str, int]:
        """Write rows (replacing `old` ones and their facets); id -> rowid of the rows when partitioned."""
        self._writes += 1
        stale = [(self.collection, self._part(old[i][1]), key, facet, i) for i, _, _ in rows if i in old
                 for key, facet in self._facets_of(old[i][1])]
        if stale:
            self._db.executemany("DELETE FROM facets WHERE collection = ? AND part = ? AND key = ? AND value = ? "
                                 "AND id = ?", stale)
        self._add_counts(rows, old)
        values = ((self.collection, i, t, json.dumps(dict(m), ensure_ascii=False)) for i, t, m in rows)
        rowids: dict[str, int] = {}
        if self.partitioned:  # an item keeps its rowid (its vector's place) when rewritten
            self._db.executemany("INSERT INTO items (collection, id, text, metadata) VALUES (?, ?, ?, ?) ON CONFLICT "
                                 "(collection, id) DO UPDATE SET text = excluded.text, metadata = excluded.metadata",
                                 values)
            rowids = self._rowids([i for i, _, _ in rows])
        else:
            self._db.executemany("INSERT OR REPLACE INTO items (collection, id, text, metadata) VALUES (?, ?, ?, ?)",
                                 values)
        self._db.executemany("INSERT OR IGNORE INTO facets (collection, part, key, value, id, row) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             ((self.collection, self._part(md), key, facet, i, rowids.get(i)) for i, _, md in rows
                              for key, facet in self._facets_of(md)))
        return rowids

    def _rowids(self, ids: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            part = list(ids[start:start + _IN_CHUNK])
            found.update(self._db.execute(f"SELECT id, rowid FROM items WHERE collection = ? AND id IN "
                                          f"({','.join('?' * len(part))})", [self.collection, *part]))
        return found

    def _part(self, metadata: Mapping[str, Any]) -> str:
        return part_of(metadata) if self.partitioned else UNPARTITIONED

    def _add_counts(self, rows: Sequence[tuple[str, str, Mapping[str, Any]]],
                    old: Mapping[str, tuple[str, Mapping[str, Any]]]) -> None:
        """Keep facet_counts up to date with rows about to replace `old` ones (one statement per distinct facet)."""
        delta: Counter[tuple[str, str, str]] = Counter()
        for i, _, md in rows:
            for sign, meta in ((-1, old[i][1]), (1, md)) if i in old else ((1, md),):
                part = self._part(meta)
                delta[(part, WHOLE, WHOLE)] += sign
                for key, facet in self._facets_of(meta):
                    delta[(part, key, facet)] += sign
        self._db.executemany("INSERT INTO facet_counts (collection, part, key, value, n) VALUES (?, ?, ?, ?, ?) "
                             "ON CONFLICT (collection, part, key, value) DO UPDATE SET n = n + excluded.n",
                             ((self.collection, *key, n) for key, n in delta.items() if n))

    @staticmethod
    def _facets_of(metadata: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        for key, value in metadata.items():
            if key not in UNINDEXED:
                facet = _facet_value(value)
                if facet is not None:
                    yield key, facet

    # -- reading ------------------------------------------------------------------------------------------

    def get(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """id -> (text, metadata) for the ids kept here (others are left out)."""
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            part = list(ids[start:start + _IN_CHUNK])
            marks = ",".join("?" * len(part))
            for i, text, md in self._db.execute(
                    f"SELECT id, text, metadata FROM items WHERE collection = ? AND id IN ({marks})",
                    [self.collection, *part]):
                found[i] = (text, json.loads(md))
        return found

    def indexed(self, key: str) -> bool:
        return key not in UNINDEXED

    def _facet_clauses(self, clauses: Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
        """(key, facet) pairs of the clauses."""
        if not clauses:
            raise ValueError("no clauses")
        pairs = []
        for key, value in clauses:
            facet = _facet_value(value)
            if facet is None or not self.indexed(key):
                raise ValueError(f"{key!r} cannot be filtered through the index")
            pairs.append((key, facet))
        return list(dict.fromkeys(pairs))

    def _parts(self, part: str | None) -> list[str]:
        """The partitions a lookup covers: the one asked for, else every partition of this collection."""
        if not self.partitioned:
            return [UNPARTITIONED]
        if part is not None:
            return [part]
        return [row[0] for row in self._db.execute("SELECT part FROM facet_counts WHERE collection = ? AND key = ? "
                                                   "AND value = ? AND n > 0", (self.collection, WHOLE, WHOLE))]

    def matching(self, clauses: Sequence[tuple[str, Any]], part: str | None = None) -> list[str]:
        """The ids whose metadata has every (key, value) of `clauses` (keys must be indexed), in one partition
        when `part` is given."""
        return [row[0] for row in self._match("id", self._facet_clauses(clauses), part)]

    def _match(self, column: str, pairs: Sequence[tuple[str, str]], part: str | None) -> Iterator[tuple[Any]]:
        """`column` of the facet rows of the first pair whose item has the other pairs too, partition by partition
        (a range of the primary key, and an indexed lookup per row for the other pairs); the pair with the fewest
        items is read first."""
        parts = self._parts(part)
        marks = ",".join("?" * len(parts))
        sizes = dict(((key, value), n) for key, value, n in self._db.execute(
            f"SELECT key, value, sum(n) FROM facet_counts WHERE collection = ? AND part IN ({marks}) GROUP BY key, value",
            (self.collection, *parts)))
        pairs = sorted(pairs, key=lambda pair: sizes.get(pair, 0))
        also = " AND EXISTS (SELECT 1 FROM facets g WHERE g.collection = f.collection AND g.part = f.part AND g.key = ? " \
               "AND g.value = ? AND g.id = f.id)"
        sql = (f"SELECT f.{column} FROM facets f WHERE f.collection = ? AND f.part = ? AND f.key = ? AND f.value = ?"
               + also * (len(pairs) - 1))
        others = [x for pair in pairs[1:] for x in pair]
        for one in parts:
            yield from self._db.execute(sql, [self.collection, one, *pairs[0], *others])

    def matching_rows(self, clauses: Sequence[tuple[str, Any]], part: str | None = None) -> np.ndarray:
        """The rowids (vector places) of the items matching every clause, ascending (partitioned stores)."""
        rows = np.fromiter((r[0] for r in self._match("row", self._facet_clauses(clauses), part) if r[0] is not None),
                           dtype=np.int64)
        return np.sort(rows)

    def vectors(self, rows: np.ndarray, dim: int) -> np.ndarray:
        """The vectors kept at these rowids (zeros for a place never written)."""
        if not self.vector_path.exists() or not len(rows):
            return np.zeros((len(rows), dim), dtype=np.float32)
        kept = self._mapped
        if kept is None or kept.shape[1] != dim or int(rows[-1]) >= len(kept):  # not mapped yet, or grown since
            kept = np.memmap(self.vector_path, dtype=np.float32, mode="r")
            kept = self._mapped = kept[: len(kept) // dim * dim].reshape(-1, dim)
        if int(rows.max()) < len(kept):  # the usual case: every place written (one copy, no mask)
            return kept[rows]
        inside = rows < len(kept)
        out = np.zeros((len(rows), dim), dtype=np.float32)
        out[inside] = kept[rows[inside]]
        return out

    def size(self) -> int:
        """How many items this collection holds."""
        found = self._db.execute("SELECT sum(n) FROM facet_counts WHERE collection = ? AND key = ? AND value = ?",
                                 (self.collection, WHOLE, WHOLE)).fetchone()[0]
        return int(found or 0)

    def last_row(self) -> int:
        """The largest committed rowid (-1 when the table is empty): every vector at or below it is final."""
        found = self._db.execute("SELECT max(rowid) FROM items").fetchone()[0]
        return -1 if found is None else int(found)

    def parts_of_rows(self, start: int, end: int) -> Iterator[tuple[int, str]]:
        """(rowid, partition) of this collection's items with start <= rowid < end."""
        for row, lang in self._db.execute("SELECT rowid, json_extract(metadata, '$.lang') FROM items "
                                          "WHERE rowid >= ? AND rowid < ? AND +collection = ?",
                                          (start, end, self.collection)):
            yield row, self._part({"lang": lang})

    def ids_of(self, rows: Sequence[int]) -> dict[int, str]:
        """rowid -> store id."""
        found: dict[int, str] = {}
        rows = [int(r) for r in rows]
        for start in range(0, len(rows), _IN_CHUNK):
            part = rows[start:start + _IN_CHUNK]
            found.update(self._db.execute(f"SELECT rowid, id FROM items WHERE rowid IN ({','.join('?' * len(part))}) "
                                          "AND +collection = ?", [*part, self.collection]))  # by rowid, not by index
        return found

    def having(self, ids: Sequence[str], clauses: Sequence[tuple[str, Any]], part: str | None = None) -> set[str]:
        """Those of `ids` (in partition `part`, when given) whose metadata has every (key, value) of `clauses` (an
        indexed lookup per id)."""
        kept = set(ids)
        parts = self._parts(part)
        for key, facet in self._facet_clauses(clauses):
            found: set[str] = set()
            candidates = list(kept)
            for start in range(0, len(candidates), _IN_CHUNK):
                chunk = candidates[start:start + _IN_CHUNK]
                for one in parts:
                    found.update(row[0] for row in self._db.execute(
                        f"SELECT id FROM facets WHERE collection = ? AND part = ? AND key = ? AND value = ? AND id IN "
                        f"({','.join('?' * len(chunk))})", [self.collection, one, key, facet, *chunk]))
            kept = found
        return kept

    def counts(self, clauses: Sequence[tuple[str, Any]]) -> dict[str, tuple[int, int]]:
        """partition -> (items matching at most, items it holds): for each partition, the smallest count of the
        clauses' facets (exact for one clause, an upper bound for several)."""
        pairs = self._facet_clauses(clauses)
        rows = self._db.execute("SELECT part, key, value, n FROM facet_counts WHERE collection = ?", (self.collection,))
        wanted = set(pairs)
        sizes: dict[str, int] = {}
        found: dict[str, list[int]] = {}
        for part, key, value, n in rows:
            if (key, value) == (WHOLE, WHOLE):
                sizes[part] = n
            elif (key, value) in wanted:
                found.setdefault(part, []).append(n)
        return {part: (min(found.get(part, [0])) if len(found.get(part, [])) == len(wanted) else 0, size)
                for part, size in sizes.items() if size > 0}

    def close(self) -> None:
        self._db.close()
