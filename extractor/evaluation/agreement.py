"""Agreement between two labellings of the same items: Cohen's kappa for single labels, F1 for label sets."""

from __future__ import annotations

from typing import Any, Sequence

from ..labelling.gold import GoldItem
from ..schema import LABEL_FIELDS, LIST_FIELDS
from .metrics import accuracy, cohen_kappa, set_f1


def agreement(first: Sequence[GoldItem], second: Sequence[GoldItem]) -> dict[str, Any]:
    """Per-field agreement over the ids both files label; set F1 takes the first file as reference
    (it is symmetric for micro-F1)."""
    by_id = {g.id: g for g in second}
    pairs = [(a, by_id[a.id]) for a in first if a.id in by_id]
    first_ids = {a.id for a in first}
    fields: dict[str, dict[str, float]] = {}
    for field in (f for f in LABEL_FIELDS if f not in LIST_FIELDS):
        a = [getattr(x, field) for x, _ in pairs]
        b = [getattr(y, field) for _, y in pairs]
        fields[field] = {"kappa": cohen_kappa(a, b), "agreement": accuracy(a, b)}
    for field in LIST_FIELDS:
        fields[field] = set_f1([set(getattr(x, field)) for x, _ in pairs], [set(getattr(y, field)) for _, y in pairs])
    return {"n": len(pairs), "only_first": len(first_ids - set(by_id)),
            "only_second": len(set(by_id) - first_ids), "fields": fields}
