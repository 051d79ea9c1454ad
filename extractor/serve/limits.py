"""Request body limit and the last-resort error guard, as plain ASGI middleware around the whole app.

The body limit answers 413 from the Content-Length header before anything is read, and counts the bytes of
bodies without one (chunked) as they arrive, stopping at the limit: no body over the limit is ever held whole.
The guard turns any exception that escapes the app into a short JSON 500 and one log line without a stack
trace, so no request can print a traceback or stop the server.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, MutableMapping

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("journey.serve")


class BodyTooLarge(HTTPException):
    """A request body over the limit (raised from `receive`, so the framework answers it as an HTTP error)."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body over the limit of {limit:,} bytes ({limit // 1024:,} KB): send "
                              "shorter texts, or fewer items per batch")


async def send_json(send: Send, status: int, payload: dict[str, Any], headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class WatchedSend:
    """`send`, remembering whether the response has started (after that, no other answer can be sent)."""

    def __init__(self, send: Send):
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)


class BodyLimit:
    """413 for request bodies over `limit` bytes, with or without a Content-Length."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            await send_json(send, 400, {"detail": "the Content-Length header is not a number"})
            return
        if declared is not None and declared > self.limit:
            await send_json(send, 413, {"detail": BodyTooLarge(self.limit).detail})
            return
        received = 0
        watched = WatchedSend(send)

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:  # read outside the framework's routing (it answers the rest itself)
            if not watched.started:
                await send_json(send, 413, {"detail": exc.detail})


def _content_length(scope: Scope) -> int | None:
    """The declared body size; None without the header, -1 when it is not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.strip().isdigit() else -1
    return None


class ErrorGuard:
    """The outermost layer: whatever escapes the app is logged in one line and answered with a JSON 500."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        watched = WatchedSend(send)
        try:
            await self.app(scope, receive, watched)
        except Exception as exc:  # noqa: BLE001 - the server must keep serving whatever a request did
            log.error("%s %s failed: %s", scope.get("method"), scope.get("path"), describe(exc))
            if not watched.started:
                await send_json(send, 500, {"detail": "internal error while handling the request; the server "
                                                      "logged it and keeps serving"})


def describe(exc: BaseException) -> str:
    """One line for the log: the exception's type and message, no stack."""
    text = str(exc).splitlines()[0][:300] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
