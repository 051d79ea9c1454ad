"""Who may talk to the server.

With a token (needed beyond loopback), every request must carry it: `Authorization: Bearer TOKEN` (the API), or
the cookie that opening the page once with `?token=TOKEN` sets (the browser; the address is then cleaned of it).
Without a token the server listens on loopback only, and requests must name a loopback host, so a web page
elsewhere cannot reach it through a DNS name that points at 127.0.0.1.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from .config import is_loopback
from .limits import ASGIApp, Receive, Scope, Send, send_json

COOKIE = "journey_token"
QUERY = "token"


class TokenGate:
    """401 for requests without the access token; 403 for non-loopback Host names when there is no token."""

    def __init__(self, app: ASGIApp, token: str | None):
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name: value.decode("latin-1") for name, value in scope.get("headers", ())}
        if self.token is None:
            if not is_loopback(_host_name(headers.get(b"host", ""))):
                await send_json(send, 403, {"detail": "this server answers on loopback addresses only "
                                                      "(open http://127.0.0.1:PORT/)"})
                return
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if self._matches(query.get(QUERY)):
            if scope.get("method") == "GET" and scope.get("path") == "/":  # keep it in a cookie, not the address bar
                await _redirect_without_token(scope, send, query, self.token)
                return
            await self.app(scope, receive, send)
            return
        bearer = headers.get(b"authorization", "")
        given = bearer[7:].strip() if bearer[:7].lower() == "bearer " else _cookie(headers.get(b"cookie", ""))
        if not self._matches(given):
            await send_json(send, 401, {"detail": "an access token is required: send 'Authorization: Bearer TOKEN', "
                                                  "or open the page once as /?token=TOKEN"},
                            [(b"www-authenticate", b"Bearer")])
            return
        await self.app(scope, receive, send)

    def _matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8"))


def _host_name(host: str) -> str:
    """The name part of a Host header ('127.0.0.1:8000' -> '127.0.0.1', '[::1]:80' -> '::1')."""
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _cookie(header: str) -> str | None:
    cookie = SimpleCookie()
    try:
        cookie.load(header)
    except Exception:  # noqa: BLE001 - a malformed Cookie header is just no token
        return None
    morsel = cookie.get(COOKIE)
    return morsel.value if morsel is not None else None


async def _redirect_without_token(scope: Scope, send: Send, query: dict[str, str], token: str) -> None:
    rest = urlencode({k: v for k, v in query.items() if k != QUERY})
    location = scope.get("root_path", "") + scope.get("path", "/") + (f"?{rest}" if rest else "")
    cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode("latin-1")),
                            (b"content-length", b"0"), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": b""})
