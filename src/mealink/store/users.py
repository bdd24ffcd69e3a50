"""Users of the web application and API: roles, passwords hashed with Argon2id, API tokens
kept only as their SHA-256, and the secret that signs session cookies.

Roles are ordered: a reader reads (when reading needs signing in), an editor also records
progress and changes mandate statuses, an admin also manages users.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from mealink.errors import ConflictError, MealinkError, NotFoundError
from mealink.store.engine.database import Store
from mealink.store.engine.schema import ApiTokenRow, AppSettingRow, UserRow

__all__ = ["ROLES", "User", "add_user", "authenticate", "create_token", "list_users",
           "revoke_tokens", "secret_key", "set_active", "set_password", "user_by_id",
           "user_for_token"]

#: The roles, weakest first; each can do what the ones before it can.
ROLES = ("reader", "editor", "admin")
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
    """Give a user a new password."""
    row = _row(store, name)
    digest = _hasher.hash(_check_password(password))
    with store.engine.begin() as conn:
        conn.execute(update(UserRow).where(UserRow.id == row.id).values(password_hash=digest))


def set_active(store: Store, name: str, active: bool) -> User:
    """Let a user in again, or shut them out (their sessions and tokens stop working)."""
    row = _row(store, name)
    with store.engine.begin() as conn:
        conn.execute(update(UserRow).where(UserRow.id == row.id).values(active=active))
    return User(row.id, row.name, row.role, active)


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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, name: str, label: str = "api",
                 now: datetime | None = None) -> str:
    """A new API token for the user: returned once, stored only as its SHA-256."""
    row = _row(store, name)
    token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(insert(ApiTokenRow).values(
            user_id=row.id, token_hash=_token_hash(token), label=label[:200] or "api",
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
            ApiTokenRow.token_hash == _token_hash(token),
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
