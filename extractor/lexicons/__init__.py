"""Per-language word lists that are not labels: negators, intensifiers, sentiment words, stop words."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

LANGUAGES = ("en", "pl")


class Lexicon(BaseModel):
    """One language's general word lists (cue syntax of the taxonomy FORMAT.md)."""

    model_config = ConfigDict(extra="ignore")

    language: str
    negators: list[str] = Field(default_factory=list)
    intensifiers: list[str] = Field(default_factory=list)
    diminishers: list[str] = Field(default_factory=list)
    contrast: list[str] = Field(default_factory=list)
    positive: list[str] = Field(default_factory=list)
    positive_strong: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)
    negative_strong: list[str] = Field(default_factory=list)
    stopwords: list[str] = Field(default_factory=list)


@lru_cache(maxsize=8)
def load_lexicon(lang: str) -> Lexicon:
    """The packaged lexicon of `lang` (one of LANGUAGES)."""
    text = resources.files("extractor.lexicons").joinpath(f"{lang}.json").read_text(encoding="utf-8")
    return Lexicon.model_validate(json.loads(text))
