"""Who is asking and may they: the signed-in user (session cookie) or a token's owner
(``Authorization: Bearer``), reading rules, roles, and CSRF tokens for cookie-borne writes.

Sessions are signed cookies (Starlette's SessionMiddleware, HttpOnly, SameSite=Lax, Secure
unless serving plain HTTP on loopback) holding only the user's id and a CSRF token; every
request looks the user up again, so shutting a user out takes effect at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from mealink.store.engine.database import Store
from mealink.store.users import User, user_by_id, user_for_token

__all__ = ["AuthError", "WebConfig", "check_csrf", "csrf_token", "current_user", "require",
           "sign_in", "sign_out"]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True, slots=True)
class WebConfig:
    """How the application runs: its database, who may read, how cookies are sent."""

    db: str | None = None
    read: str = "open"  # "open": anyone reads; "signed-in": reading needs signing in
    secure_cookies: bool = True
    session_days: int = 14
    threads: int = 4  # handler threads per worker process


class AuthError(Exception):
    """A request that needs a user, a stronger role or a CSRF token it does not have."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def current_user(request: Request) -> User | None:
    """The user behind this request: a bearer token's owner, else the session's user."""
    cached: Any = getattr(request.state, "user", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    user: User | None = None
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        user = user_for_token(_store(request), auth[7:].strip())
        if user is None:
            raise AuthError(401, "invalid_token", "the API token is unknown or revoked; "
                            "ask an admin for a new one (`mealink users token NAME`)")
        request.state.via_token = True
    elif "session" in request.scope:
        uid = request.session.get("uid")
        if isinstance(uid, int):
            user = user_by_id(_store(request), uid)
            if user is None or not user.active:
                request.session.clear()
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


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use; forms carry it in a hidden field."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, sent: str | None) -> None:
    """A write borne by the session cookie must carry the session's CSRF token (in the form
    or the X-CSRF-Token header); token-authenticated API calls carry no cookie to forge."""
    if getattr(request.state, "via_token", False):
        return
    expected = request.session.get("csrf") if "session" in request.scope else None
    given = sent or request.headers.get(CSRF_HEADER)
    if not isinstance(expected, str) or not given or not secrets.compare_digest(
            expected.encode(), given.encode()):
        raise AuthError(403, "csrf_failed", "the form's security token is missing or stale; "
                        "reload the page and try again")


def sign_in(request: Request, user: User) -> None:
    """Start a session for ``user`` with a fresh CSRF token (no fixation of an old one)."""
    request.session.clear()
    request.session["uid"] = user.id
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.state.user = user


def sign_out(request: Request) -> None:
    """End the session."""
    request.session.clear()
    request.state.user = None
