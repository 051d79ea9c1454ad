"""The prompt of the llm extractor, rendered from versioned template files in prompts/.

A released template is never edited: a new version is a new file (`journey-batch.v2.*`). The system message
(instructions + the taxonomy's definitions) is identical for every request of a run, so providers can cache it
as a prompt prefix; the items, and the few-shot examples that differ per request, come after it. The prompt id
in every record names the template and hashes everything that shapes an answer except the items themselves:
the templates, the rendered taxonomy and the answer schema.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, Sequence

from ...errors import UsageError
from ...privacy import Masked
from ...taxonomy import Taxonomy, load_taxonomy
from .answer import answer_models
from .compact import NAMED_MOMENTS, CompactFormat, Span, mark_clauses
from .validate import Checked, check_compact_item, check_item

DEFAULT_PROMPT = "journey-batch.v16"
# The version a taxonomy with other stages than the default taxonomy's gets by default: DEFAULT_PROMPT's text speaks
# of those stages by name, and its worked examples use the default taxonomy's labels.
GENERIC_PROMPT = "journey-batch.v1"
PARTS = ("system", "user", "examples", "repair")
# An optional part: `NAME.calibration.jsonl`, worked examples the system message shows after the taxonomy
# ($calibration), one JSON line each: {"lang", "text" (split into numbered clauses as our segmentation splits it),
# "answer" (the answer of the version's format, without the id)}. Written for the default taxonomy: a taxonomy
# that lacks one of their labels gets the prompt without them.
CALIBRATION = "calibration.jsonl"
# The answer format of a template version: "quotes" (labels by id, each event with its verbatim quote) or "clauses"
# (the item split into numbered clauses, evidence by clause number, short label keys: compact.py) or "lean clauses"
# (the same without the item's stage, which is its first moment's) or "named clauses" (clauses with the labels' ids
# and keys as words, moments without a stage of their own) or "moments-first clauses" (named clauses with the moment,
# and a list of its problems, before the item's stage and emotion); the other named formats differ in the order of
# the item's fields (FIELD_ORDERS) and whether moments list their problems (PROBLEM_LISTS). A template not named
# here is taken to follow journey-batch.v1's format.
ANSWER_FORMATS = {"journey-batch.v2": "clauses", "journey-batch.v3": "lean clauses",
                  "journey-batch.v4": "named clauses", "journey-batch.v5": "moments-first clauses",
                  "journey-batch.v6": "feelings-first clauses", "journey-batch.v7": "stage-after-moment clauses",
                  "journey-batch.v8": "feelings-then-stage clauses", "journey-batch.v9": "stage-before-moment clauses",
                  "journey-batch.v10": "feelings-then-stage clauses", "journey-batch.v11": "feelings-then-stage clauses",
                  "journey-batch.v12": "feelings-then-stage problem-list clauses",
                  "journey-batch.v13": "feelings-then-stage clauses",
                  "journey-batch.v14": "feelings-then-stage two-moment clauses",
                  "journey-batch.v15": "feelings-then-stage clauses",
                  "journey-batch.v16": "feelings-then-stage clauses",
                  "journey-batch.v17": "feelings-then-stage clauses",
                  "journey-batch.v18": "feelings-then-stage clauses",
                  "journey-batch.v19": "feelings-then-stage clauses"}
# Versions whose items (and worked examples) go out lean: compact JSON with the id and the text only, no language
# (the model reads it from the text), so each item costs ~7 tokens less.
LEAN_ITEMS = {"journey-batch.v17", "journey-batch.v18"}
# The order of an item's fields in the named formats that set one (compact.NAMED_FIELDS' short keys).
FIELD_ORDERS = {"moments-first clauses": ("ev", "s", "e", "v", "m"), "feelings-first clauses": ("e", "v", "m", "ev", "s"),
                "stage-after-moment clauses": ("e", "v", "ev", "s", "m"),
                "feelings-then-stage clauses": ("e", "v", "s", "m", "ev"),
                "feelings-then-stage problem-list clauses": ("e", "v", "s", "m", "ev"),
                "feelings-then-stage two-moment clauses": ("e", "v", "s", "m", "ev"),
                "stage-before-moment clauses": ("e", "v", "m", "s", "ev")}
# The formats whose moments list their problems (at most compact.MOMENT_PROBLEMS under a grammar) instead of one.
PROBLEM_LISTS = {"moments-first clauses", "feelings-then-stage problem-list clauses"}
# How many moments an item may have under a grammar in the formats that allow more than compact.NAMED_MOMENTS.
MOMENT_COUNTS = {"feelings-then-stage two-moment clauses": 2}
ENV_PROMPTS = "JOURNEY_PROMPTS"


def default_prompt(taxonomy: Taxonomy) -> str:
    """The prompt version used when none is chosen: DEFAULT_PROMPT, or GENERIC_PROMPT for a taxonomy whose stages
    are not the default taxonomy's."""
    return DEFAULT_PROMPT if taxonomy.stage_ids() == load_taxonomy(None).stage_ids() else GENERIC_PROMPT


def prompts_dir() -> Path:
    """The prompts folder: $JOURNEY_PROMPTS, else the package's own templates (`extractor.prompts`, which is the
    project's top-level prompts/ folder, shipped inside the wheel as package data)."""
    if os.environ.get(ENV_PROMPTS):
        return Path(os.environ[ENV_PROMPTS])
    from importlib import resources

    return Path(str(resources.files("extractor.prompts")))


@dataclass(frozen=True)
class PromptItem:
    """One item as the model sees it: a number within the request, its language, its (masked) text, and the spans
    of its clauses (for the clauses format, which numbers them in the text)."""

    id: int
    text: str
    lang: str | None = None
    clauses: tuple[Span, ...] = ()


@dataclass(frozen=True)
class PromptExample:
    """A labelled item shown to the model as a demonstration."""

    text: str
    labels: dict[str, Any]


def _bullets(labels, keys: dict[str, str] | None = None, lang: str = "en") -> str:
    lines = []
    for label in labels:
        definition = label.text("definition", lang) if label.definition else ""
        name = label.text("name", lang)
        key = keys[label.id] if keys else label.id
        lines.append(f"- {key}: {name}" + (f". {definition}" if definition and definition != name else ""))
    return "\n".join(lines) or "- (none: always use null / an empty list)"


def _ids(labels, keys: dict[str, str] | None = None) -> str:
    """A field's label ids (or keys) on one line: the lean versions' taxonomy, for fields whose ids say enough."""
    return ", ".join(keys[label.id] if keys else label.id for label in labels) or "(none: always use null)"


def _definitions(labels, keys: dict[str, str] | None = None, lang: str = "en") -> str:
    """A field's labels as "- id: definition" (the name where there is no definition)."""
    return "\n".join(f"- {keys[label.id] if keys else label.id}: "
                     f"{label.text('definition', lang) if label.definition else label.text('name', lang)}"
                     for label in labels) or "- (none: always use null / an empty list)"


def _calibration_block(examples: Sequence[dict[str, Any]], lean: bool = False) -> str:
    """The worked examples as the system message shows them: each item as the requests send it, then its answer."""
    if not examples:
        return ""
    lines = ["Worked examples (an item, then its answer; they are not items to label):"]
    for example in examples:
        if lean:
            lines.append(json.dumps({"text": example["text"]}, ensure_ascii=False, separators=(",", ":")))
        else:
            lines.append(json.dumps({"lang": example["lang"], "text": example["text"]}, ensure_ascii=False))
        lines.append(json.dumps(example["answer"], ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines)


def _items_json(items: Sequence[PromptItem], numbered: bool, lean: bool = False) -> str:
    def text(item: PromptItem) -> str:
        return mark_clauses(item.text, item.clauses) if numbered else item.text

    if lean:
        return json.dumps({"items": [{"id": i.id, "text": text(i)} for i in items]}, ensure_ascii=False,
                          separators=(",", ":"))
    return json.dumps({"items": [{"id": i.id, "lang": i.lang, "text": text(i)} for i in items]},
                      ensure_ascii=False)


class JourneyPrompt:
    """The messages of one request, for one taxonomy and one template version."""

    def __init__(self, taxonomy: Taxonomy, name: str | None = None, folder: Path | None = None):
        folder = folder or prompts_dir()
        name = name or default_prompt(taxonomy)
        self.name = name
        self.taxonomy = taxonomy
        self.templates: dict[str, Template] = {}
        if not (folder / f"{name}.system.txt").is_file():
            known = sorted(p.name[:-len(".system.txt")] for p in folder.glob("*.system.txt"))
            raise UsageError(f"prompt {name!r}: no such prompt version in {folder}; choose one of "
                             f"{', '.join(known) or '(none found)'}")
        for part in PARTS:
            path = folder / f"{name}.{part}.txt"
            try:
                self.templates[part] = Template(path.read_text(encoding="utf-8"))
            except OSError as exc:
                raise UsageError(f"prompt {name!r}: cannot read {path}: {exc.strerror or exc}") from None
        self.answer_format = ANSWER_FORMATS.get(name, "quotes")
        self.lean_items = name in LEAN_ITEMS
        self.compact = (CompactFormat(taxonomy, lean=self.answer_format == "lean clauses",
                                      named=self.answer_format == "named clauses",
                                      order=FIELD_ORDERS.get(self.answer_format),
                                      problem_lists=self.answer_format in PROBLEM_LISTS,
                                      moment_count=MOMENT_COUNTS.get(self.answer_format, NAMED_MOMENTS))
                        if self.answer_format.endswith("clauses") else None)
        if self.compact is not None:
            self.answer_model, self.item_model = self.compact.batch_model, self.compact.item_model
            keys = (self.compact.stages, self.compact.touchpoints, self.compact.emotions, self.compact.pain_points)
        else:
            self.answer_model, self.item_model, _ = answer_models(taxonomy)
            keys = (None, None, None, None)
        self.schema = self.answer_model.model_json_schema()
        self.calibration = self._calibration(folder / f"{name}.{CALIBRATION}")
        fields = {"stages": (taxonomy.stages, keys[0]), "touchpoints": (taxonomy.touchpoints, keys[1]),
                  "emotions": (taxonomy.emotions, keys[2]), "pain_points": (taxonomy.pain_points, keys[3])}
        # $stages etc.: "- id: Name. Definition." lines; $stage_ids etc.: the ids on one line; $stage_definitions
        # etc.: "- id: definition" lines (the lean versions)
        rendered = {field: _bullets(*given) for field, given in fields.items()}
        rendered.update({f"{field[:-1]}_ids": _ids(*given) for field, given in fields.items()})
        rendered.update({f"{field[:-1]}_definitions": _definitions(*given) for field, given in fields.items()})
        self.system = self.templates["system"].substitute(
            rendered, calibration=_calibration_block(self.calibration, self.lean_items),
            taxonomy_name=taxonomy.name.get("en") or taxonomy.taxonomy_id, taxonomy_ref=taxonomy.ref).strip()
        digest = hashlib.sha256()
        for part in PARTS:
            digest.update(self.templates[part].template.encode("utf-8") + b"\x00")
        digest.update(self.system.encode("utf-8") + b"\x00")
        digest.update(json.dumps(self.schema, sort_keys=True).encode("utf-8"))
        self.prompt_id = f"{name}@{digest.hexdigest()[:12]}"

    def _calibration(self, path: Path) -> list[dict[str, Any]]:
        """The worked examples of `path` (none when there is no such file or the taxonomy lacks their labels)."""
        if not path.is_file() or self.compact is None:
            return []
        try:
            shown = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, ValueError) as exc:
            raise UsageError(f"prompt {self.name!r}: cannot read {path}: {exc}") from None
        for example in shown:
            try:
                self.compact.validate({"id": 1, **example["answer"]})
            except (ValueError, KeyError, TypeError):
                return []  # labels this taxonomy does not have
        return shown

    def user(self, items: Sequence[PromptItem], examples: Sequence[PromptExample] = ()) -> str:
        """The user message: the examples block (if any), then the items as JSON data."""
        block = ""
        if examples:
            shown = "\n".join(json.dumps({"text": e.text, "labels": self.compact.example_labels(e.labels)
                                           if self.compact is not None else e.labels}, ensure_ascii=False)
                               for e in examples)
            block = self.templates["examples"].substitute(examples=shown).strip() + "\n"
        return self.templates["user"].substitute(examples=block, count=len(items),
                                                 items=_items_json(items, self.numbered, self.lean_items)).lstrip()

    def messages(self, items: Sequence[PromptItem], examples: Sequence[PromptExample] = ()) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user(items, examples)}]

    def repair(self, problems: Sequence[str], items: Sequence[PromptItem]) -> str:
        """The follow-up message that sends the validation errors back to the model, with the items to answer again."""
        return self.templates["repair"].substitute(problems="\n".join(f"- {p}" for p in problems), count=len(items),
                                                   items=_items_json(items, self.numbered, self.lean_items)).strip()

    @property
    def goal_from_labels(self) -> bool:
        """Whether a record's customer goal is the one its labels imply (the answer names none: journey-batch.v4)."""
        return self.compact is not None and self.compact.named

    @property
    def numbered(self) -> bool:
        """Whether items go out split into numbered clauses (and need their clause spans)."""
        return self.compact is not None

    def check_item(self, ident: int, entry: dict, masked: Masked, clauses: Sequence[Span] = (),
                   lenient: bool = False) -> Checked:
        """One item's answer checked in this prompt's format, as the quote format's answer with its evidence."""
        if self.compact is not None:
            return check_compact_item(ident, entry, masked, clauses, self.compact, lenient)
        return check_item(ident, entry, masked, self.item_model, lenient)
