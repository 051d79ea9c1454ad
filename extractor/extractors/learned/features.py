"""What the learned extractor reads of a text: the words of the rules extractor's one tokenizer pass (lower-cased),
then pseudo-words for what the rules found: one per cue hit (`__neg__`, `__pain_point_delay__`, a negated cue as
`__not_emotion_joy__`), the rules' own verdicts (`__rules_stage_delivery__`, `__rules_sent_-1__`), and the item's
source and language. So the model learns from the text and from when a cue, or the rules' verdict, is right."""

from __future__ import annotations

from typing import Any, Mapping

from spacy.tokens import Doc
from spacy.vocab import Vocab

from ...schema import polarity
from ..rules.cues import POLARITY
from ..rules.extractor import Analysis, Hit


def hit_word(hit: Hit) -> str:
    """One cue hit as a pseudo-word: polarity cues by their sign, the others by kind and label."""
    if hit.kind == POLARITY:
        return "__pos__" if hit.value > 0 else "__neg__"
    return f"__{'not_' if hit.value < 0 else ''}{hit.kind}_{hit.label}__"


def verdict_words(rules: Mapping[str, Any], source: str, lang: str | None) -> list[str]:
    """The rules record's own single labels, and where the item came from, as pseudo-words."""
    return [f"__rules_stage_{rules['stage']}__", f"__rules_emotion_{rules['emotion']}__",
            f"__rules_sent_{polarity(rules['sentiment'])}__", f"__rules_mot_{bool(rules['moment_of_truth'])}__",
            f"__source_{source}__", f"__lang_{lang or 'xx'}__"]


def token_words(text: str, an: Analysis, first: int = 0, last: int | None = None) -> list[str]:
    """The lower-cased words of tokens [first, last) (whitespace tokens left out)."""
    cut = (text[o:o + n] for o, n in zip(an.offsets[first:last], an.lengths[first:last]))
    return [word.lower() for word in cut if not word.isspace()]


def item_words(text: str, an: Analysis, rules: Mapping[str, Any], source: str, lang: str | None,
               words: bool = True) -> list[str]:
    """The whole item as the model reads it: its words (unless `words` is False: a model that reads only what the
    rules found), its cue hits and the rules' verdicts."""
    read = token_words(text, an) if words else []
    return read + [hit_word(h) for h in an.hits] + verdict_words(rules, source, lang)


def item_doc(vocab: Vocab, text: str, an: Analysis, rules: Mapping[str, Any], source: str, lang: str | None,
             words: bool = True) -> Doc:
    """The item's words as a Doc (training: spaCy's update loop reads Docs; predicting reads the words)."""
    return Doc(vocab, words=item_words(text, an, rules, source, lang, words))


def clause_words(text: str, an: Analysis, clause: int, words: bool = True) -> list[str]:
    """One clause as the model reads it (its words, unless `words` is False, and its cue hits): to find the clause
    that supports a label."""
    first, last = an.clauses[clause]
    return ((token_words(text, an, first, last) if words else [])
            + [hit_word(h) for h in an.hits if h.clause == clause] or ["__empty__"])
