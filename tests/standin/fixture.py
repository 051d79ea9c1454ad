"""Start the stand-in OpenAI-compatible server as a real process on loopback."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

SERVER = Path(__file__).with_name("openai_server.py")


@contextmanager
def standin_server() -> Iterator[str]:
    """Yields the server's base URL (http://127.0.0.1:PORT/v1); the process is stopped afterwards."""
    proc = subprocess.Popen([sys.executable, str(SERVER), "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"stand-in server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
