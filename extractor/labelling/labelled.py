"""Labelled texts to learn from (issue 19's `journey train`): gold files, `journey reviewed export` files, records
files of any extractor (joined with the texts they were made from), and partial label files that give only some
of the label fields (e.g. only `sentiment`, a number in [-1, 1]).

Every line ends as a LabelledText or as a SkippedLine naming its file, line and reason; a field is checked as
`schema.Labels` declares it and against the taxonomy, so a learner never meets an id it cannot predict.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Iterable, Mapping

from pydantic import TypeAdapter, ValidationError

from ..errors import UsageError
from ..jsonl import json_lines
from ..records import SkippedLine
from ..schema import LABEL_FIELDS, LIST_FIELDS, SOURCES, TAXONOMY_KINDS, Labels
from ..taxonomy import Taxonomy

RECORD_KEYS = frozenset({"item_id", "extractor", "taxonomy_id"})  # a journey record, not a text with labels


class LabelledError(UsageError):
    """A labelled file cannot be read at all (missing, not UTF-8), or holds no usable label."""


@dataclass(frozen=True)
class LabelledText:
    """One text and the labels someone gave it: any subset of the label fields (sentiment as a score)."""

    text: str
    lang: str | None
    labels: Mapping[str, Any]
    origin: str
    source: str = "other"


@dataclass
class LabelledSet:
    """What a set of labelled files holds: the texts, the lines left out, and examples per field and label."""

    texts: list[LabelledText] = field(default_factory=list)
    skipped: list[SkippedLine] = field(default_factory=list)
    per_field: Counter = field(default_factory=Counter)
    per_label: dict[str, Counter] = field(default_factory=dict)

    def add(self, labelled: LabelledText) -> None:
        self.texts.append(labelled)
        for name, value in labelled.labels.items():
            self.per_field[name] += 1
            values = value if name in LIST_FIELDS else [value]
            self.per_label.setdefault(name, Counter()).update(str(v) for v in values)


@lru_cache(maxsize=None)
def _adapter(name: str) -> TypeAdapter:
    info = Labels.model_fields[name]
    return TypeAdapter(Annotated[(info.annotation, *info.metadata)]) if info.metadata else TypeAdapter(info.annotation)


def field_problem(name: str, value: Any, taxonomy: Taxonomy) -> str | None:
    """Why one label field's value cannot be learned from, or None: its type as Labels declares it, then its ids."""
    try:
        checked = _adapter(name).validate_python(value, strict=True)
    except ValidationError as exc:
        return f"'{name}': {exc.errors()[0]['msg'].lower()} (got {value!r})"
    kind = TAXONOMY_KINDS.get(name)
    if kind is not None:
        known = set(taxonomy.ids(kind))
        unknown = [v for v in (checked if name in LIST_FIELDS else [checked]) if v not in known]
        if unknown:
            return f"'{name}': {', '.join(map(repr, unknown))} not in the taxonomy {taxonomy.ref}"
    return None


def labelled_row(row: Any, taxonomy: Taxonomy, texts: Mapping[str, str], origin: str
                 ) -> tuple[LabelledText | None, str | None]:
    """One parsed line as a LabelledText, or None and why not. A record takes its text from `texts` (by item_id)."""
    if not isinstance(row, dict):
        return None, "not a JSON object"
    if isinstance(row.get("llm"), dict) and row["llm"].get("outcome") == "fallback":
        return None, ("an llm record whose labels are the rules' fallback (the model's answer failed): learning from it "
                      "would teach the rules' own labels")
    text = row.get("text")
    if text is None and RECORD_KEYS <= row.keys():
        text = texts.get(str(row["item_id"]))
        if text is None:
            return None, (f"a journey record without its text (item {row['item_id']!r}): pass the input file it "
                          "was labelled from (`journey train ... --inputs FILE`)")
    if not isinstance(text, str) or not text.strip():
        return None, "no 'text' (a non-empty string)"
    labels = {name: row[name] for name in LABEL_FIELDS if name in row}
    if not labels:
        return None, f"no label field ({', '.join(LABEL_FIELDS)})"
    for name, value in labels.items():
        problem = field_problem(name, value, taxonomy)
        if problem is not None:
            return None, problem
    lang = row.get("lang") if isinstance(row.get("lang"), str) else None
    source = row.get("source") if row.get("source") in SOURCES else "other"
    return LabelledText(text=text, lang=lang, labels=labels, origin=origin, source=source), None


def read_labelled(paths: Iterable[Path], taxonomy: Taxonomy, texts: Mapping[str, str] | None = None) -> LabelledSet:
    """Every labelled line of the files, in order; lines that cannot be learned from are skipped and named.
    Raises LabelledError for a file that cannot be read, or when no line holds a usable label."""
    found = LabelledSet()
    names = []
    for path in paths:
        names.append(str(path))
        if not path.is_file():
            raise LabelledError(f"{path}: no such labelled file")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            raise LabelledError(f"{path}: not UTF-8 text; labelled files are UTF-8 JSON Lines") from None
        for n, row, problem in json_lines(lines):
            labelled, problem = (None, problem) if problem else labelled_row(row, taxonomy, texts or {}, f"{path}:{n}")
            if labelled is None:
                found.skipped.append(SkippedLine(str(path), n, problem or "unusable"))
            else:
                found.add(labelled)
    if not found.texts:
        raise LabelledError(f"{', '.join(names)}: no line with a usable label"
                            + (f" (first problem: {found.skipped[0]})" if found.skipped else ""))
    return found
