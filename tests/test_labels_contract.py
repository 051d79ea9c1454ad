"""The six label fields are declared once (`schema.Labels`) and every other contract takes them from there: the
journey record, the gold item, an agent's reviewed labels, the Label Studio config and the page; and every extractor
builds its records with the one builder (`records.record_fields`)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from extractor.extractors import make_extractor
from extractor.labelling.gold import GoldItem, parse_gold_row
from extractor.labelling.labelstudio import labeling_config, prediction_results
from extractor.labelling.reviewed import ExtractedLabels, ReviewedLabels, label_problems
from extractor.records import MadeBy, build_record, record_fields
from extractor.schema import (FLAG_FIELDS, ID_FIELDS, LABEL_FIELDS, LIST_FIELDS, TAXONOMY_KINDS, FeedbackItem,
                              GoldLabels, ItemRef, JourneyRecord, Labels)
from extractor.taxonomy import default_taxonomy

PACKAGE = Path(__file__).resolve().parent.parent / "extractor"
TAX = default_taxonomy()
ITEM = FeedbackItem(item_id="t-1", text="The courier was late and rude.", source="ticket", lang="en",
                    customer_id="c-9", created_at="2025-01-02", segment="b2b", origin="tickets.jsonl:4")


def _labels(**changes) -> dict:
    labels = {"stage": TAX.stage_ids()[0], "touchpoints": [TAX.touchpoint_ids()[0]], "emotion": TAX.emotion_ids()[0],
              "sentiment": -0.41234, "pain_points": [], "moment_of_truth": True}
    return {**labels, **changes}


def test_the_label_fields_are_the_six_of_the_taxonomy_md_in_order():
    assert LABEL_FIELDS == ("stage", "touchpoints", "emotion", "sentiment", "pain_points", "moment_of_truth")
    assert TAXONOMY_KINDS == {"stage": "stages", "touchpoints": "touchpoints", "emotion": "emotions",
                              "pain_points": "pain_points"}
    assert (LIST_FIELDS, FLAG_FIELDS, ID_FIELDS) == (("touchpoints", "pain_points"), ("moment_of_truth",),
                                                     ("stage", "emotion"))


def test_every_labelled_model_takes_its_label_fields_from_labels():
    record_fields_ = list(JourneyRecord.model_fields)
    assert record_fields_[:len(ItemRef.model_fields) + 6] == [*ItemRef.model_fields, *LABEL_FIELDS]
    for model in (GoldLabels, GoldItem, ExtractedLabels, ReviewedLabels):
        assert issubclass(model, Labels)
        assert [f for f in model.model_fields if f in LABEL_FIELDS] == list(LABEL_FIELDS)
    with pytest.raises(ValidationError):  # people label polarity, not a score
        ReviewedLabels(**_labels(sentiment=0.5))


def test_record_fields_is_the_contract_in_its_order_and_build_record_validates_it():
    made_by = MadeBy("rules", TAX.ref)
    fields = record_fields(ITEM, _labels(), made_by, confidence=0.5)
    assert list(fields) == list(JourneyRecord.model_fields)
    record = build_record(ITEM, _labels(), MadeBy("llm", TAX.ref, "gpt-x", "journey-batch.v16"), confidence=0.8)
    assert (record.sentiment, record.origin, record.segment, record.model, record.prompt_id) == \
        (-0.412, "tickets.jsonl:4", "b2b", "gpt-x", "journey-batch.v16")
    with pytest.raises(ValidationError):
        build_record(ITEM, _labels(sentiment=1.5), made_by, confidence=0.5)
    with pytest.raises(KeyError):  # a missing label is an error, never a silent default
        build_record(ITEM, {k: v for k, v in _labels().items() if k != "emotion"}, made_by, confidence=0.5)


@pytest.mark.parametrize("name", ["rules", "keyword"])
def test_every_offline_extractor_writes_the_contract_and_says_who_made_it(name):
    record = make_extractor(name, TAX).extract(ITEM)
    assert list(json.loads(record.model_dump_json())) == list(JourneyRecord.model_fields)
    assert (record.extractor, record.taxonomy_id, record.item_id, record.origin) == (name, TAX.ref, "t-1",
                                                                                   "tickets.jsonl:4")


def test_gold_rows_reviews_and_label_studio_check_every_taxonomy_field():
    bad = {k: (["nope"] if k in LIST_FIELDS else "nope") for k in TAXONOMY_KINDS}
    item, problems = parse_gold_row({"id": "1", "text": "x", **_labels(sentiment=-1), **bad}, TAX, "g.jsonl:3")
    assert item is None
    expected = [f"in '{f}'" if f in LIST_FIELDS else f"unknown {f} 'nope'" for f in TAXONOMY_KINDS]
    assert len(problems) == len(expected) and all(e in p for e, p in zip(expected, problems)), problems
    reviewed = ExtractedLabels.model_construct(**_labels(**bad))
    assert [p.split(":")[0] for p in label_problems(reviewed, TAX, "corrected")] == \
        [f"corrected.{f}" for f in TAXONOMY_KINDS]
    config = labeling_config(TAX)
    assert [line.split('name="')[1].split('"')[0] for line in config.splitlines() if "<Choices " in line] == \
        list(LABEL_FIELDS)


def test_a_gold_row_round_trips_through_label_studio_predictions():
    gold, problems = parse_gold_row({"id": "1", "text": ITEM.text, **_labels(sentiment=-1, pain_points=[
        TAX.pain_point_ids()[0]])}, TAX, "g.jsonl:1")
    assert not problems and gold is not None
    record = build_record(ITEM, {**gold.labels(), "sentiment": -0.9}, MadeBy("rules", TAX.ref), confidence=0.5)
    results = {r["from_name"]: r["value"]["choices"] for r in prediction_results(record, ITEM.text)}
    assert results == {"stage": [gold.stage], "touchpoints": gold.touchpoints, "emotion": [gold.emotion],
                       "sentiment": ["-1"], "pain_points": gold.pain_points, "moment_of_truth": ["yes"]}


def _written_out(tree: ast.AST) -> list[int]:
    """Lines with a list, tuple or set of two or more label field names (and nothing else), or a string (a script)
    that lists them."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            if len(node.elts) >= 2 and all(e.value in LABEL_FIELDS for e in node.elts):
                lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and '"stage", "touchpoints"' in node.value:
            lines.append(node.lineno)
    return lines


def test_no_module_writes_the_label_fields_out_again():
    """A list of label field names anywhere but schema.py is a second declaration that a new field would miss."""
    found = [f"{path.relative_to(PACKAGE)}:{line}" for path in sorted(PACKAGE.rglob("*.py"))
             if path != PACKAGE / "schema.py" for line in _written_out(ast.parse(path.read_text(encoding="utf-8")))]
    assert not found, "label fields written out again (use schema.LABEL_FIELDS and friends): " + ", ".join(found)


def test_the_checker_finds_a_written_out_list_and_passes_a_single_name():
    tree = ast.parse('FIELDS = ("stage", "emotion")\nJS = \'var F = ["stage", "touchpoints"];\'\n'
                     'KINDS = ("stages", "touchpoints", "pain_points")\n')
    assert _written_out(tree) == [1, 2]
