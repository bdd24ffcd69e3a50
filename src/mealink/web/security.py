"""Who is asking and may they: the signed-in user (session cookie) or a token's owner
(``Authorization: Bearer``), reading rules, roles, CSRF tokens for cookie-borne writes, and
how hard signing in may be tried.

Sessions live in the database (``store.users``): the cookie (HttpOnly, SameSite=Lax, Secure
unless serving plain HTTP on loopback) holds only a random id, so signing out, a new
password, a shut-out user or a new role ends a session at once, wherever its cookie was
copied to; a session also ends after an idle and an absolute lifetime. Every request looks
the user up again. Failed sign-ins are counted in the database per user name and per client
address, so every worker process throttles alike, and password hashing runs in a small pool
so that a burst of sign-ins cannot hold the threads that serve pages.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

import anyio.to_thread
from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mealink.errors import MealinkError
from mealink.store.engine.database import Store
from mealink.store.users import (
    Lifetimes,
    ThrottleRule,
    User,
    clear_failures,
    end_session,
    find_session,
    record_failure,
    save_session,
    sign_in_wait,
    start_session,
    user_by_id,
    user_for_token,
)

__all__ = ["AuthError", "ServerSessions", "TooManySignIns", "WebConfig", "check_csrf",
           "csrf_token", "current_user", "hashing_pool", "hashing_slot", "require", "sign_in",
           "sign_in_allowed", "sign_in_failed", "sign_in_succeeded", "sign_out"]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
COOKIE = "mealink_session"
#: failed sign-ins per user name: 5 free, then 1 s, 2 s ... 16 s between tries, then 15 min
BY_NAME = ThrottleRule(free=5, lock_after=10)
#: per client address, which an office may share: more free tries, a lock only far later
BY_ADDRESS = ThrottleRule(free=20, lock_after=50)


def _utcnow() -> datetime:
    """The wall clock, in UTC (WebConfig's default clock)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class WebConfig:
    """How the application runs: its database, who may read, how cookies are sent, how long
    sessions last, how many passwords are checked at once, and the clock (set in tests)."""

    db: str | None = None
    read: str = "open"  # "open": anyone reads; "signed-in": reading needs signing in
    secure_cookies: bool = True
    session_days: float = 14  # absolute lifetime of a session
    session_idle_hours: float = 12  # a session unused this long ends
    threads: int = 4  # handler threads per worker process
    hash_slots: int = 1  # passwords checked at once per worker; more sign-ins get a 429
    clock: Callable[[], datetime] = field(default=_utcnow, compare=False)

    def __post_init__(self) -> None:
        if not self.session_days > 0 or not self.session_idle_hours > 0:
            raise MealinkError("session lifetimes must be more than 0 (MEALINK_SESSION_DAYS, "
                               "MEALINK_SESSION_IDLE_HOURS)")
        if self.hash_slots < 1:
            raise MealinkError("hash_slots must be at least 1")

    @property
    def lifetimes(self) -> Lifetimes:
        """The session lifetimes as the store takes them."""
        return Lifetimes(idle=timedelta(hours=self.session_idle_hours),
                         absolute=timedelta(days=self.session_days))


class AuthError(Exception):
    """A request that needs a user, a stronger role or a CSRF token it does not have."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _config(request: Request) -> WebConfig:
    """How the application was configured (lifetimes, clock)."""
    config: WebConfig = request.app.state.config
    return config


# --- the session of a request ------------------------------------------------------------
class SessionState(MutableMapping[str, Any]):
    """The session of one request, read from the database the first time it is asked for
    (requests that never look, such as API calls with a token, cost nothing). It is what
    ``request.session`` gives: a mapping of what the session keeps."""

    def __init__(self, store: Store, config: WebConfig, session_id: str | None) -> None:
        self.store, self.config, self.session_id = store, config, session_id
        self.user_id: int | None = None
        self.cookie: str | None = None  # the Set-Cookie value to send, if any
        self._data: dict[str, Any] | None = None
        self._dirty = False

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            found = find_session(self.store, self.session_id, self.config.clock(),
                                 self.config.lifetimes) if self.session_id else None
            self.user_id = found.user_id if found else None
            self._data = dict(found.data) if found else {}
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._load()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._load()[key] = value
        self._dirty = True

    def __delitem__(self, key: str) -> None:
        del self._load()[key]
        self._dirty = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def user(self) -> int | None:
        """The id of the user signed in on this session, if any."""
        self._load()
        return self.user_id

    def anonymous_id(self) -> str:
        """This browser's session id, made (and sent as a cookie) on first use, so that a
        form shown before signing in can carry a CSRF token."""
        if self.session_id is None:
            self.session_id = secrets.token_urlsafe(32)
            self.cookie = self._cookie(self.session_id, None)
        return self.session_id

    def begin(self, user_id: int) -> None:
        """Sign in: a new session under a new id (an id known before is never promoted)."""
        if self.session_id is not None:
            end_session(self.store, self.session_id)
        self.session_id = start_session(self.store, user_id, self.config.clock(),
                                        self.config.lifetimes)
        self.user_id, self._data, self._dirty = user_id, {}, False
        self.cookie = self._cookie(self.session_id, int(self.config.lifetimes.absolute
                                                        .total_seconds()))

    def end(self) -> None:
        """Sign out: the session's row goes, the cookie is cleared."""
        if self.session_id is not None:
            end_session(self.store, self.session_id)
        self.session_id, self.user_id, self._data, self._dirty = None, None, {}, False
        self.cookie = self._cookie("", 0)

    def save(self) -> None:
        """Keep what changed in a signed-in session (an anonymous one keeps nothing)."""
        if self._dirty and self.session_id and self.user_id is not None and \
                self._data is not None:
            save_session(self.store, self.session_id, self._data)
        self._dirty = False

    def _cookie(self, value: str, max_age: int | None) -> str:
        flags = "; Secure" if self.config.secure_cookies else ""
        age = f"; Max-Age={max_age}" if max_age is not None else ""
        return f"{COOKIE}={value}; Path=/{age}; HttpOnly; SameSite=Lax{flags}"


class ServerSessions:
    """ASGI middleware giving each request its ``SessionState`` as ``request.session`` and
    sending the cookie when the session began, ended or got its first id."""

    def __init__(self, app: ASGIApp, store: Store, config: WebConfig) -> None:
        self.app, self.store, self.config = app, store, config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = SessionState(self.store, self.config, _cookie_of(scope))
        scope["session"] = state

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                if state._dirty:
                    await anyio.to_thread.run_sync(state.save)
                if state.cookie is not None:
                    MutableHeaders(scope=message).append("set-cookie", state.cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie_of(scope: Scope) -> str | None:
    """The session id the request's cookie carries, if any."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is no session
                continue
            if COOKIE in jar and jar[COOKIE].value:
                return jar[COOKIE].value
    return None


def _state(request: Request) -> SessionState | None:
    """The request's session, if the ServerSessions middleware gave it one."""
    state = request.scope.get("session")
    return state if isinstance(state, SessionState) else None


# --- who is asking ---------------------------------------------------------------------
def current_user(request: Request) -> User | None:
    """The user behind this request: a bearer token's owner, else the session's user."""
    cached: Any = getattr(request.state, "user", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    user: User | None = None
    auth = request.headers.get("authorization", "")
    state = _state(request)
    if auth[:7].lower() == "bearer ":
        user = user_for_token(_store(request), auth[7:].strip())
        if user is None:
            raise AuthError(401, "invalid_token", "the API token is unknown or revoked; "
                            "ask an admin for a new one (`mealink users token NAME`)")
        request.state.via_token = True
    elif state is not None and (uid := state.user()) is not None:
        user = user_by_id(_store(request), uid)
        if user is None or not user.active:
            state.end()
            user = None
    request.state.user = user
    return user


def require(request: Request, role: str) -> User:
    """The user, who must hold ``role`` (or a stronger one)."""
    user = current_user(request)
    if user is None:
        raise AuthError(401, "sign_in_required", "sign in first (or send an API token)")
    if not user.can(role):
        raise AuthError(403, "forbidden", f"this needs the {role} role; {user.name} is "
                        f"{'an' if user.role[0] in 'aeiou' else 'a'} {user.role}")
    return user


def may_read(request: Request) -> None:
    """Refuse reading to anonymous requests when the application is private."""
    config: WebConfig = request.app.state.config
    user = current_user(request)  # also refuses a bad token, on reads too
    if config.read != "open" and user is None:
        raise AuthError(401, "sign_in_required", "this mealink is private: sign in to read it")


def _csrf_for(request: Request, session_id: str) -> str:
    """The CSRF token of a session id: an HMAC under the application's secret."""
    key = request.app.state.session_secret.encode()
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The session's CSRF token, derived from its id with the application's secret (so it
    is never stored, and a new session has a new one); forms carry it in a hidden field."""
    state = _state(request)
    if state is None:
        return ""
    return _csrf_for(request, state.anonymous_id())


def check_csrf(request: Request, sent: str | None) -> None:
    """A write borne by the session cookie must carry the session's CSRF token (in the form
    or the X-CSRF-Token header); token-authenticated API calls carry no cookie to forge."""
    if getattr(request.state, "via_token", False):
        return
    state = _state(request)
    given = sent or request.headers.get(CSRF_HEADER)
    if state is None or state.session_id is None or not given or not secrets.compare_digest(
            _csrf_for(request, state.session_id).encode(), given.encode()):
        raise AuthError(403, "csrf_failed", "the form's security token is missing or stale; "
                        "reload the page and try again")


def sign_in(request: Request, user: User) -> None:
    """Start a session for ``user`` under a new id (no fixation of an old one)."""
    state = _state(request)
    assert state is not None, "the ServerSessions middleware is not installed"
    state.begin(user.id)
    request.state.user = user


def sign_out(request: Request) -> None:
    """End this session (the user's sessions elsewhere go on)."""
    state = _state(request)
    if state is not None:
        state.end()
    request.state.user = None


# --- how hard signing in may be tried ----------------------------------------------------
def _throttle_keys(request: Request, name: str) -> dict[str, ThrottleRule]:
    """The keys a sign-in is counted under (the name first, then the client address)."""
    address = request.client.host if request.client else "unknown"
    return {"name:" + " ".join(name.split()).lower()[:200]: BY_NAME,
            "address:" + address[:200]: BY_ADDRESS}


def sign_in_allowed(request: Request, name: str) -> None:
    """Refuse (429) a sign-in under a name or from an address that failed too often lately:
    it may be tried again after the ``retry_after`` seconds the error carries."""
    wait = sign_in_wait(_store(request), _throttle_keys(request, name), _config(request).clock())
    if wait > 0:
        raise TooManySignIns(math.ceil(wait), "too many failed sign-ins for this name or "
                             f"from this address; try again in {_duration(math.ceil(wait))}")


def sign_in_failed(request: Request, name: str) -> None:
    """Count a failed sign-in against the name and the client address."""
    record_failure(_store(request), _throttle_keys(request, name), _config(request).clock())


def sign_in_succeeded(request: Request, name: str) -> None:
    """Forget the name's failures (the address's lapse by themselves: an attacker's own
    successful sign-ins must not wipe what their guesses at others' names cost)."""
    keys = list(_throttle_keys(request, name))[:1]
    clear_failures(_store(request), keys, _config(request).clock())


class TooManySignIns(AuthError):
    """A sign-in refused for now (429); ``retry_after`` says for how many seconds."""

    def __init__(self, retry_after: int, message: str) -> None:
        super().__init__(429, "too_many_sign_ins", message)
        self.retry_after = retry_after


def _duration(seconds: int) -> str:
    """A wait as people say it ("16 seconds", "15 minutes")."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def hashing_pool(slots: int) -> threading.BoundedSemaphore:
    """The per-process pool of password checks (Argon2 takes a core for tens of ms)."""
    return threading.BoundedSemaphore(slots)


@contextmanager
def hashing_slot(request: Request) -> Iterator[None]:
    """Hold one of the few slots in which passwords are checked, or refuse at once (429):
    a sign-in never waits in a handler thread that a page could use."""
    pool: threading.BoundedSemaphore = request.app.state.hash_pool
    if not pool.acquire(blocking=False):
        raise TooManySignIns(1, "the server is checking other sign-ins; try again in a "
                                "second")
    try:
        yield
    finally:
        pool.release()
