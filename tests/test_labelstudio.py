"""Label Studio round trip: config from the taxonomy, tasks with predictions, a Label Studio export back to gold.

The export is simulated exactly as Label Studio writes it (Export > JSON): each task gets an id, bookkeeping
fields, and annotations whose result is what the labeller submitted (here: the prediction, accepted as is).
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from extractor.errors import UsageError
from extractor.labelling.gold import read_gold, write_gold
from extractor.labelling.labelstudio import (
    LabelStudioError,
    export_tasks,
    import_export,
    labeling_config,
)
from extractor.schema import polarity
from extractor.extractors import make_extractor
from extractor.ingest import ReadOptions, open_readers
from extractor.pipeline import label_item
from extractor.schema import FeedbackItem, JourneyRecord
from extractor.taxonomy import default_taxonomy, load_taxonomy

from .conftest import ROOT, run_journey

MULTI_FIELDS = {"touchpoints", "pain_points", "moment_of_truth"}


def _field_ids(tax) -> dict[str, list[str]]:
    return {"stage": tax.stage_ids(), "touchpoints": tax.touchpoint_ids(), "emotion": tax.emotion_ids(),
            "sentiment": ["-1", "0", "1"], "pain_points": tax.pain_point_ids(), "moment_of_truth": ["yes"]}


def _stamp(minute: int) -> str:
    return f"2025-10-01T10:{minute:02d}:00.000000Z"


def ls_annotation(result: list[dict], *, ident: int, task_id: int, minute: int, cancelled: bool = False,
                  prediction: dict | None = None) -> dict:
    """One annotation as Label Studio exports it: result regions carry an origin; bookkeeping around them."""
    regions = [{**copy.deepcopy(r), "origin": "prediction" if prediction else "manual"} for r in result]
    return {"id": ident, "completed_by": 1, "result": [] if cancelled else regions, "was_cancelled": cancelled,
            "ground_truth": False, "created_at": _stamp(minute), "updated_at": _stamp(minute), "draft_created_at": None,
            "lead_time": 12.5, "prediction": prediction or {}, "result_count": 0, "unique_id": f"u-{ident}",
            "import_id": None, "last_action": None, "bulk_created": False, "task": task_id, "project": 3,
            "updated_by": 1, "parent_prediction": None if not prediction else 900 + task_id,
            "parent_annotation": None, "last_created_by": None}


def ls_export(tasks: list[dict], annotate: dict[int, list[dict]]) -> list[dict]:
    """Label Studio's JSON export of a project the tasks were imported into; `annotate[n]` = annotations of task n."""
    exported = []
    for n, task in enumerate(tasks):
        task_id = 100 + n
        predictions = [{**p, "id": 900 + task_id, "created_ago": "1 minute", "task": task_id, "project": 3,
                        "cluster": None, "neighbors": None, "mislabeling": 0.0, "created_at": _stamp(0),
                        "updated_at": _stamp(0), "model": None, "model_run": None}
                       for p in task.get("predictions", [])]
        annotations = annotate.get(n, [])
        exported.append({"id": task_id, "annotations": annotations, "file_upload": "tasks.json", "drafts": [],
                         "predictions": predictions, "data": copy.deepcopy(task["data"]), "meta": {},
                         "created_at": _stamp(0), "updated_at": _stamp(59), "inner_id": n + 1,
                         "total_annotations": sum(not a["was_cancelled"] for a in annotations),
                         "cancelled_annotations": sum(a["was_cancelled"] for a in annotations),
                         "total_predictions": len(predictions), "comment_count": 0, "unresolved_comment_count": 0,
                         "last_comment_updated_at": None, "project": 3, "updated_by": 1, "comment_authors": []})
    return exported


def accept_predictions(tasks: list[dict]) -> dict[int, list[dict]]:
    """Every labeller clicked Submit on the pre-annotation."""
    return {n: [ls_annotation(t["predictions"][0]["result"], ident=500 + n, task_id=100 + n, minute=5,
                              prediction=t["predictions"][0])]
            for n, t in enumerate(tasks)}


def record_labels(record: JourneyRecord) -> dict:
    return {"stage": record.stage, "touchpoints": set(record.touchpoints), "emotion": record.emotion,
            "sentiment": polarity(record.sentiment), "pain_points": set(record.pain_points),
            "moment_of_truth": record.moment_of_truth}


def row_labels(row: dict) -> dict:
    labels = {k: row[k] for k in ("stage", "touchpoints", "emotion", "sentiment", "pain_points", "moment_of_truth")}
    return {**labels, "touchpoints": set(labels["touchpoints"]), "pain_points": set(labels["pain_points"])}


@pytest.fixture(scope="module")
def labelled() -> tuple[list[FeedbackItem], list[JourneyRecord]]:
    """Real corpus items (English and Polish tickets, reviews, posts, survey answers) and the rules records."""
    items: list[FeedbackItem] = []
    for name in ("tickets.jsonl", "reviews.csv", "social.jsonl", "survey.csv"):
        [reader] = open_readers([str(ROOT / "corpora" / name)], ReadOptions())
        items += [row for row in reader if isinstance(row, FeedbackItem)][:30]
    engine = make_extractor("rules", default_taxonomy())
    records = [label_item(engine, item) for item in items]
    # The sample must exercise every kind of result: ticked moment of truth, pain points, several touchpoints,
    # evidence spans, both languages, and texts with emoji (characters beyond the BMP) before a quote.
    assert any(r.moment_of_truth for r in records) and any(r.pain_points for r in records)
    assert any(len(r.touchpoints) > 1 for r in records) and any(r.events for r in records)
    assert {r.lang for r in records} >= {"en", "pl"}
    assert any(any(ord(c) > 0xFFFF for c in i.text) for i in items)
    return items, records


# --- config ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "pl"])
@pytest.mark.parametrize("which", ["default", "mini"])
def test_config_is_valid_xml_with_every_id_once_and_the_right_mode(lang, which, mini_taxonomy_path):
    tax = default_taxonomy() if which == "default" else load_taxonomy(mini_taxonomy_path)
    root = ET.fromstring(labeling_config(tax, lang))
    assert root.tag == "View"
    text = root.find("Text")
    assert text is not None and text.get("name") == "text" and text.get("value") == "$text"
    groups = {g.get("name"): g for g in root.iter("Choices")}
    assert set(groups) == set(_field_ids(tax))
    for field, ids in _field_ids(tax).items():
        group = groups[field]
        assert group.get("toName") == "text"
        assert group.get("choice") == ("multiple" if field in MULTI_FIELDS else "single")
        aliases = [c.get("alias") for c in group.iter("Choice")]
        assert Counter(aliases) == Counter(ids), field  # each id exactly once, nothing else
        values = [c.get("value") for c in group.iter("Choice")]
        assert len(set(values)) == len(values)  # Label Studio needs distinct shown values
    stage = default_taxonomy().stages[0] if which == "default" else None
    if stage is not None:
        first = next(groups["stage"].iter("Choice"))
        assert first.get("value") == stage.name[lang] and first.get("hint") == stage.definition[lang]
    shown = {c.get("alias"): c.get("value") for c in groups["sentiment"].iter("Choice")}
    words = {"en": ("negative", "neutral", "positive"), "pl": ("negatywny", "neutralny", "pozytywny")}[lang]
    assert all(word in shown[value] for word, value in zip(words, ("-1", "0", "1")))
    evidence = root.find("Labels")
    assert evidence is not None and evidence.get("name") == "evidence" and evidence.get("toName") == "text"


def test_config_escapes_names_and_definitions():
    tax = default_taxonomy().model_copy(deep=True)
    tricky = 'Quotes "double" & \'single\' <b>bold</b>'
    tax.stages[0].name["en"] = tricky
    tax.stages[0].definition["en"] = "a < b && c > d\nsecond line"
    xml = labeling_config(tax, "en")
    choice = next(ET.fromstring(xml).find("Choices[@name='stage']").iter("Choice"))
    assert choice.get("value") == tricky
    assert choice.get("hint") == "a < b && c > d\nsecond line"
    assert "<b>" not in xml


def test_config_refuses_a_language_the_taxonomy_lacks():
    with pytest.raises(UsageError, match="not in taxonomy"):
        labeling_config(default_taxonomy(), "de")


# --- tasks ----------------------------------------------------------------------------------------------------


def test_tasks_carry_data_and_one_prediction_with_ids_and_exact_spans(labelled):
    items, records = labelled
    tasks = export_tasks(items, records)
    assert len(tasks) == len(items)
    for item, record, task in zip(items, records, tasks):
        assert task["data"] == {"text": item.text, "item_id": item.item_id, "lang": record.lang,
                                "source": item.source}
        [prediction] = task["predictions"]
        assert prediction["model_version"] == f"rules@{record.taxonomy_id}"
        assert prediction["score"] == record.confidence
        for region in prediction["result"]:
            assert region["to_name"] == "text"
            if region["type"] == "labels":
                v = region["value"]
                assert v["labels"] == ["evidence"] and item.text[v["start"]:v["end"]] == v["text"]
        choices = {r["from_name"]: r["value"]["choices"] for r in prediction["result"] if r["type"] == "choices"}
        assert choices["sentiment"] == [str(polarity(record.sentiment))]
        assert choices.get("moment_of_truth", []) == (["yes"] if record.moment_of_truth else [])
    assert any(r["type"] == "labels" for t in tasks for r in t["predictions"][0]["result"])
    plain = export_tasks(items[:3], model_version="x")
    assert all("predictions" not in t for t in plain)
    [mine] = export_tasks(items[:1], records[:1], model_version="mine@2")
    assert mine["predictions"][0]["model_version"] == "mine@2"


def test_tasks_and_records_must_match(labelled):
    items, records = labelled
    with pytest.raises(LabelStudioError, match="must match"):
        export_tasks(items[:2], records[:1])
    with pytest.raises(LabelStudioError, match="is for item"):
        export_tasks(items[:2], [records[1], records[0]])


# --- export back to gold --------------------------------------------------------------------------------------


def test_round_trip_latest_non_cancelled_annotation_wins(labelled, tmp_path):
    items, records = labelled
    tax = default_taxonomy()
    tasks = export_tasks(items, records)
    annotate = accept_predictions(tasks)
    # Task 0: an older annotation with other labels, the accepted prediction, then a newer cancelled (skipped) one.
    wrong = [{"id": f"x{n}", "from_name": field, "to_name": "text", "type": "choices", "value": {"choices": [value]}}
             for n, (field, value) in enumerate([("stage", "awareness"), ("emotion", "anger"), ("sentiment", "1")])]
    annotate[0] = [ls_annotation(wrong, ident=1, task_id=100, minute=1), annotate[0][0],
                   ls_annotation(wrong, ident=2, task_id=100, minute=30, cancelled=True)]
    # Task 1: labelled before the accepted one but stored later in the list; the older must lose.
    annotate[1] = [annotate[1][0], ls_annotation(wrong, ident=3, task_id=101, minute=2)]
    del annotate[2]  # task 2: nobody labelled it
    export = ls_export(tasks, annotate)
    rows, problems = import_export(json.loads(json.dumps(export)), tax, "export.json")

    assert problems == [f"task 102 (item {items[2].item_id}): no annotation"]
    expected = [(item, record) for n, (item, record) in enumerate(zip(items, records)) if n != 2]
    assert [r["id"] for r in rows] == [item.item_id for item, _ in expected]
    for row, (item, record) in zip(rows, expected):
        assert row_labels(row) == record_labels(record)
        assert (row["text"], row["lang"], row["source"]) == (item.text, record.lang, item.source)
        assert list(row) == ["id", "text", "lang", "source", "stage", "touchpoints", "emotion", "sentiment",
                             "pain_points", "moment_of_truth"]
        order = tax.touchpoint_ids()
        assert row["touchpoints"] == sorted(row["touchpoints"], key=order.index)
    gold_path = tmp_path / "gold.jsonl"
    write_gold(rows, gold_path)
    gold = read_gold([gold_path], tax)
    assert [g.id for g in gold] == [r["id"] for r in rows]


def _annotated_task(task_id: int, item_id: str | None, choices: dict[str, list[str]], **annotation) -> dict:
    result = [{"id": f"r{n}", "from_name": field, "to_name": "text", "type": "choices", "value": {"choices": values}}
              for n, (field, values) in enumerate(choices.items())]
    data = {"text": "The parcel is late and nobody answers.", "lang": "en", "source": "ticket"}
    if item_id is not None:
        data["item_id"] = item_id
    return {"id": task_id, "data": data, "predictions": [],
            "annotations": [ls_annotation(result, ident=task_id, task_id=task_id, minute=3, **annotation)]}


GOOD = {"stage": ["experience"], "emotion": ["frustration"], "sentiment": ["-1"]}


def test_unknown_ids_are_reported_not_imported():
    tax = default_taxonomy()
    export = [_annotated_task(1, "ok-1", {**GOOD, "touchpoints": ["delivery"]}),
              _annotated_task(2, "bad-2", {**GOOD, "stage": ["shipping"], "touchpoints": ["carrier_pigeon"]}),
              _annotated_task(3, "bad-3", {**GOOD, "sentiment": ["very negative"], "moment_of_truth": ["maybe"]})]
    rows, problems = import_export(export, tax, "export.json")
    assert [r["id"] for r in rows] == ["ok-1"]
    text = "\n".join(problems)
    assert "task 2 (item bad-2): unknown stage 'shipping'" in text
    assert "task 2 (item bad-2): unknown touchpoint 'carrier_pigeon' in 'touchpoints'" in text
    assert "task 3 (item bad-3): 'sentiment' must be -1, 0 or 1" in text
    assert "task 3 (item bad-3): moment_of_truth: unknown choice 'maybe'" in text
    assert not any("export.json:" in p for p in problems)


def test_missing_choices_defaults_and_fallbacks():
    tax = default_taxonomy()
    export = [_annotated_task(7, "r-7", {"stage": ["experience"], "emotion": ["anger"]}),  # no sentiment
              _annotated_task(8, None, GOOD),  # no item_id: the task id is the gold id
              _annotated_task(9, "r-9", {**GOOD, "emotion": ["anger", "frustration"]}),
              _annotated_task(10, "r-10", GOOD, cancelled=True),
              {"id": 11, "data": {"text": "hello", "item_id": "r-11"}, "annotations": []},
              _annotated_task(12, "ok-1", GOOD), _annotated_task(13, "ok-1", GOOD)]
    rows, problems = import_export(export, tax, "export.json")
    assert rows == [{"id": "8", "text": "The parcel is late and nobody answers.", "lang": "en", "source": "ticket",
                     "stage": "experience", "touchpoints": [], "emotion": "frustration", "sentiment": -1,
                     "pain_points": [], "moment_of_truth": False},
                    {**rows[0], "id": "ok-1"}]
    assert problems == ["task 7 (item r-7): no sentiment chosen",
                        "task 9 (item r-9): more than one emotion chosen: anger, frustration",
                        "task 10 (item r-10): every annotation was cancelled (skipped)",
                        "task 11 (item r-11): no annotation",
                        "task 13 (item ok-1): duplicate item id (first in task 12); left out"]


@pytest.mark.parametrize("data, match", [
    ({"tasks": []}, "expected a list of tasks"),
    ([], "no tasks"),
    ([{"id": 1, "text": "x", "stage": "experience", "annotator": 1, "annotation_id": 3}], "JSON-MIN"),
    ([{"data": {"text": "x"}, "predictions": []}], "not an export"),
    (["just a string"], "task 1 has no 'data'"),
])
def test_not_a_label_studio_export_is_a_clear_error(data, match):
    with pytest.raises(LabelStudioError, match=match):
        import_export(data, default_taxonomy(), "file.json")


# --- the command ----------------------------------------------------------------------------------------------


def test_cli_round_trip(tmp_path):
    tasks_path, config_path = tmp_path / "tasks.json", tmp_path / "config.xml"
    done = run_journey("labelstudio", "export", str(ROOT / "corpora" / "survey.csv"), "--out", str(tasks_path),
                       "--config", str(config_path), "--lang", "pl")
    assert done.returncode == 0, done.stderr
    tasks = json.loads(tasks_path.read_text(encoding="utf-8"))
    assert tasks and all(len(t["predictions"]) == 1 for t in tasks)
    assert f"wrote {len(tasks)} task(s) pre-labelled by rules" in done.stderr
    config = ET.fromstring(config_path.read_text(encoding="utf-8"))
    assert next(config.find("Choices[@name='stage']").iter("Choice")).get("value") == "Świadomość"

    annotate = accept_predictions(tasks)
    del annotate[1]
    export_path = tmp_path / "project-3-at-2025-10-01.json"
    export_path.write_text(json.dumps(ls_export(tasks, annotate), ensure_ascii=False), encoding="utf-8")
    gold_path = tmp_path / "gold.jsonl"
    done = run_journey("labelstudio", "import", str(export_path), "--out", str(gold_path))
    assert done.returncode == 0, done.stderr
    assert f"imported {len(tasks) - 1} item(s)" in done.stdout
    assert f"task 101 (item {tasks[1]['data']['item_id']}): no annotation" in done.stderr
    gold = read_gold([gold_path], default_taxonomy())
    by_id = {t["data"]["item_id"]: t for t in tasks}
    for g in gold:
        choices = {r["from_name"]: r["value"]["choices"] for r in by_id[g.id]["predictions"][0]["result"]
                   if r["type"] == "choices"}
        assert g.stage == choices["stage"][0] and g.sentiment == int(choices["sentiment"][0])
        assert set(g.pain_points) == set(choices.get("pain_points", []))

    strict_path = tmp_path / "strict.jsonl"
    done = run_journey("labelstudio", "import", str(export_path), "--out", str(strict_path), "--strict")
    assert done.returncode == 1 and not strict_path.exists()
    assert "no annotation" in done.stderr and "Traceback" not in done.stderr


def test_cli_config_and_errors(tmp_path):
    done = run_journey("labelstudio", "config")
    assert done.returncode == 0
    assert ET.fromstring(done.stdout).tag == "View"
    done = run_journey("labelstudio", "import", str(ROOT / "corpora" / "survey.csv"),
                       "--out", str(tmp_path / "g.jsonl"))
    assert done.returncode == 2 and done.stderr.startswith("Error:") and "Traceback" not in done.stderr
    tasks_path = tmp_path / "tasks.json"
    assert run_journey("labelstudio", "export", str(ROOT / "corpora" / "survey.csv"), "--out", str(tasks_path),
                       "--prelabel", "none").returncode == 0
    done = run_journey("labelstudio", "import", str(tasks_path), "--out", str(tmp_path / "g.jsonl"))
    assert done.returncode == 2 and "not an export" in done.stderr and "Traceback" not in done.stderr
    assert all("predictions" not in t for t in json.loads(tasks_path.read_text(encoding="utf-8")))


def test_cli_export_reports_bad_input_rows(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "The parcel is late."}\n{broken\n{"id": "c", "text": ""}\n',
                      encoding="utf-8")
    out = tmp_path / "tasks.json"
    done = run_journey("labelstudio", "export", str(source), "--out", str(out), "--prelabel", "keyword")
    assert done.returncode == 0, done.stderr
    assert [t["data"]["item_id"] for t in json.loads(out.read_text(encoding="utf-8"))] == ["a"]
    assert "2 input row(s) could not become tasks" in done.stderr
    assert f"{source}:2:" in done.stderr and f"{source}:3:" in done.stderr
