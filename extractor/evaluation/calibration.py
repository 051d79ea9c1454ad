"""How well stated confidences match how often labels are right: expected calibration error and its reliability
table (equal-width bins of confidence; in each, the mean confidence against the share of labels that were right)."""

from __future__ import annotations

from typing import Any, Sequence

BINS = 10


def _binned(confidence: Sequence[float], correct: Sequence[float], bins: int) -> list[tuple[int, float, float]]:
    """Per non-empty bin: (items, mean confidence, mean correctness)."""
    if len(confidence) != len(correct):
        raise ValueError(f"{len(confidence)} confidences but {len(correct)} outcomes")
    sums: list[list[float]] = [[0, 0.0, 0.0] for _ in range(bins)]
    for conf, right in zip(confidence, correct):
        b = min(int(conf * bins), bins - 1)
        sums[b][0] += 1
        sums[b][1] += conf
        sums[b][2] += float(right)
    return [(int(n), c / n, r / n) for n, c, r in sums if n]


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[float], bins: int = BINS) -> float:
    """Sum over bins of |mean confidence - share right|, weighted by the bin's items (0 = perfectly calibrated).
    `correct` is 1/0 per label, or the share of an item's fields that were right."""
    total = len(confidence)
    return sum(n * abs(c - r) for n, c, r in _binned(confidence, correct, bins)) / total if total else 0.0


def reliability_table(confidence: Sequence[float], correct: Sequence[float], bins: int = BINS
                      ) -> list[dict[str, Any]]:
    """One row per non-empty bin: its range, items, mean confidence and share right (rounded to 3 places)."""
    width = 1.0 / bins
    rows = []
    for n, c, r in _binned(confidence, correct, bins):
        b = min(int(c * bins), bins - 1)
        rows.append({"bin": f"{b * width:.1f}-{(b + 1) * width:.1f}", "items": n, "confidence": round(c, 3),
                     "accuracy": round(r, 3)})
    return rows
