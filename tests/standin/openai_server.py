"""A loopback stand-in for an OpenAI-compatible server, for tests only (never a measure of model quality).

    python tests/standin/openai_server.py [--port 0]

Prints `PORT <n>` once listening. Serves POST /v1/embeddings with deterministic vectors (a hash of each input's
words, so similar texts get similar vectors) and GET /stats with the number of requests served.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIM = 64
_WORD = re.compile(r"\w+")
REQUESTS = {"embeddings": 0}


def embed(text: str, dim: int = DIM) -> list[float]:
    vector = [0.0] * dim
    for word in _WORD.findall(text.lower()):
        h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
        vector[h % dim] += 1.0 if h & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        if self.path.rstrip("/").endswith("/stats"):
            self._send(200, REQUESTS)
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._send(400, {"error": {"message": "invalid JSON"}})
            return
        if self.path.rstrip("/").endswith("/embeddings"):
            REQUESTS["embeddings"] += 1
            inputs = body.get("input")
            inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
            dim = int(body.get("dimensions") or DIM)
            data = [{"object": "embedding", "index": i, "embedding": embed(str(t), dim)} for i, t in enumerate(inputs)]
            tokens = sum(len(_WORD.findall(str(t))) for t in inputs)
            self._send(200, {"object": "list", "data": data, "model": body.get("model", "standin"),
                             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})
            return
        self._send(404, {"error": {"message": f"no route {self.path}"}})


class Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
