"""The record contract: FeedbackItem in, JourneyRecord out (the README's "Records" section shows one).

The six label fields are declared once, in `Labels`: the journey record, the gold item, an agent's reviewed labels
and the Label Studio config all take them from there (`LABEL_FIELDS`, `TAXONOMY_KINDS`, `LIST_FIELDS`)."""

from __future__ import annotations

from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator

Source = Literal["review", "ticket", "survey", "social", "other"]
SOURCES: tuple[str, ...] = ("review", "ticket", "survey", "social", "other")


class FeedbackItem(BaseModel):
    """One piece of feedback as read from an input: a review, a ticket message, a survey answer, a post."""

    model_config = ConfigDict(extra="forbid")

    item_id: str
    text: str
    source: Source = "other"
    lang: str | None = None
    customer_id: str | None = None
    created_at: str | None = None
    segment: str | None = Field(default=None, description="customer segment, from --segment-field")
    origin: str | None = Field(default=None, description="where the item was read: 'file:line'")


def value_type(annotation: Any) -> Any:
    """A field's annotation without its wrappers, for code that derives columns from the contract:
    Annotated[T, ...] and Optional[T] (T | None) give T; a union of several types is returned as it is."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            present = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(present) != 1:
                return annotation
            annotation = present[0]
        else:
            return annotation


@dataclass(frozen=True)
class TaxonomyIds:
    """Marks a label field whose values are ids of one kind of the taxonomy: 'stages', 'touchpoints', 'emotions'
    or 'pain_points' (the Taxonomy's attribute of that name lists them)."""

    kind: str


class Labels(BaseModel):
    """The six labels of one item, as an extractor gives them (sentiment a score in [-1, 1])."""

    model_config = ConfigDict(extra="forbid")

    stage: Annotated[str, TaxonomyIds("stages")]
    touchpoints: Annotated[list[str], TaxonomyIds("touchpoints")] = Field(default_factory=list)
    emotion: Annotated[str, TaxonomyIds("emotions")]
    sentiment: float = Field(ge=-1.0, le=1.0)
    pain_points: Annotated[list[str], TaxonomyIds("pain_points")] = Field(default_factory=list)
    moment_of_truth: bool = False


class GoldLabels(Labels):
    """Labels as people give them (a gold item, an agent's review): sentiment is a polarity, each id listed once."""

    sentiment: Literal[-1, 0, 1]  # type: ignore[assignment]  # narrows the score to its polarity

    @field_validator("touchpoints", "pain_points")
    @classmethod
    def _once_each(cls, ids: list[str]) -> list[str]:
        return list(dict.fromkeys(ids))


LABEL_FIELDS: tuple[str, ...] = tuple(Labels.model_fields)
# label field -> the taxonomy kind its ids come from (stage -> stages, ...); sentiment and moment_of_truth have none
TAXONOMY_KINDS: dict[str, str] = {name: meta.kind for name, info in Labels.model_fields.items()
                                  for meta in info.metadata if isinstance(meta, TaxonomyIds)}
LIST_FIELDS: tuple[str, ...] = tuple(name for name, info in Labels.model_fields.items()
                                     if get_origin(info.annotation) is list)
FLAG_FIELDS: tuple[str, ...] = tuple(name for name, info in Labels.model_fields.items() if info.annotation is bool)
ID_FIELDS: tuple[str, ...] = tuple(name for name in TAXONOMY_KINDS if name not in LIST_FIELDS)  # one id each


def polarity(sentiment: float) -> int:
    """A score's polarity, the gold's sentiment: < -0.25 -> -1, > 0.25 -> 1, else 0 (TAXONOMY.md)."""
    return -1 if sentiment < -0.25 else 1 if sentiment > 0.25 else 0


class ItemRef(BaseModel):
    """What a journey record keeps of its item, first in the record."""

    model_config = ConfigDict(extra="forbid")

    item_id: str
    source: Source = "other"
    lang: str | None = None
    customer_id: str | None = None
    created_at: str | None = None


class Evidence(BaseModel):
    """A verbatim quote of the item text; always equals text[start:end]."""

    model_config = ConfigDict(extra="forbid")

    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class JourneyEvent(BaseModel):
    """One labelled moment of an item: a touchpoint used at a stage, with feeling, pain and proof."""

    model_config = ConfigDict(extra="forbid")

    stage: str
    touchpoint: str | None = None
    emotion: str | None = None
    pain_point: str | None = None
    evidence: Evidence


class LearnedOutcome(BaseModel):
    """Which labels the learned extractor gave (the rest are the rules extractor's) and how sure it is of each:
    a calibrated probability that the field's label is right (for a list, that the whole list is)."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="the learned model's id")
    fields: dict[str, float] = Field(description="learned field -> calibrated probability its label is right")


class LLMOutcome(BaseModel):
    """How the llm extractor reached a record: answered at once, answered after one repair request, or labelled by
    the fallback extractor because the model's answer could not be used; `problems` are the validation errors."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["answered", "repaired", "fallback"]
    problems: list[str] = Field(default_factory=list)
    model: str | None = None
    prompt_id: str | None = None


class JourneyRecord(Labels, ItemRef):
    """One item's journey labels: the item's reference, its Labels, then how they were found and by whom.
    Field names and order are the contract; fields may be added, never renamed."""

    events: list[JourneyEvent] = Field(default_factory=list)
    customer_goal: str | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    extractor: str
    model: str | None = None
    prompt_id: str | None = None
    taxonomy_id: str
    origin: str | None = None
    llm: LLMOutcome | None = Field(default=None, description="set by the llm extractor: answered, repaired or fallback")
    segment: str | None = Field(default=None, description="the item's customer segment, for filtering maps")
    learned: LearnedOutcome | None = Field(default=None, description="set by the learned extractor: its fields and "
                                           "their calibrated confidence")
