"""Requests sized to the model: a request closes on its estimated prompt + answer tokens against the context window
and the answer cap, not only on item count and characters.

Tokens are estimated without a tokenizer (tiktoken downloads its vocabularies): characters per token by language,
and answer tokens per item from answers measured in this format, both corrected by the usage every answered request
reports. Corrections are plain sums (not moving averages), so the order in which concurrent answers arrive does not
change the next requests: a replayed run packs exactly the requests the recorded run packed. What a run learnt is
kept beside the answer cache, per model and prompt, so the next `--dry-run` starts from it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

# Characters per token of item text (cl100k and the Qwen/Llama tokenizers agree within ~10% on these).
CHARS_PER_TOKEN = {"en": 4.0, "pl": 3.0}
DEFAULT_CHARS_PER_TOKEN = 3.5
# Answer tokens per item, by answer format. "quotes" (journey-batch.v1: labels and events with their quotes): measured
# with the cl100k tokenizer on answers of this format, 133-150 English, up to 160 Polish. "clauses" (journey-batch.v2:
# short keys, evidence by clause number): about 30 for the item's labels plus 12-15 per event.
ANSWER_TOKENS = {"en": 150.0, "pl": 165.0}
# "lean clauses" (journey-batch.v3, no item stage): a few tokens fewer; it starts from the clauses format's rates,
# which never cut its answers short, and learns its own. "named clauses" (journey-batch.v4: the labels' ids, keys as
# words): about 45 for an item with one moment (Qwen2.5's tokenizer) plus 15 per further moment.
CLAUSE_ANSWER_TOKENS = {"en": 48.0, "pl": 50.0}
ANSWER_PRIORS = {"quotes": ANSWER_TOKENS, "clauses": CLAUSE_ANSWER_TOKENS, "lean clauses": CLAUSE_ANSWER_TOKENS,
                 "named clauses": {"en": 55.0, "pl": 58.0}, "moments-first clauses": {"en": 55.0, "pl": 58.0},
                 "feelings-first clauses": {"en": 55.0, "pl": 58.0},
                 "stage-after-moment clauses": {"en": 55.0, "pl": 58.0},
                 "feelings-then-stage clauses": {"en": 55.0, "pl": 58.0},
                 "feelings-then-stage problem-list clauses": {"en": 58.0, "pl": 61.0},
                 "feelings-then-stage two-moment clauses": {"en": 62.0, "pl": 65.0},
                 "stage-before-moment clauses": {"en": 55.0, "pl": 58.0}}
DEFAULT_ANSWER_TOKENS = 160.0
PRIOR_WEIGHT = 8.0  # the priors count as this many items until measurements outweigh them
ITEM_OVERHEAD = 12  # the item's id, lang and JSON punctuation
LEAN_ITEM_OVERHEAD = 7  # the same for the lean versions' items: id, text, compact JSON
CLAUSE_MARK_TOKENS = 3  # a clause's number in front of it: "[12]"
REQUEST_OVERHEAD = 16  # message framing
HEADROOM = 1.3  # an answer may run this much longer than its estimate before it is cut
CONTEXT_MARGIN = 64  # tokens kept free of the context window (chat template, rounding)


@dataclass
class TokenRates:
    """Estimated and measured token counts: prompt tokens per character, answer tokens per item per language."""

    answer_sum: dict[str, float] = field(default_factory=dict)
    answer_items: dict[str, float] = field(default_factory=dict)
    prompt_measured: float = 0.0
    prompt_estimated: float = 0.0
    repair_prompt: float = 0.0  # the repairs' tokens: what a run spends beyond its items' first answers
    repair_answer: float = 0.0
    priors: dict[str, float] = field(default_factory=lambda: dict(ANSWER_TOKENS))  # of the answer format; not saved

    # -- estimates -------------------------------------------------------------------------------------------

    def prompt_factor(self) -> float:
        """Measured / estimated prompt tokens so far (1.0 before the first answer), kept within [0.5, 2.5]."""
        if self.prompt_estimated < 1:
            return 1.0
        return min(2.5, max(0.5, (self.prompt_measured + 2000) / (self.prompt_estimated + 2000)))

    def text_tokens(self, text: str, lang: str | None = None) -> int:
        """Raw estimate of a text's tokens (before the measured correction)."""
        return math.ceil(len(text) / CHARS_PER_TOKEN.get(lang or "", DEFAULT_CHARS_PER_TOKEN))

    def answer_tokens(self, lang: str | None) -> float:
        """Answer tokens per item for this language: the prior, outweighed by measurements as they come."""
        key = lang or "?"
        prior = self.priors.get(key, sum(self.priors.values()) / len(self.priors) if self.priors else
                                DEFAULT_ANSWER_TOKENS)
        return (prior * PRIOR_WEIGHT + self.answer_sum.get(key, 0.0)) / (PRIOR_WEIGHT + self.answer_items.get(key, 0.0))

    def repair_tokens(self) -> tuple[float, float]:
        """Prompt and answer tokens the repairs have cost per item measured so far (0, 0 before any). The dry run
        adds them to every item it estimates; packing requests does not (a repair is a request of its own)."""
        items = self.measured_items()
        return (self.repair_prompt / items, self.repair_answer / items) if items else (0.0, 0.0)

    # -- corrections -----------------------------------------------------------------------------------------

    def observe(self, langs: list[str | None], estimated_prompt: int, prompt_tokens: int,
                completion_tokens: int) -> None:
        """One answered request: its items' languages, its raw prompt estimate and the server's counts. The answer
        tokens are shared among the items in proportion to their languages' current estimates."""
        if prompt_tokens > 0 and estimated_prompt > 0:
            self.prompt_measured += prompt_tokens
            self.prompt_estimated += estimated_prompt
        if completion_tokens <= 0 or not langs:
            return
        expected = [self.answer_tokens(lang) for lang in langs]
        total = sum(expected) or 1.0
        for lang, share in zip(langs, expected):
            key = lang or "?"
            self.answer_sum[key] = self.answer_sum.get(key, 0.0) + completion_tokens * share / total
            self.answer_items[key] = self.answer_items.get(key, 0.0) + 1.0

    def observe_repair(self, prompt_tokens: int, completion_tokens: int) -> None:
        """One repair request's counts (its items' first answers were observed already)."""
        self.repair_prompt += max(0, prompt_tokens)
        self.repair_answer += max(0, completion_tokens)

    def measured_items(self) -> int:
        return int(sum(self.answer_items.values()))

    # -- kept between runs -----------------------------------------------------------------------------------

    def to_json(self) -> dict:
        return {"answer_sum": self.answer_sum, "answer_items": self.answer_items,
                "prompt_measured": self.prompt_measured, "prompt_estimated": self.prompt_estimated,
                "repair_prompt": self.repair_prompt, "repair_answer": self.repair_answer}

    @classmethod
    def from_json(cls, data: dict) -> "TokenRates":
        try:
            return cls({str(k): float(v) for k, v in data.get("answer_sum", {}).items()},
                       {str(k): float(v) for k, v in data.get("answer_items", {}).items()},
                       float(data.get("prompt_measured", 0.0)), float(data.get("prompt_estimated", 0.0)),
                       float(data.get("repair_prompt", 0.0)), float(data.get("repair_answer", 0.0)))
        except (AttributeError, TypeError, ValueError):
            return cls()


class RatesFile:
    """`rates.json` beside the answer cache: TokenRates per model and prompt id."""

    def __init__(self, folder: Path):
        self.path = folder / "rates.json"

    def _all(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self, key: str) -> TokenRates:
        found = self._all().get(key)
        return TokenRates.from_json(found) if isinstance(found, dict) else TokenRates()

    def save(self, key: str, rates: TokenRates) -> None:
        data = self._all()
        data[key] = rates.to_json()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:  # the rates only improve estimates: never fail a run over them
            pass


@dataclass(frozen=True)
class Limits:
    """The token limits one request must fit."""

    context_window: int
    max_output_tokens: int

    def answer_room(self, prompt_tokens: int) -> int:
        """The answer cap a request with this prompt can ask for."""
        return max(0, min(self.max_output_tokens, self.context_window - prompt_tokens - CONTEXT_MARGIN))
