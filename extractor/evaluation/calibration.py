"""How well stated confidences match how often labels are right: expected calibration error and its reliability
table (equal-width bins of confidence; in each, the mean confidence against the share of labels that were right),
and the `calibration` section of an evaluation report for records of the learned extractor."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from ..schema import LABEL_FIELDS
from .score import label_right

BINS = 10
RECORD = "confidence"  # the section's key for the record's own confidence, beside the learned fields


def _binned(confidence: Sequence[float], correct: Sequence[float], bins: int
            ) -> list[tuple[int, int, float, float]]:
    """Per non-empty bin: (bin index, items, mean confidence, mean correctness)."""
    if len(confidence) != len(correct):
        raise ValueError(f"{len(confidence)} confidences but {len(correct)} outcomes")
    sums: list[list[float]] = [[0, 0.0, 0.0] for _ in range(bins)]
    for conf, right in zip(confidence, correct):
        b = min(max(int(conf * bins), 0), bins - 1)
        sums[b][0] += 1
        sums[b][1] += conf
        sums[b][2] += float(right)
    return [(b, int(n), c / n, r / n) for b, (n, c, r) in enumerate(sums) if n]


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[float], bins: int = BINS) -> float:
    """Sum over bins of |mean confidence - share right|, weighted by the bin's items (0 = perfectly calibrated).
    `correct` is 1/0 per label, or the share of an item's fields that were right."""
    total = len(confidence)
    return sum(n * abs(c - r) for _, n, c, r in _binned(confidence, correct, bins)) / total if total else 0.0


def reliability_table(confidence: Sequence[float], correct: Sequence[float], bins: int = BINS
                      ) -> list[dict[str, Any]]:
    """One row per non-empty bin: its range, items, mean confidence and share right (rounded to 3 places)."""
    width = 1.0 / bins
    return [{"bin": f"{b * width:.1f}-{(b + 1) * width:.1f}", "items": n, "confidence": round(c, 3),
             "accuracy": round(r, 3)} for b, n, c, r in _binned(confidence, correct, bins)]


def calibration_of(confidence: Sequence[float], correct: Sequence[float], bins: int = BINS) -> dict[str, Any]:
    """One row of the report's section: items, mean confidence, share right, ECE and the reliability table."""
    n = len(confidence)
    return {"items": n,
            "confidence": round(math.fsum(confidence) / n, 4) if n else None,
            "accuracy": round(math.fsum(float(r) for r in correct) / n, 4) if n else None,
            "ece": round(expected_calibration_error(confidence, correct, bins), 4),
            "reliability": reliability_table(confidence, correct, bins)}


def learned_fields(record: Mapping[str, Any]) -> dict[str, float]:
    """The label fields a record's learned model gave, with their calibrated confidence ({} for other records)."""
    learned = record.get("learned")
    fields = learned.get("fields") if isinstance(learned, Mapping) else None
    return {f: float(fields[f]) for f in LABEL_FIELDS if f in fields} if isinstance(fields, Mapping) else {}


def learned_calibration(gold: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]]
                        ) -> dict[str, Any] | None:
    """The report's `calibration` section, None when no record carries learned confidences. Per learned field,
    its confidence against whether the field's label is right (`label_right`); under RECORD, the record's
    `confidence` against the share of its learned fields that are right; `model`, the learned model's id (a sorted
    list when the records come from several)."""
    per_field: dict[str, tuple[list[float], list[float]]] = {}
    record_confidence: list[float] = []
    record_right: list[float] = []
    models: set[str] = set()
    for labels, record in zip(gold, records):
        fields = learned_fields(record)
        if not fields:
            continue
        models.add(str(record["learned"].get("model")))
        rights = {f: float(label_right(f, labels, record)) for f in fields}
        for f, conf in fields.items():
            confidences, outcomes = per_field.setdefault(f, ([], []))
            confidences.append(conf)
            outcomes.append(rights[f])
        record_confidence.append(float(record.get("confidence") or 0.0))
        record_right.append(math.fsum(rights.values()) / len(rights))
    if not record_confidence:
        return None
    section: dict[str, Any] = {"model": next(iter(models)) if len(models) == 1 else sorted(models)}
    section.update((f, calibration_of(*per_field[f])) for f in LABEL_FIELDS if f in per_field)
    section[RECORD] = calibration_of(record_confidence, record_right)
    return section
