"""Score the offline extractors on the real dev gold set, per field (and per language).

    .venv/bin/python benchmarks/dev_gold_score.py [--gold ../shared/gold/dev.jsonl] [--json FILE]

Prints one table: rows = fields, columns = rules / keyword baseline / majority class, for all items
and per language. Texts stay where they are (read by path, never copied).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from extractor.evaluation.score import score
from extractor.extractors import make_extractor
from extractor.pipeline import label_item
from extractor.schema import FeedbackItem
from extractor.taxonomy import default_taxonomy

ROOT = Path(__file__).resolve().parent.parent
FIELDS = [("stage", "accuracy"), ("stage", "macro_f1"), ("emotion", "accuracy"), ("emotion", "macro_f1"),
          ("sentiment", "accuracy"), ("sentiment", "macro_f1"), ("touchpoints", "micro_f1"),
          ("touchpoints", "macro_f1"), ("pain_points", "micro_f1"), ("pain_points", "macro_f1"),
          ("moment_of_truth", "f1")]


def majority(gold: list[dict]) -> list[dict]:
    top = {f: Counter(r[f] for r in gold).most_common(1)[0][0] for f in ("stage", "emotion", "sentiment")}
    sets = {f: {x for x, _ in Counter(x for r in gold for x in r[f]).most_common(1)} for f in ("touchpoints", "pain_points")}
    return [dict(top, touchpoints=sets["touchpoints"], pain_points=set(), moment_of_truth=False) for _ in gold]


def run(gold: list[dict]) -> dict[str, dict]:
    tax = default_taxonomy()
    results = {}
    for name in ("rules", "keyword"):
        extractor = make_extractor(name, tax)
        records = [label_item(extractor, FeedbackItem(item_id=g["id"], text=g["text"], lang=g.get("lang"),
                                                      source=g.get("source", "other"))).model_dump() for g in gold]
        results[name] = score(gold, records)
    results["majority"] = score(gold, majority(gold))
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(ROOT.parent / "shared" / "gold" / "dev.jsonl"))
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    path = Path(args.gold)
    if not path.exists():
        sys.exit(f"no gold file at {path}")
    gold = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    report = {"all": run(gold)}
    for lang in sorted({g["lang"] for g in gold}):
        report[lang] = run([g for g in gold if g["lang"] == lang])
    header = f"{'field':26}" + "".join(f"{scope + ':' + name:>16}" for scope in report for name in ("rules", "keyword", "majority"))
    print(f"dev gold: {path} ({len(gold)} items; " + ", ".join(f"{k}={len([g for g in gold if g['lang'] == k])}"
                                                               for k in report if k != "all") + ")")
    print(header)
    for field, metric in FIELDS:
        row = f"{field + '.' + metric:26}"
        for scope in report:
            for name in ("rules", "keyword", "majority"):
                row += f"{report[scope][name][field][metric]:16.3f}"
        print(row)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
