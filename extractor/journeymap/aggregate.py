"""From journey records to a customer journey map (see model.py for what it holds).

One pass over the records, streaming: counters and sentiment sums per stage, touchpoint, pain point and cell, a
bounded pool of candidate quotes per label, and, for records with a customer id, the few fields a journey needs.
Memory grows with the number of labels and customers, not with the records."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from ..schema import LABEL_FIELDS
from ..taxonomy import Taxonomy
from .dates import parse_time, period_of
from .journeys import Step, summarise_journeys
from .model import (
    Count,
    EmotionPoint,
    Filters,
    JourneyMap,
    JourneyStep,
    LearnedMeta,
    MapMeta,
    MatrixCell,
    MomentsOfTruth,
    Opportunity,
    PainPointSummary,
    PeriodCount,
    Quote,
    StageColumn,
)
from .quotes import QuotePool, quote_score, tiebreak_of

NEGATIVE, POSITIVE = -0.25, 0.25
LOW_CONFIDENCE = 0.5


@dataclass
class MapOptions:
    """What the map covers and how it reads."""

    title: str = "Customer journey map"
    lang: str = "en"
    sources: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    quotes: int = 3  # per pain point, stage, opportunity
    opportunities: int = 10
    journeys: int = 200  # multi-step journeys listed (all are counted)
    flagged: int = 50

    def filters(self) -> Filters:
        return Filters(sources=self.sources, langs=self.langs, segments=self.segments,
                       since=self.since.isoformat() if self.since else None,
                       until=self.until.isoformat() if self.until else None)


class Tally:
    """How many records and the sum of their sentiment."""

    __slots__ = ("n", "total")

    def __init__(self) -> None:
        self.n = 0
        self.total = 0.0

    def add(self, sentiment: float) -> None:
        self.n += 1
        self.total += sentiment

    @property
    def mean(self) -> float:
        return round(self.total / self.n, 3) if self.n else 0.0


@dataclass
class PainTally:
    tally: Tally = field(default_factory=Tally)
    negativity: float = 0.0
    stages: Counter = field(default_factory=Counter)
    touchpoints: Counter = field(default_factory=Counter)
    periods: Counter = field(default_factory=Counter)
    quotes: QuotePool = field(default_factory=QuotePool)


@dataclass
class StageTally:
    tally: Tally = field(default_factory=Tally)
    emotions: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    touchpoints: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    pain_points: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    goals: dict[tuple[str | None, str], Tally] = field(default_factory=lambda: defaultdict(Tally))  # (lang, goal)
    moments: int = 0
    quotes: QuotePool = field(default_factory=QuotePool)


@dataclass(slots=True)
class RecordFields:
    """The fields of one record the map counts, read once with their defaults."""

    stage: str
    sentiment: float
    emotion: str
    touchpoints: Sequence[str]
    pain_points: Sequence[str]
    confidence: float
    item_id: str
    events: Sequence[dict[str, Any]]
    tiebreak: int

    @classmethod
    def of(cls, r: dict[str, Any]) -> RecordFields:
        item_id = str(r.get("item_id"))
        return cls(stage=r["stage"], sentiment=float(r.get("sentiment") or 0.0), emotion=r.get("emotion") or "?",
                   touchpoints=r.get("touchpoints") or (), pain_points=r.get("pain_points") or (),
                   confidence=float(r.get("confidence") or 0.0), item_id=item_id, events=r.get("events") or (),
                   tiebreak=tiebreak_of(item_id))


class MapBuilder:
    """Add records one by one (`add`), then `build` the map. Records are dicts as `journey extract` writes them."""

    def __init__(self, taxonomy: Taxonomy, options: MapOptions | None = None):
        self.taxonomy = taxonomy
        self.options = options or MapOptions()
        self.read = 0
        self.filtered_out = 0
        self._meta: dict[str, Counter] = defaultdict(Counter)
        self._confidence = Tally()
        self._low_confidence = 0
        self._learned_models: Counter = Counter()
        self._learned_fields: dict[str, Tally] = defaultdict(Tally)  # field -> its calibrated confidences
        self._first: datetime | None = None
        self._last: datetime | None = None
        self._dated = 0
        self._stages: dict[str, StageTally] = defaultdict(StageTally)
        self._cells: dict[tuple[str, str], Tally] = defaultdict(Tally)
        self._touchpoints: Counter = Counter()
        self._pains: dict[str, PainTally] = defaultdict(PainTally)
        self._periods: Counter = Counter()
        self._moments = Tally()
        self._moments_positive = 0
        self._moments_negative = 0
        self._moment_stages: Counter = Counter()
        self._moment_quotes = QuotePool()
        self._customers: dict[str, list[Step]] = defaultdict(list)
        self._sets = (set(self.options.sources), set(self.options.langs), set(self.options.segments))

    # -- one record ------------------------------------------------------------------------------------------

    def add(self, r: dict[str, Any]) -> bool:
        """Count one record; False when the filters leave it out."""
        self.read += 1
        moment = parse_time(r.get("created_at"))
        if not self._wanted(r, moment):
            self.filtered_out += 1
            return False
        f = RecordFields.of(r)
        self._count_meta(r, f.confidence)
        period = self._count_date(moment)
        column = self._count_stage(r, f)
        self._count_pain_points(f, period)
        self._offer_quotes(r, f, column)
        if r.get("moment_of_truth"):
            self._count_moment(r, f, column)
        customer = r.get("customer_id")
        if customer:
            self._customers[str(customer)].append(Step(
                order=self.read, moment=moment,
                step=JourneyStep(item_id=f.item_id, created_at=r.get("created_at"), stage=f.stage,
                                 touchpoints=list(f.touchpoints), emotion=f.emotion, sentiment=f.sentiment,
                                 pain_points=list(f.pain_points), moment_of_truth=bool(r.get("moment_of_truth")))))
        return True

    def _count_date(self, moment: datetime | None) -> str | None:
        """Count a dated record in its month and widen the date range; the month, or None without a date."""
        if moment is None:
            return None
        self._dated += 1
        period = period_of(moment)
        self._periods[period] += 1
        if self._first is None or moment < self._first:
            self._first = moment
        if self._last is None or moment > self._last:
            self._last = moment
        return period

    def _count_stage(self, r: dict[str, Any], f: RecordFields) -> StageTally:
        """Count the record in its stage's column (emotion, touchpoints, pain points, goal) and the heatmap."""
        column = self._stages[f.stage]
        column.tally.add(f.sentiment)
        column.emotions[f.emotion].add(f.sentiment)
        for tp in f.touchpoints:
            column.touchpoints[tp].add(f.sentiment)
            self._cells[(f.stage, tp)].add(f.sentiment)
            self._touchpoints[tp] += 1
        for pain in f.pain_points:
            column.pain_points[pain].add(f.sentiment)
        goal = r.get("customer_goal")
        if goal:
            column.goals[(r.get("lang"), goal)].add(f.sentiment)
        return column

    def _count_pain_points(self, f: RecordFields, period: str | None) -> None:
        for pain in f.pain_points:
            p = self._pains[pain]
            p.tally.add(f.sentiment)
            p.negativity += max(0.0, -f.sentiment)
            p.stages[f.stage] += 1
            p.touchpoints.update(f.touchpoints)
            if period is not None:
                p.periods[period] += 1

    def _offer_quotes(self, r: dict[str, Any], f: RecordFields, column: StageTally) -> None:
        """Offer each evidence quote to its pain point's pool and to the stage's."""
        stage, sentiment = f.stage, f.sentiment
        for event in f.events:
            evidence = event.get("evidence") or {}
            text = evidence.get("quote")
            if not text:
                continue
            pain = event.get("pain_point")
            if pain in self._pains and pain in f.pain_points:
                score = quote_score(text, f.confidence, sentiment, -1.0)
                self._pains[pain].quotes.offer(score, f.tiebreak, lambda: self._quote(r, text, stage, sentiment))
            if event.get("stage", stage) == stage:
                score = quote_score(text, f.confidence, sentiment, 0.0)
                column.quotes.offer(score, f.tiebreak, lambda: self._quote(r, text, stage, sentiment))

    def _count_moment(self, r: dict[str, Any], f: RecordFields, column: StageTally) -> None:
        """Count a moment of truth, and offer its first evidence quote."""
        stage, sentiment = f.stage, f.sentiment
        self._moments.add(sentiment)
        self._moments_positive += sentiment > POSITIVE
        self._moments_negative += sentiment < NEGATIVE
        self._moment_stages[stage] += 1
        column.moments += 1
        if f.events:
            text = (f.events[0].get("evidence") or {}).get("quote")
            if text:
                score = quote_score(text, f.confidence, sentiment, 0.0)
                self._moment_quotes.offer(score, f.tiebreak, lambda: self._quote(r, text, stage, sentiment))

    def _wanted(self, r: dict[str, Any], moment: datetime | None) -> bool:
        sources, langs, segments = self._sets
        o = self.options
        if sources and r.get("source") not in sources:
            return False
        if langs and r.get("lang") not in langs:
            return False
        if segments and r.get("segment") not in segments:
            return False
        if o.since is not None or o.until is not None:
            if moment is None:
                return False
            if o.since is not None and moment < o.since:
                return False
            if o.until is not None and moment > o.until:
                return False
        return True

    def _count_meta(self, r: dict[str, Any], confidence: float) -> None:
        meta = self._meta
        meta["extractors"][r.get("extractor") or "?"] += 1
        if r.get("model"):
            meta["models"][r["model"]] += 1
        if r.get("prompt_id"):
            meta["prompt_ids"][r["prompt_id"]] += 1
        meta["taxonomy_ids"][r.get("taxonomy_id") or "?"] += 1
        meta["languages"][r.get("lang") or "?"] += 1
        meta["sources"][r.get("source") or "?"] += 1
        if r.get("segment"):
            meta["segments"][r["segment"]] += 1
        llm = r.get("llm")
        if isinstance(llm, dict) and llm.get("outcome"):
            meta["llm_outcomes"][llm["outcome"]] += 1
        self._confidence.add(confidence)
        self._low_confidence += confidence < LOW_CONFIDENCE
        self._count_learned(r.get("learned"))

    def _count_learned(self, learned: Any) -> None:
        """Count a learned model's record: its model, and the calibrated confidence of each learned field."""
        fields = learned.get("fields") if isinstance(learned, dict) else None
        if not fields:
            return
        self._learned_models[str(learned.get("model"))] += 1
        for name, conf in fields.items():
            self._learned_fields[name].add(float(conf))

    @staticmethod
    def _quote(r: dict[str, Any], text: str, stage: str, sentiment: float) -> Quote:
        return Quote(text=text, item_id=str(r.get("item_id")), stage=stage, sentiment=round(sentiment, 3),
                     source=r.get("source"), lang=r.get("lang"), origin=r.get("origin"))

    def taxonomy_ids(self) -> list[str]:
        """The taxonomy refs the counted records say they were labelled with."""
        return [ref for ref in self._meta["taxonomy_ids"] if ref != "?"]

    # -- the map ---------------------------------------------------------------------------------------------

    def build(self, inputs: list[str] | None = None) -> JourneyMap:
        o = self.options
        records = self.read - self.filtered_out
        stages = self._stage_order()
        pain_points = self._pain_points(records)
        touchpoint_order = [tp for tp, _ in sorted(self._touchpoints.items(), key=lambda kv: (-kv[1], kv[0]))]
        journeys = None
        if self._customers:
            journeys = summarise_journeys(self._customers, self.taxonomy.stage_ids()[-1], limit=o.journeys,
                                          flagged_limit=o.flagged)
        return JourneyMap(
            meta=self._meta_of(records, inputs or []),
            stages=[self._column(s, records) for s in stages],
            emotion_curve=[self._curve_point(s) for s in stages],
            matrix=[MatrixCell(stage=s, touchpoint=tp, count=t.n, mean_sentiment=t.mean)
                    for (s, tp), t in sorted(self._cells.items(), key=lambda kv: (stages.index(kv[0][0]), kv[0][1]))],
            touchpoint_order=touchpoint_order,
            touchpoint_names={tp: self._name("touchpoints", tp) for tp in touchpoint_order},
            pain_points=pain_points,
            moments_of_truth=MomentsOfTruth(
                count=self._moments.n, positive=self._moments_positive, negative=self._moments_negative,
                by_stage={s: self._moment_stages[s] for s in stages if self._moment_stages[s]},
                quotes=self._moment_quotes.pick(o.quotes)),
            opportunities=self._opportunities(pain_points),
            journeys=journeys,
        )

    def _stage_order(self) -> list[str]:
        """The taxonomy's stages in journey order, then any stage id the records carry that it does not know."""
        known = self.taxonomy.stage_ids()
        return known + sorted(s for s in self._stages if s not in known)

    def _name(self, kind: str, label_id: str) -> str:
        try:
            return self.taxonomy.name_of(kind, label_id, self.options.lang)
        except KeyError:
            return label_id

    def _counts(self, kind: str, tallies: dict[str, Tally], total: int) -> list[Count]:
        ordered = sorted(tallies.items(), key=lambda kv: (-kv[1].n, kv[0]))
        return [Count(id=k, name=self._name(kind, k), count=t.n, share=_share(t.n, total),
                      mean_sentiment=t.mean) for k, t in ordered]

    def _column(self, stage: str, records: int) -> StageColumn:
        column = self._stages.get(stage) or StageTally()
        n = column.tally.n
        emotions = self._counts("emotions", column.emotions, n)
        known = self.taxonomy.label("stages", stage) if stage in self.taxonomy.stage_ids() else None
        goals = getattr(known, "goal", None) or {}
        goal = goals.get(self.options.lang) or goals.get("en")
        return StageColumn(
            id=stage, name=self._name("stages", stage), goal=goal, count=n, share=_share(n, records),
            mean_sentiment=column.tally.mean if n else None, dominant_emotion=emotions[0].id if emotions else None,
            emotions=emotions, touchpoints=self._counts("touchpoints", column.touchpoints, n),
            pain_points=self._counts("pain_points", column.pain_points, n), moments_of_truth=column.moments,
            customer_goals=self._goals(column), quotes=column.quotes.pick(self.options.quotes))

    def _goals(self, column: StageTally, limit: int = 5) -> list[Count]:
        """The goals records state, those in the report's language first (goals are free text in the item's)."""
        lang = self.options.lang
        ordered = sorted(column.goals.items(), key=lambda kv: (kv[0][0] != lang, -kv[1].n, kv[0][1]))[:limit]
        n = column.tally.n
        return [Count(id=goal, name=goal, count=t.n, share=_share(t.n, n), mean_sentiment=t.mean)
                for (_, goal), t in ordered]

    def _curve_point(self, stage: str) -> EmotionPoint:
        column = self._stages.get(stage) or StageTally()
        dominant = max(column.emotions.items(), key=lambda kv: (kv[1].n, kv[0]), default=(None, None))[0]
        return EmotionPoint(stage=stage, name=self._name("stages", stage), count=column.tally.n,
                            mean_sentiment=column.tally.mean if column.tally.n else None, dominant_emotion=dominant,
                            dominant_emotion_name=self._name("emotions", dominant) if dominant else None)

    def _pain_points(self, records: int) -> list[PainPointSummary]:
        ordered = sorted(self._pains.items(), key=lambda kv: (-kv[1].tally.n, kv[0]))
        mentions = sum(p.tally.n for _, p in ordered)
        periods = sorted(self._periods)
        summaries, running = [], 0
        for pain, p in ordered:
            running += p.tally.n
            trend = [PeriodCount(period=m, count=p.periods[m], share=_share(p.periods[m], self._periods[m]))
                     for m in periods]
            summaries.append(PainPointSummary(
                id=pain, name=self._name("pain_points", pain), count=p.tally.n, share=_share(p.tally.n, records),
                mean_sentiment=p.tally.mean, negativity=round(p.negativity / p.tally.n, 3),
                cumulative_share=_share(running, mentions), stages=dict(p.stages.most_common()),
                touchpoints=dict(p.touchpoints.most_common(8)), trend=trend,
                trend_direction=direction_of(trend, self._periods), quotes=p.quotes.pick(self.options.quotes)))
        return summaries

    def _opportunities(self, pain_points: list[PainPointSummary]) -> list[Opportunity]:
        ranked = sorted((p for p in pain_points if p.negativity > 0),
                        key=lambda p: (-p.count * p.negativity, p.id))[: self.options.opportunities]
        return [Opportunity(rank=n, pain_point=p.id, name=p.name, score=round(p.count * p.negativity, 2),
                            count=p.count, negativity=p.negativity, stage=next(iter(p.stages)),
                            touchpoint=next(iter(p.touchpoints), None), quotes=p.quotes)
                for n, p in enumerate(ranked, 1)]

    def _meta_of(self, records: int, inputs: list[str]) -> MapMeta:
        meta = self._meta
        return MapMeta(
            title=self.options.title, lang=self.options.lang,
            generated_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(), inputs=inputs,
            records=records, records_read=self.read, filtered_out=self.filtered_out, filters=self.options.filters(),
            **{k: dict(meta[k].most_common()) for k in ("extractors", "models", "prompt_ids", "taxonomy_ids",
                                                          "languages", "sources", "segments", "llm_outcomes")},
            first_date=self._first.date().isoformat() if self._first else None,
            last_date=self._last.date().isoformat() if self._last else None, dated=self._dated,
            mean_confidence=round(self._confidence.total / self._confidence.n, 3) if self._confidence.n else None,
            low_confidence=self._low_confidence, learned=self._learned_meta())

    def _learned_meta(self) -> LearnedMeta | None:
        if not self._learned_models:
            return None
        order = [f for f in LABEL_FIELDS if f in self._learned_fields] + sorted(set(self._learned_fields) -
                                                                                 set(LABEL_FIELDS))
        return LearnedMeta(records=sum(self._learned_models.values()), models=dict(self._learned_models.most_common()),
                           fields={f: self._learned_fields[f].mean for f in order})


def direction_of(trend: list[PeriodCount], totals: Counter) -> str:
    """rising / falling / flat: the pain point's share of the later half of the periods against the earlier half."""
    if len(trend) < 2:
        return "unknown"
    half = len(trend) // 2
    early, late = trend[:half], trend[half:]
    early_share = _share(sum(p.count for p in early), sum(totals[p.period] for p in early))
    late_share = _share(sum(p.count for p in late), sum(totals[p.period] for p in late))
    if early_share == late_share:
        return "flat"
    if early_share == 0:
        return "rising"
    ratio = late_share / early_share
    return "rising" if ratio >= 1.25 else "falling" if ratio <= 0.8 else "flat"


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def build_map(records: Iterable[dict[str, Any]], taxonomy: Taxonomy, options: MapOptions | None = None,
              inputs: list[str] | None = None) -> JourneyMap:
    """The journey map of these records (dicts as `journey extract` writes them)."""
    builder = MapBuilder(taxonomy, options)
    for record in records:
        builder.add(record)
    return builder.build(inputs)

