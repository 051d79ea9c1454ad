"""Reading records files for a map: a line that is not a usable record is skipped and reported with its file and
line, so one broken line (a run killed mid-write, a hand edit) does not cost the map of the other thousands."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..errors import UsageError


@dataclass(frozen=True)
class SkippedLine:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def record_problem(row: Any) -> str | None:
    """Why a parsed line cannot be counted as a journey record, or None when it can."""
    if not isinstance(row, dict):
        return "not a JSON object"
    if not isinstance(row.get("stage"), str):
        return "not a journey record (no 'stage')"
    sentiment = row.get("sentiment", 0.0)
    if isinstance(sentiment, bool) or not isinstance(sentiment, (int, float)) or not -1.0 <= sentiment <= 1.0:
        return "'sentiment' is not a number in [-1, 1]"
    for key in ("touchpoints", "pain_points", "events"):
        if not isinstance(row.get(key, []), list):
            return f"'{key}' is not a list"
    return None


def read_records(paths: list[Path], skipped: list[SkippedLine]) -> Iterator[dict[str, Any]]:
    """The records of JSON Lines files ('-': stdin), in order; unusable lines are appended to `skipped` instead."""
    for path in paths:
        stdin = str(path) == "-"
        if not stdin and not path.is_file():
            raise UsageError(f"{path}: no such records file (write one with `journey extract ... --out FILE`)")
        with nullcontext(sys.stdin) if stdin else path.open(encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    skipped.append(SkippedLine(str(path), n, f"not a JSON line ({exc.msg})"))
                    continue
                problem = record_problem(row)
                if problem is not None:
                    skipped.append(SkippedLine(str(path), n, problem))
                    continue
                yield row
