"""Users, sessions, CSRF and tokens on SQLite and PostgreSQL: reading is open (or private),
writing needs an editor, admin actions need an admin, every write is attributed, and
nothing is written by a refused request."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mealink.errors import ConflictError, MealinkError
from mealink.store import Store, open_store
from mealink.store.engine.schema import ParagraphRow, UserRow
from mealink.store.progress import history
from mealink.store.users import (
    add_user,
    authenticate,
    create_token,
    revoke_tokens,
    set_active,
    user_for_token,
)
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import make_db
from tests.webapp import PASSWORD, csrf_of, fill, sign_in

M_1 = "cms/resolution/13.905/para_1/parties"
M_3B = "cms/resolution/13.905/para_3(b)/scientific-council"
M_7 = "cms/resolution/13.905/para_5/secretariat"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[str, Store]]:
    folder = tmp_path_factory.mktemp("auth")
    gen = make_db(request.param, folder, request)
    url = next(gen)
    store = open_store(url)
    fill(store, folder)
    yield url, store
    store.dispose()
    for _ in gen:
        pass


@pytest.fixture
def client(site: tuple[str, Store]) -> Iterator[TestClient]:
    """A fresh browser (no cookies) on the application."""
    app = create_app(WebConfig(db=site[0]))
    with TestClient(app, base_url="https://testserver") as c:
        yield c
    app.state.store.dispose()


def _entries(store: Store, mandate_id: str) -> int:
    return len(history(store, mandate_id))


def test_editor_changes_a_status_through_the_form_and_is_named(
        client: TestClient, site: tuple[str, Store]) -> None:
    store = site[1]
    csrf = sign_in(client, "ana")
    before = _entries(store, M_3B)
    page = client.get(f"/mandate/{M_3B}")
    assert "Record progress" in page.text
    r = client.post(f"/mandate/{M_3B}/progress", data={
        "csrf_token": csrf, "status": "implemented", "note": "Review delivered to ScC-SC6",
        "evidence": "CMS Decision 14.911\nhttps://www.cms.int/en/document/x",
        "expect": str(before)}, follow_redirects=False)
    assert r.status_code == 303
    entries = history(store, M_3B)
    assert len(entries) == before + 1
    last = entries[-1]
    assert (last.author, last.status) == ("ana", "implemented")
    assert last.evidence == ("CMS Decision 14.911", "https://www.cms.int/en/document/x")
    shown = client.get(f"/mandate/{M_3B}").text
    assert "Progress recorded." in shown and "<b>ana</b>" in shown
    assert "Review delivered to ScC-SC6" in shown
    api = client.get(f"/api/v1/mandates/{M_3B}").json()
    assert api["status"] == "implemented" and api["history"][-1]["author"] == "ana"


@pytest.mark.parametrize(("who", "with_csrf", "status"), [
    (None, False, 401),        # not signed in
    (None, True, 401),
    ("ana", False, 403),       # editor without the form's token
    ("rita", True, 403),       # a reader may not write
])
def test_refused_writes_write_nothing(client: TestClient, site: tuple[str, Store],
                                      who: str | None, with_csrf: bool, status: int) -> None:
    store = site[1]
    csrf = sign_in(client, who) if who else csrf_of(client.get("/sign-in").text)
    before = _entries(store, M_1)
    data = {"status": "implemented", "note": "forged"}
    if with_csrf:
        data["csrf_token"] = csrf
    r = client.post(f"/mandate/{M_1}/progress", data=data, follow_redirects=False)
    assert r.status_code == status
    api = client.post(f"/api/v1/mandates/{M_1}/progress", json={"status": "implemented"},
                      headers={"x-csrf-token": csrf} if with_csrf else {})
    assert api.status_code == status and api.json()["error"]["status"] == status
    assert _entries(store, M_1) == before


def test_a_stale_csrf_token_from_another_session_is_refused(
        client: TestClient, site: tuple[str, Store]) -> None:
    other = TestClient(client.app, base_url="https://testserver")
    stolen = sign_in(other, "ana")
    sign_in(client, "ana")
    before = _entries(site[1], M_1)
    r = client.post(f"/mandate/{M_1}/progress", data={"csrf_token": stolen, "note": "x"},
                    follow_redirects=False)
    assert r.status_code == 403 and _entries(site[1], M_1) == before


def test_editor_cannot_do_admin_actions(client: TestClient, site: tuple[str, Store]) -> None:
    csrf = sign_in(client, "ana")
    assert client.get("/admin/users").status_code == 403
    r = client.post("/admin/users", data={"csrf_token": csrf, "name": "mallory",
                                          "role": "admin", "password": "x" * 12},
                    follow_redirects=False)
    assert r.status_code == 403
    token = create_token(site[1], "ana")
    api = client.post("/api/v1/users", json={"name": "mallory", "role": "admin",
                                             "password": "x" * 12},
                      headers={"authorization": f"Bearer {token}"})
    assert api.status_code == 403 and api.json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/users", headers={"authorization": f"Bearer {token}"}
                      ).status_code == 403
    with site[1].engine.connect() as conn:
        assert not conn.execute(select(UserRow).where(UserRow.name == "mallory")).first()


def test_admin_adds_a_user_who_can_then_sign_in(client: TestClient,
                                                site: tuple[str, Store]) -> None:
    csrf = sign_in(client, "root")
    page = client.get("/admin/users")
    assert page.status_code == 200 and "rita" in page.text
    r = client.post("/admin/users", data={"csrf_token": csrf, "name": "Lena Focal",
                                          "role": "editor", "password": "long enough pw"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert authenticate(site[1], "Lena Focal", "long enough pw") is not None
    dup = client.post("/admin/users", data={"csrf_token": csrf, "name": "Lena Focal",
                                            "role": "editor", "password": "long enough pw"})
    assert dup.status_code == 409 and "already a user" in dup.text
    token = create_token(site[1], "root")
    listed = client.get("/api/v1/users", params={"limit": 2},
                        headers={"authorization": f"Bearer {token}"}).json()
    assert listed["total"] >= 4 and len(listed["items"]) == 2
    made = client.post("/api/v1/users", headers={"authorization": f"Bearer {token}"},
                       json={"name": "api made", "role": "reader", "password": "x" * 12})
    assert made.status_code == 201 and made.json() == {"name": "api made", "role": "reader",
                                                       "active": True}


def test_api_token_writes_are_attributed_and_revocable(client: TestClient,
                                                      site: tuple[str, Store]) -> None:
    store = site[1]
    token = create_token(store, "ana", "national report tool")
    auth = {"authorization": f"Bearer {token}"}
    before = _entries(store, M_7)
    r = client.post(f"/api/v1/mandates/{M_7}/progress", headers=auth,
                    json={"note": "Guidelines drafted", "expected_seq": before})
    assert r.status_code == 201, r.text
    assert r.json()["author"] == "ana" and r.json()["seq"] == before + 1
    stale = client.post(f"/api/v1/mandates/{M_7}/progress", headers=auth,
                        json={"note": "again", "expected_seq": before})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    revoke_tokens(store, "ana")
    gone = client.post(f"/api/v1/mandates/{M_7}/progress", headers=auth, json={"note": "x"})
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "invalid_token"
    bad = client.get("/api/v1/documents", headers={"authorization": "Bearer mlk_nonsense"})
    assert bad.status_code == 401
    assert _entries(store, M_7) == before + 1


def test_wrong_password_and_shut_out_users_get_no_session(client: TestClient,
                                                          site: tuple[str, Store]) -> None:
    page = client.get("/sign-in")
    r = client.post("/sign-in", data={"name": "ana", "password": "wrong password!",
                                      "csrf_token": csrf_of(page.text)})
    assert r.status_code == 401 and "do not match" in r.text
    assert client.get("/api/v1/me").json() is None
    add_user(site[1], "leaver", "editor", PASSWORD)
    sign_in(client, "leaver")
    assert client.get("/api/v1/me").json()["name"] == "leaver"
    set_active(site[1], "leaver", False)
    assert client.get("/api/v1/me").json() is None  # the session stops at once


def test_sign_in_goes_back_only_to_this_site(client: TestClient) -> None:
    page = client.get("/sign-in")
    r = client.post("/sign-in", data={"name": "ana", "password": PASSWORD,
                                      "csrf_token": csrf_of(page.text),
                                      "next": "//evil.example/steal"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_session_cookie_is_secure_httponly_and_lax(client: TestClient) -> None:
    r = client.get("/sign-in")
    cookie = r.headers["set-cookie"].lower()
    assert "mealink_session=" in cookie and "httponly" in cookie and "secure" in cookie
    assert "samesite=lax" in cookie


@pytest.mark.parametrize("query", [
    "'; DROP TABLE paragraphs; --", '" OR 1=1 --', "species') OR ('1'='1",
    "UNION SELECT password_hash FROM users", "NEAR(a b) * ^ : {x}",
])
def test_sql_looking_search_input_is_just_text(client: TestClient, site: tuple[str, Store],
                                               query: str) -> None:
    with site[1].engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(ParagraphRow)).scalar_one()
    for path in ("/search", "/api/v1/search"):
        r = client.get(path, params={"q": query})
        assert r.status_code in (200, 400), (path, r.text[:200])
        if path.startswith("/api") and r.status_code == 200:
            assert all("argon2" not in h["snippet"] for h in r.json()["items"])
    with site[1].engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ParagraphRow)).scalar_one() \
            == before


def test_private_reading_needs_signing_in(site: tuple[str, Store]) -> None:
    app = create_app(WebConfig(db=site[0], read="signed-in"))
    with TestClient(app, base_url="https://testserver") as c:
        assert c.get("/").status_code == 401
        assert c.get("/cms/resolution/13.905").status_code == 401
        assert c.get("/api/v1/documents").json()["error"]["code"] == "sign_in_required"
        assert c.get("/sign-in").status_code == 200
        sign_in(c, "rita")
        assert c.get("/cms/resolution/13.905").status_code == 200
        assert c.get("/api/v1/documents").status_code == 200
    app.state.store.dispose()


def test_users_store_rules(site: tuple[str, Store]) -> None:
    store = site[1]
    with pytest.raises(ConflictError, match="already a user"):
        add_user(store, "ana", "editor", PASSWORD)
    with pytest.raises(MealinkError, match="too short"):
        add_user(store, "shorty", "editor", "short")
    with pytest.raises(MealinkError, match="not one of"):
        add_user(store, "boss", "owner", PASSWORD)
    with pytest.raises(MealinkError, match="user name"):
        add_user(store, "<script>", "editor", PASSWORD)
    with store.engine.connect() as conn:
        stored = conn.execute(select(UserRow.password_hash).where(UserRow.name == "ana")
                              ).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert authenticate(store, "ana", PASSWORD) is not None
    assert authenticate(store, "ana", PASSWORD + "x") is None
    assert authenticate(store, "nobody", PASSWORD) is None
    assert user_for_token(store, "not-a-token") is None


def test_users_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "u.db")
    cli = [sys.executable, "-m", "mealink.cli"]

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args, "--db", db], input=stdin, capture_output=True,
                              text=True, timeout=60, check=False)

    ok = run("users", "add", "ana", "--role", "editor", "--password-stdin", stdin=PASSWORD)
    assert ok.returncode == 0 and "added ana (editor)" in ok.stdout
    bad = run("users", "add", "bo", "--role", "owner", "--password-stdin", stdin=PASSWORD)
    assert bad.returncode == 1 and "not one of" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    short = run("users", "add", "cy", "--password-stdin", stdin="short")
    assert short.returncode == 1 and "too short" in short.stderr
    token = run("users", "token", "ana", "--label", "ci")
    assert token.returncode == 0 and token.stdout.startswith("mlk_")
    listed = run("users", "list")
    assert "ana" in listed.stdout and "editor" in listed.stdout and "cy" not in listed.stdout
    missing = run("users", "disable", "nobody")
    assert missing.returncode == 1 and "no user 'nobody'" in missing.stderr
