"""Prompt journey-batch.v4: the clauses format with the labels written as the taxonomy's ids and the answer's keys as
words; the item's stage given once, its moments without one (they take the item's); at least one moment, and one
only where the server takes list bounds; no goal clause (the record's goal is the one its labels imply)."""

from __future__ import annotations

import json

from extractor.extractors.llm.client import request_params
from extractor.extractors.llm.grammar import with_ids
from extractor.extractors.llm.prompt import JourneyPrompt
from extractor.extractors.llm.provider import KNOWN
from extractor.extractors.llm.settings import LLMSettings
from extractor.extractors.rules.extractor import RulesExtractor
from extractor.privacy import mask_personal_data
from extractor.taxonomy import load_taxonomy

from .test_llm_compact import TICKETS, answered_by, tickets_file
from .test_llm_grammar import as_regex

TAX = load_taxonomy(None)
V4 = "journey-batch.v4"
TEXT = "The parcel was late, and the courier was rude. I wanted a refund."


def checked(entry: dict, text: str = TEXT, lenient: bool = False):
    masked = mask_personal_data(text)
    spans = RulesExtractor(TAX).clause_spans(masked.text, "en")
    return JourneyPrompt(TAX, V4).check_item(1, entry, masked, spans, lenient)


def entry(**changes) -> dict:
    base = {"id": 1, "stage": "experience", "emotion": "frustration", "sentiment": -1, "moment_of_truth": True,
            "events": [{"clause": 1, "touchpoint": "delivery", "problem": "delay"},
                                  {"clause": "courier was rude", "touchpoint": None, "problem": "customer_service"}]}
    return {**base, **changes}


def test_labels_are_the_taxonomys_ids_and_moments_take_the_items_stage():
    done = checked(entry())
    assert done.problems == [] and done.answer is not None
    answer = done.answer
    assert answer["stage"] == "experience" and [e["stage"] for e in answer["events"]] == ["experience"] * 2
    assert answer["touchpoints"] == ["delivery"] and answer["pain_points"] == ["delay", "customer_service"]
    assert answer["emotion"] == "frustration" and answer["sentiment"] == -1.0 and answer["moment_of_truth"] is True
    assert answer["customer_goal"] is None  # the extractor's record takes the goal its labels imply
    assert [q for q, _, _ in done.evidence] == ["The parcel was late", "courier was rude"]
    assert [TEXT[a:b] for _, a, b in done.evidence] == ["The parcel was late", "courier was rude"]
    assert done.raw == entry()  # what the cache keeps is the answer as written, which checks again the same way


def test_short_keys_and_moments_with_a_stage_are_refused_in_the_words_of_this_format():
    short = checked({"id": 1, "s": "ex", "e": "fr", "v": -1, "m": False, "g": None,
                     "ev": [{"c": 1, "s": "ex", "t": "de", "p": None}]})
    assert short.answer is None and any("item 1: stage" in p for p in short.problems)
    staged = checked(entry(events=[{"clause": 1, "stage": "experience", "touchpoint": None, "problem": None}]))
    assert staged.answer is None and any("events.0.stage" in p for p in staged.problems)
    none = checked(entry(events=[]))
    assert none.answer is None and any("item 1: events" in p and "at least 1" in p for p in none.problems)
    wrong = checked(entry(events=[{"clause": 7, "touchpoint": None, "problem": None}]))
    assert wrong.answer is None
    assert wrong.problems == ["item 1: events: there is no clause 7 (the item has 3 clauses: 1 to 3)"]
    goal = checked(entry(goal=3))
    assert goal.answer is None and any("item 1: goal" in p for p in goal.problems)


def test_a_repair_drops_a_moment_without_evidence_and_keeps_the_answer_as_written():
    answer = entry(events=[{"clause": 7, "touchpoint": None, "problem": "delay"},
                                      {"clause": 2, "touchpoint": "delivery", "problem": None}])
    done = checked(answer, lenient=True)
    assert done.answer is not None and done.answer["pain_points"] == [] and done.answer["touchpoints"] == ["delivery"]
    assert done.problems == ["dropped, its evidence is not in the text: there is no clause 7 (the item has 3 "
                             "clauses: 1 to 3)"]
    assert done.raw == dict(answer, events=answer["events"][1:])
    assert checked(done.raw).answer == done.answer


def test_llama_cpp_answers_v4_without_ids_and_the_client_puts_them_back():
    prompt = JourneyPrompt(TAX, V4)
    params = request_params(LLMSettings(model="qwen"), KNOWN["llamacpp"], prompt.schema, 500, 0.0, [3, 7], [3, 1])
    pattern = as_regex(params["grammar"])
    one = {k: v for k, v in entry().items() if k != "id"}
    one["events"] = one["events"][:1]
    answer = json.dumps([one, dict(one, moment_of_truth=False)], separators=(",", ":"))
    assert pattern.fullmatch(answer)
    assert not pattern.fullmatch(json.dumps([dict(one, events=[]), one], separators=(",", ":")))
    two = dict(one, events=[one["events"][0], dict(one["events"][0], clause=2, problem=None)])
    assert not pattern.fullmatch(json.dumps([two, one], separators=(",", ":")))  # one moment where bounds are taken
    second = dict(one["events"][0], clause=2)
    assert not pattern.fullmatch(json.dumps([one, dict(one, events=[second])], separators=(",", ":")))  # 1 clause
    read = json.loads(with_ids(answer, [3, 7]))
    assert [i["id"] for i in read["items"]] == [3, 7]
    prompt.answer_model.model_validate(read)


def test_servers_that_refuse_list_bounds_get_none_and_validation_takes_more_moments():
    prompt = JourneyPrompt(TAX, V4)
    sent = request_params(LLMSettings(model="gpt-4o-mini"), KNOWN["openai"], prompt.schema, 500, 0.0)
    schema = json.dumps(sent["response_format"]["json_schema"]["schema"])
    assert "maxItems" not in schema and "minItems" not in schema and '"goal"' not in schema
    many = [{"clause": n, "touchpoint": None, "problem": None} for n in (1, 2, 3)]
    assert checked(entry(events=many)).answer is not None  # a strong model's third moment is kept


def test_the_prompt_names_the_ids_and_the_keys_it_asks_for():
    prompt = JourneyPrompt(TAX, V4)
    for line in ("Stages (stage):", "Touchpoints (touchpoint):", "Problems (problem):", "- experience: ", "- delay: "):
        assert line in prompt.system, line
    assert "(s)" not in prompt.system and prompt.prompt_id.startswith(V4 + "@")


def test_v4_end_to_end_grounded_in_fewer_answer_tokens_than_v1(base, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("JOURNEY_STORE", str(tmp_path / "no-store"))
    texts = TICKETS * 3
    src = tickets_file(tmp_path, texts)
    answer_tokens = answered_by(base, tmp_path, src, len(texts), ("journey-batch.v1", V4))
    originals = {f"t{n}": t + f" ({n})" for n, t in enumerate(texts)}
    v4 = [json.loads(line) for line in (tmp_path / f"{V4}.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(len(r["touchpoints"]) for r in v4) >= 6  # the stand-in names a label only when the text spells it out
    for r in v4:
        assert r["events"] and all(e["stage"] == r["stage"] for e in r["events"])
        assert r["customer_goal"] == TAX.goal_of(r["events"], r["stage"], r["lang"])
        for e in r["events"]:
            ev = e["evidence"]
            assert originals[r["item_id"]][ev["start"]:ev["end"]] == ev["quote"]
    assert answer_tokens[V4] < answer_tokens["journey-batch.v1"] * 0.6, answer_tokens
