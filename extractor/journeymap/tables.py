"""The journey map's data as named tables, one per part of the map (`journey map --out map.xlsx` writes each as a
sheet): about, stages, the emotions, touchpoints and pain points of each stage, the emotion curve, the stage by
touchpoint matrix, pain points and their monthly trend, opportunities, moments of truth, quotes and, when records
carry customer ids, the journeys and their transitions. Headings are the report's own words in the map's language
(texts/); values are plain numbers and texts, label names as the map names them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Sequence

from ..texts import table as texts_table
from .model import JourneyMap, Quote

FORBIDDEN_IN_TITLES = str.maketrans({"[": "(", "]": ")", ":": "", "*": "", "?": "", "/": "-", "\\": "-"})


@dataclass(frozen=True)
class MapTable:
    """One table: a title (a sheet's name, 31 characters at most), column headings and rows."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]


def map_tables(journey_map: JourneyMap) -> list[MapTable]:
    """Every table of the map, in the report's order; the journeys' tables only when the map has journeys."""
    t = texts_table(journey_map.meta.lang)
    tables = [about(journey_map, t), stages(journey_map, t), *stage_counts(journey_map, t),
              emotion_curve(journey_map, t), matrix(journey_map, t), *pain_points(journey_map, t),
              opportunities(journey_map, t), moments_of_truth(journey_map, t), quotes(journey_map, t)]
    if journey_map.journeys is not None:
        tables += journeys(journey_map, t)
    return [MapTable(" ".join(title.translate(FORBIDDEN_IN_TITLES).split())[:31], headers, rows)
            for title, headers, rows in tables]


def about(m: JourneyMap, t: dict[str, str]):
    """The meta as (field, value) rows; counts by extractor, language... as JSON objects."""
    rows = []
    for name, value in m.meta.model_dump().items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False) if value else None
        rows.append((name, value))
    return t["sec_meta"], ["field", t["col_value"]], rows


def stages(m: JourneyMap, t: dict[str, str]):
    headers = ["id", t["col_stage"], t["stage_goal"], t["col_count"], t["col_share"], t["col_sentiment"],
               t["dominant_emotion"], t["lane_moments"]]
    rows = [(s.id, s.name, s.goal, s.count, s.share, s.mean_sentiment,
             next((e.name for e in s.emotions if e.id == s.dominant_emotion), s.dominant_emotion), s.moments_of_truth)
            for s in m.stages]
    return t["lane_stages"], headers, rows


def stage_counts(m: JourneyMap, t: dict[str, str]):
    """A table per lane of the map (emotions, touchpoints, pain points, stated goals): a row per stage and label."""
    def lane(title: str, label: str, counts_of) -> tuple[str, list[str], list[tuple]]:
        headers = [t["col_stage"], "id", label, t["col_count"], t["col_share"], t["col_sentiment"]]
        rows = [(s.name, c.id, c.name, c.count, c.share, c.mean_sentiment) for s in m.stages for c in counts_of(s)]
        return title, headers, rows

    return [lane(t["lane_emotions"], t["lane_emotions"], lambda s: s.emotions),
            lane(t["lane_touchpoints"], t["col_touchpoint"], lambda s: s.touchpoints),
            lane(t["lane_pain_points"], t["col_pain_point"], lambda s: s.pain_points),
            lane(t["lane_goals"], t["lane_goals"], lambda s: s.customer_goals)]


def emotion_curve(m: JourneyMap, t: dict[str, str]):
    headers = [t["col_stage"], t["col_count"], t["col_sentiment"], t["dominant_emotion"]]
    rows = [(p.name, p.count, p.mean_sentiment, p.dominant_emotion_name) for p in m.emotion_curve]
    return t["sec_emotion_curve"], headers, rows


def matrix(m: JourneyMap, t: dict[str, str]):
    """Stages down, touchpoints across (most used first), records in each cell."""
    counts = {(c.stage, c.touchpoint): c.count for c in m.matrix}
    headers = [t["col_stage"], *(m.touchpoint_names.get(tp, tp) for tp in m.touchpoint_order)]
    rows = [(s.name, *(counts.get((s.id, tp), 0) for tp in m.touchpoint_order)) for s in m.stages]
    return t["sec_heatmap"], headers, rows


def pain_points(m: JourneyMap, t: dict[str, str]):
    """The Pareto table of pain points, and their monthly trend (a row per pain point and month)."""
    headers = ["id", t["col_pain_point"], t["col_count"], t["col_share"], t["col_sentiment"], t["col_negativity"],
               t["col_cumulative"], t["col_trend"]]
    rows = [(p.id, p.name, p.count, p.share, p.mean_sentiment, p.negativity, p.cumulative_share,
             t.get(f"trend_{p.trend_direction}", p.trend_direction)) for p in m.pain_points]
    trend = [(p.name, q.period, q.count, q.share) for p in m.pain_points for q in p.trend]
    return [(t["sec_pareto"], headers, rows),
            (t["col_trend"], [t["col_pain_point"], t["col_period"], t["col_count"], t["col_share"]], trend)]


def opportunities(m: JourneyMap, t: dict[str, str]):
    headers = [t["col_rank"], "id", t["col_pain_point"], t["col_score"], t["col_count"], t["col_negativity"],
               t["col_stage"], t["col_touchpoint"]]
    rows = [(o.rank, o.pain_point, o.name, o.score, o.count, o.negativity, _stage_name(m, o.stage),
             m.touchpoint_names.get(o.touchpoint, o.touchpoint) if o.touchpoint else None) for o in m.opportunities]
    return t["sec_opportunities"], headers, rows


def moments_of_truth(m: JourneyMap, t: dict[str, str]):
    mot = m.moments_of_truth
    rows = [(_stage_name(m, stage), n) for stage, n in mot.by_stage.items()]
    return t["sec_moments_of_truth"], [t["col_stage"], t["col_count"]], rows


def quotes(m: JourneyMap, t: dict[str, str]):
    """Every quote of the map with where it is shown: a stage, a pain point, an opportunity, the moments of truth."""
    shown: list[tuple[str, Quote]] = [(s.name, q) for s in m.stages for q in s.quotes]
    shown += [(p.name, q) for p in m.pain_points for q in p.quotes]
    shown += [(f"{t['lane_opportunities']} {o.rank}", q) for o in m.opportunities for q in o.quotes]
    shown += [(t["lane_moments"], q) for q in m.moments_of_truth.quotes]
    headers = [t["col_where"], t["col_quotes"], "item_id", t["col_stage"], "sentiment", "source", "lang", "origin"]
    rows = [(where, q.text, q.item_id, _stage_name(m, q.stage), q.sentiment, q.source, q.lang, q.origin)
            for where, q in shown]
    return t["lane_quotes"], headers, rows


def journeys(m: JourneyMap, t: dict[str, str]):
    """The listed customer journeys (flagged ones first) and the stage-to-stage transitions."""
    assert m.journeys is not None
    listed = {j.customer_id: j for j in [*m.journeys.flagged, *m.journeys.journeys]}
    pain_names = {p.id: p.name for p in m.pain_points}
    headers = [t["col_customer"], t["col_ending"], t["col_steps"], "stage path", t["col_open_pains"], "first",
               "last"]
    rows = [(j.customer_id, t.get(f"ending_{j.ending}", j.ending), len(j.steps),
             " > ".join(_stage_name(m, s) for s in j.stage_path),
             ", ".join(pain_names.get(p, p) for p in j.open_pain_points) or None,
             j.first_at, j.last_at) for j in listed.values()]
    transitions = [(_stage_name(m, x.source), _stage_name(m, x.target), x.count) for x in m.journeys.transitions]
    return [(t["sec_journeys"], headers, rows),
            (t["col_from_to"], [t["col_stage"], t["col_stage"] + " +1", t["col_count"]], transitions)]


def _stage_name(m: JourneyMap, stage_id: str) -> str:
    return next((s.name for s in m.stages if s.id == stage_id), stage_id)


__all__ = ["MapTable", "map_tables"]
