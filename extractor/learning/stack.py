"""Fitting what calibrates a learned field (extractors/learned/model.py): its `Stack`, the layer that turns the
classifier's scores and the rules' verdict into label probabilities, then its `Platt` map from the label's (or the
list's) probability to how often such labels are right. Both losses (negative log-likelihood, an L2 prior on the
per-label weights) are convex, so plain Adam from the identity finds their minimum."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..extractors.learned.model import Isotonic, Platt, Stack, stacked

STEPS, RATE = 500, 0.05
PRIOR = 1.0  # L2 on b and c against the summed loss: a unit Gaussian prior, whatever the number of items
EPS = 1e-6

Gradient = Callable[[np.ndarray], np.ndarray]


def minimise(gradient: Gradient, start: np.ndarray) -> np.ndarray:
    """Adam over a convex loss, given its gradient."""
    params = start.astype(float).copy()
    m, v = np.zeros_like(params), np.zeros_like(params)
    for step in range(1, STEPS + 1):
        grad = gradient(params)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        params -= RATE * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
    return params


def fit_stack(kind: str, probs: np.ndarray, rules: np.ndarray, target: np.ndarray) -> Stack:
    """The Stack for held-out classifier probabilities (items x labels), the rules' indicators (items x labels) and
    the truth (items x labels: one-hot for an exclusive field, 0/1 per label for a list)."""
    n, k = probs.shape
    p = np.clip(probs, EPS, 1.0 - EPS)
    score = np.log(p / (1.0 - p)) if kind == "multilabel" else np.log(p)

    def gradient(params: np.ndarray) -> np.ndarray:
        a, b, c = params[0], params[1:k + 1], params[k + 1:]
        z = a * score + b * rules + c
        if kind == "multilabel":
            q = 1.0 / (1.0 + np.exp(-z))
        else:
            q = np.exp(z - z.max(axis=1, keepdims=True))
            q /= q.sum(axis=1, keepdims=True)
        dz = (q - target) / n
        return np.concatenate([[np.sum(dz * score)], (dz * rules).sum(0) + PRIOR * b / n, dz.sum(0) + PRIOR * c / n])

    params = minimise(gradient, np.concatenate([[1.0], np.zeros(2 * k)]))
    return Stack(a=round(float(params[0]), 5), b=[round(float(x), 5) for x in params[1:k + 1]],
                 c=[round(float(x), 5) for x in params[k + 1:]])


def fit_platt(confidence: np.ndarray, right: np.ndarray) -> Platt:
    """The map sigmoid(alpha * logit(confidence) + beta) closest (log-likelihood) to how often labels were right."""
    c = np.clip(confidence, EPS, 1.0 - EPS)
    x = np.log(c / (1.0 - c))
    n = len(x)

    def gradient(params: np.ndarray) -> np.ndarray:
        q = 1.0 / (1.0 + np.exp(-(params[0] * x + params[1])))
        d = (q - right) / n
        return np.array([np.sum(d * x), np.sum(d)])

    alpha, beta = minimise(gradient, np.array([1.0, 0.0]))
    return Platt(alpha=round(float(alpha), 5), beta=round(float(beta), 5))


def fit_isotonic(confidence: np.ndarray, right: np.ndarray) -> Isotonic:
    """The non-decreasing step function closest (least squares) to how often labels were right: pool adjacent
    violators over the items sorted by confidence; kept within [0.01, 0.99]."""
    order = np.argsort(confidence, kind="stable")
    blocks: list[list[float]] = []  # [sum right, items, lowest confidence, highest confidence]
    for x, y in zip(confidence[order], right[order]):
        blocks.append([float(y), 1.0, float(x), float(x)])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, n, _, high = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += n
            blocks[-1][3] = high
    xs = [round(x, 5) for _, _, low, high in blocks for x in (low, high)]
    ys = [round(min(max(total / n, 0.01), 0.99), 5) for total, n, _, _ in blocks for _ in (0, 1)]
    return Isotonic(x=xs, y=ys)


ConfidenceMap = Callable[[np.ndarray, np.ndarray], "Platt | Isotonic"]


def cross_fitted(kind: str, probs: np.ndarray, rules: np.ndarray, target: np.ndarray, folds: np.ndarray
                 ) -> np.ndarray:
    """Held-out label probabilities: each fold's through a Stack fitted on the other folds only."""
    out = np.zeros_like(probs)
    for k in np.unique(folds):
        test, fit = folds == k, folds != k
        out[test] = stacked(kind, fit_stack(kind, probs[fit], rules[fit], target[fit]), probs[test], rules[test])
    return out


def cross_fitted_map(fit_map: ConfidenceMap, confidence: np.ndarray, right: np.ndarray, folds: np.ndarray
                     ) -> np.ndarray:
    """Held-out confidences: each fold's through a map (fit_platt, fit_isotonic) fitted on the other folds only."""
    out = np.zeros_like(confidence)
    for k in np.unique(folds):
        test, fit = folds == k, folds != k
        out[test] = fit_map(confidence[fit], right[fit]).apply(confidence[test])
    return out
