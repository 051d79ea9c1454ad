"""An evaluation report: records scored against gold, overall, per language and per source, each figure
beside a majority-class baseline, with confusion matrices and the worst misses (the report's keys are the contract `--baseline` and CI read).

Records of the llm extractor (those carrying `llm`) add two keys, and change none: `llm` (outcome counts, and a
live or replayed run's requests and tokens) and `by_outcome` (the model's own answers scored apart from the rules
labels of fallback items). The top-level figures stay over all items. Records of the learned extractor (those
carrying `learned`) add `calibration`: per learned field and for the record's confidence, the expected calibration
error and a reliability table (calibration.py)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Mapping, Sequence

from ..errors import UsageError
from ..labelling.gold import GoldItem
from ..schema import ID_FIELDS, LABEL_FIELDS, LIST_FIELDS, polarity
from .calibration import learned_calibration
from .metrics import confusion
from .score import score, wrong_fields

MISS_TEXT_CHARS = 240
OUTCOMES = ("answered", "repaired", "fallback")
OUTCOME_GROUPS = {"model": ("answered", "repaired"), "fallback": ("fallback",)}  # by_outcome's groups
RUN_COUNTS = ("from_answer_cache", "requests", "retries", "prompt_tokens", "completion_tokens", "cached_prompt_tokens")


class RecordsMismatchError(UsageError):
    """The records given to `journey eval --records` do not cover the gold items."""


def majority_predictions(gold: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What always answering the most common gold label would predict (per field; the most common single
    touchpoint and pain point as a one-element set, moment of truth by its majority)."""
    def top(values: list) -> Any:
        return Counter(values).most_common(1)[0][0]

    single = {f: top([g[f] for g in gold]) for f in LABEL_FIELDS if f not in LIST_FIELDS}
    sets = {}
    for f in LIST_FIELDS:
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
    if not gold:  # no figure of an empty group (an llm run without fallbacks); a gate on one names it missing
        return {"n": 0}
    labels = [g.labels() for g in gold]
    out = score(labels, records)
    out["evidence_grounded"] = evidence_grounded(gold, records)
    out["majority"] = score(labels, majority_predictions(labels))
    return out


def worst_misses(gold: Sequence[GoldItem], records: Sequence[Mapping[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    """The items with the most wrong fields (ties: set errors count by size), with gold and predicted labels."""
    scored = []
    for item, rec in zip(gold, records):
        labels = item.labels()
        wrong = wrong_fields(labels, rec)
        if not wrong:
            continue
        set_errors = sum(len(set(labels[f]) ^ set(rec[f])) for f in LIST_FIELDS)
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


def llm_outcome(record: Mapping[str, Any]) -> str | None:
    """How the llm extractor made a record (answered, repaired, fallback); None for other extractors' records."""
    llm = record.get("llm")
    return llm.get("outcome") if isinstance(llm, Mapping) else None


def _one_or_all(values: Sequence[Any]) -> Any:
    """The value all records share; a sorted list when they differ (records of several runs); None if none."""
    distinct = sorted({str(v) for v in values if v})
    return distinct[0] if len(distinct) == 1 else (distinct or None)


def llm_summary(records: Sequence[Mapping[str, Any]], run: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The report's `llm` object: outcome counts from the records, and, given the run's counts (`run`: the keys of
    RUN_COUNTS and `too_long`, from the extractor that made the records), its requests and tokens, per item sent.
    The run figures are null for records read from a file, which do not carry them."""
    outcomes = [llm_outcome(r) for r in records]
    labelled = [r["llm"] for r, o in zip(records, outcomes) if o is not None]
    counts = {o: outcomes.count(o) for o in OUTCOMES}
    out: dict[str, Any] = {
        "model": _one_or_all([x.get("model") for x in labelled]),
        "prompt_id": _one_or_all([x.get("prompt_id") for x in labelled]),
        "items": len(labelled), "outcomes": counts,
        "fallback_share": counts["fallback"] / len(labelled) if labelled else 0.0,
    }
    if len(labelled) < len(records):  # a records file mixing extractors: these are in neither by_outcome group
        out["items_without_llm"] = len(records) - len(labelled)
    out.update(dict.fromkeys(("items_sent", *RUN_COUNTS, "prompt_tokens_per_item", "completion_tokens_per_item",
                              "faults_retried", "cost_usd")))
    if run is not None:
        out.update({k: int(run.get(k) or 0) for k in RUN_COUNTS})
        # answer-cache hits and items too long for the context cost no token: per item means per item sent
        sent = max(0, len(labelled) - out["from_answer_cache"] - int(run.get("too_long") or 0))
        out["items_sent"] = sent
        out["prompt_tokens_per_item"] = out["prompt_tokens"] / sent if sent else None
        out["completion_tokens_per_item"] = out["completion_tokens"] / sent if sent else None
        out["faults_retried"] = dict(sorted((run.get("faults") or {}).items()))
        out["cost_usd"] = run.get("cost_usd")
    return out


def evaluate(gold: Sequence[GoldItem], records: Sequence[Mapping[str, Any]], extractor: str,
             misses: int = 10, llm_run: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The full report; `records` are JourneyRecord dicts aligned with `gold`. `llm_run`: the llm extractor's
    run counts (see llm_summary), when it made the records in this process."""
    report: dict[str, Any] = {"n": len(gold), "extractor": extractor}
    report.update(_scope(gold, records))
    for key, attr in (("by_lang", "lang"), ("by_source", "source")):
        groups: dict[str, list[int]] = {}
        for i, g in enumerate(gold):
            groups.setdefault(getattr(g, attr) or "unknown", []).append(i)
        report[key] = {name: _scope([gold[i] for i in idx], [records[i] for i in idx])
                       for name, idx in sorted(groups.items())}
    outcomes = [llm_outcome(r) for r in records]
    if any(o is not None for o in outcomes):
        report["llm"] = llm_summary(records, llm_run)
        report["by_outcome"] = {}
        for group, members in OUTCOME_GROUPS.items():
            idx = [i for i, o in enumerate(outcomes) if o in members]
            report["by_outcome"][group] = _scope([gold[i] for i in idx], [records[i] for i in idx])
    calibration = learned_calibration([g.labels() for g in gold], records)
    if calibration is not None:
        report["calibration"] = calibration
    report["confusion_matrices"] = {f: confusion([getattr(g, f) for g in gold], [r[f] for r in records])
                           for f in ID_FIELDS}
    report["worst_misses"] = worst_misses(gold, records, misses)
    return report
