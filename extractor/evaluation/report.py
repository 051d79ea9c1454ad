"""An evaluation report: records scored against gold, overall, per language and per source, each figure
beside a majority-class baseline, with confusion matrices and the worst misses (DESIGN.md eval keys)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Mapping, Sequence

from ..errors import UsageError
from .gold import GoldItem
from .metrics import confusion, polarity
from .score import score

MISS_TEXT_CHARS = 240


class RecordsMismatchError(UsageError):
    """The records given to `journey eval --records` do not cover the gold items."""


def majority_predictions(gold: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What always answering the most common gold label would predict (per field; the most common single
    touchpoint and pain point as a one-element set, moment of truth by its majority)."""
    def top(values: list) -> Any:
        return Counter(values).most_common(1)[0][0]

    single = {f: top([g[f] for g in gold]) for f in ("stage", "emotion", "sentiment", "moment_of_truth")}
    sets = {}
    for f in ("touchpoints", "pain_points"):
        counts = Counter(x for g in gold for x in g[f])
        # one label only if predicting it gains more than it costs; an empty set otherwise
        sets[f] = [counts.most_common(1)[0][0]] if counts and counts.most_common(1)[0][1] * 2 > len(gold) else []
    return [dict(single, **sets) for _ in gold]


def evidence_grounded(gold: Sequence[GoldItem], records: Sequence[Mapping[str, Any]]) -> float:
    """Share of evidence quotes equal to text[start:end] of their item (1.0 when no record quotes anything)."""
    total = good = 0
    for item, record in zip(gold, records):
        for event in record.get("events") or ():
            ev = event.get("evidence") or {}
            total += 1
            start, end = ev.get("start"), ev.get("end")
            good += isinstance(start, int) and isinstance(end, int) and item.text[start:end] == ev.get("quote")
    return good / total if total else 1.0


def _scope(gold: Sequence[GoldItem], records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    labels = [g.labels() for g in gold]
    out = score(labels, records)
    out["evidence_grounded"] = evidence_grounded(gold, records)
    out["majority"] = score(labels, majority_predictions(labels))
    return out


def _errors(gold: Mapping[str, Any], rec: Mapping[str, Any]) -> list[str]:
    wrong = [f for f in ("stage", "emotion") if gold[f] != rec[f]]
    if gold["sentiment"] != polarity(float(rec["sentiment"])):
        wrong.append("sentiment")
    wrong += [f for f in ("touchpoints", "pain_points") if set(gold[f]) != set(rec[f])]
    if bool(gold["moment_of_truth"]) != bool(rec["moment_of_truth"]):
        wrong.append("moment_of_truth")
    return wrong


def worst_misses(gold: Sequence[GoldItem], records: Sequence[Mapping[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    """The items with the most wrong fields (ties: set errors count by size), with gold and predicted labels."""
    scored = []
    for item, rec in zip(gold, records):
        labels = item.labels()
        wrong = _errors(labels, rec)
        if not wrong:
            continue
        set_errors = sum(len(set(labels[f]) ^ set(rec[f])) for f in ("touchpoints", "pain_points"))
        scored.append((len(wrong), set_errors, item, rec, wrong))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2].id))
    out = []
    for _, _, item, rec, wrong in scored[:n]:
        text = item.text if len(item.text) <= MISS_TEXT_CHARS else item.text[: MISS_TEXT_CHARS - 1] + "…"
        labels = item.labels()
        out.append({"id": item.id, "origin": item.origin, "lang": item.lang, "text": text, "wrong": wrong,
                    "gold": {f: labels[f] for f in wrong},
                    "predicted": {f: (polarity(float(rec[f])) if f == "sentiment" else rec[f]) for f in wrong}})
    return out


def align_records(gold: Sequence[GoldItem], records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The records in gold order, matched by item_id; every gold item must have exactly one record."""
    by_id: dict[str, Mapping[str, Any]] = {}
    for rec in records:
        by_id.setdefault(str(rec.get("item_id")), rec)
    missing = [g.id for g in gold if g.id not in by_id]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise RecordsMismatchError(f"{len(missing)} gold item(s) have no record with that item_id: {shown}. "
                                   "Extract the gold file itself (journey extract GOLD --id-field id) to get them.")
    return [by_id[g.id] for g in gold]


def evaluate(gold: Sequence[GoldItem], records: Sequence[Mapping[str, Any]], extractor: str,
             misses: int = 10) -> dict[str, Any]:
    """The full report; `records` are JourneyRecord dicts aligned with `gold`."""
    report: dict[str, Any] = {"n": len(gold), "extractor": extractor}
    report.update(_scope(gold, records))
    for key, attr in (("by_lang", "lang"), ("by_source", "source")):
        groups: dict[str, list[int]] = {}
        for i, g in enumerate(gold):
            groups.setdefault(getattr(g, attr) or "unknown", []).append(i)
        report[key] = {name: _scope([gold[i] for i in idx], [records[i] for i in idx])
                       for name, idx in sorted(groups.items())}
    report["confusion_matrices"] = {f: confusion([getattr(g, f) for g in gold], [r[f] for r in records])
                           for f in ("stage", "emotion")}
    report["worst_misses"] = worst_misses(gold, records, misses)
    return report
