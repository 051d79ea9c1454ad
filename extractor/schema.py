"""The record contract: FeedbackItem in, JourneyRecord out (the README's "Records" section shows one)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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


class LLMOutcome(BaseModel):
    """How the llm extractor reached a record: answered at once, answered after one repair request, or labelled by
    the fallback extractor because the model's answer could not be used; `problems` are the validation errors."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["answered", "repaired", "fallback"]
    problems: list[str] = Field(default_factory=list)
    model: str | None = None
    prompt_id: str | None = None


class JourneyRecord(BaseModel):
    """One item's journey labels. Field names and order are the contract; fields may be added, never renamed."""

    model_config = ConfigDict(extra="forbid")

    item_id: str
    source: Source = "other"
    lang: str | None = None
    customer_id: str | None = None
    created_at: str | None = None
    stage: str
    touchpoints: list[str] = Field(default_factory=list)
    emotion: str
    sentiment: float = Field(ge=-1.0, le=1.0)
    pain_points: list[str] = Field(default_factory=list)
    moment_of_truth: bool = False
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
