"""The real-server tier: `journey extract --extractor llm` against llama.cpp's own `llama-server` with a real model
(Gemma 3 270M, the smallest: plumbing, not quality). The request must be accepted as sent (the answer schema as a
compact GBNF grammar holding the answer to the request's item ids, max_tokens), the grammar-constrained answer must
parse with one entry per item, and every item must end as a record, with either prompt version."""

from __future__ import annotations

import json

import pytest

from .conftest import run_journey
from .llama import get, llama_server

TEXTS = [("en", "The parcel was late and the courier never called."),
         ("pl", "Paczka nie dotarła, a infolinia nie odbiera.")]


@pytest.fixture(scope="module")
def gemma():
    with llama_server("gemma", context=4096) as url:
        yield url


def test_the_server_reports_its_context_and_our_provider_detection_reads_it(gemma):
    from extractor.extractors.llm.provider import resolve_provider

    props = get(gemma[: -len("/v1")] + "/props")
    assert props["default_generation_settings"]["n_ctx"] == 4096
    provider = resolve_provider("auto", gemma, "gemma")
    assert provider.name == "llamacpp" and provider.context_window == 4096 and provider.detected_context
    assert provider.max_tokens_param == "max_tokens"


@pytest.mark.parametrize("prompt", ["journey-batch.v1", "journey-batch.v2"])
def test_extract_against_a_real_llama_server(gemma, tmp_path, prompt):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps({"id": f"g{n}", "lang": lang, "text": text}, ensure_ascii=False) + "\n"
                           for n, (lang, text) in enumerate(TEXTS)), encoding="utf-8")
    done = run_journey("extract", str(src), "--extractor", "llm", "--base-url", gemma, "--model", "gemma-3-270m",
                       "--few-shot", "0", "--no-cache", "--concurrency", "1", "--max-output-tokens", "600",
                       "--prompt", prompt, "--out", str(out), timeout=900)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "server: llamacpp, context 4,096 tokens (reported by the server)" \
        in done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["item_id"] for r in records] == ["g0", "g1"]
    for record, (_, text) in zip(records, TEXTS):
        assert record["llm"]["model"] == "gemma-3-270m"
        # the grammar held: whatever the base model said, it was JSON of our schema (its labels may be poor)
        assert not any("not valid JSON" in p or "no \"items\" list" in p or "missing from the answer" in p
                       or "not an item of the request" in p for p in record["llm"]["problems"])
        assert record["llm"]["prompt_id"].startswith(prompt + "@")
        assert all(text[e["evidence"]["start"]:e["evidence"]["end"]] == e["evidence"]["quote"]
                   for e in record["events"])
