"""Worked examples in the system message (`NAME.calibration.jsonl`, journey-batch.v15): written as the requests send
items and as the version's answers read, each one checked here the way a model's answer is checked."""

from __future__ import annotations

import json

import pytest

from extractor.extractors.llm.compact import _MARKS, mark_clauses
from extractor.extractors.llm.prompt import CALIBRATION, JourneyPrompt, prompts_dir
from extractor.extractors.rules import RulesExtractor
from extractor.privacy import mask_personal_data
from extractor.taxonomy import load_taxonomy

TAX = load_taxonomy(None)
VERSIONS = sorted(p.name[:-len(f".{CALIBRATION}")] for p in prompts_dir().glob(f"*.{CALIBRATION}"))


def test_a_version_ships_worked_examples():
    assert "journey-batch.v15" in VERSIONS


@pytest.mark.parametrize("version", VERSIONS)
def test_every_example_is_split_as_our_segmentation_splits_it_and_its_answer_passes_the_check(version):
    prompt = JourneyPrompt(TAX, version)
    rules = RulesExtractor(TAX)
    assert prompt.calibration, "the default taxonomy has every label the examples use"
    for example in prompt.calibration:
        text = _MARKS.sub("", example["text"])
        spans = rules.clause_spans(text, example["lang"])
        assert mark_clauses(text, spans) == example["text"]
        checked = prompt.check_item(1, {"id": 1, **example["answer"]}, mask_personal_data(text), spans)
        assert checked.answer is not None, checked.problems
        assert all(text[s:e] == q for (q, s, e) in checked.evidence)
        # shown as the requests send an item, then the answer without its id
        shown = (json.dumps({"text": example["text"]}, ensure_ascii=False, separators=(",", ":")) if prompt.lean_items
                 else json.dumps({"lang": example["lang"], "text": example["text"]}, ensure_ascii=False))
        assert shown + "\n" + json.dumps(example["answer"], ensure_ascii=False, separators=(",", ":")) in prompt.system
    langs = {e["lang"] for e in prompt.calibration}
    assert langs == {"en", "pl"}
    assert any(m["problem"] is None for e in prompt.calibration for m in e["answer"]["events"])  # praise: none


@pytest.mark.parametrize("version", ["journey-batch.v16", "journey-batch.v17"])
def test_the_examples_show_every_stage_emotion_and_problem_of_the_taxonomy(version):
    # a small model answers only the labels it has seen answered: v15's nine examples had no `delay`, and on the dev
    # gold Qwen2.5-Coder 1.5B then named it for none of 160 items (9 have it)
    prompt = JourneyPrompt(TAX, version)
    answers = [e["answer"] for e in prompt.calibration]
    assert {a["stage"] for a in answers} == set(TAX.stage_ids())
    assert {a["emotion"] for a in answers} == set(TAX.emotion_ids())
    assert {m["problem"] for a in answers for m in a["events"]} - {None} == set(TAX.pain_point_ids()) - {"other"}
    assert {a["sentiment"] for a in answers} == {-1, 0, 1} and any(a["moment_of_truth"] for a in answers)


def test_a_taxonomy_without_the_examples_labels_gets_the_prompt_without_them(mini_taxonomy_path):
    mini = load_taxonomy(mini_taxonomy_path)
    prompt = JourneyPrompt(mini, "journey-batch.v15")
    assert prompt.calibration == [] and "Worked examples" not in prompt.system and "$calibration" not in prompt.system


def test_versions_without_examples_render_as_before():
    for version in ("journey-batch.v1", "journey-batch.v11", "journey-batch.v14"):
        assert "Worked examples" not in JourneyPrompt(TAX, version).system


def test_the_default_prompt_speaks_of_the_default_stages_and_other_taxonomies_get_the_generic_one(mini_taxonomy_path):
    from extractor.extractors.llm.prompt import DEFAULT_PROMPT, GENERIC_PROMPT, default_prompt

    mini = load_taxonomy(mini_taxonomy_path)
    assert JourneyPrompt(TAX).name == default_prompt(TAX) == DEFAULT_PROMPT == "journey-batch.v16"
    assert JourneyPrompt(mini).name == default_prompt(mini) == GENERIC_PROMPT != DEFAULT_PROMPT
    assert all(stage in JourneyPrompt(TAX).system for stage in TAX.stage_ids())
    assert JourneyPrompt(mini, DEFAULT_PROMPT).calibration == []  # chosen anyway: without the examples


def test_a_lean_version_lists_every_label_id_and_sends_items_without_their_language():
    from extractor.extractors.llm.prompt import PromptItem

    lean, full = JourneyPrompt(TAX, "journey-batch.v17"), JourneyPrompt(TAX, "journey-batch.v16")
    for ids in (TAX.stage_ids(), TAX.touchpoint_ids(), TAX.emotion_ids(), TAX.pain_point_ids()):
        assert ", ".join(ids) in lean.system
    assert len(lean.system) < 0.7 * len(full.system)  # the definitions stay out; the worked examples stay in
    assert lean.calibration == full.calibration
    item = PromptItem(7, 'Great phone, but "slow" delivery.', "en", ((0, 12), (13, 33)))
    sent = lean.user([item])
    assert '{"items":[{"id":7,"text":"[1]Great phone, [2]but \\"slow\\" delivery."}]}' in sent
    assert '"lang"' not in sent and '"lang": "en"' in full.user([item])
    assert '"lang"' not in lean.repair(["item 7: no answer"], [item])


def test_the_definitions_placeholders_give_each_label_its_definition_without_its_name():
    v18 = JourneyPrompt(TAX, "journey-batch.v18")
    for label in [*TAX.stages, *TAX.touchpoints, *TAX.emotions, *TAX.pain_points]:
        assert f"- {label.id}: {label.text('definition', 'en')}\n" in v18.system + "\n"
    assert "- delay: Delay." not in v18.system and "- delay: Delay." in JourneyPrompt(TAX, "journey-batch.v16").system
