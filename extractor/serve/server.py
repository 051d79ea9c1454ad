"""Binding the address and running uvicorn: the socket is bound first, so a taken port is a clear error and
`--port 0` knows its real port before the first request."""

from __future__ import annotations

import logging
import re
import socket
from copy import deepcopy

from ..errors import UsageError

BACKLOG = 2048  # uvicorn's default
_TOKEN_IN_PATH = re.compile(r"([?&]token=)[^&\s\"]*")


class ServeError(UsageError):
    """The server cannot listen where it was asked to."""


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket listening on host:port (port 0: a free one); connections wait in its backlog until uvicorn
    accepts them, so the address printed at start can be used at once."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ServeError(f"--host {host}: not an address this machine has ({exc.strerror})") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}"
                         + (" (another server uses that port: pick another with --port, or --port 0)"
                            if exc.errno in (98, 48, 10048) else "")) from None
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


class RedactToken(logging.Filter):
    """Access log lines never show a `?token=` value."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_IN_PATH.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        return True


def log_config(access_log: bool) -> dict:
    """uvicorn's logging, plus the server's own logger and the token filter."""
    from uvicorn.config import LOGGING_CONFIG

    config = deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_token": {"()": RedactToken}}
    config["handlers"]["access"]["filters"] = ["redact_token"]
    config["loggers"]["journey.serve"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    if not access_log:
        config["loggers"]["uvicorn.access"]["level"] = "WARNING"
    return config


def run(app, sock: socket.socket, *, access_log: bool = True) -> None:
    """Serve until Ctrl-C (or SIGTERM); returns after a graceful shutdown."""
    import uvicorn

    config = uvicorn.Config(app, log_config=log_config(access_log), access_log=access_log, server_header=False,
                            lifespan="on", timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[sock])
