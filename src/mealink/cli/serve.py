"""``mealink serve``: the web application and API, on one process or several workers sharing
one listening socket; reading open to all or to signed-in users; answering only to the Host
names it is told (and the loopback ones)."""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import sys
import time
from enum import StrEnum
from typing import Annotated, Any

import typer

from mealink.cli.options import DbOption
from mealink.errors import MealinkError

__all__ = ['register']


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

    from mealink.web.protocol import LimitedHttpProtocol

    return uvicorn.Config("mealink.web.app:app_from_env", factory=True, host=host, port=port,
                          log_level="warning", access_log=False, proxy_headers=True,
                          server_header=False, http=LimitedHttpProtocol)


def _worker(host: str, port: int) -> None:
    """One worker process with a socket of its own on the shared port (SO_REUSEPORT): the
    kernel spreads connections over the workers instead of the first awake taking all."""
    import uvicorn

    sock = _listen(host, port, reuse_port=True)
    uvicorn.Server(_uvicorn_config(host, port)).run(sockets=[sock])


def _run_workers(host: str, port: int, workers: int) -> None:
    import multiprocessing

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
    allowed_host: Annotated[list[str] | None, typer.Option(
        "--allowed-host", help="A Host name the server answers to besides localhost, "
        "127.0.0.1 and --host (repeat for several; *.example.org for its subdomains, * for "
        "any); default: MEALINK_ALLOWED_HOSTS, comma separated.")] = None,
) -> None:
    """Start the web application and the REST API (/api/v1) on the database."""
    import uvicorn

    from mealink.store import open_store
    from mealink.web.app import config_from_env
    from mealink.web.middleware import served_hosts

    secure = secure_cookies if secure_cookies is not None else not _is_loopback(host)
    if db:
        os.environ["MEALINK_DB"] = db
    os.environ["MEALINK_READ"] = read.value
    os.environ["MEALINK_SECURE_COOKIES"] = "1" if secure else "0"
    os.environ["MEALINK_THREADS"] = str(threads)
    told = allowed_host if allowed_host else [os.environ.get("MEALINK_ALLOWED_HOSTS", "")]
    hosts = served_hosts(host, told)
    os.environ["MEALINK_ALLOWED_HOSTS"] = ",".join(hosts)
    config_from_env()  # what the workers will read: a bad MEALINK_* value is one line now
    store = open_store(db, create=True)  # create or upgrade it once, before any worker
    store.dispose()
    reuse_port = workers > 1 and sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")
    _listen(host, port, reuse_port=False).close()  # the port is free (even of other
    # SO_REUSEPORT servers, which would silently share it): say so now if not
    typer.echo(f"mealink: serving {store.name} on http://{host}:{port}/ with {workers} "
               f"worker{'s' if workers != 1 else ''} (reading {read.value}; Ctrl+C stops)",
               err=True)
    typer.echo(f"mealink: answering to the hosts {', '.join(hosts)} (--allowed-host adds "
               "others)", err=True)
    if reuse_port:
        _run_workers(host, port, workers)
    else:
        if workers == 1:
            uvicorn.Server(_uvicorn_config(host, port)).run()
        else:  # no SO_REUSEPORT here: uvicorn's workers share one socket
            from mealink.web.protocol import LimitedHttpProtocol

            uvicorn.run("mealink.web.app:app_from_env", factory=True, host=host, port=port,
                        workers=workers, log_level="warning", access_log=False,
                        proxy_headers=True, server_header=False, http=LimitedHttpProtocol)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``mealink`` app."""
    app.command("serve")(serve)
