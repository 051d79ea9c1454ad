"""Re-record tests/cassettes/batch_api.yaml, the Batch API cassette that tests/test_llm_batchapi.py replays.

    .venv/bin/python tests/cassettes/record_batch_api.py

Starts the loopback stand-in server, runs one whole batch over the tests' items (upload, create, polls, download)
and writes every exchange to the cassette (no authorization header). Re-record after a change to the prompt, the
answer schema, the taxonomy or the tests' items, and commit the file. Not part of the test run."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from extractor.extractors.llm.batchapi import run_batch  # noqa: E402
from tests.standin.fixture import standin_server  # noqa: E402
from tests.test_llm_batchapi import CASSETTE, CASSETTE_SETTINGS, batch_items, batch_vcr, make  # noqa: E402


def main() -> None:
    CASSETTE.unlink(missing_ok=True)
    with standin_server(batch_polls=2) as base, tempfile.TemporaryDirectory() as scratch:
        engine = make(base, Path(scratch), **CASSETTE_SETTINGS)
        with batch_vcr("all").use_cassette(str(CASSETTE)) as tape:
            report = run_batch(engine, batch_items(40), poll_interval=0)
        engine.close()
    if report.answered_items != report.items:
        sys.exit(f"only {report.answered_items} of {report.items} items were answered: not a usable cassette")
    print(f"{CASSETTE.relative_to(ROOT)}: {len(tape)} exchanges, batch {report.batch_id}, "
          f"{report.requests} requests, {report.answered_items} items")


if __name__ == "__main__":
    main()
