"""``mealink diff`` over stored texts, on SQLite and PostgreSQL, with CITES Decision 17.170
(Rev. CoP18) and (Rev. CoP19) of ``../shared/realdocs`` ingested: the API, the page (and
the link to it from a document's page), the command on stored texts and on files, and its
one-line refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mealink.store import ingest, open_store
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import make_db

A, B = "CITES Decision 17.170 (Rev. CoP18)", "CITES Decision 17.170 (Rev. CoP19)"
A_ID, B_ID = "cites/decision/17.170-rev-cop18", "cites/decision/17.170-rev-cop19"
FILES = ["cites-dec-17.170-rev-cop18.txt", "cites-dec-17.170-rev-cop19.txt",
         "cms-res-10.8-rev-cop14.txt"]
COUNTS = {"unchanged": 0, "changed": 1, "added": 0, "deleted": 4, "moved": 0}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, realdocs_dir: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """The application over the CITES pair and CMS Resolution 10.8 (Rev.COP14), whose
    earlier versions are known only from citations; and the database's address."""
    gen = make_db(request.param, tmp_path_factory.mktemp("diff"), request)
    url = next(gen)
    store = open_store(url)
    assert ingest(store, [realdocs_dir / f for f in FILES]).counts()["failed"] == 0
    store.dispose()
    app = create_app(WebConfig(db=url))
    with TestClient(app, base_url="https://testserver") as c:
        yield c, url
    app.state.store.dispose()
    for _ in gen:
        pass


def test_api_diff(site: tuple[TestClient, str]) -> None:
    client, _ = site
    r = client.get("/api/v1/diff", params={"a": A, "b": B})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"] == COUNTS and not body["identical"]
    assert (body["a"], body["b"]) == ("CITES Decision 17.170 (Rev.CoP18)",
                                     "CITES Decision 17.170 (Rev.CoP19)")
    changed = [c for c in body["changes"] if c["status"] == "changed"]
    assert len(changed) == 1
    runs = [(r["op"], r["text"]) for r in changed[0]["runs"] if r["op"] != "equal"]
    assert runs[-2:] == [("delete", "19th"), ("insert", "20th")]
    start, end = next(r["a"] for r in changed[0]["runs"] if r["op"] == "delete"
                      and r["text"] == "19th")
    assert changed[0]["a"]["text"][start:end] == "19th"
    same = client.get("/api/v1/diff", params={"a": B_ID, "b": B}).json()
    assert same["identical"] and same["counts"]["unchanged"] == len(same["changes"])
    assert "/api/v1/diff" in client.get("/api/v1/openapi.json").json()["paths"]


@pytest.mark.parametrize(("params", "status", "words"), [
    ({"a": "CITES Decision 17.999", "b": B}, 404, "is not in the corpus"),
    ({"a": "CMS Resolution 10.8", "b": "CMS Resolution 10.8 (Rev.COP14)"}, 404,
     "known only from citations: its text is not stored, so there is nothing to compare "
     "(ingest it first, or name a stored version: CMS Resolution 10.8 (Rev.COP14))"),
    ({"a": A}, 422, ""),
])
def test_api_diff_refuses(site: tuple[TestClient, str], params: dict[str, str], status: int,
                          words: str) -> None:
    client, _ = site
    r = client.get("/api/v1/diff", params=params)
    assert r.status_code == status
    assert r.json()["error"]["status"] == status and words in r.json()["error"]["message"]


def test_page_marks_inserted_and_deleted_words(site: tuple[TestClient, str]) -> None:
    client, _ = site
    r = client.get("/diff", params={"a": A, "b": B})
    assert r.status_code == 200
    for want in ("0 unchanged, 1 changed, 0 added, 4 deleted, 0 moved", "<del>19th</del>",
                 "<ins>20th</ins>", "op 1 → op 1", "<h2>Operative part</h2>",
                 "format=markdown"):
        assert want in r.text
    md = client.get("/diff", params={"a": A, "b": B, "format": "markdown"})
    assert "~~19th~~ **20th**" in md.text
    assert client.get("/diff").status_code == 200  # the form
    assert client.get("/diff", params={"a": "nothing such", "b": B}).status_code == 404


def test_document_page_offers_the_comparison(site: tuple[TestClient, str]) -> None:
    client, _ = site
    page = client.get(f"/{B_ID}").text
    assert "Compare with: <a href=\"/diff?a=cites%2Fdecision%2F17.170-rev-cop18&amp;b=" \
           "cites%2Fdecision%2F17.170-rev-cop19\">" in page
    assert "Compare with" not in client.get("/cms/resolution/10.8-rev-cop14").text


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mealink.cli", "diff", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_cli_on_stored_texts(site: tuple[TestClient, str], tmp_path: Path) -> None:
    _, url = site
    r = run(A, B, "--db", url, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["counts"] == COUNTS
    out = tmp_path / "diff.html"
    r = run(A_ID, B_ID, "--db", url, "-f", "html", "-o", str(out))
    assert r.returncode == 0 and r.stdout == ""
    assert "<del>19th</del> <ins>20th</ins>" in out.read_text(encoding="utf-8")
    # a file is read as ingest reads it: the earlier version exported as Akoma Ntoso
    akn = tmp_path / "a.xml"
    assert subprocess.run([sys.executable, "-m", "mealink.cli", "export", "akn", A_ID, "--db",
                           url, "-o", str(akn)], capture_output=True, check=False,
                          timeout=120).returncode == 0
    r = run(str(akn), B_ID, "--db", url, "-f", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["counts"] == COUNTS
    r = run(str(akn), A_ID, "--db", url, "-f", "json")
    assert json.loads(r.stdout)["identical"]


def test_cli_on_files_needs_no_database(realdocs_dir: Path, tmp_path: Path) -> None:
    a, b = (str(realdocs_dir / f) for f in FILES[:2])
    r = run(a, b, "--db", str(tmp_path / "none.db"), "-f", "markdown")
    assert r.returncode == 0, r.stderr
    assert "~~19th~~ **20th**" in r.stdout and not (tmp_path / "none.db").exists()
    r = run(a, a)
    assert r.returncode == 0 and "The texts are identical: 5 paragraphs" in r.stdout
    r = run(a, b)  # the terminal's table
    assert r.returncode == 0 and "0 unchanged, 1 changed, 0 added, 4 deleted, 0 moved" in \
        r.stdout and "op 1 → op 1 changed" in r.stdout and "\nOperative part\n" in r.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["missing.txt", "{a}"], "missing.txt: no such file"),
    (["{empty}", "{a}"], "empty"),
    (["{a}", "{folder}"], "is a folder: give one file (or stored text) of each version"),
    (["CITES Decision 17.170 (Rev. CoP18)", "{a}", "--db", "{nodb}"], "no database at"),
])
def test_cli_refuses_in_one_line(realdocs_dir: Path, tmp_path: Path, args: list[str],
                                 words: str) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    names = {"a": str(realdocs_dir / FILES[0]), "empty": str(tmp_path / "empty.txt"),
             "nodb": str(tmp_path / "none.db"), "folder": str(tmp_path)}
    out = tmp_path / "out.md"
    r = run(*(x.format(**names) for x in args), "-f", "markdown", "-o", str(out))
    assert r.returncode != 0 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and words in r.stderr, r.stderr
    assert not out.exists()


def test_cli_refuses_an_output_it_cannot_write(realdocs_dir: Path, tmp_path: Path) -> None:
    a = str(realdocs_dir / FILES[0])
    (tmp_path / "file").write_text("", encoding="utf-8")
    for where, words in ((tmp_path, "is a folder: give the name of the file to write"),
                         (tmp_path / "file" / "out.md", "cannot write there")):
        r = run(a, a, "-o", str(where))
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert words in r.stderr


def test_signed_in_reading_closes_the_comparison(site: tuple[TestClient, str]) -> None:
    _, url = site
    app = create_app(WebConfig(db=url, read="signed-in"))
    with TestClient(app, base_url="https://testserver") as c:
        for path in ("/diff", f"/diff?a={A_ID}&b={B_ID}", f"/api/v1/diff?a={A_ID}&b={B_ID}"):
            assert c.get(path, follow_redirects=False).status_code == 401, path
    app.state.store.dispose()
