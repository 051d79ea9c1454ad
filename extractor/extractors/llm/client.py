"""One chat request through LangChain's ChatOpenAI with strict structured output, retried on transient faults.

The answer's JSON is validated by the caller (per item, so one bad item does not spoil a whole request), so only
the raw text, the finish reason and the token usage come back from here. Every attempt's usage is counted,
retries included."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

from ...errors import JourneyError, UsageError
from .settings import LLMSettings


class ModelRequestError(JourneyError):
    """A request still failed after every retry (the items it carried fall back to the rules extractor)."""


class ReplayMissingError(UsageError):
    """Replaying a cassette, a request had no recording (record it with a key, or the prompt changed)."""


@dataclass
class Usage:
    """Token and request counts of a run, from the usage the server returned."""

    requests: int = 0
    attempts: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    faults: dict[str, int] = field(default_factory=dict)

    def add(self, usage: dict[str, Any] | None) -> None:
        if not usage:
            return
        self.prompt_tokens += int(usage.get("input_tokens") or usage.get("prompt_tokens") or 0)
        self.completion_tokens += int(usage.get("output_tokens") or usage.get("completion_tokens") or 0)
        details = usage.get("input_token_details") or usage.get("prompt_tokens_details") or {}
        self.cached_tokens += int(details.get("cache_read") or details.get("cached_tokens") or 0)

    def fault(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1

    def cost(self, settings: LLMSettings) -> float | None:
        from .cost import price_of

        price = price_of(settings)
        if price is None:
            return None
        return (self.prompt_tokens * price[0] + self.completion_tokens * price[1]) / 1_000_000


@dataclass
class Reply:
    content: str
    finish_reason: str | None
    usage: dict[str, Any] | None


def response_format(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The strict JSON schema a request carries (the Batch API's request lines carry the same)."""
    return {"name": name, "schema": schema, "strict": True,
            "description": "Journey labels for every item of the request"}


class ChatModel:
    """The structured-output chain for one model and one answer schema, with retries and a rate limiter."""

    def __init__(self, settings: LLMSettings, schema: dict[str, Any], usage: Usage):
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.usage = usage
        self.answered = 0  # replies received: a server never reached fails fast instead of falling back to rules
        limiter = None
        if settings.requests_per_minute:
            from langchain_core.rate_limiters import InMemoryRateLimiter

            rps = settings.requests_per_minute / 60.0
            limiter = InMemoryRateLimiter(requests_per_second=rps, check_every_n_seconds=min(0.1, 1 / rps),
                                          max_bucket_size=max(1, min(settings.concurrency, int(rps) or 1)))
        import openai

        # A client of our own, bound to the extractor's event loop (LangChain's shared default client would be
        # bound to whichever loop used it first), with room for every concurrent request.
        self.http = openai.DefaultAsyncHttpxClient(limits=_limits(settings.concurrency))
        self.model = ChatOpenAI(
            model=settings.model, api_key=settings.api_key or "not-needed", base_url=settings.base_url,
            use_responses_api=False, max_retries=0, timeout=settings.timeout, temperature=settings.temperature,
            max_completion_tokens=settings.max_output_tokens, rate_limiter=limiter, http_async_client=self.http)
        self.chain = self.model.with_structured_output(
            response_format("BatchAnswer", schema), method="json_schema", strict=True, include_raw=True)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def ask(self, messages: list[dict[str, str]]) -> Reply:
        """The model's reply; transient faults are retried with exponential backoff (Retry-After honoured)."""
        self.usage.requests += 1
        last = "no attempt"
        for attempt in range(self.settings.max_retries + 1):
            self.usage.attempts += 1
            if attempt:
                self.usage.retries += 1
            try:
                result = await self.chain.ainvoke(messages)
            except Exception as exc:  # noqa: BLE001 - sorted into retriable or not below
                kind, wait = self._classify(exc)
                self.usage.fault(kind)
                last = f"{kind}: {_short(exc)}"
                if kind == "connection" and not self.answered and attempt >= 1 and _cannot_connect(exc):
                    where = self.settings.base_url or "https://api.openai.com/v1"
                    raise UsageError(f"cannot reach the model server at {where} ({_short(exc)}); check --base-url "
                                     "or OPENAI_BASE_URL, and that the server is running") from None
                if kind == "truncated":
                    completion = getattr(exc, "completion", None)
                    usage = getattr(completion, "usage", None)
                    self.usage.add(usage.model_dump() if usage is not None else None)
                if attempt == self.settings.max_retries:
                    break
                await asyncio.sleep(wait if wait is not None else self._backoff(attempt))
                continue
            self.answered += 1
            raw = result["raw"]
            self.usage.add(getattr(raw, "usage_metadata", None))
            content = raw.content if isinstance(raw.content, str) else "".join(
                p.get("text", "") for p in raw.content if isinstance(p, dict))
            return Reply(content, (raw.response_metadata or {}).get("finish_reason"),
                         getattr(raw, "usage_metadata", None))
        raise ModelRequestError(f"model request failed after {self.settings.max_retries + 1} attempts ({last})")

    def _backoff(self, attempt: int) -> float:
        return self.settings.backoff * (2 ** attempt) * (0.75 + 0.5 * random.random())

    @staticmethod
    def _classify(exc: BaseException) -> tuple[str, float | None]:
        """(fault kind, seconds to wait or None for the backoff). Errors that a retry cannot fix are raised."""
        import openai

        missing = _replay_missing(exc)
        if missing is not None:
            raise ReplayMissingError(missing) from None
        if isinstance(exc, openai.LengthFinishReasonError):
            return "truncated", None
        if isinstance(exc, openai.RateLimitError):
            return "429", _retry_after(exc)
        if isinstance(exc, openai.APITimeoutError):
            return "timeout", None
        if isinstance(exc, openai.APIConnectionError):
            return "connection", None
        if isinstance(exc, openai.APIStatusError):
            if exc.status_code >= 500 or exc.status_code in (408, 409):
                return str(exc.status_code), _retry_after(exc)
            if exc.status_code in (401, 403):
                raise key_refused(exc.status_code) from None
            if exc.status_code == 404:
                raise UsageError(f"the model server does not know this model or route (404): {_short(exc)}; "
                                 "check --model and --base-url") from None
            raise UsageError(f"the model server rejected the request ({exc.status_code}): {_short(exc)}") from None
        if isinstance(exc, (asyncio.TimeoutError, ConnectionError)):
            return "timeout" if isinstance(exc, asyncio.TimeoutError) else "connection", None
        raise exc


def key_refused(status: int) -> UsageError:
    return UsageError(f"the model server refused the key ({status}): set OPENAI_API_KEY to a valid key for this "
                      "server")


def _limits(concurrency: int):
    """Connection limits from the HTTP package openai uses (httpx2 from openai 3 on, httpx before)."""
    import importlib

    import openai

    httpx = importlib.import_module(openai.DefaultAsyncHttpxClient.__mro__[1].__module__.split(".")[0])
    return httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)


def _retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name in ("retry-after-ms", "retry-after"):
        value = headers.get(name)
        if value:
            try:
                seconds = float(value) / (1000 if name.endswith("ms") else 1)
            except ValueError:
                continue
            return min(max(seconds, 0.0), 120.0)
    return None


def _cannot_connect(exc: BaseException) -> bool:
    """True when the connection was refused or the host not found (not a reset of a working connection)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if type(seen).__name__ == "ConnectError":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _replay_missing(exc: BaseException) -> str | None:
    """The message when vcrpy refused a request that its cassette does not hold (wrapped by openai)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if type(seen).__name__ == "CannotOverwriteExistingCassetteException":
            return ("a model request has no recording in the cassette (the prompt, model or input changed, or the "
                    "cassette is from another run); re-record it with a key: --record-mode new_episodes. "
                    f"vcrpy: {str(seen).splitlines()[0]}")
        seen = seen.__cause__ or seen.__context__
    return None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
