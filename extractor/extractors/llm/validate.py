"""Checking a model's answer item by item: JSON, the taxonomy's ids, one entry per item asked, quotes in the text.

One bad item does not spoil the others of its request: each item gets either a usable answer (with its evidence
located in the original text) or the list of problems that the repair request sends back to the model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from pydantic import BaseModel, ValidationError

from ...privacy import Masked
from .compact import CompactFormat, Span
from .grounding import locate

QUOTE_SHOWN = 60


@dataclass
class Checked:
    """One item's answer: `answer` (validated fields) and `evidence` (original-text offsets per event), or
    `problems` when it cannot be used."""

    answer: dict[str, Any] | None = None
    evidence: list[tuple[str, int, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    raw: dict[str, Any] | None = None  # the validated answer as the model wrote it (what the answer cache keeps)


# (id, entry, masked text, clause spans, lenient) -> its check
ItemCheck = Callable[[int, dict, Masked, Sequence[Span], bool], Checked]


def check_reply(content: str, asked: Sequence[tuple[int, Masked, Sequence[Span]]], check: ItemCheck,
                lenient: bool = False) -> tuple[dict[int, Checked], list[str]]:
    """Per asked item id, its check (`check`: the prompt's answer format's); and the problems of the reply as a
    whole (invalid JSON, unknown ids)."""
    general: list[str] = []
    try:
        data = json.loads(content)
    except ValueError as exc:
        problem = f"the answer is not valid JSON ({exc.msg} at character {exc.pos})"
        return {i: Checked(problems=[problem]) for i, _, _ in asked}, [problem]
    entries = data.get("items") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        problem = 'the answer has no "items" list'
        return {i: Checked(problems=[problem]) for i, _, _ in asked}, [problem]
    by_id: dict[int, dict] = {}
    wanted = {i for i, _, _ in asked}
    for entry in entries:
        ident = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(ident, int) or ident not in wanted:
            general.append(f"the answer has an entry for id {ident!r}, which is not an item of the request")
        elif ident in by_id:
            general.append(f"item {ident} is answered more than once")
        else:
            by_id[ident] = entry
    results = {}
    for ident, masked, spans in asked:
        entry = by_id.get(ident)
        if entry is None:
            results[ident] = Checked(problems=[f"item {ident} is missing from the answer"])
        else:
            results[ident] = check(ident, entry, masked, spans, lenient)
    return results, general


def check_compact_item(ident: int, entry: dict, masked: Masked, spans: Sequence[Span], fmt: CompactFormat,
                       lenient: bool = False) -> Checked:
    """One item's answer in the compact format (clause numbers, short keys) checked and expanded. `lenient` (the
    repair's answer): events without evidence in the text are dropped (and said in `problems`) while another event
    has evidence; the answer kept for the cache is the one without them."""
    try:
        raw = fmt.validate(entry)
    except ValidationError as exc:
        return Checked(problems=validation_problems(ident, exc))
    expanded = fmt.expand(ident, raw, masked, spans, lenient)
    if expanded.answer is None:
        return Checked(problems=expanded.problems)
    if expanded.dropped:
        raw = fmt.without(raw, expanded.dropped)
    evidence = []
    for start, end in expanded.evidence:
        a, b = masked.to_original(start, end)
        evidence.append((masked.original[a:b], a, b))
    return Checked(answer=expanded.answer, evidence=evidence, problems=expanded.problems, raw=raw)


def check_item(ident: int, entry: dict, masked: Masked, item_model: type[BaseModel], lenient: bool = False
               ) -> Checked:
    """One item's answer checked. `lenient` (the repair's answer): listed labels no event carries are dropped
    (and said in `problems`) instead of failing the item, since every label kept still has its evidence."""
    try:
        answer = item_model.model_validate(entry).model_dump()
    except ValidationError as exc:
        return Checked(problems=validation_problems(ident, exc))
    answer["sentiment"] = max(-1.0, min(1.0, float(answer["sentiment"])))
    evidence, problems = [], uncarried(ident, answer)
    dropped: list[str] = []
    if lenient and problems:
        dropped = [f"dropped, no event carried it: {p.split(': ', 1)[1].split(' is listed')[0]}" for p in problems]
        for listed, key in (("touchpoints", "touchpoint"), ("pain_points", "pain_point")):
            carried = {event.get(key) for event in answer["events"]}
            answer[listed] = [label for label in answer[listed] if label in carried]
        problems = []
    for event in answer["events"]:
        found = locate(event["quote"], masked.text)
        if found is None:
            problems.append(f"item {ident}: the quote {_shown(event['quote'])} is not in the item's text; "
                            "copy the quote character for character")
            continue
        start, end = masked.to_original(*found)
        evidence.append((masked.original[start:end], start, end))
    if problems:
        return Checked(problems=problems)
    return Checked(answer=answer, evidence=evidence, problems=dropped, raw=answer)


def validation_problems(ident: int, exc: ValidationError) -> list[str]:
    """The first few pydantic errors of an item's answer, as repair-request lines."""
    return [f"item {ident}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']} (got {_shown(e.get('input'))})"
            for e in exc.errors()[:5]]


def uncarried(ident: int, answer: dict[str, Any]) -> list[str]:
    """The prompt's rule: every touchpoint and pain point the item lists is carried by an event (with its quote)."""
    problems = []
    for listed, key in (("touchpoints", "touchpoint"), ("pain_points", "pain_point")):
        carried = {event.get(key) for event in answer["events"]}
        for label in dict.fromkeys(answer[listed]):
            if label and label not in carried:
                problems.append(f"item {ident}: {key} {label!r} is listed but no event carries it; add an event "
                                f"with its quote, or remove it from {listed}")
    return problems


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text if len(text) <= QUOTE_SHOWN else text[:QUOTE_SHOWN] + "..."
    return json.dumps(text, ensure_ascii=False) if isinstance(value, str) else text
