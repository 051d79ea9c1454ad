"""The cue syntax (FORMAT.md, "Cues"), parsed in one place: a cue string becomes a `ParsedCue` of `CueWord`s.

A cue is one or more words separated by white space; a word that ends in `*` is a stem and matches every word
that starts with it (`paczk*`: paczka, paczki, ...). Cues are compared on folded text (`textnorm.fold`: lower
case, Polish letters folded). The lexicons' word lists are written in the same syntax.

What the words then match is each matcher's own: the rules extractor splits each word with the texts' tokenizer
and reads a negator in the cue as "only the negated phrase"; the keyword baseline looks for the words as
prefixes in the text; the store's embedding takes one-word cues as concepts. They all read cues through
`parse_cue`, and the taxonomy loader checks them with `cue_problems`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..textnorm import fold

STEM_MARK = "*"
MIN_STEM_LETTERS = 3


@dataclass(frozen=True, slots=True)
class CueWord:
    """One word of a cue."""

    written: str  # as the cue writes it, without the stem mark
    folded: str  # `written` folded, as cues and texts are compared
    stem: bool  # written with a trailing '*': matches every word that starts with `folded`


@dataclass(frozen=True, slots=True)
class ParsedCue:
    """A cue string and its words, in order."""

    text: str
    words: tuple[CueWord, ...]


def parse_word(word: str) -> CueWord:
    """One white-space-free word of a cue: trailing '*' marks a stem."""
    written = word.rstrip(STEM_MARK)
    return CueWord(written, fold(written), word.endswith(STEM_MARK))


def parse_cue(text: str) -> ParsedCue:
    """The words of a cue string (none for an empty or blank one; the taxonomy loader refuses those)."""
    return ParsedCue(text, tuple(parse_word(word) for word in text.split()))


def cue_problems(text: str) -> list[str]:
    """What is wrong with a cue string, one message a problem (the taxonomy loader adds where it is)."""
    if not text.strip():
        return ["empty cue"]
    problems = []
    for word in parse_cue(text).words:
        if word.stem and len(word.written) < MIN_STEM_LETTERS:
            problems.append(f"{text!r}: a stem needs at least {MIN_STEM_LETTERS} letters before '{STEM_MARK}'")
        if STEM_MARK in word.written:
            problems.append(f"{text!r}: '{STEM_MARK}' may only end a word")
    return problems
