"""What a run costs: list prices with the provider's cached-input price, prices given by the user, the dry run's
estimate of the cached instructions' prefix, and the run summary priced from the usage the server reports."""

from __future__ import annotations

import re

import pytest

from extractor.extractors.llm import LLMSettings
from extractor.extractors.llm.client import Usage
from extractor.extractors.llm.cost import CACHE_MIN_TOKENS, Price, cost_of, price_of

from .standin.fixture import reset
from .test_llm import items, make


def test_list_prices_carry_the_cached_input_price():
    assert price_of(LLMSettings(model="gpt-4o-mini")) == Price(0.15, 0.60, 0.075)
    assert price_of(LLMSettings(model="gpt-4.1-mini-2025-04-14")) == Price(0.40, 1.60, 0.10)  # a dated snapshot
    assert price_of(LLMSettings(model="my-local-model")) is None


@pytest.mark.parametrize("given,expected", [
    (dict(price_input=1.0, price_output=2.0), Price(1.0, 2.0, 1.0)),  # no cached price known: no discount assumed
    (dict(price_input=1.0, price_output=2.0, price_cached=0.1), Price(1.0, 2.0, 0.1)),
    (dict(price_output=0.5), Price(0.15, 0.5, 0.075)),  # the rest from gpt-4o-mini's list
    (dict(price_input=0.2), Price(0.2, 0.60, 0.2)),  # a new input price: the list's cached price no longer applies
])
def test_prices_given_by_the_user(given, expected):
    assert price_of(LLMSettings(model="gpt-4o-mini", **given)) == expected
    assert price_of(LLMSettings(model="my-local-model", **given)) == Price(
        expected.input if "price_input" in given else 0.0, given.get("price_output", 0.0),
        given.get("price_cached", given.get("price_input", 0.0)))


def test_cached_prompt_tokens_are_paid_at_the_cached_price():
    usage = Usage(prompt_tokens=1_000_000, cached_tokens=600_000, completion_tokens=100_000)
    assert usage.cost(LLMSettings(model="gpt-4o-mini")) == pytest.approx(0.4 * 0.15 + 0.6 * 0.075 + 0.1 * 0.60)
    assert cost_of(Price(1.0, 1.0, 0.5), 100, 400, 0) == pytest.approx(400 * 0.5 / 1e6)  # never a negative fresh part


def test_the_dry_run_counts_the_instructions_prefix_as_cached_after_the_first_request(base, tmp_path):
    engine = make(base, tmp_path, items_per_request=4, model="gpt-4o-mini")
    estimate = engine.estimate(items(16))
    prefix = round(engine._system_tokens() * engine.rates.prompt_factor())
    assert prefix >= CACHE_MIN_TOKENS and estimate.requests == 4
    assert estimate.cached_prompt_tokens == 3 * (prefix // 128 * 128) < estimate.prompt_tokens
    undiscounted = (estimate.prompt_tokens * 0.15 + estimate.completion_tokens * 0.60) / 1e6
    assert estimate.cost == pytest.approx(undiscounted - estimate.cached_prompt_tokens * 0.075 / 1e6)


def test_the_run_summary_prices_what_the_server_reports_as_cached(base, tmp_path, capsys):
    from extractor.cli.llm import print_usage

    reset(base)
    engine = make(base, tmp_path, items_per_request=4, model="gpt-4o-mini")
    engine.extract_many(items(16))
    usage = engine.usage
    assert usage.requests == 4 and 0 < usage.cached_tokens < usage.prompt_tokens  # the stand-in caches the prefix
    print_usage(engine)
    err = capsys.readouterr().err
    shown = float(re.search(r"cost about \$([\d.]+) at list price, cached prompt tokens at the cached price",
                            err).group(1))
    fresh = usage.prompt_tokens - usage.cached_tokens
    assert shown == pytest.approx((fresh * 0.15 + usage.cached_tokens * 0.075 + usage.completion_tokens * 0.6) / 1e6,
                                  abs=1e-4)
    assert re.search(r"\d+% read from the provider's prompt cache", err)
