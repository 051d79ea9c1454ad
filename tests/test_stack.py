"""The fitted layers of a learned field (learning/stack.py): the Stack that weighs the classifier against the rules'
verdict, and the confidence maps (Platt's curve, isotonic steps) fitted on held-out folds."""

from __future__ import annotations

import numpy as np

from extractor.extractors.learned.model import stacked
from extractor.learning.stack import fit_isotonic, fit_platt, fit_stack

RNG = np.random.default_rng(0)


def _one_hot(index: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[index]


def test_the_stack_trusts_the_rules_when_they_are_right_and_the_classifier_is_noise():
    n, k = 400, 3
    truth = RNG.integers(0, k, n)
    rules = _one_hot(truth, k)  # the rules are always right
    noise = RNG.dirichlet(np.ones(k), n)  # the classifier knows nothing
    stack = fit_stack("exclusive", noise, rules, _one_hot(truth, k))
    assert min(stack.b) > 2.0 and abs(stack.a) < 0.5
    assert (stacked("exclusive", stack, noise, rules).argmax(1) == truth).all()


def test_the_stack_ignores_rules_that_are_wrong_and_follows_a_good_classifier():
    n, k = 400, 3
    truth = RNG.integers(0, k, n)
    rules = _one_hot((truth + 1) % k, k)  # always wrong
    good = 0.1 + 0.7 * _one_hot(truth, k)
    good /= good.sum(1, keepdims=True)
    stack = fit_stack("exclusive", good, rules, _one_hot(truth, k))
    assert max(stack.b) < 0.0 and stack.a > 0.5
    assert (stacked("exclusive", stack, good, rules).argmax(1) == truth).all()


def test_platt_keeps_calibrated_confidences_and_corrects_overconfident_ones():
    confidence = RNG.uniform(0.05, 0.95, 4000)
    right = (RNG.uniform(size=4000) < confidence).astype(float)
    platt = fit_platt(confidence, right)
    assert abs(platt.alpha - 1.0) < 0.15 and abs(platt.beta) < 0.15
    def sharpen(c):  # twice the log-odds: stated 0.845 where 0.7 are right
        return 1.0 / (1.0 + np.exp(-2.0 * np.log(c / (1.0 - c))))

    fitted = fit_platt(sharpen(confidence), right)
    assert abs(fitted.alpha - 0.5) < 0.1
    assert abs(fitted.apply(sharpen(np.array([0.7])))[0] - 0.7) < 0.03


def test_isotonic_steps_never_go_down_and_pool_what_would():
    confidence = np.array([0.1, 0.2, 0.3, 0.4, 0.8, 0.9])
    right = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    iso = fit_isotonic(confidence, right)
    assert all(a <= b for a, b in zip(iso.y, iso.y[1:])) and all(a <= b for a, b in zip(iso.x, iso.x[1:]))
    assert iso.apply(np.array([0.1]))[0] == 0.01  # nothing right below 0.2: kept inside [0.01, 0.99]
    assert iso.apply(np.array([0.2]))[0] == iso.apply(np.array([0.3]))[0] == 0.5  # 1, 0 pooled
    assert iso.apply(np.array([0.95]))[0] == iso.apply(np.array([0.4]))[0] == round(2 / 3, 5)  # 1, 1, 0 pooled
