"""A client's local copy of a Chroma server collection, kept in step with the server, so that searches of the
offline embedding run exactly by columns (scan.py) on a server store as they do in an embedded one.

On a server, Chroma answers from its HNSW index and its metadata filters: the index of hashed bag-of-words vectors
loses recall as a collection grows (recall@10 0.77 at 1,000,000 items with ef_search 500), and a filter costs
about 7 us per matching item (175-349 ms p95 for label filters at 100,000 items). The copy is an item table
(items.py) in the user's cache folder, with the vectors, texts and metadata of every item; the server stays the
one place items and labels are written, and every client keeps its own copy.

How the copy keeps up (`sync`, run by a search at most every REFRESH_S seconds, like a search engine's refresh
interval):
- new items: Chroma's `get` lists a collection's items in the order they were added (labels rewritten in place
  keep their place; tests/test_store_mirror.py checks this against `chroma run`), so the items past the ones
  copied are the new ones. Before reading them the copy checks that its last item is still where it was; when it
  is not (items were deleted on the server), the copy starts over.
- labels rewritten on items already copied: each label write of this tool stamps its items with the server's
  clock (LABELS_AT, nanoseconds, from Chroma's heartbeat), and a sync reads the items stamped since LAG_NS before
  the previous sync began (a write stamped before that sync and committed after it).
Items deleted and replaced by as many others between two syncs, and labels written by other tools or by releases
that did not stamp them, are not seen until the copy starts over (`FeedbackStore.refresh(full=True)`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlparse

import numpy as np

from ..errors import UsageError
from .items import FILENAME, LABELS_AT, ItemTable

ENV_CACHE = "JOURNEY_CACHE"
REFRESH_S = 1.0  # a search looks for the server's changes at most this often
LAG_NS = 60 * 10**9  # how long a label write may take from its stamp to its commit
PAGE = 5000  # items read from the server per request
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


class ServerMirror:
    """The items of one server collection, copied into an item table (with their vectors) in a local folder."""

    def __init__(self, collection, client, folder: Path):
        self.collection, self.client = collection, client
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.table = ItemTable(self.folder, collection.name, partitioned=True)
        except (OSError, Exception) as exc:  # noqa: BLE001 - sqlite3 errors too: the caller searches the server
            raise MirrorError(f"cannot keep a local copy of {collection.name!r} in {self.folder}: {exc}") from None
        self._synced_at = -REFRESH_S
        self._lock = threading.Lock()

    @property
    def copied(self) -> int:
        return int(self._state().get("copied", 0))

    def due(self) -> bool:
        return time.monotonic() - self._synced_at >= REFRESH_S

    def expire(self) -> None:
        """The next `due` says yes (this process wrote to the server)."""
        self._synced_at = -REFRESH_S

    def sync(self, progress: Callable[[int, int], None] | None = None, full: bool = False) -> int:
        """Copy what changed on the server since the last sync; how many items were read. `progress(done, total)`
        is called as new items are copied; `full` starts the copy over."""
        with self._lock, self._file_lock():
            state = {} if full else self._state()
            if full:
                self._reset()
            began = int(self.client.heartbeat())  # the server's clock, as the stamps are
            total = self.collection.count()
            copied = int(state.get("copied", 0))
            if copied and total != copied and (total < copied or self._id_at(copied - 1) != state.get("last_id")):
                self._reset()
                state, copied = {}, 0
            read = 0
            if total > copied:
                copied, last_id = self._copy_new(copied, total, progress)
                read += copied - int(state.get("copied", 0))
                state.update(copied=copied, last_id=last_id)
            if "since" in state:
                read += self._copy_labels(int(state["since"]) - LAG_NS)
            state["since"] = began
            self._save(state)
            self._synced_at = time.monotonic()
            return read

    # -- reading the server -------------------------------------------------------------------------------

    def _id_at(self, offset: int) -> str | None:
        got = self.collection.get(offset=offset, limit=1, include=[])["ids"]
        return got[0] if got else None

    def _copy_new(self, start: int, total: int, progress: Callable[[int, int], None] | None) -> tuple[int, str | None]:
        """Copy the items at offsets start.. (reading the next page while this one is written)."""
        last_id = None
        with ThreadPoolExecutor(1) as reader:
            pending = reader.submit(self._page, start)
            while True:
                ids, texts, metas, vectors = pending.result()
                if not ids:
                    break
                pending = reader.submit(self._page, start + len(ids))
                self.table.put(zip(ids, texts, metas), vectors)
                start += len(ids)
                last_id = ids[-1]
                if progress:
                    progress(start, max(total, start))
        return start, last_id if last_id is not None else self._id_at(start - 1) if start else None

    def _page(self, offset: int) -> tuple[list[str], list[str], list[dict], np.ndarray]:
        got = self.collection.get(offset=offset, limit=PAGE, include=["embeddings", "metadatas"])
        texts, metas = _split(got["metadatas"])
        return got["ids"], texts, metas, np.asarray(got["embeddings"], dtype=np.float32)

    def _copy_labels(self, since: int) -> int:
        """Rewrite the metadata of copied items whose labels were written at or after `since` (server clock)."""
        n, offset = 0, 0
        while True:
            got = self.collection.get(where={LABELS_AT: {"$gte": since}}, offset=offset, limit=PAGE,
                                      include=["metadatas"])
            if not got["ids"]:
                return n
            _, metas = _split(got["metadatas"])
            self.table.update(dict(zip(got["ids"], metas)))
            n += len(got["ids"])
            offset += len(got["ids"])

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
