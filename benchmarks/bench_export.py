"""Benchmark `journey export` over the records of all of ../shared/data (about 125,000), to each format.

    .venv/bin/python benchmarks/bench_export.py [--records /tmp/r.jsonl] [--data ../shared/data] [--formats ...]
                                                [--json]

1. Records: `journey extract ../shared/data/*.jsonl --out RECORDS` (rules), made once (about 20 s) and reused when
   RECORDS already exists.
2. Exports: `journey export RECORDS --out DIR/records.{csv,parquet,xlsx}`, the real command, end to end (start-up,
   read, convert, write), timed from outside; the files' sizes and the command's peak RSS.
Budget (issue 20): under 30 s per format at 125,000 records. Prints a table, or with --json one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JOURNEY = [sys.executable, "-m", "extractor"]
FORMATS = ("csv", "parquet", "xlsx")
SECONDS_BUDGET = 30.0


def records_of(data: Path, records: Path) -> Path:
    """The data's records (made once, then reused)."""
    if records.is_file() and records.stat().st_size:
        return records
    inputs = sorted(str(p) for p in data.glob("*.jsonl"))
    if not inputs:
        raise SystemExit(f"no .jsonl files in {data}")
    done = subprocess.run([*JOURNEY, "extract", *inputs, "--out", str(records), "-q"], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"journey extract failed:\n{done.stderr}")
    return records


def export_once(records: Path, out: Path) -> dict:
    """One `journey export` run: seconds, the files written and their size, peak RSS of the command."""
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        child = subprocess.Popen([*JOURNEY, "export", str(records), "--out", str(out), "-q"], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)  # this command's own peak RSS
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            stderr.seek(0)
            raise SystemExit(f"journey export --out {out.name} failed:\n{stderr.read().decode()}")
    files = [out] + ([out.with_name(f"{out.stem}.events{out.suffix}")] if out.suffix != ".xlsx" else [])
    return {"seconds": round(seconds, 2), "megabytes": round(sum(f.stat().st_size for f in files) / 1e6, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "within_budget": seconds < SECONDS_BUDGET}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=Path, default=Path(tempfile.gettempdir()) / "r.jsonl",
                        help="records file (made from --data when missing)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()
    records = records_of(args.data, args.records)
    count = sum(1 for line in records.open(encoding="utf-8") if line.strip())
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-export-") as work:
        for fmt in args.formats:
            results[fmt] = export_once(records, Path(work) / f"records.{fmt}")
    report = {"records": count, "budget_seconds": SECONDS_BUDGET, "python": platform.python_version(),
              "formats": results}
    if args.json:
        print(json.dumps(report))
        return
    print(f"journey export of {count:,} records ({records}); budget {SECONDS_BUDGET:.0f} s per format")
    print(f"{'format':<8} {'seconds':>8} {'MB':>7} {'peak RSS MB':>12}  within budget")
    for fmt, r in results.items():
        print(f"{fmt:<8} {r['seconds']:>8.1f} {r['megabytes']:>7.1f} {r['peak_rss_mb']:>12}  {r['within_budget']}")


if __name__ == "__main__":
    main()
