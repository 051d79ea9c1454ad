"""Classification metrics for single labels and label sets, without third-party dependencies."""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Sequence


def accuracy(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> float:
    return sum(g == p for g, p in zip(gold, pred)) / len(gold) if gold else 0.0


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def macro_f1(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> float:
    """Mean F1 over the labels that occur in gold or predictions."""
    labels = set(gold) | set(pred)
    if not labels:
        return 0.0
    scores = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred))
        fp = sum(g != label and p == label for g, p in zip(gold, pred))
        fn = sum(g == label and p != label for g, p in zip(gold, pred))
        scores.append(_f1(tp, fp, fn))
    return sum(scores) / len(scores)


def set_f1(gold: Sequence[set[str]], pred: Sequence[set[str]]) -> dict[str, float]:
    """Micro- and macro-F1 of multi-label predictions (macro over labels seen in gold or predictions)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, pred):
        for label in g & p:
            tp[label] += 1
        for label in p - g:
            fp[label] += 1
        for label in g - p:
            fn[label] += 1
    labels = set(tp) | set(fp) | set(fn)
    micro = _f1(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    macro = sum(_f1(tp[x], fp[x], fn[x]) for x in labels) / len(labels) if labels else 0.0
    return {"micro_f1": micro, "macro_f1": macro}


def binary_f1(gold: Sequence[bool], pred: Sequence[bool]) -> float:
    tp = sum(g and p for g, p in zip(gold, pred))
    fp = sum(p and not g for g, p in zip(gold, pred))
    fn = sum(g and not p for g, p in zip(gold, pred))
    return _f1(tp, fp, fn)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two labellings of the same items: agreement beyond chance (1 = perfect, 0 = chance)."""
    n = len(a)
    if not n:
        return 0.0
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[label] * cb[label] for label in ca) / (n * n)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def confusion(gold: Sequence[str], pred: Sequence[str]) -> dict[str, dict[str, int]]:
    """Counts as {gold label: {predicted label: n}}."""
    matrix: dict[str, dict[str, int]] = {}
    for g, p in zip(gold, pred):
        row = matrix.setdefault(g, {})
        row[p] = row.get(p, 0) + 1
    return matrix
