"""The answer schema as a compact GBNF grammar for llama.cpp: it admits exactly the compact JSON the schema admits
(checked here by turning the grammar into a regular expression: our answer grammars have no recursion), never the
pretty-printed form that doubles a small model's answer, and it honours the bounds."""

from __future__ import annotations

import json
import re

import pytest

from extractor.extractors.llm.client import request_params
from extractor.extractors.llm.grammar import schema_grammar
from extractor.extractors.llm.prompt import JourneyPrompt
from extractor.extractors.llm.provider import KNOWN, bounded
from extractor.extractors.llm.settings import LLMSettings
from extractor.taxonomy import load_taxonomy

TAX = load_taxonomy(None)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]|\{\d*,?\d*\}|[()|?*+]|[a-z][a-z0-9-]*|\s+')


def as_sent(answer: dict) -> list:
    """An answer as llama.cpp's request grammar has the model write it: the entries without their ids."""
    return [{k: v for k, v in entry.items() if k != "id"} for entry in answer["items"]]


def as_regex(grammar: str) -> re.Pattern:
    rules = dict(line.split(" ::= ", 1) for line in grammar.strip().splitlines())

    def expand(name: str) -> str:
        out = []
        for token in _TOKEN.findall(rules[name]):
            if token.isspace():
                continue
            if token.startswith('"'):
                out.append(re.escape(json.loads(token)))
            elif token.startswith("[") or token.startswith("{") or token in "()|?*+":
                out.append(token.replace("(", "(?:") if token == "(" else token)
            else:
                out.append(f"(?:{expand(token)})")
        return "".join(out)

    return re.compile(expand("root"), re.DOTALL)


@pytest.mark.parametrize("version", ["journey-batch.v1", "journey-batch.v2", "journey-batch.v4", "journey-batch.v5",
                                     "journey-batch.v6"])
def test_the_grammar_admits_compact_answers_only(version):
    prompt = JourneyPrompt(TAX, version)
    pattern = as_regex(schema_grammar(bounded(prompt.schema)))
    if version.endswith("v2"):
        item = {"id": 1, "s": "ex", "e": "fr", "v": -1, "m": False, "g": None,
                "ev": [{"c": 2, "s": "ex", "t": "de", "p": "de"}, {"c": "was \"late\"", "s": "ex", "t": None,
                                                                   "p": None}]}
        too_many = dict(item, ev=item["ev"] * 3)
        wrong = dict(item, s="experience")
    elif version.endswith("v4"):
        item = {"id": 1, "stage": "experience", "emotion": "frustration", "sentiment": -1, "moment_of_truth": False,
                "events": [{"clause": "was \"late\"", "touchpoint": "delivery", "problem": "delay"}]}
        too_many = dict(item, events=item["events"] * 2)  # one moment where list bounds are taken
        wrong = dict(item, stage="ex")
    elif version.endswith("v5"):  # the moment first, with its problems
        item = {"id": 1, "events": [{"clause": 1, "touchpoint": "delivery", "problems": ["delay", "price"]}],
                "stage": "experience", "emotion": "frustration", "sentiment": -1, "moment_of_truth": False}
        too_many = dict(item, events=[{"clause": 1, "touchpoint": None, "problems": ["delay", "price", "other"]}])
        wrong = {"id": 1, **{k: v for k, v in item.items() if k not in ("id", "events")}, "events": item["events"]}
    elif version.endswith("v6"):  # emotion, sentiment and moment of truth first, the stage last
        item = {"id": 1, "emotion": "frustration", "sentiment": -1, "moment_of_truth": False,
                "events": [{"clause": 2, "touchpoint": "delivery", "problem": "delay"}], "stage": "experience"}
        too_many = dict(item, events=item["events"] * 2)
        wrong = {"id": 1, "stage": "experience", **{k: v for k, v in item.items() if k not in ("id", "stage")}}
    else:
        event = {"stage": "experience", "touchpoint": "delivery", "emotion": None, "pain_point": "delay",
                 "quote": "Paczka \"szła\" tydzień"}
        item = {"id": 1, "stage": "experience", "touchpoints": ["delivery"], "emotion": "frustration",
                "sentiment": -0.5, "pain_points": ["delay"], "moment_of_truth": False, "customer_goal": None,
                "events": [event]}
        too_many = dict(item, events=[event] * 5)
        wrong = dict(item, stage="exp")
    prompt.answer_model.model_validate({"items": [item]})  # the examples are valid answers
    compact = lambda a: json.dumps(a, ensure_ascii=False, separators=(",", ":"))  # noqa: E731
    assert pattern.fullmatch(compact({"items": [item, item]}))
    assert pattern.fullmatch(compact({"items": []}))
    assert not pattern.fullmatch(json.dumps({"items": [item]}, indent=2, ensure_ascii=False))  # no whitespace
    assert not pattern.fullmatch(compact({"items": [too_many]}))  # maxItems (4; 1 for v4's moments)
    assert not pattern.fullmatch(compact({"items": [wrong]}))  # only the schema's labels
    assert not pattern.fullmatch(compact({"items": [{k: v for k, v in item.items() if k != "id"}]}))  # all required


def test_llama_server_gets_the_grammar_and_others_the_schema():
    schema = JourneyPrompt(TAX, "journey-batch.v2").schema
    llama = request_params(LLMSettings(), KNOWN["llamacpp"], schema, 500, 0.0)
    assert "response_format" not in llama and llama["grammar"] == schema_grammar(bounded(schema))
    assert llama["max_tokens"] == 500
    for name in ("openai", "ollama", "vllm", "lmstudio"):
        params = request_params(LLMSettings(), KNOWN[name], schema, 500, 0.0)
        assert "grammar" not in params and params["response_format"]["type"] == "json_schema", name


def test_with_the_request_ids_the_answer_has_exactly_those_items_in_order():
    prompt = JourneyPrompt(TAX, "journey-batch.v2")
    item = lambda n: {"id": n, "s": "ex", "e": "fr", "v": -1, "m": False, "g": None, "ev": []}  # noqa: E731
    compact = lambda a: json.dumps(a, separators=(",", ":"))  # noqa: E731
    pattern = as_regex(schema_grammar(bounded(prompt.schema), [2, 5]))
    assert pattern.fullmatch(compact({"items": [item(2), item(5)]}))
    for wrong in ([], [item(2)], [item(5), item(2)], [item(2), item(5), item(5)], [item(2), item(3)]):
        assert not pattern.fullmatch(compact({"items": wrong})), wrong
    params = request_params(LLMSettings(), KNOWN["llamacpp"], prompt.schema, 500, 0.0, ids=[2, 5])
    assert as_regex(params["grammar"]).fullmatch(compact(as_sent({"items": [item(2), item(5)]})))
    ollama = request_params(LLMSettings(), KNOWN["ollama"], prompt.schema, 500, 0.0, ids=[2, 5])
    items = ollama["response_format"]["json_schema"]["schema"]["properties"]["items"]
    assert items["minItems"] == items["maxItems"] == 2
    hosted = request_params(LLMSettings(), KNOWN["openai"], prompt.schema, 500, 0.0, ids=[2, 5])
    assert "maxItems" not in hosted["response_format"]["json_schema"]["schema"]["properties"]["items"]


def test_with_clause_counts_an_entry_refers_only_to_clauses_its_item_has():
    # Qwen2.5-Coder 1.5B on llama-server named clause [2] of one-clause questions, in its answer, its repair and a
    # fresh ask (bench_local_llm.py, 100 items of ../shared/data)
    prompt = JourneyPrompt(TAX, "journey-batch.v2")
    compact = lambda a: json.dumps(a, ensure_ascii=False, separators=(",", ":"))  # noqa: E731

    def item(n: int, c, g=None) -> dict:
        return {"id": n, "s": "ex", "e": "fr", "v": -1, "m": False, "g": g, "ev": [{"c": c, "s": "ex", "t": None,
                                                                                      "p": None}]}

    params = request_params(LLMSettings(), KNOWN["llamacpp"], prompt.schema, 500, 0.0, ids=[1, 2], clauses=[1, 12])
    pattern = as_regex(params["grammar"])
    assert pattern.fullmatch(compact(as_sent({"items": [item(1, 1, g=1), item(2, 12, g=10)]})))
    assert pattern.fullmatch(compact(as_sent({"items": [item(1, "late"), item(2, "4,[3]5 inside the words")]})))
    for wrong in ([item(1, 2), item(2, 1)], [item(1, 1, g=2), item(2, 1)], [item(1, 1), item(2, 13)],
                  [item(1, "[2]I tried to call"), item(2, 1)], [item(1, 0), item(2, 1)]):
        assert not pattern.fullmatch(compact(as_sent({"items": wrong}))), wrong
    free = as_regex(request_params(LLMSettings(), KNOWN["llamacpp"], prompt.schema, 500, 0.0, ids=[1])["grammar"])
    assert free.fullmatch(compact(as_sent({"items": [item(1, 7)]})))  # no counts given: any number, as before
