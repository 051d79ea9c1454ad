"""The llm extractor: an OpenAI-compatible chat model with strict structured output, batched, cached, grounded."""

from .extractor import LLMExtractor
from .settings import LLMSettings, resolve_settings

__all__ = ["LLMExtractor", "LLMSettings", "resolve_settings"]
