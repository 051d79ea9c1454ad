"""Labelled texts to learn from: gold, reviewed exports, records joined with their texts, and partial label files;
every line is either a labelled text or a skipped line named by file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.extractors import make_extractor
from extractor.labelling.labelled import LabelledError, read_labelled
from extractor.schema import FeedbackItem
from extractor.taxonomy import default_taxonomy

ROOT = Path(__file__).resolve().parent.parent
TAX = default_taxonomy()


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_gold_file_gives_every_field_of_every_item():
    gold = ROOT / "evals" / "gold" / "en.jsonl"
    found = read_labelled([gold], TAX)
    lines = sum(1 for line in gold.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(found.texts) == lines and not found.skipped
    assert all(found.per_field[name] == lines for name in ("stage", "touchpoints", "sentiment", "moment_of_truth"))
    assert sum(found.per_label["stage"].values()) == lines
    assert found.texts[0].origin == f"{gold}:1"


def test_a_partial_file_and_its_bad_lines_are_named(tmp_path):
    path = _write(tmp_path / "partial.jsonl", [
        {"text": "Great service, thanks!", "sentiment": 0.8},
        {"text": "Slow delivery.", "lang": "en", "sentiment": -1, "stage": TAX.stage_ids()[0]},
        {"text": "Odd.", "sentiment": 1.5},
        {"text": "Odd.", "stage": "no_such_stage"},
        {"text": "", "sentiment": 0},
        {"text": "No labels at all."},
        "not json",
        [1, 2],
    ])
    found = read_labelled([path], TAX)
    assert [t.labels for t in found.texts] == [{"sentiment": 0.8}, {"stage": TAX.stage_ids()[0], "sentiment": -1}]
    assert dict(found.per_field) == {"sentiment": 2, "stage": 1}
    reasons = {s.line: s.reason for s in found.skipped}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "less than or equal to 1" in reasons[3] and "'no_such_stage' not in the taxonomy" in reasons[4]
    assert "no 'text'" in reasons[5] and "no label field" in reasons[6] and "not a JSON line" in reasons[7]


def test_records_are_learned_from_with_the_texts_they_were_made_from(tmp_path):
    items = [FeedbackItem(item_id=f"t{n}", text=text, lang="en", source="ticket")
             for n, text in enumerate(["The parcel never arrived.", "Refund came fast, thank you."])]
    rules = make_extractor("rules", TAX)
    records = _write(tmp_path / "records.jsonl", [json.loads(rules.record_json(item)) for item in items])
    found = read_labelled([records], TAX, texts={item.item_id: item.text for item in items})
    assert [t.text for t in found.texts] == [item.text for item in items]
    assert found.texts[0].labels["stage"] == json.loads(rules.record_json(items[0]))["stage"]
    without = read_labelled([records], TAX, texts={"t0": items[0].text})
    assert len(without.texts) == 1 and "without its text" in without.skipped[0].reason


def test_nothing_usable_or_no_file_is_a_clear_error(tmp_path):
    with pytest.raises(LabelledError, match="no such labelled file"):
        read_labelled([tmp_path / "missing.jsonl"], TAX)
    with pytest.raises(LabelledError, match="no line with a usable label.*no label field"):
        read_labelled([_write(tmp_path / "empty.jsonl", [{"text": "x"}])], TAX)


def test_llm_records_that_fell_back_to_the_rules_are_not_learned_from(tmp_path):
    items = [FeedbackItem(item_id=f"t{n}", text=text, lang="en", source="ticket")
             for n, text in enumerate(["The parcel never arrived.", "Refund came fast, thank you."])]
    rules = make_extractor("rules", TAX)
    rows = [json.loads(rules.record_json(item)) for item in items]
    rows[0].update(extractor="llm", llm={"outcome": "answered", "problems": []})
    rows[1].update(llm={"outcome": "fallback", "problems": ["stage: not in the taxonomy"]})
    found = read_labelled([_write(tmp_path / "llm.jsonl", rows)], TAX, texts={i.item_id: i.text for i in items})
    assert [t.text for t in found.texts] == [items[0].text]
    assert found.skipped[0].line == 2 and "fallback" in found.skipped[0].reason
