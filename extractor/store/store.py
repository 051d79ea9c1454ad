"""The feedback store: feedback items embedded into a Chroma collection, with their journey labels.

Embedded by default (a `PersistentClient` in a local folder); a Chroma server (`chroma run`, or a hosted
Chroma) when given a URL. Ids are content hashes (item id + text), so ingesting the same file twice adds
nothing. Every item has a text and metadata: source, language, customer, time and, once extracted, the journey
labels as flat fields (`stage`, `emotion`, `tp_<id>`, `pp_<id>` booleans), so search can filter by any label.
On a server both live in Chroma's metadata; an embedded store gives Chroma only ids and vectors and keeps texts
and metadata in its item table beside Chroma (see items.py: much faster ingest and filters).

An embedded store keeps one Chroma collection per language (`{collection}.{lang}`; the collection named
`collection` holds only the embedding's configuration), and the item table keeps every vector too. A search
compares the query with every item exactly, by columns (scan.py), when the query has few enough nonzero
dimensions for the store's size (the offline embedding's queries, up to millions of items); a filter matching
at most EXACT_ROWS items is answered from their vectors alone, a larger one by masking the scan's scores with the
rows it matches. A query too costly for the scan (a dense embedding, or a long text in a large store)
goes to Chroma's HNSW index: a language filter is a plain query of that language's index, and another filter
the nearest neighbours, fetched until enough of them match (up to POSTFILTER_MAX), and exactly again when they
hold too few. A store made before languages had their own collections (layout "item-table@1") keeps its one
collection, and its exact searches read vectors from Chroma (EXACT_MAX) or restrict Chroma's query to the ids.

A server store keeps one collection with texts and metadata, which every client reads and writes; each write is
also recorded in the collection's change log. A client answers the queries the column scan can take from its own
copy of the collection (mirror.py: an item table in its cache, brought up to date from the change log before each
search), exactly as an embedded store does; other queries go to Chroma's index and filters.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import urlparse

import numpy as np

from ..errors import UsageError
from ..schema import FeedbackItem
from .items import FILENAME, UNPARTITIONED, ItemTable, part_of
from .mirror import ADDED, LABELLED, ChangeLog, MirrorError, ServerMirror, mirror_folder
from .scan import SCAN_BUDGET, ColumnScan

DEFAULT_PATH = Path(".journey") / "store"
DEFAULT_COLLECTION = "feedback"
MAX_BATCH = 5000  # Chroma refuses `add` batches above about 5,400 items
ENV_PATH, ENV_URL, ENV_MIRROR = "JOURNEY_STORE", "JOURNEY_CHROMA_URL", "JOURNEY_MIRROR"
TP_PREFIX, PP_PREFIX = "tp_", "pp_"
LAYOUT_KEY = "journey_layout"  # collection metadata: texts and metadata in items.py...
ITEM_TABLE, PARTITIONED = "item-table@1", "item-table@2"  # ... and (2) one collection per language
EXACT_MAX = 1000  # a store without its own vectors (made before partitions) answers this many matches exactly
EXACT_ROWS = 20_000  # a filter matching at most this many items is answered exactly from the item table's vectors
# (at 100k items, ~1 us an item to find its vector's place and ~0.5 us to read it: 20,000 in ~30 ms)
POSTFILTER_MAX = 3000  # neighbours fetched at most to find enough matches of a filter (100k items: 19 ms)
RELIST_S = 10.0  # a partitioned store looks for languages added by another process at most this often
OVERFETCH = (10, 50)  # on a server: unfiltered neighbours fetched per wanted hit, tried in turn
# HNSW settings of new collections, measured on 100,000 real items (ids and vectors only, Chroma alone): an
# ef_construction of 32 adds 3,040 items/s for a recall@10 of 0.89, 48 about 2,400/s for 0.91, 64 2,270/s for
# 0.94, Chroma's 100 about 1,700/s for 0.96. End to end (embedding and item table in a second process) 32 gave
# 2,330 items/s and 40 2,120: 32 keeps the 2,000 items/s budget with a margin for a busy machine. A larger batch
# and sync threshold cut index rebuilds and flushes. Searches of the offline embedding mostly use the column scan
# instead (exact). For the queries that still reach the index, a query-time ef_search of 500 lifts its recall@10
# on the English collection of a 1,000,000-item store from 0.56 (150) to 0.77, p95 6 ms (3,000: 0.91, 12 ms; more
# neighbours per node, 32, cost 30% of ingest there).
HNSW = {"space": "cosine", "ef_construction": 32, "ef_search": 500, "batch_size": 5000, "sync_threshold": 50000}


class StoreError(UsageError):
    """The store cannot be opened or used as asked."""


def content_id(item_id: str, text: str) -> str:
    """The store id of an item: a hash of its id and text (same item, same id; edited text, new id)."""
    return hashlib.blake2b(f"{item_id}\x00{text}".encode("utf-8"), digest_size=12).hexdigest()


@dataclass
class IngestStats:
    read: int = 0
    added: int = 0
    present: int = 0
    batches: int = 0


@dataclass
class Hit:
    """One search result."""

    id: str
    score: float  # cosine similarity, 1 = identical direction
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> dict[str, Any]:
        md = self.metadata
        def listed(key: str) -> list[str]:
            value = md.get(key)
            return [x for x in value.split(",") if x] if isinstance(value, str) else []

        return {"stage": md.get("stage"), "emotion": md.get("emotion"),
                "touchpoints": listed("touchpoints"), "pain_points": listed("pain_points")}


def item_metadata(item: FeedbackItem) -> dict[str, Any]:
    md: dict[str, Any] = {"item_id": item.item_id, "source": item.source}
    for key in ("lang", "customer_id", "created_at", "segment", "origin"):
        value = getattr(item, key, None)
        if value is not None:
            md[key] = value
    return md


def label_metadata(record: Mapping[str, Any]) -> dict[str, Any]:
    """The journey labels of a record as flat, filterable metadata."""
    md: dict[str, Any] = {"labelled": True, "stage": record["stage"], "emotion": record["emotion"],
                          "sentiment": float(record["sentiment"]), "moment_of_truth": bool(record["moment_of_truth"]),
                          "extractor": record.get("extractor") or "", "taxonomy_id": record.get("taxonomy_id") or ""}
    for key in ("events_json", "customer_goal", "model", "prompt_id"):
        if isinstance(record.get(key), str):
            md[key] = record[key]
    md["has_events"] = bool(md.get("events_json"))  # labels that can be reused with their evidence
    if isinstance(record.get("confidence"), (int, float)):
        md["confidence"] = float(record["confidence"])
    md["touchpoints"] = ",".join(record.get("touchpoints") or ())  # in the record's order; flags below filter
    md["pain_points"] = ",".join(record.get("pain_points") or ())
    for tp in record.get("touchpoints") or ():
        md[TP_PREFIX + tp] = True
    for pp in record.get("pain_points") or ():
        md[PP_PREFIX + pp] = True
    return md


def resolve_location(path: str | Path | None, url: str | None) -> tuple[str, str]:
    """('url', URL) or ('path', folder): flags first, then JOURNEY_CHROMA_URL / JOURNEY_STORE, then ./.journey/store."""
    if path and url:
        raise StoreError("give either --store PATH (embedded) or --chroma-url URL (a Chroma server), not both")
    url = url or (None if path else os.environ.get(ENV_URL))
    if url:
        return "url", url
    return "path", str(path or os.environ.get(ENV_PATH) or DEFAULT_PATH)


class FeedbackStore:
    """One Chroma collection of feedback items with a fixed embedding."""

    def __init__(self, collection, embedding, where: str, items: ItemTable | None = None, client=None,
                 mirror: bool = True):
        self.collection = collection  # partitioned: only the embedding's configuration; else every item
        self.embedding = embedding
        self.where = where
        self.items = items  # None: texts and metadata are in Chroma's metadata (a server)
        self.client = client
        self.partitioned = items is not None and items.partitioned
        self._parts: dict[str, Any] = {} if self.partitioned else {UNPARTITIONED: collection}
        self._listed_at = -RELIST_S  # when Chroma's collections were last listed (time.monotonic)
        self._scan: ColumnScan | None = None  # built on the first search that can use it
        # a server store's local copy (mirror.py), made by the first search that can scan (when it is to be kept)
        self._keep_copy = items is None and mirror
        self._mirror: ServerMirror | None = None
        self._server_size = 0  # the server collection's size when a query was last too costly to scan
        self._changes = ChangeLog(client, collection.name) if items is None else None  # what copies read

    # -- opening ----------------------------------------------------------------------------------

    @classmethod
    def open(cls, *, path: str | Path | None = None, url: str | None = None, collection: str = DEFAULT_COLLECTION,
             embedding=None, create: bool = True, mirror: bool | None = None) -> FeedbackStore:
        """Open (or create) the collection. Without `embedding`, an existing collection reopens with the one it
        was made with; a new one gets the offline default. A different embedding than the collection's is an error.
        `mirror=False` keeps no local copy of a server collection (every search is answered by the server; the
        default is True unless $JOURNEY_MIRROR is off/0/no/false)."""
        import chromadb
        from chromadb.config import Settings

        from .embedding import HashingEmbedding  # registers the embedding with Chroma before any collection opens

        kind, where = resolve_location(path, url)
        if mirror is None:
            mirror = os.environ.get(ENV_MIRROR, "").strip().lower() not in ("off", "0", "no", "false")
        try:
            settings = Settings(anonymized_telemetry=False)  # the default path never touches the network
            if kind == "url":
                parsed = urlparse(where if "://" in where else f"http://{where}")
                client = chromadb.HttpClient(host=parsed.hostname or "localhost", port=parsed.port or 8000,
                                             ssl=parsed.scheme == "https", settings=settings)
                client.heartbeat()
            else:
                if not create and not Path(where).is_dir():
                    raise StoreError(f"no store at {where}: run `journey ingest` first (or give --store/--chroma-url)")
                Path(where).mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=where, settings=settings)
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - chromadb raises many kinds; the user needs one message
            hint = " (is `chroma run` listening there?)" if kind == "url" else ""
            raise StoreError(f"cannot open the Chroma store at {where}{hint}: {exc}") from None
        existing = cls._existing(client, collection)
        if existing is not None:
            stored = existing.configuration_json.get("embedding_function") or {}
            if embedding is None:
                embedding = _rebuild(stored, collection)
            elif stored.get("name") != embedding.name():
                raise StoreError(f"collection {collection!r} at {where} was embedded with {stored.get('name')!r}; "
                                 f"it cannot be searched or extended with {embedding.name()!r}. Use that embedding, "
                                 "or another --collection")
            elif stored.get("config") not in (None, embedding.get_config()):
                raise StoreError(f"collection {collection!r} at {where} was embedded with {stored.get('name')} "
                                 f"{stored.get('config')}, not {embedding.get_config()}; use another --collection")
            layout = (existing.metadata or {}).get(LAYOUT_KEY)
            table = layout in (ITEM_TABLE, PARTITIONED)
            if table and kind == "url":
                raise StoreError(f"collection {collection!r} was made by an embedded store and keeps its texts in "
                                 f"that store folder ({FILENAME}); open it with --store FOLDER, or ingest into another "
                                 "--collection on the server")
            items = ItemTable(where, collection, partitioned=layout == PARTITIONED) if table else None
            return cls(client.get_collection(collection, embedding_function=embedding), embedding, where, items, client,
                       mirror)
        if not create:
            raise StoreError(f"no collection {collection!r} at {where}: run `journey ingest` first")
        embedding = embedding or HashingEmbedding()
        try:
            col = client.create_collection(collection, embedding_function=embedding,
                                           metadata={LAYOUT_KEY: PARTITIONED} if kind == "path" else None,
                                           configuration={"hnsw": dict(HNSW)})
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"cannot create collection {collection!r} at {where}: {exc}") from None
        items = ItemTable(where, collection, partitioned=True) if kind == "path" else None
        return cls(col, embedding, where, items, client, mirror)

    @staticmethod
    def _existing(client, name: str):
        from chromadb.errors import NotFoundError

        try:
            return client.get_collection(name, embedding_function=None)
        except NotFoundError:
            return None
        except ValueError as exc:  # an embedding this release cannot rebuild
            raise StoreError(f"collection {name!r} cannot be opened: {exc}") from None
        except Exception as exc:  # noqa: BLE001
            if "does not exist" in str(exc) or "not found" in str(exc).lower():
                return None
            raise StoreError(f"collection {name!r} cannot be opened: {exc}") from None

    def count(self) -> int:
        """How many items the store holds (an embedded store's item table counts them: Chroma's own count loads
        every segment, 16 s at 1,000,000 items)."""
        if self.items is not None:
            return self.items.size()
        return sum(col.count() for col in self.partitions().values())

    # -- partitions (one collection per language, embedded) ---------------------------------------

    def partitions(self) -> dict[str, Any]:
        """partition -> its Chroma collection ({"": the collection} when the store is not partitioned)."""
        if self.partitioned and time.monotonic() - self._listed_at >= RELIST_S:
            self._listed_at = time.monotonic()
            prefix = self.collection.name + "."
            for name in self._collection_names():
                if name.startswith(prefix) and name[len(prefix):] not in self._parts:
                    self.part_collection(name[len(prefix):])
        return dict(self._parts)

    def _collection_names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def part_collection(self, part: str, create: bool = False):
        """The collection of one partition (None when it does not exist and `create` is False)."""
        if not self.partitioned or part in self._parts:
            return self._parts.get(part, self.collection if not self.partitioned else None)
        name = f"{self.collection.name}.{part}"
        if create:
            col = self.client.get_or_create_collection(name, embedding_function=self.embedding,
                                                       configuration={"hnsw": dict(HNSW)})
        elif name in self._collection_names():
            col = self.client.get_collection(name, embedding_function=self.embedding)
        else:
            return None
        self._parts[part] = col
        return col

    def _by_part(self, metas: Sequence[Mapping[str, Any]]) -> dict[str, list[int]]:
        """partition -> positions of the items with these metadata."""
        groups: dict[str, list[int]] = {}
        for j, md in enumerate(metas):
            groups.setdefault(part_of(md) if self.partitioned else UNPARTITIONED, []).append(j)
        return groups

    def _present(self, ids: Sequence[str], metas: Sequence[Mapping[str, Any]]) -> set[str]:
        """Those of `ids` that already have a vector (looked up in their partition's collection)."""
        present: set[str] = set()
        for part, at in self._by_part(metas).items():
            col = self.part_collection(part)
            if col is not None:
                present.update(col.get(ids=[ids[j] for j in at], include=[])["ids"])
        return present

    def _add_vectors(self, ids: Sequence[str], embeddings, metas: Sequence[Mapping[str, Any]]) -> None:
        """Add ids and vectors to their partitions' collections (embedded: the item table has the rest)."""
        vectors = np.asarray(embeddings, dtype=np.float32)
        for part, at in self._by_part(metas).items():
            self.part_collection(part, create=True).add(ids=[ids[j] for j in at], embeddings=vectors[at])

    # -- writing ----------------------------------------------------------------------------------

    def ingest(self, items: Iterable[FeedbackItem], batch: int = MAX_BATCH,
               progress: Callable[[int], None] | None = None, parallel: bool | None = None) -> IngestStats:
        """Add the items not yet in the store, in batches within Chroma's limits.

        On a multi-core machine a second process computes the embeddings of the next batch (and, embedded, writes
        it to the item table) while this one adds the current batch to Chroma (`parallel=False` keeps everything in
        this process).
        """
        stats = IngestStats()
        batch = max(1, min(batch, MAX_BATCH))
        pending: deque = deque()  # (ids, texts, metas, embeddings or their async result), not yet in Chroma
        pool = None
        use_pool = (os.cpu_count() or 1) > 1 if parallel is None else parallel
        try:
            for chunk in _chunks(items, batch, stats):
                new = self._new_ids(chunk, pending, stats)
                if new:
                    texts = [chunk[k][0] for k in new]
                    metas = [chunk[k][1] for k in new]
                    rows = list(zip(new, texts, metas)) if self.items is not None else None
                    if pool is None and use_pool and len(chunk) == batch:
                        pool = _embedding_pool(self.embedding, self.items)
                    if pool is not None:
                        result = pool.apply_async(_embed_and_keep, (texts, rows))
                    else:
                        result = self.embedding(texts)
                        if rows is not None:
                            self.items.put(rows, result)
                    pending.append((new, texts, metas, result))
                while len(pending) > (1 if pool is not None else 0):
                    self._write_job(pending.popleft(), stats)
                if progress:
                    progress(stats.read)
            while pending:
                self._write_job(pending.popleft(), stats)
        finally:
            if pool is not None:
                pool.terminate()
        return stats

    def _new_ids(self, chunk: Mapping[str, tuple[str, dict]], pending: deque, stats: IngestStats) -> list[str]:
        """The ids of a batch that are neither stored nor in a batch still being written."""
        keys = list(chunk)
        present = self._present(keys, [chunk[k][1] for k in keys])
        for job in pending:  # at most one batch: written before the next one is checked
            present.update(k for k in job[0] if k in chunk)
        stats.present += len(present)
        return [key for key in keys if key not in present]

    def _write_job(self, job, stats: IngestStats) -> None:
        ids, texts, metas, result = job
        embeddings = result.get() if hasattr(result, "get") else result
        if self.items is None:
            self.collection.add(ids=ids, embeddings=embeddings, metadatas=[dict(m, text=t) for m, t in zip(metas, texts)])
            self._logged(ADDED, ids)
        else:  # the item table already has these rows (see `_add` for why first)
            self._add_vectors(ids, embeddings, metas)
        stats.added += len(ids)
        stats.batches += 1

    def update_labels(self, pairs: Iterable[tuple[FeedbackItem, Mapping[str, Any]]], batch: int = 2000) -> int:
        """Write the journey labels of records back onto their items (adding items not yet stored)."""
        updated = 0
        chunk: list[tuple[FeedbackItem, Mapping[str, Any]]] = []

        def flush() -> int:
            ids = [content_id(item.item_id, item.text) for item, _ in chunk]
            metas = [dict(item_metadata(item), **label_metadata(rec)) for item, rec in chunk]
            present = self._present(ids, metas)
            stored = self._stored(sorted(present))
            # an update merges keys: flags of labels the new record no longer has are set to False
            meta_of = dict(zip(ids, metas))
            for sid, (_, smd) in stored.items():
                meta = meta_of[sid]
                for key in smd:
                    if key.startswith((TP_PREFIX, PP_PREFIX)) and key not in meta:
                        meta[key] = False
            old = {i: m for i, m in zip(ids, metas) if i in present}
            new = [(i, m, item.text) for i, m, (item, _) in zip(ids, metas, chunk) if i not in present]
            if old:
                if self.items is not None:
                    self.items.update({i: dict(stored[i][1], **m) for i, m in old.items() if i in stored})
                else:
                    self.collection.update(ids=list(old), metadatas=list(old.values()))
                    self._logged(LABELLED, list(old))
            if new:
                texts = [t for _, _, t in new]
                self._add([i for i, _, _ in new], texts, [m for _, m, _ in new], self.embedding(texts))
            return len(chunk)

        for pair in pairs:
            chunk.append(pair)
            if len(chunk) >= batch:
                updated += flush()
                chunk = []
        if chunk:
            updated += flush()
        return updated

    def _add(self, ids: list[str], texts: list[str], metas: list[dict], embeddings) -> None:
        """Add new items: on a server with text and metadata in Chroma; embedded, the item table first (a row
        without its vector is harmless and rewritten by the next ingest; a vector without its row would not be)."""
        if self.items is None:
            self.collection.add(ids=ids, embeddings=embeddings, metadatas=[dict(m, text=t) for m, t in zip(metas, texts)])
            self._logged(ADDED, ids)
            return
        self.items.put(zip(ids, texts, metas), embeddings)
        self._add_vectors(ids, embeddings, metas)

    def _logged(self, kind: str, ids: Sequence[str]) -> None:
        """Record a write to a server collection in its change log, for every client's local copy (mirror.py)."""
        assert self._changes is not None
        try:
            self._changes.append(kind, ids)
        except Exception as exc:  # noqa: BLE001 - the items are written; say what the copies will miss
            raise StoreError(f"{len(ids):,} items were written to {self.collection.name!r} at {self.where}, but not "
                             f"to its change log ({exc}): other clients' local copies will not see them until they "
                             "copy the collection again") from None

    def _stored(self, ids: Sequence[str], chroma_metadatas: Sequence[Mapping | None] | None = None
                ) -> dict[str, tuple[str, dict]]:
        """id -> (text, metadata) of stored items; `chroma_metadatas` (for `ids`, in order) saves a lookup on a
        server."""
        if self.items is not None:
            return self.items.get(list(ids))
        if chroma_metadatas is None:
            got = self.collection.get(ids=list(ids), include=["metadatas"])
            ids, chroma_metadatas = got["ids"], got["metadatas"]
        out = {}
        for i, md in zip(ids, chroma_metadatas):
            md = dict(md or {})
            out[i] = (str(md.pop("text", "")), md)
        return out

    # -- reading ----------------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, where: Mapping[str, Any] | None = None,
               progress: Callable[[int, int], None] | None = None) -> list[Hit]:
        """The k items most similar to `query`, optionally filtered by metadata (see `filters`). `progress(done,
        total)` follows a server store's first copy of its items (see `nearest`)."""
        if not query.strip():
            raise StoreError("empty query: say what to look for, e.g. journey search \"parcel never arrived\"")
        return self.nearest(self.embedding([query])[0], k, where, progress)

    def nearest(self, vector: Sequence[float], k: int = 10, where: Mapping[str, Any] | None = None,
                progress: Callable[[int, int], None] | None = None) -> list[Hit]:
        """The k nearest items, optionally filtered (a Chroma `where`; see the module's note for how an embedded
        store answers a filter). A query cheap enough to compare with every item (scan.py) is answered exactly from
        the store's column copy: on a server, from this client's local copy of the collection (mirror.py), which
        the search first brings up to date. Else, on a server, the nearest 10 x k, then 50 x k items are fetched
        unfiltered and filtered here; when they hold too few matches, Chroma's own filter answers, whose cost grows
        with the items it matches (about 7 us each: 300 ms for a language filter at 100k items)."""
        query = np.asarray(vector, dtype=np.float32)
        scan = self._column_scan(query, progress)
        if scan is not None:
            found = self._by_columns(scan, query, k, where)
            if found is not None:
                return found
        if self.items is not None:
            scored = self._filtered(query, k, where) if where else [
                pair for col in self.partitions().values() for pair in self._ann(col, query, k)]
            best = dict(sorted(scored, key=lambda pair: pair[1]))  # an id found twice keeps its best score
            return self._hits(sorted(best.items(), key=lambda pair: -pair[1])[:k])
        if not where:
            return self._query(query, k)
        for factor in OVERFETCH if _simple(where) else ():
            hits = [h for h in self._query(query, k * factor) if _matches(h.metadata, where)]
            if len(hits) >= k:
                return hits[:k]
        hits = self._query(query, k, where=where)
        return hits if len(hits) >= k else self._exact(query, k, where=where) or hits

    # -- searching an embedded store: (id, score) pairs, texts read for the final hits only -------

    def _column_scan(self, query: np.ndarray, progress: Callable[[int, int], None] | None = None
                     ) -> ColumnScan | None:
        """The column copy of the store's vectors (of the local copy's, on a server), up to date, when comparing the
        query with every item that way is cheap enough (see scan.py); else None."""
        table = self.items if self.partitioned else self._mirrored(query, progress)
        if table is None:
            return None
        if self._scan is None or self._scan.items is not table or self._scan.dim != len(query):
            self._scan = ColumnScan(table, len(query))
        if not self._scan.affordable(query):
            return None
        self._scan.refresh()
        return self._scan

    def _mirrored(self, query: np.ndarray, progress: Callable[[int, int], None] | None) -> ItemTable | None:
        """A server store's local copy (made when this query could be scanned), brought up to date; None when the
        store keeps none or cannot (a cache folder that cannot be written: the server answers)."""
        if not self._keep_copy:
            return None
        try:
            if self._mirror is None:
                nonzero = int(np.count_nonzero(query))
                if nonzero * self._server_size > SCAN_BUDGET:  # collections grow: no need to count again
                    return None
                self._server_size = self.collection.count()
                if nonzero * self._server_size > SCAN_BUDGET:
                    return None
                try:
                    self._mirror = ServerMirror(self.collection, self.client, mirror_folder(
                        self.where, self.collection.name, self.collection.id), self._changes)
                except MirrorError:
                    self._keep_copy = False
                    return None
            self._mirror.sync(progress)
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - the server went away or refused
            raise StoreError(f"search failed: cannot bring the local copy of {self.collection.name!r} up to date "
                             f"from {self.where}: {exc}") from None
        return self._mirror.table

    def _by_columns(self, scan: ColumnScan, query: np.ndarray, k: int, where: Mapping[str, Any] | None
                    ) -> list[Hit] | None:
        """The k best hits from the column scan: a filter masks its scores, or, matching at most EXACT_ROWS items
        of no whole partition, is answered from those items' vectors alone. None for a filter the item table's
        index cannot answer (operators, or keys it leaves out such as free text)."""
        table = scan.items
        if not where:
            return self._hits(self._scanned(table, scan.best(query, k)), table)
        clauses = _clauses(where) if _simple(where) else []
        if not clauses or not all(table.indexed(key) for key, _ in clauses):
            return None
        counts, whole = _parts_matching(table, clauses)
        if not whole and sum(m for m, _ in counts.values()) <= EXACT_ROWS:
            return self._hits(self._exact_rows(query, k, table.matching_rows(clauses), table=table), table)
        mask = None if len(whole) == len(counts) else scan.matching(clauses)
        return self._hits(self._scanned(table, scan.best(query, k, list(counts), mask)), table)

    @staticmethod
    def _scanned(table: ItemTable, pairs: Sequence[tuple[int, float]]) -> list[tuple[str, float]]:
        """(row, score) pairs of a column scan as (id, score) pairs."""
        ids = table.ids_of([row for row, _ in pairs])
        return [(ids[row], score) for row, score in pairs if row in ids]

    def _filtered(self, query: np.ndarray, k: int, where: Mapping[str, Any]) -> list[tuple[str, float]]:
        """The k best (id, score) pairs matching `where`, from each partition the filter can match (by Chroma's
        indexes: for queries the column scan does not take)."""
        assert self.items is not None
        clauses = _clauses(where) if _simple(where) else []
        if not clauses or not all(self.items.indexed(key) for key, _ in clauses):
            # operators, or a key the index leaves out (free text, ids): every row is read
            allowed = [i for i, (_, md) in self.items.get(self._all_ids()).items() if _matches(md, where)]
            return [pair for col in self.partitions().values() for pair in self._restricted(col, query, k, allowed)]
        counts, whole = _parts_matching(self.items, clauses)
        scored: list[tuple[str, float]] = []
        for part in whole:
            scored += self._ann(self.part_collection(part), query, k) if self.part_collection(part) else []
        rest = {part: counts[part] for part in counts if part not in whole}
        if self.partitioned and rest and sum(m for m, _ in rest.values()) <= EXACT_ROWS:
            return scored + self._exact_rows(query, k, self.items.matching_rows(clauses))
        for part, (matching, size) in rest.items():
            col = self.part_collection(part)
            if matching and col is not None:
                scored += self._search_part(col, part, query, k, clauses, matching, size)
        return scored

    def _search_part(self, col, part: str, query: np.ndarray, k: int, clauses: list[tuple[str, Any]],
                     matching: int, size: int) -> list[tuple[str, float]]:
        """The k best matches in one partition, `matching` of its `size` items matching the clauses (at most)."""
        assert self.items is not None
        if matching >= size:  # every item of the partition matches (a language filter, in a partitioned store)
            return self._ann(col, query, k)
        if self.partitioned and matching <= EXACT_ROWS:
            return self._exact_rows(query, k, self.items.matching_rows(clauses, part))
        if not self.partitioned and matching <= EXACT_MAX:
            return self._exact_ids(col, query, k, self.items.matching(clauses, part))
        n = min(POSTFILTER_MAX, max(10 * k, math.ceil(3 * k * size / matching)))
        while True:
            found = self._ann(col, query, n)
            kept = self.items.having([i for i, _ in found], clauses, part)
            pairs = [pair for pair in found if pair[0] in kept]
            if len(pairs) >= k or len(found) < n:
                return pairs[:k]
            if n >= POSTFILTER_MAX:
                break
            n = min(POSTFILTER_MAX, n * 4)
        if self.partitioned:
            return self._exact_rows(query, k, self.items.matching_rows(clauses, part))
        return self._restricted(col, query, k, self.items.matching(clauses, part))

    def _restricted(self, col, query: np.ndarray, k: int, ids: list[str]) -> list[tuple[str, float]]:
        """The k best of `ids` in one collection: exactly when they are few, else by Chroma's restricted query
        (which can return fewer hits than there are matches; exactly again then, if they are few enough)."""
        if len(ids) <= EXACT_MAX:
            return self._exact_ids(col, query, k, ids)
        pairs = self._ann(col, query, k, ids)
        return pairs if len(pairs) >= k else self._exact_ids(col, query, k, ids) or pairs

    def _ann(self, col, query: np.ndarray, n: int, ids: list[str] | None = None) -> list[tuple[str, float]]:
        """The n nearest (id, cosine similarity) pairs of one collection, from its HNSW index."""
        try:
            result = col.query(query_embeddings=[query], n_results=n, ids=ids, include=["distances"])
        except Exception as exc:  # noqa: BLE001 - an empty collection or a Chroma error
            if col.count() == 0:
                return []
            raise StoreError(f"search failed: {exc}") from None
        return [(hid, 1.0 - float(dist)) for hid, dist in zip(result["ids"][0], result["distances"][0])]

    def _exact_ids(self, col, query: np.ndarray, k: int, ids: list[str]) -> list[tuple[str, float]]:
        """The k best of `ids` (those in this collection), comparing the query with each of their vectors."""
        if not ids:
            return []
        try:
            got = col.get(ids=ids, include=["embeddings"])
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"search failed: {exc}") from None
        if not got["ids"]:
            return []
        scores = _cosines(np.asarray(got["embeddings"], dtype=np.float32), query)
        return [(got["ids"][j], float(scores[j])) for j in np.argsort(-scores, kind="stable")[:k]]

    def _exact_rows(self, query: np.ndarray, k: int, rows: np.ndarray, chunk: int = EXACT_ROWS,
                    table: ItemTable | None = None) -> list[tuple[str, float]]:
        """The k best of the items at these rowids, comparing the query with each of their kept vectors (read
        `chunk` at a time) in `table` (the store's item table by default)."""
        table = table or self.items
        assert table is not None
        best_rows, best_scores = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            scores = _cosines(table.vectors(part, len(query)), query)
            best_rows, best_scores = np.concatenate([best_rows, part]), np.concatenate([best_scores, scores])
            order = np.argsort(-best_scores, kind="stable")[:k]
            best_rows, best_scores = best_rows[order], best_scores[order]
        ids = table.ids_of(best_rows.tolist())
        return [(ids[int(r)], float(score)) for r, score in zip(best_rows, best_scores) if int(r) in ids]

    def _hits(self, scored: Sequence[tuple[str, float]], table: ItemTable | None = None) -> list[Hit]:
        """Hits with their texts and metadata, read from `table` when given (a server store's local copy)."""
        ids = [i for i, _ in scored]
        stored = table.get(ids) if table is not None else self._stored(ids)
        return [Hit(hid, score, *stored.get(hid, ("", {}))) for hid, score in scored]

    # -- searching a server (texts and metadata in Chroma) -----------------------------------------

    def _exact(self, query: np.ndarray, k: int, *, where: Mapping[str, Any]) -> list[Hit]:
        """Exact nearest neighbours among the items matching a filter (at most EXACT_MAX of them; [] when there
        are more). Chroma's filtered HNSW search can return fewer hits than there are matches when the matches are
        few and far from the query; comparing with every match cannot."""
        try:
            got = self.collection.get(where=dict(where), include=["embeddings", "metadatas"], limit=EXACT_MAX + 1)
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"search failed: {exc}") from None
        if not got["ids"] or len(got["ids"]) > EXACT_MAX:
            return []
        scores = _cosines(np.asarray(got["embeddings"], dtype=np.float32), query)
        order = np.argsort(-scores, kind="stable")[:k]
        found = [got["ids"][j] for j in order]
        stored = self._stored(found, [got["metadatas"][j] for j in order])
        return [Hit(hid, float(scores[j]), *stored.get(hid, ("", {}))) for hid, j in zip(found, order)]

    def _all_ids(self) -> list[str]:
        return [i for col in self.partitions().values() for i in col.get(include=[])["ids"]]

    def _query(self, query, k: int, where: Mapping[str, Any] | None = None) -> list[Hit]:
        try:
            result = self.collection.query(query_embeddings=[query], n_results=k, where=dict(where) if where else None,
                                           include=["metadatas", "distances"])
        except Exception as exc:  # noqa: BLE001 - an empty collection or a server error
            if self.count() == 0:
                return []
            raise StoreError(f"search failed: {exc}") from None
        found = result["ids"][0]
        stored = self._stored(found, result["metadatas"][0])
        return [Hit(hid, 1.0 - float(dist), *stored.get(hid, ("", {})))
                for hid, dist in zip(found, result["distances"][0])]

    def similar_examples(self, text: str, k: int = 4, labelled_only: bool = True) -> list[Hit]:
        """Few-shot retrieval: the k stored items most similar to `text` that carry journey labels."""
        where = {"labelled": True} if labelled_only else None
        return [h for h in self.search(text, k + 1, where) if h.text != text][:k]

    def iter_vectors(self, batch: int = 5000) -> Iterator[tuple[list[str], list[list[float]], list[dict]]]:
        """Every stored item with its embedding and its metadata (`text` included), in batches (for duplicates and
        themes)."""
        include = ["embeddings"] if self.items is not None else ["embeddings", "metadatas"]
        for col in self.partitions().values():
            offset, n = 0, col.count()
            while offset < n:
                got = col.get(limit=batch, offset=offset, include=include)
                if not got["ids"]:
                    break
                stored = self._stored(got["ids"], got.get("metadatas") if self.items is None else None)
                metas = []
                for i in got["ids"]:
                    text, md = stored.get(i, ("", {}))
                    metas.append(dict(md, text=text))
                yield got["ids"], got["embeddings"], metas
                offset += len(got["ids"])


_WORKER_EMBEDDING = None
_WORKER_TABLE: tuple[str, str, bool] | ItemTable | None = None  # ItemTable arguments until the worker opens it


def _embedding_pool(embedding, items: ItemTable | None):
    """One forked process that embeds batches and keeps their rows in the item table (the embedding is
    inherited, not pickled; the worker opens its own SQLite connection)."""
    import multiprocessing

    global _WORKER_EMBEDDING, _WORKER_TABLE
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    _WORKER_EMBEDDING = embedding
    _WORKER_TABLE = (str(items.folder), items.collection, items.partitioned) if items is not None else None
    return multiprocessing.get_context("fork").Pool(1)


def _embed_and_keep(texts: list[str], rows: list[tuple[str, str, dict]] | None):
    global _WORKER_TABLE
    vectors = np.asarray(_WORKER_EMBEDDING(texts), dtype=np.float32)
    if rows is not None:
        if isinstance(_WORKER_TABLE, tuple):
            _WORKER_TABLE = ItemTable(*_WORKER_TABLE)
        assert isinstance(_WORKER_TABLE, ItemTable)
        _WORKER_TABLE.put(rows, vectors)
    return vectors


def _parts_matching(table: ItemTable, clauses: Sequence[tuple[str, Any]]
                    ) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """partition -> (items matching at most, items it holds) for the partitions the clauses can match, and those
    whose every item matches (a language filter's)."""
    counts = {part: (m, size) for part, (m, size) in table.counts(clauses).items() if m}
    return counts, [part for part, (m, size) in counts.items() if m >= size]


def _cosines(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of `matrix` with `query` (0 for a zero vector)."""
    norms = np.linalg.norm(matrix, axis=1) * (float(np.linalg.norm(query)) or 1.0)
    return (matrix @ query) / np.where(norms == 0, 1.0, norms)


def _simple(where: Mapping[str, Any]) -> bool:
    """Only equality clauses joined by $and (what `filters()` builds)."""
    if "$and" in where:
        return all(_simple(c) for c in where["$and"])
    return all(not k.startswith("$") and not isinstance(v, dict) for k, v in where.items())


def _clauses(where: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The (key, value) equality clauses of a simple filter."""
    if "$and" in where:
        return [c for clause in where["$and"] for c in _clauses(clause)]
    return list(where.items())


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda a, b: a == b, "$ne": lambda a, b: a != b,
    "$gt": lambda a, b: a is not None and a > b, "$gte": lambda a, b: a is not None and a >= b,
    "$lt": lambda a, b: a is not None and a < b, "$lte": lambda a, b: a is not None and a <= b,
    "$in": lambda a, b: a in b, "$nin": lambda a, b: a not in b,
}


def _matches(metadata: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """Whether metadata satisfies a Chroma `where` clause (equality and comparison operators, $and, $or)."""
    for key, value in where.items():
        if key == "$and":
            if not all(_matches(metadata, clause) for clause in value):
                return False
        elif key == "$or":
            if not any(_matches(metadata, clause) for clause in value):
                return False
        elif isinstance(value, dict):
            for op, operand in value.items():
                if op not in _OPERATORS:
                    raise StoreError(f"unsupported filter operator {op!r} (use {', '.join(_OPERATORS)})")
                try:
                    if not _OPERATORS[op](metadata.get(key), operand):
                        return False
                except TypeError:  # comparing a string with a number
                    return False
        elif metadata.get(key) != value:
            return False
    return True


def _rebuild(stored: Mapping[str, Any], collection: str):
    """The embedding a collection was made with, from the configuration Chroma keeps with it."""
    from chromadb.utils.embedding_functions import known_embedding_functions

    name = stored.get("name")
    if name not in known_embedding_functions:
        raise StoreError(f"collection {collection!r} was embedded with {name!r}, which this installation cannot "
                         "rebuild; open it with the program that made it, or re-ingest into another --collection")
    try:
        return known_embedding_functions[name].build_from_config(stored.get("config") or {})
    except Exception as exc:  # noqa: BLE001 - e.g. a missing API key for an OpenAI embedding
        raise StoreError(f"collection {collection!r} needs the {name!r} embedding, which cannot be set up here: "
                         f"{exc}") from None


def _chunks(items: Iterable[FeedbackItem], size: int, stats: IngestStats) -> Iterator[dict[str, tuple[str, dict]]]:
    """Items as {store id: (text, metadata)} batches; an item repeated within a batch is counted once (repeats
    across batches are found in the store or in the batch being written, so memory does not grow with the input)."""
    chunk: dict[str, tuple[str, dict]] = {}
    for item in items:
        stats.read += 1
        key = content_id(item.item_id, item.text)
        if key in chunk:
            stats.present += 1
            continue
        chunk[key] = (item.text, item_metadata(item))
        if len(chunk) >= size:
            yield chunk
            chunk = {}
    if chunk:
        yield chunk


def filters(*, stage: str | None = None, touchpoint: str | None = None, pain_point: str | None = None,
            lang: str | None = None, source: str | None = None, emotion: str | None = None,
            segment: str | None = None) -> dict[str, Any] | None:
    """A Chroma `where` clause from label filters (all must hold)."""
    clauses: list[dict[str, Any]] = []
    for key, value in (("stage", stage), ("lang", lang), ("source", source), ("emotion", emotion),
                       ("segment", segment)):
        if value:
            clauses.append({key: value})
    if touchpoint:
        clauses.append({TP_PREFIX + touchpoint: True})
    if pain_point:
        clauses.append({PP_PREFIX + pain_point: True})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
