"""extractors/learned/bow.py: the classifiers' n-gram input computed from words gives spaCy's own scores."""

from __future__ import annotations

import numpy as np
import pytest
from spacy.tokens import Doc

from extractor.extractors.learned.bow import BowScorer
from extractor.learning.classifier import ClassifierSettings, add_classifier, fit, new_pipeline

TEXTS = [
    ["parcel", "late", "__neg__", "__rules_stage_experience__"],
    ["great", "price", "great", "price", "__pos__"],
    ["mark", "the", "case", "as", "closed"],  # "mark" and "case": spaCy symbols, ids of their own
    ["paczka", "nie", "dotarła", "__not_emotion_joy__"],
    ["__empty__"],
    ["refund", "refund", "refund", "ok", "late", "parcel"],
]
LABELS = ["a", "b", "c"]


def trained(kind: str):
    nlp = new_pipeline()
    docs = [Doc(nlp.vocab, words=words) for words in TEXTS]
    target = np.eye(len(LABELS))[[n % len(LABELS) for n in range(len(TEXTS))]]
    if kind == "multilabel":
        target[0, 1] = 1.0
    return nlp, fit(nlp, "field", kind, LABELS, docs, target, ClassifierSettings(epochs=3, hash_rows=2 ** 10))


@pytest.mark.parametrize("kind", ["exclusive", "multilabel"])
def test_scores_from_words_are_the_classifiers_scores_on_docs(kind):
    nlp, component = trained(kind)
    unseen = [["never", "seen", "words", "zażółć"], ["late", "refund"]]
    texts = TEXTS + unseen
    expected = np.asarray(component.predict([Doc(nlp.vocab, words=words) for words in texts]), dtype=float)
    scorer = BowScorer.of(component)
    assert scorer is not None and scorer.ngram_size == 2
    vocabulary = len(nlp.vocab)
    got = scorer.scores(scorer.features(unseen + TEXTS))  # another order: no state carried between texts
    assert np.array_equal(got, np.vstack([expected[len(TEXTS):], expected[:len(TEXTS)]]))
    assert expected.std() > 0  # the classifier tells the texts apart: the comparison means something
    assert len(nlp.vocab) == vocabulary  # no vocabulary entry per new word


def test_a_classifier_of_another_shape_has_no_scorer():
    nlp = new_pipeline()
    settings = ClassifierSettings()
    assert BowScorer.of(add_classifier(nlp, "ours", "exclusive", LABELS, settings)) is not None
    other = nlp.add_pipe("textcat", name="other", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 1,
        "no_output_layer": True}})
    assert BowScorer.of(other) is None
