"""Embeddings for the feedback store.

`journey-hashing` (the offline default) needs no weights and no network and is deterministic: each text
becomes a signed, hashed bag of features, L2-normalised:
- content words (folded Polish letters, stop words dropped) and their 4- and 5-letter prefixes, so that
  "paczka", "paczki" and "paczkę" share features;
- pairs of neighbouring content words, and "not X" features for words after a negator;
- journey concepts: the taxonomy labels whose one-word cues occur ("kurier" and "courier" both carry the
  delivery touchpoint), which brings "lost my bag" near "my luggage never arrived" across wordings;
- the text's language, as a fixed share of the vector (LANGUAGE_SHARE of the cosine): the concepts are
  shared across languages, and without it a Polish complaint often sits nearer English ones that carry the
  same concepts than Polish ones in other words.
The taxonomy the concepts come from is part of the embedding's configuration, so a collection reopens with
the same embedding in a new process.

`openai` uses any OpenAI-compatible embeddings endpoint (OPENAI_API_KEY, OPENAI_BASE_URL), through Chroma's
own OpenAI embedding function.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from ..language import detect_language
from ..lexicons import LANGUAGES, load_lexicon
from ..taxonomy import ParsedCue, Taxonomy, default_taxonomy, load_taxonomy, parse_cue
from ..textnorm import FOLD_TABLE

HASHING = "journey-hashing"
HASHING_VERSION = 1
DEFAULT_DIM = 256
_WORD = re.compile(r"[^\W\d_]+")
PREFIX_WEIGHTS = ((5, 6, 0.8), (4, 5, 0.6))  # (prefix length, minimum word length, weight)
PAIR_WEIGHT, NEGATED_WEIGHT, CONCEPT_WEIGHT = 0.5, 1.0, 0.8
LANGUAGE_SHARE = 0.06  # same language adds up to 0.06 to a cosine similarity


class EmbeddingError(ValueError):
    """An embedding cannot be built from its configuration."""


@lru_cache(maxsize=1)
def _word_lists() -> tuple[frozenset[str], frozenset[str]]:
    stop: set[str] = set()
    negators: set[str] = set()
    for lang in LANGUAGES:
        lex = load_lexicon(lang)
        stop |= {w.lower().translate(FOLD_TABLE) for w in lex.stopwords}
        negators |= {w.lower().translate(FOLD_TABLE) for w in lex.negators if " " not in w}
    negators |= {"dont", "didnt", "cant", "wont", "isnt", "wasnt", "doesnt", "havent", "hasnt", "nt"}
    return frozenset(stop - negators), frozenset(negators)


def _feature(name: str, weight: float, dim: int) -> tuple[int, float]:
    h = zlib.crc32(name.encode("utf-8"))
    return h % dim, (weight if h & 0x80000000 else -weight)


class _Concepts:
    """One-word taxonomy cues (exact words and stems, plain or negated) mapped to label features."""

    MIN_STEM = 4  # letters a stem needs to be a concept (the taxonomy allows 3)

    def __init__(self, taxonomy: Taxonomy):
        self.exact: dict[str, set[str]] = {}
        self.stems: dict[int, dict[str, set[str]]] = {}
        groups = (("touchpoint", taxonomy.touchpoints), ("pain_point", taxonomy.pain_points),
                  ("emotion", taxonomy.emotions), ("stage", taxonomy.stages))
        for kind, labels in groups:
            for label in labels:
                for cues in label.cues.values():
                    for cue in cues:
                        self._add(parse_cue(cue), f"{kind}:{label.id}")
        self._lengths = sorted(self.stems)

    def _add(self, cue: ParsedCue, concept: str) -> None:
        """A cue of one word, or of a negator and one word ("nie dotar*": the concept of "!dotar*")."""
        words, prefix = cue.words, ""
        if len(words) == 2 and not words[0].stem and words[0].folded in _word_lists()[1]:
            prefix, words = "!", words[1:]
        if len(words) != 1:
            return
        word = words[0]
        if not word.stem:
            self.exact.setdefault(prefix + word.folded, set()).add(concept)
        elif len(word.folded) >= self.MIN_STEM:
            stem = prefix + word.folded
            self.stems.setdefault(len(stem), {}).setdefault(stem, set()).add(concept)

    def of(self, key: str) -> set[str]:
        found = set(self.exact.get(key, ()))
        for n in self._lengths:
            if n > len(key):
                break
            found |= self.stems[n].get(key[:n], set())
        return found


@register_embedding_function
class HashingEmbedding(EmbeddingFunction[Documents]):
    """The offline, deterministic default (see the module docstring)."""

    def __init__(self, dim: int = DEFAULT_DIM, taxonomy: str | None = None):
        if not 32 <= dim <= 4096:
            raise EmbeddingError(f"dimension {dim} out of range (32-4096)")
        self.dim = dim
        self.taxonomy = taxonomy  # None: the packaged default; else the taxonomy file's path
        tax = default_taxonomy() if taxonomy is None else load_taxonomy(taxonomy)
        self.taxonomy_ref = tax.ref
        self._concepts = _Concepts(tax)
        self._stop, self._negators = _word_lists()
        self._cache: dict[str, list[tuple[int, float]]] = {}

    @staticmethod
    def name() -> str:
        return HASHING

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return {"dim": self.dim, "version": HASHING_VERSION, "taxonomy": self.taxonomy,
                "taxonomy_ref": self.taxonomy_ref}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> HashingEmbedding:
        if config.get("version") != HASHING_VERSION:
            raise EmbeddingError(f"{HASHING} version {config.get('version')} was written by another release of "
                                 f"journey-extractor (this one makes version {HASHING_VERSION}); re-ingest into a "
                                 "new collection")
        embedding = HashingEmbedding(int(config["dim"]), config.get("taxonomy"))
        if config.get("taxonomy_ref") and embedding.taxonomy_ref != config["taxonomy_ref"]:
            raise EmbeddingError(f"the collection was embedded with taxonomy {config['taxonomy_ref']}, but "
                                 f"{config.get('taxonomy') or 'the packaged taxonomy'} is now "
                                 f"{embedding.taxonomy_ref}; re-ingest into a new collection")
        return embedding

    def _word_features(self, word: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
        found = self._cache.get(word)
        if found is None:
            dim = self.dim
            pairs = [_feature(word, 1.0, dim)]
            pairs += [_feature(">" + word[:n], w, dim) for n, min_len, w in PREFIX_WEIGHTS if len(word) >= min_len]
            pairs += [_feature(c, CONCEPT_WEIGHT, dim) for c in sorted(self._concepts.of(word))]
            found = (tuple(c for c, _ in pairs), tuple(w for _, w in pairs))
            if len(self._cache) < 500_000:
                self._cache[word] = found
        return found

    def _text_features(self, text: str, cols: list[int], weights: list[float]) -> None:
        """Append the (column, signed weight) features of one text."""
        dim, stop, negators = self.dim, self._stop, self._negators
        words: list[str] = []
        negated = False
        for word in _WORD.findall(text.lower().translate(FOLD_TABLE)):
            if word in negators:
                negated = True
                continue
            if len(word) < 2 or word in stop:
                continue
            if negated:
                for col, weight in [_feature("!" + word, NEGATED_WEIGHT, dim),
                                    *(_feature(c, CONCEPT_WEIGHT, dim) for c in sorted(self._concepts.of("!" + word)))]:
                    cols.append(col)
                    weights.append(weight)
                negated = False
                if self._concepts.of("!" + word):  # "nie dotarła" is a missing delivery, not a delivery
                    words.append(word)
                    col, weight = _feature(word, 1.0, dim)
                    cols.append(col)
                    weights.append(weight)
                    continue
            words.append(word)
            word_cols, word_weights = self._word_features(word)
            cols.extend(word_cols)
            weights.extend(word_weights)
        crc32 = zlib.crc32
        for a, b in zip(words, words[1:]):
            h = crc32(f"{a} {b}".encode("utf-8"))
            cols.append(h % dim)
            weights.append(PAIR_WEIGHT if h & 0x80000000 else -PAIR_WEIGHT)

    def __call__(self, input: Documents) -> Embeddings:
        dim, n = self.dim, len(input)
        cols: list[int] = []
        weights: list[float] = []
        counts = np.zeros(n, dtype=np.int64)
        for row, text in enumerate(input):
            before = len(cols)
            self._text_features(text, cols, weights)
            counts[row] = len(cols) - before
        index = np.asarray(cols, dtype=np.int64) + np.repeat(np.arange(n, dtype=np.int64) * dim, counts)
        flat = np.bincount(index, weights=np.asarray(weights, dtype=np.float64), minlength=n * dim)
        matrix = flat.reshape(n, dim)
        norms = np.linalg.norm(matrix, axis=1)
        scale = (LANGUAGE_SHARE / (1.0 - LANGUAGE_SHARE)) ** 0.5
        for row, text in enumerate(input):
            lang = detect_language(text)
            if lang and norms[row]:
                col, sign = _feature("lang:" + lang, 1.0, dim)
                matrix[row, col] += sign * scale * norms[row]
        matrix = matrix.astype(np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return list(matrix / norms)


def make_embedding(kind: str, *, dim: int = DEFAULT_DIM, taxonomy: str | None = None,
                   model: str = "text-embedding-3-small") -> EmbeddingFunction:
    """The embedding function by name: 'hashing' (offline default) or 'openai' (OPENAI_API_KEY/OPENAI_BASE_URL)."""
    if kind == "hashing":
        return HashingEmbedding(dim, taxonomy)
    if kind == "openai":
        import os

        from chromadb.utils.embedding_functions import OpenAIEmbeddingFunction

        if not os.environ.get("OPENAI_API_KEY"):
            raise EmbeddingError("--embedding openai needs OPENAI_API_KEY (and OPENAI_BASE_URL for a server "
                                 "other than OpenAI's)")
        return OpenAIEmbeddingFunction(model_name=model, api_key_env_var="OPENAI_API_KEY",
                                       api_base=os.environ.get("OPENAI_BASE_URL"))
    raise EmbeddingError(f"unknown embedding {kind!r}: use hashing (offline) or openai")
