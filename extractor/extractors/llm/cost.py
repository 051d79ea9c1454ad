"""Prices and the --dry-run estimate. Tokens are estimated without a tokenizer (sizing.py: tiktoken fetches its
vocabulary at first use); the real counts come from the usage the server returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .settings import LLMSettings

# OpenAI caches a prompt's prefix from this many tokens on, in steps of CACHE_STEP (Azure OpenAI the same).
CACHE_MIN_TOKENS, CACHE_STEP = 1024, 128


class Price(NamedTuple):
    """USD per 1M tokens: prompt tokens, answer tokens, and prompt tokens read from the provider's prompt cache."""

    input: float
    output: float
    cached_input: float


# List prices of common models (OpenAI pricing page); --price-input/--price-output/--price-cached override them.
# The Batch API costs half of these.
PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "gpt-4o": Price(2.50, 10.00, 1.25),
    "gpt-4.1": Price(2.00, 8.00, 0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025),
    "gpt-5-mini": Price(0.25, 2.00, 0.025),
    "gpt-5-nano": Price(0.05, 0.40, 0.005),
}


def price_of(settings: LLMSettings) -> Price | None:
    """The settings' prices, else the list price of the model, else None. A cached price not given is the list's,
    else the input price (no discount assumed)."""
    known = PRICES.get(settings.model) or next(
        (p for name, p in sorted(PRICES.items(), key=lambda kv: -len(kv[0])) if settings.model.startswith(name)), None)
    given = (settings.price_input, settings.price_output, settings.price_cached)
    if all(v is None for v in given):
        return known
    base = known or Price(0.0, 0.0, settings.price_input if settings.price_input is not None else 0.0)
    price_in = settings.price_input if settings.price_input is not None else base.input
    cached = settings.price_cached if settings.price_cached is not None else (
        base.cached_input if known is not None and settings.price_input is None else price_in)
    return Price(price_in, settings.price_output if settings.price_output is not None else base.output, cached)


def cost_of(price: Price, prompt_tokens: int, cached_tokens: int, completion_tokens: int) -> float:
    """USD for a run's tokens, the cached prompt tokens at the cached price."""
    fresh = max(0, prompt_tokens - cached_tokens)
    return (fresh * price.input + cached_tokens * price.cached_input + completion_tokens * price.output) / 1_000_000


@dataclass
class Estimate:
    """What a run would send, before anything is sent."""

    items: int = 0
    cached_items: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0  # of prompt_tokens, the stable prefix a provider's prompt cache would hold
    completion_tokens: int = 0
    cost: float | None = None
    too_long: int = 0  # items too long for the model's context: labelled by rules, never sent
    measured_items: int = 0  # answered items of earlier runs with this model and prompt the estimate learnt from

    def add(self, other: "Estimate") -> None:
        """Another chunk's estimate added to this one (the rates learnt are the latest chunk's)."""
        self.items += other.items
        self.cached_items += other.cached_items
        self.requests += other.requests
        self.prompt_tokens += other.prompt_tokens
        self.cached_prompt_tokens += other.cached_prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.too_long += other.too_long
        self.measured_items = other.measured_items

    def priced(self, settings: LLMSettings, batch_api: bool = False) -> "Estimate":
        price = price_of(settings)
        if price is not None:
            factor = 0.5 if batch_api else 1.0
            self.cost = factor * cost_of(price, self.prompt_tokens, self.cached_prompt_tokens, self.completion_tokens)
        return self
