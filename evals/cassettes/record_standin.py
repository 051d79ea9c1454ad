"""Re-record evals/cassettes/standin-own.yaml: our own gold sets labelled by the loopback stand-in server.

    .venv/bin/python evals/cassettes/record_standin.py

The stand-in (tests/standin/openai_server.py) answers naively: this cassette checks the llm path's plumbing in CI
(requests, replay, validation, grounding), never model quality. A real model's cassette is recorded the same way
with a key; see the README ("Recording model answers")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.standin.fixture import standin_server  # noqa: E402

CASSETTE = ROOT / "evals" / "cassettes" / "standin-own.yaml"
GOLD = [ROOT / "evals" / "gold" / "en.jsonl", ROOT / "evals" / "gold" / "pl.jsonl"]
# The kinds the Makefile's replay masks (RECORDED_MASK): not names, addresses and postal codes, whose finders change
# as they improve, which would change the requests and leave the cassette behind.
RECORDED_MASK = "email,phone,card,iban,pesel"


def main() -> int:
    CASSETTE.unlink(missing_ok=True)
    journey = Path(sys.executable).with_name("journey")
    with standin_server() as url:
        env = dict(os.environ, OPENAI_BASE_URL=url, OPENAI_API_KEY="standin")
        # one request at a time: requests are sized by the token rates learnt from the answers so far, so answers
        # arriving in another order would size later requests differently from the replay's (Makefile: LLM_REPLAY)
        cmd = [str(journey), "eval", *map(str, GOLD), "--extractor", "llm", "--model", "standin", "--concurrency", "1",
               "--cassette", str(CASSETTE), "--record-mode", "once", "--quiet", "--mask", RECORDED_MASK]
        done = subprocess.run(cmd, env=env, cwd=ROOT)
    print(f"recorded {CASSETTE.relative_to(ROOT)} ({CASSETTE.stat().st_size:,} bytes)" if done.returncode == 0
          else f"recording failed ({done.returncode})")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
