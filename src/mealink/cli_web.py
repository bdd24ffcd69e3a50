"""The web commands of ``mealink``: ``serve`` starts the web application and API, ``users``
manages who may sign in and their API tokens."""

from __future__ import annotations

import ipaddress
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from mealink.cli_corpus import DbOption, out
from mealink.errors import MealinkError
from mealink.store import Store, open_store
from mealink.store.users import (
    ROLES,
    add_user,
    create_token,
    list_users,
    revoke_tokens,
    set_active,
    set_password,
)

__all__ = ["register"]


class ReadAccess(StrEnum):
    """Who may read the pages and the API."""

    open = "open"
    signed_in = "signed-in"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int, reuse_port: bool) -> socket.socket:
    """A listening socket on host:port; one line saying why not (port taken, bad host)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise MealinkError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose "
                           "another --port or --host") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _uvicorn_config(host: str, port: int) -> Any:
    import uvicorn

    return uvicorn.Config("mealink.web.app:app_from_env", factory=True, host=host, port=port,
                          log_level="warning", access_log=False, proxy_headers=True,
                          server_header=False)


def _worker(host: str, port: int) -> None:
    """One worker process with a socket of its own on the shared port (SO_REUSEPORT): the
    kernel spreads connections over the workers instead of the first awake taking all."""
    import uvicorn

    sock = _listen(host, port, reuse_port=True)
    uvicorn.Server(_uvicorn_config(host, port)).run(sockets=[sock])


def _run_workers(host: str, port: int, workers: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(host, port), daemon=False)
             for _ in range(workers)]
    for p in procs:
        p.start()

    def stop(*_: Any) -> None:
        for p in procs:
            if p.is_alive():
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.is_alive() for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for p in procs:
            p.join(10)
    failed = [p.exitcode for p in procs if p.exitcode not in (0, -signal.SIGTERM)]
    if failed:
        raise MealinkError(f"a worker process stopped with exit code {failed[0]}; the "
                           "others were stopped")


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 for every "
                                           "interface.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (one per "
                                                             "core is a good start).")] = 1,
    threads: Annotated[int, typer.Option(min=1, max=64, help="Request threads per worker "
                                                             "process.")] = 4,
    read: Annotated[ReadAccess, typer.Option(help="Who may read: open (anyone) or "
                                                  "signed-in users only.")] = ReadAccess.open,
    secure_cookies: Annotated[bool | None, typer.Option(
        "--secure-cookies/--no-secure-cookies",
        help="Send the session cookie over HTTPS only (default: yes, unless serving plain "
             "HTTP on loopback).")] = None,
) -> None:
    """Start the web application and the REST API (/api/v1) on the database."""
    import uvicorn

    store = open_store(db, create=True)  # create or upgrade it once, before any worker
    store.dispose()
    reuse_port = workers > 1 and sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")
    _listen(host, port, reuse_port=False).close()  # the port is free (even of other
    # SO_REUSEPORT servers, which would silently share it): say so now if not
    secure = secure_cookies if secure_cookies is not None else not _is_loopback(host)
    if db:
        os.environ["MEALINK_DB"] = db
    os.environ["MEALINK_READ"] = read.value
    os.environ["MEALINK_SECURE_COOKIES"] = "1" if secure else "0"
    os.environ["MEALINK_THREADS"] = str(threads)
    typer.echo(f"mealink: serving {store.name} on http://{host}:{port}/ with {workers} "
               f"worker{'s' if workers != 1 else ''} (reading {read.value}; Ctrl+C stops)",
               err=True)
    if reuse_port:
        _run_workers(host, port, workers)
    else:
        if workers == 1:
            uvicorn.Server(_uvicorn_config(host, port)).run()
        else:  # no SO_REUSEPORT here: uvicorn's workers share one socket
            uvicorn.run("mealink.web.app:app_from_env", factory=True, host=host, port=port,
                        workers=workers, log_level="warning", access_log=False,
                        proxy_headers=True, server_header=False)


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
    store = open_store(db, create=True)
    try:
        user = add_user(store, name, role, _password(password_stdin))
    finally:
        store.dispose()
    typer.echo(f"added {user.name} ({user.role})")


def users_list(db: DbOption = None) -> None:
    """List the users."""
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
    store = open_store(db, create=False)
    try:
        action(store)
    finally:
        store.dispose()
    typer.echo(done)


def users_password(name: str, password_stdin: PasswordStdin = False,
                   db: DbOption = None) -> None:
    """Give a user a new password."""
    password = _password(password_stdin)
    _on_store(db, lambda s: set_password(s, name, password), f"new password set for {name}")


def users_disable(name: str, db: DbOption = None) -> None:
    """Shut a user out: their sessions and API tokens stop working at once."""
    _on_store(db, lambda s: set_active(s, name, False), f"{name} can no longer sign in")


def users_enable(name: str, db: DbOption = None) -> None:
    """Let a user sign in again."""
    _on_store(db, lambda s: set_active(s, name, True), f"{name} can sign in")


def users_token(name: str,
                label: Annotated[str, typer.Option(help="What the token is for.")] = "api",
                revoke: Annotated[bool, typer.Option(
                    "--revoke", help="Revoke every token of the user instead.")] = False,
                db: DbOption = None) -> None:
    """Make an API token for a user (shown once: send it as 'Authorization: Bearer TOKEN'),
    or revoke their tokens."""
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
    """Add the web commands to the ``mealink`` app."""
    app.command("serve")(serve)
    users = typer.Typer(help="Who may sign in to the web application, and API tokens.",
                        no_args_is_help=True)
    users.command("add")(users_add)
    users.command("list")(users_list)
    users.command("password")(users_password)
    users.command("disable")(users_disable)
    users.command("enable")(users_enable)
    users.command("token")(users_token)
    app.add_typer(users, name="users")
