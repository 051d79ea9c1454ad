"""Compile taxonomy and lexicon cues into a token-level index, and analyse each distinct word once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from spacy.tokenizer import Tokenizer

# Polish letters and typographic quotes folded so that "dotarla" matches "dotarła" and "don’t" matches "don't".
_FOLD = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ’‘`´", "acelnoszzACELNOSZZ''''")

SENTENCE_END = frozenset({".", "!", "?", "…", "...", "!!", "!!!", "?!", "!?", "??", "???", "?!?", "!?!"})
CLAUSE_END = frozenset({",", ";", ":", "(", ")", "-", "–", "—", "/", '"', "“", "”", "„"})

# Kinds of targets a cue points at.
STAGE, TOUCHPOINT, EMOTION, PAIN_POINT, MOMENT, POLARITY = "stage", "touchpoint", "emotion", "pain_point", "mot", "polarity"


def fold(word: str) -> str:
    """Lowercase and fold Polish letters, as both cues and text tokens are compared."""
    return word.lower().translate(_FOLD)


@dataclass(frozen=True)
class Target:
    kind: str
    label: str | None
    value: float = 1.0


@dataclass(frozen=True)
class Cue:
    """A compiled cue: the words after its first one (each exact or a stem), whether it is negated, its target."""

    rest: tuple[tuple[str, bool], ...]
    negated: bool
    target: Target
    text: str


@dataclass
class WordInfo:
    """What one distinct folded word means to the extractor; cached per word form."""

    folded: str
    starts: list[Cue] = field(default_factory=list)
    negator: bool = False
    intensifier: bool = False
    diminisher: bool = False
    contrast: bool = False
    sentence_end: bool = False
    clause_end: bool = False
    inert: bool = False


_MISSING = WordInfo("")


def word_matches(folded: str, pattern: tuple[str, bool]) -> bool:
    text, is_stem = pattern
    return folded.startswith(text) if is_stem else folded == text


class CueIndex:
    """All cues of one language, indexed by their first word, with a per-word analysis cache."""

    MAX_CACHE = 400_000

    def __init__(self, tokenizer: Tokenizer, negators: Iterable[str]):
        self.tokenizer = tokenizer
        self.negators = frozenset(fold(n) for n in negators)
        self._exact: dict[str, list[Cue]] = {}
        self._stems: dict[str, list[Cue]] = {}
        self._min_stem = 99
        self._flags: dict[str, set[str]] = {"intensifier": set(), "diminisher": set(), "contrast": set()}
        self._multi_flags: list[tuple[str, tuple[tuple[str, bool], ...]]] = []
        self._cache: dict[int, WordInfo | None] = {}
        self._folded: dict[int, str] = {}

    def _words(self, cue: str) -> list[tuple[str, bool]]:
        words: list[tuple[str, bool]] = []
        for raw in cue.split():
            is_stem = raw.endswith("*")
            raw = raw.rstrip("*")
            pieces = [fold(t.text) for t in self.tokenizer(raw)] or [fold(raw)]
            words += [(p, False) for p in pieces[:-1]] + [(pieces[-1], is_stem)]
        return words

    def add(self, cue: str, target: Target) -> None:
        """Compile one cue; words up to a negator are dropped and the rest is the negated cue."""
        words = self._words(cue)
        negated = False
        for i, (w, _) in enumerate(words):
            if w in self.negators:
                negated, words = True, words[i + 1:]
                break
        if not words:
            return
        compiled = Cue(tuple(words[1:]), negated, target, cue)
        first, is_stem = words[0]
        if is_stem:
            self._stems.setdefault(first, []).append(compiled)
            self._min_stem = min(self._min_stem, len(first))
        else:
            self._exact.setdefault(first, []).append(compiled)
        self._cache.clear()

    def add_flag(self, flag: str, words: Iterable[str]) -> None:
        """Mark words as intensifier, diminisher or contrast; multi-word ones mark their first word."""
        for entry in words:
            tokens = self._words(entry)
            if tokens:
                self._flags[flag].add(tokens[0][0])
        self._cache.clear()

    def _analyse(self, lower: str) -> WordInfo:
        folded = fold(lower)
        info = WordInfo(folded)
        info.starts = list(self._exact.get(folded, ()))
        for k in range(self._min_stem, len(folded) + 1):
            cues = self._stems.get(folded[:k])
            if cues:
                info.starts += cues
        info.negator = folded in self.negators
        info.intensifier = folded in self._flags["intensifier"]
        info.diminisher = folded in self._flags["diminisher"]
        info.contrast = folded in self._flags["contrast"]
        stripped = lower.strip(" \t")
        info.sentence_end = folded in SENTENCE_END or "\n" in lower or (
            bool(stripped) and set(stripped) <= {".", "!", "?", "…"})
        info.clause_end = folded in CLAUSE_END
        info.inert = not (info.starts or info.negator or info.intensifier or info.diminisher or info.contrast
                          or info.sentence_end or info.clause_end)
        return info

    def infos(self, keys: list[int], strings) -> list[WordInfo | None]:
        """The analysis of each token (None for words that mean nothing to matching), by lowercase hash."""
        cache = self._cache
        get = cache.get
        found = [get(k, _MISSING) for k in keys]
        if _MISSING in found:
            if len(cache) >= self.MAX_CACHE:  # keeps memory flat on endless vocabularies
                cache.clear()
                self._folded.clear()
            for i, k in enumerate(keys):
                if found[i] is _MISSING:
                    info = self._analyse(strings[k])
                    found[i] = cache[k] = None if info.inert else info
        return found

    def folded(self, key: int, strings) -> str:
        """The folded form of a token, for the second and later words of multi-word cues."""
        text = self._folded.get(key)
        if text is None:
            text = self._folded[key] = fold(strings[key])
        return text
