"""A client's local copy of a Chroma server collection, kept in step with the server, so that searches of the
offline embedding run exactly by columns (scan.py) on a server store as they do in an embedded one.

On a server, Chroma answers from its HNSW index and its metadata filters: the index of hashed bag-of-words vectors
loses recall as a collection grows (recall@10 0.77 at 1,000,000 items with ef_search 500), and a filter costs
about 7 us per matching item (175-349 ms p95 for label filters at 100,000 items). The copy is an item table
(items.py) in the user's cache folder, with the vectors, texts and metadata of every item; the server stays the
one place items and labels are written, and every client keeps its own copy.

How the copy keeps up: every write of this tool to a server collection (items added, labels rewritten) appends
one record naming the items it wrote to a small change log beside it (the collection `{name}.journey-changes`,
see ChangeLog). Before each search the copy asks how long the log is (about 2 ms, against 80-100 ms for Chroma to
count a collection of a million items or find its recently labelled items), and when it grew, reads the
records it has not seen and then those items. The first copy reads the whole collection (Chroma's `get` lists a
collection's items in the order they were added; tests/test_store_mirror.py checks the order it relies on) after
noting the log's length, so writes made while it copies are read again from the log. When the collection
holds fewer items than the copy (items deleted on the server), the copy starts over.
Items written by other tools, or by releases before the log, are not seen until the copy starts over
(`sync(full=True)`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import urlparse

import numpy as np

from ..errors import UsageError
from .items import FILENAME, ItemTable

ENV_CACHE = "JOURNEY_CACHE"
LOG_SUFFIX = ".journey-changes"
ADDED, LABELLED = "added", "labelled"  # the kinds of change records
PAGE = 5000  # items read from the server per request (and ids per change record, at most)
STATE = "journey-mirror.json"


class MirrorError(UsageError):
    """The local copy of a server collection cannot be kept."""


def cache_root() -> Path:
    """$JOURNEY_CACHE, else $XDG_CACHE_HOME/journey-extractor, else ~/.cache/journey-extractor."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "journey-extractor"


def mirror_folder(url: str, collection_name: str, collection_id: str) -> Path:
    """Where the copy of one server collection lives: per server and per collection (its id, so a collection
    deleted and made again under the same name starts a new copy)."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    server = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{parsed.hostname or 'localhost'}_{parsed.port or 8000}")
    tag = hashlib.blake2b(str(collection_id).encode(), digest_size=6).hexdigest()
    return cache_root() / "stores" / server / f"{collection_name}-{tag}"


class ChangeLog:
    """The change log of a server collection: one record per write of this tool (its kind, and the ids it wrote
    as the record's document), in the order written. Chroma keeps it as a small collection of its own."""

    def __init__(self, client, collection_name: str):
        self.client, self.name = client, collection_name + LOG_SUFFIX
        self._log = None

    @property
    def log(self):
        if self._log is None:
            self._log = self.client.get_or_create_collection(self.name, embedding_function=None)
        return self._log

    def append(self, kind: str, ids: Sequence[str]) -> None:
        """Record that the items `ids` were written (after they were)."""
        for start in range(0, len(ids), PAGE):
            chunk = list(ids[start:start + PAGE])
            self.log.add(ids=[uuid.uuid4().hex], embeddings=[[1.0]], metadatas=[{"kind": kind, "n": len(chunk)}],
                         documents=[",".join(chunk)])

    def length(self) -> int:
        return self.log.count()

    def records(self, start: int) -> Iterator[tuple[str, list[str]]]:
        """(kind, ids) of the records from position `start` on."""
        while True:
            got = self.log.get(offset=start, limit=100, include=["documents", "metadatas"])
            if not got["ids"]:
                return
            for doc, md in zip(got["documents"], got["metadatas"]):
                yield str((md or {}).get("kind")), [i for i in (doc or "").split(",") if i]
            start += len(got["ids"])


class ServerMirror:
    """The items of one server collection, copied into an item table (with their vectors) in a local folder."""

    def __init__(self, collection, client, folder: Path, changes: ChangeLog | None = None):
        self.collection, self.client = collection, client
        self.changes = changes or ChangeLog(client, collection.name)
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.table = ItemTable(self.folder, collection.name, partitioned=True)
        except (OSError, sqlite3.Error) as exc:  # the caller leaves searches to the server
            raise MirrorError(f"cannot keep a local copy of {collection.name!r} in {self.folder}: {exc}") from None
        self._lock = threading.Lock()

    @property
    def copied(self) -> int:
        """How many items the copy holds."""
        return self.table.size()

    def sync(self, progress: Callable[[int, int], None] | None = None, full: bool = False) -> int:
        """Take in what changed on the server since the last sync (everything, the first time or with `full`);
        how many items were read. `progress(done, total)` follows a copy of the whole collection."""
        with self._lock, self._file_lock():
            state = {} if full else self._state()
            if "log" in state:
                read = self._replay(int(state["log"]), progress)
                if read is not None:
                    return read
            self._reset()
            state = {"log": self.changes.length()}  # writes from here on are read again from the log
            read = self._copy_all(progress)
            self._save(state)
            return read

    # -- reading the server -------------------------------------------------------------------------------

    def _replay(self, seen: int, progress: Callable[[int, int], None] | None) -> int | None:
        """Read the items of the change records after the first `seen`; None when the copy must start over (the
        log or items were deleted on the server, or the records name more items than the collection holds)."""
        length = self.changes.length()
        if length == seen:
            return 0
        if length < seen:
            return None
        records = list(self.changes.records(seen))
        total = sum(len(ids) for _, ids in records)
        if total > self.collection.count():
            return None
        read = 0
        for kind, ids in records:
            for start in range(0, len(ids), PAGE):
                chunk = ids[start:start + PAGE]
                if kind == LABELLED:
                    got = self.collection.get(ids=chunk, include=["metadatas"])
                    self.table.update(dict(zip(got["ids"], _split(got["metadatas"])[1])))
                else:
                    got = self.collection.get(ids=chunk, include=["embeddings", "metadatas"])
                    texts, metas = _split(got["metadatas"])
                    self.table.put(zip(got["ids"], texts, metas), np.asarray(got["embeddings"], dtype=np.float32))
                read += len(got["ids"])
                if progress:
                    progress(min(read, total), total)
            seen += 1
        if self.collection.count() < self.table.size():
            return None
        self._save({"log": seen})
        return read

    def _copy_all(self, progress: Callable[[int, int], None] | None) -> int:
        """Copy every item of the collection, by pages in the order they were added (reading the next page while
        this one is written)."""
        total, done = self.collection.count(), 0
        with ThreadPoolExecutor(1) as reader:
            pending = reader.submit(self._page, 0)
            while True:
                ids, texts, metas, vectors = pending.result()
                if not ids:
                    return done
                pending = reader.submit(self._page, done + len(ids))
                self.table.put(zip(ids, texts, metas), vectors)
                done += len(ids)
                if progress:
                    progress(done, max(total, done))

    def _page(self, offset: int) -> tuple[list[str], list[str], list[dict], np.ndarray]:
        got = self.collection.get(offset=offset, limit=PAGE, include=["embeddings", "metadatas"])
        texts, metas = _split(got["metadatas"])
        return got["ids"], texts, metas, np.asarray(got["embeddings"], dtype=np.float32)

    # -- the local state ----------------------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        try:
            return json.loads((self.folder / STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _save(self, state: dict[str, Any]) -> None:
        temporary = self.folder / f"{STATE}.{os.getpid()}"
        temporary.write_text(json.dumps(state), encoding="utf-8")
        os.replace(temporary, self.folder / STATE)

    def _reset(self) -> None:
        """Start the copy over: an empty item table (and no column copy)."""
        self.table.close()
        for path in self.folder.iterdir():
            if path.name.startswith(("journey-", FILENAME)) and not path.name.endswith(".lock"):
                path.unlink() if path.is_file() else shutil.rmtree(path, ignore_errors=True)
        self.table = ItemTable(self.folder, self.collection.name, partitioned=True)

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """One process at a time syncs this copy."""
        with open(self.folder / "journey-mirror.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _split(metadatas) -> tuple[list[str], list[dict]]:
    """(texts, metadata without the text) of a server's item metadata."""
    texts, metas = [], []
    for md in metadatas:
        md = dict(md or {})
        texts.append(str(md.pop("text", "")))
        metas.append(md)
    return texts, metas
