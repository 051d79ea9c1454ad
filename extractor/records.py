"""Journey records built and read: `record_fields`/`build_record`, the one way every extractor makes a record, and
`read_records`, the one reader every command that reads records files uses (map, summary, themes, eval --records).

A line that is not a usable record is named with its file and line: it stops a strict read, and a lenient one (the
map) skips it and reports it, so one broken line does not cost the other thousands."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from .errors import UsageError
from .jsonl import json_lines
from .schema import LABEL_FIELDS, LIST_FIELDS, FeedbackItem, JourneyEvent, JourneyRecord, LearnedOutcome, LLMOutcome

RECORDS_HINT = "records files are what `journey extract ... --out FILE` writes"


@dataclass(frozen=True)
class MadeBy:
    """Who made a record: the extractor, and the taxonomy, model and prompt it used (every record says so)."""

    extractor: str
    taxonomy_id: str
    model: str | None = None
    prompt_id: str | None = None


def record_fields(item: FeedbackItem, labels: Mapping[str, Any], made_by: MadeBy, *,
                  events: Sequence[JourneyEvent | Mapping[str, Any]] = (), confidence: float,
                  customer_goal: str | None = None, llm: LLMOutcome | None = None,
                  learned: LearnedOutcome | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One item's JourneyRecord fields in the contract's order: what the record keeps of the item, its six labels
    (sentiment to 3 decimals), how they were found, and who made them. The values are not checked here:
    `build_record` validates them into the model, and the rules extractor's fast path writes them as JSON."""
    return {
        "item_id": item.item_id, "source": item.source, "lang": item.lang, "customer_id": item.customer_id,
        "created_at": item.created_at,
        **{name: labels[name] for name in LABEL_FIELDS},
        "sentiment": round(labels["sentiment"], 3),
        "events": list(events), "customer_goal": customer_goal, "confidence": confidence,
        "extractor": made_by.extractor, "model": made_by.model, "prompt_id": made_by.prompt_id,
        "taxonomy_id": made_by.taxonomy_id, "origin": item.origin, "llm": llm, "segment": item.segment,
        "learned": learned,
    }


def build_record(item: FeedbackItem, labels: Mapping[str, Any], made_by: MadeBy, *,
                 events: Sequence[JourneyEvent | Mapping[str, Any]] = (), confidence: float,
                 customer_goal: str | None = None, llm: LLMOutcome | None = None,
                 learned: LearnedOutcome | Mapping[str, Any] | None = None) -> JourneyRecord:
    """The validated JourneyRecord of `record_fields` (raises pydantic's ValidationError on a bad value)."""
    return JourneyRecord.model_validate(record_fields(item, labels, made_by, events=events, confidence=confidence,
                                                      customer_goal=customer_goal, llm=llm, learned=learned))


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
    for key in (*LIST_FIELDS, "events"):
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
    for n, row, problem in json_lines(lines):
        if problem is None:
            problem = record_problem(row)
        if problem is None:
            yield row
        elif skipped is None:
            raise UsageError(f"{name}:{n}: {problem}; {RECORDS_HINT}")
        else:
            skipped.append(SkippedLine(name, n, problem))
