"""Reading records files: the one reader every command that reads journey records uses (map, summary, themes,
eval --records). A line that is not a usable record is named with its file and line: it stops a strict read, and a
lenient one (the map) skips it and reports it, so one broken line does not cost the other thousands."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import UsageError

RECORDS_HINT = "records files are what `journey extract ... --out FILE` writes"


@dataclass(frozen=True)
class SkippedLine:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def record_problem(row: Any) -> str | None:
    """Why a parsed line cannot be read as a journey record, or None when it can."""
    if not isinstance(row, dict):
        return "not a JSON object"
    if not isinstance(row.get("stage"), str) or "item_id" not in row:
        return "not a journey record (no 'item_id' and 'stage')"
    sentiment = row.get("sentiment", 0.0)
    if isinstance(sentiment, bool) or not isinstance(sentiment, (int, float)) or not -1.0 <= sentiment <= 1.0:
        return "'sentiment' is not a number in [-1, 1]"
    for key in ("touchpoints", "pain_points", "events"):
        if not isinstance(row.get(key, []), list):
            return f"'{key}' is not a list"
    return None


def read_records(paths: Iterable[Path], skipped: list[SkippedLine] | None = None) -> Iterator[dict[str, Any]]:
    """The records of JSON Lines files ('-': stdin), in order. Without `skipped`, a line that is not a usable record
    raises UsageError naming its file and line; with it, such lines are appended there and the reading goes on."""
    for path in paths:
        stdin = str(path) == "-"
        if not stdin and not path.is_file():
            raise UsageError(f"{path}: no such records file; {RECORDS_HINT}")
        try:
            with nullcontext(sys.stdin) if stdin else path.open(
                    encoding="utf-8", errors="replace" if skipped is not None else "strict") as f:
                yield from _rows(str(path), f, skipped)
        except UnicodeDecodeError:
            raise UsageError(f"{path}: not UTF-8 text; {RECORDS_HINT}") from None


def _rows(name: str, lines: Iterable[str], skipped: list[SkippedLine] | None) -> Iterator[dict[str, Any]]:
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problem: str | None = f"not a JSON line ({exc.msg})"
        else:
            problem = record_problem(row)
        if problem is None:
            yield row
        elif skipped is None:
            raise UsageError(f"{name}:{n}: {problem}; {RECORDS_HINT}")
        else:
            skipped.append(SkippedLine(name, n, problem))
