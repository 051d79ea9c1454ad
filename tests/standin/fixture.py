"""Start the stand-in OpenAI-compatible server as a real process on loopback, and talk to its test controls."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..processes import stop_process

SERVER = Path(__file__).with_name("openai_server.py")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only: never through a proxy


@contextmanager
def standin_server(*, latency: float = 0.0, batch_polls: int = 2) -> Iterator[str]:
    """Yields the server's base URL (http://127.0.0.1:PORT/v1); the process is stopped afterwards.

    latency: seconds every chat completion waits before answering; batch_polls: retrieves until a batch completes."""
    cmd = [sys.executable, str(SERVER), "--port", "0", "--latency", str(latency), "--batch-polls", str(batch_polls)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"stand-in server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/v1"
    finally:
        stop_process(proc, timeout=10)
        if proc.stdout:
            proc.stdout.close()


def _root(base_url: str) -> str:
    base = base_url.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def _call(base_url: str, route: str, payload: dict | None = None, method: str = "GET") -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(f"{_root(base_url)}/{route}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with _OPENER.open(request, timeout=10) as response:
        return json.loads(response.read())


def control(base_url: str, **payload: Any) -> dict:
    """POST /control: latency=float, faults=[kind, ...] (queued), retry_after=float, triggers={WORD: kind} (a fault
    for every request carrying WORD), context=int (tokens); returns the resulting state."""
    return _call(base_url, "control", payload, "POST")


def stats(base_url: str) -> dict:
    """GET /stats: the server's counters."""
    return _call(base_url, "stats")


def captured_requests(base_url: str) -> list[dict]:
    """GET /requests: the JSON bodies of the chat completion requests received (the last 5,000)."""
    return _call(base_url, "requests")


def reset(base_url: str) -> dict:
    """POST /reset: clears counters, captured requests, queued faults, the prompt cache; latency back to the start."""
    return _call(base_url, "reset", {}, "POST")
