"""Benchmark `journey map` over the records of all of ../shared/data (about 125,000), in each report format.

    .venv/bin/python benchmarks/bench_map.py [--data ../shared/data] [--work DIR] [--json FILE]

1. Records: every data file is labelled with `journey extract` (rules), reading its creation time and, for the
   customer-support tweets, the author as customer id (so the map has dates, trends and real customer journeys).
   The records are kept in --work (default benchmarks/results/map) and reused when already there.
2. Maps: `journey map RECORDS --out report.{html,md,json}`, the real command, end to end (start-up, read,
   aggregate, render, write), timed from outside; peak RSS of the command.
Budget (issue 6): under 30 s and an HTML file under 5 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JOURNEY = [sys.executable, "-m", "extractor"]
# file -> extra `journey extract` options: where each dataset keeps its time and customer
FIELDS = {
    "airline_tweets.jsonl": ["--time-field", "meta.created", "--source", "social"],
    "twcs_sample.jsonl": ["--time-field", "meta.created_at", "--customer-field", "meta.author_id",
                          "--source", "social"],
    "cfpb_complaints.jsonl": ["--time-field", "meta.date", "--source", "ticket"],
    "amazon_reviews_misc.jsonl": ["--time-field", "meta.date", "--source", "review"],
    "ceneo_pl_scraped.jsonl": ["--time-field", "meta.publish_date", "--source", "review"],
    "allegro_reviews_pl.jsonl": ["--source", "review"],
    "polemo2_pl.jsonl": ["--source", "review"],
    "semeval_absa.jsonl": ["--source", "review"],
    "banking77.jsonl": ["--source", "ticket"],
    "goemotions.jsonl": ["--source", "other"],
}
SECONDS_BUDGET, HTML_BUDGET = 30.0, 5 * 1024 * 1024


def records_of(data: Path, work: Path) -> Path:
    """All data files labelled into one records file (made once, then reused)."""
    out = work / "records.jsonl"
    if out.is_file() and out.stat().st_size:
        return out
    work.mkdir(parents=True, exist_ok=True)
    parts = []
    for name, options in FIELDS.items():
        source = data / name
        if not source.is_file():
            continue
        part = work / f"{source.stem}.records.jsonl"
        done = subprocess.run([*JOURNEY, "extract", str(source), "--out", str(part), "-q", *options], cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"journey extract {name} failed:\n{done.stderr}")
        parts.append(part)
    with out.open("w", encoding="utf-8") as f:
        for part in parts:
            with part.open(encoding="utf-8") as p:
                for line in p:
                    f.write(line)
            part.unlink()
    return out


def time_map(records: Path, report: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([*JOURNEY, "map", str(records), "--out", str(report)], cwd=ROOT, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"journey map failed:\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"format": report.suffix[1:], "seconds": round(seconds, 2), "bytes": report.stat().st_size,
            "peak_rss_mb": round(max(peak, before) / 1024, 1), "said": done.stderr.strip().splitlines()[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "results" / "map")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    started = time.perf_counter()
    records = records_of(args.data, args.work)
    lines = sum(1 for _ in records.open(encoding="utf-8"))
    print(f"records: {records} ({lines:,} records, {records.stat().st_size / 1_048_576:.0f} MB; ready in "
          f"{time.perf_counter() - started:.1f} s)\n")
    results = [time_map(records, args.work / f"report.{kind}") for kind in ("html", "md", "json")]
    journey_map = json.loads((args.work / "report.json").read_text("utf-8"))
    meta, journeys = journey_map["meta"], journey_map["journeys"] or {}
    print("| report | seconds | size | peak RSS |")
    print("|---|---:|---:|---:|")
    for r in results:
        print(f"| .{r['format']} | {r['seconds']:.2f} | {r['bytes'] / 1024:,.0f} kB | {r['peak_rss_mb']:.0f} MB |")
    html = results[0]
    print(f"\n- {meta['records']:,} records, {meta['dated']:,} dated ({meta['first_date']} .. {meta['last_date']}); "
          f"{journeys.get('customers', 0):,} customers, {journeys.get('multi_step', 0):,} with 2+ items; "
          f"endings {journeys.get('endings')}")
    print(f"- HTML: {html['seconds']:.1f} s (budget {SECONDS_BUDGET:.0f} s), {html['bytes'] / 1_048_576:.2f} MB "
          f"(budget 5 MB): {'meets' if html['seconds'] < SECONDS_BUDGET and html['bytes'] < HTML_BUDGET else 'MISSES'}"
          " the budget")
    print(f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if args.json:
        args.json.write_text(json.dumps({"records": lines, "reports": results}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
