"""Language detection for English and Polish feedback: stop words and Polish letters, no model."""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicons import LANGUAGES, load_lexicon

_SAMPLE_CHARS = 400
_POLISH_LETTERS = "ąćęłńśźż"
_WORD = re.compile(r"\w+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _stopwords() -> dict[str, frozenset[str]]:
    sets = {lang: set(load_lexicon(lang).stopwords) for lang in LANGUAGES}
    shared = set.intersection(*sets.values())
    return {lang: frozenset(words - shared) for lang, words in sets.items()}


def detect_language(text: str) -> str | None:
    """'en', 'pl', or None when the text gives no evidence either way (no letters, or a tie)."""
    sample = text[:_SAMPLE_CHARS].lower()
    if not _HAS_LETTER.search(sample):
        return None
    words = set(_WORD.findall(sample))
    stop = _stopwords()
    scores = {lang: len(stop[lang].intersection(words)) for lang in LANGUAGES}
    scores["pl"] += 2 * sum(map(sample.count, _POLISH_LETTERS))
    best = max(scores, key=scores.__getitem__)
    if scores[best] == 0:
        # No stop word and no Polish letter: short ASCII texts ("Great product!!") are far more often English.
        return "en" if sample.isascii() else None
    return None if sum(s == scores[best] for s in scores.values()) > 1 else best
