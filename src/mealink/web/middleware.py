"""What a request must pass before the application reads it, and what every answer carries.

``Hardening`` (outside the session) refuses a Host the server does not answer to, an address
or headers over their limits and a body declared or sent over its limit, each in the one
error shape; it adds ``Cache-Control: no-store`` to answers to signed-in requests and HSTS
when cookies are secure. ``WriteGate`` (inside the session) refuses a write from nobody
before its body is read. Both answer through a ``Refuse`` callback the application gives
them, so pages get the HTML error page and the API its JSON.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio.to_thread
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mealink.web.security import AuthError, current_user

__all__ = ["LOOPBACK_HOSTS", "MAX_BODY", "MAX_HEADERS", "MAX_URL", "REFUSED", "Hardening",
           "HostPolicy", "Refuse", "WriteGate", "host_name", "served_hosts"]

#: bytes of path and query string: the longest address the pages make is far shorter
MAX_URL = 8 * 1024
#: bytes of every header name and value together (a session cookie is under 1 KB)
MAX_HEADERS = 32 * 1024
#: bytes of a request body: the largest form (a 20,000-character note) is far smaller
MAX_BODY = 1024 * 1024
#: names every server answers to whatever it is told: nobody outside owns them
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
#: the key under ``scope["extensions"]`` where the HTTP protocol marks a request it cut
#: short: ``(status, bytes)``, 414 for the address or 431 for the headers
REFUSED = "mealink.refused"
#: writes anyone may send: signing in (and out) is how one gets credentials
OPEN_WRITES = frozenset({"/sign-in", "/sign-out"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: answers a refused request: (scope, receive, send, status, code, message)
Refuse = Callable[[Scope, Receive, Send, int, str, str], Awaitable[None]]


def host_name(value: str) -> str:
    """The name in a Host header: lower case, without its port, brackets or final dot."""
    v = value.strip().lower()
    if v.startswith("["):
        end = v.find("]")
        v = v[1:end] if end > 0 else v[1:]
    elif v.count(":") == 1:
        v = v.split(":", 1)[0]
    return v.rstrip(".")


def _wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return host in ("", "*")


def served_hosts(bind: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The host names ``mealink serve`` answers to: the loopback names, the address it
    listens on (unless every interface) and those it was told."""
    names = [*LOOPBACK_HOSTS]
    if not _wildcard(host_name(bind)):
        names.append(host_name(bind))
    for h in extra:
        for part in h.replace(",", " ").split():
            names.append(part if part == "*" else host_name(part))
    return tuple(dict.fromkeys(n for n in names if n))


class HostPolicy:
    """Which Host headers are trusted: exact names, ``*.example.org`` for its subdomains,
    or ``*`` for any."""

    def __init__(self, hosts: Iterable[str]) -> None:
        names = {h if h.strip() == "*" else host_name(h) for h in hosts if h.strip()}
        self.any = "*" in names
        self.exact = frozenset(n for n in names if not n.startswith("*"))
        self.suffixes = tuple(n[1:] for n in names if n.startswith("*."))

    def allows(self, host: str) -> bool:
        """Whether a request with this Host header may be answered."""
        name = host_name(host)
        if self.any:
            return True
        return bool(name) and (name in self.exact or name.endswith(self.suffixes))


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def _signed_in(scope: Scope) -> bool:
    """A request with a user behind it (resolved by the application) or credentials."""
    state: Any = scope.get("state") or {}
    return bool(state.get("user")) or _header(scope, b"authorization") is not None


class Hardening:
    """Host, size and cache rules for every HTTP request (a plain ASGI middleware)."""

    def __init__(self, app: ASGIApp, refuse: Refuse, hosts: Iterable[str] | None = None,
                 hsts: bool = False, max_url: int = MAX_URL, max_headers: int = MAX_HEADERS,
                 max_body: int = MAX_BODY) -> None:
        self.app, self.refuse, self.hsts = app, refuse, hsts
        self.hosts = HostPolicy(hosts) if hosts is not None else None
        self.max_url, self.max_headers, self.max_body = max_url, max_headers, max_body

    def refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        """Why this request is refused before the application sees it, if it is."""
        cut = (scope.get("extensions") or {}).get(REFUSED)
        url = len(scope.get("raw_path") or scope["path"].encode()) + len(
            scope.get("query_string", b""))
        heads = sum(len(k) + len(v) for k, v in scope.get("headers", ()))
        if (cut and cut[0] == 414) or url > self.max_url:
            size = max(url, cut[1] if cut else 0)
            return 414, "uri_too_long", (f"the address is {size:,} bytes long, over the "
                                         f"limit of {self.max_url:,}; shorten the query")
        if (cut and cut[0] == 431) or heads > self.max_headers:
            size = max(heads, cut[1] if cut else 0)
            return 431, "headers_too_large", (
                f"the request headers are {size:,} bytes, over the limit of "
                f"{self.max_headers:,}; clear this site's cookies or send fewer headers")
        if self.hosts is not None:
            host = _header(scope, b"host")
            if host is None:
                return 400, "bad_host", "the request has no Host header"
            shown = host.decode("latin-1")
            if not self.hosts.allows(shown):
                return 400, "bad_host", (
                    f"this server does not answer to the host {shown[:100]!r}; its operator "
                    "can allow it with `mealink serve --allowed-host`")
        length = _header(scope, b"content-length")
        if length is not None and length.strip().isdigit() and int(length) > self.max_body:
            return 413, "too_large", (f"the request body is {int(length):,} bytes, over the "
                                      f"limit of {self.max_body:,}")
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self.refusal(scope)
        if refused is not None:
            await self.refuse(scope, receive, self._with_headers(scope, send), *refused)
            return
        await self.app(scope, self._counted(receive), self._with_headers(scope, send))

    def _counted(self, receive: Receive) -> Receive:
        """``receive`` that stops a body sent in chunks once it passes the limit."""
        seen = 0
        limit = self.max_body

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, f"the request body is over the limit of "
                                             f"{limit:,} bytes")
            return message

        return counted

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        async def send_with(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", []))
                headers = MutableHeaders(scope=message)
                if self.hsts:
                    headers["strict-transport-security"] = "max-age=31536000"
                if _signed_in(scope):  # a page made for one user: no cache may keep it
                    headers["cache-control"] = "no-store"
            await send(message)

        return send_with


class WriteGate:
    """Refuses a write from nobody (no valid session, no token) with 401 before its body is
    read; roles and CSRF are still checked by the handler."""

    def __init__(self, app: ASGIApp, refuse: Refuse) -> None:
        self.app, self.refuse = app, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] in SAFE_METHODS
                or scope["path"] in OPEN_WRITES):
            await self.app(scope, receive, send)
            return
        try:  # the user lookup reads the store: a thread, as handlers do
            user = await anyio.to_thread.run_sync(current_user, Request(scope))
        except AuthError as exc:
            await self.refuse(scope, receive, send, exc.status, exc.code, exc.message)
            return
        if user is None:
            await self.refuse(scope, receive, send, 401, "sign_in_required",
                              "sign in first (or send an API token)")
            return
        await self.app(scope, receive, send)
