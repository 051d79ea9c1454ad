"""One field's classifier: spaCy's trainable `textcat` (one label per item) or `textcat_multilabel` (a list), with
its bag-of-words architecture, trained by its own update loop over docs built once (extractors/learned/features)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..extractors.rules import spacy_lean  # noqa: F401 - first: imports spaCy without its CLI
import spacy
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

BATCH, DROPOUT = 32, 0.2
EXAMPLE_PASSES = 12_000  # epochs = this / training items, within [MIN_EPOCHS, MAX_EPOCHS]
MIN_EPOCHS, MAX_EPOCHS = 3, 30


@dataclass(frozen=True)
class ClassifierSettings:
    ngram: int = 2
    hash_rows: int = 2 ** 16
    epochs: int | None = None  # None: from the number of training items
    seed: int = 0
    words: bool = True  # False: the rules' cue hits and verdicts only (transfers better to unlike feedback)

    def epochs_for(self, items: int) -> int:
        return self.epochs or max(MIN_EPOCHS, min(MAX_EPOCHS, math.ceil(EXAMPLE_PASSES / max(items, 1))))


def new_pipeline(vocab: Any = True):
    """An empty multilingual pipeline sharing `vocab` (the docs' vocab): the learned fields' classifiers go in it."""
    return spacy.blank("xx", vocab=vocab)


def add_classifier(nlp: Any, name: str, kind: str, labels: Sequence[str], settings: ClassifierSettings) -> Any:
    factory = "textcat_multilabel" if kind == "multilabel" else "textcat"
    component = nlp.add_pipe(factory, name=name, config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": kind != "multilabel",
        "ngram_size": settings.ngram, "no_output_layer": False, "length": settings.hash_rows}})
    for label in labels:
        component.add_label(label)
    return component


def examples(docs: Sequence[Any], labels: Sequence[str], target: np.ndarray) -> list[Example]:
    """Training examples: each doc with its 0/1 per label (one-hot for an exclusive field)."""
    return [Example.from_dict(doc, {"cats": {label: float(y) for label, y in zip(labels, row)}})
            for doc, row in zip(docs, target)]


def fit(nlp: Any, name: str, kind: str, labels: Sequence[str], docs: Sequence[Any], target: np.ndarray,
        settings: ClassifierSettings) -> Any:
    """Add the field's classifier to `nlp` and train it on the docs (seeded: the same data gives the same model)."""
    fix_random_seed(settings.seed)
    component = add_classifier(nlp, name, kind, labels, settings)
    train = examples(docs, labels, target)
    component.initialize(lambda: train, nlp=nlp)
    optimizer = nlp.create_optimizer()
    rng = random.Random(settings.seed)
    for _ in range(settings.epochs_for(len(train))):
        rng.shuffle(train)
        for batch in minibatch(train, size=BATCH):
            component.update(batch, drop=DROPOUT, sgd=optimizer)
    return component
