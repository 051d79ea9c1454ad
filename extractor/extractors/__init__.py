"""Extractors turn a FeedbackItem into a JourneyRecord; each has the same small protocol, used as declared:
callers never probe an extractor for what it can do."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

from ..errors import UsageError
from ..schema import FeedbackItem, JourneyRecord
from ..taxonomy import Taxonomy

EXTRACTORS = ("rules", "keyword", "llm", "learned")


class Extractor(Protocol):
    name: str
    taxonomy: Taxonomy
    batched: bool  # True when extract_many labels several items in one go (the llm extractor: one request each)
    batch_rows: int  # how many items a caller hands extract_many at once

    def extract(self, item: FeedbackItem) -> JourneyRecord: ...

    def record_json(self, item: FeedbackItem) -> str:
        """The record as one JSON line, exactly as `extract(item).model_dump_json()`."""
        ...

    def extract_many(self, items: Sequence[FeedbackItem]) -> list[JourneyRecord | None]:
        """Records in the items' order; None for an item left unlabelled (a cost budget was reached)."""
        ...

    def records_json(self, items: Sequence[FeedbackItem]) -> list[str | None]:
        """`extract_many`'s records as JSON lines, exactly as `model_dump_json()` writes them (the batched run's
        path: an extractor may write them without building the models)."""
        ...

    def warm_up(self) -> None:
        """Build whatever is built lazily, before worker processes are forked."""
        ...

    def close(self) -> None:
        """Release connections and caches at the end of a run."""
        ...


class OneByOne:
    """What an extractor that labels one item at a time shares: the protocol's other methods, from `extract`."""

    batched = False
    batch_rows = 256

    def extract(self, item: FeedbackItem) -> JourneyRecord:
        raise NotImplementedError

    def record_json(self, item: FeedbackItem) -> str:
        return self.extract(item).model_dump_json()

    def extract_many(self, items: Sequence[FeedbackItem]) -> list[JourneyRecord | None]:
        return [self.extract(item) for item in items]

    def records_json(self, items: Sequence[FeedbackItem]) -> list[str | None]:
        return [None if record is None else record.model_dump_json() for record in self.extract_many(items)]

    def warm_up(self) -> None:
        pass

    def close(self) -> None:
        pass


def make_extractor(name: str, taxonomy: Taxonomy, llm=None, *, store=None, reviewed: Path | None = None,
                   max_cost: float | None = None, dry_run: bool = False, learned_model: Path | None = None
                   ) -> Extractor:
    """The extractor called `name`, labelling with `taxonomy`: the one factory the CLI, the server, eval and the
    benchmarks build extractors with. For `llm`: `llm` holds its LLMSettings (default: from the environment and
    journey.toml); few-shot examples come from the `reviewed` items file, then the feedback `store`; `max_cost`
    stops a run at that many USD; `dry_run` builds one that only estimates (no key needed). For `learned`: the
    model folder `journey train` wrote (default: the model shipped in the package)."""
    if learned_model is not None and name != "learned":
        raise UsageError(f"--learned-model is for --extractor learned, not {name}")
    if name == "rules":
        from .rules import RulesExtractor

        return RulesExtractor(taxonomy)
    if name == "keyword":
        from .keyword import KeywordExtractor

        return KeywordExtractor(taxonomy)
    if name == "learned":
        from .learned import LearnedExtractor, LearnedModel
        from .learned.model import SHIPPED_MODEL

        return LearnedExtractor(taxonomy, LearnedModel.load(learned_model or SHIPPED_MODEL))
    if name == "llm":
        from .llm import LLMExtractor, resolve_settings
        from .llm.cost import price_of
        from .llm.examples import few_shot_source

        settings = llm or resolve_settings()
        if settings.api_key is None and settings.base_url is None and not dry_run:
            raise UsageError("the llm extractor needs a key: set OPENAI_API_KEY (or --base-url for a server that "
                             "needs none, e.g. Ollama or vLLM). To see the cost first: --dry-run")
        if max_cost is not None and price_of(settings) is None:
            raise UsageError(f"--max-cost: no list price is known for {settings.model!r}; give --price-input and "
                             "--price-output (USD per 1M tokens)")
        examples = few_shot_source(store, reviewed, settings.mask) if settings.few_shot else None
        return LLMExtractor(taxonomy, settings, examples=examples, max_cost=max_cost)
    raise UsageError(f"unknown extractor {name!r}: choose one of {', '.join(EXTRACTORS)}")
