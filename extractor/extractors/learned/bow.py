"""The classifiers' bag-of-words input computed straight from words, once for every learned field.

spaCy's TextCatBOW reads a Doc's ORTH ids (the hash of each word) and their n-grams (`extract_ngrams`), then a
sparse linear layer and an output layer score them. Making a Doc costs a vocabulary entry per new word (the
vocabulary then grows with every word a run meets), and each field's classifier extracts the same n-grams again.
Here the same ids come from the words as spaCy makes them (`get_string_id`: its hash, or a symbol's id), the n-grams are extracted once per batch and fed to
each classifier's layers after `extract_ngrams`: the scores are the ones `component.predict(docs)` gives."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from spacy.attrs import ORTH
from spacy.strings import get_string_id

Features = tuple[np.ndarray, np.ndarray, np.ndarray]  # keys, counts, keys per text: what extract_ngrams yields


def ngram_features(ops: Any, texts: Sequence[Sequence[str]], ngram_size: int) -> Features:
    """Each text's distinct word and n-gram ids (up to `ngram_size`) with their counts, as spaCy's
    `extract_ngrams` computes them over Docs of these words with `attr=ORTH`."""
    batch_keys, batch_vals = [], []
    for words in texts:
        unigrams = np.fromiter(map(get_string_id, words), dtype="uint64", count=len(words))
        ngrams = [unigrams] + [ops.ngrams(n, unigrams) for n in range(2, ngram_size + 1)]
        keys, vals = np.unique(np.concatenate(ngrams), return_counts=True)
        batch_keys.append(keys)
        batch_vals.append(vals)
    lengths = ops.asarray([keys.shape[0] for keys in batch_keys], dtype="int32")
    return np.concatenate(batch_keys), ops.asarray(np.concatenate(batch_vals), dtype="f"), lengths


class BowScorer:
    """One field's classifier (spaCy's `textcat` or `textcat_multilabel` with the TextCatBOW architecture) split
    into its n-gram settings and the layers that score the n-grams."""

    def __init__(self, ops: Any, ngram_size: int, linear: Any, output: Any):
        self.ops, self.ngram_size, self.linear, self.output = ops, ngram_size, linear, output

    @classmethod
    def of(cls, component: Any) -> "BowScorer | None":
        """The scorer of a classifier built as `journey train` builds them (spacy.TextCatBOW.v3 with its output
        layer: with_cpu(extract_ngrams >> linear) >> with_cpu(output)); None for any other model."""
        model = component.model
        if len(model.layers) != 2 or len(model.layers[0].layers) != 1:
            return None
        inner = model.layers[0].layers[0].layers
        if len(inner) != 2 or inner[0].name != "extract_ngrams" or inner[0].attrs.get("attr") != ORTH:
            return None
        return cls(model.ops, int(inner[0].attrs["ngram_size"]), inner[1], model.layers[1])

    def features(self, texts: Sequence[Sequence[str]]) -> Features:
        return ngram_features(self.ops, texts, self.ngram_size)

    def scores(self, features: Features) -> np.ndarray:
        """Probabilities (texts x labels), as the component's `predict` gives them."""
        raw = self.output.predict(self.linear.predict(features))
        return np.asarray(raw.get() if hasattr(raw, "get") else raw, dtype=float)  # .get(): a GPU array
