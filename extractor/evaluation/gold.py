"""Gold files (TAXONOMY.md "Gold file format"): reading, validating against a taxonomy, writing.

A gold row is one hand-labelled item: id, text, lang, source and the six labelled fields. Validation
collects every problem with its file and line (unknown ids with the nearest known one, missing fields,
wrong types, duplicate ids) and raises them together, so a labeller fixes a file in one pass.
"""

from __future__ import annotations

import difflib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..errors import UsageError
from ..schema import SOURCES, FeedbackItem
from ..taxonomy import Taxonomy

LABEL_FIELDS = ("stage", "touchpoints", "emotion", "sentiment", "pain_points", "moment_of_truth")
SENTIMENTS = (-1, 0, 1)
MAX_LISTED = 40


class GoldError(UsageError):
    """A gold file is missing, malformed or uses labels the taxonomy does not have."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        shown = problems[:MAX_LISTED]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        listed = "\n".join(f"  - {p}" for p in shown)
        super().__init__(f"{source}: invalid gold file ({len(problems)} problem(s)):\n{listed}{more}")


@dataclass(frozen=True)
class GoldItem:
    """One hand-labelled item, with where it came from."""

    id: str
    text: str
    lang: str | None
    source: str
    stage: str
    touchpoints: tuple[str, ...]
    emotion: str
    sentiment: int
    pain_points: tuple[str, ...]
    moment_of_truth: bool
    file: str = ""
    line: int = 0

    @property
    def origin(self) -> str:
        return f"{self.file}:{self.line}"

    def labels(self) -> dict[str, Any]:
        """The six labelled fields, as the metrics read them from gold rows and records alike."""
        return {"stage": self.stage, "touchpoints": list(self.touchpoints), "emotion": self.emotion,
                "sentiment": self.sentiment, "pain_points": list(self.pain_points),
                "moment_of_truth": self.moment_of_truth}

    def to_item(self) -> FeedbackItem:
        """The feedback item an extractor labels (the gold labels stay out of its sight)."""
        return FeedbackItem(item_id=self.id, text=self.text, lang=self.lang, source=self.source, origin=self.origin)

    def to_row(self) -> dict[str, Any]:
        """The gold file line (TAXONOMY.md key order)."""
        return {"id": self.id, "text": self.text, "lang": self.lang, "source": self.source, **self.labels()}


def _suggest(value: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(known)})"


def parse_gold_row(row: object, taxonomy: Taxonomy, where: str) -> tuple[GoldItem | None, list[str]]:
    """A GoldItem, or None and the problems of this row, each prefixed with `where` ('file:line')."""
    if not isinstance(row, Mapping):
        return None, [f"{where}: a gold line must be a JSON object, got {type(row).__name__}"]
    problems: list[str] = []

    def text_field(key: str, required: bool = True) -> str | None:
        value = row.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: '{key}' must be a non-empty string" + ("" if key in row else " (missing)"))
            return None
        return value

    def one_of(key: str, known: Sequence[str]) -> str | None:
        value = text_field(key)
        if value is not None and value not in known:
            problems.append(f"{where}: unknown {key} '{value}'{_suggest(value, known)}")
            return None
        return value

    def id_list(key: str, known: Sequence[str]) -> tuple[str, ...]:
        value = row.get(key)
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            problems.append(f"{where}: '{key}' must be a list of ids (may be empty)" + ("" if key in row else " (missing)"))
            return ()
        for x in value:
            if x not in known:
                problems.append(f"{where}: unknown {key[:-1].replace('_', ' ')} '{x}' in '{key}'{_suggest(x, known)}")
        if len(set(value)) != len(value):
            problems.append(f"{where}: '{key}' lists an id twice")
        return tuple(dict.fromkeys(value))

    item_id = row.get("id")
    if isinstance(item_id, (int, float)) and not isinstance(item_id, bool):
        item_id = str(item_id)
    if not isinstance(item_id, str) or not item_id.strip():
        problems.append(f"{where}: 'id' must be a non-empty string" + ("" if "id" in row else " (missing)"))
    text = text_field("text")
    lang = text_field("lang", required=False)
    source = row.get("source", "other")
    if source not in SOURCES:
        problems.append(f"{where}: unknown source {source!r} (one of {', '.join(SOURCES)})")
    stage = one_of("stage", taxonomy.stage_ids())
    emotion = one_of("emotion", taxonomy.emotion_ids())
    touchpoints = id_list("touchpoints", taxonomy.touchpoint_ids())
    pain_points = id_list("pain_points", taxonomy.pain_point_ids())
    sentiment = row.get("sentiment")
    if isinstance(sentiment, bool) or sentiment not in SENTIMENTS:
        problems.append(f"{where}: 'sentiment' must be -1, 0 or 1, got {sentiment!r}" + ("" if "sentiment" in row else " (missing)"))
    moment = row.get("moment_of_truth")
    if not isinstance(moment, bool):
        problems.append(f"{where}: 'moment_of_truth' must be true or false, got {moment!r}"
                        + ("" if "moment_of_truth" in row else " (missing)"))
    if problems:
        return None, problems
    return GoldItem(id=str(item_id), text=str(text), lang=lang, source=str(source), stage=str(stage),
                    touchpoints=touchpoints, emotion=str(emotion), sentiment=int(sentiment),  # type: ignore[arg-type]
                    pain_points=pain_points, moment_of_truth=bool(moment), file=where.rsplit(":", 1)[0],
                    line=int(where.rsplit(":", 1)[1])), []


def read_gold(paths: Iterable[Path | str], taxonomy: Taxonomy) -> list[GoldItem]:
    """Every gold item of the files, in order; raises GoldError listing every problem (ids unique across files)."""
    items: list[GoldItem] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    names: list[str] = []
    for raw in paths:
        path = Path(raw)
        names.append(str(path))
        if not path.is_file():
            raise GoldError(str(path), ["no such file" if not path.exists() else "not a file"])
        try:
            with path.open(encoding="utf-8") as f:
                lines = list(f)
        except UnicodeDecodeError:
            raise GoldError(str(path), ["not UTF-8 text; gold files are UTF-8 JSON Lines"]) from None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not a JSON line ({exc.msg})")
                continue
            item, row_problems = parse_gold_row(row, taxonomy, where)
            problems += row_problems
            row_id = str(row.get("id")) if isinstance(row, Mapping) and row.get("id") is not None else None
            if row_id is not None:
                if row_id in seen:
                    problems.append(f"{where}: duplicate id '{row_id}' (first at {seen[row_id]})")
                    continue
                seen[row_id] = where
            if item is not None:
                items.append(item)
    if problems:
        raise GoldError(", ".join(names), problems)
    if not items:
        raise GoldError(", ".join(names), ["no gold items (the file is empty)"])
    return items


def sample_gold(items: Sequence[GoldItem], n: int, seed: int = 0) -> list[GoldItem]:
    """A seeded sample of n gold items spread evenly over their languages (a language with fewer items gives its
    share to the others), in the files' order, so the same files, n and seed always pick the same items."""
    if n >= len(items):
        return list(items)
    by_lang: dict[str, list[int]] = {}
    for at, item in enumerate(items):
        by_lang.setdefault(item.lang, []).append(at)
    quota: dict[str, int] = {}
    left, langs = n, sorted(by_lang, key=lambda lang: len(by_lang[lang]))
    for k, lang in enumerate(langs):
        quota[lang] = min(len(by_lang[lang]), left // (len(langs) - k))
        left -= quota[lang]
    rng = random.Random(seed)
    picked = sorted(at for lang in sorted(by_lang) for at in rng.sample(by_lang[lang], quota[lang]))
    return [items[at] for at in picked]


def write_gold(items: Iterable[GoldItem | Mapping[str, Any]], path: Path) -> int:
    """Write gold rows as JSON Lines (UTF-8, one item per line); returns how many."""
    n = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for item in items:
            row = item.to_row() if isinstance(item, GoldItem) else dict(item)
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n
