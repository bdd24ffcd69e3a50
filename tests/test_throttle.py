"""Sign-in throttling, on SQLite and PostgreSQL: failed tries per user name and per client
address lead to growing waits and a temporary lock (429 with Retry-After, even for the right
password), counted in the database so that every worker process sees them, cleared by a
successful sign-in; and password hashing runs in a bounded pool, so parallel sign-ins get a
quick 429 instead of holding the threads a document page needs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

import mealink.store.users as users_module
from mealink.store import Store, open_store
from mealink.store.users import add_user
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import make_db
from tests.webapp import PASSWORD, csrf_of, fill, free_port


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[str, Store]]:
    folder = tmp_path_factory.mktemp("throttle")
    gen = make_db(request.param, folder, request)
    url = next(gen)
    store = open_store(url)
    fill(store, folder)
    for name in ("target", "shared", "spray"):
        add_user(store, name, "editor", PASSWORD)
    yield url, store
    store.dispose()
    for _ in gen:
        pass


def _client(url: str, clock: Clock, address: str = "203.0.113.7") -> TestClient:
    app = create_app(WebConfig(db=url, clock=clock))
    return TestClient(app, base_url="https://testserver", client=(address, 50000))


def _try(client: TestClient, name: str, password: str) -> httpx.Response:
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"name": name, "password": password, "next": "/",
                                         "csrf_token": csrf_of(page.text)},
                       follow_redirects=False)


def test_thirty_wrong_passwords_end_in_a_lock_the_right_password_does_not_open(
        site: tuple[str, Store]) -> None:
    clock = Clock()
    client = _client(site[0], clock)
    codes = [_try(client, "target", "wrong password!").status_code for _ in range(30)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, codes
    refused = _try(client, "target", "wrong password!")
    assert refused.headers["retry-after"] == "1"
    assert "try again in 1 second" in refused.text and 'role="alert"' in refused.text
    # each further failure doubles the wait (once it has passed), up to the lock at ten
    waits = []
    for _ in range(5):
        r = _try(client, "target", "wrong password!")
        assert r.status_code == 429
        wait = int(r.headers["retry-after"])
        waits.append(wait)
        clock.advance(wait)
        assert _try(client, "target", "wrong password!").status_code == 401
    assert waits == [1, 2, 4, 8, 16]
    locked = _try(client, "target", PASSWORD)  # the right password, while locked
    assert locked.status_code == 429 and 850 <= int(locked.headers["retry-after"]) <= 900
    assert "15 minutes" in locked.text
    assert client.get("/api/v1/me").json() is None
    clock.advance(14 * 60)
    assert _try(client, "target", PASSWORD).status_code == 429
    clock.advance(61)
    assert _try(client, "target", PASSWORD).status_code == 303
    assert client.get("/api/v1/me").json()["name"] == "target"
    # the success cleared the count: a slip now is a plain 401, not a wait
    again = _client(site[0], clock)
    assert _try(again, "target", "wrong password!").status_code == 401
    client.app.state.store.dispose()  # type: ignore[attr-defined]
    again.app.state.store.dispose()  # type: ignore[attr-defined]


def test_the_count_is_shared_by_every_worker_process(site: tuple[str, Store]) -> None:
    """Two applications over one database stand for two worker processes."""
    clock = Clock()
    one, two = _client(site[0], clock), _client(site[0], clock, "198.51.100.9")
    for _ in range(5):
        assert _try(one, "shared", "wrong password!").status_code == 401
    assert _try(two, "shared", PASSWORD).status_code == 429  # another worker, address
    clock.advance(1)
    assert _try(two, "shared", PASSWORD).status_code == 303
    for c in (one, two):
        c.app.state.store.dispose()  # type: ignore[attr-defined]


def test_one_address_trying_many_names_is_slowed_down(site: tuple[str, Store]) -> None:
    clock = Clock()
    client = _client(site[0], clock, "192.0.2.44")
    codes = [_try(client, f"guess{i}", "wrong password!").status_code for i in range(20)]
    assert codes == [401] * 20
    r = _try(client, "spray", PASSWORD)  # a name never tried, from the same address
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    elsewhere = _client(site[0], clock, "192.0.2.45")
    assert _try(elsewhere, "spray", PASSWORD).status_code == 303
    for c in (client, elsewhere):
        c.app.state.store.dispose()  # type: ignore[attr-defined]


# --- the hashing pool --------------------------------------------------------------------
class CountingHasher:
    """The real Argon2 hasher, counting how many hashes run at once."""

    def __init__(self, real: Any) -> None:
        self.real, self.lock, self.running, self.most = real, threading.Lock(), 0, 0

    def _counted(self, method: str, *args: Any) -> Any:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return getattr(self.real, method)(*args)
        finally:
            with self.lock:
                self.running -= 1

    def verify(self, *args: Any) -> Any:
        return self._counted("verify", *args)

    def hash(self, *args: Any) -> Any:
        return self._counted("hash", *args)

    def check_needs_rehash(self, digest: str) -> bool:
        return bool(self.real.check_needs_rehash(digest))


def test_parallel_sign_ins_never_hash_more_than_the_pool_and_pages_stay_fast(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "web.db")
    store = open_store(db)
    fill(store, tmp_path)
    store.dispose()
    counting = CountingHasher(users_module._hasher)
    monkeypatch.setattr(users_module, "_hasher", counting)
    app = create_app(WebConfig(db=db, secure_cookies=False))
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the web server did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        clients = [httpx.Client(base_url=base) for _ in range(16)]
        tokens = [csrf_of(c.get("/sign-in").text) for c in clients]

        def wrong(i: int) -> int:
            r = clients[i].post("/sign-in", data={"name": f"user{i}", "csrf_token": tokens[i],
                                                  "password": "wrong password!"})
            return r.status_code

        with ThreadPoolExecutor(16) as pool:
            rounds = [pool.map(wrong, range(16)) for _ in range(3)]
            took = []
            for _ in range(5):
                start = time.monotonic()
                assert httpx.get(f"{base}/cms/resolution/13.905").status_code == 200
                took.append(time.monotonic() - start)
            codes = [code for r in rounds for code in r]
        assert counting.most == 1, f"{counting.most} passwords hashed at once"
        assert set(codes) <= {401, 429} and 429 in codes, codes
        assert max(took) < 2.0, took  # loosely: it was 3.95 s without the pool
        for c in clients:
            c.close()
    finally:
        srv.should_exit = True
        thread.join(10)
        app.state.store.dispose()
