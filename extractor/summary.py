"""A quick count of what a records file says: stages, touchpoints, emotions, pain points, sentiment."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable



@dataclass
class RecordSummary:
    records: int = 0
    stages: Counter = field(default_factory=Counter)
    touchpoints: Counter = field(default_factory=Counter)
    emotions: Counter = field(default_factory=Counter)
    pain_points: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    polarity: Counter = field(default_factory=Counter)
    moments_of_truth: int = 0
    taxonomy_ids: Counter = field(default_factory=Counter)


def summarise(records: Iterable[dict]) -> RecordSummary:
    s = RecordSummary()
    for r in records:
        s.records += 1
        s.stages[r["stage"]] += 1
        s.touchpoints.update(r.get("touchpoints", ()))
        s.emotions[r.get("emotion")] += 1
        s.pain_points.update(r.get("pain_points", ()))
        s.languages[r.get("lang") or "?"] += 1
        sent = float(r.get("sentiment", 0.0))
        s.polarity["positive (> 0.25)" if sent > 0.25 else "negative (< -0.25)" if sent < -0.25 else "between"] += 1
        s.moments_of_truth += bool(r.get("moment_of_truth"))
        s.taxonomy_ids[r.get("taxonomy_id")] += 1
    return s
