"""Few-shot examples for a request: the items most similar to the request's items, first those agents reviewed on
the `journey serve` page, then the labelled items of the feedback store. Both are masked like the items."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Protocol, Sequence

from ...privacy import KINDS, mask_personal_data
from .prompt import PromptExample

EXAMPLE_MAX_CHARS = 600  # a long example costs tokens in every request it is shown in
REVIEWED_MIN_SIMILARITY = 0.2  # below it a reviewed item is not like the request's items: a store item may be


class ExampleSource(Protocol):
    def examples_for(self, texts: Sequence[str], k: int) -> list[PromptExample]: ...


def _shown(text: str, mask: Iterable[str]) -> str:
    return mask_personal_data(text[:EXAMPLE_MAX_CHARS], mask).text


class StoreExamples:
    """Examples from a FeedbackStore's labelled items (masked like the items, so no personal data leaves)."""

    def __init__(self, store, mask: Iterable[str] = KINDS):
        self.store = store
        self.mask = mask

    def examples_for(self, texts: Sequence[str], k: int) -> list[PromptExample]:
        if k <= 0 or not texts:
            return []
        asked = set(texts)
        chosen: dict[str, PromptExample] = {}
        per_text = max(1, -(-k // len(texts)))
        for text in texts:
            for hit in self.store.similar_examples(text, per_text):
                if hit.text in asked or hit.text in chosen or not hit.labels.get("stage"):
                    continue
                chosen[hit.text] = PromptExample(_shown(hit.text, self.mask), dict(hit.labels))
                if len(chosen) >= k:
                    return list(chosen.values())
        return list(chosen.values())


class ReviewedExamples:
    """Examples from the reviewed-items file (the latest review of each text), ranked by similarity to the
    request's texts with the store's offline hashing embedding; `then` (the store's examples) fills the rest.

    The file is read again when it changes, so a running server uses a correction from its next request on."""

    def __init__(self, path: Path, mask: Iterable[str] = KINDS, then: ExampleSource | None = None):
        self.path = path
        self.mask = mask
        self.then = then
        self._seen: tuple[int, int] | None = None
        self._reviewed: list[tuple[str, dict]] = []
        self._vectors = None
        self._embedding = None

    def examples_for(self, texts: Sequence[str], k: int) -> list[PromptExample]:
        if k <= 0 or not texts:
            return []
        chosen = self._reviewed_examples(texts, k)
        if len(chosen) < k and self.then is not None:
            shown = {e.text for e in chosen}
            for example in self.then.examples_for(texts, k):
                if example.text not in shown and len(chosen) < k:
                    chosen.append(example)
        return chosen

    def _reviewed_examples(self, texts: Sequence[str], k: int) -> list[PromptExample]:
        import numpy as np

        self._reload()
        if not self._reviewed:
            return []
        asked = set(texts)
        scores = np.asarray(self._embedding(list(texts)), dtype=np.float32) @ self._vectors.T  # texts x reviewed
        per_text = max(1, -(-k // len(texts)))
        picked: dict[int, float] = {}  # reviewed item -> its best similarity to one of the texts
        for row in scores:
            taken = 0
            for j in np.argsort(-row, kind="stable"):
                if taken >= per_text or row[j] < REVIEWED_MIN_SIMILARITY:
                    break
                if self._reviewed[j][0] in asked:
                    continue
                picked[int(j)] = max(picked.get(int(j), -1.0), float(row[j]))
                taken += 1
        best = sorted(picked, key=lambda j: -picked[j])[:k]
        return [PromptExample(_shown(self._reviewed[j][0], self.mask), self._reviewed[j][1]) for j in best]

    def _reload(self) -> None:
        """Read the reviews again when the file changed (size or time)."""
        try:
            stat = os.stat(self.path)
        except OSError:
            self._seen, self._reviewed, self._vectors = None, [], None
            return
        seen = (stat.st_mtime_ns, stat.st_size)
        if seen == self._seen:
            return
        import numpy as np

        from ...labelling.reviewed import latest_per_text, read_reviewed

        reviews = latest_per_text(read_reviewed(self.path).items)
        self._reviewed = [(r.text, r.corrected.model_dump()) for r in reviews]
        if self._reviewed:
            if self._embedding is None:
                from ...store.embedding import HashingEmbedding

                self._embedding = HashingEmbedding()
            self._vectors = np.asarray(self._embedding([text for text, _ in self._reviewed]), dtype=np.float32)
        self._seen = seen


def few_shot_source(store, reviewed: Path | None, mask: Iterable[str] = KINDS) -> ExampleSource | None:
    """Where the llm extractor's examples come from: reviewed items first (when a reviews file is named), then
    the feedback store's labelled items (when there is a store); None when neither."""
    stored = StoreExamples(store, mask) if store is not None else None
    if reviewed is not None:
        return ReviewedExamples(reviewed, mask, then=stored)
    return stored
