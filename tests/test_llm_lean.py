"""Prompt journey-batch.v3: the compact format without the item's stage, which is the stage of its first moment (and
every item has one). And on llama.cpp, for every prompt, the grammar has the model leave out the ids it fixes: the
answer is the list of entries, which the client reads back with their ids."""

from __future__ import annotations

import json

import pytest

from extractor.extractors.llm.client import request_params
from extractor.extractors.llm.grammar import schema_grammar, with_ids
from extractor.extractors.llm.prompt import JourneyPrompt
from extractor.extractors.llm.provider import KNOWN, bounded
from extractor.extractors.llm.settings import LLMSettings
from extractor.extractors.rules.extractor import RulesExtractor
from extractor.privacy import mask_personal_data
from extractor.taxonomy import load_taxonomy

from .conftest import run_journey
from .test_llm_compact import TICKETS, tickets_file
from .standin.fixture import reset, stats
from .test_llm_grammar import as_regex

TAX = load_taxonomy(None)
V3 = "journey-batch.v3"
TEXT = "The parcel was late, and the courier was rude. I wanted a refund."


def checked(entry: dict, text: str = TEXT):
    masked = mask_personal_data(text)
    spans = RulesExtractor(TAX).clause_spans(masked.text, "en")
    return JourneyPrompt(TAX, V3).check_item(1, entry, masked, spans)


def test_the_items_stage_is_its_first_moments():
    fmt = JourneyPrompt(TAX, V3).compact
    answer = checked({"id": 1, "e": "fr", "v": -1, "m": True, "g": 3,
                      "ev": [{"c": 1, "s": "de", "t": fmt.touchpoints["delivery"], "p": fmt.pain_points["delay"]},
                             {"c": 2, "s": "ex", "t": None, "p": None}]}).answer
    assert answer is not None
    assert answer["stage"] == "decision" and [e["stage"] for e in answer["events"]] == ["decision", "experience"]
    assert answer["moment_of_truth"] is True and "refund" in answer["customer_goal"]
    assert answer["touchpoints"] == ["delivery"] and answer["pain_points"] == ["delay"]


def test_an_item_has_a_moment_and_no_stage_of_its_own():
    empty = checked({"id": 1, "e": "ne", "v": 0, "m": False, "g": None, "ev": []})
    assert empty.answer is None and any("item 1: ev:" in p and "at least 1" in p for p in empty.problems)
    staged = checked({"id": 1, "s": "aw", "e": "ne", "v": 0, "m": False, "g": None,
                      "ev": [{"c": 1, "s": "ex", "t": None, "p": None}]})
    assert staged.answer is None and any("item 1: s:" in p for p in staged.problems)


def test_llama_cpp_answers_are_entries_without_the_ids_the_grammar_fixes():
    prompt = JourneyPrompt(TAX, V3)
    params = request_params(LLMSettings(model="qwen"), KNOWN["llamacpp"], prompt.schema, 500, 0.0, [3, 7], [3, 1])
    pattern = as_regex(params["grammar"])
    one = {"e": "fr", "v": -1, "m": False, "g": None, "ev": [{"c": 2, "s": "ex", "t": "de", "p": None}]}
    two = {"e": "ne", "v": 0, "m": True, "g": 1, "ev": [{"c": 1, "s": "aw", "t": None, "p": None}]}
    answer = json.dumps([one, two], separators=(",", ":"))
    assert pattern.fullmatch(answer)
    assert not pattern.fullmatch(json.dumps([dict(one, ev=[]), two], separators=(",", ":")))  # a moment at least
    assert not pattern.fullmatch(json.dumps([one, dict(two, ev=[dict(two["ev"][0], c=2)])], separators=(",", ":")))
    assert not pattern.fullmatch(json.dumps([two, one], separators=(",", ":")))  # item 7 has one clause: g=1 only
    keyed = {"items": [{"id": 3, **one}, {"id": 7, **two}]}
    assert not pattern.fullmatch(json.dumps(keyed, separators=(",", ":")))
    read = json.loads(with_ids(answer, [3, 7]))
    assert read == keyed
    prompt.answer_model.model_validate(read)
    for text in ('[{"e":"fr","v":-1', '{"items":[]}', "[]", "[1,2]"):  # cut, the usual form, or not entries
        assert with_ids(text, [3, 7]) == text


@pytest.mark.parametrize("version", ["journey-batch.v1", "journey-batch.v2", "journey-batch.v4", "journey-batch.v5",
                                     "journey-batch.v6"])
def test_every_prompt_gets_the_positional_grammar_on_llama_cpp(version):
    prompt = JourneyPrompt(TAX, version)
    grammar = request_params(LLMSettings(model="qwen"), KNOWN["llamacpp"], prompt.schema, 500, 0.0, [1],
                             None if version.endswith("v1") else [2])["grammar"]
    assert '\\"id\\"' not in grammar and '\\"items\\"' not in grammar
    assert '\\"id\\":1' in schema_grammar(bounded(prompt.schema), [1])  # the generic form still writes them


def test_servers_that_refuse_list_bounds_get_none():
    prompt = JourneyPrompt(TAX, V3)
    settings = LLMSettings(model="gpt-4o-mini")
    for name in ("openai", "azure", "vllm", "other"):
        sent = request_params(settings, KNOWN[name], prompt.schema, 500, 0.0)["response_format"]["json_schema"]
        assert "minItems" not in json.dumps(sent["schema"]), name
        assert sent["schema"]["$defs"]["CompactItem"]["required"] == ["id", "e", "v", "m", "g", "ev"]
    for name in ("ollama", "lmstudio"):
        sent = request_params(settings, KNOWN[name], prompt.schema, 500, 0.0, [1])["response_format"]
        assert sent["json_schema"]["schema"]["$defs"]["CompactItem"]["properties"]["ev"]["minItems"] == 1, name


def test_v3_end_to_end_grounded_with_a_moment_an_item(base, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("JOURNEY_STORE", str(tmp_path / "no-store"))
    texts = TICKETS * 3
    src = tickets_file(tmp_path, texts)
    reset(base)
    out = tmp_path / "v3.jsonl"
    done = run_journey("extract", str(src), "--extractor", "llm", "--prompt", V3, "--out", str(out),
                       "--base-url", base, "--few-shot", "0", "--no-cache")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(texts) and all(r["llm"]["outcome"] == "answered" for r in records)
    assert all(r["prompt_id"].startswith(V3 + "@") for r in records) and stats(base)["chat"] == 1
    originals = {f"t{n}": t + f" ({n})" for n, t in enumerate(texts)}
    for r in records:
        assert r["events"] and r["stage"] == r["events"][0]["stage"]  # a moment at least, the first one's stage
        for e in r["events"]:
            assert originals[r["item_id"]][e["evidence"]["start"]:e["evidence"]["end"]] == e["evidence"]["quote"]
