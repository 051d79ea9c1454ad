"""Masking speed: every kind of personal data over real texts of ../shared/data, per language.

    .venv/bin/python benchmarks/bench_mask.py [--n 20000] [--json]

Times `mask_personal_data` (e-mails, phones, cards, IBANs, PESELs, names, addresses, postal codes) over N texts per
language after loading the name lists once, and reports texts per second, microseconds per text and per 1,000
characters, and how many spans of each kind it masked. The llm extractor masks every item it sends.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.privacy import mask_personal_data  # noqa: E402
from extractor.privacy.names import name_lists  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
FILES = {"en": ["twcs_sample.jsonl", "airline_tweets.jsonl", "amazon_reviews_misc.jsonl", "cfpb_complaints.jsonl"],
         "pl": ["polemo2_pl.jsonl", "allegro_reviews_pl.jsonl", "ceneo_pl_scraped.jsonl"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="texts per language (default 20000)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()
    name_lists()
    load_ms = (time.perf_counter() - started) * 1000
    rows = {"load_name_lists_ms": round(load_ms, 1)}
    for lang, files in FILES.items():
        texts = []
        for name in files:
            with open(DATA / name, encoding="utf-8") as f:
                texts += [json.loads(line)["text"] for line in f]
        texts = random.Random(17).sample(texts, min(args.n, len(texts)))
        kinds: Counter[str] = Counter()
        started = time.perf_counter()
        for text in texts:
            kinds.update(s.kind for s in mask_personal_data(text, lang=lang).spans)
        seconds = time.perf_counter() - started
        chars = sum(map(len, texts))
        rows[lang] = {"texts": len(texts), "texts_per_s": round(len(texts) / seconds),
                      "us_per_text": round(seconds / len(texts) * 1e6, 1),
                      "us_per_1000_chars": round(seconds / chars * 1e9, 1), "masked": dict(kinds.most_common())}
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print(f"name lists loaded in {rows['load_name_lists_ms']} ms")
    print(f"{'lang':<5} {'texts':>7} {'texts/s':>8} {'us/text':>8} {'us/1k chars':>11}  masked")
    for lang in FILES:
        r = rows[lang]
        print(f"{lang:<5} {r['texts']:>7,} {r['texts_per_s']:>8,} {r['us_per_text']:>8} {r['us_per_1000_chars']:>11}  "
              + ", ".join(f"{k} {v}" for k, v in r["masked"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
