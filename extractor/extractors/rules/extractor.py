"""The offline `rules` extractor: taxonomy cues matched over spaCy tokens, with clause-level evidence.

One pass over the tokens finds cue matches, negation (a negator up to three words before, in the
same clause), intensity (intensifiers, diminishers, CAPS, "!"), and clause/sentence boundaries;
contrast words ("but", "ale") make the clause after them weigh more. Labels come only from the
taxonomy in use, so a user's taxonomy changes what is found without code changes.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

from . import spacy_lean  # noqa: F401 - first: imports spaCy without its CLI
from spacy.attrs import IDX, LENGTH, LOWER

from ...lexicons import LANGUAGES, load_lexicon
from ...records import MadeBy, record_fields
from ...schema import FeedbackItem, JourneyRecord
from ...taxonomy import Taxonomy
from .. import OneByOne
from .cues import EMOTION, MOMENT, PAIN_POINT, POLARITY, STAGE, TOUCHPOINT, CueIndex, Target, word_matches
from .tokenizer import lean_tokenizer

NEGATION_WINDOW = 3
INTENSIFIER_BOOST, DIMINISHER_DAMP, CAPS_BOOST, EXCLAMATION_BOOST = 1.5, 0.6, 1.3, 1.2
NEGATED_POLARITY = -0.75  # "not good" is weaker than "bad"
CONTRAST_BEFORE, CONTRAST_AFTER = 0.5, 1.5
PAIN_POLARITY, EMOTION_POLARITY = -0.8, 0.5
SENTIMENT_ALPHA = 3.0  # squashes summed evidence into (-1, 1): one plain positive word gives 0.5
STAGE_CUE_WEIGHT, STAGE_HINT_WEIGHT, PAIN_STAGE_HINT_WEIGHT, DEFAULT_STAGE_PRIOR = 1.5, 1.25, 0.75, 1.0
QUESTION_WEIGHT = 0.75  # a question naming no problem leans to the taxonomy's question stage (before buying)
MIN_CLAUSE_TOKENS = 2
VERDICT_MIN_SENTENCES, VERDICT_WEIGHT = 3, 1.5
OPPOSED_EMOTION_SENTIMENT, OPPOSED_EMOTION_DAMP = 0.5, 0.4
# A negated mention still names the channel or the stage: "I haven't got the parcel" is about delivery,
# "I won't buy again" is about loyalty. Pain points, emotions and moments of truth are cancelled.
NEGATION_BLIND = frozenset({TOUCHPOINT, STAGE})


@dataclass(slots=True)
class Hit:
    """One cue match in the text."""

    kind: str
    label: str | None
    value: float
    weight: float
    clause: int
    sentence: int
    start: int = 0


@dataclass
class Analysis:
    """Cue hits of one text with the token spans of its clauses and sentences, and each token's
    character offset and length (so quotes are cut from the text without spaCy Token objects)."""

    hits: list[Hit]
    clauses: list[tuple[int, int]]
    clause_sentence: list[int]
    sentences: list[tuple[int, int]]
    offsets: list[int]
    lengths: list[int]
    asks: bool = False


@dataclass(slots=True)
class _Tally:
    """What the cue hits of one text add up to, before the labels are chosen."""

    polarity: float = 0.0
    emotions: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    stage_cues: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    pain_weight: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    touchpoints: list[str] = field(default_factory=list)
    pain_points: list[str] = field(default_factory=list)
    moment: bool = False
    label_hits: int = 0


def _any_between(positions: list[int], lo: int, hi: int) -> bool:
    """Whether a position (ascending list) lies in [lo, hi): the cue words before `hi` are checked last."""
    for p in reversed(positions):
        if p < hi:
            return p >= lo
    return False


def _hit_start(hit: Hit) -> int:
    return hit.start


class RulesExtractor(OneByOne):
    """Labels feedback items with the taxonomy's cues; needs no model, no key and no network."""

    name = "rules"

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self.made_by = MadeBy(self.name, taxonomy.ref)
        self._indexes: dict[str | None, CueIndex] = {}
        self._tp_stage = {t.id: t.stage for t in taxonomy.touchpoints}
        self._pain = {p.id: p for p in taxonomy.pain_points}
        self._valence = {e.id: e.valence for e in taxonomy.emotions}
        self._fallback_emotions = [e for e in taxonomy.emotions if e.fallback]

    # -- building ---------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Build every language's cue index now (before forking workers, so they share it)."""
        for lang in [*self.taxonomy.languages, None]:
            self.index(lang)

    def _cue_languages(self, lang: str | None) -> list[str]:
        return [lang] if lang in self.taxonomy.languages else list(self.taxonomy.languages)

    def index(self, lang: str | None) -> CueIndex:
        """The cue index for a language, built on first use (None: every language of the taxonomy)."""
        key = lang if lang in self.taxonomy.languages else None
        if key not in self._indexes:
            self._indexes[key] = self._build_index(key)
        return self._indexes[key]

    def _build_index(self, lang: str | None) -> CueIndex:
        langs = self._cue_languages(lang)
        lexicons = [load_lexicon(lg) for lg in langs if lg in LANGUAGES]
        index = CueIndex(lambda: lean_tokenizer(lang), [n for lex in lexicons for n in lex.negators],
                         [w for lex in lexicons for w in lex.stopwords])
        tax = self.taxonomy
        groups: list[tuple[str, Sequence[Any]]] = [(STAGE, tax.stages), (TOUCHPOINT, tax.touchpoints),
                                                   (EMOTION, tax.emotions), (PAIN_POINT, tax.pain_points)]
        for kind, labels in groups:
            for label in labels:
                for lg in langs:
                    for cue in label.cues.get(lg, ()):
                        index.add(cue, Target(kind, label.id))
        for lg in langs:
            for cue in tax.moment_of_truth.cues.get(lg, ()):
                index.add(cue, Target(MOMENT, None))
        for lex in lexicons:
            for words, value in ((lex.positive, 1.0), (lex.positive_strong, 2.0), (lex.negative, -1.0), (lex.negative_strong, -2.0)):
                for cue in words:
                    index.add(cue, Target(POLARITY, None, value))
            index.add_flag("intensifier", lex.intensifiers)
            index.add_flag("diminisher", lex.diminishers)
            index.add_flag("contrast", lex.contrast)
        return index

    # -- analysis ---------------------------------------------------------------------------------

    def analyse(self, text: str, lang: str | None) -> Analysis:
        """Tokenise `text` and find every cue, weighing each hit by its clause and sentence.

        One function of about 120 lines on purpose: it is the per-token loop of the rules extractor, and splitting
        it into a scanner object with a method per cue-starting token cost 4-5% of extraction speed (measured with
        benchmarks/bench_extract.py and in-process; the acceptance of issue 18 wants it not slower)."""
        index = self.index(lang)
        doc = index.tokenizer(text)
        strings = doc.vocab.strings
        keys, offsets, lengths = doc.to_array([LOWER, IDX, LENGTH]).T.tolist() if len(doc) else ([], [], [])
        infos = index.infos(keys, strings)
        folded_get = index.folded_forms.get

        n = len(infos)
        hits: list[Hit] = []
        clauses: list[tuple[int, int]] = []
        clause_sentence: list[int] = []
        clause_contrast: list[bool] = []
        sentences: list[tuple[int, int]] = []
        sentence_excl: list[bool] = []
        clause_start = sentence_start = 0
        contrast_open = asks = False
        negators: list[int] = []  # token positions, rare: scanned from the end for each matched cue
        intensifiers: list[int] = []
        diminishers: list[int] = []

        for i, info in enumerate(infos):
            if info is None:
                continue
            if info.sentence_end or info.clause_end:
                if i > clause_start:
                    clauses.append((clause_start, i))
                    clause_sentence.append(len(sentences))
                    clause_contrast.append(contrast_open)
                contrast_open = False
                clause_start = i + 1
                if info.sentence_end:
                    if i > sentence_start:
                        sentences.append((sentence_start, i))
                        sentence_excl.append("!" in info.folded)
                    asks = asks or "?" in info.folded
                    sentence_start = i + 1
                continue
            if info.contrast:
                if i > clause_start:
                    clauses.append((clause_start, i))
                    clause_sentence.append(len(sentences))
                    clause_contrast.append(contrast_open)
                clause_start, contrast_open = i, True
            if info.negator:
                negators.append(i)
            if info.intensifier:
                intensifiers.append(i)
            if info.diminisher:
                diminishers.append(i)
            if not info.starts:
                continue
            starts = info.starts
            candidates = starts.singles
            if starts.has_next and i + 1 < n:
                found = starts.by_next.get(folded_get(keys[i + 1]) or index.folded(keys[i + 1], strings))
                if found:
                    candidates = candidates + found
            if starts.has_prev and i > clause_start:
                found = starts.by_prev.get(folded_get(keys[i - 1]) or index.folded(keys[i - 1], strings))
                if found:
                    candidates = candidates + found
            for cue in candidates:
                start, words = i - cue.anchor, cue.words
                if start < clause_start:
                    continue
                if cue.anchor and not all(word_matches(index.folded(keys[start + k], strings), words[k])
                                          for k in range(cue.anchor)):
                    continue
                end = i + len(words) - cue.anchor
                if end > n or not all(word_matches(index.folded(keys[j], strings), words[j - start])
                                      for j in range(i + 2, end)):
                    continue
                negated = _any_between(negators, max(clause_start, start - NEGATION_WINDOW), start)
                value = cue.target.value
                if cue.negated != negated:
                    if cue.negated:
                        continue
                    if cue.target.kind == POLARITY:
                        value *= NEGATED_POLARITY
                    elif cue.target.kind not in NEGATION_BLIND:
                        continue
                w = 1.0
                if intensifiers and _any_between(intensifiers, start - 2, start):
                    w *= INTENSIFIER_BOOST
                if diminishers and _any_between(diminishers, start - 2, start):
                    w *= DIMINISHER_DAMP
                if cue.target.kind == POLARITY:
                    word = text[offsets[start]:offsets[start] + lengths[start]]
                    if len(word) > 2 and word.isupper():
                        w *= CAPS_BOOST
                hits.append(Hit(cue.target.kind, cue.target.label, value, w, len(clauses), len(sentences), start))
        if n > clause_start:
            clauses.append((clause_start, n))
            clause_sentence.append(len(sentences))
            clause_contrast.append(contrast_open)
        if n > sentence_start:
            sentences.append((sentence_start, n))
            sentence_excl.append(False)

        hits.sort(key=_hit_start)  # found at their anchor word; the record lists labels in text order

        clause_weight = [1.0] * len(clauses)
        seen_contrast: set[int] = set()
        for c in range(len(clauses) - 1, -1, -1):
            s = clause_sentence[c]
            if clause_contrast[c]:
                clause_weight[c] = CONTRAST_AFTER
                seen_contrast.add(s)
            elif s in seen_contrast:
                clause_weight[c] = CONTRAST_BEFORE
        for hit in hits:
            if hit.clause < len(clauses):
                hit.weight *= clause_weight[hit.clause]
            if hit.kind == POLARITY and hit.sentence < len(sentence_excl) and sentence_excl[hit.sentence]:
                hit.weight *= EXCLAMATION_BOOST
        if len(sentences) >= VERDICT_MIN_SENTENCES:
            # a review's last sentence is usually its verdict ("Generally not recommended.", "Polecam.")
            last = len(sentences) - 1
            for hit in hits:
                if hit.sentence >= last and hit.kind == POLARITY:
                    hit.weight *= VERDICT_WEIGHT
        return Analysis(hits, clauses, clause_sentence, sentences, offsets, lengths, asks)

    # -- labelling --------------------------------------------------------------------------------

    def extract(self, item: FeedbackItem) -> JourneyRecord:
        """One journey record for one item."""
        return JourneyRecord.model_validate(self._fields(item))

    def record_json(self, item: FeedbackItem) -> str:
        """The record as one JSON line, as `extract(item).model_dump_json()` writes it, without building the
        model: the batch path's shortcut (tests check both give the same record)."""
        return json.dumps(self._fields(item), ensure_ascii=False, separators=(",", ":"))

    def _fields(self, item: FeedbackItem) -> dict:
        """The JourneyRecord fields of one item (`record_fields`: the contract's order)."""
        return self.fields_from(item, self.analyse(item.text, item.lang))

    def fields_from(self, item: FeedbackItem, an: Analysis) -> dict:
        """The JourneyRecord fields of one item from its analysis (the learned extractor shares this one pass)."""
        tax = self.taxonomy
        tally = self._tally(an.hits)
        stage = self._stage(tally, an.asks)
        for pp in tally.pain_points:  # a pain point implies its touchpoint ("late parcel": delivery)
            implied = self._pain[pp].touchpoint
            if implied and implied not in tally.touchpoints:
                tally.touchpoints.append(implied)
        sentiment = tally.polarity / math.sqrt(tally.polarity * tally.polarity + SENTIMENT_ALPHA)
        emotion, emotion_from_cue = self._emotion(tally.emotions, tally.pain_points, sentiment)
        touchpoints = tally.touchpoints
        judged = bool(an.hits) and (tally.label_hits > 0 or abs(sentiment) > 0.2)
        if not touchpoints and judged and tax.default_touchpoint:
            touchpoints.append(tax.default_touchpoint)
        for tp in tax.source_touchpoints(item.source):
            if tp not in touchpoints:
                touchpoints.append(tp)
        events = self._events(item.text, an, stage, touchpoints)
        confidence = min(0.95, 0.25 + 0.12 * min(tally.label_hits, 4) + (0.1 if emotion_from_cue else 0.0)
                         + (0.1 if abs(sentiment) > 0.5 else 0.0))
        labels = {"stage": stage, "touchpoints": touchpoints, "emotion": emotion, "sentiment": sentiment,
                  "pain_points": tally.pain_points, "moment_of_truth": tally.moment}
        return record_fields(item, labels, self.made_by, events=events, confidence=round(confidence, 2),
                             customer_goal=tax.goal_of(events, stage, item.lang if item.lang else "en"))

    def _tally(self, hits: list[Hit]) -> _Tally:
        """The hits of one text added up: polarity, emotion and stage-cue weights, labels in text order."""
        t = _Tally()
        for h in hits:
            kind, label = h.kind, h.label
            if label is None:  # polarity and moment-of-truth cues name no label
                if kind == POLARITY:
                    t.polarity += h.value * h.weight
                else:
                    t.label_hits += 1
                    t.moment = t.moment or kind == MOMENT
                continue
            t.label_hits += 1
            if kind == EMOTION:
                t.emotions[label] += h.weight
                t.polarity += EMOTION_POLARITY * self._valence[label] * h.weight
            elif kind == PAIN_POINT:
                t.pain_weight[label] += h.weight
                if label not in t.pain_points:
                    t.pain_points.append(label)
            elif kind == TOUCHPOINT:
                if label not in t.touchpoints:
                    t.touchpoints.append(label)
            elif kind == STAGE:
                t.stage_cues[label] += h.weight
        for weight in t.pain_weight.values():
            # one problem described in detail ("scratched... scratches... scratched again") counts with diminishing weight
            t.polarity += PAIN_POLARITY * math.sqrt(weight)
        return t

    def _stage(self, t: _Tally, asks: bool) -> str:
        """The stage with the most weight: a prior for the default, stage cues, and the stages the touchpoints and
        pain points found hint at (a question naming no problem leans to the question stage)."""
        tax = self.taxonomy
        scores: dict[str, float] = defaultdict(float)
        scores[tax.default_stage] = DEFAULT_STAGE_PRIOR
        for label, weight in t.stage_cues.items():
            # diminishing: a long story full of usage words should not outvote one clear "third order"
            scores[label] += STAGE_CUE_WEIGHT * math.sqrt(weight)
        for tp in t.touchpoints:
            tp_stage = self._tp_stage.get(tp)
            if tp_stage:
                scores[tp_stage] += STAGE_HINT_WEIGHT
        for pp in t.pain_points:
            hint = self._pain[pp].stage
            if hint:
                scores[hint] += PAIN_STAGE_HINT_WEIGHT
        if asks and tax.question_stage and not t.pain_points:
            scores[tax.question_stage] += QUESTION_WEIGHT
        return max(scores, key=lambda s: (scores[s], s == tax.default_stage))

    def _emotion(self, scores: dict[str, float], pain_points: list[str], sentiment: float) -> tuple[str, bool]:
        if scores:
            if abs(sentiment) > OPPOSED_EMOTION_SENTIMENT:
                # one "super" in an angry review is not satisfaction: emotions against the overall sign weigh less
                scores = {e: w * (OPPOSED_EMOTION_DAMP if self._valence[e] * sentiment < 0 else 1.0)
                          for e, w in scores.items()}
            return max(scores, key=scores.__getitem__), True
        hinted = [emotion for p in pain_points if (emotion := self._pain[p].emotion)]
        if hinted:
            return max(hinted, key=hinted.count), False
        if abs(sentiment) < 0.25:
            return self.taxonomy.default_emotion, False
        best = min(self._fallback_emotions, key=lambda e: abs(e.valence - sentiment))
        return best.id, False

    def _events(self, text: str, an: Analysis, stage: str, touchpoints: list[str]) -> list[dict]:
        """Events as plain dicts (JourneyEvent fields); JourneyRecord validates them once, in pydantic's core."""
        by_clause: dict[int, list[Hit]] = defaultdict(list)
        for h in an.hits:
            if h.clause < len(an.clauses):
                by_clause[h.clause].append(h)
        events: list[dict] = []
        default_tp = self.taxonomy.default_touchpoint if self.taxonomy.default_touchpoint in touchpoints else None
        best_polar: tuple[float, int] | None = None
        for c, chits in sorted(by_clause.items()):
            tps = list(dict.fromkeys(h.label for h in chits if h.kind == TOUCHPOINT and h.label is not None))
            pains = list(dict.fromkeys(h.label for h in chits if h.kind == PAIN_POINT and h.label is not None))
            emotions = [h for h in chits if h.kind == EMOTION]
            stages = [h for h in chits if h.kind == STAGE]
            labelled = tps or pains or emotions or stages or any(h.kind == MOMENT for h in chits)
            if not labelled:
                strength = sum(abs(h.value) * h.weight for h in chits)
                if best_polar is None or strength > best_polar[0]:
                    best_polar = (strength, c)
                continue
            emotion = max(emotions, key=lambda h: h.weight).label if emotions else None
            pairs: list[tuple[str | None, str | None]] = []
            remaining = list(pains)
            for tp in tps:
                # A pain point pairs with the touchpoint it names (its hint, or the same id), else with the next one.
                pick = next((p for p in remaining if self._pain[p].touchpoint == tp or p == tp),
                            remaining[0] if remaining else None)
                if pick:
                    remaining.remove(pick)
                pairs.append((tp, pick))
            for p in remaining:
                pairs.append((self._pain[p].touchpoint or (tps[0] if tps else default_tp), p))
            if not pairs:
                pairs.append((default_tp, None))
            evidence = self.clause_evidence(text, an, c)  # one quote per clause, shared by its events
            for ev_tp, pain in pairs:
                ev_stage = stages[0].label if stages else (
                    (self._pain[pain].stage if pain else None) or (self._tp_stage.get(ev_tp) if ev_tp else None)
                    or self.taxonomy.default_stage)
                ev_emotion = emotion or (self._pain[pain].emotion if pain else None)
                events.append(dict(stage=ev_stage, touchpoint=ev_tp, emotion=ev_emotion, pain_point=pain,
                                   evidence=evidence))
        if not events and best_polar is not None and default_tp:
            events.append(dict(stage=stage, touchpoint=default_tp, emotion=None, pain_point=None,
                               evidence=self.clause_evidence(text, an, best_polar[1])))
        return events

    def clause_spans(self, text: str, lang: str | None) -> list[tuple[int, int]]:
        """The character spans [start, end) of the text's clauses, as the evidence of this extractor cuts them
        (clause and sentence ends, contrast words), without the whitespace at their edges."""
        an = self.analyse(text, lang)
        spans = []
        for start, end in an.clauses:
            a, b = an.offsets[start], an.offsets[end - 1] + an.lengths[end - 1]
            piece = text[a:b]
            a, b = a + len(piece) - len(piece.lstrip()), b - len(piece) + len(piece.rstrip())
            if b > a:
                spans.append((a, b))
        return spans

    def clause_evidence(self, text: str, an: Analysis, clause: int) -> dict:
        """The clause (or, when it is a single token, its sentence) as a quote with its character offsets."""
        start, end = an.clauses[clause]
        if end - start < MIN_CLAUSE_TOKENS:
            s = an.clause_sentence[clause]
            if s < len(an.sentences):
                start, end = an.sentences[s]
        offsets, lengths = an.offsets, an.lengths
        a = offsets[start]
        b = offsets[end - 1] + lengths[end - 1]
        quote = text[a:b]
        if quote != quote.strip():  # whitespace tokens at the edges (spaCy keeps runs of spaces and newlines)
            while end > start and text[offsets[end - 1]:offsets[end - 1] + lengths[end - 1]].isspace():
                end -= 1
            while start < end and text[offsets[start]:offsets[start] + lengths[start]].isspace():
                start += 1
            a, b = offsets[start], offsets[end - 1] + lengths[end - 1]
            quote = text[a:b]
        return {"quote": quote, "start": a, "end": b}
