"""The one way items reach an extractor: in batches of its `batch_rows`, records back in input order."""

from __future__ import annotations

from extractor.extractors import make_extractor
from extractor.pipeline import batches, label_batches
from extractor.schema import FeedbackItem
from extractor.taxonomy import load_taxonomy


def test_batches_are_consecutive_and_the_last_is_shorter():
    assert list(batches(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batches([], 3)) == []
    assert list(batches(iter(range(4)), 2)) == [[0, 1], [2, 3]]


def test_batches_read_lazily():
    taken = []

    def items():
        for n in range(10):
            taken.append(n)
            yield n

    first = next(batches(items(), 4))
    assert first == [0, 1, 2, 3] and taken == [0, 1, 2, 3]


class Counting:
    """Wraps an extractor to see the batches it is handed."""

    def __init__(self, inner, batch_rows: int):
        self.inner, self.batch_rows, self.seen = inner, batch_rows, []

    def extract_many(self, items):
        self.seen.append(len(items))
        return self.inner.extract_many(items)


def test_label_batches_hands_the_extractor_its_batch_size_and_keeps_the_order():
    rules = make_extractor("rules", load_taxonomy(None))
    texts = ["The parcel was late.", "Paczka nie dotarła na czas.", "Checkout was quick.", "Support never answered.",
             "Great app."]
    items = [FeedbackItem(item_id=f"i{n}", text=t) for n, t in enumerate(texts)]
    counting = Counting(rules, batch_rows=2)
    pairs = [pair for batch in label_batches(counting, items) for pair in batch]
    assert counting.seen == [2, 2, 1]
    assert [item.item_id for item, _ in pairs] == [record.item_id for _, record in pairs] == [i.item_id for i in items]
    assert pairs[1][0].lang == "pl"  # languages detected on the way in
    assert [r.model_dump_json() for _, r in pairs] == [rules.record_json(item) for item, _ in pairs]
