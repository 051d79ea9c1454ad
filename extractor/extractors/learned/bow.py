"""The classifiers' bag-of-words input computed straight from words, once for every learned field.

spaCy's TextCatBOW reads a Doc's ORTH ids (the hash of each word) and their n-grams (`extract_ngrams`), then a
sparse linear layer and an output layer score them. Making a Doc costs a vocabulary entry per new word (the
vocabulary then grows with every word a run meets), and each field's classifier extracts the same n-grams again.
Here the same ids come from the words as spaCy makes them (`get_string_id`: its hash, or a symbol's id), the
n-grams are extracted once per batch and fed to each classifier's layers after `extract_ngrams`: the scores are
the ones `component.predict(docs)` gives."""

from __future__ import annotations

import itertools
from typing import Any, Sequence

import numpy as np
from spacy.attrs import ORTH
from spacy.strings import get_string_id

Features = tuple[np.ndarray, np.ndarray, np.ndarray]  # keys, counts, keys per text: what extract_ngrams yields


def ngram_features(ops: Any, texts: Sequence[Sequence[str]], ngram_size: int) -> Features:
    """Each text's distinct word and n-gram ids (up to `ngram_size`) with their counts, as spaCy's
    `extract_ngrams` computes them over Docs of these words with `attr=ORTH`: per text, its distinct keys in
    ascending order, texts one after the other. Done for the whole batch at once: the n-grams of all the words
    in a row, less those that straddle two texts, then one sort by (text, key)."""
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, dtype="uint64"), ops.asarray(np.zeros(0), dtype="f"), ops.asarray(sizes, dtype="int32")
    unigrams = np.fromiter(map(get_string_id, itertools.chain.from_iterable(texts)), dtype="uint64", count=total)
    text_of = np.repeat(np.arange(len(texts)), sizes)
    keys, owners = [unigrams], [text_of]
    for n in range(2, ngram_size + 1):
        grams = ops.ngrams(n, unigrams)  # gram i: words i .. i+n-1
        inside = text_of[:len(grams)] == text_of[n - 1:n - 1 + len(grams)]
        keys.append(grams[inside])
        owners.append(text_of[:len(grams)][inside])
    key, owner = np.concatenate(keys), np.concatenate(owners)
    order = np.lexsort((key, owner))
    key, owner = key[order], owner[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (owner[1:] != owner[:-1])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(key)))
    lengths = np.bincount(owner[starts], minlength=len(texts))
    return key[starts], ops.asarray(counts, dtype="f"), ops.asarray(lengths, dtype="int32")


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
