"""Calibration of learned confidences: the ECE and reliability maths, the `calibration` section of `journey eval`
(built from records files written here, as the learned extractor writes them) and its gates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.evaluation.calibration import (
    RECORD,
    calibration_of,
    expected_calibration_error,
    learned_calibration,
    reliability_table,
)
from extractor.evaluation.gates import GateSpecError, check, parse_maximums
from extractor.evaluation.report import evaluate
from extractor.evaluation.score import label_right, wrong_fields
from extractor.labelling.gold import read_gold
from extractor.taxonomy import default_taxonomy

from .conftest import run_journey
from .test_eval import row, write


# -- the maths, on cases computed by hand ----------------------------------------------------------------------

def test_ece_weights_each_bin_gap_by_its_items():
    # bin 0.9-1.0: 4 items, mean confidence 0.9, 3 right (0.75): gap 0.15 x 4 = 0.6
    # bin 0.2-0.3: 2 items, mean confidence 0.2, 1 right (0.5): gap 0.3 x 2 = 0.6  -> ECE 1.2 / 6 = 0.2
    confidence = [0.9, 0.9, 0.9, 0.9, 0.2, 0.2]
    correct = [1, 1, 1, 0, 0, 1]
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.2)
    assert reliability_table(confidence, correct) == [
        {"bin": "0.2-0.3", "items": 2, "confidence": 0.2, "accuracy": 0.5},
        {"bin": "0.9-1.0", "items": 4, "confidence": 0.9, "accuracy": 0.75}]


def test_ece_is_zero_when_confidence_matches_the_share_right_and_one_when_always_wrong_and_sure():
    assert expected_calibration_error([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == pytest.approx(0.0)
    assert expected_calibration_error([1.0, 1.0], [0, 0]) == pytest.approx(1.0)
    assert expected_calibration_error([0.6, 0.6], [0.5, 0.7]) == pytest.approx(0.0)  # shares right, not only 1/0
    assert expected_calibration_error([], []) == 0.0


def test_bins_cover_both_ends_and_a_bin_gap_does_not_cancel_another():
    # 0.0 falls in the first bin, 0.1 in the second and 1.0 in the last: gaps 1.0, 0.1 and 0.5 x 2 over 4 items
    confidence = [0.0, 0.1, 1.0, 1.0]
    correct = [1, 0, 1, 0]
    rows = reliability_table(confidence, correct)
    assert [r["bin"] for r in rows] == ["0.0-0.1", "0.1-0.2", "0.9-1.0"]
    assert expected_calibration_error(confidence, correct) == pytest.approx((1.0 + 0.1 + 2 * 0.5) / 4)
    # under-confidence in one bin and over-confidence in another do not cancel out
    assert expected_calibration_error([0.05, 0.05, 0.95, 0.95], [1, 0, 1, 0]) == pytest.approx(0.45)
    assert len(reliability_table(confidence, correct, bins=2)) == 2
    with pytest.raises(ValueError):
        expected_calibration_error([0.5], [1, 0])


def test_calibration_of_gives_items_means_ece_and_the_table():
    out = calibration_of([0.8, 0.8, 0.4, 0.4], [1, 1, 1, 0])
    assert out["items"] == 4 and out["confidence"] == pytest.approx(0.6) and out["accuracy"] == pytest.approx(0.75)
    assert out["ece"] == pytest.approx((2 * 0.2 + 2 * 0.1) / 4)
    assert [r["items"] for r in out["reliability"]] == [2, 2]


# -- which labels are right, as the report's scores judge them -------------------------------------------------

def test_a_label_is_right_as_the_scores_judge_it():
    gold = {"stage": "experience", "touchpoints": ["delivery", "phone"], "emotion": "anger", "sentiment": -1,
            "pain_points": [], "moment_of_truth": True}
    record = dict(gold, touchpoints=["phone", "delivery"], sentiment=-0.6, moment_of_truth=1)
    assert all(label_right(f, gold, record) for f in gold) and wrong_fields(gold, record) == []
    record = dict(record, stage="decision", sentiment=-0.2, touchpoints=["phone"], moment_of_truth=False)
    assert wrong_fields(gold, record) == ["stage", "sentiment", "touchpoints", "moment_of_truth"]
    with pytest.raises(ValueError, match="not a label field"):
        label_right("confidence", gold, record)


# -- the report's section ---------------------------------------------------------------------------------------

@pytest.fixture
def gold_file(tmp_path) -> Path:
    return write(tmp_path / "gold.jsonl", [
        row(1, "The parcel came late and nobody answered.", touchpoints=["delivery", "phone"], emotion="frustration",
            sentiment=-1, pain_points=["delay"]),
        row(2, "Great headphones, will buy again!", stage="loyalty", touchpoints=["product"], emotion="delight",
            sentiment=1),
        row(3, "Kurier zgubił paczkę.", lang="pl", touchpoints=["delivery"], emotion="frustration", sentiment=-1),
        row(4, "It works.", sentiment=0),
    ])


def learned_records(gold) -> list[dict]:
    """Records as the learned extractor writes them: items 1-3 with learned stage and sentiment (item 2's stage
    wrong, item 3's sentiment wrong by polarity though its sign is right), item 4 a rules record."""
    records = [dict(g.labels(), item_id=g.id, lang=g.lang, source=g.source, events=[], extractor="learned",
                    model="m-test", taxonomy_id=default_taxonomy().ref) for g in gold]
    records[0].update(sentiment=-0.8, touchpoints=["phone", "delivery"])  # a list in another order is right
    records[1].update(stage="experience", sentiment=0.7)
    records[2].update(sentiment=-0.1)
    confidences = [{"stage": 0.9, "sentiment": 0.7}, {"stage": 0.6, "sentiment": 0.9}, {"stage": 0.8, "sentiment": 0.5}]
    for record, fields in zip(records, confidences):
        record["learned"] = {"model": "m-test", "fields": fields}
        record["confidence"] = round(sum(fields.values()) / len(fields), 3)
    records[3].update(extractor="rules", model=None, confidence=0.5, learned=None)
    return records


def test_the_section_scores_each_learned_field_and_the_record_confidence(gold_file):
    gold = read_gold([gold_file], default_taxonomy())
    section = learned_calibration([g.labels() for g in gold], learned_records(gold))
    assert section is not None and section["model"] == "m-test"
    assert list(section) == ["model", "stage", "sentiment", RECORD]  # only learned fields, in label order
    stage, sentiment, record = section["stage"], section["sentiment"], section[RECORD]
    assert stage["items"] == sentiment["items"] == record["items"] == 3  # the rules record is not in it
    assert stage["accuracy"] == sentiment["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    # stage: 0.9 right, 0.6 wrong, 0.8 right: one item per bin; gaps 0.1, 0.6, 0.2
    assert stage["ece"] == pytest.approx((0.1 + 0.6 + 0.2) / 3, abs=1e-4)
    assert [(r["bin"], r["accuracy"]) for r in stage["reliability"]] == [
        ("0.6-0.7", 0.0), ("0.8-0.9", 1.0), ("0.9-1.0", 1.0)]
    # records: confidence 0.8 (both right), 0.75 (half right), 0.65 (half right): bins 0.8, 0.7, 0.6
    assert record["confidence"] == pytest.approx((0.8 + 0.75 + 0.65) / 3, abs=1e-4)
    assert record["ece"] == pytest.approx((0.2 + 0.25 + 0.15) / 3, abs=1e-4)


def test_a_report_of_records_without_learned_has_no_section(gold_file):
    gold = read_gold([gold_file], default_taxonomy())
    records = learned_records(gold)
    assert "calibration" in evaluate(gold, records, "learned")
    plain = [dict(r, learned=None) for r in records]
    assert "calibration" not in evaluate(gold, plain, "rules")
    assert learned_calibration([g.labels() for g in gold], plain) is None
    several = [dict(r, learned=dict(r["learned"], model=f"m{i % 2}")) if r["learned"] else r
               for i, r in enumerate(records)]
    assert learned_calibration([g.labels() for g in gold], several)["model"] == ["m0", "m1"]


def test_gates_take_the_calibration_error_as_a_maximum(gold_file):
    gold = read_gold([gold_file], default_taxonomy())
    report = evaluate(gold, learned_records(gold), "learned")
    maxima = parse_maximums(["calibration.stage.ece=0.05", f"calibration.{RECORD}.ece=0.5"])
    failures, _ = check(report, {}, maximums=maxima)
    assert [f.figure for f in failures] == ["calibration.stage.ece"] and "above the maximum" in failures[0].reason
    failures, _ = check(report, {}, maximums=parse_maximums(["calibration.emotion.ece=0.05"]))
    assert "not in this report" in failures[0].reason  # the model did not learn emotion
    with pytest.raises(GateSpecError, match="calibration.stage.ece"):
        parse_maximums(["calibration.colour.ece=0.1"])


def test_eval_of_a_learned_records_file_prints_and_writes_the_section(gold_file, tmp_path):
    gold = read_gold([gold_file], default_taxonomy())
    records = write(tmp_path / "records.jsonl", learned_records(gold))
    out = tmp_path / "report.json"
    done = run_journey("eval", str(gold_file), "--records", str(records), "--json", str(out), "--misses", "0",
                       "--max", "calibration.stage.ece=0.05")
    assert done.returncode == 1, done.stderr  # the stage's ECE is 0.3
    assert "Calibration of the learned model m-test" in done.stdout and "record confidence" in done.stdout
    assert "calibration.stage.ece = 0.300: above the maximum 0.050" in done.stderr
    report = json.loads(out.read_text())
    assert report["calibration"]["stage"]["ece"] == pytest.approx(0.3, abs=1e-4)

    plain = write(tmp_path / "plain.jsonl", [dict(r, learned=None) for r in learned_records(gold)])
    done = run_journey("eval", str(gold_file), "--records", str(plain), "--json", str(out), "--misses", "0")
    assert done.returncode == 0, done.stderr
    assert "alibration" not in done.stdout and "calibration" not in json.loads(out.read_text())
