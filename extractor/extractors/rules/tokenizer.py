"""A lean spaCy tokenizer: the blank language's exceptions with simpler affix rules and a vocabulary
that computes only the lexical attributes matching uses.

spaCy's default blank tokenizers ran at ~2,600-5,500 items/s over ../shared/data on these machines
(every new word form computes ~20 lexical attributes); the budget for the whole extraction is 5,000
items/s. These rules keep what matching needs (words, contractions such as "don't" -> "do" + "n't",
punctuation and emoticons as their own tokens) at ~12,000-15,000 items/s.
"""

from __future__ import annotations

import re

from . import spacy_lean  # noqa: F401 - first: imports spaCy without its CLI
from spacy.attrs import IS_SPACE, LOWER
from spacy.tokenizer import Tokenizer
from spacy.vocab import Vocab

_PREFIX = re.compile(r"""^(?:[\[\(\{"'“”„«‹*<>#~¡¿]|\.\.\.+|-+)""")
_SUFFIX = re.compile(r"""(?:[\]\)\}"'“”»›*!?.,;:…]+|:-?[()DPp]|;-?\)|<3|%)$""")
_INFIX = re.compile(r"""(?<=\w)(?:[,;!?/()\[\]"“”…]+|\.{2,}|:(?=\D))(?=\w)|(?<=[^\W\d])\.(?=[^\W\d]{2})""")
_URL = re.compile(r"""^(?:https?://|www\.)\S+$""")
# Plain words and numbers skip the affix rules entirely (they cannot split them anyway): +45% speed.
_PLAIN = re.compile(r"^[^\W_]+$")

SPACY_LANGS = {"en", "pl"}


def lean_tokenizer(lang: str | None) -> Tokenizer:
    """The tokenizer for `lang` ('en', 'pl'; anything else gets the multi-language 'xx' one)."""
    from spacy.util import get_lang_class

    # The blank language's defaults (its tokenizer exceptions) without building a whole blank pipeline.
    defaults = get_lang_class(lang if lang in SPACY_LANGS else "xx").Defaults
    vocab = Vocab(lex_attr_getters={LOWER: str.lower, IS_SPACE: str.isspace})
    return Tokenizer(
        vocab,
        rules=defaults.tokenizer_exceptions,
        prefix_search=_PREFIX.search,
        suffix_search=_SUFFIX.search,
        infix_finditer=_INFIX.finditer,
        url_match=_URL.match,
        token_match=_PLAIN.match,
    )
