"""The feedback store: feedback items embedded into a Chroma collection, with their journey labels.

Embedded by default (a `PersistentClient` in a local folder); a Chroma server (`chroma run`, or a hosted
Chroma) when given a URL. Ids are content hashes (item id + text), so ingesting the same file twice adds
nothing. Item text lives in the metadata (`text`), with source, language, customer, time and, once
extracted, the journey labels as flat fields (`stage`, `emotion`, `tp_<id>`, `pp_<id>` booleans), so search
can filter by any label.
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

DEFAULT_PATH = Path(".journey") / "store"
DEFAULT_COLLECTION = "feedback"
MAX_BATCH = 5000  # Chroma refuses `add` batches above about 5,400 items
ENV_PATH, ENV_URL = "JOURNEY_STORE", "JOURNEY_CHROMA_URL"
TP_PREFIX, PP_PREFIX = "tp_", "pp_"
OVERFETCH = (10, 50)  # unfiltered neighbours fetched per wanted hit, tried in turn (100k items: 9 ms, 40 ms)


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
    md: dict[str, Any] = {"item_id": item.item_id, "text": item.text, "source": item.source}
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

    def __init__(self, collection, embedding, where: str):
        self.collection = collection
        self.embedding = embedding
        self.where = where

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
            return cls(client.get_collection(collection, embedding_function=embedding), embedding, where)
        if not create:
            raise StoreError(f"no collection {collection!r} at {where}: run `journey ingest` first")
        embedding = embedding or HashingEmbedding()
        try:
            col = client.create_collection(collection, embedding_function=embedding,
                                           configuration={"hnsw": {"space": "cosine", "batch_size": 1000,
                                                                   "sync_threshold": 5000}})
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"cannot create collection {collection!r} at {where}: {exc}") from None
        return cls(col, embedding, where)

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

    def ingest(self, items: Iterable[FeedbackItem], batch: int = 2000,
               progress: Callable[[int], None] | None = None, parallel: bool | None = None) -> IngestStats:
        """Add the items not yet in the store, in batches within Chroma's limits.

        On a multi-core machine a second process computes the embeddings of the next batch while this one
        writes the current batch to Chroma (`parallel=False` keeps everything in this process).
        """
        stats = IngestStats()
        batch = max(1, min(batch, MAX_BATCH))
        pending: deque = deque()
        pool = None
        use_pool = (os.cpu_count() or 1) > 1 if parallel is None else parallel

        def write(job) -> None:
            ids, metas, result = job
            embeddings = result.get() if hasattr(result, "get") else result
            self.collection.add(ids=ids, embeddings=embeddings, metadatas=metas)
            stats.added += len(ids)
            stats.batches += 1

        try:
            for chunk in _chunks(items, batch, stats):
                present = set(self.collection.get(ids=list(chunk), include=[])["ids"])
                stats.present += len(present)
                new = [key for key in chunk if key not in present]
                if new:
                    texts = [chunk[k][0] for k in new]
                    if pool is None and use_pool and len(chunk) == batch:
                        pool = _embedding_pool(self.embedding)
                    result = pool.apply_async(_embed, (texts,)) if pool is not None else self.embedding(texts)
                    pending.append((new, [chunk[k][1] for k in new], result))
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
            stored = self.collection.get(ids=ids, include=["metadatas"])
            present = set(stored["ids"])
            # Chroma's update merges keys: flags of labels the new record no longer has are set to False
            meta_of = dict(zip(ids, metas))
            for sid, smd in zip(stored["ids"], stored["metadatas"]):
                meta = meta_of[sid]
                for key in smd or {}:
                    if key.startswith((TP_PREFIX, PP_PREFIX)) and key not in meta:
                        meta[key] = False
            old = [(i, m) for i, m in zip(ids, metas) if i in present]
            new = [(i, m, item.text) for i, m, (item, _) in zip(ids, metas, chunk) if i not in present]
            if old:
                self.collection.update(ids=[i for i, _ in old], metadatas=[m for _, m in old])
            if new:
                self.collection.add(ids=[i for i, _, _ in new], metadatas=[m for _, m, _ in new],
                                    embeddings=self.embedding([t for _, _, t in new]))
            return len(chunk)

        for pair in pairs:
            chunk.append(pair)
            if len(chunk) >= batch:
                updated += flush()
                chunk = []
        if chunk:
            updated += flush()
        return updated

    # -- reading ----------------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, where: Mapping[str, Any] | None = None) -> list[Hit]:
        """The k items most similar to `query`, optionally filtered by metadata (see `filters`)."""
        if not query.strip():
            raise StoreError("empty query: say what to look for, e.g. journey search \"parcel never arrived\"")
        return self.nearest(self.embedding([query])[0], k, where)

    def nearest(self, vector: Sequence[float], k: int = 10, where: Mapping[str, Any] | None = None) -> list[Hit]:
        """The k nearest items. With a filter, the nearest 10 x k (then 50 x k) items are fetched unfiltered and
        filtered here first: Chroma's filtered query costs grow with the number of items the filter matches (330 ms at
        100k items for a language filter), while a rare filter (a pain point) is cheap for Chroma itself."""
        query = np.asarray(vector, dtype=np.float32)
        if where and _simple(where):
            for factor in OVERFETCH:
                hits = [h for h in self._query(query, k * factor, None) if _matches(h.metadata, where)]
                if len(hits) >= k:
                    return hits[:k]
        return self._query(query, k, where)

    def _query(self, query, k: int, where: Mapping[str, Any] | None) -> list[Hit]:
        try:
            result = self.collection.query(query_embeddings=[query], n_results=k, where=dict(where) if where else None,
                                           include=["metadatas", "distances"])
        except Exception as exc:  # noqa: BLE001 - an empty collection or a server error
            if self.count() == 0:
                return []
            raise StoreError(f"search failed: {exc}") from None
        hits = []
        for hid, dist, md in zip(result["ids"][0], result["distances"][0], result["metadatas"][0]):
            md = dict(md or {})
            hits.append(Hit(hid, 1.0 - float(dist), str(md.pop("text", "")), md))
        return hits

    def similar_examples(self, text: str, k: int = 4, labelled_only: bool = True) -> list[Hit]:
        """Few-shot retrieval: the k stored items most similar to `text` that carry journey labels."""
        where = {"labelled": True} if labelled_only else None
        return [h for h in self.search(text, k + 1, where) if h.text != text][:k]

    def iter_vectors(self, batch: int = 5000) -> Iterator[tuple[list[str], list[list[float]], list[dict]]]:
        """Every stored item with its embedding, in batches (for duplicates and themes)."""
        offset, n = 0, self.count()
        while offset < n:
            got = self.collection.get(limit=batch, offset=offset, include=["embeddings", "metadatas"])
            if not got["ids"]:
                break
            yield got["ids"], got["embeddings"], got["metadatas"]
            offset += len(got["ids"])


_WORKER_EMBEDDING = None


def _embedding_pool(embedding):
    """One forked process that embeds batches (the embedding is inherited, not pickled)."""
    import multiprocessing

    global _WORKER_EMBEDDING
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    _WORKER_EMBEDDING = embedding
    return multiprocessing.get_context("fork").Pool(1)


def _embed(texts: list[str]):
    return np.asarray(_WORKER_EMBEDDING(texts), dtype=np.float32)


def _simple(where: Mapping[str, Any]) -> bool:
    """Only equality clauses (what `filters()` builds), which `_matches` can check."""
    if "$and" in where:
        return all(_simple(c) for c in where["$and"])
    return all(not k.startswith("$") and not isinstance(v, dict) for k, v in where.items())


def _matches(metadata: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """Whether metadata satisfies a `filters()` clause (equality, joined by $and)."""
    if "$and" in where:
        return all(_matches(metadata, clause) for clause in where["$and"])
    return all(metadata.get(key) == value for key, value in where.items())


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
