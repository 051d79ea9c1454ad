"""`journey train`: learn the label fields from labelled texts, on top of the rules extractor.

For each label field with enough examples: one classifier over the words and the rules' cue hits (classifier.py),
k-fold cross-validated; a Stack (stack.py) fitted on its held-out scores calibrates it and weighs the rules'
verdict; the field is learned only when its cross-validated figure beats the rules' on the same items, otherwise
the rules keep it and the card says why. The folds run on the machine's cores."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import UsageError
from ..evaluation.calibration import expected_calibration_error, reliability_table
from ..evaluation.metrics import binary_f1, macro_f1, set_f1
from ..extractors.learned.features import item_doc
from ..extractors.learned.model import (FLAG_CLASSES, LIST_THRESHOLD, SENTIMENT_CLASSES, FieldCard, FieldScore, LearnedModel,
                                        ModelCard, field_kind, raw_scores, rules_indicators, target_of, value_of)
from ..extractors.rules import RulesExtractor
from ..labelling.labelled import LabelledSet
from ..language import detect_language
from ..schema import FLAG_FIELDS, LABEL_FIELDS, LIST_FIELDS, FeedbackItem
from ..taxonomy import Taxonomy
from .classifier import ClassifierSettings, add_classifier, fit, new_pipeline
from .stack import ConfidenceMap, cross_fitted, cross_fitted_map, fit_isotonic, fit_platt, fit_stack

Report = Callable[[str], None]
THRESHOLDS = tuple(round(0.2 + 0.05 * i, 2) for i in range(11))  # 0.2 .. 0.7


class TrainingError(UsageError):
    """Nothing can be learned from the labelled data (too few examples of every field)."""


FEW_FOLDS_FROM = 5_000  # labelled texts from which 3 folds are enough (and training on 10,000 stays under a minute)


def default_folds(texts: int) -> int:
    return 3 if texts >= FEW_FOLDS_FROM else 5


@dataclass(frozen=True)
class TrainSettings:
    folds: int = 5
    min_examples: int = 40  # items labelled in a field, to learn it
    min_label_examples: int = 5  # items with a list label (a touchpoint, a pain point), to learn that label
    fields: tuple[str, ...] = LABEL_FIELDS
    workers: int = field(default_factory=lambda: min(os.cpu_count() or 1, 4))
    classifier: ClassifierSettings = ClassifierSettings()


@dataclass
class FieldData:
    """One field's training data: which items have it, its labels, the truth (items x labels) and the folds."""

    name: str
    kind: str
    labels: list[str]
    rows: np.ndarray  # the labelled texts that have this field
    target: np.ndarray
    folds: np.ndarray
    per_label: dict[str, int]
    values: list[Any]  # the truth per item: a class name, or the whole set of ids (rare ones too)


def metric_of(name: str) -> str:
    return "micro_f1" if name in LIST_FIELDS else "f1" if name in FLAG_FIELDS else "macro_f1"


def predicted(data: "FieldData", probs: np.ndarray, rules_values: Sequence[Any], threshold: Any = LIST_THRESHOLD
              ) -> list[Any]:
    """Per row: the most likely class, or the set of labels at the threshold (one, or one per row) or above plus the
    rules' ids the model lacks."""
    if data.kind == "multilabel":
        cut = np.broadcast_to(np.asarray(threshold, dtype=float), (len(probs),))
        return [frozenset(label for label, p in zip(data.labels, row) if p >= t) | (given - set(data.labels))
                for row, t, given in zip(probs, cut, rules_values)]
    return [data.labels[int(row.argmax())] for row in probs]


def best_threshold(data: "FieldData", probs: np.ndarray, rules_values: Sequence[Any], rows: np.ndarray) -> float:
    """The list threshold with the best micro-F1 on the given rows (F1 wants a lower one than 0.5)."""
    gold = [data.values[i] for i in rows]
    given = [rules_values[i] for i in rows]
    return max(THRESHOLDS, key=lambda t: (field_figure(data.name, gold, predicted(data, probs[rows], given, t)),
                                          -abs(t - LIST_THRESHOLD)))


def cross_fitted_thresholds(data: "FieldData", probs: np.ndarray, rules_values: Sequence[Any]) -> np.ndarray:
    """Per item: the threshold chosen on the other folds."""
    out = np.full(len(probs), LIST_THRESHOLD)
    if data.kind == "multilabel":
        for k in np.unique(data.folds):
            out[data.folds == k] = best_threshold(data, probs, rules_values, np.flatnonzero(data.folds != k))
    return out


def field_figure(name: str, gold: Sequence[Any], pred: Sequence[Any]) -> float:
    """The field's metric, as `journey eval` scores it."""
    if name in LIST_FIELDS:
        return set_f1([set(g) for g in gold], [set(p) for p in pred])["micro_f1"]
    if name in FLAG_FIELDS:
        return binary_f1([g == "true" for g in gold], [p == "true" for p in pred])
    return macro_f1(gold, pred)


def stratified_folds(keys: Sequence[str], k: int, seed: int) -> np.ndarray:
    """Fold number per item: each key's items shuffled and dealt round-robin over k folds."""
    rng = np.random.RandomState(seed)
    folds = np.zeros(len(keys), dtype=int)
    for key in sorted(set(keys)):
        idx = np.array([i for i, y in enumerate(keys) if y == key])
        rng.shuffle(idx)
        folds[idx] = np.arange(len(idx)) % k
    return folds


def field_data(name: str, labelled: LabelledSet, settings: TrainSettings) -> FieldData | str:
    """The field's training data, or why it cannot be learned."""
    rows = [i for i, t in enumerate(labelled.texts) if name in t.labels]
    if len(rows) < settings.min_examples:
        return (f"{len(rows):,} labelled item{'s' if len(rows) != 1 else ''}, fewer than {settings.min_examples}"
                if rows else "no labelled item")
    targets = [target_of(name, labelled.texts[i].labels[name]) for i in rows]
    kind = field_kind(name)
    if kind == "multilabel":
        counts = {label: sum(label in t for t in targets) for label in sorted(set().union(*targets))}
        labels = [label for label, n in counts.items() if n >= settings.min_label_examples]
        if not labels:
            return f"no {name} label on {settings.min_label_examples} or more items"
        truth = np.array([[float(label in t) for label in labels] for t in targets])
        keys = [min(t & set(labels), default="-") for t in targets]
    else:
        classes = SENTIMENT_CLASSES if name == "sentiment" else FLAG_CLASSES if name in FLAG_FIELDS else ()
        counts = {label: targets.count(label) for label in (classes or sorted(set(targets)))}
        labels = [label for label in counts if counts[label] or classes]
        if sum(1 for n in counts.values() if n) < 2:
            return f"every labelled item has the same {name} ({targets[0]})"
        truth = np.array([[float(label == t) for label in labels] for t in targets])
        keys = list(targets)
    return FieldData(name, kind, labels, np.array(rows), truth,
                     stratified_folds(keys, settings.folds, settings.classifier.seed), dict(counts), targets)


# -- cross-validation on the machine's cores (fork: the workers share the docs) ---------------------------------

_SHARED: dict[str, Any] = {}


def _fold_scores(job: tuple[str, int]) -> tuple[str, int, np.ndarray]:
    name, k = job
    docs, data, settings = _SHARED["docs"], _SHARED["fields"][name], _SHARED["settings"]
    train, test = data.rows[data.folds != k], data.rows[data.folds == k]
    nlp = new_pipeline(docs[0].vocab)
    component = fit(nlp, name, data.kind, data.labels, [docs[i] for i in train], data.target[data.folds != k],
                    settings.classifier)
    return name, k, raw_scores(component, [docs[i] for i in test])


def _final_weights(name: str) -> tuple[str, bytes]:
    docs, data, settings = _SHARED["docs"], _SHARED["fields"][name], _SHARED["settings"]
    component = fit(new_pipeline(docs[0].vocab), name, data.kind, data.labels, [docs[i] for i in data.rows],
                    data.target, settings.classifier)
    return name, component.to_bytes(exclude=["vocab"])


def on_cores(job: Callable[[Any], Any], jobs: list, docs: list, fields: dict[str, FieldData],
             settings: TrainSettings) -> list:
    """job(each of jobs), on up to settings.workers forked processes that share the docs and fields."""
    _SHARED.update(docs=docs, fields=fields, settings=settings)
    try:
        if settings.workers > 1 and len(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods():
            with multiprocessing.get_context("fork").Pool(min(settings.workers, len(jobs))) as pool:
                return pool.map(job, jobs, chunksize=1)
        return [job(each) for each in jobs]
    finally:
        _SHARED.clear()


def final_classifiers(nlp: Any, docs: list, fields: dict[str, FieldData], settings: TrainSettings) -> None:
    """Each field's classifier trained on all its items (on the cores), added to `nlp` in the fields' order."""
    for name, weights in on_cores(_final_weights, list(fields), docs, fields, settings):
        data = fields[name]
        add_classifier(nlp, name, data.kind, data.labels, settings.classifier).from_bytes(weights, exclude=["vocab"])


def held_out_scores(docs: list, fields: dict[str, FieldData], settings: TrainSettings) -> dict[str, np.ndarray]:
    """Each field's classifier scores of every item from a model trained without its fold."""
    jobs = [(name, k) for name, data in fields.items() for k in range(settings.folds)]
    out = {name: np.zeros(data.target.shape) for name, data in fields.items()}
    results = on_cores(_fold_scores, jobs, docs, fields, settings)
    for name, k, probs in results:
        out[name][fields[name].folds == k] = probs
    return out


# -- training -------------------------------------------------------------------------------------------------

def prepare(labelled: LabelledSet, rules: RulesExtractor, vocab: Any, words: bool = True) -> tuple[list, list[dict]]:
    """Each text's doc (its words and cue hits) and the rules' labels of it: the one rules pass."""
    docs, verdicts = [], []
    for n, t in enumerate(labelled.texts):
        lang = t.lang or detect_language(t.text)
        item = FeedbackItem(item_id=str(n), text=t.text, lang=lang, source=t.source)
        an = rules.analyse(item.text, item.lang)
        fields = rules.fields_from(item, an)
        verdicts.append(fields)
        docs.append(item_doc(vocab, item.text, an, fields, item.source, item.lang, words))
    return docs, verdicts


def data_hash(labelled: LabelledSet) -> str:
    digest = hashlib.sha256()
    for t in labelled.texts:
        digest.update(json.dumps([t.text, t.lang, t.source, dict(sorted(t.labels.items()))], ensure_ascii=False,
                                 sort_keys=True, default=str).encode() + b"\n")
    return digest.hexdigest()


@dataclass
class Measured:
    """A field measured by cross-validation: its figures, and the held-out confidences to fit its confidence map on
    (the map, Platt's or isotonic, that came closer on the held-out folds)."""

    score: FieldScore
    confidence: np.ndarray
    right: np.ndarray
    threshold: float  # a list's, chosen on all held-out scores
    fit_map: ConfidenceMap = fit_platt


def closer_map(confidence: np.ndarray, right: np.ndarray, folds: np.ndarray) -> tuple[ConfidenceMap, np.ndarray]:
    """Platt's map, or the isotonic one where its held-out calibration error is lower, and its held-out output."""
    platt = cross_fitted_map(fit_platt, confidence, right, folds)
    isotonic = cross_fitted_map(fit_isotonic, confidence, right, folds)
    if expected_calibration_error(isotonic, right) < expected_calibration_error(platt, right):
        return fit_isotonic, isotonic
    return fit_platt, platt


def per_input(data: "FieldData", pred: Sequence[Any], rules_values: Sequence[Any], sources: Sequence[str]
              ) -> dict[str, dict[str, float]]:
    """The learned and the rules' figures per input file (nothing for one file)."""
    out: dict[str, dict[str, float]] = {}
    for source in sorted(set(sources)):
        rows = [i for i, s in enumerate(sources) if s == source]
        gold = [data.values[i] for i in rows]
        out[source] = {"items": len(rows), "learned": round(field_figure(data.name, gold, [pred[i] for i in rows]), 4),
                       "rules": round(field_figure(data.name, gold, [rules_values[i] for i in rows]), 4)}
    return out if len(out) > 1 else {}


def measure(data: FieldData, probs: np.ndarray, rules: np.ndarray, rules_values: Sequence[Any],
            sources: Sequence[str]) -> Measured:
    """Cross-validated figures of a field: the learned model's (Stack, list threshold and confidence map fitted on the
    other folds), the rules' on the same items, and the calibration error of the learned confidence with and
    without them."""
    calibrated = cross_fitted(data.kind, probs, rules, data.target, data.folds)
    thresholds = cross_fitted_thresholds(data, calibrated, rules_values)

    def outcome(p: np.ndarray, cut: Any = LIST_THRESHOLD) -> tuple[list[Any], np.ndarray, np.ndarray]:
        pred = predicted(data, p, rules_values, cut)
        confidence = np.array([value_of(data.name, data.labels, row, t)[1] for row, t in
                               zip(p, np.broadcast_to(cut, (len(p),)))])
        return pred, confidence, np.array([float(a == b) for a, b in zip(pred, data.values)])

    pred, confidence, right = outcome(calibrated, thresholds)
    fit_map, mapped = closer_map(confidence, right, data.folds)
    raw_confidence, raw_right = outcome(probs)[1:]
    score = FieldScore(metric=metric_of(data.name), items=len(data.rows),
                       learned=round(field_figure(data.name, data.values, pred), 4),
                       rules=round(field_figure(data.name, data.values, rules_values), 4),
                       learned_accuracy=round(float(np.mean(right)), 4),
                       rules_accuracy=round(float(np.mean([a == b for a, b in zip(rules_values, data.values)])), 4),
                       by_input=per_input(data, pred, rules_values, sources),
                       ece=round(expected_calibration_error(mapped, right), 4),
                       ece_uncalibrated=round(expected_calibration_error(raw_confidence, raw_right), 4),
                       reliability=reliability_table(mapped, right))
    threshold = best_threshold(data, calibrated, rules_values, np.arange(len(calibrated))) \
        if data.kind == "multilabel" else LIST_THRESHOLD
    return Measured(score, *outcome(calibrated, threshold)[1:], threshold, fit_map)


def train(labelled: LabelledSet, taxonomy: Taxonomy, inputs: Sequence[str], model_id: str,
          settings: TrainSettings = TrainSettings(), report: Report = lambda message: None) -> LearnedModel:
    """A learned model for `taxonomy` from the labelled texts (see the module's docstring)."""
    started = time.perf_counter()
    rules = RulesExtractor(taxonomy)
    nlp = new_pipeline()
    docs, verdicts = prepare(labelled, rules, nlp.vocab, settings.classifier.words)
    report(f"read {len(docs):,} labelled texts and ran the rules over them ({time.perf_counter() - started:.1f} s)")
    fields: dict[str, FieldData] = {}
    not_learned: dict[str, str] = {}
    for name in LABEL_FIELDS:
        if name not in settings.fields:
            not_learned[name] = "not asked for (--fields)"
            continue
        data = field_data(name, labelled, settings)
        if isinstance(data, str):
            not_learned[name] = data
        else:
            fields[name] = data
    if not fields:
        raise TrainingError("nothing to learn: " + "; ".join(f"{k}: {v}" for k, v in not_learned.items()))
    report(f"cross-validating {', '.join(fields)} ({settings.folds} folds, {settings.workers} processes)")
    held_out = held_out_scores(docs, fields, settings)
    cards: dict[str, FieldCard] = {}
    cv_only = {}
    for name, data in fields.items():
        rules_ind = rules_indicators(name, data.labels, [verdicts[i][name] for i in data.rows])
        measured = measure(data, held_out[name], rules_ind, [target_of(name, verdicts[i][name]) for i in data.rows],
                           [labelled.texts[i].origin.rsplit(":", 1)[0] for i in data.rows])
        score = measured.score
        report(f"{name}: {score.metric} learned {score.learned:.3f}, rules {score.rules:.3f} on {score.items:,} "
               f"items; calibration error {score.ece:.3f} (uncalibrated {score.ece_uncalibrated:.3f})")
        if score.learned <= score.rules:
            not_learned[name] = f"the rules score higher or the same by cross-validation ({score.rules:.3f} " \
                                f"against {score.learned:.3f})"
            cv_only[name] = score
            continue
        cards[name] = FieldCard(kind=data.kind, labels=data.labels, examples=len(data.rows), per_label=data.per_label,
                                stack=fit_stack(data.kind, held_out[name], rules_ind, data.target),
                                threshold=measured.threshold,
                                confidence=measured.fit_map(measured.confidence, measured.right), cv=score)
    if not cards:
        raise TrainingError("the rules extractor does as well as a learned model on every field with enough "
                            "labels: " + "; ".join(f"{k}: {v}" for k, v in not_learned.items() if k in fields))
    report(f"training {', '.join(cards)} on all their items")
    final_classifiers(nlp, docs, {name: fields[name] for name in cards}, settings)
    card = ModelCard(id=model_id, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     taxonomy_id=taxonomy.ref, fields=cards, not_learned=not_learned, cv_only=cv_only,
                     examples=len(docs), inputs=list(inputs), data_sha256=data_hash(labelled),
                     training={"folds": settings.folds, "ngram": settings.classifier.ngram,
                               "words": settings.classifier.words,
                               "hash_rows": settings.classifier.hash_rows, "seed": settings.classifier.seed,
                               "epochs": {n: settings.classifier.epochs_for(len(fields[n].rows)) for n in cards},
                               "seconds": round(time.perf_counter() - started, 1)})
    return LearnedModel(card, nlp)
