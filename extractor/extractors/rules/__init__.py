"""The offline `rules` extractor (spaCy blank tokenizer + taxonomy cues)."""

from .extractor import RulesExtractor

__all__ = ["RulesExtractor"]
