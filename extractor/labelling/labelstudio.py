"""Label Studio round trip: a labelling config from the taxonomy, tasks to import (optionally pre-labelled
with our records as predictions), and a Label Studio JSON export back into gold rows (TAXONOMY.md).

Formats (labelstud.io docs: tags Choices/Choice/Labels, "Label Studio Task Format", "Import pre-annotated data"):
- every <Choice> shows the label's name and carries the taxonomy id as `alias`; Label Studio writes the alias,
  not the shown value, into results and matches predictions by alias or value, so ids travel both ways;
- a choices result is {"from_name": FIELD, "to_name": "text", "type": "choices", "value": {"choices": [ids]}};
  an evidence span is {"from_name": "evidence", ..., "type": "labels", "value": {"start", "end", "text", "labels"}};
- an export is a list of tasks {"id", "data", "annotations": [{"result", "was_cancelled", "updated_at", ...}], ...}.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..errors import UsageError
from ..schema import FLAG_FIELDS, LABEL_FIELDS, LIST_FIELDS, TAXONOMY_KINDS, FeedbackItem, JourneyRecord, polarity
from ..taxonomy import Taxonomy
from ..texts import table
from .gold import parse_gold_row

TEXT = "text"
EVIDENCE = "evidence"
YES = "yes"
# How each of Labels' fields shows: a yes/no label is one "yes" checkbox (unticked means false), a list of ids is a
# multiple choice, any other field one required choice (taxonomy ids, or the sentiment's polarities).
FLAGS = FLAG_FIELDS
MULTI = LIST_FIELDS
SINGLE = tuple(name for name in LABEL_FIELDS if name not in MULTI and name not in FLAGS)
SENTIMENT_IDS = ("-1", "0", "1")
POLARITY_WORDS = {"-1": "sentiment_minus", "0": "sentiment_zero", "1": "sentiment_plus"}  # their texts' keys

class LabelStudioError(UsageError):
    """A file is not a Label Studio JSON export, or tasks and records do not belong together."""


def _ui(lang: str, key: str) -> str:
    """One of the config's own words (extractor.texts, `studio_` keys); the taxonomy brings the label names."""
    return table(lang).get(f"studio_{key}") or table("en")[f"studio_{key}"]


# --- labelling config -------------------------------------------------------------------------------------


def _choices(view: ET.Element, name: str, mode: str, options: Sequence[tuple[str, str, str]], lang: str,
             required: bool) -> None:
    ET.SubElement(view, "Header", value=_ui(lang, name))
    attrs = {"name": name, "toName": TEXT, "choice": mode, "showInline": "true"}
    if required:
        attrs["required"] = "true"
    group = ET.SubElement(view, "Choices", attrs)
    seen: set[str] = set()
    for alias, shown, hint in options:
        value = shown if shown not in seen else f"{shown} ({alias})"  # Label Studio needs distinct values
        seen.add(value)
        choice = ET.SubElement(group, "Choice", value=value, alias=alias)
        if hint:
            choice.set("hint", hint)


def _options(taxonomy: Taxonomy, field: str, lang: str) -> list[tuple[str, str, str]]:
    """One label field's choices: (the value exported, the name shown, a hint)."""
    if field in TAXONOMY_KINDS:
        return [(label.id, label.text("name", lang), label.text("definition", lang) if label.definition else "")
                for label in getattr(taxonomy, TAXONOMY_KINDS[field])]
    hint = _ui(lang, f"{field}_hint")
    if field in FLAGS:
        return [(YES, _ui(lang, YES), hint)]
    return [(s, _ui(lang, POLARITY_WORDS[s]), hint) for s in SENTIMENT_IDS]


def labeling_config(taxonomy: Taxonomy, lang: str = "en") -> str:
    """The Label Studio labelling config (XML) for this taxonomy: names in `lang`, ids as exported values."""
    if lang not in taxonomy.languages:
        raise UsageError(f"language {lang!r} is not in taxonomy {taxonomy.ref} (languages: "
                         f"{', '.join(taxonomy.languages)})")
    view = ET.Element("View")
    ET.SubElement(view, "Header", value=_ui(lang, "text"))
    labels = ET.SubElement(view, "Labels", name=EVIDENCE, toName=TEXT)
    ET.SubElement(labels, "Label", value=_ui(lang, EVIDENCE), alias=EVIDENCE, hint=_ui(lang, "evidence_hint"))
    ET.SubElement(view, "Text", name=TEXT, value="$text")
    for field in LABEL_FIELDS:
        # a flag is one checkbox in a "multiple" group, so the labeller can untick it again
        single = field in SINGLE
        _choices(view, field, "single" if single else "multiple", _options(taxonomy, field, lang), lang,
                 required=single)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


# --- tasks to import ----------------------------------------------------------------------------------------


def _choice_result(field: str, values: Sequence[str]) -> dict[str, Any]:
    return {"id": field, "from_name": field, "to_name": TEXT, "type": "choices", "value": {"choices": list(values)}}


def _choice_values(field: str, value: Any) -> list[str]:
    """A record's label as the choices Label Studio stores for it (none for an empty list or an unticked flag)."""
    if field in MULTI:
        return list(value)
    if field in FLAGS:
        return [YES] if value else []
    return [value] if field in TAXONOMY_KINDS else [str(polarity(value))]


def prediction_results(record: JourneyRecord, text: str) -> list[dict[str, Any]]:
    """The record's labels as Label Studio results: one choices result per non-empty field, one span per quote."""
    results = [_choice_result(field, values) for field in LABEL_FIELDS
               if (values := _choice_values(field, getattr(record, field)))]
    spans: set[tuple[int, int]] = set()
    for event in record.events:
        ev = event.evidence
        if (ev.start, ev.end) in spans or text[ev.start:ev.end] != ev.quote:
            continue
        spans.add((ev.start, ev.end))
        results.append({"id": f"{EVIDENCE}-{len(spans)}", "from_name": EVIDENCE, "to_name": TEXT, "type": "labels",
                        "value": {"start": ev.start, "end": ev.end, "text": ev.quote, "labels": [EVIDENCE]}})
    return results


def export_tasks(items: Iterable[FeedbackItem], records: Iterable[JourneyRecord] | None = None,
                 model_version: str | None = None) -> list[dict[str, Any]]:
    """Label Studio import tasks; with `records` (same order as `items`) each task carries one prediction."""
    items = list(items)
    recs = list(records) if records is not None else None
    if recs is not None and len(recs) != len(items):
        raise LabelStudioError(f"{len(items)} items but {len(recs)} records; they must match one to one")
    tasks: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        record = recs[n] if recs is not None else None
        lang = item.lang or (record.lang if record else None)
        task: dict[str, Any] = {"data": {"text": item.text, "item_id": item.item_id, "lang": lang,
                                         "source": item.source}}
        if record is not None:
            if record.item_id != item.item_id:
                raise LabelStudioError(f"record {n + 1} is for item {record.item_id!r}, not {item.item_id!r}")
            task["predictions"] = [{"model_version": model_version or f"{record.extractor}@{record.taxonomy_id}",
                                    "score": record.confidence, "result": prediction_results(record, item.text)}]
        tasks.append(task)
    return tasks


# --- export back to gold --------------------------------------------------------------------------------------


def read_export(path: Path) -> list[Any]:
    """The parsed JSON of a Label Studio export file; LabelStudioError when it cannot be read."""
    if not path.is_file():
        raise LabelStudioError(f"{path}: {'no such file' if not path.exists() else 'not a file'}")
    try:
        with path.open(encoding="utf-8-sig") as f:
            data = json.load(f)
    except UnicodeDecodeError:
        raise LabelStudioError(f"{path}: not UTF-8 text; export the project from Label Studio as JSON") from None
    except json.JSONDecodeError as exc:
        raise LabelStudioError(f"{path}: not JSON ({exc.msg} at line {exc.lineno}); "
                               "export the project from Label Studio as JSON") from None
    return data


def _check_export(data: object, source_name: str) -> list[Mapping[str, Any]]:
    hint = "export the project from Label Studio with the 'JSON' format"
    if not isinstance(data, list):
        raise LabelStudioError(f"{source_name}: not a Label Studio JSON export (expected a list of tasks, got a "
                               f"{type(data).__name__}); {hint}")
    if not data:
        raise LabelStudioError(f"{source_name}: the export has no tasks")
    for n, task in enumerate(data, 1):
        if not isinstance(task, Mapping) or not isinstance(task.get("data"), Mapping):
            minimal = isinstance(task, Mapping) and ("annotation_id" in task or "annotator" in task)
            what = "a JSON-MIN export" if minimal else f"task {n} has no 'data' object"
            raise LabelStudioError(f"{source_name}: not a Label Studio JSON export ({what}); {hint}")
    if all("annotations" not in task for task in data):
        raise LabelStudioError(f"{source_name}: no task has 'annotations': this is a file of tasks to import "
                               f"(as `journey labelstudio export` writes), not an export; {hint}")
    return data  # type: ignore[return-value]


def _when(annotation: Mapping[str, Any]) -> tuple[datetime, int]:
    stamp = annotation.get("updated_at") or annotation.get("created_at") or ""
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.now().astimezone().tzinfo)
    except ValueError:
        moment = datetime.min.replace(tzinfo=datetime.now().astimezone().tzinfo)
    ident = annotation.get("id")
    return moment, ident if isinstance(ident, int) else 0


def latest_annotation(task: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The most recently updated annotation that was not cancelled (skipped), or None."""
    live = [a for a in task.get("annotations") or [] if isinstance(a, Mapping) and not a.get("was_cancelled")]
    return max(live, key=_when) if live else None


def _chosen(annotation: Mapping[str, Any]) -> tuple[dict[str, list[Any]], list[str]]:
    chosen: dict[str, list[Any]] = {}
    problems: list[str] = []
    result = annotation.get("result")
    if not isinstance(result, list):
        return chosen, ["the annotation has no 'result' list"]
    for region in result:
        if not isinstance(region, Mapping) or region.get("type") != "choices" or region.get("from_name") not in LABEL_FIELDS:
            continue
        values = (region.get("value") or {}).get("choices") if isinstance(region.get("value"), Mapping) else None
        if not isinstance(values, list):
            problems.append(f"'{region.get('from_name')}': a choices result without a 'choices' list")
            continue
        chosen.setdefault(str(region["from_name"]), []).extend(values)
    return chosen, problems


def _gold_row(task: Mapping[str, Any], annotation: Mapping[str, Any], taxonomy: Taxonomy,
              item_id: object) -> tuple[dict[str, Any], list[str]]:
    chosen, problems = _chosen(annotation)
    data = task["data"]
    row: dict[str, Any] = {"id": item_id, "text": data.get("text"), "lang": data.get("lang") or None,
                           "source": data.get("source") or "other"}
    for field in SINGLE:
        values = chosen.get(field, [])
        if not values:
            problems.append(f"no {field} chosen")
        elif len(values) > 1:
            problems.append(f"more than one {field} chosen: {', '.join(map(str, values))}")
        else:
            value = values[0]
            row[field] = int(value) if field == "sentiment" and value in SENTIMENT_IDS else value
    for field in MULTI:
        values = chosen.get(field, [])
        order = {label_id: n for n, label_id in enumerate(taxonomy.ids(TAXONOMY_KINDS[field]))}
        row[field] = sorted(dict.fromkeys(values), key=lambda v: order.get(v, len(order))) \
            if all(isinstance(v, str) for v in values) else values
    for field in FLAGS:
        ticked = chosen.get(field, [])
        if any(v != YES for v in ticked):
            problems.append(f"{field}: unknown choice {', '.join(repr(v) for v in ticked if v != YES)} "
                            f"(the only choice is '{YES}')")
        row[field] = YES in ticked
    return row, problems


def import_export(data: list[Any], taxonomy: Taxonomy, source_name: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Gold rows (TAXONOMY.md order) from a Label Studio JSON export, and the problems of the tasks left out.

    Each task gives its latest non-cancelled annotation; tasks without one, with a missing single choice,
    an unknown id or a duplicate item id are reported as "task ID (item ITEM): ..." and left out.
    """
    tasks = _check_export(data, source_name)
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for n, task in enumerate(tasks, 1):
        task_id = task.get("id", n)
        item_id = task["data"].get("item_id")
        if item_id is None or item_id == "":
            item_id = task_id
        who = f"task {task_id} (item {item_id})"
        annotation = latest_annotation(task)
        if annotation is None:
            cancelled = any(isinstance(a, Mapping) and a.get("was_cancelled") for a in task.get("annotations") or [])
            problems.append(f"{who}: {'every annotation was cancelled (skipped)' if cancelled else 'no annotation'}")
            continue
        row, row_problems = _gold_row(task, annotation, taxonomy, item_id)
        where = f"{source_name}:{n}"
        item, checked = parse_gold_row(row, taxonomy, where)
        reported = [f for f in SINGLE if f not in row]  # already said "no stage chosen": skip "'stage' missing"
        row_problems += [p.removeprefix(f"{where}: ") for p in checked
                         if not any(p.startswith(f"{where}: '{f}' ") for f in reported)]
        if item is not None and not row_problems:
            if item.id in seen:
                row_problems = [f"duplicate item id (first in {seen[item.id]}); left out"]
            else:
                seen[item.id] = f"task {task_id}"
                rows.append(item.to_row())
        problems += [f"{who}: {p}" for p in row_problems]
    return rows, problems
