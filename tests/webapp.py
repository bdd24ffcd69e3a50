"""What the web tests share: a corpus with a hostile text, users of each role, and clients
that sign in through the real forms."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mealink.store import Store, ingest
from mealink.store.search.vectors import embed_paragraphs
from mealink.store.users import add_user
from tests.conftest import INVENTED

PASSWORD = "correct horse battery"
HOSTILE_ID = "cms/resolution/13.999"
# A resolution whose text holds markup and a script: it must be shown as text.
HOSTILE = """UNEP/CMS/Resolution 13.999

TESTING <b>MARKUP</b> IN TITLES <script>alert('title')</script>

Adopted by the Conference of the Parties at its 13th Meeting (Gandhinagar, February 2020)

Recalling Resolution 13.905 on <i>invasive</i> alien species;

1. Requests the Secretariat to publish <script>alert(1)</script> & report "quotes" to the \
Standing Committee at its 56th meeting;

2. Urges Parties to read <img src=x onerror=alert(2)> carefully;
"""


def fill(store: Store, folder: Path) -> None:
    """The invented fixtures, the hostile text, and one user of each role."""
    hostile = folder / "hostile.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    summary = ingest(store, [INVENTED, hostile])
    assert not [o for o in summary.outcomes if o.outcome == "failed"], summary.outcomes
    embed_paragraphs(store)  # as `mealink ingest` does: hybrid search and overlaps need it
    for name, role in (("rita", "reader"), ("ana", "editor"), ("root", "admin")):
        add_user(store, name, role, PASSWORD)


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page's form carries."""
    m = _CSRF.search(html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; the session's CSRF token for later forms."""
    page = client.get("/sign-in")
    r = client.post("/sign-in", data={"name": name, "password": password,
                                      "csrf_token": csrf_of(page.text), "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/").text)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on loopback in a thread of this process, as ``mealink serve``
    runs it; yields its address and stops it, closing its store, on the way out."""
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            pytest.fail("the web server did not start within 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)
        app.state.store.dispose()
