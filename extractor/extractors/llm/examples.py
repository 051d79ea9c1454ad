"""Few-shot examples for a request: the labelled items of the feedback store most similar to the request's items."""

from __future__ import annotations

from typing import Protocol, Sequence

from ...privacy import mask_personal_data
from .prompt import PromptExample

EXAMPLE_MAX_CHARS = 600  # a long example costs tokens in every request it is shown in


class ExampleSource(Protocol):
    def examples_for(self, texts: Sequence[str], k: int) -> list[PromptExample]: ...


class StoreExamples:
    """Examples from a FeedbackStore's labelled items (masked like the items, so no personal data leaves)."""

    def __init__(self, store, mask: bool = True):
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
                shown = hit.text[:EXAMPLE_MAX_CHARS]
                shown = mask_personal_data(shown).text if self.mask else shown
                chosen[hit.text] = PromptExample(shown, {key: value for key, value in hit.labels.items()})
                if len(chosen) >= k:
                    return list(chosen.values())
        return list(chosen.values())
