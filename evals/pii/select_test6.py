"""Reproducible selection of the texts of evals/pii/test6.jsonl (ids only; see README.md, "## test6.jsonl").

    .venv/bin/python evals/pii/select_test6.py --out /tmp/test6_work/selection.jsonl

Reads ../shared/data (relative to the project root) and writes one line per chosen text, {"file", "id", "lang",
"cue"}, to --out (required; give a path outside the project), then prints the counts per cue. No text is written.

Procedure (select_test3.py's, README "## test3.jsonl", with another seed): texts of 20-1500 characters, ids
deduplicated within a file (first line kept), every (file, id) of dev.jsonl, dev2.jsonl, test.jsonl, test2.jsonl,
test3.jsonl, test4.jsonl and test5.jsonl removed first. File by file, in FILES order: for each cue list the eligible
texts it matches and shuffle each list; shuffle the cue order; take cues round-robin, each cue taking TURNS[cue]
not-yet-chosen texts per round (1 by default, 2 for the address and postal-code cues), until the file's cue quota is
filled or no cue has an unused match left; then sample the file's random quota, plus any part of the cue quota left
unfilled, uniformly from the remaining eligible texts (rng.sample). One generator, random.Random(20261210), used in
that order (a seed no earlier set used). Quotas, cues and turns are select_test3.py's; the only changes are the seed
and test3's, test4's and test5's texts being removed from the pool.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import select_test3  # noqa: E402

SEED = 20261210

if __name__ == "__main__":
    raise SystemExit(select_test3.main(SEED, (*select_test3.EXCLUDED, "test3", "test4", "test5"), __doc__))
