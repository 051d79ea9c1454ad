"""Prices and the --dry-run estimate. Tokens are estimated without a tokenizer (sizing.py: tiktoken fetches its
vocabulary at first use); the real counts come from the usage the server returns."""

from __future__ import annotations

from dataclasses import dataclass

from .settings import LLMSettings

# USD per 1M tokens (input, output), list prices of common models; --price-input/--price-output override them.
# The Batch API costs half of these.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
}

def price_of(settings: LLMSettings) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens: the settings' prices, else the list price of the model, else None."""
    known = PRICES.get(settings.model) or next(
        (p for name, p in sorted(PRICES.items(), key=lambda kv: -len(kv[0])) if settings.model.startswith(name)), None)
    if settings.price_input is not None or settings.price_output is not None:
        base = known or (0.0, 0.0)
        return (settings.price_input if settings.price_input is not None else base[0],
                settings.price_output if settings.price_output is not None else base[1])
    return known


@dataclass
class Estimate:
    """What a run would send, before anything is sent."""

    items: int = 0
    cached_items: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    too_long: int = 0  # items too long for the model's context: labelled by rules, never sent
    measured_items: int = 0  # answered items of earlier runs with this model and prompt the estimate learnt from

    def priced(self, settings: LLMSettings, batch_api: bool = False) -> "Estimate":
        price = price_of(settings)
        if price is not None:
            factor = 0.5 if batch_api else 1.0
            self.cost = factor * (self.prompt_tokens * price[0] + self.completion_tokens * price[1]) / 1_000_000
        return self
