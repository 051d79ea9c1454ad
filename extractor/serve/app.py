"""The web app: FastAPI for the page and the API, wrapped in the guards every request passes.

The API docs (/docs) load Swagger UI from the fastapi-offline package, not a CDN, so they work offline too (ReDoc
is off: its page fetches a logo from its CDN). Outside in: ErrorGuard (nothing escapes as a traceback) -> TokenGate (401 without the token; loopback-only
Host names without one) -> BodyLimit (413 over 1 MB) -> FastAPI (routes, validation as 422, JSON errors).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import JourneyError
from ..labelling.reviewed import ReviewedError
from ..schema import TAXONOMY_KINDS
from .api import LabelRequest, api_router
from .auth import TokenGate
from .desk import SupportDesk
from .limits import BodyLimit, ErrorGuard, describe
from .page import render_card, render_page, ui_lang

log = logging.getLogger("journey.serve")
UI_COOKIE = "journey_ui"


class CardRequest(LabelRequest):
    """The page's request for a card: an item, and the page language the agent picked (if any)."""

    ui: str | None = None


def create_app(desk: SupportDesk):
    """The ASGI app to serve: the FastAPI app inside the guards."""
    api = fastapi_app(desk)
    return ErrorGuard(TokenGate(BodyLimit(api, desk.config.max_body_bytes), desk.config.token))


def fastapi_app(desk: SupportDesk) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        desk.close()

    app = FastAPIOffline(redoc_url=None, title="journey-extractor support desk",
                  description="Label one ticket or a batch with the journey taxonomy; save agents' reviews.",
                  version="1", lifespan=lifespan)
    app.include_router(api_router(desk))
    _add_error_handlers(app)
    _declare_taxonomy(app, desk.taxonomy)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page(request: Request) -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        lang = ui_lang(request.cookies.get(UI_COOKIE)) or ui_lang(request.headers.get("accept-language")) or "en"
        html = render_page(lang=lang, nonce=nonce, tax=desk.taxonomy, extractor=desk.extractor.name,
                           store=desk.similar.where if desk.similar.available else None,
                           store_problem=desk.similar.problem)
        return HTMLResponse(html, headers=_page_headers(nonce))

    @app.post("/ui/card", response_class=HTMLResponse, include_in_schema=False)
    async def card(request: CardRequest) -> HTMLResponse:
        item = request.item()
        record_json, similar = await asyncio.gather(
            desk.extractor.label(item), desk.similar.find_async(item.text, desk.config.similar_items))
        record = json.loads(record_json)
        lang = ui_lang(request.ui) or ui_lang(record.get("lang")) or "en"
        return HTMLResponse(render_card(record, item.text, desk.taxonomy, lang, similar))

    return app


LABEL_MODELS = ("ExtractedLabels", "ReviewedLabels")


def _declare_taxonomy(app: FastAPI, taxonomy) -> None:
    """The OpenAPI document lists the served taxonomy's ids wherever a review names a label, as the server
    enforces them (a stage outside the taxonomy is refused with a 422)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            ids = {field: taxonomy.ids(kind) for field, kind in TAXONOMY_KINDS.items()}
            for name, component in schema.get("components", {}).get("schemas", {}).items():
                if name.split("-")[0] not in LABEL_MODELS:
                    continue
                for field, allowed in ids.items():
                    declared = component["properties"][field]
                    (declared["items"] if declared.get("type") == "array" else declared)["enum"] = list(allowed)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _page_headers(nonce: str) -> dict[str, str]:
    """Nothing on the page may come from elsewhere: it works offline, and injected markup cannot run."""
    policy = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
              "img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    return {"content-security-policy": policy, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
            "cache-control": "no-store"}


def validation_message(errors: list[dict[str, Any]]) -> str:
    """One line a person can act on, from pydantic's errors."""
    parts = []
    for error in errors[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        if error.get("type") == "json_invalid":
            parts.append(f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'decode error')})")
        elif error.get("type") == "missing" and where == "body":
            parts.append("the body must be a JSON object")
        else:
            parts.append(f"{where}: {str(error.get('msg', 'invalid')).removeprefix('Value error, ')}")
    return "; ".join(dict.fromkeys(parts))


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": [p for p in e.get("loc", ()) if p != "body"], "msg": e.get("msg"), "type": e.get("type")}
                  for e in exc.errors()]
        return JSONResponse({"detail": validation_message(list(exc.errors())), "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, UnicodeDecodeError):  # the framework's "error parsing the body" (a 400)
            return JSONResponse({"detail": "the body is not UTF-8 JSON"}, status_code=422)
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(ReviewedError)
    async def not_saved(request: Request, exc: ReviewedError) -> JSONResponse:
        log.error("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": str(exc)}, status_code=500)

    @app.exception_handler(JourneyError)
    async def refused(_request: Request, exc: JourneyError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        # Starlette re-raises after this answer; ErrorGuard logs it in one line and swallows it.
        return JSONResponse({"detail": f"internal error while handling the request ({describe(exc).split(':')[0]}); "
                                       "the server logged it and keeps serving"}, status_code=500)
