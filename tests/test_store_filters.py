"""Filtered search of an embedded store at any scale: every way a filter is answered (a language's own collection,
exact over the item table's vectors, post-filtered neighbours, and the last resort) gives what brute force over
every stored vector gives, for every kind of filter; a store made before languages had their own collections still
opens and answers the same way; ingest keeps nothing per item across batches."""

from __future__ import annotations

import json
import random
import sqlite3

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings

from extractor.schema import FeedbackItem
from extractor.store import scan as scan_module
from extractor.store import store as store_module
from extractor.store.embedding import HashingEmbedding
from extractor.store.items import FILENAME, ItemTable
from extractor.store.scan import ColumnScan
from extractor.store.store import ITEM_TABLE, LAYOUT_KEY, FeedbackStore, filters, item_metadata

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.\d+\.\d+\.\d+$", r"localhost$"])

WORDS = {"en": "parcel courier late refund card payment app login crash price delivery broken support agent "
               "waited hours never arrived charged twice discount shop order".split(),
         "pl": "paczka kurier spóźniony zwrot karta płatność aplikacja logowanie cena dostawa zepsuty obsługa "
               "konsultant czekałem godzin nigdy dotarła podwójnie rabat sklep zamówienie".split()}
STAGES, EMOTIONS = ["purchase", "delivery", "support"], ["anger", "joy", "neutral"]
TOUCHPOINTS, PAIN_POINTS = ["app", "courier", "website"], ["late_delivery", "billing_error", "login_problem"]
QUERIES = ["parcel never arrived courier late", "charged twice refund", "paczka nigdy nie dotarła", "app crash login"]
K = 5


def corpus(n: int = 240, seed: int = 3) -> list[tuple[FeedbackItem, dict]]:
    """n items (en and pl, three sources and segments) with varied labels, some rare."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lang = "pl" if i % 3 == 0 else "en"
        text = " ".join(rng.choice(WORDS[lang]) for _ in range(rng.randint(3, 9))) + f" {i}"
        item = FeedbackItem(item_id=f"i{i}", text=text, lang=lang, source=rng.choice(["review", "ticket", "survey"]),
                            segment=rng.choice(["smb", "enterprise"]))
        record = {"stage": rng.choice(STAGES), "emotion": "joy" if i % 37 == 0 else rng.choice(["anger", "neutral"]),
                  "sentiment": rng.uniform(-1, 1), "moment_of_truth": i % 5 == 0,
                  "touchpoints": rng.sample(TOUCHPOINTS, rng.randint(0, 2)),
                  "pain_points": ["billing_error"] if i % 29 == 0 else rng.sample(PAIN_POINTS[::2], rng.randint(0, 1))}
        out.append((item, record))
    return out


ALL_FILTERS = [filters(lang="pl"), filters(lang="en"), filters(stage="delivery"), filters(emotion="joy"),
               filters(emotion="anger"), filters(touchpoint="courier"), filters(pain_point="billing_error"),
               filters(pain_point="late_delivery"), filters(source="ticket"), filters(segment="smb"),
               filters(lang="pl", stage="support"), filters(emotion="joy", touchpoint="app")]


def brute_force(store: FeedbackStore, query: str, where: dict) -> list[tuple[str, float]]:
    """The K best (id, similarity) pairs among every stored item matching `where` (equality clauses)."""
    q = np.asarray(store.embedding([query])[0], dtype=np.float32)
    clauses = [c for part in where.get("$and", [where]) for c in part.items()]
    scored = []
    for ids, vectors, metas in store.iter_vectors(batch=50):
        for i, v, md in zip(ids, vectors, metas):
            if all(md.get(key) == value for key, value in clauses):
                v = np.asarray(v, dtype=np.float32)
                scored.append((i, float(v @ q / (np.linalg.norm(v) * np.linalg.norm(q)))))
    return sorted(scored, key=lambda pair: -pair[1])[:K]


def assert_same_as_brute_force(store: FeedbackStore) -> None:
    for where in ALL_FILTERS:
        for query in QUERIES:
            expected = brute_force(store, query, where)
            hits = store.search(query, K, where)
            assert len(hits) == len(expected), (where, query)
            assert [h.score for h in hits] == pytest.approx([s for _, s in expected], abs=1e-5), (where, query)
            clauses = [c for part in where.get("$and", [where]) for c in part.items()]
            assert all(h.metadata.get(key) == value for h in hits for key, value in clauses)
            assert all(h.text for h in hits)


@pytest.fixture(scope="module")
def labelled_store(tmp_path_factory) -> FeedbackStore:
    store = FeedbackStore.open(path=tmp_path_factory.mktemp("filters") / "store")
    pairs = corpus()
    store.ingest([item for item, _ in pairs], batch=50)
    store.update_labels(pairs, batch=70)
    return store


def test_each_language_has_its_own_collection_and_the_counts_follow_labels(labelled_store):
    parts = labelled_store.partitions()
    assert set(parts) == {"en", "pl"}
    assert parts["pl"].count() == 80 and parts["en"].count() == 160
    counts = labelled_store.items.counts([("emotion", "joy")])
    assert sum(n for n, _ in counts.values()) == len([i for i in range(240) if i % 37 == 0])
    assert {part: size for part, (_, size) in counts.items()} == {"en": 160, "pl": 80}


def test_filtered_search_equals_brute_force_exact_path(labelled_store):
    assert_same_as_brute_force(labelled_store)  # at this size every label filter is answered exactly


def test_filtered_search_equals_brute_force_through_the_column_scan(labelled_store, monkeypatch):
    # no exact answer from the matching rows: every item is scored by columns, and the best are checked against
    # the filter in order
    monkeypatch.setattr(store_module, "EXACT_ROWS", 0)
    calls = []
    monkeypatch.setattr(ColumnScan, "best", lambda self, *a, **kw: calls.append(a) or BEST(self, *a, **kw))
    assert_same_as_brute_force(labelled_store)
    assert len(calls) == len(ALL_FILTERS) * len(QUERIES)  # every filtered search went through it


BEST = ColumnScan.best


@pytest.mark.parametrize("postfilter_max", [3000, 20])
def test_filtered_search_equals_brute_force_through_post_filtered_neighbours(labelled_store, monkeypatch,
                                                                           postfilter_max):
    # a query too costly for the column scan (a dense embedding, or a long text at scale) goes to Chroma's HNSW
    # index: neighbours are fetched and filtered, and (20) too few of them send the search to the exact last resort
    monkeypatch.setattr(scan_module, "SCAN_BUDGET", 0)
    monkeypatch.setattr(store_module, "EXACT_ROWS", 0)
    monkeypatch.setattr(store_module, "POSTFILTER_MAX", postfilter_max)
    monkeypatch.setattr(ColumnScan, "best", lambda *a, **kw: pytest.fail("the column scan was used"))
    assert_same_as_brute_force(labelled_store)


def test_the_column_scan_takes_in_items_added_since_and_leaves_out_other_collections(tmp_path):
    folder = tmp_path / "store"
    pairs = corpus(60, seed=21)
    store = FeedbackStore.open(path=folder)
    store.ingest([item for item, _ in pairs[:30]])
    other = FeedbackStore.open(path=folder, collection="other")
    other.ingest([FeedbackItem(item_id=f"o{i}", text="parcel never arrived courier late", lang="en") for i in range(5)])
    assert store.search(QUERIES[0], K) and store._scan is not None and store._scan.rows > 0
    store.ingest([item for item, _ in pairs[30:]])
    store.update_labels(pairs)
    assert_same_as_brute_force(store)
    hits = store.search("parcel never arrived courier late", 60)
    assert len(hits) == 60 and not any(h.metadata["item_id"].startswith("o") for h in hits)
    assert {h.metadata["item_id"] for h in other.search("parcel never arrived courier late", 10)} == {
        f"o{i}" for i in range(5)}


def test_the_column_scan_sees_labels_rewritten_here_and_by_another_process(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "EXACT_ROWS", 0)  # every label filter goes through the scan's row masks
    folder = tmp_path / "store"
    pairs = corpus(80, seed=23)
    store = FeedbackStore.open(path=folder)
    store.ingest([item for item, _ in pairs])
    store.update_labels(pairs)
    joy = filters(emotion="joy")
    before = {h.metadata["item_id"] for h in store.search(QUERIES[0], 80, joy)}
    store.update_labels([(item, dict(rec, emotion="joy")) for item, rec in pairs[:10]])  # this connection
    here = {h.metadata["item_id"] for h in store.search(QUERIES[0], 80, joy)}
    assert here == before | {item.item_id for item, _ in pairs[:10]}
    elsewhere = FeedbackStore.open(path=folder)  # its own SQLite connection, as another process has
    elsewhere.update_labels([(item, dict(rec, emotion="anger")) for item, rec in pairs[:20]])
    assert {h.metadata["item_id"] for h in store.search(QUERIES[0], 80, joy)} == here - {
        item.item_id for item, _ in pairs[:20]}
    assert_same_as_brute_force(store)


def test_labels_rewritten_keep_vectors_and_counts_right(labelled_store, tmp_path):
    store = FeedbackStore.open(path=tmp_path / "store")
    pairs = corpus(60, seed=9)
    store.ingest([item for item, _ in pairs])
    store.update_labels(pairs)
    store.update_labels([(item, dict(rec, emotion="joy", pain_points=["billing_error"])) for item, rec in pairs[:10]])
    counts = store.items.counts([("emotion", "joy")])
    assert sum(n for n, _ in counts.values()) == 10 + sum(rec["emotion"] == "joy" for _, rec in pairs[10:])
    assert_same_as_brute_force(store)
    assert store.count() == 60 and FeedbackStore.open(path=tmp_path / "store").count() == 60


def old_layout_store(folder, pairs) -> None:
    """A store as made before languages had their own collections: one collection, an item table without facet
    counts, rowids or vectors."""
    embedding = HashingEmbedding()
    client = chromadb.PersistentClient(path=str(folder), settings=Settings(anonymized_telemetry=False))
    col = client.create_collection("feedback", embedding_function=embedding, metadata={LAYOUT_KEY: ITEM_TABLE},
                                   configuration={"hnsw": dict(store_module.HNSW)})
    items = [item for item, _ in pairs]
    ids = [store_module.content_id(item.item_id, item.text) for item in items]
    metas = [dict(item_metadata(item), **store_module.label_metadata(rec)) for item, rec in pairs]
    table = ItemTable(folder, "feedback")
    table.put(zip(ids, [item.text for item in items], metas))
    table.close()
    col.add(ids=ids, embeddings=embedding([item.text for item in items]))
    with sqlite3.connect(folder / FILENAME) as db:
        db.execute("DROP TABLE facet_counts")
        facets_without_partitions(db, keep_rows=False)


def facets_without_partitions(db: sqlite3.Connection, keep_rows: bool) -> None:
    """The facets table as it was before partitions were part of its key (and, unless keep_rows, before rowids)."""
    row = ", row INTEGER" if keep_rows else ""
    db.execute(f"CREATE TABLE facets_old (collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
               f"id TEXT NOT NULL{row}, PRIMARY KEY (collection, key, value, id)) WITHOUT ROWID")
    db.execute(f"INSERT INTO facets_old SELECT collection, key, value, id{', row' if keep_rows else ''} FROM facets")
    db.execute("DROP TABLE facets")
    db.execute("ALTER TABLE facets_old RENAME TO facets")


def test_a_store_made_before_partitions_opens_and_answers_filters_the_same(tmp_path, monkeypatch):
    folder = tmp_path / "old"
    pairs = corpus(90, seed=5)
    old_layout_store(folder, pairs)
    store = FeedbackStore.open(path=folder)
    assert not store.partitioned and set(store.partitions()) == {""} and store.count() == 90
    assert_same_as_brute_force(store)
    monkeypatch.setattr(store_module, "EXACT_MAX", 0)  # Chroma's restricted query, then the exact check of it
    assert_same_as_brute_force(store)
    more = corpus(100, seed=6)[90:]
    store.ingest([item for item, _ in more])
    assert FeedbackStore.open(path=folder).count() == 100 and set(store.partitions()) == {""}


def test_a_partitioned_store_made_before_facets_had_partitions_is_rebuilt_once_and_answers_the_same(tmp_path):
    folder = tmp_path / "store"
    pairs = corpus(120, seed=11)
    store = FeedbackStore.open(path=folder)
    store.ingest([item for item, _ in pairs])
    store.update_labels(pairs)
    store.items.close()
    with sqlite3.connect(folder / FILENAME) as db:
        facets = sorted(db.execute("SELECT collection, part, key, value, id, row FROM facets"))
        facets_without_partitions(db, keep_rows=True)
    reopened = FeedbackStore.open(path=folder)
    with sqlite3.connect(folder / FILENAME) as db:
        assert sorted(db.execute("SELECT collection, part, key, value, id, row FROM facets")) == facets
    assert {part for _, part, *_ in facets} == {"en", "pl"}
    assert_same_as_brute_force(reopened)


def test_ingest_finds_repeats_across_batches_without_a_set_of_every_id(tmp_path):
    store = FeedbackStore.open(path=tmp_path / "store")
    items = [item for item, _ in corpus(30)]
    stats = store.ingest(items + items[:7] + items[5:12], batch=4)
    assert (stats.read, stats.added, stats.present) == (44, 30, 14)
    assert store.count() == 30


def test_the_column_copy_is_kept_on_disk_and_a_new_process_reads_only_rows_added_since(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    pairs = corpus(90, seed=31)
    store = FeedbackStore.open(path=folder)
    store.ingest([item for item, _ in pairs[:60]])
    first = [(h.id, h.score) for h in store.search(QUERIES[0], K)]
    header = json.loads((folder / "journey-columns.feedback.json").read_text(encoding="utf-8"))
    assert header["rows"] == store._scan.rows and set(header["names"]) == {"en", "pl"}

    read: list[int] = []
    vectors = ItemTable.vectors
    monkeypatch.setattr(ItemTable, "vectors", lambda self, rows, dim: read.append(len(rows)) or vectors(self, rows, dim))
    again = FeedbackStore.open(path=folder)  # as a new process would
    assert [(h.id, h.score) for h in again.search(QUERIES[0], K)] == first and read == []
    again.ingest([item for item, _ in pairs[60:]], parallel=False)
    read.clear()
    again.search(QUERIES[0], K)
    assert sum(read) == again._scan.rows - header["rows"] and sum(read) >= 30
    assert_same_as_brute_force(again)

    # a copy that does not belong to this item table (its last item is not there) is built again
    header = json.loads((folder / "journey-columns.feedback.json").read_text(encoding="utf-8"))
    header["check"][1] = "not-this-item"
    (folder / "journey-columns.feedback.json").write_text(json.dumps(header), encoding="utf-8")
    read.clear()
    rebuilt = FeedbackStore.open(path=folder)
    rebuilt.search(QUERIES[0], K)
    assert sum(read) == rebuilt._scan.rows == header["rows"]
    assert_same_as_brute_force(rebuilt)


def test_a_store_folder_that_cannot_be_written_keeps_the_column_copy_in_a_temporary_folder(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    pairs = corpus(40, seed=33)
    FeedbackStore.open(path=folder).ingest([item for item, _ in pairs])
    path = ColumnScan._path
    monkeypatch.setattr(ColumnScan, "_path", lambda self, suffix: (
        folder / "not-a-folder" / suffix if self.folder == folder else path(self, suffix)))
    (folder / "not-a-folder").write_text("", encoding="utf-8")
    store = FeedbackStore.open(path=folder)
    assert len(store.search(QUERIES[0], K)) == K
    assert store._scan.folder != folder and not list(folder.glob("journey-columns.*"))
    assert_same_as_brute_force(store)
