"""The llm path against a REAL model on a real local server: llama.cpp's llama-server (evals/local_model/setup.py).

    .venv/bin/python benchmarks/bench_local_llm.py [--model qwen] [--context 4096] [--n 100] [--warmup 10] \
        [--extra "--prompt journey-batch.v2"] [--json]

Samples N customer texts of ../shared/data (half English, half Polish, 40-600 characters, seeded), runs the real
`journey extract --extractor llm --dry-run`, then the real run against the server, and reports: requests, items per
request, prompt and answer tokens per item (the server's own counts), seconds per item, outcomes and why items fell
back, how far the dry run's estimate was from what the run reported, and issue 17's ratio: prompt tokens per item
with the cached prefix at gpt-4o-mini's cached price over the item's own tokens (the model's tokenizer) plus its
answer. Model quality is what the model gives:
these are the numbers of that model on this machine, not of any hosted model.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_llm import CACHED_PRICE_SHARE, PRICED_PROMPT_BUDGET, grounded_share  # noqa: E402
from tests.llama import llama_server  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SOURCES = {"en": ["cfpb_complaints.jsonl", "twcs_sample.jsonl", "amazon_reviews_misc.jsonl", "airline_tweets.jsonl",
                  "banking77.jsonl"],
           "pl": ["allegro_reviews_pl.jsonl", "polemo2_pl.jsonl", "ceneo_pl_scraped.jsonl"]}


def sample(n: int, seed: int, skip: set[str] = frozenset()) -> list[dict]:
    rng = random.Random(seed)
    picked = []
    for lang, files in SOURCES.items():
        pool = []
        for name in files:
            with open(DATA / name, encoding="utf-8") as f:
                pool += [r for r in map(json.loads, f) if r.get("lang") == lang and 40 <= len(r["text"]) <= 600
                         and r["id"] not in skip]
        picked += rng.sample(pool, n // 2)
    return [{"id": r["id"], "lang": r["lang"], "text": r["text"]} for r in picked]


def journey(*args: str, env: dict) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("journey")
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True)


def tokens(url: str, text: str) -> int:
    """How many tokens the server's model makes of `text` (llama-server's /tokenize)."""
    import urllib.request

    request = urllib.request.Request(url[: -len("/v1")] + "/tokenize", data=json.dumps({"content": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return len(json.loads(response.read())["tokens"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="qwen", help="gemma or qwen (see evals/local_model/setup.py)")
    ap.add_argument("--context", type=int, default=4096, help="the server's context window (default 4096)")
    ap.add_argument("--n", type=int, default=100, help="items, half English, half Polish (default 100)")
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--extra", default="", help="more `journey extract` flags, e.g. '--items-per-request 1'")
    ap.add_argument("--warmup", type=int, default=0, help="first label this many other items (not counted) with the "
                    "same cache, so the dry run estimates from rates learnt on this model and prompt")
    ap.add_argument("--cache", type=Path, default=None, help="answer cache and learnt token rates to keep between "
                    "runs (default: a fresh one, so the dry run has learnt nothing)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--keep", type=Path, default=None, help="copy the items, records and cache here when done")
    args = ap.parse_args()
    items = sample(args.n, args.seed)
    with tempfile.TemporaryDirectory() as tmp, llama_server(args.model, context=args.context) as url:
        src, out = Path(tmp) / "items.jsonl", Path(tmp) / "records.jsonl"
        src.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        env = dict(os.environ, OPENAI_API_KEY="local", JOURNEY_LLM_CACHE=str(args.cache or Path(tmp) / "cache"),
                   NO_COLOR="1")
        flags = ["--extractor", "llm", "--base-url", url, "--model", args.model, "--few-shot", "0",
                 "--concurrency", "1", *args.extra.split()]
        if args.warmup:
            warm = Path(tmp) / "warmup.jsonl"
            others = sample(args.warmup, args.seed + 1, skip={i["id"] for i in items})
            warm.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in others), encoding="utf-8")
            done = journey("extract", str(warm), *flags, "--out", str(Path(tmp) / "warmup.out.jsonl"), env=env)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
        common = [str(src), *flags]
        dry = journey("extract", *common, "--dry-run", env=env)
        estimate = re.search(r"-> ([\d,]+) requests .* about ([\d,]+) prompt(?: \(.*?\))? and ([\d,]+) completion",
                             dry.stderr)
        started = time.perf_counter()
        run = journey("extract", *common, "--out", str(out), env=env)
        seconds = time.perf_counter() - started
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            return 1
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        item_tokens = sum(tokens(url, i["text"]) for i in items)  # the model's own tokenizer
        if args.keep:
            shutil.copytree(tmp, args.keep, dirs_exist_ok=True)
    used = re.search(r"([\d,]+) requests, ([\d,]+) retries, ([\d,]+) prompt tokens.*?, ([\d,]+) completion", run.stderr)
    number = lambda s: int(s.replace(",", ""))  # noqa: E731
    requests, retries, prompt, completion = (number(g) for g in used.groups())
    share = re.search(r"\((\d+)% read from the provider's prompt cache\)", run.stderr)
    cached = prompt * int(share.group(1)) / 100 if share else 0.0
    n = len(records)
    priced = (prompt - cached + cached * CACHED_PRICE_SHARE) / n  # prompt tokens as paid, the cached prefix at its price
    own = (item_tokens + completion) / n
    outcomes = Counter(r["llm"]["outcome"] for r in records)
    reasons = Counter(re.sub(r"^item \d+: ", "", p)[:160] for r in records if r["llm"]["outcome"] == "fallback"
                      for p in r["llm"]["problems"][:1])
    est = [number(g) for g in estimate.groups()] if estimate else [0, 0, 0]
    report = {"model": args.model, "context": args.context, "extra": args.extra, "warmup_items": args.warmup,
              "items": len(records), "requests": requests,
              "retries": retries, "items_per_request": round(len(records) / max(1, requests), 2),
              "prompt_tokens_per_item": round(prompt / len(records), 1),
              "answer_tokens_per_item": round(completion / len(records), 1),
              "item_tokens_per_item": round(item_tokens / n, 1), "cached_share": round(cached / prompt, 2) if prompt else 0,
              "priced_prompt_ratio": round(priced / own, 2), "priced_prompt_budget": PRICED_PROMPT_BUDGET,
              "seconds_per_item": round(seconds / len(records), 1), "outcomes": dict(outcomes),
              "evidence_grounded": grounded_share(records, {i["id"]: i["text"] for i in items}),
              "fallback_reasons": dict(reasons),
              "dry_run": {"requests": est[0], "prompt_tokens": est[1], "completion_tokens": est[2],
                          "prompt_error": round(est[1] / prompt - 1, 3) if prompt else None,
                          "completion_error": round(est[2] / completion - 1, 3) if completion else None},
              "summary": run.stderr.strip().splitlines()[-4:]}
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key:>24}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
