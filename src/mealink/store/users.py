"""Users of the web application and API: roles, passwords hashed with Argon2id, API tokens
and session ids kept only as their SHA-256, failed sign-ins counted per user name and client
address, and the application's secret.

Roles are ordered: a reader reads (when reading needs signing in), an editor also records
progress and changes mandate statuses, an admin also manages users.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from mealink.choices import ROLES
from mealink.errors import ConflictError, MealinkError, NotFoundError
from mealink.store.engine.database import Store
from mealink.store.engine.schema import (
    ApiTokenRow,
    AppSettingRow,
    SessionRow,
    SignInFailureRow,
    UserRow,
)

__all__ = ["ROLES", "Lifetimes", "Session", "ThrottleRule", "User", "add_user", "authenticate",
           "clear_failures", "create_token", "end_session", "find_session", "list_users",
           "record_failure", "revoke_tokens", "save_session", "secret_key", "set_active",
           "set_password", "set_role", "sign_in_wait", "start_session", "user_by_id",
           "user_for_token"]

MIN_PASSWORD = 10
_NAME = re.compile(r"[\w.@+-]+(?: [\w.@+-]+)*")
_TOKEN_PREFIX = "mlk_"
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in person or a token's owner."""

    id: int
    name: str
    role: str
    active: bool

    def can(self, role: str) -> bool:
        """Whether this user holds ``role`` or a stronger one."""
        return self.active and ROLES.index(self.role) >= ROLES.index(role)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "active": self.active}


def _user(r: Any) -> User:
    return User(r.id, r.name, r.role, bool(r.active))


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if len(name) > 200 or not _NAME.fullmatch(name):
        raise MealinkError(f"user name {name[:40]!r}: use 1-200 letters, digits, spaces or "
                           ". @ + - _ (e.g. 'a.officer' or 'Ana Officer')")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise MealinkError(f"role {role!r} is not one of: {', '.join(ROLES)}")
    return role


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise MealinkError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if len(password) > 1000:
        raise MealinkError("the password is too long: use at most 1,000 characters")
    return password


def add_user(store: Store, name: str, role: str, password: str,
             now: datetime | None = None) -> User:
    """Create a user; ConflictError if the name is taken."""
    name, role = _check_name(name), _check_role(role)
    digest = _hasher.hash(_check_password(password))
    try:
        with store.engine.begin() as conn:
            pk = conn.execute(insert(UserRow).values(
                name=name, role=role, password_hash=digest, active=True,
                created_at=now or datetime.now(UTC)).returning(UserRow.id)).scalar_one()
    except IntegrityError:
        raise ConflictError(f"there is already a user {name!r}") from None
    return User(pk, name, role, True)


def _row(store: Store, name: str) -> Any:
    with store.engine.connect() as conn:
        row = conn.execute(select(UserRow).where(UserRow.name == " ".join(name.split()))).first()
    if row is None:
        raise NotFoundError(f"no user {name!r}; `mealink users list` shows them")
    return row


def set_password(store: Store, name: str, password: str) -> None:
    """Give a user a new password, signing them out everywhere (a stolen session must not
    outlive the password it was opened with)."""
    row = _row(store, name)
    digest = _hasher.hash(_check_password(password))
    with store.engine.begin() as conn:
        conn.execute(update(UserRow).where(UserRow.id == row.id).values(password_hash=digest))
        conn.execute(delete(SessionRow).where(SessionRow.user_id == row.id))


def set_active(store: Store, name: str, active: bool) -> User:
    """Let a user in again, or shut them out (their sessions end, their tokens stop)."""
    row = _row(store, name)
    with store.engine.begin() as conn:
        conn.execute(update(UserRow).where(UserRow.id == row.id).values(active=active))
        if not active:
            conn.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
    return User(row.id, row.name, row.role, active)


def set_role(store: Store, name: str, role: str) -> User:
    """Give a user another role; their sessions end, so they sign in again under it."""
    row, role = _row(store, name), _check_role(role)
    with store.engine.begin() as conn:
        conn.execute(update(UserRow).where(UserRow.id == row.id).values(role=role))
        if role != row.role:
            conn.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
    return User(row.id, row.name, role, bool(row.active))


def list_users(store: Store) -> list[User]:
    """Every user, by name."""
    with store.engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(UserRow).order_by(UserRow.name))]


def user_by_id(store: Store, user_id: int) -> User | None:
    """The user a session names, or None if there is none."""
    with store.engine.connect() as conn:
        row = conn.execute(select(UserRow).where(UserRow.id == user_id)).first()
    return _user(row) if row else None


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The active user with this name and password, or None. Hashes are upgraded in place
    when the library's parameters have grown stronger since."""
    try:
        row = _row(store, name)
    except (NotFoundError, MealinkError):
        _hasher.hash("x" * MIN_PASSWORD)  # spend the same time as a real check
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if not row.active:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        with store.engine.begin() as conn:
            conn.execute(update(UserRow).where(UserRow.id == row.id).values(
                password_hash=_hasher.hash(password)))
    return _user(row)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, name: str, label: str = "api",
                 now: datetime | None = None) -> str:
    """A new API token for the user: returned once, stored only as its SHA-256."""
    row = _row(store, name)
    token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(insert(ApiTokenRow).values(
            user_id=row.id, token_hash=_digest(token), label=label[:200] or "api",
            created_at=now or datetime.now(UTC), revoked=False))
    return token


def revoke_tokens(store: Store, name: str) -> int:
    """Revoke every token of the user; how many were revoked."""
    row = _row(store, name)
    with store.engine.begin() as conn:
        return conn.execute(update(ApiTokenRow).where(
            ApiTokenRow.user_id == row.id, ApiTokenRow.revoked.is_(False)).values(
            revoked=True)).rowcount


def user_for_token(store: Store, token: str) -> User | None:
    """The active user a (not revoked) token belongs to, or None."""
    if not token.startswith(_TOKEN_PREFIX) or len(token) > 200:
        return None
    with store.engine.connect() as conn:
        row = conn.execute(select(UserRow).join(
            ApiTokenRow, ApiTokenRow.user_id == UserRow.id).where(
            ApiTokenRow.token_hash == _digest(token),
            ApiTokenRow.revoked.is_(False))).first()
    return _user(row) if row and row.active else None


def secret_key(store: Store) -> str:
    """The key that signs session cookies: made once per database and kept in it, so
    sessions outlive a restart and every worker process signs alike."""
    with store.engine.connect() as conn:
        value = conn.execute(select(AppSettingRow.value).where(
            AppSettingRow.key == "session_secret")).scalar()
    if value:
        return str(value)
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(AppSettingRow).values(key="session_secret",
                                                      value=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass  # another worker made it first
    with store.engine.connect() as conn:
        return str(conn.execute(select(AppSettingRow.value).where(
            AppSettingRow.key == "session_secret")).scalar_one())


# --- sessions ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Lifetimes:
    """How long a session lasts: ``idle`` since its last request, ``absolute`` since it
    was opened, whichever ends first."""

    idle: timedelta = timedelta(hours=12)
    absolute: timedelta = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Session:
    """A live session: whose it is, when it was opened, and what it keeps (a flash line)."""

    user_id: int
    created_at: datetime
    data: dict[str, str]


#: a session's last request is written down at most this often (a write per page is waste)
_TOUCH = timedelta(minutes=1)


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC with its zone: SQLite hands back naive UTC, PostgreSQL aware."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def start_session(store: Store, user_id: int, now: datetime,
                  lifetimes: Lifetimes = Lifetimes()) -> str:
    """Open a session for the user: the new random id, for the cookie (only its SHA-256 is
    stored). Sessions of anyone that have expired are deleted on the way: signing in is
    rare enough to pay for that, and frequent enough to keep the table small."""
    session_id, now = secrets.token_urlsafe(32), _utc(now)
    with store.engine.begin() as conn:
        conn.execute(delete(SessionRow).where(or_(
            SessionRow.last_seen < now - lifetimes.idle,
            SessionRow.created_at < now - lifetimes.absolute)))
        conn.execute(insert(SessionRow).values(id_hash=_digest(session_id), user_id=user_id,
                                               created_at=now, last_seen=now, data={}))
    return session_id


def find_session(store: Store, session_id: str, now: datetime,
                 lifetimes: Lifetimes = Lifetimes()) -> Session | None:
    """The live session with this id, or None (unknown, ended or expired: an expired one is
    deleted). Its last request is moved to ``now`` when it is older than a minute."""
    if not session_id or len(session_id) > 200:
        return None
    key, now = _digest(session_id), _utc(now)
    with store.engine.connect() as conn:
        row = conn.execute(select(SessionRow).where(SessionRow.id_hash == key)).first()
    if row is None:
        return None
    seen, created = _utc(row.last_seen), _utc(row.created_at)
    if now - seen > lifetimes.idle or now - created > lifetimes.absolute:
        end_session(store, session_id)
        return None
    if now - seen > _TOUCH:
        with store.engine.begin() as conn:
            conn.execute(update(SessionRow).where(SessionRow.id_hash == key).values(
                last_seen=now))
    return Session(row.user_id, created, dict(row.data or {}))


def save_session(store: Store, session_id: str, data: dict[str, str]) -> None:
    """Keep what the session holds (a flash line for the next page)."""
    with store.engine.begin() as conn:
        conn.execute(update(SessionRow).where(SessionRow.id_hash == _digest(session_id))
                     .values(data=data))


def end_session(store: Store, session_id: str) -> None:
    """End one session (signing out)."""
    with store.engine.begin() as conn:
        conn.execute(delete(SessionRow).where(SessionRow.id_hash == _digest(session_id)))


# --- sign-in throttling ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """How failures under one key are slowed down: ``free`` failures cost nothing, each
    further one makes the next try wait twice as long (1 s, 2 s, 4 s ... at most
    ``max_delay``), and ``lock_after`` failures lock the key for ``lock``. A count lapses
    after ``window`` without a failure."""

    free: int = 5
    lock_after: int = 10
    max_delay: timedelta = timedelta(minutes=1)
    lock: timedelta = timedelta(minutes=15)
    window: timedelta = timedelta(minutes=15)


def _wait(row: Any, rule: ThrottleRule, now: datetime) -> float:
    """Seconds before the key behind ``row`` may try again (0: now)."""
    if row.locked_until is not None:
        return max(0.0, (_utc(row.locked_until) - now).total_seconds())
    last = _utc(row.last_failure)
    if row.failures < rule.free or now - last > rule.window:
        return 0.0
    delay = min(timedelta(seconds=2 ** (row.failures - rule.free)), rule.max_delay)
    return max(0.0, (last + delay - now).total_seconds())


def sign_in_wait(store: Store, keys: dict[str, ThrottleRule], now: datetime) -> float:
    """Seconds before a sign-in under these keys (a user name, a client address, each with
    its rule) may be tried: 0 when it may be tried now."""
    now = _utc(now)
    with store.engine.connect() as conn:
        rows = conn.execute(select(SignInFailureRow).where(
            SignInFailureRow.key.in_(list(keys)))).all()
    return max((_wait(r, keys[r.key], now) for r in rows), default=0.0)


def record_failure(store: Store, keys: dict[str, ThrottleRule], now: datetime) -> None:
    """Count a failed sign-in under each key, locking a key that reaches its limit. The
    counts are in the database, so every worker process sees the same ones."""
    now = _utc(now)
    for key, rule in keys.items():
        for _ in range(3):  # another process may insert the same key at the same moment
            try:
                with store.engine.begin() as conn:
                    _count(conn, key, rule, now)
                break
            except IntegrityError:
                continue


def _count(conn: Any, key: str, rule: ThrottleRule, now: datetime) -> None:
    """Add one failure under ``key`` in the open transaction (a lapsed count starts over)."""
    row = conn.execute(select(SignInFailureRow).where(SignInFailureRow.key == key)
                       .with_for_update()).first()
    if row is None:
        conn.execute(insert(SignInFailureRow).values(key=key, failures=1, last_failure=now,
                                                     locked_until=None))
        return
    lapsed = (row.locked_until is not None and _utc(row.locked_until) <= now) or \
        now - _utc(row.last_failure) > rule.window
    failures = 1 if lapsed else row.failures + 1
    locked = now + rule.lock if failures >= rule.lock_after else None
    conn.execute(update(SignInFailureRow).where(SignInFailureRow.key == key).values(
        failures=failures, last_failure=now, locked_until=locked))


def clear_failures(store: Store, keys: list[str], now: datetime,
                   window: timedelta = ThrottleRule().window) -> None:
    """Forget the failures under ``keys`` (a successful sign-in), and every count that has
    lapsed (no failure for ``window``, no lock left), so the table stays small."""
    now = _utc(now)
    with store.engine.begin() as conn:
        conn.execute(delete(SignInFailureRow).where(or_(
            SignInFailureRow.key.in_(keys),
            (SignInFailureRow.last_failure < now - window) & (or_(
                SignInFailureRow.locked_until.is_(None),
                SignInFailureRow.locked_until < now)))))
