"""A quick count of what a records file says: stages, touchpoints, emotions, pain points, sentiment."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .errors import UsageError
from .jsonl import read_json_lines


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


def iter_records(paths: Iterable[Path]) -> Iterable[dict]:
    """Records of JSON Lines files; a line that is not a record raises UsageError naming file and line."""
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: no such records file")
        for n, row in read_json_lines(path):
            if not isinstance(row, dict) or "stage" not in row:
                raise UsageError(f"{path}:{n}: not a journey record (no 'stage')")
            yield row


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
