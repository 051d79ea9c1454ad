"""Benchmark `journey extract` end to end (read, detect language, extract, write) over ../shared/data, next to
spaCy's blank pipeline + sentencizer over the same texts in the same run.

    .venv/bin/python benchmarks/bench_extract.py [--data ../shared/data] [--extractor rules,learned]
        [--learned-model DIR] [--workers N] [--json [FILE]]

For each extractor (`--extractor`, repeatable or a comma list; default rules), runs the real command in a
subprocess over every data file and over one file holding all of them twice (to show that peak memory stays
flat when the input doubles): once timed, once with its memory sampled. A journey row's seconds are the wall time
of the whole command: process start, imports, loading the model, reading and parsing every line, language
detection, extraction and writing the records as JSON Lines, in as many processes as `journey extract` uses
(`--workers`, passed on; 0 = its automatic choice, which `extractor.pipeline.default_workers` makes from the
input's size). `--learned-model` is passed on to `-x learned` (default: none, so the model shipped in the package).

The baseline: spaCy's `spacy.blank("en")` + `add_pipe("sentencizer")`, `nlp.pipe` over the `text` field of
every JSON line of the same files, in a subprocess of this script, once with `n_process=1` and once with as many
processes as `journey extract` uses. Its seconds count only the `nlp.pipe` loop over texts already in memory
(the pipe's own worker processes started inside it, and the docs they send back, included): not the process
start, the imports, reading or parsing the files. So the ratio journey / spaCy understates journey (it is timed
doing more). The baseline runs before and after the journey runs, and its faster run counts. Prints a table
and, with --json, prints one JSON object with every figure on stdout (the table then goes to stderr), or with
--json FILE writes it there. Also times `journey --help` and `journey label` (per extractor).
"""

from __future__ import annotations

import argparse
import builtins
import functools
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


def extractors_of(values: list[str] | None) -> list[str]:
    """`--extractor` values (repeated, or comma lists) in order, each once; default: rules."""
    names = [n.strip() for value in values or ["rules"] for n in value.split(",") if n.strip()]
    return list(dict.fromkeys(names))


def workers_for(workers: int, files: list[Path]) -> int:
    """How many processes `journey extract --workers N` uses over these files (0: its automatic choice)."""
    from extractor.pipeline import default_workers

    return workers or default_workers(sum(p.stat().st_size for p in files))


def spacy_baseline(files: list[str], n_process: int) -> dict:
    """Subprocess side: spaCy's blank pipeline + sentencizer over the `text` of every JSON line; only the
    `nlp.pipe` loop is timed (the texts are read into memory first)."""
    import spacy

    texts = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    text = json.loads(line).get("text")
                    if isinstance(text, str):
                        texts.append(text)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    started = time.perf_counter()
    sentences = sum(1 for doc in nlp.pipe(texts, n_process=n_process) for _ in doc.sents)
    seconds = time.perf_counter() - started
    return {"n_process": n_process, "items": len(texts), "sentences": sentences, "seconds": round(seconds, 2),
            "items_per_s": round(len(texts) / seconds)}


def run_spacy_baseline(files: list[Path], n_process: int) -> dict:
    """The baseline in its own process (as journey runs in its own), its numbers read back as JSON."""
    command = [sys.executable, __file__, "--spacy-baseline", str(n_process), *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"the spaCy baseline failed: {done.stderr[-500:]}")
    return json.loads(done.stdout)


def best_baselines(files: list[Path], processes: list[int], runs: list[dict] | None) -> list[dict]:
    """Each baseline run now, or the faster of this run and the one in `runs` (measured earlier)."""
    now = [run_spacy_baseline(files, n) for n in processes]
    if runs is None:
        return now
    return [max(a, b, key=lambda r: r["items_per_s"]) for a, b in zip(runs, now)]


def extract_rows(extractor: str, learned_model: str | None, workers: int, inputs: list[tuple[str, list[str]]],
                 out: Path) -> list[dict]:
    """The timed run and the memory run of `journey extract -x EXTRACTOR` over each input."""
    rows = []
    for name, paths in inputs:
        n = count_lines([Path(i) for i in paths])
        model = ["--learned-model", learned_model] if learned_model and extractor == "learned" else []
        command = [JOURNEY, "extract", *paths, "--out", str(out), "--quiet", "-x", extractor, *model,
                   "--workers", str(workers)]
        seconds = run_measured(command, sample_memory=False)[0]
        _, rss, pss = run_measured(command)
        records = count_lines([out])
        err_file = out.with_name("records.errors.jsonl")
        errors = count_lines([err_file]) if err_file.exists() else 0
        if err_file.exists():
            err_file.unlink()
        rows.append({"extractor": extractor, "input": name, "items": n, "records": records, "errors": errors,
                     "seconds": round(seconds, 2), "items_per_s": round(n / seconds),
                     "peak_rss_mb": round(rss, 1), "peak_pss_mb": round(pss, 1)})
    return rows


def startup_seconds(extractors: list[str], learned_model: str | None) -> dict[str, float]:
    """Best of 5 wall seconds of `journey --help` and of one `journey label` per extractor."""
    commands = {"journey --help": [JOURNEY, "--help"]}
    for name in extractors:
        label = "journey label \"...\"" + ("" if name == "rules" else f" -x {name}")
        model = ["--learned-model", learned_model] if learned_model and name == "learned" else []
        commands[label] = [JOURNEY, "label", "Paczka nie dotarła, infolinia nie odbiera.", "-x", name, *model]
    return {label: round(min(run_measured(cmd, sample_memory=False)[0] for _ in range(5)), 3)
            for label, cmd in commands.items()}


def with_ratios(rows: list[dict], baselines: list[dict]) -> None:
    """Each journey row's items/s over each baseline's (key: spacy_n_process_N)."""
    for row in rows:
        row["ratio_to_spacy"] = {f"n_process_{b['n_process']}": round(row["items_per_s"] / b["items_per_s"], 2)
                                 for b in baselines}


def print_report(rows: list[dict], baselines: list[dict], startup: dict[str, float], reference: list[float],
                 workers: int, build_line: str, stream=sys.stdout) -> None:
    print = functools.partial(builtins.print, file=stream)  # noqa: A001 - the table to stdout, or stderr with --json
    ratios = [f"x spaCy {b['n_process']}p" for b in baselines]
    print(f"{'extractor':9} {'input':27} {'items':>9} {'records':>9} {'errors':>7} {'seconds':>8} {'items/s':>8} "
          f"{'RSS MB':>8} {'PSS MB':>8} " + " ".join(f"{r:>12}" for r in ratios))
    for r in rows:
        print(f"{r['extractor']:9} {r['input']:27} {r['items']:9,} {r['records']:9,} {r['errors']:7,} "
              f"{r['seconds']:8.2f} {r['items_per_s']:8,} {r['peak_rss_mb']:8.1f} {r['peak_pss_mb']:8.1f} "
              + " ".join(f"{v:12.2f}" for v in r["ratio_to_spacy"].values()))
    print(f"journey: the whole command (start, imports, model, read, language, extract, write JSON) with "
          f"{workers} process(es).")
    print("RSS and PSS: peak of the whole process tree (the command and its forked workers); RSS counts pages "
          "the workers share with the parent once per process, PSS divides them among sharers.")
    for b in baselines:
        print(f"spaCy blank(\"en\") + sentencizer, nlp.pipe n_process={b['n_process']}: {b['items']:,} texts in "
              f"{b['seconds']:.2f} s = {b['items_per_s']:,} items/s (the pipe over texts in memory; faster of "
              "the runs before and after)")
    for label, seconds in startup.items():
        print(f"{label:30} {seconds:.3f} s (best of 5)")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; reference loop (10M additions) "
          f"{reference[0]} s before, {reference[1]} s after")
    print(f"build: {build_line}")


def build() -> str:
    """What `journey --version` says of the command timed here: compiled with mypyc or pure Python."""
    done = subprocess.run([JOURNEY, "--version"], capture_output=True, text=True)
    return done.stdout.strip() or done.stderr.strip()


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--extractor", "-x", action="append", help="rules, learned, keyword, ... (repeatable, or a "
                    "comma list; default: rules)")
    ap.add_argument("--learned-model", help="model folder for -x learned (default: the model shipped in the "
                    "package)")
    ap.add_argument("--workers", type=int, default=0, help="passed on to `journey extract` (0: automatic)")
    ap.add_argument("--json", dest="json_out", nargs="?", const="-", metavar="FILE",
                    help="print one JSON object with every figure on stdout (the table goes to stderr), or with "
                    "FILE write it there")
    ap.add_argument("--spacy-baseline", type=int, metavar="N_PROCESS", help=argparse.SUPPRESS)
    ap.add_argument("files", nargs="*", help=argparse.SUPPRESS)  # the baseline subprocess's files
    return ap.parse_args()


def main() -> None:
    args = parse_args()
    if args.spacy_baseline:
        print(json.dumps(spacy_baseline(args.files, args.spacy_baseline)))
        return
    files = sorted(Path(args.data).glob("*.jsonl"))
    if not files:
        sys.exit(f"no *.jsonl files in {args.data}")
    extractors = extractors_of(args.extractor)
    workers = workers_for(args.workers, files)
    processes = sorted({1, workers})
    reference = [reference_loop_seconds()]
    baselines = best_baselines(files, processes, None)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "records.jsonl"
        doubled = Path(tmp) / "doubled.jsonl"
        with doubled.open("wb") as f:
            for _ in range(2):
                for p in files:
                    f.write(p.read_bytes())
        inputs = [("all of ../shared/data", [str(p) for p in files]), ("the same, twice (one file)", [str(doubled)])]
        for name in extractors:
            rows += extract_rows(name, args.learned_model, args.workers, inputs, out)
    baselines = best_baselines(files, processes, baselines)
    reference.append(reference_loop_seconds())
    startup = startup_seconds(extractors, args.learned_model)
    with_ratios(rows, baselines)
    build_line = build()
    to_stdout = args.json_out == "-"
    print_report(rows, baselines, startup, reference, workers, build_line, sys.stderr if to_stdout else sys.stdout)
    if args.json_out:
        figures = json.dumps({"extract": rows, "workers": workers, "spacy_baseline": baselines, "startup_s": startup,
                              "reference_loop_s": reference, "build": build_line}, indent=2)
        if to_stdout:
            print(figures)
        else:
            Path(args.json_out).write_text(figures + "\n", encoding="utf-8")

if __name__ == "__main__":
    main()
