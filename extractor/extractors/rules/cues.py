"""Compile taxonomy and lexicon cues into a token-level index, and analyse each distinct word once.

A multi-word cue is indexed by its most specific word (its anchor), not its first: "my parcel
never came" waits for "parcel", so the many cues that begin with "my", "the" or "w" cost nothing
on the thousands of tokens that are only "my", "the" or "w".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from . import spacy_lean  # noqa: F401 - first: imports spaCy without its CLI
from spacy.tokenizer import Tokenizer

from ...taxonomy import parse_cue
from ...textnorm import fold

SENTENCE_END = frozenset({".", "!", "?", "…", "...", "!!", "!!!", "?!", "!?", "??", "???", "?!?", "!?!"})
CLAUSE_END = frozenset({",", ";", ":", "(", ")", "-", "–", "—", "/", '"', "“", "”", "„"})

# Kinds of targets a cue points at.
STAGE, TOUCHPOINT, EMOTION, PAIN_POINT, MOMENT, POLARITY = "stage", "touchpoint", "emotion", "pain_point", "mot", "polarity"

Pattern = tuple[str, bool]  # (folded word or stem, is a stem)
_PLAIN_WORD = re.compile(r"^[^\W_]+$")


def word_matches(folded: str, pattern: Pattern) -> bool:
    text, is_stem = pattern
    return folded.startswith(text) if is_stem else folded == text


@dataclass(frozen=True)
class Target:
    kind: str
    label: str | None
    value: float = 1.0


@dataclass(frozen=True, eq=False)
class Cue:
    """A compiled cue: its words (exact or stems), the anchor word it is indexed by, negation, target."""

    words: tuple[Pattern, ...]
    anchor: int
    negated: bool
    target: Target
    text: str


class _ByWord:
    """Cues keyed by one neighbouring word pattern: exact words in a dict, stems in a short list."""

    __slots__ = ("exact", "stems")

    def __init__(self) -> None:
        self.exact: dict[str, list[Cue]] = {}
        self.stems: list[tuple[str, list[Cue]]] = []

    def add(self, pattern: Pattern, cue: Cue) -> None:
        text, is_stem = pattern
        if not is_stem:
            self.exact.setdefault(text, []).append(cue)
            return
        for stem, cues in self.stems:
            if stem == text:
                cues.append(cue)
                return
        self.stems.append((text, [cue]))

    def __bool__(self) -> bool:
        return bool(self.exact or self.stems)

    def get(self, word: str) -> list[Cue] | None:
        found = self.exact.get(word)
        for stem, cues in self.stems:
            if word.startswith(stem):
                found = (found or []) + cues
        return found


@dataclass(eq=False)
class CueStarts:
    """The cues anchored at one word, split by the neighbour they need, so matching tries only likely ones.

    Cues with words after the anchor are keyed by the next word; cues that end at the anchor but have
    words before it are keyed by the previous word; one-word cues always match.
    """

    singles: list[Cue] = field(default_factory=list)
    by_next: _ByWord = field(default_factory=_ByWord)
    by_prev: _ByWord = field(default_factory=_ByWord)
    has_next: bool = False
    has_prev: bool = False

    @classmethod
    def of(cls, cues: list[Cue]) -> CueStarts | None:
        if not cues:
            return None
        starts = cls()
        for cue in cues:
            if cue.anchor + 1 < len(cue.words):
                starts.by_next.add(cue.words[cue.anchor + 1], cue)
            elif cue.anchor:
                starts.by_prev.add(cue.words[cue.anchor - 1], cue)
            else:
                starts.singles.append(cue)
        starts.has_next, starts.has_prev = bool(starts.by_next), bool(starts.by_prev)
        return starts


@dataclass(eq=False)
class WordInfo:
    """What one distinct folded word means to the extractor; cached per word form."""

    folded: str
    starts: CueStarts | None = None
    negator: bool = False
    intensifier: bool = False
    diminisher: bool = False
    contrast: bool = False
    sentence_end: bool = False
    clause_end: bool = False


_MISSING = WordInfo("")


class CueIndex:
    """All cues of one language, indexed by their anchor word, with a per-word analysis cache."""

    MAX_CACHE = 150_000
    MAX_VOCAB = 300_000  # spaCy's vocabulary only grows; a fresh tokenizer keeps memory flat on endless input

    def __init__(self, new_tokenizer: Callable[[], Tokenizer], negators: Iterable[str],
                 common_words: Iterable[str] = ()):
        self._new_tokenizer = new_tokenizer
        self.tokenizer = new_tokenizer()
        self.negators = frozenset(fold(n) for n in negators)
        self._common = frozenset(fold(w) for w in common_words)
        self._exact: dict[str, list[Cue]] = {}
        self._stems: dict[str, list[Cue]] = {}
        self._stem_lengths: list[int] | None = None
        self._flags: dict[str, set[str]] = {"intensifier": set(), "diminisher": set(), "contrast": set()}
        self._cache: dict[int, WordInfo | None] = {}
        self.folded_forms: dict[int, str] = {}  # a word's folded form by its lexeme key (read by the extractor's hot loop)
        self._pieces: dict[str, list[str]] = {}
        self._special_cases = frozenset(self.tokenizer.rules or ())  # "cannot" -> "can" + "not"

    def _words(self, cue: str) -> list[Pattern]:
        """The cue's words as token patterns: each written word split by the texts' tokenizer ("can't" is "ca" +
        "n't"), folded, the last piece of a stem word a stem."""
        words: list[Pattern] = []
        for word in parse_cue(cue).words:
            raw, is_stem = word.written, word.stem
            pieces = self._pieces.get(raw)
            if pieces is None:
                if _PLAIN_WORD.match(raw) and raw not in self._special_cases:  # kept whole: skip the tokenizer
                    pieces = [fold(raw)]
                else:
                    pieces = [fold(t.text) for t in self.tokenizer(raw)] or [fold(raw)]
                self._pieces[raw] = pieces
            words += [(p, False) for p in pieces[:-1]] + [(pieces[-1], is_stem)]
        return words

    def _anchor(self, words: list[Pattern]) -> int:
        """The most specific word: the longest word that is not a common one (a stop word or a word of one or
        two letters; an exact word wins a tie with a stem). Short words are frequent: anchoring "liczył* na" on "na" would wake the cue at every "na"."""
        def specificity(k: int) -> tuple[bool, int]:
            text, is_stem = words[k]
            return (len(text) > 2 and text not in self._common, 2 * len(text) + (not is_stem))
        return max(range(len(words)), key=specificity)

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
        anchor = self._anchor(words)
        compiled = Cue(tuple(words), anchor, negated, target, cue)
        text, is_stem = words[anchor]
        if is_stem:
            self._stems.setdefault(text, []).append(compiled)
            self._stem_lengths = None
        else:
            self._exact.setdefault(text, []).append(compiled)
        self._cache.clear()

    def add_flag(self, flag: str, words: Iterable[str]) -> None:
        """Mark words as intensifier, diminisher or contrast; multi-word ones mark their first word."""
        for entry in words:
            tokens = self._words(entry)
            if tokens:
                self._flags[flag].add(tokens[0][0])
        self._cache.clear()

    def _analyse(self, lower: str) -> WordInfo | None:
        """What one word form means to matching, or None when it means nothing (most new words: checked first)."""
        folded = fold(lower)
        starts = self._exact.get(folded)
        starts = list(starts) if starts else []
        if self._stem_lengths is None:
            self._stem_lengths = sorted({len(stem) for stem in self._stems})
        for k in self._stem_lengths:
            if k > len(folded):
                break
            cues = self._stems.get(folded[:k])
            if cues:
                starts += cues
        flags = self._flags
        negator, contrast = folded in self.negators, folded in flags["contrast"]
        intensifier, diminisher = folded in flags["intensifier"], folded in flags["diminisher"]
        clause_end = folded in CLAUSE_END
        if folded.isalnum():  # a plain word or number ends no sentence
            if not (starts or negator or contrast or intensifier or diminisher or clause_end):
                return None
            sentence_end = False
        else:
            stripped = lower.strip(" \t")
            sentence_end = folded in SENTENCE_END or "\n" in lower or (
                bool(stripped) and set(stripped) <= {".", "!", "?", "…"})
            if not (starts or negator or contrast or intensifier or diminisher or clause_end or sentence_end):
                return None
        return WordInfo(folded, CueStarts.of(starts), negator, intensifier, diminisher, contrast, sentence_end,
                        clause_end)

    def infos(self, keys: list[int], strings) -> list[WordInfo | None]:
        """The analysis of each token (None for words that mean nothing to matching), by lowercase hash."""
        cache = self._cache
        get = cache.get
        found = [get(k, _MISSING) for k in keys]
        if _MISSING in found:
            if len(cache) >= self.MAX_CACHE:  # keeps memory flat on endless vocabularies
                cache.clear()
                self.folded_forms.clear()
                if len(self.tokenizer.vocab.strings) > self.MAX_VOCAB:
                    self.tokenizer = self._new_tokenizer()  # keys stay valid: string hashes are stable
            for i, k in enumerate(keys):
                if found[i] is _MISSING:
                    found[i] = cache[k] = self._analyse(strings[k])
        return found

    def folded(self, key: int, strings) -> str:
        """The folded form of a token, for the words of multi-word cues around their anchor."""
        text = self.folded_forms.get(key)
        if text is None:
            text = self.folded_forms[key] = fold(strings[key])
        return text
