"""Re-record the real-model cassette: a seeded sample of our own gold sets labelled by a real model (Qwen2.5-Coder
1.5B Instruct Q4) on llama.cpp's llama-server, built and downloaded by evals/local_model/setup.py.

    make record-local        # = python evals/local_model/setup.py --models qwen && python evals/local_model/record.py

Writes evals/cassettes/qwen-own.yaml.gz (the requests and the server's answers, which `make eval` replays with the
network blocked) and evals/baselines/llm-qwen-own.json (the report: that model's figures and its outcomes and
tokens). `--prompt journey-batch.v1` records another prompt version beside it (qwen-own-journey-batch.v1.yaml.gz and
llm-qwen-own-journey-batch.v1.json), so prompt versions are compared on the same items by the same model. One item a request: asked 16 at once, this 1.5B model gave every item the first one's labels, and
llama-server reuses the shared prompt prefix, so single items cost little more. The sample, model name, prompt,
provider, context window and items per request are fixed here and in the Makefile's replay, because
a replay must send byte-identical requests. About 1-2 hours on 2 CPU cores; re-record after a prompt, schema or
taxonomy change (the replay then fails on the first request not in the cassette)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.llama import llama_server  # noqa: E402

GOLD = [ROOT / "evals" / "gold" / "en.jsonl", ROOT / "evals" / "gold" / "pl.jsonl"]
CASSETTE = ROOT / "evals" / "cassettes" / "qwen-own.yaml.gz"
REPORT = ROOT / "evals" / "baselines" / "llm-qwen-own.json"
# Keep in step with the Makefile's QWEN_REPLAY.
SAMPLE, CONTEXT, PROMPT = 160, 4096, "journey-batch.v2"
MASK = "email,phone,card,iban,pesel"  # as the Makefile's RECORDED_MASK: the name and address finders change
RUN = ["--sample", str(SAMPLE), "--extractor", "llm", "--model", "qwen", "--provider", "llamacpp", "--concurrency", "1",
       "--mask", MASK]


def recorded(prompt: str) -> tuple[Path, Path]:
    """The cassette and report of a prompt version: the default's are qwen-own.yaml.gz and llm-qwen-own.json."""
    if prompt == PROMPT:
        return CASSETTE, REPORT
    return CASSETTE.with_name(f"qwen-own-{prompt}.yaml.gz"), REPORT.with_name(f"llm-qwen-own-{prompt}.json")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompt", default=PROMPT, help=f"the prompt version to record (default {PROMPT})")
    ap.add_argument("--cassette", type=Path, help=f"where to write (default {CASSETTE.name}, or "
                    "qwen-own-PROMPT.yaml.gz for another prompt)")
    ap.add_argument("--report", type=Path, help=f"the eval report (default {REPORT.name}, or llm-qwen-own-PROMPT.json)")
    ap.add_argument("--gold", type=Path, nargs="+", default=GOLD, help="gold files to label (default our own gold "
                    "sets); for gold outside the project (../shared/gold/dev.jsonl) give --cassette and --report "
                    "outside it too, for a cassette holds the texts")
    ap.add_argument("--items-per-request", type=int, default=1, help="items a request (default 1; more to measure "
                    "the model batched, with --context large enough and --cassette/--report of their own)")
    ap.add_argument("--context", type=int, default=CONTEXT, help=f"the server's context window (default {CONTEXT})")
    ap.add_argument("--resume", action="store_true", help="go on with an interrupted recording (the cassette is "
                    "written after every answer): what it holds replays, the rest is recorded")
    args = ap.parse_args()
    cassette, report = recorded(args.prompt)
    if args.gold != GOLD and (args.cassette is None or args.report is None):
        ap.error("--gold: give --cassette and --report too (outside the project when the gold is not ours)")
    if (args.items_per_request, args.context) != (1, CONTEXT) and (args.cassette is None or args.report is None):
        ap.error("--items-per-request/--context: give --cassette and --report too (the Makefile replays the defaults)")
    args.cassette, args.report = args.cassette or cassette, args.report or report
    if not args.resume:
        args.cassette.unlink(missing_ok=True)
    journey = Path(sys.executable).with_name("journey")
    with llama_server("qwen", context=args.context) as url:
        env = dict(os.environ, OPENAI_BASE_URL=url, OPENAI_API_KEY="local")
        cmd = [str(journey), "eval", *map(str, args.gold), *RUN, "--context-window", str(args.context),
               "--items-per-request", str(args.items_per_request), "--prompt", args.prompt, "--cassette", str(args.cassette),
               "--record-mode", "new_episodes" if args.resume else "once", "--json", str(args.report), "--misses", "0"]
        done = subprocess.run(cmd, env=env, cwd=ROOT)
    if done.returncode != 0 or not args.cassette.is_file():
        print(f"recording failed ({done.returncode})", file=sys.stderr)
        return done.returncode or 1
    print(f"recorded {args.cassette} ({args.cassette.stat().st_size:,} bytes) and {args.report}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
