"""Client-side rate limits on requests and tokens a minute, and the pauses a provider's headers ask for.

OpenAI counts a request's prompt plus the answer cap it asks for against the tokens-a-minute limit, so a request
books `reserve` tokens before it is sent. Without a setting, the limits the provider reports
(`x-ratelimit-limit-requests/-tokens`) are adopted from the first answer, and a response whose
`x-ratelimit-remaining-*` runs low pauses new requests until its `x-ratelimit-reset-*`."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Mapping

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def reset_seconds(value: str | None) -> float | None:
    """OpenAI's reset durations ("1s", "6m0s", "20ms", "1m30.5s"), or plain seconds ("2.5")."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * UNITS[u] for n, u in parts)


class _Bucket:
    """A bucket refilled continuously at `per_minute`, holding at most `burst` minutes' worth. A request waits until
    the bucket holds its need (or is full, for a need larger than the bucket) and then takes all of it, so the level
    may go below zero and the requests after it wait for the average rate to catch up."""

    def __init__(self, per_minute: float, burst: float):
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, per_minute * burst)
        self.level = self.capacity
        self.stamp = time.monotonic()

    def _refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, amount: float, now: float) -> float:
        self._refill(now)
        need = min(amount, self.capacity)
        return 0.0 if self.level >= need else (need - self.level) / self.rate

    def take(self, amount: float) -> None:
        self.level -= amount


class RateLimiter:
    """Requests and tokens a minute (either may be None = unlimited), plus pauses asked for by the server."""

    def __init__(self, requests_per_minute: float | None, tokens_per_minute: float | None):
        self.requests = _requests_bucket(requests_per_minute) if requests_per_minute else None
        self.tokens = _tokens_bucket(tokens_per_minute) if tokens_per_minute else None
        self._set_requests = requests_per_minute is not None
        self._set_tokens = tokens_per_minute is not None
        self.paused_until = 0.0
        self.waited = 0.0  # seconds requests spent waiting here, for the run summary
        self._lock: asyncio.Lock | None = None

    async def acquire(self, tokens: int) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one request at a time books, in order
            while True:
                now = time.monotonic()
                wait = max(self.paused_until - now,
                           self.requests.wait_for(1, now) if self.requests else 0.0,
                           self.tokens.wait_for(tokens, now) if self.tokens else 0.0)
                if wait <= 0:
                    break
                self.waited += wait
                await asyncio.sleep(min(wait, 60.0))
            if self.requests:
                self.requests.take(1)
            if self.tokens:
                self.tokens.take(tokens)

    def pause(self, seconds: float) -> None:
        """No new request for `seconds` (a 429's retry-after or reset)."""
        self.paused_until = max(self.paused_until, time.monotonic() + max(0.0, seconds))

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adopt the provider's limits when none was set; pause when a remaining count reaches zero."""
        if not headers:
            return
        lower = {str(k).lower(): v for k, v in headers.items()}
        for kind in ("requests", "tokens"):
            limit = _number(lower.get(f"x-ratelimit-limit-{kind}"))
            if limit:
                if kind == "requests" and not self._set_requests and self.requests is None:
                    self.requests = _requests_bucket(limit)
                if kind == "tokens" and not self._set_tokens and self.tokens is None:
                    self.tokens = _tokens_bucket(limit)
            remaining = _number(lower.get(f"x-ratelimit-remaining-{kind}"))
            reset = reset_seconds(lower.get(f"x-ratelimit-reset-{kind}"))
            if remaining is not None and remaining <= 0 and reset:
                self.pause(min(reset, 120.0))


def _requests_bucket(per_minute: float) -> _Bucket:
    """Requests evenly spaced: no burst beyond one request."""
    return _Bucket(per_minute, 0.0)


def _tokens_bucket(per_minute: float) -> _Bucket:
    """Tokens with a burst of ten seconds' worth."""
    return _Bucket(per_minute, 1 / 6)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
