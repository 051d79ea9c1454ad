"""Taxonomy loading and validation, the default taxonomy against TAXONOMY.md, and a user's domain taxonomy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from extractor.errors import TaxonomyError
from extractor.schema import SOURCES
from extractor.taxonomy import CueWord, cue_problems, default_taxonomy, load_taxonomy, parse_cue

from .conftest import ROOT, SHARED, run_journey

AIRLINE = ROOT / "corpora" / "taxonomies" / "airline.json"


def taxonomy_md_ids() -> dict[str, list[tuple[str, str]]]:
    """(id, Polish name) rows of each table in ../shared/TAXONOMY.md."""
    text = (SHARED / "TAXONOMY.md").read_text(encoding="utf-8")
    sections = {"stages": "## Stages", "touchpoints": "## Touchpoints", "emotions": "## Emotions",
                "pain_points": "## Pain points"}
    out = {}
    for kind, heading in sections.items():
        body = text.split(heading, 1)[1].split("\n## ", 1)[0]
        out[kind] = re.findall(r"^\| `([a-z_]+)` \| ([^|]+?) \|", body, flags=re.M)
    return out


def test_default_taxonomy_matches_the_guideline():
    if not (SHARED / "TAXONOMY.md").exists():
        pytest.skip("../shared/TAXONOMY.md is not beside the project")
    tax = default_taxonomy()
    for kind, rows in taxonomy_md_ids().items():
        labels = getattr(tax, kind)
        assert [label.id for label in labels] == [i for i, _ in rows], kind
        for label, (_, pl) in zip(labels, rows):
            assert label.name["pl"].casefold() == pl.strip().casefold(), (kind, label.id)
            assert label.definition.get("en") and label.definition.get("pl"), (kind, label.id)
            assert label.cues.get("en") and label.cues.get("pl") or label.id == tax.default_stage, (kind, label.id)
    assert tax.ref == "default@1"


def write(tmp_path: Path, data: object, name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def broken_copy() -> dict:
    data = json.loads(json.dumps(default_taxonomy().model_dump(mode="json")))
    data["default_stage"] = "nowhere"
    data["touchpoints"][1]["id"] = data["touchpoints"][0]["id"]
    data["pain_points"][0]["cues"]["en"].append("ab*")
    data["pain_points"][0]["emotion"] = "glee"
    return data


def test_validation_lists_every_problem_with_its_place(tmp_path):
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(write(tmp_path, broken_copy()))
    text = str(err.value)
    assert "default_stage: 'nowhere' is not one of the stage ids" in text
    assert "touchpoints: duplicate id" in text
    assert "'ab*': a stem needs at least 3 letters" in text
    assert "emotion: 'glee'" in text
    assert len(err.value.problems) == 4


def test_a_cue_string_parses_into_words_exact_or_stems():
    cue = parse_cue("  Obsług*  KLIENTA ")
    assert cue.text == "  Obsług*  KLIENTA "
    assert cue.words == (CueWord("Obsług", "obslug", True), CueWord("KLIENTA", "klienta", False))
    assert parse_cue("can't log in").words[0] == CueWord("can't", "can't", False)  # the matcher tokenises it
    assert parse_cue("don’t").words[0].folded == "don't"  # typographic quotes folded like the texts'
    assert parse_cue("   ").words == ()


def test_cue_problems_name_the_broken_syntax():
    assert cue_problems("paczk* nie dotar*") == []
    assert cue_problems(" ") == ["empty cue"]
    assert cue_problems("ab* x") == ["'ab* x': a stem needs at least 3 letters before '*'"]
    assert cue_problems("de*lay") == ["'de*lay': '*' may only end a word"]
    assert cue_problems("*") == ["'*': a stem needs at least 3 letters before '*'"]


def test_validation_of_json_and_schema_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"taxonomy_id": "x",\n "version": }', encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"line 2, column 13: invalid JSON"):
        load_taxonomy(bad)
    with pytest.raises(TaxonomyError, match="file not found"):
        load_taxonomy(tmp_path / "missing.json")
    with pytest.raises(TaxonomyError, match=r"stages: Field required"):
        load_taxonomy(write(tmp_path, {"taxonomy_id": "x", "version": 1, "languages": ["en"], "default_stage": "a",
                                       "default_emotion": "n", "touchpoints": [], "emotions": []}))


def test_cli_validate_and_show(tmp_path):
    ok = run_journey("taxonomy", "validate", str(write(tmp_path, default_taxonomy().model_dump(mode="json"))))
    assert ok.returncode == 0 and "valid taxonomy default@1" in ok.stdout
    bad = run_journey("taxonomy", "validate", str(write(tmp_path, broken_copy(), "bad.json")))
    assert bad.returncode == 2 and bad.stderr.startswith("Error:") and "Traceback" not in bad.stderr
    assert "default_stage" in bad.stderr
    shown = run_journey("taxonomy", "show", "--lang", "pl")
    assert shown.returncode == 0 and "Świadomość" in shown.stdout and "Punkty" not in shown.stderr
    dumped = run_journey("taxonomy", "show", "--json")
    assert json.loads(dumped.stdout)["taxonomy_id"] == "default"


def test_airline_taxonomy_is_valid_and_drives_extraction(tmp_path):
    tax = load_taxonomy(AIRLINE)
    assert tax.taxonomy_id == "airline"
    records_path = tmp_path / "airline.jsonl"
    result = run_journey("extract", str(ROOT / "corpora" / "airline_feedback.jsonl"), "--taxonomy", str(AIRLINE),
                         "--out", str(records_path))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in records_path.read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 30
    ids = {"stage": set(tax.stage_ids()), "emotion": set(tax.emotion_ids())}
    for r in records:
        assert r["taxonomy_id"] == "airline@1"
        assert r["stage"] in ids["stage"] and r["emotion"] in ids["emotion"]
        assert set(r["touchpoints"]) <= set(tax.touchpoint_ids())
        assert set(r["pain_points"]) <= set(tax.pain_point_ids())
    found = {p for r in records for p in r["pain_points"]}
    assert len(found) >= 5, found  # the domain's own pain points are really found
    assert len({r["stage"] for r in records}) >= 3


def test_no_label_id_is_hard_coded_outside_the_taxonomy_file():
    tax = default_taxonomy()
    ids = set(tax.stage_ids() + tax.touchpoint_ids() + tax.emotion_ids() + tax.pain_point_ids()) - set(SOURCES)
    offenders = []
    for path in (ROOT / "extractor").rglob("*.py"):
        if "ingest" in path.parts:  # input readers map source-column synonyms ("email" -> ticket), not labels
            continue
        text = path.read_text(encoding="utf-8")
        for label_id in ids:
            if re.search(rf"""["']{label_id}["']""", text):
                offenders.append(f"{path.relative_to(ROOT)}: {label_id}")
    assert not offenders, offenders


def test_the_goal_a_records_labels_imply():
    tax = default_taxonomy()
    delivery = {"touchpoint": "delivery", "pain_point": "delay"}
    praise = {"touchpoint": "website", "pain_point": None}
    # the touchpoint of the first moment with a problem, in the item's language
    assert tax.goal_of([praise, delivery], "experience", "pl") == tax.label("touchpoints", "delivery").goal["pl"]
    assert tax.goal_of([praise], "experience", "en") == tax.label("touchpoints", "website").goal["en"]
    # no touchpoint: the stage's; a language the label lacks: English
    assert tax.goal_of([{"touchpoint": None, "pain_point": None}], "loyalty", "de") == \
        tax.label("stages", "loyalty").goal["en"]
    assert tax.goal_of([], "awareness", None) == tax.label("stages", "awareness").goal["en"]
