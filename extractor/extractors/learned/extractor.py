"""The `learned` extractor: one rules pass per item, then the learned model's classifiers over its words and cue
hits. Learned fields replace the rules' labels with calibrated confidences; the others stay the rules'. Evidence
stays verbatim: the rules' clause quotes, and for a learned label no rules clause shows, the clause that supports
it most."""

from __future__ import annotations

import json
from typing import Any, Sequence

from ...records import MadeBy, record_fields
from ...schema import FeedbackItem, JourneyRecord, LABEL_FIELDS, LIST_FIELDS
from ...taxonomy import Taxonomy
from .. import OneByOne
from ..rules import RulesExtractor
from ..rules.extractor import Analysis
from .features import clause_words, item_words
from .model import LearnedModel, LearnedModelError, mean_confidence

EVENT_FIELD = {name: name.removesuffix("s") for name in LIST_FIELDS}  # list field -> its key in an event (one id)


class LearnedExtractor(OneByOne):
    """Labels items with a model `journey train` made, on top of the rules extractor."""

    name = "learned"
    batched = True
    batch_rows = 256

    def __init__(self, taxonomy: Taxonomy, model: LearnedModel):
        if model.card.taxonomy_id != taxonomy.ref:
            raise LearnedModelError(f"the learned model {model.card.id} was trained with the taxonomy "
                                    f"{model.card.taxonomy_id}, not {taxonomy.ref}: pass the same --taxonomy, or "
                                    "train a model with this one")
        self.taxonomy, self.model = taxonomy, model
        self.rules = RulesExtractor(taxonomy)
        self.made_by = MadeBy(self.name, taxonomy.ref, model=model.card.id)

    def warm_up(self) -> None:
        self.rules.warm_up()

    def extract(self, item: FeedbackItem) -> JourneyRecord:
        return self.extract_many([item])[0]

    def record_json(self, item: FeedbackItem) -> str:
        return self.extract(item).model_dump_json()

    def extract_many(self, items: Sequence[FeedbackItem]) -> list[JourneyRecord | None]:
        return [JourneyRecord.model_validate(fields) for fields in self.fields_many(items)]

    def records_json(self, items: Sequence[FeedbackItem]) -> list[str | None]:
        """The records as JSON lines without building the models (tests check both give the same)."""
        return [json.dumps(fields, ensure_ascii=False, separators=(",", ":")) for fields in self.fields_many(items)]

    def fields_many(self, items: Sequence[FeedbackItem]) -> list[dict[str, Any]]:
        """The JourneyRecord fields of each item: one rules pass, the model over its words, then the record."""
        analyses = [self.rules.analyse(item.text, item.lang) for item in items]
        rules = [self.rules.fields_from(item, an) for item, an in zip(items, analyses)]
        words = self.model.reads_words
        texts = [item_words(item.text, an, r, item.source, item.lang, words)
                 for item, an, r in zip(items, analyses, rules)]
        predictions = self.model.predict(texts, rules)  # from the words: no Doc, nothing added to the vocabulary
        return [self.record_from(item, an, r, learned)
                for item, an, r, learned in zip(items, analyses, rules, predictions)]

    def record_from(self, item: FeedbackItem, an: Analysis, rules: dict[str, Any],
                    learned: dict[str, tuple[Any, float]]) -> dict[str, Any]:
        """The record fields of one item from its rules pass (analysis and rules fields) and the model's
        predictions."""
        labels = {name: learned[name][0] if name in learned else rules[name] for name in LABEL_FIELDS}
        confidences = {name: round(conf, 3) for name, (_, conf) in learned.items()}
        events = self._events(item, an, rules, labels, learned)
        goal = rules["customer_goal"] if events is rules["events"] and labels["stage"] == rules["stage"] \
            else self.taxonomy.goal_of(events, labels["stage"], item.lang or "en")
        return record_fields(item, labels, self.made_by, events=events, confidence=mean_confidence(confidences),
                             customer_goal=goal, learned={"model": self.model.card.id, "fields": confidences})

    def _events(self, item: FeedbackItem, an: Analysis, rules: dict[str, Any], labels: dict[str, Any],
                learned: dict[str, tuple[Any, float]]) -> list[dict]:
        """The rules' events, without the list labels the model rejected, plus one event for each learned label
        no event shows (on the clause that supports it most), and one for a learned stage the rules did not give
        when there is none. Without a learned list, the rules' events as they are."""
        events = rules["events"]
        if not EVENT_FIELD.keys() & learned and (events or labels["stage"] == rules["stage"]):
            return events
        kept = []
        for event in events:
            event = dict(event)
            for name, key in EVENT_FIELD.items():
                if name in learned and event[key] is not None and event[key] not in labels[name]:
                    event[key] = None
            if event["emotion"] or any(event[key] for key in EVENT_FIELD.values()) or not EVENT_FIELD.keys() & learned:
                kept.append(event)
        if not an.clauses:  # no words to quote
            return kept
        for name in LIST_FIELDS:
            if name in learned:
                shown = {e[EVENT_FIELD[name]] for e in kept}
                for label in labels[name]:
                    if label not in shown:
                        kept.append(self._event(item, an, name, label, labels, EVENT_FIELD[name]))
        if not kept and labels["stage"] != rules["stage"]:
            kept.append(self._event(item, an, "stage", labels["stage"], labels, None))
        return kept

    def _event(self, item: FeedbackItem, an: Analysis, name: str, label: str, labels: dict[str, Any],
               key: str | None) -> dict:
        words = self.model.reads_words
        best = self.model.support(name, label, [clause_words(item.text, an, c, words)
                                                for c in range(len(an.clauses))]) if len(an.clauses) > 1 else 0
        event = {"stage": labels["stage"], "touchpoint": None, "emotion": None, "pain_point": None,
                 "evidence": self.rules.clause_evidence(item.text, an, best)}
        if key:
            event[key] = label
        return event
