"""Language detection for English and Polish feedback: stop words and Polish letters, no model."""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicons import LANGUAGES, load_lexicon

_WORD = re.compile(r"[^\W\d_]+")
_POLISH_LETTERS = re.compile(r"[ąćęłńśźżĄĆĘŁŃŚŹŻ]")
_SAMPLE_CHARS = 600


@lru_cache(maxsize=1)
def _stopwords() -> dict[str, frozenset[str]]:
    sets = {lang: set(load_lexicon(lang).stopwords) for lang in LANGUAGES}
    shared = set.intersection(*sets.values())
    return {lang: frozenset(words - shared) for lang, words in sets.items()}


def detect_language(text: str) -> str | None:
    """'en', 'pl', or None when the text gives no evidence either way (no letters, no known words)."""
    sample = text[:_SAMPLE_CHARS]
    words = _WORD.findall(sample.lower())
    if not words:
        return None
    stop = _stopwords()
    scores = {lang: sum(1 for w in words if w in stop[lang]) for lang in LANGUAGES}
    scores["pl"] += 2 * len(_POLISH_LETTERS.findall(sample))
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] == 0:
        # No stop word and no Polish letter: short ASCII texts ("Great product!!") are far more often English.
        return "en" if sample.isascii() else None
    others = [s for lang, s in scores.items() if lang != best]
    return None if others and max(others) == scores[best] else best
