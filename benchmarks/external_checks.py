"""External checks: score the `rules` extractor against labels no one on the team wrote.

    .venv/bin/python benchmarks/external_checks.py [--data ../shared/data] [--json FILE] [--limit N]

Three checks over the "dev" halves of the public datasets in ../shared/data (texts are read by path,
never copied into the project):

1. Airline sentiment (airline_tweets.jsonl): dev rows whose crowd sentiment label is unanimous
   (labels.sentiment_conf == 1.0). Gold polarity: negative -1, neutral 0, positive 1. Rows:
   `rules` (record.sentiment rounded by the eval's `polarity`: < -0.25 -> -1, > 0.25 -> 1, else 0),
   `vader` (VADER compound score, standard thresholds: >= 0.05 -> 1, <= -0.05 -> -1, else 0) and
   `majority` (always the most common gold class). Accuracy, macro-F1 and a 3x3 confusion matrix.
2. Allegro polarity (allegro_reviews_pl.jsonl): dev rows with a non-empty text and a rating;
   rating 1-2 -> -1, 4-5 -> 1, 3 excluded. Accuracy (a 0 prediction is wrong), macro-F1 over the
   gold classes {-1, 1} with 0 kept as its own predicted class (it only costs recall), the same
   macro-F1 as extractor.evaluation.metrics.macro_f1 computes it (0 counted as a third label when
   predicted), and how many rules predictions were 0. VADER is English-only: its row shows what a
   lexicon that does not know Polish gets.
3. Airline pain points: dev rows with labels.negativereason set, and negativereason_conf == 1.0
   when that leaves at least MIN_STRICT_ITEMS items (else >= 0.6; the output says which). Each
   reason is mapped to one pain point id of the default taxonomy (TAXONOMY.md):

   | negativereason              | pain point       | why                                                       |
   | --------------------------- | ---------------- | --------------------------------------------------------- |
   | Late Flight                 | delay            | "delayed flight or service"                               |
   | Cancelled Flight            | cancellation     | "the company cancelled an order, flight or service"       |
   | Customer Service Issue      | customer_service | "unreachable, long hold, slow or no answer, unhelpful"    |
   | Flight Attendant Complaints | customer_service | "rude or incompetent staff"                               |
   | Lost Luggage                | fulfilment_error | "lost ... item or luggage"                                |
   | Damaged Luggage             | fulfilment_error | "damaged ... item or luggage"                             |
   | Bad Flight                  | product_quality  | "bad core service experience" (the flight itself)         |
   | Flight Booking Problems     | ordering_issue   | "checkout, booking or sign-up problems"                   |
   | longlines                   | delay            | queues at check-in/security/gate: "slow processing"       |
   | Can't Tell                  | None             | the crowd saw a complaint but no reason: not scored       |

   Per reason and overall (over mapped reasons): recall = share of items whose mapped pain point is
   among the rules record's pain_points; none = share of items with no pain point at all; and the
   pain points rules found most often, to show what it confuses the reason with.

--limit N caps the items of each check (the first N that pass the filters, in file order).
With --json FILE every number is written as JSON as well.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Hashable, Iterator, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere, with or without the editable install
    sys.path.insert(0, str(ROOT))

from extractor.evaluation.metrics import accuracy, macro_f1  # noqa: E402
from extractor.schema import polarity  # noqa: E402
from extractor.extractors import make_extractor  # noqa: E402
from extractor.pipeline import label_item  # noqa: E402
from extractor.schema import FeedbackItem, JourneyRecord  # noqa: E402
from extractor.taxonomy import default_taxonomy  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
AIRLINE_FILE = "airline_tweets.jsonl"
ALLEGRO_FILE = "allegro_reviews_pl.jsonl"
POLARITIES = (-1, 0, 1)
AIRLINE_GOLD = {"negative": -1, "neutral": 0, "positive": 1}
VADER_THRESHOLD = 0.05  # the VADER authors' standard cut-off for the compound score
MIN_STRICT_ITEMS = 300  # unanimous (conf == 1.0) pain-point items needed before falling back to >= 0.6
LENIENT_CONF = 0.6
GOLD_PRED = "gold\\pred"

# Airline negativereason -> default-taxonomy pain point id (None: not scored). See the docstring table.
REASON_TO_PAIN: dict[str, str | None] = {
    "Late Flight": "delay",  # a delayed flight is the taxonomy's own example of a delay
    "Cancelled Flight": "cancellation",  # the company cancelled the flight
    "Customer Service Issue": "customer_service",  # unreachable, on hold, unhelpful or rude support
    "Flight Attendant Complaints": "customer_service",  # rude or incompetent staff (on-board crew)
    "Lost Luggage": "fulfilment_error",  # lost item or luggage
    "Damaged Luggage": "fulfilment_error",  # damaged item or luggage
    "Bad Flight": "product_quality",  # a bad core service experience: seat, food, wifi, the flight itself
    "Flight Booking Problems": "ordering_issue",  # booking, rebooking or changing a reservation fails
    "longlines": "delay",  # long queues at the airport are slow processing / long waiting, not support staff
    "Can't Tell": None,  # annotators could not name the problem: nothing to check against
}


# -- conversions ------------------------------------------------------------------------------------

def airline_gold(sentiment: str | None) -> int | None:
    """Crowd sentiment label -> polarity (None for anything else)."""
    return AIRLINE_GOLD.get(sentiment) if sentiment else None


def allegro_gold(rating: float | None) -> int | None:
    """Allegro star rating -> polarity: 1-2 -> -1, 4-5 -> 1; 3 and missing ratings -> None (excluded)."""
    if rating is None:
        return None
    if rating <= 2:
        return -1
    if rating >= 4:
        return 1
    return None


def vader_polarity(compound: float) -> int:
    """VADER compound score -> polarity with the standard thresholds: >= 0.05 -> 1, <= -0.05 -> -1, else 0."""
    if compound >= VADER_THRESHOLD:
        return 1
    if compound <= -VADER_THRESHOLD:
        return -1
    return 0


def rules_polarity(record: JourneyRecord) -> int:
    """The rules record's float sentiment, rounded as the eval rounds it."""
    return polarity(record.sentiment)


# -- metrics ---------------------------------------------------------------------------------------

def confusion(gold: Sequence[int], pred: Sequence[int], labels: Sequence[int] = POLARITIES) -> list[list[int]]:
    """Rows = gold label, columns = predicted label, both in `labels` order."""
    counts = Counter(zip(gold, pred))
    return [[counts[(g, p)] for p in labels] for g in labels]


def per_label(gold: Sequence[Hashable], pred: Sequence[Hashable], label: Hashable) -> dict[str, float]:
    tp = sum(g == label and p == label for g, p in zip(gold, pred))
    fp = sum(g != label and p == label for g, p in zip(gold, pred))
    fn = sum(g == label and p != label for g, p in zip(gold, pred))
    return {"precision": tp / (tp + fp) if tp + fp else 0.0, "recall": tp / (tp + fn) if tp + fn else 0.0,
            "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0}


def macro_f1_over(gold: Sequence[Hashable], pred: Sequence[Hashable], labels: Sequence[Hashable]) -> float:
    """Mean F1 over `labels` only; predictions outside them count as misses (no class of their own to score)."""
    return sum(per_label(gold, pred, x)["f1"] for x in labels) / len(labels) if labels else 0.0


def _scores(gold: list[int], pred: list[int]) -> dict:
    return {"n": len(gold), "accuracy": accuracy(gold, pred), "macro_f1": macro_f1(gold, pred)}


# -- data and labelling ----------------------------------------------------------------------------

def dev_rows(path: Path) -> Iterator[dict]:
    """Rows of a shared dataset file whose split is "dev"."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                if row.get("split") == "dev":
                    yield row


def _take(rows: Iterator[dict], limit: int | None) -> list[dict]:
    out = []
    for row in rows:
        if limit is not None and len(out) >= limit:
            break
        out.append(row)
    return out


class Labeller:
    """The rules extractor in this process, with records cached by item id (checks 1 and 3 share tweets)."""

    def __init__(self) -> None:
        self.extractor = make_extractor("rules", default_taxonomy())
        self._cache: dict[str, JourneyRecord] = {}

    def __call__(self, row: dict, source: str) -> JourneyRecord:
        record = self._cache.get(row["id"])
        if record is None:
            item = FeedbackItem(item_id=row["id"], text=row["text"], lang=row.get("lang"), source=source)
            record = self._cache[row["id"]] = label_item(self.extractor, item)
        return record


def load_vader() -> Callable[[str], float] | None:
    """VADER's compound scorer, or None when vaderSentiment is not installed (pip install '.[bench]')."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyser = SentimentIntensityAnalyzer()
    return lambda text: analyser.polarity_scores(text)["compound"]


# -- the checks ------------------------------------------------------------------------------------

def airline_sentiment(data: Path, labeller: Labeller, vader: Callable[[str], float] | None,
                      limit: int | None = None) -> dict:
    """Check 1: rules / vader / majority polarity on unanimous dev airline tweets."""
    rows = _take((r for r in dev_rows(data / AIRLINE_FILE)
                  if r["labels"].get("sentiment_conf") == 1.0
                  and airline_gold(r["labels"].get("sentiment")) is not None),
                 limit)
    gold = [airline_gold(r["labels"]["sentiment"]) for r in rows]
    rules = [rules_polarity(labeller(r, "social")) for r in rows]
    top = Counter(gold).most_common(1)[0][0] if gold else 0
    out = {"file": AIRLINE_FILE, "filter": "split == dev and labels.sentiment_conf == 1.0",
           "gold_counts": {str(k): gold.count(k) for k in POLARITIES}, "majority_class": top,
           "rows": {"rules": _scores(gold, rules)}}
    out["rows"]["rules"]["per_class"] = {str(k): per_label(gold, rules, k) for k in POLARITIES}
    out["rows"]["vader"] = _scores(gold, [vader_polarity(vader(r["text"])) for r in rows]) if vader else None
    out["rows"]["majority"] = _scores(gold, [top] * len(gold))
    out["confusion_rules"] = {"labels": list(POLARITIES), "rows_gold_cols_pred": confusion(gold, rules)}
    return out


def allegro_polarity(data: Path, labeller: Labeller, vader: Callable[[str], float] | None,
                     limit: int | None = None) -> dict:
    """Check 2: rules / vader / majority polarity on dev Allegro reviews (3 stars and empty texts excluded)."""
    rows = _take((r for r in dev_rows(data / ALLEGRO_FILE)
                  if (r.get("text") or "").strip() and allegro_gold(r["labels"].get("rating")) is not None), limit)
    gold = [allegro_gold(r["labels"]["rating"]) for r in rows]
    top = Counter(gold).most_common(1)[0][0] if gold else 1
    preds = {"rules": [rules_polarity(labeller(r, "review")) for r in rows]}
    if vader:
        preds["vader"] = [vader_polarity(vader(r["text"])) for r in rows]
    preds["majority"] = [top] * len(gold)
    out = {"file": ALLEGRO_FILE, "filter": "split == dev, non-empty text, rating 1-2 -> -1, 4-5 -> 1 (3 excluded)",
           "gold_counts": {"-1": gold.count(-1), "1": gold.count(1)}, "majority_class": top, "rows": {}}
    for name in ("rules", "vader", "majority"):
        pred = preds.get(name)
        if pred is None:
            out["rows"][name] = None
            continue
        out["rows"][name] = {"n": len(gold), "accuracy": accuracy(gold, pred),
                             "macro_f1": macro_f1_over(gold, pred, (-1, 1)),
                             "macro_f1_zero_as_class": macro_f1(gold, pred),
                             "zero_predictions": pred.count(0),
                             "zero_share": pred.count(0) / len(pred) if pred else 0.0}
    out["confusion_rules"] = {"labels": [-1, 1], "pred_labels": list(POLARITIES),
                              "rows_gold_cols_pred": [[sum(g == gl and p == pl for g, p in zip(gold, preds["rules"]))
                                                       for pl in POLARITIES] for gl in (-1, 1)]}
    return out


def airline_pain_points(data: Path, labeller: Labeller, limit: int | None = None) -> dict:
    """Check 3: does rules find the pain point the crowd's negativereason maps to?"""
    with_reason = [r for r in dev_rows(data / AIRLINE_FILE) if r["labels"].get("negativereason")]
    strict = [r for r in with_reason if r["labels"].get("negativereason_conf") == 1.0]
    need = MIN_STRICT_ITEMS if limit is None else min(limit, MIN_STRICT_ITEMS)
    if len(strict) >= need:
        rows, conf_filter = strict, "negativereason_conf == 1.0"
    else:
        rows = [r for r in with_reason if (r["labels"].get("negativereason_conf") or 0) >= LENIENT_CONF]
        conf_filter = f"negativereason_conf >= {LENIENT_CONF}"
    rows = rows[:limit] if limit is not None else rows
    unmapped = sorted({r["labels"]["negativereason"] for r in rows} - set(REASON_TO_PAIN))
    per: dict[str, dict] = {}
    found_all: Counter[str] = Counter()
    hit = none = scored = 0
    for reason in sorted({r["labels"]["negativereason"] for r in rows}, key=str):
        items = [r for r in rows if r["labels"]["negativereason"] == reason]
        target = REASON_TO_PAIN.get(reason)
        records = [labeller(r, "social") for r in items]
        found = Counter(p for rec in records for p in set(rec.pain_points))
        n_none = sum(not rec.pain_points for rec in records)
        n_hit = sum(target in rec.pain_points for rec in records) if target else 0
        per[reason] = {"pain_point": target, "n": len(items),
                       "recall": n_hit / len(items) if target and items else None,
                       "none_share": n_none / len(items) if items else 0.0,
                       "top_found": [[p, c / len(items)] for p, c in found.most_common(3)]}
        if target:
            scored += len(items)
            hit += n_hit
            none += n_none
            found_all.update(found)
    total_none = sum(not labeller(r, "social").pain_points for r in rows)
    return {"file": AIRLINE_FILE, "filter": f"split == dev, negativereason set, {conf_filter}",
            "conf_filter": conf_filter, "strict_available": len(strict), "n": len(rows), "n_scored": scored,
            "mapping": REASON_TO_PAIN, "unmapped_reasons": unmapped, "per_reason": per,
            "overall": {"recall": hit / scored if scored else 0.0, "none_share": none / scored if scored else 0.0,
                        "none_share_all_items": total_none / len(rows) if rows else 0.0}}


def run(data: Path, limit: int | None = None, use_vader: bool = True) -> dict:
    """All three checks; VADER rows are None when vaderSentiment is not installed (or use_vader is False)."""
    labeller = Labeller()
    vader = load_vader() if use_vader else None
    started = time.perf_counter()
    report = {"data": str(data), "limit": limit, "vader_available": vader is not None,
              "airline_sentiment": airline_sentiment(data, labeller, vader, limit),
              "allegro_polarity": allegro_polarity(data, labeller, vader, limit),
              "airline_pain_points": airline_pain_points(data, labeller, limit)}
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


# -- printing --------------------------------------------------------------------------------------

def _fmt(x: float | None) -> str:
    return "   n/a" if x is None else f"{x:6.3f}"


def render(report: dict) -> str:
    lines: list[str] = []
    add = lines.append
    lim = f", limit {report['limit']} per check" if report["limit"] is not None else ""
    add(f"external checks on {report['data']}{lim} ({report['seconds']:.1f} s)")
    if not report["vader_available"]:
        add("vader: skipped (vaderSentiment not installed: pip install '.[bench]')")

    s = report["airline_sentiment"]
    add("")
    add(f"== 1. airline sentiment ({s['file']}: {s['filter']}) ==")
    add("gold counts: " + ", ".join(f"{k}: {v}" for k, v in s["gold_counts"].items())
        + f"; majority class {s['majority_class']}")
    add(f"{'':10}{'n':>7}{'accuracy':>10}{'macro_f1':>10}")
    for name, row in s["rows"].items():
        cells = "   skipped" if row is None else f"{row['n']:7d}{_fmt(row['accuracy']):>10}{_fmt(row['macro_f1']):>10}"
        add(f"{name:10}" + cells)
    add("rules per class: " + "; ".join(f"{k}: P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f}"
                                        for k, v in s["rows"]["rules"]["per_class"].items()))
    add("rules confusion (rows gold, columns predicted):")
    add(f"{GOLD_PRED:>10}" + "".join(f"{p:>7}" for p in POLARITIES))
    for g, counts in zip(POLARITIES, s["confusion_rules"]["rows_gold_cols_pred"]):
        add(f"{g:>10}" + "".join(f"{c:7d}" for c in counts))

    a = report["allegro_polarity"]
    add("")
    add(f"== 2. allegro polarity ({a['file']}: {a['filter']}) ==")
    add("gold counts: " + ", ".join(f"{k}: {v}" for k, v in a["gold_counts"].items())
        + f"; majority class {a['majority_class']}")
    add(f"{'':10}{'n':>7}{'accuracy':>10}{'macro_f1':>10}{'mF1(0 cls)':>12}{'pred 0':>8}{'0 share':>9}")
    for name, row in a["rows"].items():
        if row is None:
            add(f"{name:10}   skipped")
            continue
        add(f"{name:10}{row['n']:7d}{_fmt(row['accuracy']):>10}{_fmt(row['macro_f1']):>10}"
            f"{_fmt(row['macro_f1_zero_as_class']):>12}{row['zero_predictions']:8d}{_fmt(row['zero_share']):>9}")
    add("macro_f1: mean F1 of classes -1 and 1 (a 0 prediction is a miss); "
        "mF1(0 cls): metrics.macro_f1, 0 a third class")
    add("rules confusion (rows gold, columns predicted):")
    add(f"{GOLD_PRED:>10}" + "".join(f"{p:>7}" for p in POLARITIES))
    for g, counts in zip((-1, 1), a["confusion_rules"]["rows_gold_cols_pred"]):
        add(f"{g:>10}" + "".join(f"{c:7d}" for c in counts))

    p = report["airline_pain_points"]
    add("")
    add(f"== 3. airline pain points ({p['file']}: {p['filter']}) ==")
    add(f"items: {p['n']} ({p['n_scored']} with a mapped reason); unanimous items available: {p['strict_available']}")
    if p["unmapped_reasons"]:
        add("UNMAPPED reasons (not scored): " + ", ".join(p["unmapped_reasons"]))
    add(f"{'negativereason':28}{'pain point':18}{'n':>6}{'recall':>8}{'none':>8}  rules found most often")
    for reason, row in sorted(p["per_reason"].items(), key=lambda kv: -kv[1]["n"]):
        top = ", ".join(f"{x} {share:.2f}" for x, share in row["top_found"]) or "-"
        add(f"{reason:28}{str(row['pain_point']):18}{row['n']:6d}{_fmt(row['recall']):>8}"
            f"{_fmt(row['none_share']):>8}  {top}")
    o = p["overall"]
    add(f"{'overall (mapped reasons)':28}{'':18}{p['n_scored']:6d}{_fmt(o['recall']):>8}{_fmt(o['none_share']):>8}")
    add(f"no pain point at all, every item incl. unmapped: {o['none_share_all_items']:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA),
                    help="folder with the shared datasets (default: ../shared/data)")
    ap.add_argument("--json", dest="json_out", help="also write every number to this JSON file")
    ap.add_argument("--limit", type=int, help="at most N items per check (a quick run)")
    ap.add_argument("--min", dest="minimums", action="append", default=[], metavar="FIGURE=VALUE",
                    help="gate: exit 1 unless FIGURE >= VALUE; FIGURE is check.row.metric, e.g. "
                    "airline_sentiment.rules.macro_f1=0.65 or allegro_polarity.rules.accuracy=0.85 (repeatable)")
    args = ap.parse_args(argv)
    data = Path(args.data)
    missing = [f for f in (AIRLINE_FILE, ALLEGRO_FILE) if not (data / f).exists()]
    if missing:
        sys.exit(f"missing in {data}: {', '.join(missing)}")
    if args.limit is not None and args.limit < 1:
        sys.exit("--limit must be at least 1")
    gates = [parse_gate(spec) for spec in args.minimums]
    report = run(data, args.limit)
    print(render(report))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    failed = [f"{name} = {value:.3f}: below the minimum {minimum:.3f}"
              for name, minimum in gates if (value := gate_value(report, name)) < minimum - 1e-9]
    if failed:
        sys.exit("quality gate failed:\n  " + "\n  ".join(failed))
    if gates:
        print(f"quality gates passed ({len(gates)} checks)")


def parse_gate(spec: str) -> tuple[str, float]:
    """'check.row.metric=VALUE' -> (name, minimum); exits with a message on a malformed spec."""
    name, sep, value = spec.partition("=")
    if not sep or name.count(".") != 2:
        sys.exit(f"--min {spec!r}: expected check.row.metric=VALUE, e.g. allegro_polarity.rules.accuracy=0.85")
    try:
        return name, float(value)
    except ValueError:
        sys.exit(f"--min {spec!r}: {value!r} is not a number")


def gate_value(report: dict, name: str) -> float:
    check, row, metric = name.split(".")
    try:
        return float(report[check]["rows"][row][metric])
    except (KeyError, TypeError):
        sys.exit(f"--min {name}: no such figure (checks: airline_sentiment, allegro_polarity; rows: rules, vader, "
                 "majority; metrics: accuracy, macro_f1)")


if __name__ == "__main__":
    main()
