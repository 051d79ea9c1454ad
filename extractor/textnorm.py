"""Text normalisation shared by matching and embedding: lowercase with Polish letters and quotes folded."""

from __future__ import annotations

# Polish letters and typographic quotes folded so that "dotarla" matches "dotarła" and "don’t" matches "don't".
FOLD_TABLE = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ’‘`´", "acelnoszzACELNOSZZ''''")


def fold(word: str) -> str:
    """Lowercase and fold Polish letters, as both cues and text tokens are compared."""
    return word.lower().translate(FOLD_TABLE)
