"""The customer journey map as data: what `build_map` computes from journey records and every report renders.

The shape follows the seed articles' map: the stages as columns and, under each, the customer's goals, the
touchpoints, the emotions, the pain points and barriers, the moments of truth and the opportunities to act; plus
the stage by touchpoint matrix, the emotion curve, the pain-point Pareto and, when items carry customer ids and
times, the journeys of single customers. `journey map --out report.json` writes this model as it is."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAP_FORMAT = "journey-map@1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Quote(_Model):
    """A verbatim evidence quote of one record, with where it came from."""

    text: str
    item_id: str
    stage: str
    sentiment: float
    source: str | None = None
    lang: str | None = None
    origin: str | None = None


class Count(_Model):
    """A label with how many records carry it, their share of the records in scope, and their mean sentiment."""

    id: str
    name: str
    count: int
    share: float
    mean_sentiment: float


class PeriodCount(_Model):
    """One period (a month, YYYY-MM) of a pain point's trend: records with it, and their share of the period."""

    period: str
    count: int
    share: float


class PainPointSummary(_Model):
    id: str
    name: str
    count: int
    share: float = Field(description="of all records in scope")
    mean_sentiment: float
    negativity: float = Field(description="mean of max(0, -sentiment) over its records, 0..1")
    cumulative_share: float = Field(description="Pareto: share of all pain-point mentions up to and including this")
    stages: dict[str, int]
    touchpoints: dict[str, int]
    trend: list[PeriodCount]
    trend_direction: str = Field(description="rising, falling, flat, or unknown (fewer than 2 dated periods)")
    quotes: list[Quote]


class MomentsOfTruth(_Model):
    count: int
    positive: int
    negative: int
    by_stage: dict[str, int]
    quotes: list[Quote]


class Opportunity(_Model):
    """A pain point worth acting on: ranked by volume times negativity, with where it hurts and the proof."""

    rank: int
    pain_point: str
    name: str
    score: float = Field(description="count x negativity")
    count: int
    negativity: float
    stage: str = Field(description="the stage where it is most often reported")
    touchpoint: str | None = Field(description="the touchpoint most often reported with it")
    quotes: list[Quote]


class StageColumn(_Model):
    """One column of the map."""

    id: str
    name: str
    goal: str | None = Field(description="the taxonomy's customer goal for the stage")
    count: int
    share: float
    mean_sentiment: float | None
    dominant_emotion: str | None
    emotions: list[Count]
    touchpoints: list[Count]
    pain_points: list[Count]
    moments_of_truth: int
    customer_goals: list[Count] = Field(description="the customer goals the records state, most frequent first")
    quotes: list[Quote]


class EmotionPoint(_Model):
    """The emotion curve at one stage."""

    stage: str
    name: str
    count: int
    mean_sentiment: float | None
    dominant_emotion: str | None
    dominant_emotion_name: str | None


class MatrixCell(_Model):
    stage: str
    touchpoint: str
    count: int
    mean_sentiment: float


class JourneyStep(_Model):
    item_id: str
    created_at: str | None
    stage: str
    touchpoints: list[str]
    emotion: str
    sentiment: float
    pain_points: list[str]
    moment_of_truth: bool


class CustomerJourney(_Model):
    """One customer's items in time order."""

    customer_id: str
    steps: list[JourneyStep]
    stage_path: list[str] = Field(description="the stage sequence with consecutive repeats collapsed")
    first_at: str | None
    last_at: str | None
    ending: str = Field(description="churn, unresolved, resolved or ok (see journeys.py for the rules)")
    open_pain_points: list[str] = Field(description="pain points of the last step when it is negative")


class Transition(_Model):
    source: str = Field(description="stage of the earlier item")
    target: str = Field(description="stage of the next item of the same customer")
    count: int


class JourneySummary(_Model):
    customers: int = Field(description="customers with at least one record")
    multi_step: int = Field(description="customers with two or more records")
    steps: int
    transitions: list[Transition]
    endings: dict[str, int] = Field(description="of the multi-step journeys")
    flagged: list[CustomerJourney] = Field(description="journeys ending in churn or unresolved pain, worst first")
    journeys: list[CustomerJourney] = Field(description="multi-step journeys, up to the report's limit")
    truncated: bool = Field(description="true when more journeys exist than are listed")


class Filters(_Model):
    sources: list[str] = Field(default_factory=list)
    langs: list[str] = Field(default_factory=list)
    segments: list[str] = Field(default_factory=list)
    since: str | None = None
    until: str | None = None


class LearnedMeta(_Model):
    """The records a learned model labelled, and how far its calibrated confidences say to trust each field."""

    records: int = Field(description="records carrying a learned model's confidences")
    models: dict[str, int] = Field(description="learned model id -> its records")
    fields: dict[str, float] = Field(description="learned field -> the mean calibrated confidence of its labels: "
                                     "the expected share of them that are right")


class MapMeta(_Model):
    """Where the records came from and how far to trust their labels."""

    title: str
    lang: str = Field(description="language of the labels in the report: en or pl")
    generated_at: str
    inputs: list[str]
    records: int = Field(description="records in scope, after filters")
    records_read: int
    filtered_out: int
    filters: Filters
    extractors: dict[str, int]
    models: dict[str, int]
    prompt_ids: dict[str, int]
    taxonomy_ids: dict[str, int]
    languages: dict[str, int]
    sources: dict[str, int]
    segments: dict[str, int]
    first_date: str | None
    last_date: str | None
    dated: int = Field(description="records with a readable created_at")
    mean_confidence: float | None
    low_confidence: int = Field(description="records with confidence below 0.5")
    llm_outcomes: dict[str, int] = Field(description="answered / repaired / fallback, for llm records")
    learned: LearnedMeta | None = Field(default=None, description="null when no record was labelled by a "
                                        "learned model")


class JourneyMap(_Model):
    format: str = MAP_FORMAT
    meta: MapMeta
    stages: list[StageColumn]
    emotion_curve: list[EmotionPoint]
    matrix: list[MatrixCell]
    touchpoint_order: list[str] = Field(description="matrix columns, most used first")
    touchpoint_names: dict[str, str]
    pain_points: list[PainPointSummary] = Field(description="most frequent first (the Pareto order)")
    moments_of_truth: MomentsOfTruth
    opportunities: list[Opportunity]
    journeys: JourneySummary | None = Field(description="null when no record has a customer id")
