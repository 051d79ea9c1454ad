"""A plain keyword lookup over the same taxonomy cues: the baseline the `rules` extractor must beat.

No tokens, no negation, no intensity, no clauses: a label is present when one of its cues occurs as
a word prefix in the lowercased text. Kept for measurement (`--extractor keyword`), not for use.
"""

from __future__ import annotations

import re
from collections import Counter

from ..lexicons import LANGUAGES, load_lexicon
from ..records import MadeBy, build_record
from ..schema import FeedbackItem, JourneyRecord
from ..taxonomy import Taxonomy, parse_cue
from ..textnorm import fold
from . import OneByOne


def _pattern(cues: list[str]) -> re.Pattern[str] | None:
    parts = []
    for cue in cues:
        words = [re.escape(w.folded) + (r"\w*" if w.stem else r"\b") for w in parse_cue(cue).words]
        parts.append(r"\s+".join(words))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")") if parts else None


class KeywordExtractor(OneByOne):
    """Label = any cue found; sentiment = positive minus negative words; the rest from defaults."""

    name = "keyword"

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        langs = list(taxonomy.languages)

        def compile_labels(labels) -> list[tuple[str, re.Pattern[str]]]:
            out = []
            for label in labels:
                pat = _pattern([c for lg in langs for c in label.cues.get(lg, ())])
                if pat:
                    out.append((label.id, pat))
            return out

        self._stages = compile_labels(taxonomy.stages)
        self._touchpoints = compile_labels(taxonomy.touchpoints)
        self._emotions = compile_labels(taxonomy.emotions)
        self._pains = compile_labels(taxonomy.pain_points)
        self._mot = _pattern([c for lg in langs for c in taxonomy.moment_of_truth.cues.get(lg, ())])
        lexicons = [load_lexicon(lg) for lg in langs if lg in LANGUAGES]
        self._positive = _pattern([w for lx in lexicons for w in lx.positive + lx.positive_strong])
        self._negative = _pattern([w for lx in lexicons for w in lx.negative + lx.negative_strong])

    def warm_up(self) -> None:
        """Nothing is built lazily: the patterns are compiled in __init__."""

    def record_json(self, item: FeedbackItem) -> str:
        return self.extract(item).model_dump_json()

    def extract(self, item: FeedbackItem) -> JourneyRecord:
        text = fold(item.text)
        found = lambda labels: [lid for lid, pat in labels if pat.search(text)]  # noqa: E731
        stages = found(self._stages)
        emotions = Counter({lid: len(pat.findall(text)) for lid, pat in self._emotions})
        pos = len(self._positive.findall(text)) if self._positive else 0
        neg = len(self._negative.findall(text)) if self._negative else 0
        sentiment = 0.0 if pos == neg else (1.0 if pos > neg else -1.0)
        top = [lid for lid, n in emotions.most_common(1) if n > 0]
        labels = {"stage": next((s for s in stages if s != self.taxonomy.default_stage), self.taxonomy.default_stage),
                  "touchpoints": found(self._touchpoints),
                  "emotion": top[0] if top else self.taxonomy.default_emotion, "sentiment": sentiment,
                  "pain_points": found(self._pains), "moment_of_truth": bool(self._mot and self._mot.search(text))}
        return build_record(item, labels, MadeBy(self.name, self.taxonomy.ref), confidence=0.5)
