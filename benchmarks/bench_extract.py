"""Benchmark `journey extract` end to end (read, detect language, extract, write) over ../shared/data.

    .venv/bin/python benchmarks/bench_extract.py [--data ../shared/data] [--json FILE]

Runs the real command in a subprocess over every data file and over one file holding all of them
twice (to show that peak memory stays flat when the input doubles): once timed, once with its
memory sampled. Prints a table
and, with --json, writes the numbers. Also times `journey --help` and `journey label`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JOURNEY = str(Path(sys.executable).with_name("journey"))


def _tree(pid: int) -> list[int]:
    """The process and all its descendants (Linux /proc)."""
    pids, stack = [], [pid]
    while stack:
        p = stack.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                stack += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
    return pids


def _memory_mb(pids: list[int]) -> tuple[float, float]:
    """Summed RSS and PSS (shared pages divided among sharers) of the processes, in MB."""
    rss = pss = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return rss / 1024, pss / 1024


def run_measured(args: list[str], sample_memory: bool = True) -> tuple[float, float, float]:
    """Wall seconds, peak summed RSS and peak PSS (MB) of a command and its worker processes.

    Reading smaps of running processes slows them down, so speed and memory come from separate runs.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_rss = peak_pss = 0.0
    while proc.poll() is None:
        if sample_memory:
            rss, pss = _memory_mb(_tree(proc.pid))
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(0.5 if sample_memory else 0.02)
    seconds = time.perf_counter() - started
    if proc.returncode:
        sys.exit(f"{' '.join(args[:3])} failed: {proc.stderr.read().decode()[-500:]}")
    return seconds, peak_rss, peak_pss


def reference_loop_seconds() -> float:
    """Seconds for a fixed pure-Python loop: this machine's speed swings about 2x from hour to hour, so
    the table says how fast the machine was while it ran (lower is faster)."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return round(time.perf_counter() - started, 2)


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
    reference = [reference_loop_seconds()]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "records.jsonl"
        doubled = Path(tmp) / "doubled.jsonl"
        with doubled.open("wb") as f:
            for _ in range(2):
                for p in files:
                    f.write(p.read_bytes())
        for name, inputs in (("all of ../shared/data", [str(p) for p in files]), ("the same, twice (one file)", [str(doubled)])):
            n = count_lines([Path(i) for i in inputs])
            command = [JOURNEY, "extract", *inputs, "--out", str(out), "--quiet"]
            seconds = run_measured(command, sample_memory=False)[0]
            _, rss, pss = run_measured(command)
            records = count_lines([out])
            err_file = out.with_name("records.errors.jsonl")
            errors = count_lines([err_file]) if err_file.exists() else 0
            if err_file.exists():
                err_file.unlink()
            rows.append({"input": name, "items": n, "records": records, "errors": errors, "seconds": round(seconds, 2),
                         "items_per_s": round(n / seconds), "peak_rss_mb": round(rss, 1),
                         "peak_pss_mb": round(pss, 1)})
    reference.append(reference_loop_seconds())
    startup = {}
    for label, cmd in (("journey --help", [JOURNEY, "--help"]),
                       ("journey label \"...\"", [JOURNEY, "label", "Paczka nie dotarła, infolinia nie odbiera."])):
        best = min(run_measured(cmd, sample_memory=False)[0] for _ in range(5))
        startup[label] = round(best, 3)
    print(f"{'input':30} {'items':>9} {'records':>9} {'errors':>7} {'seconds':>8} {'items/s':>9} {'RSS MB':>8} "
          f"{'PSS MB':>8}")
    for r in rows:
        print(f"{r['input']:30} {r['items']:9,} {r['records']:9,} {r['errors']:7,} {r['seconds']:8.2f} "
              f"{r['items_per_s']:9,} {r['peak_rss_mb']:8.1f} {r['peak_pss_mb']:8.1f}")
    print("RSS and PSS: peak of the whole process tree (the command and its forked workers); RSS counts pages "
          "the workers share with the parent once per process, PSS divides them among sharers.")
    for label, seconds in startup.items():
        print(f"{label:30} {seconds:.3f} s (best of 5)")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; reference loop (10M additions) "
          f"{reference[0]} s before, {reference[1]} s after")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"extract": rows, "startup_s": startup, "reference_loop_s": reference}, indent=2))


if __name__ == "__main__":
    main()
