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


@lru_cache(maxsize=1)
def _sentiment_words() -> dict[str, tuple[frozenset[str], tuple[str, ...]]]:
    """Per language: its one-word sentiment entries (exact words, and stems of `stem*` entries), minus those
    both languages share ("super", "ok")."""
    words: dict[str, set[str]] = {}
    stems: dict[str, set[str]] = {}
    for lang in LANGUAGES:
        lex = load_lexicon(lang)
        entries = [*lex.positive, *lex.positive_strong, *lex.negative, *lex.negative_strong]
        single = [e.lower() for e in entries if " " not in e]
        words[lang] = {e for e in single if not e.endswith("*")}
        stems[lang] = {e[:-1] for e in single if e.endswith("*") and len(e) > 4}
    shared = set.intersection(*words.values())
    return {lang: (frozenset(words[lang] - shared), tuple(sorted(stems[lang] - set.intersection(*stems.values()))))
            for lang in LANGUAGES}


def _lexicon_vote(words: set[str]) -> str | None:
    votes = {}
    for lang, (exact, stems) in _sentiment_words().items():
        votes[lang] = sum(w in exact or w.startswith(stems) for w in words)
    best = max(votes, key=votes.__getitem__)
    return best if votes[best] and sum(v == votes[best] for v in votes.values()) == 1 else None


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
        # No stop word and no Polish letter: the sentiment words decide ("fajna", "szybko i sprawnie"), else
        # short ASCII texts ("Great product!!") are far more often English.
        by_words = _lexicon_vote(words)
        if by_words:
            return by_words
        return "en" if sample.isascii() else None
    return None if sum(s == scores[best] for s in scores.values()) > 1 else best
