"""A learned model folder: `model.json` (its card: what it learned, from what, how well, and how to calibrate it)
and `weights/` (a spaCy pipeline with one bag-of-words text classifier per learned field, named after the field).

Each field's classifier scores are combined with the rules extractor's verdict by a small fitted layer (the
field's `Stack`): z = a * log-odds of the classifier + b[label] when the rules gave that label + c[label].
Fitted on held-out predictions, it both calibrates the probabilities and learns how far to trust the rules."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import UsageError
from ...schema import FLAG_FIELDS, LIST_FIELDS, polarity
from .bow import BowScorer, Features

MODEL_FORMAT = "journey-learned/1"
CARD, WEIGHTS = "model.json", "weights"
SHIPPED_MODEL = Path(__file__).with_name("shipped")  # trained on shippable text only (see its model.json)
SENTIMENT_CLASSES = ("-1", "0", "1")  # polarity classes; the record's score is P(1) - P(-1), kept in the band
FLAG_CLASSES = ("false", "true")
POLARITY_BAND = 0.25  # schema.polarity's threshold
LIST_THRESHOLD = 0.5


class LearnedModelError(UsageError):
    """A learned model folder cannot be used: missing, not a model, or for another taxonomy."""


class Stack(BaseModel):
    """The fitted layer over one field's classifier: z = a * log-odds + b[label] * rules-gave-it + c[label]."""

    model_config = ConfigDict(extra="forbid")

    a: float = 1.0
    b: list[float]
    c: list[float]


class Platt(BaseModel):
    """The map from a label's probability to how often such labels are right: sigmoid(alpha * logit(p) + beta)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["platt"] = "platt"
    alpha: float = 1.0
    beta: float = 0.0

    def apply(self, confidence: Any) -> Any:
        c = np.clip(confidence, 1e-6, 1.0 - 1e-6)
        return 1.0 / (1.0 + np.exp(-(self.alpha * np.log(c / (1.0 - c)) + self.beta)))


class Isotonic(BaseModel):
    """The same map as a non-decreasing step function through (x, y) points (isotonic regression): used where the
    held-out folds showed it closer than Platt's curve (a list's confidence can rank items wrongly at the top)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["isotonic"] = "isotonic"
    x: list[float]
    y: list[float]

    def apply(self, confidence: Any) -> Any:
        return np.interp(confidence, self.x, self.y)


class FieldScore(BaseModel):
    """Cross-validated figures of one field: the learned model's and the rules extractor's on the same items."""

    model_config = ConfigDict(extra="forbid")

    metric: str
    learned: float
    rules: float
    items: int
    learned_accuracy: float | None = Field(default=None, description="share of items whose label (a list: whole "
                                           "list) is right")
    rules_accuracy: float | None = None
    by_input: dict[str, dict[str, float]] = Field(default_factory=dict, description="the same figures per input file")
    ece: float = Field(description="expected calibration error of the field's confidence on held-out folds")
    ece_uncalibrated: float
    reliability: list[dict[str, Any]] = Field(default_factory=list)


class FieldCard(BaseModel):
    """One field the model predicts."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["exclusive", "multilabel"]
    labels: list[str]
    examples: int
    per_label: dict[str, int]
    stack: Stack
    threshold: float = Field(default=LIST_THRESHOLD, description="a list label is given at this probability or more")
    confidence: Platt | Isotonic = Field(discriminator="kind")
    cv: FieldScore


class ModelCard(BaseModel):
    """What `journey train` wrote next to the weights (model.json)."""

    model_config = ConfigDict(extra="forbid")

    format: str = MODEL_FORMAT
    id: str
    created_at: str
    taxonomy_id: str
    fields: dict[str, FieldCard] = Field(description="fields the model predicts; the others come from the rules")
    not_learned: dict[str, str] = Field(default_factory=dict, description="field -> why the rules keep it")
    cv_only: dict[str, FieldScore] = Field(default_factory=dict,
                                           description="figures of fields measured but kept from the rules")
    examples: int
    inputs: list[str]
    data_sha256: str
    training: dict[str, Any]


def field_kind(name: str) -> Literal["exclusive", "multilabel"]:
    return "multilabel" if name in LIST_FIELDS else "exclusive"


def target_of(name: str, value: Any) -> Any:
    """A label value as the classifier's target: a class name (exclusive fields) or a set of ids (lists)."""
    if name in LIST_FIELDS:
        return set(value)
    if name == "sentiment":
        return str(polarity(float(value)))
    if name in FLAG_FIELDS:
        return FLAG_CLASSES[bool(value)]
    return str(value)


def value_of(name: str, labels: Sequence[str], probs: np.ndarray, threshold: float = LIST_THRESHOLD
             ) -> tuple[Any, float]:
    """A field's label value and its confidence from the calibrated probabilities of its labels (a list: the
    labels at `threshold` or above; its confidence, the product of the probabilities that each label's decision
    is right)."""
    if name in LIST_FIELDS:
        chosen = [label for label, p in zip(labels, probs) if p >= threshold]
        return chosen, float(np.prod(np.where(probs >= threshold, probs, 1.0 - probs)))  # each decision right
    best = int(probs.argmax())
    confidence = float(probs[best])
    if name == "sentiment":
        p = dict(zip(labels, probs))
        score, band = float(p.get("1", 0.0) - p.get("-1", 0.0)), POLARITY_BAND + 1e-3
        cls = int(labels[best])  # the score is kept in the band of the most likely polarity
        if cls == 0:
            score = max(-POLARITY_BAND, min(score, POLARITY_BAND))
        else:
            score = max(score, band) if cls > 0 else min(score, -band)
        return round(score, 3), confidence
    if name in FLAG_FIELDS:
        return labels[best] == "true", confidence
    return labels[best], confidence


def rules_indicators(name: str, labels: Sequence[str], rules_values: Sequence[Any]) -> np.ndarray:
    """1 for each label the rules extractor gave each item, else 0 (items x labels)."""
    rows = []
    for value in rules_values:
        given = target_of(name, value)
        given = given if isinstance(given, set) else {given}
        rows.append([label in given for label in labels])
    return np.array(rows, dtype=float).reshape(len(rows), len(labels))


def stacked(kind: str, stack: Stack, probs: np.ndarray, rules: np.ndarray) -> np.ndarray:
    """Calibrated probabilities (items x labels) from the classifier's and the rules' indicators (items x labels)."""
    b, c = np.asarray(stack.b), np.asarray(stack.c)
    eps = 1e-6
    p = np.clip(probs, eps, 1.0 - eps)
    if kind == "multilabel":
        z = stack.a * np.log(p / (1.0 - p)) + b * rules + c
        return 1.0 / (1.0 + np.exp(-z))
    z = stack.a * np.log(p) + b * rules + c
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def raw_scores(component: Any, docs: Sequence[Any]) -> np.ndarray:
    """A classifier's own probabilities (docs x labels), before the Stack."""
    raw = component.predict(list(docs))
    return np.asarray(raw.get() if hasattr(raw, "get") else raw, dtype=float)  # .get(): a GPU array


class LearnedModel:
    """A trained model folder, loaded: the card and the spaCy pipeline of per-field classifiers."""

    def __init__(self, card: ModelCard, nlp: Any, path: Path | None = None):
        self.card, self.nlp, self.path = card, nlp, path
        self.scorers: dict[str, BowScorer] = {}
        for name in card.fields:
            scorer = BowScorer.of(nlp.get_pipe(name))
            if scorer is None:
                raise LearnedModelError(f"{path or 'the model'}: the classifier of {name} is not the bag-of-words "
                                        "text classifier `journey train` makes; train the model again")
            self.scorers[name] = scorer

    @property
    def vocab(self):
        return self.nlp.vocab

    @property
    def reads_words(self) -> bool:
        """Whether the model reads the item's words, or only the rules' cue hits and verdicts."""
        return bool(self.card.training.get("words", True))

    @classmethod
    def load(cls, path: Path) -> "LearnedModel":
        card_file = path / CARD
        if not path.is_dir():
            raise LearnedModelError(f"{path}: no such model folder; `journey train LABELLED... --out {path}` "
                                    "makes one")
        if not card_file.is_file():
            raise LearnedModelError(f"{path}: not a learned model folder (no {CARD}); `journey train` writes one")
        try:
            card = ModelCard.model_validate_json(card_file.read_text(encoding="utf-8"))
        except (ValidationError, UnicodeDecodeError) as exc:
            problem = exc.errors()[0] if isinstance(exc, ValidationError) else {"msg": str(exc), "loc": ()}
            where = ".".join(map(str, problem["loc"]))
            raise LearnedModelError(f"{card_file}: not a model card this version reads ({where + ': ' if where else ''}"
                                    f"{problem['msg']}); train the model again with `journey train`") from None
        if card.format != MODEL_FORMAT:
            raise LearnedModelError(f"{card_file}: model format {card.format!r}; this version reads {MODEL_FORMAT}")
        import spacy

        try:
            nlp = spacy.load(path / WEIGHTS)
        except (OSError, ValueError) as exc:
            raise LearnedModelError(f"{path / WEIGHTS}: the weights cannot be loaded: {exc}") from None
        missing = [name for name in card.fields if name not in nlp.pipe_names]
        if missing:
            raise LearnedModelError(f"{path}: the weights have no classifier for {', '.join(missing)}")
        nlp.vocab.lex_attr_getters = {}  # the classifiers read ORTH only: a new word's lexeme needs nothing else
        return cls(card, nlp, path)

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.nlp.to_disk(path / WEIGHTS)
        (path / CARD).write_text(self.card.model_dump_json(indent=2) + "\n", encoding="utf-8")

    def features(self, texts: Sequence[Sequence[str]]) -> dict[str, Features]:
        """Each learned field's classifier input for these texts (words), computed once per n-gram setting."""
        by_size: dict[int, Features] = {}
        out = {}
        for name, scorer in self.scorers.items():
            if scorer.ngram_size not in by_size:
                by_size[scorer.ngram_size] = scorer.features(texts)
            out[name] = by_size[scorer.ngram_size]
        return out

    def probabilities(self, name: str, features: Features, rules_values: Sequence[Any]) -> np.ndarray:
        """Calibrated probabilities (texts x labels) of one learned field."""
        field = self.card.fields[name]
        raw = self.scorers[name].scores(features)
        return stacked(field.kind, field.stack, raw, rules_indicators(name, field.labels, rules_values))

    def predict(self, texts: Sequence[Sequence[str]], rules: Sequence[Mapping[str, Any]]
                ) -> list[dict[str, tuple[Any, float]]]:
        """Per text (its words: features.item_words): learned field -> (label value, calibrated confidence);
        `rules` are the rules' labels per text."""
        out: list[dict[str, tuple[Any, float]]] = [{} for _ in texts]
        if not texts:
            return out
        features = self.features(texts)
        for name, field in self.card.fields.items():
            probs = self.probabilities(name, features[name], [r[name] for r in rules])
            decided = [value_of(name, field.labels, p, field.threshold) for p in probs]
            confidences = field.confidence.apply(np.array([confidence for _, confidence in decided]))
            for row, (value, _), confidence, given in zip(out, decided, confidences.tolist(), rules):
                if field.kind == "multilabel":  # ids the model never learned stay as the rules found them
                    value += [v for v in given[name] if v not in field.labels]
                row[name] = value, confidence
        return out

    def support(self, name: str, label: str, clauses: Sequence[Sequence[str]]) -> int:
        """The clause (index; each clause its words: features.clause_words) whose words support `label` of a
        learned field the most (raw classifier score)."""
        field, scorer = self.card.fields[name], self.scorers[name]
        raw = scorer.scores(scorer.features(clauses))
        return int(raw[:, field.labels.index(label)].argmax())


def mean_confidence(confidences: Mapping[str, float]) -> float:
    """The record's confidence: the expected share of its learned fields that are right."""
    return round(math.fsum(confidences.values()) / len(confidences), 3) if confidences else 0.0
