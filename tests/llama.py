"""A real llama.cpp `llama-server` process on loopback, for the real-server tier of the llm tests.

The server and weights come from `python evals/local_model/setup.py` (its manifest.json). Without them the tests
skip, except where JOURNEY_REQUIRE_LLAMA=1 (set by .ci/run, which runs the setup first): there they fail."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from .processes import stop_process

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def manifest() -> dict:
    cache = Path(os.environ.get("JOURNEY_LOCAL_MODEL_CACHE") or Path.home() / ".cache" / "journey-extractor"
                 / "local-model")
    path = cache / "manifest.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def require(model: str) -> tuple[Path, Path]:
    """(server binary, model file), or skip (fail under JOURNEY_REQUIRE_LLAMA=1) when the setup has not run."""
    found = manifest()
    server, weights = found.get("server"), found.get("models", {}).get(model)
    if server and weights and Path(server).is_file() and Path(weights).is_file():
        return Path(server), Path(weights)
    message = f"no llama-server with the {model} model: run python evals/local_model/setup.py --models {model}"
    if os.environ.get("JOURNEY_REQUIRE_LLAMA") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 5.0) -> dict:
    with _OPENER.open(url, timeout=timeout) as response:
        return json.loads(response.read())


@contextmanager
def llama_server(model: str, context: int = 4096, slots: int = 1, startup: float = 120.0) -> Iterator[str]:
    """Yields the base URL (http://127.0.0.1:PORT/v1) of a llama-server with the model loaded and `slots` parallel
    slots of `context` tokens each (one request's whole context); stopped afterwards. On a CPU, 2-4 slots decode
    together for little more than the cost of one (the model's weights are read once per step for all of them)."""
    server, weights = require(model)
    port = _free_port()
    # The server logs every request: into a file (a pipe nobody reads fills up and blocks the server mid-run).
    # $JOURNEY_LLAMA_LOG keeps it for a look at prompt-cache hits and timings.
    log_path = Path(os.environ.get("JOURNEY_LLAMA_LOG") or tempfile.mkstemp(prefix="llama-server-", suffix=".log")[1])
    log = log_path.open("wb")
    cmd = [str(server), "-m", str(weights), "-c", str(context * slots), "-np", str(slots), "--no-kv-unified",
           "-t", str(os.cpu_count() or 2), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + startup
        while True:
            if proc.poll() is not None:
                tail = log_path.read_bytes()[-2000:].decode(errors="replace")
                raise RuntimeError(f"llama-server exited: {tail}")
            try:
                if get(f"http://127.0.0.1:{port}/health", 2.0).get("status") == "ok":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama-server did not become healthy within {startup:.0f} s")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop_process(proc, timeout=10)
        log.close()
        if not os.environ.get("JOURNEY_LLAMA_LOG"):
            log_path.unlink(missing_ok=True)

