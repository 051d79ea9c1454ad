"""Extractors turn a FeedbackItem into a JourneyRecord; each has the same small protocol."""

from __future__ import annotations

from typing import Protocol

from ..errors import UsageError
from ..schema import FeedbackItem, JourneyRecord
from ..taxonomy import Taxonomy

EXTRACTORS = ("rules", "keyword", "llm")


class Extractor(Protocol):
    name: str
    taxonomy: Taxonomy

    def extract(self, item: FeedbackItem) -> JourneyRecord: ...

    def record_json(self, item: FeedbackItem) -> str:
        """The record as one JSON line, exactly as `extract(item).model_dump_json()`."""
        ...

    def warm_up(self) -> None:
        """Build whatever is built lazily, before worker processes are forked."""
        ...


def make_extractor(name: str, taxonomy: Taxonomy, llm=None) -> Extractor:
    """The extractor called `name`, labelling with `taxonomy`; `llm` holds the llm extractor's LLMSettings
    (default: from the environment and journey.toml)."""
    if name == "rules":
        from .rules import RulesExtractor

        return RulesExtractor(taxonomy)
    if name == "keyword":
        from .keyword import KeywordExtractor

        return KeywordExtractor(taxonomy)
    if name == "llm":
        from .llm import LLMExtractor, resolve_settings

        return LLMExtractor(taxonomy, llm or resolve_settings())
    raise UsageError(f"unknown extractor {name!r}: choose one of {', '.join(EXTRACTORS)}")
