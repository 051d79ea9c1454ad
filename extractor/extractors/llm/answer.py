"""The model's answer format, built from the taxonomy in use: label ids are `Literal`s, so a user's taxonomy
changes the JSON schema the model must follow (OpenAI strict structured output: every field required, optional
values as "type or null", no defaults, no dict-typed fields, no extra fields)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, create_model

from ...taxonomy import Taxonomy

STRICT = ConfigDict(extra="forbid")


def one_of(ids: list[str]) -> Any:
    """Literal of the ids; a taxonomy section without ids allows only null."""
    return Literal[tuple(ids)] if ids else type(None)  # type: ignore[valid-type]


def answer_models(taxonomy: Taxonomy) -> tuple[type[BaseModel], type[BaseModel], type[BaseModel]]:
    """(BatchAnswer, ItemAnswer, EventAnswer) for this taxonomy."""
    stage = one_of(taxonomy.stage_ids())
    touchpoint = one_of(taxonomy.touchpoint_ids())
    emotion = one_of(taxonomy.emotion_ids())
    pain_point = one_of(taxonomy.pain_point_ids())
    event = create_model(
        "EventAnswer", __config__=STRICT,
        stage=(stage, Field(description="the journey stage of this moment")),
        touchpoint=(Optional[touchpoint], Field(description="the channel or place, or null")),
        emotion=(Optional[emotion], Field(description="the customer's emotion here, or null")),
        pain_point=(Optional[pain_point], Field(description="the problem here, or null")),
        quote=(str, Field(description="a verbatim span of the item text proving this moment, copied exactly")),
    )
    item = create_model(
        "ItemAnswer", __config__=STRICT,
        id=(int, Field(description="the id of the item in the request")),
        stage=(stage, Field(description="the item's main journey stage")),
        touchpoints=(list[touchpoint], Field(description="every touchpoint the item mentions")),  # type: ignore[valid-type]
        emotion=(emotion, Field(description="the customer's dominant emotion")),
        sentiment=(float, Field(description="overall sentiment from -1 (very negative) to 1 (very positive)")),
        pain_points=(list[pain_point], Field(description="every pain point the item shows")),  # type: ignore[valid-type]
        moment_of_truth=(bool, Field(description="true when the experience decides whether the customer stays")),
        customer_goal=(Optional[str], Field(description="what the customer wanted to achieve, in a few words, or null")),
        events=(list[event], Field(description="one entry per labelled moment, each with its verbatim quote")),  # type: ignore[valid-type]
    )
    batch = create_model(
        "BatchAnswer", __config__=STRICT,
        items=(list[item], Field(description="one entry per item of the request, with the item's id")),  # type: ignore[valid-type]
    )
    return batch, item, event
