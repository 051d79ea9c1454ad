"""The item table of an embedded store: texts, metadata and journey labels beside Chroma, in one SQLite file.

Chroma's embedded (SQLite) metadata segment made ingest about 1.7x slower (40,000 items, 256 dimensions:
2,500 items/s with ids and vectors only, 1,490 with four small metadata fields), and a filtered query there costs
about 7 us per matching item (a language filter matching 28,000 of 100,000 items: 185 ms). An embedded store
therefore gives Chroma only ids and vectors and keeps everything else here, in `journey-items.sqlite3` in the store
folder: one row per item (text and metadata as JSON) and one row per filterable value (a facet), so a filter is
an indexed lookup whose ids restrict the Chroma query. A Chroma server keeps the metadata itself, where every
client can read it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

FILENAME = "journey-items.sqlite3"
_IN_CHUNK = 900  # ids per `IN (...)` query, well under SQLite's variable limit
# Values unique to an item or free text: stored, never filtered on through the index.
UNINDEXED = frozenset({"item_id", "origin", "created_at", "customer_id", "text", "events_json", "customer_goal",
                       "sentiment", "confidence", "touchpoints", "pain_points", "prompt_id", "model"})


def _facet_value(value: Any) -> str | None:
    """A metadata value as its facet key (JSON, so True and "True" differ); None for values not indexed."""
    if isinstance(value, (bool, str, int)) and not isinstance(value, float):
        return json.dumps(value, ensure_ascii=False)
    return None


class ItemTable:
    """Store id -> (text, metadata), with the metadata's filterable values indexed, for one collection."""

    def __init__(self, folder: str | Path, collection: str):
        self.folder = Path(folder)
        self.path = self.folder / FILENAME
        self.collection = collection
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=30000")  # the ingest worker process writes here too
        # a rowid table: texts are large rows, which WITHOUT ROWID tables store badly (3.5x slower inserts here)
        self._db.execute("CREATE TABLE IF NOT EXISTS items (collection TEXT NOT NULL, id TEXT NOT NULL, "
                         "text TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (collection, id))")
        self._db.execute("CREATE TABLE IF NOT EXISTS facets (collection TEXT NOT NULL, key TEXT NOT NULL, "
                         "value TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (collection, key, value, id)) WITHOUT ROWID")

    # -- writing ------------------------------------------------------------------------------------------

    def put(self, rows: Iterable[tuple[str, str, Mapping[str, Any]]]) -> None:
        """Keep (id, text, metadata) rows of new items (an id already kept is replaced, see `update`)."""
        rows = list(rows)
        found = self.get([i for i, _, _ in rows])
        with self._db:
            self._db.execute("BEGIN")
            self._write(rows, found)

    def update(self, metadata: Mapping[str, Mapping[str, Any]]) -> None:
        """Replace the metadata of items already kept (id -> full metadata); other ids are ignored."""
        found = self.get(list(metadata))
        with self._db:
            self._db.execute("BEGIN")
            self._write([(i, found[i][0], m) for i, m in metadata.items() if i in found], found)

    def _write(self, rows: Sequence[tuple[str, str, Mapping[str, Any]]],
               old: Mapping[str, tuple[str, Mapping[str, Any]]]) -> None:
        stale = [(self.collection, key, facet, i) for i, _, _ in rows if i in old
                 for key, facet in self._facets_of(old[i][1])]
        if stale:
            self._db.executemany("DELETE FROM facets WHERE collection = ? AND key = ? AND value = ? AND id = ?", stale)
        self._db.executemany("INSERT OR REPLACE INTO items (collection, id, text, metadata) VALUES (?, ?, ?, ?)",
                             ((self.collection, i, t, json.dumps(dict(m), ensure_ascii=False)) for i, t, m in rows))
        self._db.executemany("INSERT OR IGNORE INTO facets (collection, key, value, id) VALUES (?, ?, ?, ?)",
                             ((self.collection, key, facet, i) for i, _, md in rows for key, facet in self._facets_of(md)))

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

    def matching(self, clauses: Sequence[tuple[str, Any]]) -> list[str]:
        """The ids whose metadata has every (key, value) of `clauses` (keys must be indexed)."""
        if not clauses:
            raise ValueError("no clauses")
        parts, args = [], []
        for key, value in clauses:
            facet = _facet_value(value)
            if facet is None or not self.indexed(key):
                raise ValueError(f"{key!r} cannot be filtered through the index")
            parts.append("SELECT id FROM facets WHERE collection = ? AND key = ? AND value = ?")
            args += [self.collection, key, facet]
        return [row[0] for row in self._db.execute(" INTERSECT ".join(parts), args)]

    def close(self) -> None:
        self._db.close()
