"""Gold files (TAXONOMY.md "Gold file format"): reading, validating against a taxonomy, writing.

A gold row is one hand-labelled item: id, text, lang, source and the six labelled fields. Validation
collects every problem with its file and line (unknown ids with the nearest known one, missing fields,
wrong types, duplicate ids) and raises them together, so a labeller fixes a file in one pass.
"""

from __future__ import annotations

import difflib
import json
import random
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from pydantic import ConfigDict

from ..errors import UsageError
from ..schema import LABEL_FIELDS, LIST_FIELDS, SOURCES, TAXONOMY_KINDS, FeedbackItem, GoldLabels
from ..taxonomy import Taxonomy

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


class GoldItem(GoldLabels):
    """One hand-labelled item: its text and its gold labels, with where it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    text: str
    lang: str | None
    source: str
    file: str = ""
    line: int = 0

    @property
    def origin(self) -> str:
        return f"{self.file}:{self.line}"

    def labels(self) -> dict[str, Any]:
        """The six labelled fields, as the metrics read them from gold rows and records alike."""
        return {name: getattr(self, name) for name in LABEL_FIELDS}

    def to_item(self) -> FeedbackItem:
        """The feedback item an extractor labels (the gold labels stay out of its sight)."""
        return FeedbackItem(item_id=self.id, text=self.text, lang=self.lang, source=self.source, origin=self.origin)

    def to_row(self) -> dict[str, Any]:
        """The gold file line (TAXONOMY.md key order)."""
        return {"id": self.id, "text": self.text, "lang": self.lang, "source": self.source, **self.labels()}


# The gold rules of the labels that are not taxonomy ids: (accepts the value, what the message says it must be).
PLAIN_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "sentiment": (lambda v: not isinstance(v, bool) and v in SENTIMENTS, "-1, 0 or 1"),
    "moment_of_truth": (lambda v: isinstance(v, bool), "true or false"),
}


def _suggest(value: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(known)})"


class _RowCheck:
    """Reads one gold row's fields, collecting every problem (each prefixed with the row's 'file:line')."""

    def __init__(self, row: Mapping[str, Any], where: str):
        self.row, self.where = row, where
        self.problems: list[str] = []

    def _missing(self, key: str) -> str:
        return "" if key in self.row else " (missing)"

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.row.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{self.where}: '{key}' must be a non-empty string{self._missing(key)}")
            return None
        return value

    def item_id(self) -> str | None:
        value = self.row.get("id")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{self.where}: 'id' must be a non-empty string{self._missing('id')}")
            return None
        return value

    def source(self) -> str:
        value = self.row.get("source", "other")
        if value not in SOURCES:
            self.problems.append(f"{self.where}: unknown source {value!r} (one of {', '.join(SOURCES)})")
        return str(value)

    def one_of(self, key: str, known: Sequence[str]) -> str | None:
        value = self.text(key)
        if value is not None and value not in known:
            self.problems.append(f"{self.where}: unknown {key} '{value}'{_suggest(value, known)}")
            return None
        return value

    def id_list(self, key: str, known: Sequence[str]) -> list[str]:
        value = self.row.get(key)
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            self.problems.append(f"{self.where}: '{key}' must be a list of ids (may be empty){self._missing(key)}")
            return []
        for x in value:
            if x not in known:
                self.problems.append(f"{self.where}: unknown {key[:-1].replace('_', ' ')} '{x}' in '{key}'"
                                     f"{_suggest(x, known)}")
        if len(set(value)) != len(value):
            self.problems.append(f"{self.where}: '{key}' lists an id twice")
        return list(dict.fromkeys(value))

    def plain(self, key: str) -> Any:
        accepts, must_be = PLAIN_RULES[key]
        value = self.row.get(key)
        if not accepts(value):
            self.problems.append(f"{self.where}: '{key}' must be {must_be}, got {value!r}{self._missing(key)}")
        return value

    def label(self, key: str, taxonomy: Taxonomy) -> Any:
        """One label field, checked as Labels declares it: ids of a taxonomy kind, a list of them, or a plain rule."""
        kind = TAXONOMY_KINDS.get(key)
        if kind is None:
            return self.plain(key)
        known = taxonomy.ids(kind)
        return self.id_list(key, known) if key in LIST_FIELDS else self.one_of(key, known)


def parse_gold_row(row: object, taxonomy: Taxonomy, where: str) -> tuple[GoldItem | None, list[str]]:
    """A GoldItem, or None and the problems of this row, each prefixed with `where` ('file:line')."""
    if not isinstance(row, Mapping):
        return None, [f"{where}: a gold line must be a JSON object, got {type(row).__name__}"]
    check = _RowCheck(row, where)
    item_id, text, lang, source = check.item_id(), check.text("text"), check.text("lang", required=False), check.source()
    labels = {key: check.label(key, taxonomy) for key in LABEL_FIELDS}
    if check.problems:
        return None, check.problems
    file, line = where.rsplit(":", 1)
    return GoldItem(id=str(item_id), text=str(text), lang=lang, source=source, **labels, file=file, line=int(line)), []


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
