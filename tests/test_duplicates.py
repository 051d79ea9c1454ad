"""Near-duplicate groups: blocked similarity search, connected components, the store helper and the command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from extractor.analyses.duplicates import (mean_similarity, min_similarity, near_duplicate_groups,
                                           store_duplicates)
from extractor.errors import UsageError
from extractor.store.embedding import HashingEmbedding

from .conftest import run_journey

BASE = "The courier left my parcel at the wrong address and the tracking still says out for delivery"
TEXTS = {
    "d1": BASE,
    "d2": "the courier left my parcel at the wrong address, and tracking still says out for delivery!",  # case, punct.
    "d3": BASE + ". Please help",  # a few words more (0.98)
    "d4": BASE.replace("address", "adress"),  # a typo (0.91)
    "d5": BASE.replace("parcel", "package"),  # another word (0.91)
    "x1": "The courier left my parcel at the neighbour and the tracking says delivered",  # related, not a copy (0.84)
    "u1": "Refund took three weeks to arrive on my card",
    "u2": "Great quality shoes, very comfortable, will buy again",
    "u3": "Paczka przyszła uszkodzona, karton był mokry",
}


def embed(texts: dict[str, str]) -> tuple[list[str], np.ndarray]:
    ids = sorted(texts)
    return ids, np.asarray(HashingEmbedding()([texts[i] for i in ids]), dtype=np.float32)


def named(ids: list[str], groups: list[list[int]]) -> list[list[str]]:
    return [[ids[i] for i in g] for g in groups]


def brute_force(vectors: np.ndarray, threshold: float) -> list[set[int]]:
    sims = vectors @ vectors.T
    n = len(vectors)
    seen, groups = set(), []
    for start in range(n):
        if start in seen:
            continue
        stack, comp = [start], set()
        while stack:
            i = stack.pop()
            if i in comp:
                continue
            comp.add(i)
            stack += [j for j in np.flatnonzero(sims[i] >= threshold - 1e-6).tolist() if j not in comp]
        seen |= comp
        if len(comp) > 1:
            groups.append(comp)
    return groups


def test_small_edits_group_together_and_unrelated_texts_do_not():
    ids, vectors = embed(TEXTS)
    groups = named(ids, near_duplicate_groups(ids, vectors, 0.92))
    assert groups == [["d1", "d2", "d3"]]  # case and punctuation vanish; a few more words stay above 0.92


def test_threshold_is_respected():
    ids, vectors = embed(TEXTS)
    assert named(ids, near_duplicate_groups(ids, vectors, 0.9)) == [["d1", "d2", "d3", "d4", "d5"]]
    assert named(ids, near_duplicate_groups(ids, vectors, 0.8)) == [["d1", "d2", "d3", "d4", "d5", "x1"]]
    assert named(ids, near_duplicate_groups(ids, vectors, 1.0)) == [["d1", "d2"]]  # identical vectors only
    sims = vectors @ vectors.T
    for threshold in (0.8, 0.9, 0.92, 0.95):
        for group in near_duplicate_groups(ids, vectors, threshold):
            for i in group:  # every member has a neighbour in the group at or above the threshold
                assert max(sims[i, j] for j in group if j != i) >= threshold - 1e-6
    with pytest.raises(UsageError):
        near_duplicate_groups(ids, vectors, 1.5)


def test_groups_are_connected_components():
    # a ~ b and b ~ c, a and c further apart: one group of three
    a = np.array([1.0, 0.0, 0.0])
    b = np.array([np.cos(0.3), np.sin(0.3), 0.0])
    c = np.array([np.cos(0.6), np.sin(0.6), 0.0])
    far = np.array([0.0, 0.0, 1.0])
    vectors = np.stack([c, far, a, b])
    assert float(a @ c) < 0.92 < float(a @ b)
    assert near_duplicate_groups(["c", "far", "a", "b"], vectors, 0.92) == [[2, 3, 0]]  # members in id order


def test_blocked_search_matches_brute_force_and_orders_groups():
    rng = np.random.default_rng(7)
    base = rng.standard_normal((300, 48))
    vectors = [base]
    for size in (2, 3, 5):  # planted groups of noisy copies
        for row in rng.choice(300, 4, replace=False):
            vectors.append(base[row] + 0.15 * rng.standard_normal((size - 1, 48)))
    matrix = np.concatenate(vectors).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    order = rng.permutation(len(matrix))
    matrix = matrix[order]
    ids = [f"i{n:04d}" for n in range(len(matrix))]
    expected = sorted(sorted(g) for g in brute_force(matrix, 0.9))
    for row_block, col_block in ((2000, 8000), (7, 13), (50, 50), (1, 400)):
        groups = near_duplicate_groups(ids, matrix, 0.9, row_block=row_block, col_block=col_block)
        assert sorted(sorted(g) for g in groups) == expected
        sizes = [len(g) for g in groups]
        assert sizes == sorted(sizes, reverse=True)
        for a, b in zip(groups, groups[1:]):
            if len(a) == len(b):
                assert ids[a[0]] < ids[b[0]]
    assert {len(g) for g in expected} >= {2, 3, 5}


def test_edge_cases():
    assert near_duplicate_groups([], np.zeros((0, 4))) == []
    zero = np.zeros((3, 4), dtype=np.float32)  # empty texts embed to zero and match nothing
    assert near_duplicate_groups(["a", "b", "c"], zero) == []
    same = np.tile(np.array([[1.0, 2.0, 3.0]]), (4, 1))  # not normalised: normalised on the way in
    assert near_duplicate_groups(["d", "c", "b", "a"], same) == [[3, 2, 1, 0]]
    with pytest.raises(UsageError):
        near_duplicate_groups(["a", "b"], np.ones((3, 4)))


def test_mean_and_min_similarity():
    ids, vectors = embed(TEXTS)
    sub = vectors[[ids.index("d1"), ids.index("d4"), ids.index("x1"), ids.index("d5")]]
    pairs = (sub @ sub.T)[np.triu_indices(4, 1)]
    assert mean_similarity(sub) == pytest.approx(float(pairs.mean()), abs=1e-5)
    assert min_similarity(sub) == pytest.approx(float(pairs.min()), abs=1e-6)
    assert min_similarity(sub, block=3) == pytest.approx(min_similarity(sub), abs=1e-6)


def write_items(path: Path, texts: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()), encoding="utf-8")
    return path


def test_store_duplicates_reads_the_store(tmp_path):
    from extractor.ingest import ReadOptions, open_readers
    from extractor.schema import FeedbackItem
    from extractor.store.store import FeedbackStore

    store = FeedbackStore.open(path=tmp_path / "store")
    readers = open_readers([str(write_items(tmp_path / "items.jsonl", TEXTS))], ReadOptions())
    store.ingest((row for r in readers for row in r if isinstance(row, FeedbackItem)), parallel=False)
    groups = store_duplicates(store, 0.9)
    assert len(groups) == 1
    group = groups[0]
    assert group.item_ids == ["d1", "d2", "d3", "d4", "d5"]
    assert group.texts[0] == TEXTS["d1"] and group.texts[3] == TEXTS["d4"]
    assert 0.9 < group.similarity < 1.0
    assert group.min_similarity == pytest.approx(0.81, abs=0.01)  # d4 and d5 differ in two words: linked via d1
    assert [g.item_ids for g in store_duplicates(store, 0.92)] == [["d1", "d2", "d3"]]


def test_duplicates_command(tmp_path):
    items = write_items(tmp_path / "items.jsonl", TEXTS)
    store = tmp_path / "store"
    ingest = run_journey("ingest", str(items), "--store", str(store), "-q")
    assert ingest.returncode == 0, ingest.stderr
    result = run_journey("duplicates", "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert "1 groups" in result.stdout and "3 items" in result.stdout and "d1, d2, d3" in result.stdout
    assert BASE in result.stdout and "d4" not in result.stdout
    as_json = run_journey("duplicates", "--store", str(store), "--threshold", "0.8", "--json")
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [(r["size"], r["item_ids"]) for r in rows] == [(6, ["d1", "d2", "d3", "d4", "d5", "x1"])]
    assert rows[0]["texts"][5] == TEXTS["x1"] and 0.8 < rows[0]["similarity"] < 1
    strict = run_journey("duplicates", "--store", str(store), "--threshold", "1")
    assert strict.returncode == 0 and "d1, d2" in strict.stdout and "d3" not in strict.stdout
    missing = run_journey("duplicates", "--store", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and missing.stderr.startswith("Error: no store at") and "Traceback" not in \
        missing.stderr
    bad = run_journey("duplicates", "--store", str(store), "--threshold", "2")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
