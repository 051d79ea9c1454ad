"""The taxonomy as data: labels, their per-language texts, hints and cues."""

from __future__ import annotations

from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

Texts = dict[str, str]
Cues = dict[str, list[str]]


class _Label(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Texts
    definition: Texts = Field(default_factory=dict)
    cues: Cues = Field(default_factory=dict)

    def text(self, field: str, lang: str = "en") -> str:
        """The label's name or definition in `lang`, falling back to English."""
        texts: Texts = getattr(self, field)
        return texts.get(lang) or texts.get("en") or next(iter(texts.values()), self.id)


class Stage(_Label):
    goal: Texts = Field(default_factory=dict)


class Touchpoint(_Label):
    goal: Texts = Field(default_factory=dict)
    stage: str | None = None
    sources: list[str] = Field(default_factory=list)


class Emotion(_Label):
    valence: float = Field(ge=-1.0, le=1.0)
    fallback: bool = True


class PainPoint(_Label):
    stage: str | None = None
    emotion: str | None = None
    touchpoint: str | None = None


class MomentOfTruth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cues: Cues = Field(default_factory=dict)


class Taxonomy(BaseModel):
    """A whole taxonomy file. Build it with `load_taxonomy`, which also checks cross-references."""

    model_config = ConfigDict(extra="forbid")

    taxonomy_id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    version: int = Field(ge=1)
    name: Texts = Field(default_factory=dict)
    languages: list[str] = Field(min_length=1)
    default_stage: str
    question_stage: str | None = None
    default_touchpoint: str | None = None
    default_emotion: str
    stages: list[Stage] = Field(min_length=1)
    touchpoints: list[Touchpoint] = Field(min_length=1)
    emotions: list[Emotion] = Field(min_length=1)
    pain_points: list[PainPoint] = Field(default_factory=list)
    moment_of_truth: MomentOfTruth = Field(default_factory=MomentOfTruth)

    # Lookups every record makes, built on first use (a loaded taxonomy is not changed afterwards).
    @cached_property
    def labels_by_id(self) -> dict[tuple[str, str], _Label]:
        """(kind, id) -> label, for every kind of label."""
        return {(kind, label.id): label for kind in ("stages", "touchpoints", "emotions", "pain_points")
                for label in getattr(self, kind)}

    @cached_property
    def touchpoints_by_source(self) -> dict[str, tuple[str, ...]]:
        """source -> the touchpoints it implies, for every source a touchpoint names."""
        sources = {source for t in self.touchpoints for source in t.sources}
        return {source: tuple(t.id for t in self.touchpoints if source in t.sources) for source in sources}

    @property
    def ref(self) -> str:
        """The id records carry: '<taxonomy_id>@<version>'."""
        return f"{self.taxonomy_id}@{self.version}"

    def ids(self, kind: str) -> list[str]:
        """The ids of one kind of label: 'stages', 'touchpoints', 'emotions' or 'pain_points'."""
        return [label.id for label in getattr(self, kind)]

    def stage_ids(self) -> list[str]:
        return [s.id for s in self.stages]

    def touchpoint_ids(self) -> list[str]:
        return [t.id for t in self.touchpoints]

    def emotion_ids(self) -> list[str]:
        return [e.id for e in self.emotions]

    def pain_point_ids(self) -> list[str]:
        return [p.id for p in self.pain_points]

    def source_touchpoints(self, source: str) -> tuple[str, ...]:
        """The touchpoints an item's source implies (`sources` on a touchpoint: a social post implies social media),
        which every extractor adds to the touchpoints it finds in the text."""
        implied = self.touchpoints_by_source.get(source)
        return implied if implied is not None else ()

    def label(self, kind: str, label_id: str) -> _Label:
        """The label of `kind` ('stages', 'touchpoints', 'emotions', 'pain_points') with this id."""
        found = self.labels_by_id.get((kind, label_id))
        if found is None:
            raise KeyError(f"{kind}: no label {label_id!r}")
        return found

    def name_of(self, kind: str, label_id: str, lang: str = "en") -> str:
        return self.label(kind, label_id).text("name", lang)

    def goal_of(self, events: list[dict], stage: str, lang: str | None) -> str | None:
        """The customer goal a record's labels imply: the goal of the touchpoint of its main event (the first with a
        pain point, else the first), else the goal of its stage, in `lang` (English when the label has none)."""
        main = next((e for e in events if e.get("pain_point")), events[0] if events else None)
        goals = [self.label("touchpoints", main["touchpoint"]).goal] if main and main.get("touchpoint") else []
        goals.append(self.label("stages", stage).goal)
        for goal in goals:
            if goal:
                return goal.get(lang or "en") or goal.get("en")
        return None
