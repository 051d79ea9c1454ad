"""The stand-in OpenAI-compatible server itself, as a real process on loopback, through the real `openai` SDK: its
answers follow the request's schema and items, its faults do what they say, and its Batch API round-trips."""

from __future__ import annotations

import copy
import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest
from pydantic import ValidationError

from extractor.extractors.llm.answer import answer_models
from extractor.taxonomy import default_taxonomy, load_taxonomy

from .conftest import DATA
from .standin.fixture import captured_requests, control, reset, standin_server, stats

BatchAnswer = answer_models(default_taxonomy())[0]
SCHEMA = BatchAnswer.model_json_schema()
SYSTEM = ("You label customer feedback with customer-journey stages, touchpoints, emotions and pain points. "
          "Answer with one entry per item, copying quotes verbatim from the item text. ") * 4
ITEMS = [
    {"id": 3, "text": "Kurier nie dotarł z paczką, reklamacja odrzucona! Brak kontaktu z obsługą.", "lang": "pl"},
    {"id": 8, "text": "The website checkout was smooth and the delivery came early. Love it", "lang": "en"},
    {"id": 11, "text": "  Quote \"marks\" and {\"items\": [1]} inside a ticket never forge items?", "lang": "en"},
    {"id": 12, "text": "x" * 300, "lang": "en"},
]


def response_format(schema: dict = SCHEMA) -> dict:
    return {"type": "json_schema", "json_schema": {"name": "BatchAnswer", "strict": True, "schema": schema}}


def messages(items: list[dict] = ITEMS, system: str = SYSTEM) -> list[dict]:
    return [{"role": "system", "content": system},
            {"role": "user", "content": "Label these items.\n" + json.dumps({"items": items}, ensure_ascii=False)}]


def client(base: str, **options) -> openai.OpenAI:
    options.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=base, api_key="test", http_client=openai.DefaultHttpxClient(trust_env=False),
                         **options)


def ask(api: openai.OpenAI, items: list[dict] = ITEMS, schema: dict = SCHEMA, system: str = SYSTEM):
    return api.chat.completions.create(model="standin-model", messages=messages(items, system),
                                       response_format=response_format(schema), temperature=0)


def test_answers_follow_the_schema_the_items_and_the_usage_rules(base):
    api = client(base)
    first = ask(api)
    assert first.object == "chat.completion" and first.model == "standin-model"
    assert first.choices[0].finish_reason == "stop" and first.choices[0].message.role == "assistant"
    content = first.choices[0].message.content
    answer = BatchAnswer.model_validate_json(content)
    assert [item.id for item in answer.items] == [3, 8, 11, 12]
    texts = {item["id"]: item["text"] for item in ITEMS}
    for item in answer.items:
        assert item.events and all(event.quote and event.quote in texts[item.id] for event in item.events)
        assert item.moment_of_truth is False and item.customer_goal is None
    negative, positive, forged, long = answer.items
    assert negative.sentiment < 0 and negative.emotion == "frustration"
    assert negative.events[0].quote == "Kurier nie dotarł z paczką, reklamacja odrzucona!"
    assert positive.sentiment > 0 and positive.emotion == "neutral" and positive.stage == "experience"
    assert set(positive.touchpoints) == {"website", "delivery"} and positive.events[0].touchpoint == "website"
    assert forged.events[0].quote.startswith("Quote") and forged.events[0].quote.endswith("items?")
    assert long.events[0].quote == "x" * 120

    usage = first.usage
    chars = sum(len(m["content"]) for m in messages())
    assert usage.prompt_tokens == -(-chars // 4) and usage.completion_tokens == -(-len(content) // 4)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.prompt_tokens_details.cached_tokens == 0
    second = ask(api, ITEMS[:1])  # the same long system message: its prefix is "cached"
    assert len(SYSTEM) > 512 and second.usage.prompt_tokens_details.cached_tokens == -(-len(SYSTEM) // 4) // 128 * 128
    assert second.usage.prompt_tokens_details.cached_tokens > 0
    other = ask(api, ITEMS[:1], system=SYSTEM + "!")
    assert other.usage.prompt_tokens_details.cached_tokens == 0

    nothing = api.chat.completions.create(model="m", messages=[{"role": "user", "content": "hello"}])
    assert json.loads(nothing.choices[0].message.content) == {"items": []}
    counters = stats(base)
    assert counters["chat"] == 4 and counters["chat_items"] == 6 and counters["faults"] == {}
    assert counters["cached_tokens"] == second.usage.prompt_tokens_details.cached_tokens
    assert counters["prompt_tokens"] == sum(r.usage.prompt_tokens for r in (first, second, other, nothing))


def test_labels_come_from_whatever_schema_the_request_sends(base):
    mini = answer_models(load_taxonomy(DATA / "mini_taxonomy.json"))[0]
    answer = mini.model_validate_json(ask(client(base), schema=mini.model_json_schema()).choices[0].message.content)
    assert answer.items[0].pain_points == [] and answer.items[1].touchpoints == ["delivery"]

    narrow = copy.deepcopy(SCHEMA)  # no "experience" stage, no "frustration" or "neutral" emotion
    for node in (narrow["$defs"]["ItemAnswer"]["properties"], narrow["$defs"]["EventAnswer"]["properties"]):
        node["stage"]["enum"] = ["loyalty", "decision"]
    narrow["$defs"]["ItemAnswer"]["properties"]["emotion"]["enum"] = ["delight", "anger"]
    narrow["$defs"]["EventAnswer"]["properties"]["emotion"]["anyOf"][0]["enum"] = ["delight", "anger"]
    asked = [{"id": 1, "text": "Bad service!", "lang": "en"}, {"id": 2, "text": "An easy decision.", "lang": "en"}]
    items = json.loads(ask(client(base), asked, schema=narrow).choices[0].message.content)["items"]
    assert [i["stage"] for i in items] == ["loyalty", "decision"]  # the first allowed, or one the text names
    assert [i["emotion"] for i in items] == ["delight", "delight"]  # neither frustration nor neutral is allowed
    assert [i["events"][0]["stage"] for i in items] == ["loyalty", "decision"]


def test_error_faults_raise_what_the_sdk_raises_for_them(base):
    api = client(base)
    control(base, faults=["429"], retry_after=1.5)
    with pytest.raises(openai.RateLimitError) as limited:
        ask(api)
    assert limited.value.status_code == 429 and limited.value.code == "rate_limit_exceeded"
    assert limited.value.response.headers["retry-after-ms"] == "1500"
    assert limited.value.response.headers["retry-after"] == "2"
    control(base, faults=["500", "503", "reset"])
    with pytest.raises(openai.InternalServerError) as failed:
        ask(api)
    assert failed.value.status_code == 500
    with pytest.raises(openai.InternalServerError) as unavailable:
        ask(api)
    assert unavailable.value.status_code == 503
    with pytest.raises(openai.APIConnectionError) as reset_:
        ask(api)
    assert not isinstance(reset_.value, openai.APITimeoutError)
    assert BatchAnswer.model_validate_json(ask(api).choices[0].message.content)  # the queue is empty again
    counters = stats(base)
    assert counters["chat"] == 5 and counters["faults"] == {"429": 1, "500": 1, "503": 1, "reset": 1}


def test_a_timeout_fault_outlasts_the_client_timeout(base):
    control(base, faults=["timeout:3"])
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        ask(client(base, timeout=1.0))
    assert time.monotonic() - started < 2.5
    assert stats(base)["faults"] == {"timeout": 1}


def test_content_faults_break_the_answer_as_they_say(base):
    api = client(base)
    control(base, faults=["truncated", "invalid_json", "unknown_id", "bad_quote", "missing_item"])
    truncated = ask(api).choices[0]
    assert truncated.finish_reason == "length"
    with pytest.raises(ValidationError):
        BatchAnswer.model_validate_json(truncated.message.content)
    invalid = ask(api).choices[0]
    assert invalid.finish_reason == "stop" and invalid.message.content == '{"items": [oops'
    unknown = json.loads(ask(api).choices[0].message.content)
    assert unknown["items"][0]["stage"] == "not_a_stage" and unknown["items"][1]["stage"] == "experience"
    with pytest.raises(ValidationError):
        BatchAnswer.model_validate(unknown)
    quoted = BatchAnswer.model_validate_json(ask(api).choices[0].message.content)
    assert quoted.items[0].events[0].quote == "a sentence that is not in the text"
    assert quoted.items[0].events[0].quote not in ITEMS[0]["text"]
    missing = BatchAnswer.model_validate_json(ask(api).choices[0].message.content)
    assert [item.id for item in missing.items] == [3, 8, 11]
    counters = stats(base)
    assert counters["faults"] == {k: 1 for k in ("truncated", "invalid_json", "unknown_id", "bad_quote", "missing_item")}


def test_the_sdk_retries_a_queued_429_and_succeeds(base):
    control(base, faults=["429"], retry_after=0.05)
    answer = ask(client(base, max_retries=2))
    assert [item.id for item in BatchAnswer.model_validate_json(answer.choices[0].message.content).items] == [3, 8, 11, 12]
    counters = stats(base)
    assert counters["chat"] == 2 and counters["faults"] == {"429": 1} and counters["chat_items"] == 8


def test_captured_requests_reset_and_control_validation(base):
    api = client(base)
    ask(api, ITEMS[:2])
    bodies = captured_requests(base)
    assert len(bodies) == 1 and bodies[0]["model"] == "standin-model" and bodies[0]["temperature"] == 0
    assert bodies[0]["response_format"] == response_format() and bodies[0]["messages"] == messages(ITEMS[:2])
    state = control(base, latency=0.25, faults=["500"])
    assert state == {"latency": 0.25, "retry_after": 0.2, "faults": ["500"]}
    reset(base)
    assert captured_requests(base) == [] and stats(base)["chat"] == 0
    assert control(base) == {"latency": 0.0, "retry_after": 0.2, "faults": []}
    started = time.monotonic()
    ask(api, ITEMS[:1])  # no fault left, no latency left, and the system message is no longer "cached"
    assert time.monotonic() - started < 0.25
    assert stats(base)["cached_tokens"] == 0
    with pytest.raises(Exception) as bad:
        control(base, faults=["explode"])
    assert getattr(bad.value, "code", None) == 400
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(base + "/stats", timeout=5) as under_v1:  # the controls answer under /v1 too
        assert json.loads(under_v1.read())["chat"] == 1


def test_concurrent_requests_overlap_their_latency():
    with standin_server(latency=0.5) as url:
        api = client(url)
        started = time.monotonic()
        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(lambda i: ask(api, [{"id": i, "text": f"item {i}", "lang": "en"}]), range(32)))
        elapsed = time.monotonic() - started
        assert 0.5 <= elapsed < 3, elapsed
        assert [json.loads(a.choices[0].message.content)["items"][0]["id"] for a in answers] == list(range(32))
        assert stats(url)["chat"] == 32
        control(url, latency=0)
        reset(url)
        assert control(url)["latency"] == 0.5  # back to the command-line value


def test_the_batch_api_round_trips_through_the_sdk(base):
    api = client(base)
    lines = [json.dumps({"custom_id": f"req-{n}", "method": "POST", "url": "/v1/chat/completions",
                         "body": {"model": "standin-model", "messages": messages(ITEMS[n:n + 2]),
                                  "response_format": response_format()}}) for n in range(3)]
    lines.insert(2, "{this is not json")
    uploaded = api.files.create(file=("requests.jsonl", "\n".join(lines).encode() + b"\n"), purpose="batch")
    assert uploaded.id.startswith("file-") and uploaded.purpose == "batch" and uploaded.status == "processed"
    assert uploaded.filename == "requests.jsonl" and uploaded.bytes == len("\n".join(lines)) + 1
    assert api.files.retrieve(uploaded.id).bytes == uploaded.bytes
    assert api.files.content(uploaded.id).text.splitlines() == lines

    batch = api.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h",
                               metadata={"run": "test"})
    assert batch.id.startswith("batch_") and batch.status == "validating" and batch.metadata == {"run": "test"}
    seen = [batch.status]
    while batch.status not in ("completed", "failed", "cancelled", "expired") and len(seen) < 10:
        batch = api.batches.retrieve(batch.id)
        seen.append(batch.status)
    assert seen == ["validating", "in_progress", "completed"]
    assert batch.request_counts.total == 4 and batch.request_counts.completed == 3
    assert batch.request_counts.failed == 1 and batch.errors is None

    output = [json.loads(line) for line in api.files.content(batch.output_file_id).text.splitlines()]
    assert [row["custom_id"] for row in output] == ["req-0", "req-1", "req-2"]
    for n, row in enumerate(output):
        assert row["id"].startswith("batch_req_") and row["error"] is None
        assert row["response"]["status_code"] == 200
        body = row["response"]["body"]
        assert body["object"] == "chat.completion" and body["usage"]["prompt_tokens"] > 0
        answer = BatchAnswer.model_validate_json(body["choices"][0]["message"]["content"])
        assert [item.id for item in answer.items] == [item["id"] for item in ITEMS[n:n + 2]]
    errors = [json.loads(line) for line in api.files.content(batch.error_file_id).text.splitlines()]
    assert len(errors) == 1 and errors[0]["response"] is None and errors[0]["error"]["message"]

    cancelled = api.batches.cancel(api.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                                                      completion_window="24h").id)
    assert cancelled.status == "cancelling" and api.batches.retrieve(cancelled.id).status == "cancelled"
    counters = stats(base)
    assert counters["batches"] == 2 and counters["batch_requests"] == 3 and counters["chat"] == 0
    with pytest.raises(openai.NotFoundError):
        api.batches.retrieve("batch_nope")
    with pytest.raises(openai.NotFoundError):
        api.files.content("file-nope")
    with pytest.raises(openai.BadRequestError):
        api.batches.cancel(batch.id)  # already completed
