"""Every finish and failure a provider can give, handled on purpose (the real `journey` command against the stand-in
server process): a cut answer splits its request, a refused request is bisected until the item at fault is alone and
falls back with the reason, a malformed request stops the run at once. In each case every item ends as a record or
an error line, nothing prints a traceback, and no request body is sent more than twice identically."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from extractor.errors import UsageError
from extractor.extractors.llm import LLMExtractor, LLMSettings
from extractor.extractors.llm.client import rejection_kind, request_params
from extractor.extractors.llm.provider import KNOWN, bounded, is_reasoning_model, resolve_provider
from extractor.extractors.llm.ratelimit import RateLimiter, reset_seconds
from extractor.extractors.llm.validate import check_item
from extractor.extractors.llm.prompt import JourneyPrompt
from extractor.privacy import Masked
from extractor.schema import FeedbackItem
from extractor.taxonomy import load_taxonomy

from .conftest import run_journey
from .standin.fixture import captured_requests, control, stats

TAX = load_taxonomy(None)
V1 = "journey-batch.v1"  # the quote format, whose faults and rules some tests exercise
TRIGGER = "ZEBRA"  # a word that makes the stand-in fault every request carrying it
TEXTS = ["The parcel was three days late and support never answered my emails.",
         "Great shop, fast delivery, I will buy again!",
         "Paczka nie dotarła na czas, kurier nie odbierał telefonu.",
         "Produkt super, obsługa klienta bardzo pomocna.",
         "Checkout kept failing with my card, so I gave up.",
         "The app crashed twice while I was paying.",
         "Zwrot pieniędzy trwał miesiąc, nikt nie odpowiadał.",
         "Lovely packaging and the courier was polite."]


def write_items(path: Path, bad: int | None = 3) -> list[str]:
    texts = [t + (f" {TRIGGER}" if n == bad else "") for n, t in enumerate(TEXTS)]
    path.write_text("".join(json.dumps({"id": f"t{n}", "text": t}, ensure_ascii=False) + "\n"
                            for n, t in enumerate(texts)), encoding="utf-8")
    return texts


def run(base: str, tmp_path: Path, *extra: str) -> tuple[object, list[dict]]:
    """`journey extract` over the items, with no answer cache (--batch-api: a fresh one of its own)."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    if not src.exists():
        write_items(src)
    cache = [] if "--batch-api" in extra else ["--no-cache"]
    done = run_journey("extract", str(src), "--extractor", "llm", "--out", str(out), "--base-url", base,
                       "--concurrency", "1", "--few-shot", "0", *cache, *extra, timeout=120)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    return done, records


def assert_no_body_sent_more_than_twice(base: str) -> None:
    bodies = Counter(json.dumps(b, sort_keys=True) for b in captured_requests(base))
    assert bodies and max(bodies.values()) <= 2, max(bodies.values())


@pytest.fixture(autouse=True)
def key(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("JOURNEY_STORE", str(tmp_path / "no-store"))


@pytest.mark.parametrize("kind, said", [
    ("content_filter_400", "content_filter"),  # Azure's prompt filter: a 400 naming the content
    ("context_length", "context_length"),  # vLLM / llama.cpp / OpenAI: the request is too long for the model
    ("content_filter", "content_filter"),  # the answer stopped by the output filter (finish_reason content_filter)
    ("refusal", "I'm sorry, but I can't help with that request."),  # message.refusal, empty content
])
def test_a_refused_request_is_bisected_until_the_item_at_fault_is_alone(base, tmp_path, kind, said):
    control(base, triggers={TRIGGER: kind})
    done, records = run(base, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert [r["item_id"] for r in records] == [f"t{n}" for n in range(len(TEXTS))]
    bad = records[3]
    assert bad["extractor"] == "rules" and bad["llm"]["outcome"] == "fallback"
    assert any(said in p for p in bad["llm"]["problems"]), bad["llm"]["problems"]
    assert all(r["llm"]["outcome"] == "answered" for n, r in enumerate(records) if n != 3)
    sent = captured_requests(base)
    assert len(sent) > 2 and sum(TRIGGER in json.dumps(b) for b in sent) <= 4  # 8 -> 4 -> 2 -> 1, not more
    assert_no_body_sent_more_than_twice(base)
    assert "split" in done.stderr  # the run summary says requests were split


def test_a_cut_answer_splits_its_request_instead_of_resending_it(base, tmp_path):
    control(base, faults=["truncated"])  # the first answer ends with finish_reason length
    done, records = run(base, tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert len(records) == len(TEXTS) and all(r["llm"]["outcome"] == "answered" for r in records)
    sizes = [len(json.loads(b["messages"][-1]["content"].split("\n", 1)[1])["items"]) for b in captured_requests(base)]
    assert sizes == [8, 4, 4]
    assert_no_body_sent_more_than_twice(base)


def test_an_item_whose_answer_is_always_cut_gets_all_the_room_once_then_falls_back(base, tmp_path):
    control(base, triggers={TRIGGER: "truncated"})
    done, records = run(base, tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert any("cut at" in p for p in records[3]["llm"]["problems"]) and records[3]["extractor"] == "rules"
    alone = [b for b in captured_requests(base) if TRIGGER in json.dumps(b)
             and len(json.loads(b["messages"][-1]["content"].split("\n", 1)[1])["items"]) == 1]
    caps = [b.get("max_tokens") or b.get("max_completion_tokens") for b in alone]
    assert len(alone) == 2 and caps[1] > caps[0]  # asked again with a larger cap, not the identical request
    assert_no_body_sent_more_than_twice(base)


def test_429_with_ratelimit_reset_headers_waits_as_asked(base, tmp_path):
    control(base, faults=["429_reset"], retry_after=0.8)  # x-ratelimit-reset-requests: 800ms, no retry-after
    started = time.perf_counter()
    done, records = run(base, tmp_path, "--items-per-request", "8")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert time.perf_counter() - started >= 0.8 and stats(base)["chat"] == 2
    assert len(records) == len(TEXTS) and all(r["llm"]["outcome"] == "answered" for r in records)
    assert "429 x1" in done.stderr
    assert_no_body_sent_more_than_twice(base)


@pytest.mark.parametrize("fault, message", [
    ("bad_request", "cannot take this request (400): Unsupported parameter"),
    ("format_500", "--provider llama-cpp-python"),
])
def test_a_malformed_request_stops_the_run_at_once(base, tmp_path, fault, message):
    control(base, faults=[fault])
    done, records = run(base, tmp_path)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and stats(base)["chat"] == 1  # not retried
    assert records == []


def test_requests_are_sized_to_the_context_the_server_reports(base, tmp_path):
    control(base, context=2600)  # the stand-in now reports max_model_len 2600 (as vLLM) and refuses longer requests
    src = tmp_path / "in.jsonl"
    rows = [{"id": f"r{n}", "text": f"{TEXTS[n % 8]} Order {n}: " + "it was not what I expected. " * (n % 5)}
            for n in range(60)]
    rows.append({"id": "huge", "text": "The delivery was late. " * 900})  # ~5,000 tokens: cannot fit
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    # v1: its system message leaves room for items in a 2,600-token context (the default's worked examples do not)
    done, records = run(base, tmp_path, "--items-per-request", "48", "--prompt", V1)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert len(records) == 61 and stats(base)["faults"] == {}  # no request was refused for its length
    assert all(r["llm"]["outcome"] == "answered" for r in records[:60])
    assert records[60]["llm"]["outcome"] == "fallback" and "too long" in records[60]["llm"]["problems"][0]
    sent = captured_requests(base)
    assert len(sent) > 1 and all(TRIGGER not in json.dumps(b) for b in sent)
    assert all(b["max_tokens"] > 0 for b in sent) and "context 2,600 tokens (reported by the server)" in done.stderr


# -- the request's parameters per provider --------------------------------------------------------------------------


def test_each_provider_gets_its_own_parameters():
    schema = JourneyPrompt(TAX, V1).schema  # the quote format's: its events carry quotes (maxLength)
    openai_params = request_params(LLMSettings(), KNOWN["openai"], schema, 900, 0.0)
    assert openai_params["max_completion_tokens"] == 900 and "max_tokens" not in openai_params
    assert openai_params["response_format"]["type"] == "json_schema" and openai_params["temperature"] == 0.0
    ollama = request_params(LLMSettings(model="qwen2.5:7b"), KNOWN["ollama"], schema, 900, 0.0)
    assert ollama["max_tokens"] == 900 and "max_completion_tokens" not in ollama
    lcp = request_params(LLMSettings(), KNOWN["llama-cpp-python"], schema, 900, 0.0)
    assert lcp["response_format"] == {"type": "json_object", "schema": bounded(schema)}
    assert openai_params["response_format"]["json_schema"]["schema"] == schema  # strict mode refuses maxItems
    events = bounded(schema)["$defs"]["ItemAnswer"]["properties"]["events"]
    quote = bounded(schema)["$defs"]["EventAnswer"]["properties"]["quote"]
    assert events["maxItems"] == 4 and quote["maxLength"] == 200
    assert "maxItems" not in bounded(schema)["properties"]["items"]  # the request's own list is never cut
    for model in ("o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano"):
        params = request_params(LLMSettings(model=model, reasoning_effort="low"), KNOWN["openai"], schema, 900, 0.0)
        assert "temperature" not in params and params["reasoning_effort"] == "low", model
    assert not is_reasoning_model("gpt-5-chat-latest") and not is_reasoning_model("gpt-4o-mini")
    assert resolve_provider("auto", None, "gpt-4o-mini").name == "openai"
    assert resolve_provider("auto", "https://myres.openai.azure.com/openai/v1/", "my-deploy").name == "azure"
    assert resolve_provider("auto", "http://localhost:11434/v1", "qwen", detect=False).name == "ollama"


def test_provider_errors_are_sorted_by_what_they_blame():
    assert rejection_kind(400, "This model's maximum context length is 8192 tokens.", "context_length_exceeded") \
        == "context_length"
    assert rejection_kind(400, "the request exceeds the available context size, try increasing it",
                          "exceed_context_size_error") == "context_length"
    assert rejection_kind(400, "The response was filtered due to the prompt triggering Azure OpenAI's content "
                          "management policy.", "content_filter") == "content_filter"
    assert rejection_kind(400, "Unsupported parameter: 'temperature'", "unsupported_parameter") is None
    assert rejection_kind(500, "context length", None) is None


def test_reset_durations_and_header_pauses():
    assert reset_seconds("1s") == 1.0 and reset_seconds("6m0s") == 360.0 and reset_seconds("20ms") == 0.02
    assert reset_seconds("1m30.5s") == 90.5 and reset_seconds("2.5") == 2.5 and reset_seconds("soon") is None
    limiter = RateLimiter(None, None)
    limiter.observe({"x-ratelimit-limit-tokens": "200000", "x-ratelimit-remaining-tokens": "0",
                     "x-ratelimit-reset-tokens": "2s", "x-ratelimit-limit-requests": "500"})
    assert limiter.tokens is not None and limiter.requests is not None  # the provider's limits adopted
    assert limiter.paused_until - time.monotonic() > 1.5


def test_the_prompts_own_rule_every_listed_label_is_carried_by_an_event():
    item_model = JourneyPrompt(TAX, V1).item_model  # the quote format's rule
    text = "The courier was late and the hotline never answered."
    entry = {"id": 1, "stage": "experience", "touchpoints": ["delivery", "phone"], "emotion": "frustration",
             "sentiment": -0.7, "pain_points": ["delay"], "moment_of_truth": False, "customer_goal": None,
             "events": [{"stage": "experience", "touchpoint": "delivery", "emotion": "frustration",
                         "pain_point": "delay", "quote": "The courier was late"}]}
    checked = check_item(1, entry, Masked(text, text, ()), item_model)
    assert checked.answer is None and any("'phone' is listed but no event carries it" in p for p in checked.problems)
    entry["events"].append({"stage": "experience", "touchpoint": "phone", "emotion": None, "pain_point": None,
                            "quote": "the hotline never answered"})
    assert check_item(1, entry, Masked(text, text, ()), item_model).answer is not None


def test_a_repair_asks_only_the_failed_items_at_another_temperature(base, tmp_path):
    control(base, faults=["bad_quote"])
    engine = LLMExtractor(TAX, LLMSettings(base_url=base, api_key="test", cache_dir=tmp_path / "c", few_shot=0,
                                           backoff=0.01, prompt=V1))  # bad_quote: a quote format fault
    items = [FeedbackItem(item_id=f"i{n}", text=t, lang="en") for n, t in enumerate(TEXTS[:4])]
    records = engine.extract_many(items)
    engine.close()
    first, repair = captured_requests(base)
    assert first["temperature"] == 0.0 and repair["temperature"] == 0.7
    asked = json.loads(repair["messages"][1]["content"].split("\n", 1)[1])["items"]
    assert len(asked) == 1 and asked[0]["id"] == 1  # the failed item only, under its own id
    assert repair["messages"][-2]["role"] == "assistant" and "is not in the item's text" in repair["messages"][-1]["content"]
    assert records[0].llm.outcome == "repaired" and all(r.llm.outcome == "answered" for r in records[1:])


def test_a_malformed_request_is_a_usage_error_in_the_library_too(base, tmp_path):
    control(base, faults=["bad_request"])
    engine = LLMExtractor(TAX, LLMSettings(base_url=base, api_key="test", cache_dir=tmp_path / "c", few_shot=0))
    with pytest.raises(UsageError, match="Unsupported parameter"):
        engine.extract_many([FeedbackItem(item_id="x", text=TEXTS[0], lang="en")])
    engine.close()


@pytest.mark.parametrize("failed", ["live", "fallback"], ids=["sent-again", "labelled-by-rules"])
def test_batch_api_failures_are_listed_and_settled_as_asked(base, tmp_path, monkeypatch, failed):
    monkeypatch.setenv("JOURNEY_LLM_CACHE", str(tmp_path / "cache"))
    control(base, triggers={TRIGGER: "content_filter_400"})  # the batch line carrying item t3 fails
    done, records = run(base, tmp_path, "--batch-api", "--batch-poll", "0.01", "--provider", "openai",
                        "--batch-failed", failed, "--items-per-request", "2")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "batch: 1 requests failed (2 items" in done.stderr
    assert "1 x The response was filtered due to the prompt triggering Azure OpenAI's content management policy." \
        in done.stderr
    assert [r["item_id"] for r in records] == [f"t{n}" for n in range(len(TEXTS))]
    bad, mate = records[3], records[2]  # t2 and t3 shared the failed request
    assert bad["llm"]["outcome"] == "fallback" and bad["extractor"] == "rules"
    if failed == "fallback":
        assert stats(base)["chat"] == 0  # nothing sent live
        assert mate["llm"]["outcome"] == "fallback" and "batch" in mate["llm"]["problems"][0]
        assert "content management policy" in bad["llm"]["problems"][0]
    else:
        assert stats(base)["chat"] >= 2 and mate["llm"]["outcome"] == "answered"  # sent live, bisected
        assert any("content_filter" in p for p in bad["llm"]["problems"])
    assert all(r["llm"]["outcome"] == "answered" for n, r in enumerate(records) if n not in (2, 3))


def test_dry_run_estimates_within_15_percent_once_the_model_was_measured(base, tmp_path, monkeypatch):
    """A first run over some items teaches the estimate this model's answer length; a dry run over other items
    then lands within 15% of the prompt and completion tokens their real run reports."""
    from .conftest import ROOT

    monkeypatch.setenv("JOURNEY_LLM_CACHE", str(tmp_path / "cache"))
    lines = (ROOT / "corpora" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[len(lines) // 2:]) + "\n", encoding="utf-8")
    common = ["--extractor", "llm", "--base-url", base, "--few-shot", "0"]
    assert run_journey("extract", str(first), *common, "--out", str(tmp_path / "a.jsonl")).returncode == 0
    dry = run_journey("extract", str(second), *common, "--dry-run")
    assert dry.returncode == 0 and "learnt from" in dry.stderr, dry.stderr
    import re

    estimated = re.search(r"about ([\d,]+) prompt(?: \(.*?\))? and ([\d,]+) completion tokens", dry.stderr)
    before = stats(base)
    assert run_journey("extract", str(second), *common, "--out", str(tmp_path / "b.jsonl")).returncode == 0
    after = stats(base)
    prompt = after["prompt_tokens"] - before["prompt_tokens"]
    completion = after["completion_tokens"] - before["completion_tokens"]
    est_prompt, est_completion = (int(g.replace(",", "")) for g in estimated.groups())
    assert abs(est_prompt - prompt) <= 0.15 * prompt, (est_prompt, prompt)
    assert abs(est_completion - completion) <= 0.15 * completion, (est_completion, completion)


def test_the_dry_run_counts_the_repairs_a_model_needed_so_far(base, tmp_path, monkeypatch):
    """Repairs are requests a run reports too: once a model needed them for a third of the items, the dry run adds
    what they cost per item, and lands within 15% of a run that needs them as often (without them it is ~30% low)."""
    import re

    from .conftest import ROOT

    monkeypatch.setenv("JOURNEY_LLM_CACHE", str(tmp_path / "cache"))
    lines = [json.loads(line) for line in (ROOT / "corpora" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()]
    for n, row in enumerate(lines):  # every third item gets an answer its repair cannot mend either
        row["text"] += " Zephyr." if n % 3 == 0 else ""
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    for path, rows in ((first, lines[: len(lines) // 2]), (second, lines[len(lines) // 2:])):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    control(base, triggers={"Zephyr": "bad_quote"})
    common = ["--extractor", "llm", "--base-url", base, "--few-shot", "0", "--items-per-request", "1"]
    assert run_journey("extract", str(first), *common, "--out", str(tmp_path / "a.jsonl")).returncode == 0
    rates = json.loads((tmp_path / "cache" / "rates.json").read_text(encoding="utf-8"))
    assert next(iter(rates.values()))["repair_answer"] > 0
    dry = run_journey("extract", str(second), *common, "--dry-run")
    estimated = re.search(r"about ([\d,]+) prompt(?: \(.*?\))? and ([\d,]+) completion tokens", dry.stderr)
    before = stats(base)
    done = run_journey("extract", str(second), *common, "--out", str(tmp_path / "b.jsonl"))
    assert done.returncode == 0, done.stderr
    after = stats(base)
    prompt = after["prompt_tokens"] - before["prompt_tokens"]
    completion = after["completion_tokens"] - before["completion_tokens"]
    est_prompt, est_completion = (int(g.replace(",", "")) for g in estimated.groups())
    assert after["chat"] - before["chat"] > len(lines) - len(lines) // 2  # repairs were sent
    assert abs(est_prompt - prompt) <= 0.15 * prompt, (est_prompt, prompt)
    assert abs(est_completion - completion) <= 0.15 * completion, (est_completion, completion)


def test_a_repaired_answer_drops_labels_no_event_carries_instead_of_failing():
    item_model = JourneyPrompt(TAX, V1).item_model
    text = "The courier was late and the hotline never answered."
    entry = {"id": 2, "stage": "experience", "touchpoints": ["delivery", "phone"], "emotion": "frustration",
             "sentiment": -0.7, "pain_points": ["delay", "price"], "moment_of_truth": False, "customer_goal": None,
             "events": [{"stage": "experience", "touchpoint": "delivery", "emotion": "frustration",
                         "pain_point": "delay", "quote": "The courier was late"}]}
    checked = check_item(2, entry, Masked(text, text, ()), item_model, lenient=True)
    assert checked.answer["touchpoints"] == ["delivery"] and checked.answer["pain_points"] == ["delay"]
    assert len(checked.problems) == 2 and all(p.startswith("dropped") for p in checked.problems)


@pytest.mark.parametrize("route, body, name, context, cap", [
    ("/api/show", {"parameters": "temperature 0.7\nnum_ctx 8192", "model_info": {"qwen2.context_length": 32768}},
     "ollama", 8192, 2048),  # the Modelfile's num_ctx, never the model's trained maximum
    ("/api/show", {"parameters": "", "model_info": {"qwen2.context_length": 32768}}, "ollama", 4096, 2048),
    ("/api/v0/models", {"data": [{"id": "qwen", "loaded_context_length": 16384, "max_context_length": 32768}]},
     "lmstudio", 16384, 2048),
    ("/props", {"default_generation_settings": {"n_ctx": 2048}}, "llamacpp", 2048, 2048),
    ("/props", {"default_generation_settings": {"n_ctx": 16384, "params": {"n_predict": -1}}}, "llamacpp", 16384,
     16384),  # llama-server's default: an answer runs until the context is full
    ("/props", {"default_generation_settings": {"n_ctx": 16384, "params": {"n_predict": 600}}}, "llamacpp", 16384,
     600),  # started with --n-predict 600
    ("/v1/models", {"object": "list", "data": [{"id": "qwen", "max_model_len": 12000}]}, "vllm", 12000, 4096),
])
def test_the_server_kind_and_context_are_read_from_the_server(route, body, name, context, cap):
    """Each server's own route, as its documentation gives it, served by a throwaway loopback server."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self):
            found = self.path.rstrip("/") == route
            data = json.dumps(body if found else {"error": "not found"}).encode()
            self.send_response(200 if found else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        found = resolve_provider("auto", f"http://127.0.0.1:{server.server_address[1]}/v1", "qwen")
    finally:
        server.shutdown()
    assert (found.name, found.context_window, found.answer_cap(found.context_window)) == (name, context, cap)


def test_temperature_none_sends_no_temperature_at_all(base, tmp_path):
    """An Azure deployment of a reasoning model under another name: JOURNEY_LLM_TEMPERATURE=none."""
    from extractor.extractors.llm import resolve_settings

    settings = resolve_settings({"base_url": base, "api_key": "t", "cache_dir": tmp_path / "c", "few_shot": 0},
                                environ={"JOURNEY_LLM_TEMPERATURE": "none"})
    assert settings.temperature is None
    control(base, faults=["bad_quote"])
    engine = LLMExtractor(TAX, settings)
    engine.extract_many([FeedbackItem(item_id="x", text=TEXTS[0], lang="en")])
    engine.close()
    assert all("temperature" not in body for body in captured_requests(base))  # the request and its repair


def test_a_server_whose_answers_may_fill_the_context_gets_time_for_a_context_s_worth():
    """A 48-item answer at 16k on a CPU writes for longer than the 900 s that suit a 4k context; hosted APIs keep
    their own timeout."""
    from extractor.extractors.llm.provider import KNOWN

    assert KNOWN["llamacpp"].answer_timeout(4_096) == KNOWN["llamacpp"].timeout == 900.0
    assert KNOWN["llamacpp"].answer_timeout(16_384) > 3_000
    assert KNOWN["openai"].answer_timeout(128_000) == KNOWN["openai"].timeout
