"""One chat request through LangChain's ChatOpenAI, with the provider's parameters, a strict JSON schema as the
response format, rate limits on requests and tokens, and retries of what a retry can fix.

What comes back is the raw answer (text, finish reason, refusal, usage): the caller validates it item by item and
decides what a cut answer, a filtered one or a refusal means for its items. Faults are sorted here:
- transient (429, 5xx, timeouts, resets): retried with backoff, honouring `retry-after` and `x-ratelimit-reset-*`;
- the request's content refused (content filter, context length, an over-long message): `RequestRejected`, so the
  caller can split the request until the offending item is alone;
- the request itself malformed (bad key, unknown model, a parameter or response format the server does not take,
  no quota left): `UsageError` at once, the same answer would come back for every request.
Every attempt's usage is counted, retries included."""

from __future__ import annotations

import asyncio
import functools
import json
import random
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from ...errors import JourneyError, UsageError
from .provider import Provider, bounded, is_reasoning_model, response_format
from .ratelimit import RateLimiter, reset_seconds
from .settings import LLMSettings


class ModelRequestError(JourneyError):
    """A request still failed after every retry (the items it carried fall back to the rules extractor)."""


class RequestRejected(JourneyError):
    """The server refused this request for what it carries (`kind`: content_filter, context_length, too_long):
    another request, without the offending item, can succeed."""

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.detail = message


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
        from .cost import cost_of, price_of

        price = price_of(settings)
        if price is None:
            return None
        return cost_of(price, self.prompt_tokens, self.cached_tokens, self.completion_tokens)


@dataclass
class Reply:
    content: str
    finish_reason: str | None
    usage: dict[str, Any] | None
    refusal: str | None = None


def request_params(settings: LLMSettings, provider: Provider, schema: dict[str, Any], max_tokens: int,
                   temperature: float | None, ids: Sequence[int] | None = None,
                   clauses: Sequence[int] | None = None) -> dict[str, Any]:
    """The body parameters of one request besides model and messages (the Batch API's lines carry the same).
    `ids`: the item numbers the request asks for; where the provider's grammar can hold them to it (llama.cpp),
    the answer must carry exactly those, in order (a list of entries without their ids, which ChatModel.ask puts
    back), and (`clauses`, each item's clause count, for a prompt that numbers clauses) refer to clauses each item
    has."""
    params: dict[str, Any] = {provider.max_tokens_param: max_tokens}
    if provider.schema_form == "grammar":
        params["grammar"] = _grammar(json.dumps(bounded(schema) if provider.bounded else schema),
                                     tuple(ids) if ids else None, tuple(clauses) if ids and clauses else None)
    else:
        params["response_format"] = response_format(provider, "BatchAnswer", schema, len(ids) if ids else None)
    if is_reasoning_model(settings.model):
        if settings.reasoning_effort is not None:
            params["reasoning_effort"] = settings.reasoning_effort
    elif temperature is not None:
        params["temperature"] = temperature
    return params


@functools.lru_cache(maxsize=64)
def _grammar(schema_json: str, ids: tuple[int, ...] | None, clauses: tuple[int, ...] | None) -> str:
    from .grammar import schema_grammar

    return schema_grammar(json.loads(schema_json), ids, clauses, positional=ids is not None)


class ChatModel:
    """The chat model for one run: one schema, the provider's parameters, retries and rate limits."""

    def __init__(self, settings: LLMSettings, provider: Provider, schema: dict[str, Any], usage: Usage):
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.provider = provider
        self.schema = schema
        self.usage = usage
        self.answered = 0  # replies received: a server never reached fails fast instead of falling back to rules
        self.limiter = RateLimiter(settings.requests_per_minute, settings.tokens_per_minute)
        import openai

        # A client of our own, bound to the extractor's event loop (LangChain's shared default client would be
        # bound to whichever loop used it first), with room for every concurrent request.
        self.http = openai.DefaultAsyncHttpxClient(limits=_limits(settings.concurrency))
        timeout = settings.timeout or provider.answer_timeout(settings.context_window or provider.context_window)
        self.model = ChatOpenAI(
            model=settings.model, api_key=settings.api_key or "not-needed", base_url=settings.base_url,
            use_responses_api=False, max_retries=0, timeout=timeout, temperature=None,
            include_response_headers=True, http_async_client=self.http)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def ask(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float | None = None,
                  reserve: int = 0, ids: Sequence[int] | None = None, clauses: Sequence[int] | None = None
                  ) -> Reply:
        """The model's reply. `reserve` is the prompt + answer tokens the rate limiter books for the request; `ids`
        the item numbers it asks for, `clauses` their items' clause counts (a prompt that numbers clauses)."""
        self.usage.requests += 1
        params = request_params(self.settings, self.provider, self.schema, max_tokens,
                                self.settings.temperature if temperature is None else temperature, ids, clauses)
        # Through extra_body, so LangChain sends the parameters as given (it renames max_tokens, and its parse
        # path raises on a cut answer instead of returning it) and the answer comes back as text we validate.
        extra = {"extra_body": params}
        last = "no attempt"
        for attempt in range(self.settings.max_retries + 1):
            self.usage.attempts += 1
            if attempt:
                self.usage.retries += 1
            await self.limiter.acquire(reserve or max_tokens)
            try:
                raw = await self.model.ainvoke(messages, **extra)
            except Exception as exc:  # noqa: BLE001 - sorted into retriable or not below
                kind, wait = self._classify(exc)
                self.usage.fault(kind)
                last = f"{kind}: {short_error(exc)}"
                if kind == "connection" and not self.answered and attempt >= 1 and _cannot_connect(exc):
                    where = self.settings.base_url or "https://api.openai.com/v1"
                    raise UsageError(f"cannot reach the model server at {where} ({short_error(exc)}); check --base-url "
                                     "or OPENAI_BASE_URL, and that the server is running") from None
                if attempt == self.settings.max_retries:
                    break
                if wait is not None:
                    self.limiter.pause(wait)
                await asyncio.sleep(wait if wait is not None else self._backoff(attempt))
                continue
            self.answered += 1
            meta = raw.response_metadata or {}
            self.limiter.observe(meta.get("headers") or {})
            self.usage.add(getattr(raw, "usage_metadata", None))
            content = raw.content if isinstance(raw.content, str) else "".join(
                p.get("text", "") for p in raw.content if isinstance(p, dict))
            if ids and self.provider.schema_form == "grammar":  # the grammar had it leave the ids out
                from .grammar import with_ids

                content = with_ids(content, ids)
            refusal = (raw.additional_kwargs or {}).get("refusal")
            return Reply(content, meta.get("finish_reason"), getattr(raw, "usage_metadata", None),
                         str(refusal) if refusal else None)
        raise ModelRequestError(f"model request failed after {self.settings.max_retries + 1} attempts ({last})")

    def _backoff(self, attempt: int) -> float:
        return self.settings.backoff * (2 ** attempt) * (0.75 + 0.5 * random.random())

    def _classify(self, exc: BaseException) -> tuple[str, float | None]:
        """(fault kind, seconds to wait or None for the backoff) of a retriable fault; raises the others."""
        import openai

        missing = replay_missing(exc)
        if missing is not None:
            raise ReplayMissingError(missing) from None
        if isinstance(exc, openai.RateLimitError):
            if _code(exc) == "insufficient_quota":
                raise UsageError(f"the provider says the account has no quota left (429 insufficient_quota): "
                                 f"{_message(exc)}") from None
            return "429", _wait_of(exc)
        if isinstance(exc, openai.APITimeoutError):
            return "timeout", None
        if isinstance(exc, openai.APIConnectionError):
            return "connection", None
        if isinstance(exc, openai.APIStatusError):
            return self._status(exc)
        if isinstance(exc, (asyncio.TimeoutError, ConnectionError)):
            return "timeout" if isinstance(exc, asyncio.TimeoutError) else "connection", None
        raise exc

    def _status(self, exc: Any) -> tuple[str, float | None]:
        status, message, code = exc.status_code, _message(exc), _code(exc)
        rejected = rejection_kind(status, message, code)
        if rejected is not None:
            raise RequestRejected(rejected, message) from None
        if status in (401, 403):
            raise key_refused(status) from None
        if status == 404:
            raise UsageError(f"the model server does not know this model or route (404): {message}; check --model "
                             "and --base-url") from None
        if _names_the_request(message):  # a server that says so with a 500 (llama-cpp-python does) is not transient
            hint = ""
            if "response_format" in message or "json_schema" in message:
                hint = "; this server takes another structured-output form: try --provider llama-cpp-python"
            raise UsageError(f"the model server cannot take this request ({status}): {message}{hint}") from None
        if status >= 500 or status in (408, 409):
            return str(status), _wait_of(exc)
        raise UsageError(f"the model server rejected the request ({status}): {message}") from None


_CONTEXT = re.compile(r"context[ _-]?(length|window|size)|maximum context|exceed_context|too many tokens|"
                      r"prompt is too long|input is too long|reduce the length", re.IGNORECASE)
_FILTER = re.compile(r"content[ _-]?(filter|management|policy)|responsibleaipolicy|safety system", re.IGNORECASE)
_TOO_LONG = re.compile(r"string too long|maximum length|too large", re.IGNORECASE)
_REQUEST = re.compile(r"unsupported|not supported|unrecognized|unknown (parameter|field|argument)|"
                      r"extra (inputs|fields) (are )?not permitted|invalid (type|value) for|response_format|"
                      r"must be (one of|either)", re.IGNORECASE)


def rejection_kind(status: int, message: str, code: str | None) -> str | None:
    """content_filter / context_length / too_long when a 400-class answer blames what the request carries."""
    if status not in (400, 413, 422):
        return None
    if code in ("content_filter", "content_policy_violation") or _FILTER.search(message):
        return "content_filter"
    if code in ("context_length_exceeded", "exceed_context_size_error") or _CONTEXT.search(message):
        return "context_length"
    if status == 413 or code == "string_above_max_length" or _TOO_LONG.search(message):
        return "too_long"
    return None


def _names_the_request(message: str) -> bool:
    return bool(_REQUEST.search(message))


def key_refused(status: int) -> UsageError:
    return UsageError(f"the model server refused the key ({status}): set OPENAI_API_KEY to a valid key for this "
                      "server")


def _limits(concurrency: int):
    """Connection limits from the HTTP package openai uses (httpx2 from openai 3 on, httpx before)."""
    import importlib

    import openai

    httpx = importlib.import_module(openai.DefaultAsyncHttpxClient.__mro__[1].__module__.split(".")[0])
    return httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)


def _body(exc: Any) -> dict[str, Any]:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return body if isinstance(body, dict) else {}


def _message(exc: Any) -> str:
    body = _body(exc)
    message = body.get("message") if isinstance(body.get("message"), str) else None
    return (message or short_error(exc))[:300]


def _code(exc: Any) -> str | None:
    body = _body(exc)
    for key in ("code", "type"):
        if isinstance(body.get(key), str):
            if key == "type" and body[key] in ("invalid_request_error", "server_error", "BadRequestError"):
                continue
            return body[key]
    inner = body.get("innererror")
    if isinstance(inner, dict) and isinstance(inner.get("code"), str):
        return "content_filter" if "ResponsibleAIPolicy" in inner["code"] else inner["code"]
    return None


def _wait_of(exc: Any) -> float | None:
    """Seconds the server asks us to wait: retry-after(-ms), else the later of x-ratelimit-reset-requests/-tokens
    when the matching remaining count is 0 (or both when it does not say)."""
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
    waits = []
    for kind in ("requests", "tokens"):
        remaining = headers.get(f"x-ratelimit-remaining-{kind}")
        reset = reset_seconds(headers.get(f"x-ratelimit-reset-{kind}"))
        if reset is not None and (remaining is None or str(remaining).strip() in ("0", "0.0")):
            waits.append(reset)
    if not waits:
        for kind in ("requests", "tokens"):
            reset = reset_seconds(headers.get(f"x-ratelimit-reset-{kind}"))
            if reset is not None:
                waits.append(reset)
    return min(max(waits), 120.0) if waits else None


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


def replay_missing(exc: BaseException) -> str | None:
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


def short_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]

