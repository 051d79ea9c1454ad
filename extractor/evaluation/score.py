"""Score records against gold rows per field."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..schema import FLAG_FIELDS, ID_FIELDS, LABEL_FIELDS, LIST_FIELDS, polarity
from .metrics import accuracy, binary_f1, macro_f1, set_f1


def label_right(field: str, gold: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether a record's label of one field is right as the scores judge it: a single id equal, sentiment by
    polarity, a list equal as a set, the flag equal."""
    if field == "sentiment":
        return polarity(float(gold[field])) == polarity(float(record[field]))
    if field in LIST_FIELDS:
        return set(gold[field]) == set(record[field])
    if field in FLAG_FIELDS:
        return bool(gold[field]) == bool(record[field])
    if field in ID_FIELDS:
        return gold[field] == record[field]
    raise ValueError(f"{field!r} is not a label field (one of {', '.join(LABEL_FIELDS)})")


def wrong_fields(gold: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """The label fields a record got wrong (ids, sentiment, lists, flag: the order the worst misses show)."""
    order = (*ID_FIELDS, "sentiment", *LIST_FIELDS, *FLAG_FIELDS)
    return [f for f in order if not label_right(f, gold, record)]


def score(gold: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per-field scores of `records` (dicts of JourneyRecord fields) against `gold`, aligned by position."""
    if len(gold) != len(records):
        raise ValueError(f"{len(gold)} gold rows but {len(records)} records")
    out: dict[str, Any] = {"n": len(gold)}
    for field in ID_FIELDS:
        g, p = [r[field] for r in gold], [r[field] for r in records]
        out[field] = {"accuracy": accuracy(g, p), "macro_f1": macro_f1(g, p)}
    g = [polarity(float(r["sentiment"])) for r in gold]
    p = [polarity(float(r["sentiment"])) for r in records]
    out["sentiment"] = {"accuracy": accuracy(g, p), "macro_f1": macro_f1(g, p)}
    for field in LIST_FIELDS:
        out[field] = set_f1([set(r[field]) for r in gold], [set(r[field]) for r in records])
    for field in FLAG_FIELDS:
        out[field] = {"f1": binary_f1([bool(r[field]) for r in gold], [bool(r[field]) for r in records])}
    return out
