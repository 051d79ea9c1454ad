"""Evidence grounding: a model's quote is located in the item text, exactly or tolerant of whitespace, case and
typographic quotes, and gets the exact offsets of the span it matched (so `text[start:end]` is the evidence)."""

from __future__ import annotations

import re

_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00a0": " ",
                       "\u2013": "-", "\u2014": "-"})
_EDGE = " \t\n\"'`\u201c\u201d\u201e\u2018\u2019.,;:…"
_SPACE = re.compile(r"\s+")


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """[start, end) of `quote` in `text`: first verbatim, then with runs of whitespace, letter case and curly quotes
    or dashes folded, then with surrounding quote marks and punctuation trimmed. None when it is not there."""
    if not quote or not quote.strip():
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    for candidate in (quote.strip(), quote.strip(_EDGE)):
        if not candidate:
            continue
        found = _tolerant(candidate, text)
        if found is not None:
            return found
    return None


def _tolerant(quote: str, text: str) -> tuple[int, int] | None:
    words = _SPACE.split(quote.translate(_FOLD).strip())
    pattern = r"\s+".join(re.escape(w) for w in words if w)
    if not pattern:
        return None
    m = re.search(pattern, text.translate(_FOLD), re.IGNORECASE)  # the fold maps one char to one: same offsets
    return (m.start(), m.end()) if m else None
