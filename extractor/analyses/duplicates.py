"""Near-duplicate groups: items whose embeddings point (almost) the same way.

`near_duplicate_groups` compares every pair of vectors with blocked matrix products (a 2,000-row block
against at most 8,000 columns at a time, upper triangle only), so 100k items x 256 dimensions needs a few
hundred MB and no pair list larger than one tile. Pairs at or above the threshold are joined with a
vectorised union-find; a group is a connected component (a ~ b and b ~ c puts a and c together even when
a and c themselves are a little further apart).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..errors import UsageError

if TYPE_CHECKING:
    from ..store.store import FeedbackStore

ROW_BLOCK = 2000
COL_BLOCK = 8000


@dataclass
class Group:
    """One group of near-identical stored items."""

    ids: list[str]  # store ids
    item_ids: list[str]
    texts: list[str]
    similarity: float  # mean pairwise cosine similarity of the members
    min_similarity: float = 0.0  # lowest pairwise cosine similarity (chains can drift below the threshold)
    metadata: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def size(self) -> int:
        return len(self.ids)


def as_unit_matrix(vectors: Any) -> np.ndarray:
    """Vectors as a float32 matrix of unit rows (zero rows stay zero and match nothing)."""
    matrix = np.array(vectors, dtype=np.float32, copy=True)
    if matrix.ndim != 2:
        raise UsageError(f"expected a list of vectors, got an array of shape {matrix.shape}")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    matrix /= norms
    return matrix


def _find(parent: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Roots of `nodes` (pointer jumping; `parent` is kept shallow by `_union`)."""
    roots = parent[nodes]
    while True:
        up = parent[roots]
        if np.array_equal(up, roots):
            return roots
        roots = up


def _union(parent: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Join the components of each pair (a[i], b[i]); every root points at the smallest index of its component."""
    while a.size:
        ra, rb = _find(parent, a), _find(parent, b)
        differ = ra != rb
        if not differ.any():
            return
        ra, rb = ra[differ], rb[differ]
        low, high = np.minimum(ra, rb), np.maximum(ra, rb)
        np.minimum.at(parent, high, low)
        # flatten every node one level so later finds stay short
        parent[:] = parent[parent]
        a, b = low, high


def near_duplicate_groups(ids: Sequence[str], vectors: Any, threshold: float = 0.92,
                          row_block: int = ROW_BLOCK, col_block: int = COL_BLOCK) -> list[list[int]]:
    """Groups (as indices into `ids`/`vectors`) of two or more items linked by cosine similarity >= threshold.

    Members are ordered by id, groups by size (largest first), then by their first id.
    """
    if not 0.0 < threshold <= 1.0:
        raise UsageError(f"threshold {threshold} out of range: give a cosine similarity in (0, 1]")
    n = len(ids)
    if n == 0:
        return []
    matrix = as_unit_matrix(vectors)
    if matrix.shape[0] != n:
        raise UsageError(f"{n} ids but {matrix.shape[0]} vectors")
    parent = np.arange(n, dtype=np.int64)
    limit = np.float32(threshold) - np.float32(1e-6)  # identical unit vectors may score 0.9999999
    columns = np.ascontiguousarray(matrix.T)  # (d, n): row-major products run about twice as fast
    buffer = np.empty((min(row_block, n), min(col_block, n)), dtype=np.float32)
    for r0 in range(0, n, row_block):
        r1 = min(n, r0 + row_block)
        for c0 in range(r0, n, col_block):
            c1 = min(n, c0 + col_block)
            sims = np.matmul(matrix[r0:r1], columns[:, c0:c1], out=buffer[: r1 - r0, : c1 - c0])
            flat = np.flatnonzero(sims >= limit)
            if flat.size == 0:
                continue
            i, j = np.divmod(flat, c1 - c0)
            i, j = i + r0, j + c0
            keep = i < j  # the upper triangle only (and never an item with itself)
            if keep.any():
                _union(parent, i[keep], j[keep])
    roots = _find(parent, np.arange(n, dtype=np.int64))
    members: dict[int, list[int]] = {}
    for index in np.flatnonzero(np.bincount(roots, minlength=n)[roots] > 1).tolist():
        members.setdefault(int(roots[index]), []).append(index)
    groups = [sorted(g, key=lambda k: (ids[k], k)) for g in members.values()]
    groups.sort(key=lambda g: (-len(g), ids[g[0]], g[0]))
    return groups


def mean_similarity(matrix: np.ndarray) -> float:
    """Mean pairwise cosine similarity of unit rows, in O(n d): (|sum|^2 - n) / (n (n - 1))."""
    n = matrix.shape[0]
    if n < 2:
        return 1.0
    total = matrix.astype(np.float64).sum(axis=0)
    squares = float(np.einsum("ij,ij->", matrix, matrix, dtype=np.float64))
    return float((total @ total - squares) / (n * (n - 1)))


def min_similarity(matrix: np.ndarray, block: int = ROW_BLOCK) -> float:
    """The lowest pairwise cosine similarity of unit rows, in blocks of rows."""
    n = matrix.shape[0]
    if n < 2:
        return 1.0
    low = np.inf
    for r0 in range(0, n, block):
        sims = matrix[r0:r0 + block] @ matrix.T
        sims[np.arange(sims.shape[0]), np.arange(r0, r0 + sims.shape[0])] = np.inf
        low = min(low, float(sims.min()))
    return low


def store_duplicates(store: FeedbackStore, threshold: float = 0.92) -> list[Group]:
    """Every group of near-identical items in the store (reads all vectors with `store.iter_vectors`)."""
    ids: list[str] = []
    metas: list[dict[str, Any]] = []
    blocks: list[np.ndarray] = []
    for batch_ids, batch_vectors, batch_metas in store.iter_vectors():
        ids += batch_ids
        metas += [dict(m or {}) for m in batch_metas]
        blocks.append(np.asarray(batch_vectors, dtype=np.float32))
    if not ids:
        return []
    matrix = as_unit_matrix(np.concatenate(blocks))
    del blocks
    groups: list[Group] = []
    keys = [f"{metas[k].get('item_id', '')}\x00{ids[k]}" for k in range(len(ids))]  # members in item id order
    for members in near_duplicate_groups(keys, matrix, threshold):
        sub = matrix[members]
        groups.append(Group(ids=[ids[k] for k in members],
                            item_ids=[str(metas[k].get("item_id", ids[k])) for k in members],
                            texts=[str(metas[k].get("text", "")) for k in members],
                            similarity=round(mean_similarity(sub), 4),
                            min_similarity=round(min_similarity(sub), 4),
                            metadata=[metas[k] for k in members]))
    return groups
