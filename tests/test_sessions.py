"""Sessions kept in the database, on SQLite and PostgreSQL: the cookie holds only a random id,
and a cookie copied before signing out, a new password, a shut-out or a new role reads
nothing as the user and writes nothing; sessions end when idle and at their absolute
lifetime (on a clock the test sets, not by sleeping)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mealink.store import Store, open_store
from mealink.store.engine.schema import SessionRow
from mealink.store.progress import history
from mealink.store.users import add_user, set_active, set_password
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import make_db
from tests.webapp import PASSWORD, csrf_of, fill, sign_in

M_1 = "cms/resolution/13.905/para_1/parties"
COOKIE = "mealink_session"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[str, Store]]:
    folder = tmp_path_factory.mktemp("sessions")
    gen = make_db(request.param, folder, request)
    url = next(gen)
    store = open_store(url)
    fill(store, folder)
    for name in ("eve", "leaver", "mover", "changer", "idler", "stayer", "other"):
        add_user(store, name, "editor", PASSWORD)
    yield url, store
    store.dispose()
    for _ in gen:
        pass


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(site: tuple[str, Store], clock: Clock) -> Iterator[object]:
    made = create_app(WebConfig(db=site[0], clock=clock))
    yield made
    made.state.store.dispose()


def _browser(app: object) -> TestClient:
    return TestClient(app, base_url="https://testserver")  # type: ignore[arg-type]


def _stolen(app: object, cookie: str) -> TestClient:
    """Another browser holding a copy of the cookie."""
    return TestClient(app, base_url="https://testserver",  # type: ignore[arg-type]
                      headers={"cookie": f"{COOKIE}={cookie}"})


def _can_write(client: TestClient, csrf: str, store: Store) -> bool:
    """Whether the client may record progress (it is refused without writing otherwise)."""
    before = len(history(store, M_1))
    r = client.post(f"/api/v1/mandates/{M_1}/progress", json={"note": "by the copy"},
                    headers={"x-csrf-token": csrf})
    if r.status_code == 201:
        return True
    assert r.status_code in (401, 403), r.text
    assert r.json()["error"]["status"] == r.status_code
    assert len(history(store, M_1)) == before
    return False


def _me(client: TestClient) -> str | None:
    me = client.get("/api/v1/me").json()
    return me["name"] if me else None


def _sessions(store: Store, **where: object) -> int:
    with store.engine.connect() as conn:
        q = select(func.count()).select_from(SessionRow)
        for column, value in where.items():
            q = q.where(getattr(SessionRow, column) == value)
        return int(conn.execute(q).scalar_one())


def test_a_cookie_copied_before_sign_out_is_dead(app: object, site: tuple[str, Store]) -> None:
    store = site[1]
    browser = _browser(app)
    csrf = sign_in(browser, "eve")
    cookie = browser.cookies[COOKIE]
    thief = _stolen(app, cookie)
    assert _me(thief) == "eve" and _can_write(thief, csrf, store)  # a live copy works
    r = browser.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert _me(browser) is None
    assert _me(thief) is None and not _can_write(thief, csrf, store)
    # the page a copy opens shows nobody signed in, and offers no form to write with
    page = thief.get(f"/mandate/{M_1}").text
    assert "Sign out" not in page and "Record progress" not in page


def test_the_cookie_holds_only_a_random_id_and_the_store_only_its_hash(
        app: object, site: tuple[str, Store]) -> None:
    browser = _browser(app)
    sign_in(browser, "eve")
    cookie = browser.cookies[COOKIE]
    assert len(cookie) == 43 and "." not in cookie and "eve" not in cookie
    digest = hashlib.sha256(cookie.encode()).hexdigest()
    assert _sessions(site[1], id_hash=digest) == 1
    with site[1].engine.connect() as conn:
        assert not conn.execute(select(SessionRow).where(SessionRow.id_hash == cookie)).first()


def test_sign_out_ends_only_that_session(app: object, site: tuple[str, Store]) -> None:
    laptop, phone = _browser(app), _browser(app)
    csrf = sign_in(laptop, "stayer")
    sign_in(phone, "stayer")
    laptop.post("/sign-out", data={"csrf_token": csrf})
    assert _me(laptop) is None and _me(phone) == "stayer"


def _cli(db: str, *args: str, stdin: str = "") -> None:
    done = subprocess.run([sys.executable, "-m", "mealink.cli", "users", *args, "--db", db],
                          input=stdin, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("change", ["password", "disable", "role"])
def test_a_new_password_a_shut_out_or_a_new_role_ends_every_session_of_the_user(
        app: object, site: tuple[str, Store], change: str) -> None:
    url, store = site
    name = {"password": "changer", "disable": "leaver", "role": "mover"}[change]
    laptop, phone, bystander = _browser(app), _browser(app), _browser(app)
    csrf = sign_in(laptop, name)
    sign_in(phone, name)
    other_csrf = sign_in(bystander, "other")
    thief = _stolen(app, laptop.cookies[COOKIE])
    if change == "password":
        _cli(url, "password", name, "--password-stdin", stdin="a new long password\n")
    elif change == "disable":
        _cli(url, "disable", name)
        _cli(url, "enable", name)  # let back in: the old sessions stay ended
    else:
        _cli(url, "role", name, "--role", "reader")
    for client in (laptop, phone, thief):
        assert _me(client) is None
        assert not _can_write(client, csrf, store)
    assert _sessions(store, user_id=_user_id(store, name)) == 0
    assert _me(bystander) == "other" and _can_write(bystander, other_csrf, store)


def _user_id(store: Store, name: str) -> int:
    from mealink.store.engine.schema import UserRow

    with store.engine.connect() as conn:
        return int(conn.execute(select(UserRow.id).where(UserRow.name == name)).scalar_one())


def test_store_changes_end_sessions_without_the_cli(app: object, site: tuple[str, Store]
                                                    ) -> None:
    store = site[1]
    browser = _browser(app)
    sign_in(browser, "leaver", PASSWORD)
    set_active(store, "leaver", False)
    set_active(store, "leaver", True)
    assert _me(browser) is None
    sign_in(browser, "leaver")
    set_password(store, "leaver", PASSWORD)  # even the same password: a deliberate change
    assert _me(browser) is None


def test_a_session_ends_when_idle(app: object, clock: Clock) -> None:
    browser = _browser(app)
    sign_in(browser, "idler")
    for _ in range(4):  # used every 11 hours: it goes on past the idle lifetime
        clock.advance(hours=11)
        assert _me(browser) == "idler"
    clock.advance(hours=12, minutes=1)
    assert _me(browser) is None
    clock.advance(hours=-12)  # not idle by this clock again, but the session is gone
    assert _me(browser) is None


def test_a_session_ends_at_its_absolute_lifetime(app: object, clock: Clock) -> None:
    browser = _browser(app)
    sign_in(browser, "idler")
    for _ in range(27):  # 13.5 days of use, every 12 hours less a minute
        clock.advance(hours=11, minutes=59)
        assert _me(browser) == "idler"
    clock.advance(hours=11, minutes=59)  # 14 days less 28 minutes: still within
    assert _me(browser) == "idler"
    clock.advance(minutes=30)
    assert _me(browser) is None


def test_lifetimes_are_configurable(site: tuple[str, Store], clock: Clock) -> None:
    made = create_app(WebConfig(db=site[0], clock=clock, session_idle_hours=1,
                                session_days=0.5))
    browser = _browser(made)
    sign_in(browser, "idler")
    clock.advance(minutes=59)
    assert _me(browser) == "idler"
    clock.advance(minutes=61)
    assert _me(browser) is None
    made.state.store.dispose()


def test_expired_sessions_are_deleted_on_sign_in(app: object, site: tuple[str, Store],
                                                 clock: Clock) -> None:
    store = site[1]
    for _ in range(3):
        sign_in(_browser(app), "idler")
    uid = _user_id(store, "idler")
    assert _sessions(store, user_id=uid) >= 3
    clock.advance(days=15)
    sign_in(_browser(app), "stayer")
    assert _sessions(store, user_id=uid) == 0


def test_a_new_session_id_and_csrf_token_at_sign_in(app: object) -> None:
    browser = _browser(app)
    page = browser.get("/sign-in")
    before, form_csrf = browser.cookies[COOKIE], csrf_of(page.text)
    csrf = sign_in(browser, "eve")
    assert browser.cookies[COOKIE] != before and csrf != form_csrf
    # a cookie planted before signing in (fixation) is not the signed-in one
    assert _me(_stolen(app, before)) is None


def test_an_admin_changes_a_role_on_the_users_page_and_the_user_signs_in_again(
        app: object, site: tuple[str, Store]) -> None:
    store = site[1]
    add_user(store, "promoted", "reader", PASSWORD)
    admin, member = _browser(app), _browser(app)
    csrf = sign_in(admin, "root")
    sign_in(member, "promoted")
    page = admin.get("/admin/users").text
    assert 'action="/admin/users/promoted/role"' in page and "Change role" in page
    r = admin.post("/admin/users/promoted/role", data={"csrf_token": csrf, "role": "editor"},
                   follow_redirects=False)
    assert r.status_code == 303
    assert "promoted is now editor" in admin.get("/admin/users").text
    assert _me(member) is None
    sign_in(member, "promoted")
    assert member.get("/api/v1/me").json()["role"] == "editor"
    mine = admin.post("/admin/users/root/role", data={"csrf_token": csrf, "role": "reader"})
    assert mine.status_code == 400 and "your own role" in mine.text
    bad = admin.post("/admin/users/promoted/role", data={"csrf_token": csrf, "role": "owner"})
    assert bad.status_code == 400 and "not one of" in bad.text
    forged = admin.post("/admin/users/promoted/role", data={"role": "admin"})
    assert forged.status_code == 403 and member.get("/api/v1/me").json()["role"] == "editor"


def test_users_role_refuses_an_unknown_role_or_user_in_one_line(tmp_path: object) -> None:
    db = f"{tmp_path}/u.db"
    _cli(db, "add", "ana", "--password-stdin", stdin=PASSWORD)
    for args, said in ((("role", "ana", "--role", "owner"), "not one of"),
                       (("role", "nobody", "--role", "reader"), "no user 'nobody'")):
        done = subprocess.run([sys.executable, "-m", "mealink.cli", "users", *args, "--db", db],
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 1 and said in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
