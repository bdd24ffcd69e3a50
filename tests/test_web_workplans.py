"""Work plans on the web, on SQLite and PostgreSQL, over real texts: the pages a
secretariat reads (a plan, what is overdue, the mandates each activity cites, linked both
ways with the mandate's page), the API's shapes, and progress recorded by an editor with a
token, refused without one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mealink.store import ingest, open_store
from mealink.store.users import add_user, create_token
from mealink.store.workplans.plans import import_plan
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from mealink.workplans.read import read_plan
from tests.conftest import REPO, make_db
from tests.webapp import PASSWORD, sign_in

TEXTS = ["cms-res-11.10.txt", "cms-res-11.28.txt", "cites-res-conf-13.3.txt"]
PID = "cms-cites-joint-work-plan-test"
MANDATE = "cms/resolution/11.10/para_8/secretariat"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, realdocs_dir: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """The application over the real texts and the test plan; an editor's token."""
    gen = make_db(request.param, tmp_path_factory.mktemp("web"), request)
    url = next(gen)
    store = open_store(url)
    assert ingest(store, [realdocs_dir / t for t in TEXTS]).counts()["failed"] == 0
    import_plan(store, read_plan(REPO / "tests" / "data" / "workplan-cms-cites.yaml"))
    add_user(store, "ana", "editor", PASSWORD)
    token = create_token(store, "ana", "secretariat tool")
    store.dispose()
    app = create_app(WebConfig(db=url))
    with TestClient(app, base_url="https://testserver") as c:
        yield c, token
    app.state.store.dispose()
    for _ in gen:
        pass


@pytest.mark.parametrize(("path", "expected"), [
    ("/workplans", ["Joint work plans", "CMS-CITES joint work plan (test)",
                    f'href="/workplans/{PID}"']),
    (f"/workplans/{PID}?as_of=2026-07-01",
     ["Joint work programme on invasive alien species", "overdue",
      "CMS Resolution 11.28 ¶3", f'href="/mandate/{MANDATE}"',
      "CMS Resolution 11.10 ¶99 <small>(unresolved: CMS Resolution 11.10 has no paragraph 99",
      "Sign in"]),
    (f"/mandate/{MANDATE}", ["Carried out by", f'href="/workplans/{PID}#a-1.2"',
                             "activity 1.2"]),
    ("/mandate/cms/resolution/11.10/para_9/secretariat",
     ["No work plan activity cites this mandate"]),
])
def test_pages_show_plans_and_link_mandates_both_ways(site: tuple[TestClient, str],
                                                      path: str, expected: list[str]) -> None:
    r = site[0].get(path)
    assert r.status_code == 200, r.text[:300]
    for text in expected:
        assert text in r.text, f"{text!r} missing from {path}"


def test_the_api_gives_plans_activities_and_overdue(site: tuple[TestClient, str]) -> None:
    client = site[0]
    plans = client.get("/api/v1/workplans", params={"as_of": "2026-07-01"}).json()
    assert plans["total"] == 1 and plans["items"][0]["overdue"] == ["1.1"]
    plan = client.get(f"/api/v1/workplans/{PID}", params={"as_of": "2026-07-01"}).json()
    assert [a["id"] for a in plan["activities"]] == ["1.1", "1.2"]
    assert [m["resolved"] for m in plan["activities"][1]["mandates"]] == [True, False, False]
    assert client.get(f"/workplans/{PID}?format=csv").text.splitlines()[0].startswith(
        "id,activity,lead,partners,targets,timetable,due,status,overdue,mandates")
    assert client.get("/workplans/no-such-plan").status_code == 404
    missing = client.get("/api/v1/workplans/no-such-plan")
    assert missing.status_code == 404 and "no work plan 'no-such-plan'" in \
        missing.json()["error"]["message"]


def test_an_editor_records_progress_and_an_anonymous_write_is_refused(
        site: tuple[TestClient, str]) -> None:
    client, token = site
    path = f"/api/v1/workplans/{PID}/activities/1.2/progress"
    body = {"status": "implemented", "note": "Reported to both COPs",
            "evidence": ["UNEP/CMS/Resolution 11.10"], "expected_seq": 0}
    assert client.post(path, json=body).status_code == 401
    made = client.post(path, json=body, headers={"authorization": f"Bearer {token}"})
    assert made.status_code == 201, made.text
    assert (made.json()["author"], made.json()["seq"]) == ("ana", 1)
    again = client.post(path, json=body, headers={"authorization": f"Bearer {token}"})
    assert again.status_code == 409
    history = client.get(path).json()
    assert [e["note"] for e in history["items"]] == ["Reported to both COPs"]
    page = client.get(f"/mandate/{MANDATE}").text
    assert "activity 1.2</a>: Harmonised reporting on synergies to both COPs" in page


def test_an_editor_records_progress_through_the_plan_s_form(
        site: tuple[TestClient, str]) -> None:
    client = site[0]
    csrf = sign_in(client, "ana")
    page = client.get(f"/workplans/{PID}").text
    assert f'action="/workplans/{PID}/1.1/progress"' in page
    form = {"csrf_token": csrf, "status": "stagnant", "note": "Waiting on the CITES StC",
            "evidence": "UNEP/CMS/Resolution 11.28", "expect": "0"}
    r = client.post(f"/workplans/{PID}/1.1/progress", data=form, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/workplans/{PID}#a-1.1")
    shown = client.get(f"/workplans/{PID}").text
    assert "Progress recorded on activity 1.1." in shown
    assert "Waiting on the CITES StC" in shown
    assert '<a href="/cms/resolution/11.28">UNEP/CMS/Resolution 11.28</a>' in shown
    stale = client.post(f"/workplans/{PID}/1.1/progress", data=form, follow_redirects=False)
    assert stale.status_code == 409
    assert client.post(f"/workplans/{PID}/1.1/progress", data={**form, "csrf_token": "x",
                                                               "expect": "1"},
                       follow_redirects=False).status_code == 403
    client.cookies.clear()  # the module's other tests read as an anonymous visitor
