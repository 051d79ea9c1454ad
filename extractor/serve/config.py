"""What the server runs with, and the rule that keeps it off the network without a token."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..labelling.reviewed import DEFAULT_REVIEWED

TOKEN_ENV = "JOURNEY_TOKEN"
MIN_TOKEN_CHARS = 16
MAX_BODY_BYTES = 1024 * 1024
MAX_BATCH_ITEMS = 100
MAX_TEXT_CHARS = 100_000  # as `journey extract --max-chars`
SIMILAR_ITEMS = 5
LOOPBACK_NAMES = ("localhost", "ip6-localhost")
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9._~-]+")  # unchanged in a header, a cookie and a query string


@dataclass(frozen=True)
class ServeConfig:
    """The server's address, access token, reviews file and limits."""

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    reviewed: Path = DEFAULT_REVIEWED
    max_body_bytes: int = MAX_BODY_BYTES
    similar_items: int = SIMILAR_ITEMS


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> None:
    """Refuse to listen beyond loopback without a token, or with a token too short to guess-proof."""
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise UsageError(f"the access token must have at least {MIN_TOKEN_CHARS} characters; make one with "
                         "python -c 'import secrets; print(secrets.token_urlsafe())'")
    if token is not None and not _TOKEN_CHARS.fullmatch(token):
        raise UsageError("the access token may hold letters, digits and . _ ~ - only")
    if token is None and not is_loopback(host):
        raise UsageError(f"--host {host} makes the page reachable from other machines: give an access token with "
                         f"--token or ${TOKEN_ENV} (every request must then carry it), or keep the default "
                         "--host 127.0.0.1")
