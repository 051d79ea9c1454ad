"""Benchmark `journey extract` end to end (read, detect language, extract, write) over ../shared/data.

    .venv/bin/python benchmarks/bench_extract.py [--data ../shared/data] [--json FILE]

Runs the real command in a subprocess, once over every data file and once over one file holding
all of them twice (to show that peak memory stays flat when the input doubles). Prints a table
and, with --json, writes the numbers. Also times `journey --help` and `journey label`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JOURNEY = str(Path(sys.executable).with_name("journey"))


def run_measured(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    script = ("import resource,subprocess,sys,time;t=time.perf_counter();"
              "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);"
              "dt=time.perf_counter()-t;"
              "sys.stderr.write(r.stderr.decode()[-500:]) if r.returncode else None;"
              "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024)")
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    seconds, rss = out.stdout.split()
    return float(seconds), float(rss)


def count_lines(paths: list[Path]) -> int:
    return sum(sum(1 for line in p.open("rb") if line.strip()) for p in paths)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    files = sorted(Path(args.data).glob("*.jsonl"))
    if not files:
        sys.exit(f"no *.jsonl files in {args.data}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "records.jsonl"
        doubled = Path(tmp) / "doubled.jsonl"
        with doubled.open("wb") as f:
            for _ in range(2):
                for p in files:
                    f.write(p.read_bytes())
        for name, inputs in (("all of ../shared/data", [str(p) for p in files]), ("the same, twice (one file)", [str(doubled)])):
            n = count_lines([Path(i) for i in inputs])
            seconds, rss = run_measured([JOURNEY, "extract", *inputs, "--out", str(out), "--quiet"])
            records = count_lines([out])
            err_file = out.with_name("records.errors.jsonl")
            errors = count_lines([err_file]) if err_file.exists() else 0
            if err_file.exists():
                err_file.unlink()
            rows.append({"input": name, "items": n, "records": records, "errors": errors, "seconds": round(seconds, 2),
                         "items_per_s": round(n / seconds), "peak_rss_mb": round(rss, 1)})
    startup = {}
    for label, cmd in (("journey --help", [JOURNEY, "--help"]),
                       ("journey label \"...\"", [JOURNEY, "label", "Paczka nie dotarła, infolinia nie odbiera."])):
        best = min(run_measured(cmd)[0] for _ in range(3))
        startup[label] = round(best, 3)
    print(f"{'input':30} {'items':>9} {'records':>9} {'errors':>7} {'seconds':>8} {'items/s':>9} {'peak MB':>8}")
    for r in rows:
        print(f"{r['input']:30} {r['items']:9,} {r['records']:9,} {r['errors']:7,} {r['seconds']:8.2f} "
              f"{r['items_per_s']:9,} {r['peak_rss_mb']:8.1f}")
    for label, seconds in startup.items():
        print(f"{label:30} {seconds:.3f} s (best of 3)")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"extract": rows, "startup_s": startup}, indent=2))


if __name__ == "__main__":
    main()
