"""The web application: pages for people, ``/api/v1`` for programs, one error shape.

``create_app`` opens the database once and builds the ASGI application; ``app_from_env``
does the same from ``MEALINK_*`` variables, so ``mealink serve --workers N`` can start
several processes that each build their own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import mealink
from mealink.environment import env_number
from mealink.errors import ConflictError, MealinkError, NotFoundError, StoreError
from mealink.store.engine.database import Store, open_store
from mealink.store.search.meaning import forget_int8, keep_int8
from mealink.store.search.postings import forget, keep_in_memory
from mealink.store.users import secret_key
from mealink.web.middleware import Hardening, WriteGate, served_hosts
from mealink.web.security import AuthError, ServerSessions, WebConfig, hashing_pool

__all__ = ["app_from_env", "create_app"]

log = logging.getLogger("mealink.web")

_SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
_CODES = {400: "bad_request", 401: "sign_in_required", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large",
          414: "uri_too_long", 422: "invalid_request", 431: "headers_too_large",
          500: "internal_error", 503: "unavailable"}


class SecurityHeaders:
    """Adds the security headers to every response and refuses NUL characters in the
    address (a plain ASGI middleware: cheap)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            # no database keeps NUL in text: refuse it before it reaches one
            status, body = 400, error_body(400, "bad_request",
                                           "the address holds a NUL character (%00)")
            await JSONResponse(body, status_code=status)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + _SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def error_status(exc: Exception) -> tuple[int, str, str]:
    """(HTTP status, code, message) for anything a request can fail with."""
    if isinstance(exc, AuthError):
        return exc.status, exc.code, exc.message
    if isinstance(exc, NotFoundError):
        return 404, "not_found", exc.message
    if isinstance(exc, ConflictError):
        return 409, "conflict", exc.message
    if isinstance(exc, StoreError):
        return 503, "unavailable", exc.message
    if isinstance(exc, MealinkError):
        return 400, "bad_request", exc.message
    if isinstance(exc, RequestValidationError):
        return 422, "invalid_request", validation_message(exc.errors())
    if isinstance(exc, HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else _CODES.get(exc.status_code, "")
        return exc.status_code, _CODES.get(exc.status_code, "error"), detail
    return 500, "internal_error", "something went wrong on the server; it has been logged"


def validation_message(errors: Any) -> str:
    """One line saying which parameter is wrong and how ('limit' in the query: ...)."""
    parts = []
    for e in list(errors)[:3]:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path")]
        where = ".".join(loc) or "the request"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The one JSON error shape of the API."""
    return {"error": {"status": status, "code": code, "message": message}}


async def _on_error(request: Request, exc: Exception) -> Response:
    status, code, message = error_status(exc)
    if status >= 500:
        log.exception("error serving %s", request.scope["path"], exc_info=exc)
    return _error_response(request, status, code, message)


def _error_response(request: Request, status: int, code: str, message: str) -> Response:
    """JSON for the API, the HTML error page elsewhere."""
    if request.scope["path"].startswith("/api/"):
        headers = {"www-authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(error_body(status, code, message), status_code=status,
                            headers=headers)
    from mealink.web.pages import error_page
    return error_page(request, status, code, message)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, code: str,
                  message: str) -> None:
    """A request a middleware refuses, answered as the application answers errors; the
    Host header is left out so that an untrusted or broken one cannot shape the page."""
    kept = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"host"]}
    await _error_response(Request(kept, receive), status, code, message)(kept, receive, send)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # A few threads per worker run the (synchronous) handlers: the work is CPU-bound, and
    # forty threads fighting over the interpreter lock halved a worker's throughput
    config: WebConfig = app.state.config
    anyio.to_thread.current_default_thread_limiter().total_tokens = config.threads
    # a server answers many searches: it holds SQLite's full-text index in memory, read
    # again in the background whenever it changes (FTS5 answers meanwhile), and an int8
    # copy of the sentence vectors to rank every row against
    store: Store = app.state.store
    keep_in_memory(store)
    keep_int8(store)
    try:
        yield
    finally:
        forget(store)
        forget_int8(store)


def create_app(config: WebConfig | None = None, hosts: Iterable[str] | None = None
               ) -> FastAPI:
    """The application over the database ``config.db`` (created or upgraded if needed),
    answering only to the Host names ``hosts`` (None: any, as a library embeds it)."""
    from mealink.web.api import router as api_router
    from mealink.web.api_diff import router as diff_api_router
    from mealink.web.api_export import router as export_router
    from mealink.web.api_workplans import router as workplans_api_router
    from mealink.web.diff import router as diff_router
    from mealink.web.pages import router as pages_router
    from mealink.web.reporting import api_router as reporting_api
    from mealink.web.reporting import pages_router as reporting_pages
    from mealink.web.workplans import router as workplans_router

    config = config or WebConfig()
    store = open_store(config.db, create=True)
    app = FastAPI(title="mealink", version=mealink.__version__,
                  description="Resolutions and decisions of environmental treaties as linked, "
                              "searchable, trackable data.",
                  docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json",
                  lifespan=_lifespan)
    app.state.store = store
    app.state.config = config
    for exc_type in (Exception, HTTPException, RequestValidationError, MealinkError,
                     AuthError):
        app.add_exception_handler(exc_type, _on_error)
    app.add_middleware(WriteGate, refuse=_refuse)  # inside the session: it needs the user
    app.state.session_secret = secret_key(store)  # derives each session's CSRF token
    app.state.hash_pool = hashing_pool(config.hash_slots)
    app.add_middleware(ServerSessions, store=store, config=config)
    app.add_middleware(Hardening, refuse=_refuse, hosts=hosts, hsts=config.secure_cookies)
    app.add_middleware(SecurityHeaders)
    static = resources.files("mealink.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(export_router)  # before /documents/{id:path} takes the suffix
    app.include_router(workplans_api_router)  # before /mandates/{id:path} and /{id:path}
    app.include_router(api_router)
    app.include_router(diff_api_router)
    app.include_router(workplans_router)
    app.include_router(reporting_api)
    app.include_router(reporting_pages)  # before /{document_id:path} takes its paths
    app.include_router(diff_router)  # before /{id:path}
    app.include_router(pages_router)
    return app


def _env_number(var: str, default: float, unit: str) -> float:
    """A positive number from the environment, or its default; one line naming the
    variable when it is not one."""
    value = env_number(var, default, zero=False)
    if value is None:
        raise MealinkError(f"{var}={os.environ[var].strip()!r}: give a number of {unit} "
                           "greater than 0")
    return value


def config_from_env() -> WebConfig:
    """The configuration ``mealink serve`` hands its workers through the environment
    (``mealink serve`` reads it once before starting, so a bad value is one line)."""
    threads = _env_number("MEALINK_THREADS", 4, "threads")
    if threads != int(threads):
        raise MealinkError(f"MEALINK_THREADS={os.environ['MEALINK_THREADS']!r}: give a whole "
                           "number of threads")
    return WebConfig(
        db=os.environ.get("MEALINK_DB"),
        read=os.environ.get("MEALINK_READ", "open"),
        secure_cookies=os.environ.get("MEALINK_SECURE_COOKIES", "1") == "1",
        session_days=_env_number("MEALINK_SESSION_DAYS", 14, "days"),
        session_idle_hours=_env_number("MEALINK_SESSION_IDLE_HOURS", 12, "hours"),
        threads=int(threads))


def app_from_env() -> FastAPI:
    """The application as ``mealink serve`` configured it through the environment; the
    Host names it answers to are the loopback ones and ``MEALINK_ALLOWED_HOSTS``."""
    return create_app(config_from_env(), hosts=served_hosts(
        "localhost", [os.environ.get("MEALINK_ALLOWED_HOSTS", "")]))
