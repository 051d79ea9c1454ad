"""A server store's local copy (extractor/store/mirror.py) against a real `chroma run`: the order of Chroma's `get`
it relies on, exact answers, other clients' new items and label changes through the change log, deletions on the
server, and the faults a user can meet (a cache folder that cannot be written, a server that went away)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import pytest

from extractor.ingest import InputError, ReadOptions, open_readers
from extractor.pipeline import with_language
from extractor.schema import FeedbackItem
from extractor.store.mirror import LOG_SUFFIX, ServerMirror, mirror_folder
from extractor.store.store import FeedbackStore, StoreError, content_id, filters

from .conftest import ROOT, run_journey
from .test_store import LOOPBACK, chroma_server, record, running_chroma  # noqa: F401 - fixtures

pytestmark = pytest.mark.block_network(allowed_hosts=LOOPBACK)


def corpus_items() -> list[FeedbackItem]:
    """The bundled corpus's items (English and Polish tickets, reviews, posts, survey answers)."""
    readers = open_readers([str(p) for p in sorted((ROOT / "corpora").glob("*.*")) if p.suffix in (".jsonl", ".csv")], ReadOptions())
    return [with_language(row) for reader in readers for row in reader if not isinstance(row, InputError)]


def open_pair(url: str) -> tuple[FeedbackStore, FeedbackStore]:
    """A client searching through its local copy, and the same collection asked of the server alone."""
    name = f"m-{uuid.uuid4().hex[:12]}"
    return FeedbackStore.open(url=url, collection=name), FeedbackStore.open(url=url, collection=name, mirror=False)


def brute_force(server: FeedbackStore, query: str, k: int, where: dict | None = None) -> list[tuple[str, float]]:
    """The exact k best (id, score) pairs, from every vector and metadata the server holds."""
    vector = np.asarray(server.embedding([query])[0], dtype=np.float32)
    scored = []
    for ids, vectors, metas in server.iter_vectors():
        matrix = np.asarray(vectors, dtype=np.float32)
        scores = matrix @ vector / np.maximum(np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector), 1e-12)
        scored += [(i, float(s)) for i, s, md in zip(ids, scores, metas)
                   if not where or all(md.get(key) == value for key, value in where.items())]
    return sorted(scored, key=lambda pair: -pair[1])[:k]


def assert_exact(hits, expected: list[tuple[str, float]]) -> None:
    assert [round(h.score, 5) for h in hits] == [round(s, 5) for _, s in expected]
    assert {h.id for h in hits if round(h.score, 5) > round(expected[-1][1], 5)} == {
        i for i, s in expected if round(s, 5) > round(expected[-1][1], 5)}  # ties at the edge may swap


def test_chroma_lists_items_in_the_order_they_were_added_and_label_updates_keep_their_place(chroma_server):
    """What the copy relies on to find new items (mirror.py): if a Chroma release changes it, this fails."""
    import chromadb

    host, port = chroma_server.rsplit(":", 1)
    client = chromadb.HttpClient(host=host.split("//")[1], port=int(port))
    col = client.create_collection(f"order-{uuid.uuid4().hex[:8]}")
    ids = [uuid.uuid4().hex for _ in range(1200)]  # random ids: not their sorted order
    rng = np.random.default_rng(0)
    for start in range(0, len(ids), 300):
        col.add(ids=ids[start:start + 300], embeddings=rng.random((300, 8)), metadatas=[{"n": 1}] * 300)
    col.update(ids=ids[:50], metadatas=[{"n": 2}] * 50)
    assert col.get(include=[], limit=len(ids))["ids"] == ids
    assert col.get(include=[], offset=1000, limit=5)["ids"] == ids[1000:1005]


def test_searches_through_the_copy_are_exact_with_and_without_filters(chroma_server):
    store, server = open_pair(chroma_server)
    items = corpus_items()
    store.ingest(items)
    assert not store._mirror  # made by the first search
    queries = ["parcel never arrived", "paczka nie dotarła kurier", "rude staff in the shop", "refund"]
    for query in queries:
        assert_exact(store.search(query, 5), brute_force(server, query, 5))
        for where in ({"lang": "pl"}, {"lang": "en"}, {"source": "ticket"}):
            assert_exact(store.search(query, 5, where), brute_force(server, query, 5, where))
    copy = store._mirror
    assert isinstance(copy, ServerMirror) and copy.copied == len({content_id(i.item_id, i.text) for i in items})
    assert copy.folder == mirror_folder(chroma_server, store.collection.name, store.collection.id)
    assert str(copy.folder).startswith(os.environ["JOURNEY_CACHE"])


def test_another_clients_new_items_and_label_changes_reach_the_copy(chroma_server):
    reader, writer = open_pair(chroma_server)
    items = corpus_items()
    reader.ingest(items[:200])
    assert reader.search("parcel", 3)

    writer.ingest(items[200:])
    assert reader._mirror.copied == 200
    hits = reader.search(items[-1].text, 1)
    assert hits[0].metadata["item_id"] == items[-1].item_id and reader._mirror.copied == len(items)

    target = items[3]
    writer.update_labels([(target, record("loyalty", "trust", 0.6, ["loyalty_program"], ["pricing"]))])
    found = reader.search(target.text, 3, filters(pain_point="pricing", emotion="trust"))
    assert [h.metadata["item_id"] for h in found] == [target.item_id]
    assert found[0].labels["pain_points"] == ["pricing"]

    writer.update_labels([(target, record("loyalty", "trust", 0.6, ["loyalty_program"], []))])  # pricing removed
    assert reader.search(target.text, 3, filters(pain_point="pricing")) == []


def test_writes_the_log_does_not_name_are_seen_when_the_copy_starts_over(chroma_server):
    store, server = open_pair(chroma_server)
    store.ingest(corpus_items())
    store.search("delivery", 3)
    raw = FeedbackItem(item_id="raw", text="Written to Chroma by another tool, not through journey.", lang="en")
    vector = server.embedding([raw.text])
    server.collection.add(ids=["raw-1"], embeddings=vector, metadatas=[{"text": raw.text, "lang": "en"}])
    assert [h.id for h in store.search(raw.text, 1)] != ["raw-1"]  # the change log does not name it
    assert store._mirror.sync(full=True) == store.count()
    assert [h.id for h in store.search(raw.text, 1)] == ["raw-1"]
    names = [c if isinstance(c, str) else c.name for c in store.client.list_collections()]
    assert store.collection.name + LOG_SUFFIX in names


def test_items_deleted_on_the_server_make_the_copy_start_over(chroma_server):
    store, server = open_pair(chroma_server)
    items = corpus_items()
    store.ingest(items)
    store.search("delivery", 3)
    gone = [content_id(i.item_id, i.text) for i in items[:10]]
    server.collection.delete(ids=gone)  # another tool deletes ten items and adds two
    extra = [FeedbackItem(item_id=f"x{n}", text=f"The courier lost parcel number {n}.", lang="en") for n in range(2)]
    server.ingest(extra)
    for item in items[:10]:
        assert all(h.id not in gone for h in store.search(item.text, 5))
    assert store._mirror.copied == len({content_id(i.item_id, i.text) for i in items}) - 10 + 2
    assert_exact(store.search("courier lost parcel", 5), brute_force(server, "courier lost parcel", 5))


def test_the_first_copy_and_later_catching_up_report_their_progress(chroma_server):
    store, other = open_pair(chroma_server)
    items = corpus_items()
    store.ingest(items[:150])
    seen: list[tuple[int, int]] = []
    store.search("refund", 3, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] == 150
    other.ingest(items[150:])
    seen.clear()
    store.search("refund", 3, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (store.count() - 150, store.count() - 150)
    seen.clear()
    store.search("refund", 3, progress=lambda done, total: seen.append((done, total)))
    assert seen == []  # nothing changed: nothing read


def test_a_cache_that_cannot_be_written_leaves_searches_to_the_server(chroma_server, monkeypatch, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("JOURNEY_CACHE", str(blocked))
    store, server = open_pair(chroma_server)
    store.ingest(corpus_items())
    assert [h.id for h in store.search("parcel", 5)] == [h.id for h in server.search("parcel", 5)]
    assert store._mirror is None  # no copy kept


def test_a_server_that_went_away_is_a_store_error_and_the_cli_says_so(tmp_path):
    data = tmp_path / "data"
    with running_chroma(data, tmp_path / "server.log") as url:
        store = FeedbackStore.open(url=url, collection="gone")
        store.ingest(corpus_items()[:50])
        assert store.search("parcel", 2)
    with pytest.raises(StoreError, match="cannot bring the local copy"):
        store.search("parcel", 2)
    result = run_journey("search", "parcel", "--chroma-url", url, "--collection", "gone")
    assert result.returncode != 0 and "Traceback" not in result.stderr and url.split("//")[1] in result.stderr


def test_journey_search_on_a_server_answers_from_the_copy(chroma_server):
    name = f"cli-{uuid.uuid4().hex[:8]}"
    files = [str(ROOT / "corpora" / "tickets.jsonl"), str(ROOT / "corpora" / "social.jsonl")]
    assert run_journey("ingest", *files, "--chroma-url", chroma_server, "--collection", name).returncode == 0
    result = run_journey("search", "parcel never arrived", "--chroma-url", chroma_server, "--collection", name,
                         "--json")
    assert result.returncode == 0, result.stderr
    store = FeedbackStore.open(url=chroma_server, collection=name, mirror=False)
    expected = brute_force(store, "parcel never arrived", 10)
    got = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(got) == len(expected)
    folder = mirror_folder(chroma_server, name, store.collection.id)
    assert (folder / "journey-items.sqlite3").exists() and Path(os.environ["JOURNEY_CACHE"]) in folder.parents
