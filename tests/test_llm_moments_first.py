"""Prompts journey-batch.v5 to v14: journey-batch.v4's named clauses with the item's fields in another order, so a
small model under a grammar labels the stage after it has said where the item's point is. v5: the moment first, its
problems as a list, then stage, emotion, sentiment, moment of truth. v6: emotion, sentiment and moment of truth,
then the moment, the stage last, each stage said in the stage field's own line. v7-v9: v6's lines in other orders;
v8: emotion, sentiment, stage, moment of truth, moment; v10 and v11: v8 with a stricter moment-of-truth line; v12:
v11 with a list of problems a moment, as v5; v13: v11 with a plainer clause example and product as the touchpoint
for the product itself; v14: v13 with up to two moments, a second only for another problem."""

from __future__ import annotations

import json

import pytest

from extractor.extractors.llm.client import request_params
from extractor.extractors.llm.compact import MOMENT_PROBLEMS
from extractor.extractors.llm.grammar import with_ids
from extractor.extractors.llm.prompt import ANSWER_FORMATS, FIELD_ORDERS, JourneyPrompt
from extractor.extractors.llm.provider import KNOWN
from extractor.extractors.llm.settings import LLMSettings
from extractor.extractors.rules.extractor import RulesExtractor
from extractor.privacy import mask_personal_data
from extractor.taxonomy import load_taxonomy

from .test_llm_compact import TICKETS, answered_by, tickets_file
from .test_llm_grammar import as_regex

TAX = load_taxonomy(None)
V5 = "journey-batch.v5"
V6 = "journey-batch.v6"
TEXT = "The parcel was late, and the courier was rude. I wanted a refund."


def checked(entry: dict, text: str = TEXT, lenient: bool = False, version: str = V5):
    masked = mask_personal_data(text)
    spans = RulesExtractor(TAX).clause_spans(masked.text, "en")
    return JourneyPrompt(TAX, version).check_item(1, entry, masked, spans, lenient)


def entry(**changes) -> dict:
    base = {"id": 1, "events": [{"clause": 1, "touchpoint": "delivery", "problems": ["delay", "customer_service"]}],
            "stage": "experience", "emotion": "frustration", "sentiment": -1, "moment_of_truth": False}
    return {**base, **changes}


def test_the_moment_comes_before_the_items_labels_in_the_schema_and_the_prompt():
    prompt = JourneyPrompt(TAX, V5)
    item = prompt.item_model.model_json_schema()
    assert list(item["properties"])[:3] == ["id", "events", "stage"]
    system = prompt.system
    assert system.index("- events:") < system.index("- stage:") < system.index("- emotion:")
    assert "Problems (problems):" in system and prompt.prompt_id.startswith(V5 + "@")


def test_a_moments_problems_become_events_that_share_its_clause():
    done = checked(entry())
    assert done.problems == [] and done.answer is not None
    answer = done.answer
    assert answer["pain_points"] == ["delay", "customer_service"] and answer["touchpoints"] == ["delivery"]
    assert [(e["touchpoint"], e["pain_point"]) for e in answer["events"]] == [("delivery", "delay"),
                                                                            ("delivery", "customer_service")]
    assert [TEXT[a:b] for _, a, b in done.evidence] == ["The parcel was late"] * 2
    assert done.raw == entry()
    praise = checked(entry(events=[{"clause": 2, "touchpoint": "delivery", "problems": []}], sentiment=1))
    assert [e["pain_point"] for e in praise.answer["events"]] == [None] and praise.answer["pain_points"] == []
    twice = checked(entry(events=[{"clause": 1, "touchpoint": None, "problems": ["delay", "delay"]}]))
    assert twice.answer["pain_points"] == ["delay"] and len(twice.answer["events"]) == 1


def test_v5_answers_are_refused_in_v4s_shape_and_out_of_the_taxonomy():
    v4_shape = checked(entry(events=[{"clause": 1, "touchpoint": "delivery", "problem": "delay"}]))
    assert v4_shape.answer is None and any("events.0.problems" in p for p in v4_shape.problems)
    unknown = checked(entry(events=[{"clause": 1, "touchpoint": None, "problems": ["late_parcel"]}]))
    assert unknown.answer is None
    wrong = checked(entry(events=[{"clause": 9, "touchpoint": None, "problems": []}]))
    assert wrong.problems == ["item 1: events: there is no clause 9 (the item has 3 clauses: 1 to 3)"]


def test_llama_cpp_grammar_holds_the_order_one_moment_and_at_most_two_problems():
    prompt = JourneyPrompt(TAX, V5)
    params = request_params(LLMSettings(model="qwen"), KNOWN["llamacpp"], prompt.schema, 500, 0.0, [3, 7], [3, 1])
    pattern = as_regex(params["grammar"])
    one = {k: v for k, v in entry().items() if k != "id"}
    other = dict(one, events=[{"clause": 1, "touchpoint": None, "problems": []}])
    assert pattern.fullmatch(json.dumps([one, other], separators=(",", ":")))
    stage_first = {"stage": "experience", **{k: v for k, v in one.items() if k != "stage"}}
    assert not pattern.fullmatch(json.dumps([stage_first, other], separators=(",", ":")))
    many = dict(one, events=[{"clause": 1, "touchpoint": None,
                              "problems": ["delay", "price", "other"][:MOMENT_PROBLEMS + 1]}])
    assert not pattern.fullmatch(json.dumps([many, other], separators=(",", ":")))
    two = dict(one, events=one["events"] * 2)
    assert not pattern.fullmatch(json.dumps([two, other], separators=(",", ":")))
    read = json.loads(with_ids(json.dumps([one, other], separators=(",", ":")), [3, 7]))
    prompt.answer_model.model_validate(read)


def test_llama_cpp_grammar_holds_v14_to_two_moments_and_v13_to_one():
    labels = {"emotion": "frustration", "sentiment": -1, "stage": "experience", "moment_of_truth": False}
    moment = {"clause": 1, "touchpoint": "delivery", "problem": "delay"}
    for version, most in (("journey-batch.v13", 1), ("journey-batch.v14", 2)):
        schema = JourneyPrompt(TAX, version).schema
        pattern = as_regex(request_params(LLMSettings(model="qwen"), KNOWN["llamacpp"], schema, 500, 0.0, [3],
                                          [3])["grammar"])
        for count in (1, 2, 3):
            answer = json.dumps([{**labels, "events": [moment] * count}], separators=(",", ":"))
            assert bool(pattern.fullmatch(answer)) == (count <= most), (version, count)


def test_hosted_servers_get_no_bounds_and_validation_takes_more_moments_and_problems():
    prompt = JourneyPrompt(TAX, V5)
    sent = request_params(LLMSettings(model="gpt-4o-mini"), KNOWN["openai"], prompt.schema, 500, 0.0)
    schema = json.dumps(sent["response_format"]["json_schema"]["schema"])
    assert "maxItems" not in schema and "minItems" not in schema
    many = [{"clause": n, "touchpoint": touchpoint, "problems": ["delay", "price", "other"]}
            for n, touchpoint in ((1, None), (2, "delivery"))]
    done = checked(entry(events=many))
    assert done.answer is not None and done.answer["pain_points"] == ["delay", "price", "other"]
    assert len(done.answer["events"]) == 6


def test_a_later_moment_with_no_label_the_ones_before_it_lack_is_left_out():
    entry = {"id": 1, "emotion": "frustration", "sentiment": -1, "stage": "experience", "moment_of_truth": False}
    first = {"clause": 1, "touchpoint": "delivery", "problem": "delay"}
    for again in ({"clause": 2, "touchpoint": "delivery", "problem": "delay"},
                  {"clause": 2, "touchpoint": None, "problem": "delay"},
                  {"clause": 3, "touchpoint": None, "problem": None}):
        done = checked({**entry, "events": [first, again]}, version="journey-batch.v14")
        assert done.answer is not None and [e["quote"] for e in done.answer["events"]] == ["The parcel was late"]
    new = {"clause": 2, "touchpoint": None, "problem": "customer_service"}
    done = checked({**entry, "events": [first, new]}, version="journey-batch.v14")
    assert done.answer is not None and done.answer["pain_points"] == ["delay", "customer_service"]
    assert [e["quote"] for e in done.answer["events"]] == ["The parcel was late", "and the courier was rude"]


@pytest.mark.parametrize("version", [V5, V6, "journey-batch.v8", "journey-batch.v12", "journey-batch.v14"])
def test_end_to_end_grounded_in_fewer_answer_tokens_than_v1(base, tmp_path, monkeypatch, version):
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("JOURNEY_STORE", str(tmp_path / "no-store"))
    texts = TICKETS * 3
    src = tickets_file(tmp_path, texts)
    answer_tokens = answered_by(base, tmp_path, src, len(texts), ("journey-batch.v1", version))
    originals = {f"t{n}": t + f" ({n})" for n, t in enumerate(texts)}
    records = [json.loads(line) for line in (tmp_path / f"{version}.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(texts) and sum(len(r["touchpoints"]) for r in records) >= 6
    for r in records:
        assert r["prompt_id"].startswith(version + "@") and r["events"]
        assert all(e["stage"] == r["stage"] for e in r["events"])
        for e in r["events"]:
            ev = e["evidence"]
            assert originals[r["item_id"]][ev["start"]:ev["end"]] == ev["quote"]
    assert answer_tokens[version] < answer_tokens["journey-batch.v1"] * 0.6, answer_tokens


def test_v6_asks_the_stage_last_and_says_each_stage_where_it_asks():
    prompt = JourneyPrompt(TAX, V6)
    assert list(prompt.item_model.model_json_schema()["properties"]) == [
        "id", "emotion", "sentiment", "moment_of_truth", "events", "stage"]
    system = prompt.system
    assert system.index("- emotion:") < system.index("- events:") < system.index("- stage:")
    stage_line = system[system.index("- stage:"):].split("\n", 1)[0]
    for stage in TAX.stage_ids():
        assert stage in stage_line
    masked = mask_personal_data(TEXT)
    spans = RulesExtractor(TAX).clause_spans(masked.text, "en")
    done = prompt.check_item(1, {"id": 1, "emotion": "anger", "sentiment": -1, "moment_of_truth": True,
                                 "events": [{"clause": 2, "touchpoint": "delivery", "problem": "customer_service"}],
                                 "stage": "experience"}, masked, spans)
    assert done.problems == [] and done.answer["stage"] == "experience"
    assert [TEXT[a:b] for _, a, b in done.evidence] == ["and the courier was rude"]
    assert done.answer["pain_points"] == ["customer_service"] and done.answer["moment_of_truth"] is True


@pytest.mark.parametrize("version", [v for v, answer in ANSWER_FORMATS.items() if answer in FIELD_ORDERS])
def test_the_prompt_lists_the_fields_in_the_order_the_grammar_writes_them(version):
    prompt = JourneyPrompt(TAX, version)
    fields = [f for f in prompt.item_model.model_json_schema()["properties"] if f != "id"]
    lines = [line[2:].split(":", 1)[0] for line in prompt.system.splitlines() if line.startswith("- ")
             and line[2:].split(":", 1)[0] in fields]
    assert lines == fields
    params = request_params(LLMSettings(model="qwen"), KNOWN["llamacpp"], prompt.schema, 500, 0.0, [1], [2])
    grammar = params["grammar"]
    tail = next(line for line in grammar.splitlines() if line.startswith("item-tail"))
    assert [tail.index(f'\\"{f}\\"') for f in fields] == sorted(tail.index(f'\\"{f}\\"') for f in fields)
