"""Masking precision and recall per kind on the hand-labelled texts, and how often name-like brands survive.

    .venv/bin/python evals/pii/score.py [--split test|test2|test3|test4|test5|test6|dev|dev2|both] [--json] [--show]

The labels (dev.jsonl, test.jsonl: ids and spans only) point into ../shared/data, where the texts stay. Recall: a
labelled span counts as hidden when every character of it is inside masked spans (whatever their kind: a name
masked as part of an address is not sent either); "same kind" recall also asks for the kind. Precision: a masked
span of a kind is right when it overlaps a labelled span of that kind. Brands: every text of ../shared/data that
contains one of BRANDS (brands and products that look like person names), and how many of those mentions were left
as written. --show prints each miss and false alarm (texts of ../shared/data, to read, never to commit).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from extractor.privacy import mask_personal_data  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
HERE = Path(__file__).resolve().parent
KINDS = {"name": "NAME", "address": "ADDRESS", "postal_code": "POSTAL_CODE"}
BRANDS = ["Alexa", "Echo", "Kindle", "Jordan", "Victoria's Secret", "Chase", "Delta", "Virgin America", "Dell",
          "Apple", "Allegro", "Ceneo", "Ford", "Tesla", "Mercedes", "Hilton", "Disney", "Siri", "Wendy's", "Fender",
          "Gibson", "Philips", "Bosch", "Tiffany"]
# Name-like brands NOT in extractor/privacy/data/brands.txt: how the masker does on brands nobody listed.
UNLISTED = ["Ernie Ball", "Seymour Duncan", "Sophie the Giraffe", "Summer Infant", "Tommee Tippee", "Les Paul",
            "Martin", "Taylor", "Marshall", "Dean", "Jackson", "Gerber", "Carter's", "Evenflo", "Britax", "Dunlop",
            "Shure", "Elixir", "Snark", "Ray-Ban", "Levi's", "Kenmore", "Maytag", "Stanley"]


def texts_of(rows: list[dict]) -> dict[tuple[str, str], str]:
    wanted = defaultdict(set)
    for row in rows:
        wanted[row["file"]].add(row["id"])
    texts = {}
    for name, ids in wanted.items():
        with open(DATA / name, encoding="utf-8") as f:
            for line in f:
                item = json.loads(line)
                if item["id"] in ids:
                    texts[(name, item["id"])] = item["text"]
    return texts


def score(rows: list[dict], show: bool) -> dict:
    texts = texts_of(rows)
    gold_n, hidden, same_kind = Counter(), Counter(), Counter()
    pred_n, right = Counter(), Counter()
    for row in rows:
        text = texts[(row["file"], row["id"])]
        spans = mask_personal_data(text, lang=row["lang"]).spans
        covered = [False] * (len(text) + 1)
        for s in spans:
            for i in range(s.start, s.end):
                covered[i] = True
        gold = [(KINDS[g["kind"]], g["start"], g["end"]) for g in row["spans"]]
        for kind, a, b in gold:
            gold_n[kind] += 1
            if all(covered[a:b]):
                hidden[kind] += 1
                same_kind[kind] += any(s.kind == kind and s.start < b and a < s.end for s in spans)
            elif show:
                print(f"MISS {kind:<11} {row['file']}:{row['id']} {text[a:b]!r} in ...{text[max(0, a - 50):b + 30]!r}")
        for s in spans:
            if s.kind not in KINDS.values():
                continue
            pred_n[s.kind] += 1
            if any(k == s.kind and a < s.end and s.start < b for k, a, b in gold):
                right[s.kind] += 1
            elif show:
                print(f"FALSE {s.kind:<10} {row['file']}:{row['id']} {text[s.start:s.end]!r} in "
                      f"...{text[max(0, s.start - 50):s.end + 30]!r}")
    out = {"texts": len(rows)}
    for kind in KINDS.values():
        out[kind] = {"labelled": gold_n[kind], "masked": pred_n[kind],
                     "recall": round(hidden[kind] / gold_n[kind], 3) if gold_n[kind] else None,
                     "recall_same_kind": round(same_kind[kind] / gold_n[kind], 3) if gold_n[kind] else None,
                     "precision": round(right[kind] / pred_n[kind], 3) if pred_n[kind] else None}
    return out


def brands(names: list[str]) -> dict:
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, names)) + r")(?!\w)")
    seen, kept = Counter(), Counter()
    for path in sorted(DATA.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                item = json.loads(line)
                text = item["text"]
                hits = list(pattern.finditer(text))
                if not hits:
                    continue
                spans = mask_personal_data(text, lang=item.get("lang")).spans
                for m in hits:
                    seen[m.group(1)] += 1
                    kept[m.group(1)] += not any(s.start < m.end() and m.start() < s.end for s in spans)
    total, survived = sum(seen.values()), sum(kept.values())
    return {"mentions": total, "survived": survived, "rate": round(survived / total, 4) if total else None,
            "by_brand": {b: [kept[b], seen[b]] for b in sorted(seen, key=seen.get, reverse=True)}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["test", "dev", "dev2", "test2", "test3", "test4", "test5", "test6", "both"], default="test")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show", action="store_true", help="print misses and false alarms (with text: do not commit)")
    ap.add_argument("--no-brands", action="store_true", help="skip the brand count over all of ../shared/data")
    args = ap.parse_args()
    splits = ["dev", "dev2", "test"] if args.split == "both" else [args.split]
    result = {}
    for split in splits:
        rows = [json.loads(line) for line in (HERE / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
        for lang in ("en", "pl", None):
            part = [r for r in rows if lang is None or r["lang"] == lang]
            result[f"{split}/{lang or 'all'}"] = score(part, args.show and lang is None)
    if not args.no_brands:
        result["brands"] = brands(BRANDS)
        result["unlisted_brands"] = brands(UNLISTED)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    print(f"{'set':<10} {'kind':<12} {'labelled':>8} {'masked':>7} {'recall':>7} {'same kind':>9} {'precision':>9}")
    for key, res in result.items():
        if key in ("brands", "unlisted_brands"):
            continue
        for kind in KINDS.values():
            r = res[kind]
            fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
            print(f"{key:<10} {kind:<12} {r['labelled']:>8} {r['masked']:>7} {fmt(r['recall']):>7} "
                  f"{fmt(r['recall_same_kind']):>9} {fmt(r['precision']):>9}")
    for key, what in (("brands", "listed in brands.txt"), ("unlisted_brands", "not listed")):
        if key in result:
            b = result[key]
            print(f"\nname-like brands {what}, left as written: {b['survived']:,} of {b['mentions']:,} mentions "
                  f"({b['rate']:.2%})")
            print("  " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in b["by_brand"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
