"""Journeys of single customers: each customer's records in time order, the stage-to-stage transitions, and the
journeys that end badly.

How a journey ends is read from its last step only, because that is where the customer left it:
- `churn`: the last step is negative (sentiment < -0.25) and is a moment of truth ("never again", "I'm switching")
  or sits in the taxonomy's last stage (the relationship beyond one purchase: cancelling, leaving);
- `unresolved`: the last step is negative otherwise; its pain points are the open ones;
- `resolved`: an earlier step had a pain point or was negative, and the last one is not negative;
- `ok`: no step had a pain point or a negative sentiment.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from .model import CustomerJourney, JourneyStep, JourneySummary, Transition

NEGATIVE = -0.25
ENDINGS = ("churn", "unresolved", "resolved", "ok")
_SEVERITY = {"churn": 0, "unresolved": 1}


@dataclass(slots=True)
class Step:
    """One record of a customer, as much as a journey needs."""

    order: int  # position in the input, for undated records and ties
    moment: datetime | None
    step: JourneyStep


def journey_of(customer_id: str, steps: list[Step], last_stage: str) -> CustomerJourney:
    """One customer's journey: steps in time order (input order when any step has no readable time)."""
    if all(s.moment is not None for s in steps):
        steps = sorted(steps, key=lambda s: (s.moment, s.order))
    else:
        steps = sorted(steps, key=lambda s: s.order)
    ordered = [s.step for s in steps]
    path: list[str] = []
    for step in ordered:
        if not path or path[-1] != step.stage:
            path.append(step.stage)
    ending = ending_of(ordered, last_stage)
    last = ordered[-1]
    return CustomerJourney(
        customer_id=customer_id, steps=ordered, stage_path=path,
        first_at=ordered[0].created_at, last_at=last.created_at, ending=ending,
        open_pain_points=list(last.pain_points) if ending in _SEVERITY else [])


def ending_of(steps: list[JourneyStep], last_stage: str) -> str:
    """churn, unresolved, resolved or ok (see the module docstring)."""
    last = steps[-1]
    if last.sentiment < NEGATIVE:
        return "churn" if last.moment_of_truth or last.stage == last_stage else "unresolved"
    if any(s.pain_points or s.sentiment < NEGATIVE for s in steps[:-1]) or last.pain_points:
        return "resolved"
    return "ok"


def summarise_journeys(by_customer: dict[str, list[Step]], last_stage: str, *, limit: int = 200,
                       flagged_limit: int = 50) -> JourneySummary:
    """Every customer's journey, the transitions between consecutive steps, and the journeys that end badly."""
    transitions: Counter[tuple[str, str]] = Counter()
    endings: Counter[str] = Counter({e: 0 for e in ENDINGS})
    multi: list[CustomerJourney] = []
    steps = 0
    for customer_id in sorted(by_customer):
        journey = journey_of(customer_id, by_customer[customer_id], last_stage)
        steps += len(journey.steps)
        if len(journey.steps) < 2:
            continue
        endings[journey.ending] += 1
        for a, b in zip(journey.steps, journey.steps[1:]):
            transitions[(a.stage, b.stage)] += 1
        multi.append(journey)
    flagged = sorted((j for j in multi if j.ending in _SEVERITY),
                     key=lambda j: (_SEVERITY[j.ending], j.steps[-1].sentiment, j.customer_id))
    return JourneySummary(
        customers=len(by_customer), multi_step=len(multi), steps=steps,
        transitions=[Transition(source=a, target=b, count=n)
                     for (a, b), n in sorted(transitions.items(), key=lambda kv: (-kv[1], kv[0]))],
        endings=dict(endings), flagged=flagged[:flagged_limit], journeys=multi[:limit],
        truncated=len(multi) > limit)
