"""``mealink users``: who may sign in to the web application (roles, passwords) and their API
tokens."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from mealink.choices import ROLES
from mealink.cli.options import DbOption, out
from mealink.errors import MealinkError

if TYPE_CHECKING:
    from mealink.store import Store

__all__ = ['register']


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise MealinkError("--password-stdin: no password on standard input")
        return line.rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input "
                             "instead of asking.")]


def users_add(
    name: Annotated[str, typer.Argument(help="The user's name, as they sign in with it.")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = "editor",
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
) -> None:
    """Add a user who may sign in (editors record progress, admins also manage users)."""
    from mealink.store import open_store
    from mealink.store.users import add_user

    store = open_store(db, create=True)
    try:
        user = add_user(store, name, role, _password(password_stdin))
    finally:
        store.dispose()
    typer.echo(f"added {user.name} ({user.role})")


def users_list(db: DbOption = None) -> None:
    """List the users."""
    from rich.table import Table

    from mealink.store import open_store
    from mealink.store.users import list_users

    store = open_store(db, create=False)
    try:
        users = list_users(store)
    finally:
        store.dispose()
    t = Table("name", "role", "can sign in")
    for u in users:
        t.add_row(u.name, u.role, "yes" if u.active else "no")
    out.print(t)


def _on_store(db: str | None, action: Callable[[Store], object], done: str) -> None:
    """Run ``action`` on the existing database, then say ``done``."""
    from mealink.store import open_store

    store = open_store(db, create=False)
    try:
        action(store)
    finally:
        store.dispose()
    typer.echo(done)


def users_role(name: str,
               role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
               db: DbOption = None) -> None:
    """Give a user another role; they are signed out everywhere and sign in again under it."""
    from mealink.store.users import set_role

    _on_store(db, lambda s: set_role(s, name, role), f"{name} is now {role}")


def users_password(name: str, password_stdin: PasswordStdin = False,
                   db: DbOption = None) -> None:
    """Give a user a new password; they are signed out everywhere."""
    from mealink.store.users import set_password

    password = _password(password_stdin)
    _on_store(db, lambda s: set_password(s, name, password), f"new password set for {name}")


def users_disable(name: str, db: DbOption = None) -> None:
    """Shut a user out: their sessions end and their API tokens stop working at once."""
    from mealink.store.users import set_active

    _on_store(db, lambda s: set_active(s, name, False), f"{name} can no longer sign in")


def users_enable(name: str, db: DbOption = None) -> None:
    """Let a user sign in again."""
    from mealink.store.users import set_active

    _on_store(db, lambda s: set_active(s, name, True), f"{name} can sign in")


def users_token(name: str,
                label: Annotated[str, typer.Option(help="What the token is for.")] = "api",
                revoke: Annotated[bool, typer.Option(
                    "--revoke", help="Revoke every token of the user instead.")] = False,
                db: DbOption = None) -> None:
    """Make an API token for a user (shown once: send it as 'Authorization: Bearer TOKEN'),
    or revoke their tokens."""
    from mealink.store import open_store
    from mealink.store.users import create_token, revoke_tokens

    store = open_store(db, create=False)
    try:
        if revoke:
            n = revoke_tokens(store, name)
            typer.echo(f"revoked {n} token{'s' if n != 1 else ''} of {name}")
            return
        typer.echo(create_token(store, name, label))
    finally:
        store.dispose()


def register(app: typer.Typer) -> None:
    """Add ``users`` and its subcommands to the ``mealink`` app."""
    users = typer.Typer(help="Who may sign in to the web application, and API tokens.",
                        no_args_is_help=True)
    users.command("add")(users_add)
    users.command("list")(users_list)
    users.command("password")(users_password)
    users.command("role")(users_role)
    users.command("disable")(users_disable)
    users.command("enable")(users_enable)
    users.command("token")(users_token)
    app.add_typer(users, name="users")
