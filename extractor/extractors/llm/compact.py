"""The compact answer format (prompt journey-batch.v2): short label keys and evidence by clause number.

The item goes out split into numbered clauses (the rules extractor's own segmentation); the model names the clause
that proves each moment, so the quote and its offsets are ours and every evidence quote is grounded by
construction. Where a few words of a long clause are the point, the model may give them as a string instead,
checked against the text as the quote format's quotes are. Labels are written as short keys (`ld` for
`late_delivery`) derived from the taxonomy's ids, and the item's touchpoints and pain points are the ones its
events carry, so no label is written twice. An answer of this format is expanded into the same answer the quote
format gives, so records, the cache and the repair are one code path."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, Optional, Sequence, Union

from pydantic import Field, create_model

from ...privacy import Masked
from ...taxonomy import Taxonomy
from .answer import STRICT, one_of
from .grounding import locate

Span = tuple[int, int]
MARK = "[{n}]"
_MARKS = re.compile(r"\[(\d+)\]")


def short_keys(ids: Sequence[str]) -> dict[str, str]:
    """A short, unique, readable key per id, stable for the same list: the initials of a multi-word id (`ld` for
    `late_delivery`), the first two letters of a one-word id (`de` for `delivery`), lengthened letter by letter
    from the id's first word where two would clash, and the id itself as the last resort."""
    keys: dict[str, str] = {}
    for ident in ids:
        words = [w for w in ident.replace("-", "_").split("_") if w] or [ident]
        rest = "".join(w[0] for w in words[1:])
        tries = [(words[0][:n] + rest).lower() for n in range(1 if len(words) > 1 else 2, len(words[0]) + 1)]
        keys[ident] = next((k for k in tries if k not in keys.values() and k not in ids), ident)
    return keys


def mark_clauses(text: str, spans: Sequence[Span]) -> str:
    """The text with each clause's number in front of it: `[1]Great kettle, [2]but it leaks.`"""
    out, at = [], 0
    for n, (start, end) in enumerate(spans, 1):
        out.append(text[at:start])
        out.append(MARK.format(n=n))
        at = start
    out.append(text[at:])
    return "".join(out)


@dataclass
class Expanded:
    """A compact answer made into the quote format's answer, with its evidence in masked-text offsets."""

    answer: dict[str, Any] | None
    evidence: list[Span]
    problems: list[str]
    dropped: list[int] = field(default_factory=list)  # the positions of the events left out (lenient only)


# At most this many moments an item where the server takes list bounds (llama.cpp, Ollama, LM Studio; hosted
# providers get no bound): under a grammar Qwen2.5-Coder 1.5B goes on naming the next clause with the same labels.
# Allowed two, it wrote two for 77 of 100 items of ../shared/data asked in batches, 49 of them the first one's labels
# again, at 54 answer tokens an item; one moment is about 44.
NAMED_MOMENTS = 1
# The answer keys of the "named" style (journey-batch.v4) for the short keys the code reads: whole words, one or two
# tokens each in the common tokenizers, as cheap as the short keys and readable to a small model.
NAMED_FIELDS = {"s": "stage", "e": "emotion", "v": "sentiment", "m": "moment_of_truth", "g": "goal", "ev": "events",
                "c": "clause", "t": "touchpoint", "p": "problem"}
# "Moments first" (journey-batch.v5): an item's moment comes before its stage, emotion and sentiment, and names a
# list of problems (at most this many where the server takes list bounds). Asked for the stage first, Qwen2.5-Coder
# 1.5B under a grammar answered the first stage listed, `awareness`, for 50 of the 52 `experience` items of our gold
# sample it got wrong with journey-batch.v4; one problem a moment left 45 of that sample's items with two or more
# pain points with one.
FIRST_FIELDS = {**NAMED_FIELDS, "p": "problems"}
MOMENT_PROBLEMS = 2


class CompactFormat:
    """Keys, answer schema and expansion of the compact format for one taxonomy. `lean` (journey-batch.v3): no item
    stage, for it is the stage of the item's first moment (as Qwen2.5-Coder 1.5B's answers to journey-batch.v2 had
    it, 161 of 161), and an item has at least one moment. (Keys left out of answers where they hold their default,
    `m` false, `g` null, were tried and dropped: a small model under a grammar that lets it leave a key out
    writes the key anyway, and then a value other than the default, m true for every item.)

    `named` (journey-batch.v4): the labels by their taxonomy ids and the answer's keys as words (NAMED_FIELDS), the
    item's stage given once and its moments without one (they take the item's), no goal (the record's goal is the
    one its labels imply, as the rules extractor's). Two-letter label keys cost as many tokens as most ids
    (`awareness` and `aw` are one token each for Qwen2.5 and cl100k) and a 1.5B model labelled far worse with them:
    on the first 32 items of our gold recorded with both, stage accuracy 0.69 (v1, ids) against 0.38 (v2, short
    keys), emotion 0.47 against 0.19."""

    def __init__(self, taxonomy: Taxonomy, lean: bool = False, named: bool = False,
                 order: Sequence[str] | None = None, problem_lists: bool = False, moment_count: int = NAMED_MOMENTS):
        named = named or order is not None
        first = problem_lists
        keys_of = (lambda ids: {i: i for i in ids}) if named else short_keys
        self.named = named
        self.stages = keys_of(taxonomy.stage_ids())
        self.touchpoints = keys_of(taxonomy.touchpoint_ids())
        self.emotions = keys_of(taxonomy.emotion_ids())
        self.pain_points = keys_of(taxonomy.pain_point_ids())
        self.fields = (dict(FIRST_FIELDS) if first else dict(NAMED_FIELDS) if named
                       else {short: short for short in NAMED_FIELDS})
        self._ids = {name: {key: ident for ident, key in keys.items()} for name, keys in
                     (("s", self.stages), ("t", self.touchpoints), ("e", self.emotions), ("p", self.pain_points))}
        stage, emotion = one_of(list(self.stages.values())), one_of(list(self.emotions.values()))
        touchpoint, pain_point = one_of(list(self.touchpoints.values())), one_of(list(self.pain_points.values()))
        f = self.fields
        event: dict[str, Any] = {
            f["c"]: (Union[int, str], Field(description="the number of the clause that shows this moment, or a few "
                                                        "words of the item copied exactly")),
            f["s"]: (stage, Field(description="the stage of this moment")),
            f["t"]: (Optional[touchpoint], Field(description="the touchpoint used here, or null")),
            f["p"]: (Optional[pain_point], Field(description="the problem here, or null")),
        }
        if named:  # a moment's stage is its item's
            del event[f["s"]]
        if first:  # the problems of a moment, none for praise
            event[f["p"]] = (list[pain_point], Field(json_schema_extra={"maxItems": MOMENT_PROBLEMS},  # type: ignore[valid-type]
                                                     description="the problems here; none for praise"))
        event_model = create_model("CompactEvent", __config__=STRICT, **event)
        moments = list[event_model]  # type: ignore[valid-type]
        item: dict[str, Any] = {
            "id": (int, Field(description="the id of the item in the request")),
            f["s"]: (stage, Field(description="the item's main journey stage")),
            f["e"]: (emotion, Field(description="the customer's dominant emotion")),
            f["v"]: (Literal[-1, 0, 1], Field(description="sentiment: -1 negative, 0 neutral or mixed, 1 positive")),
            f["m"]: (bool, Field(description="moment of truth: the customer's view of the brand changes or is "
                                             "decided")),
            f["g"]: (Optional[int], Field(description="the clause saying what the customer wanted to achieve, or "
                                                      "null")),
            f["ev"]: (moments, Field(description="one entry per labelled moment")),
        }
        if lean:  # the item's stage is its first moment's
            del item["s"]
            item["ev"] = (moments, Field(min_length=1, description="one entry per labelled moment, the moment the "
                                                                   "item is mainly about first"))
        if named:  # the goal is the one the labels imply (Taxonomy.goal_of), as the rules extractor's
            del item[f["g"]]
            item[f["ev"]] = (moments, Field(min_length=1, json_schema_extra={"maxItems": moment_count},
                                            description="one entry per touchpoint or problem, the main one first"))
        if order is not None:  # the item's fields in this order (v5: the moments before the item's labels)
            item = {"id": item["id"], **{f[key]: item[f[key]] for key in order}}
        self.item_model = create_model("CompactItem", __config__=STRICT, **item)
        self.batch_model = create_model(
            "CompactBatch", __config__=STRICT,
            items=(list[self.item_model], Field(description="one entry per item, with its id")),  # type: ignore[valid-type]
        )

    def validate(self, entry: dict) -> dict[str, Any]:
        """The entry as the model's answer of this format (pydantic ValidationError when it is not)."""
        return self.item_model.model_validate(entry).model_dump()

    def expand(self, ident: int, compact: dict[str, Any], masked: Masked, spans: Sequence[Span],
               lenient: bool = False) -> Expanded:
        """The quote format's answer for a validated compact answer: keys become ids, clause numbers become the
        clauses' text, the item's touchpoints and pain points those its events carry. `lenient` (the repair's
        answer): events whose evidence is not in the text are left out, with their labels, when another event
        has evidence, so every label kept is still proven."""
        compact = self._short(compact)
        problems: list[str] = []
        events, evidence, dropped = [], [], []
        for at, event in enumerate(compact["ev"]):
            pains = event["p"] if isinstance(event["p"], list) else [event["p"]]  # a moment's problems (v5)
            if events and self._ids["s"][event["s"]] in {e["stage"] for e in events} and self._id(
                    "t", event["t"]) in {None, *(e["touchpoint"] for e in events)} and {
                    self._id("p", p) for p in pains} <= {None, *(e["pain_point"] for e in events)}:
                continue  # a later moment with no label the ones before it lack: a small model's repeat, left out
            span = self._span(f"item {ident}: {self.fields['ev']}", event["c"], masked, spans, problems)
            if span is None:
                dropped.append(at)
                continue
            for pain in list(dict.fromkeys(pains)) or [None]:
                events.append({"stage": self._ids["s"][event["s"]], "touchpoint": self._id("t", event["t"]),
                               "emotion": self._ids["e"][compact["e"]], "pain_point": self._id("p", pain),
                               "quote": masked.text[span[0]:span[1]]})
                evidence.append(span)
        goal = compact["g"]
        if goal is not None and not 1 <= goal <= len(spans):
            problems.append(f"item {ident}: {self.fields['g']}: there is no clause {goal} (the item has "
                            f"{len(spans)}); give a clause number or null")
        if dropped and lenient and events and len(problems) == len(dropped):
            said = f": {self.fields['ev']}: "
            problems = [f"dropped, its evidence is not in the text: {p.split(said, 1)[-1].split(';')[0]}"
                        for p in problems]
        elif problems:
            return Expanded(None, [], problems)
        # lean: the stage of its first moment (its schema asks for one, and an item whose moments all lack
        # evidence has returned with their problems above)
        stage = self._ids["s"][compact["s"]] if "s" in compact else events[0]["stage"]
        answer = {"stage": stage, "emotion": self._ids["e"][compact["e"]],
                  "sentiment": float(compact["v"]), "moment_of_truth": compact["m"],
                  "touchpoints": list(dict.fromkeys(e["touchpoint"] for e in events if e["touchpoint"])),
                  "pain_points": list(dict.fromkeys(e["pain_point"] for e in events if e["pain_point"])),
                  "customer_goal": masked.text[spans[goal - 1][0]:spans[goal - 1][1]] if goal else None,
                  "events": events}
        return Expanded(answer, evidence, problems, dropped)

    def example_labels(self, labels: dict[str, Any]) -> dict[str, Any]:
        """A few-shot example's labels (ids) in this format's keys, so the examples read like the answers asked."""
        def keys_of(ids: Any, keys: dict[str, str]) -> list[str]:
            return [keys[i] for i in ids if i in keys] if isinstance(ids, list) else []

        shown: dict[str, Any] = {}
        f = self.fields
        if labels.get("stage") in self.stages:
            shown[f["s"]] = self.stages[labels["stage"]]
        if labels.get("emotion") in self.emotions:
            shown[f["e"]] = self.emotions[labels["emotion"]]
        if isinstance(labels.get("sentiment"), (int, float)):
            shown[f["v"]] = max(-1, min(1, round(labels["sentiment"])))
        shown[f["t"]] = keys_of(labels.get("touchpoints"), self.touchpoints)
        shown[f["p"]] = keys_of(labels.get("pain_points"), self.pain_points)
        return shown

    def without(self, answer: dict[str, Any], dropped: Sequence[int]) -> dict[str, Any]:
        """A validated answer of this format without the events at the positions `dropped` (as `expand` gave)."""
        events = self.fields["ev"]
        return {**answer, events: [e for at, e in enumerate(answer[events]) if at not in set(dropped)]}

    def _short(self, answer: dict[str, Any]) -> dict[str, Any]:
        """A validated answer in the short keys the code reads; a named answer's moments take the item's stage."""
        if not self.named:
            return answer
        f = self.fields
        item = {short: answer[f[short]] for short in ("s", "e", "v", "m")}
        item["g"] = None
        item["ev"] = [{"c": e[f["c"]], "s": item["s"], "t": e[f["t"]], "p": e[f["p"]]} for e in answer[f["ev"]]]
        return item

    def _id(self, kind: str, key: str | None) -> str | None:
        return None if key is None else self._ids[kind][key]

    @staticmethod
    def _span(where: str, clause: int | str, masked: Masked, spans: Sequence[Span], problems: list[str]
              ) -> Span | None:
        """The span of a moment's evidence: clause `clause`, or the words it gives; else a problem said `where`."""
        if isinstance(clause, int):
            if 1 <= clause <= len(spans):
                return spans[clause - 1]
            problems.append(f"{where}: there is no clause {clause} (the item has {len(spans)} clauses: "
                            f"{_numbers(len(spans))})")
            return None
        if clause.strip().isdecimal():  # a clause number written as a string ("1"): the clause, not a digit in it
            return CompactFormat._span(where, int(clause), masked, spans, problems)
        found = locate(clause, masked.text)
        mark = _MARKS.search(clause) if found is None else None
        if mark is not None:
            # the words copied with the clause numbers we put in front of the clauses ("[2]It leaks"): the words
            # without them, or the clause itself when the answer is a number in brackets ("[2]")
            bare = _MARKS.sub("", clause)
            if not bare.strip():
                return CompactFormat._span(where, int(mark.group(1)), masked, spans, problems)
            found = locate(bare, masked.text)
        if found is None:
            shown = clause if len(clause) <= 60 else clause[:60] + "..."
            problems.append(f"{where}: the words {shown!r} are not in the item's text; give the number of "
                            f"the clause that shows this moment ({_numbers(len(spans))}), or copy words of the item "
                            "character for character")
        return found


def _numbers(count: int) -> str:
    """The clause numbers an answer may give, as a repair message says them."""
    return {0: "none", 1: "only 1"}.get(count, f"1 to {count}")
