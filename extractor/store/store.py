"""The feedback store: feedback items embedded into a Chroma collection, with their journey labels.

Embedded by default (a `PersistentClient` in a local folder); a Chroma server (`chroma run`, or a hosted
Chroma) when given a URL. Ids are content hashes (item id + text), so ingesting the same file twice adds
nothing. Every item has a text and metadata: source, language, customer, time and, once extracted, the journey
labels as flat fields (`stage`, `emotion`, `tp_<id>`, `pp_<id>` booleans), so search can filter by any label.
On a server both live in Chroma's metadata; an embedded store gives Chroma only ids and vectors and keeps texts
and metadata in its item table beside Chroma (see items.py: much faster ingest and filters).
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import urlparse

import numpy as np

from ..errors import UsageError
from ..schema import FeedbackItem
from .items import FILENAME, ItemTable

DEFAULT_PATH = Path(".journey") / "store"
DEFAULT_COLLECTION = "feedback"
MAX_BATCH = 5000  # Chroma refuses `add` batches above about 5,400 items
ENV_PATH, ENV_URL = "JOURNEY_STORE", "JOURNEY_CHROMA_URL"
TP_PREFIX, PP_PREFIX = "tp_", "pp_"
LAYOUT_KEY, ITEM_TABLE = "journey_layout", "item-table@1"  # collection metadata: texts and metadata in items.py
EXACT_MAX = 2000  # a filter matching at most this many items is answered exactly, by comparing with each
OVERFETCH = (10, 50)  # unfiltered neighbours fetched per wanted hit, tried in turn (100k items: 9 ms, 40 ms)
# HNSW settings of new collections, measured on 100,000 real items (ids and vectors only, Chroma alone): an
# ef_construction of 32 adds 3,040 items/s for a recall@10 of 0.89, 48 about 2,400/s for 0.91, 64 2,270/s for
# 0.94, Chroma's 100 about 1,700/s for 0.96. End to end (embedding and item table in a second process) 32 gave
# 2,330 items/s and 40 2,120: 32 keeps the 2,000 items/s budget with a margin for a busy machine. A larger batch
# and sync threshold cut index rebuilds and flushes.
HNSW = {"space": "cosine", "ef_construction": 32, "ef_search": 150, "batch_size": 5000, "sync_threshold": 50000}


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
    for key in ("lang", "customer_id", "created_at", "origin"):
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

    def __init__(self, collection, embedding, where: str, items: ItemTable | None = None):
        self.collection = collection
        self.embedding = embedding
        self.where = where
        self.items = items  # None: texts and metadata are in Chroma's metadata (a server)

    # -- opening ----------------------------------------------------------------------------------

    @classmethod
    def open(cls, *, path: str | Path | None = None, url: str | None = None, collection: str = DEFAULT_COLLECTION,
             embedding=None, create: bool = True) -> FeedbackStore:
        """Open (or create) the collection. Without `embedding`, an existing collection reopens with the one it
        was made with; a new one gets the offline default. A different embedding than the collection's is an error."""
        import chromadb
        from chromadb.config import Settings

        from .embedding import HashingEmbedding  # registers the embedding with Chroma before any collection opens

        kind, where = resolve_location(path, url)
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
            table = (existing.metadata or {}).get(LAYOUT_KEY) == ITEM_TABLE
            if table and kind == "url":
                raise StoreError(f"collection {collection!r} was made by an embedded store and keeps its texts in "
                                 f"that store folder ({FILENAME}); open it with --store FOLDER, or ingest into another "
                                 "--collection on the server")
            items = ItemTable(where, collection) if table else None
            return cls(client.get_collection(collection, embedding_function=embedding), embedding, where, items)
        if not create:
            raise StoreError(f"no collection {collection!r} at {where}: run `journey ingest` first")
        embedding = embedding or HashingEmbedding()
        try:
            col = client.create_collection(collection, embedding_function=embedding,
                                           metadata={LAYOUT_KEY: ITEM_TABLE} if kind == "path" else None,
                                           configuration={"hnsw": dict(HNSW)})
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"cannot create collection {collection!r} at {where}: {exc}") from None
        return cls(col, embedding, where, ItemTable(where, collection) if kind == "path" else None)

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
        return self.collection.count()

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
        pending: deque = deque()
        pool = None
        use_pool = (os.cpu_count() or 1) > 1 if parallel is None else parallel

        def write(job) -> None:
            ids, texts, metas, result = job
            embeddings = result.get() if hasattr(result, "get") else result
            if self.items is None:
                self.collection.add(ids=ids, embeddings=embeddings,
                                    metadatas=[dict(m, text=t) for m, t in zip(metas, texts)])
            else:  # the item table already has these rows (see `_add` for why first)
                self.collection.add(ids=ids, embeddings=embeddings)
            stats.added += len(ids)
            stats.batches += 1

        try:
            for chunk in _chunks(items, batch, stats):
                present = set(self.collection.get(ids=list(chunk), include=[])["ids"])
                stats.present += len(present)
                new = [key for key in chunk if key not in present]
                if new:
                    texts = [chunk[k][0] for k in new]
                    metas = [chunk[k][1] for k in new]
                    rows = list(zip(new, texts, metas)) if self.items is not None else None
                    if pool is None and use_pool and len(chunk) == batch:
                        pool = _embedding_pool(self.embedding, self.items)
                    if pool is not None:
                        result = pool.apply_async(_embed_and_keep, (texts, rows))
                    else:
                        if rows is not None:
                            self.items.put(rows)
                        result = self.embedding(texts)
                    pending.append((new, texts, metas, result))
                while len(pending) > (1 if pool is not None else 0):
                    write(pending.popleft())
                if progress:
                    progress(stats.read)
            while pending:
                write(pending.popleft())
        finally:
            if pool is not None:
                pool.terminate()
        return stats

    def update_labels(self, pairs: Iterable[tuple[FeedbackItem, Mapping[str, Any]]], batch: int = 2000) -> int:
        """Write the journey labels of records back onto their items (adding items not yet stored)."""
        updated = 0
        chunk: list[tuple[FeedbackItem, Mapping[str, Any]]] = []

        def flush() -> int:
            ids = [content_id(item.item_id, item.text) for item, _ in chunk]
            metas = [dict(item_metadata(item), **label_metadata(rec)) for item, rec in chunk]
            present = set(self.collection.get(ids=ids, include=[])["ids"])
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
            return
        self.items.put(zip(ids, texts, metas))
        self.collection.add(ids=ids, embeddings=embeddings)

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

    def search(self, query: str, k: int = 10, where: Mapping[str, Any] | None = None) -> list[Hit]:
        """The k items most similar to `query`, optionally filtered by metadata (see `filters`)."""
        if not query.strip():
            raise StoreError("empty query: say what to look for, e.g. journey search \"parcel never arrived\"")
        return self.nearest(self.embedding([query])[0], k, where)

    def nearest(self, vector: Sequence[float], k: int = 10, where: Mapping[str, Any] | None = None) -> list[Hit]:
        """The k nearest items, optionally filtered (a Chroma `where`). With a filter, the nearest 10 x k items are
        fetched unfiltered and filtered here first. When they hold too few matches, an embedded store restricts the
        query to the ids its item table finds (about 25 ms plus 1 us a matching item at 100k items); on a server,
        50 x k neighbours are tried, then Chroma's own filter, whose cost grows with the items it matches (about
        7 us each: 300 ms for a language filter at 100k items)."""
        query = np.asarray(vector, dtype=np.float32)
        if not where:
            return self._query(query, k)
        # Embedded, the item table's ids make a restricted query cheap, so one overfetch is tried, not two.
        for factor in (OVERFETCH[:1] if self.items is not None else OVERFETCH) if _simple(where) else ():
            hits = [h for h in self._query(query, k * factor) if _matches(h.metadata, where)]
            if len(hits) >= k:
                return hits[:k]
        if self.items is None:
            hits = self._query(query, k, where=where)
            return hits if len(hits) >= k else self._exact(query, k, where=where) or hits
        clauses = _clauses(where) if _simple(where) else []
        if clauses and all(self.items.indexed(key) for key, _ in clauses):
            allowed = self.items.matching(clauses)
        else:  # operators, or a key the index leaves out (free text, ids): every row is read
            allowed = [i for i, (_, md) in self.items.get(self._all_ids()).items() if _matches(md, where)]
        if not allowed:
            return []
        if len(allowed) <= EXACT_MAX:
            return self._exact(query, k, ids=allowed)
        hits = self._query(query, min(k, len(allowed)), ids=allowed)
        return hits if len(hits) >= min(k, len(allowed)) else self._exact(query, k, ids=allowed) or hits

    def _exact(self, query: np.ndarray, k: int, *, ids: list[str] | None = None,
               where: Mapping[str, Any] | None = None) -> list[Hit]:
        """Exact nearest neighbours among the items given by ids or a filter (at most EXACT_MAX of them; [] when
        there are more). Chroma's filtered HNSW search can return fewer hits than there are matches when the
        matches are few and far from the query; comparing with every match cannot."""
        include = ["embeddings"] if self.items is not None else ["embeddings", "metadatas"]
        try:
            got = self.collection.get(ids=ids, where=dict(where) if where else None, include=include,
                                      limit=None if ids is not None else EXACT_MAX + 1)
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"search failed: {exc}") from None
        if not got["ids"] or len(got["ids"]) > EXACT_MAX:
            return []
        matrix = np.asarray(got["embeddings"], dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (float(np.linalg.norm(query)) or 1.0)
        scores = (matrix @ query) / np.where(norms == 0, 1.0, norms)
        order = np.argsort(-scores, kind="stable")[:k]
        found = [got["ids"][j] for j in order]
        metas = None if self.items is not None else [got["metadatas"][j] for j in order]
        stored = self._stored(found, metas)
        return [Hit(hid, float(scores[j]), *stored.get(hid, ("", {}))) for hid, j in zip(found, order)]

    def _all_ids(self) -> list[str]:
        return self.collection.get(include=[])["ids"]

    def _query(self, query, k: int, where: Mapping[str, Any] | None = None, ids: list[str] | None = None) -> list[Hit]:
        include = ["distances"] if self.items is not None else ["metadatas", "distances"]
        try:
            result = self.collection.query(query_embeddings=[query], n_results=k, where=dict(where) if where else None,
                                           ids=ids, include=include)
        except Exception as exc:  # noqa: BLE001 - an empty collection or a server error
            if self.count() == 0:
                return []
            raise StoreError(f"search failed: {exc}") from None
        found = result["ids"][0]
        stored = self._stored(found, None if self.items is not None else result["metadatas"][0])
        return [Hit(hid, 1.0 - float(dist), *stored.get(hid, ("", {})))
                for hid, dist in zip(found, result["distances"][0])]

    def similar_examples(self, text: str, k: int = 4, labelled_only: bool = True) -> list[Hit]:
        """Few-shot retrieval: the k stored items most similar to `text` that carry journey labels."""
        where = {"labelled": True} if labelled_only else None
        return [h for h in self.search(text, k + 1, where) if h.text != text][:k]

    def iter_vectors(self, batch: int = 5000) -> Iterator[tuple[list[str], list[list[float]], list[dict]]]:
        """Every stored item with its embedding and its metadata (`text` included), in batches (for duplicates and
        themes)."""
        offset, n = 0, self.count()
        while offset < n:
            include = ["embeddings"] if self.items is not None else ["embeddings", "metadatas"]
            got = self.collection.get(limit=batch, offset=offset, include=include)
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
_WORKER_TABLE: tuple[str, str] | ItemTable | None = None  # (folder, collection) until the worker opens it


def _embedding_pool(embedding, items: ItemTable | None):
    """One forked process that embeds batches and keeps their rows in the item table (the embedding is
    inherited, not pickled; the worker opens its own SQLite connection)."""
    import multiprocessing

    global _WORKER_EMBEDDING, _WORKER_TABLE
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    _WORKER_EMBEDDING = embedding
    _WORKER_TABLE = (str(items.folder), items.collection) if items is not None else None
    return multiprocessing.get_context("fork").Pool(1)


def _embed_and_keep(texts: list[str], rows: list[tuple[str, str, dict]] | None):
    global _WORKER_TABLE
    if rows is not None:
        if isinstance(_WORKER_TABLE, tuple):
            _WORKER_TABLE = ItemTable(*_WORKER_TABLE)
        assert isinstance(_WORKER_TABLE, ItemTable)
        _WORKER_TABLE.put(rows)
    return np.asarray(_WORKER_EMBEDDING(texts), dtype=np.float32)


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
    """Items as {store id: (text, metadata)} batches; an item repeated within the input is counted once
    (the set of this run's ids costs about 100 bytes an item)."""
    chunk: dict[str, tuple[str, dict]] = {}
    seen: set[str] = set()  # ids of this run: a batch still being written is not yet visible in Chroma
    for item in items:
        stats.read += 1
        key = content_id(item.item_id, item.text)
        if key in seen:
            stats.present += 1
            continue
        seen.add(key)
        chunk[key] = (item.text, item_metadata(item))
        if len(chunk) >= size:
            yield chunk
            chunk = {}
    if chunk:
        yield chunk


def filters(*, stage: str | None = None, touchpoint: str | None = None, pain_point: str | None = None,
            lang: str | None = None, source: str | None = None, emotion: str | None = None) -> dict[str, Any] | None:
    """A Chroma `where` clause from label filters (all must hold)."""
    clauses: list[dict[str, Any]] = []
    for key, value in (("stage", stage), ("lang", lang), ("source", source), ("emotion", emotion)):
        if value:
            clauses.append({key: value})
    if touchpoint:
        clauses.append({TP_PREFIX + touchpoint: True})
    if pain_point:
        clauses.append({PP_PREFIX + pain_point: True})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
