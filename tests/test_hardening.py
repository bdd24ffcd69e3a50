"""The server as an attacker meets it (issue 17, security): `mealink serve` answers only to
trusted Host names and writes links with them, refuses an overlong address, oversized headers
and bodies in the one error shape, refuses a write from nobody before reading its body, keeps
answers to signed-in users out of caches, and takes as evidence only http(s) links and texts
of the corpus. Real processes on a real port where the server decides; TestClient where the
application alone does."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from mealink.errors import MealinkError
from mealink.store import ingest, open_store
from mealink.store.engine.schema import ProgressRow
from mealink.store.progress import add_progress, evidence_links, history
from mealink.store.users import add_user, create_token
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import INVENTED
from tests.webapp import PASSWORD, csrf_of, free_port, sign_in

CLI = [sys.executable, "-m", "mealink.cli"]
M_3B = "cms/resolution/13.905/para_3(b)/scientific-council"
DOC = "cms/resolution/13.905"


def _fill(db: str) -> str:
    """The invented fixtures and an editor; the editor's API token."""
    store = open_store(db)
    ingest(store, [INVENTED])
    add_user(store, "ana", "editor", PASSWORD)
    token = create_token(store, "ana")
    store.dispose()
    return token


def _start(db: str, *args: str, env: dict[str, str] | None = None
           ) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--db", db, "--port", str(port), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.terminate()
                pytest.fail(f"mealink serve did not start: {proc.communicate()[1]}")
            time.sleep(0.2)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """`mealink serve` on loopback, told of one more host name through the environment."""
    db = str(tmp_path_factory.mktemp("hardening") / "serve.db")
    token = _fill(db)
    proc, port = _start(db, env={"MEALINK_ALLOWED_HOSTS": "mealink.example.org"})
    yield port, token
    proc.terminate()
    proc.wait(20)


def _exchange(port: int, head: bytes, body: bytes = b"", timeout: float = 10
              ) -> tuple[int, dict[str, str], bytes]:
    """Send a raw request (head, then as much body as given) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head + body)
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
                top, sep, rest = data.partition(b"\r\n\r\n")
                length = [int(line.split(b":")[1]) for line in top.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                if sep and length and len(rest) >= length[0]:
                    break
        except ConnectionResetError:
            pass
    top, _, rest = data.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return int(lines[0].split()[1]), headers, rest


def _get(port: int, target: bytes, host: bytes = b"127.0.0.1", extra: bytes = b""
         ) -> tuple[int, dict[str, str], bytes]:
    return _exchange(port, b"GET " + target + b" HTTP/1.1\r\nHost: " + host +
                     b"\r\nConnection: close\r\n" + extra + b"\r\n")


def _error(body: bytes) -> dict[str, object]:
    shape = json.loads(body)
    assert set(shape) == {"error"} and set(shape["error"]) == {"status", "code", "message"}
    assert "\n" not in shape["error"]["message"]
    return dict(shape["error"])


# --- trusted hosts -------------------------------------------------------------------------
def test_an_untrusted_host_is_refused_and_links_name_only_trusted_hosts(
        served: tuple[int, str]) -> None:
    port, _ = served
    record = f"/api/v1/documents/{DOC}.informea.json".encode()
    status, headers, body = _get(port, record, host=b"evil.example")
    assert status == 400 and headers["content-type"] == "application/json"
    assert _error(body)["code"] == "bad_host" and "evil.example" in str(_error(body)["message"])
    status, headers, body = _get(port, b"/" + DOC.encode(), host=b"evil.example")
    assert status == 400 and headers["content-type"].startswith("text/html")
    assert b"does not answer to the host" in body and b"evil.example" in body
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "mealink.example.org",
                 "MEALINK.example.org:443"):
        status, _, body = _get(port, record, host=host.encode())
        assert status == 200, body
        assert json.loads(body)["link"].lower() == f"http://{host.lower()}/{DOC}"


def test_allowed_hosts_are_given_on_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "hosts.db")
    _fill(db)
    proc, port = _start(db, "--allowed-host", "a.example.org", "--allowed-host",
                        "*.example.net")
    try:
        assert _get(port, b"/api/v1/overview", host=b"a.example.org")[0] == 200
        assert _get(port, b"/api/v1/overview", host=b"docs.example.net")[0] == 200
        assert _get(port, b"/api/v1/overview", host=b"b.example.org")[0] == 400
        assert _get(port, b"/api/v1/overview", host=b"mealink.example.org")[0] == 400
    finally:
        proc.terminate()
        proc.wait(20)
    assert "a.example.org, *.example.net" in (proc.stderr.read() if proc.stderr else "")


# --- sizes ---------------------------------------------------------------------------------
def test_a_100_kb_address_or_header_gets_the_error_shape(served: tuple[int, str]) -> None:
    port, _ = served
    status, headers, body = _get(port, b"/api/v1/search?q=" + b"a" * 100_000)
    assert status == 414 and headers["content-type"] == "application/json"
    assert _error(body) == {"status": 414, "code": "uri_too_long", "message": (
        "the address is 100,017 bytes long, over the limit of 8,192; shorten the query")}
    status, headers, body = _get(port, b"/search?q=" + b"a" * 100_000)
    assert status == 414 and headers["content-type"].startswith("text/html")
    assert b"over the limit of 8,192" in body
    status, headers, body = _get(port, b"/api/v1/search?q=" + b"a" * 1_000_000)
    assert status == 414 and _error(body)["code"] == "uri_too_long"
    status, headers, body = _get(port, b"/api/v1/overview",
                                 extra=b"X-Padding: " + b"a" * 100_000 + b"\r\n")
    assert status == 431 and _error(body)["code"] == "headers_too_large"
    status, headers, body = _exchange(port, b"NOT HTTP AT ALL\r\n\r\n")
    assert status == 400 and _error(body)["code"] == "bad_request"


def test_a_write_without_credentials_is_refused_before_its_body_is_read(
        served: tuple[int, str]) -> None:
    port, token = served
    for path, kind in ((f"/api/v1/mandates/{M_3B}/progress", b"application/json"),
                       (f"/mandate/{M_3B}/progress", b"application/x-www-form-urlencoded")):
        # 900 KB announced, 10 bytes sent: the answer comes without waiting for the rest
        status, _, body = _exchange(port, b"POST " + path.encode() + b" HTTP/1.1\r\n"
                                    b"Host: 127.0.0.1\r\nContent-Type: " + kind +
                                    b"\r\nContent-Length: 900000\r\nConnection: close\r\n\r\n",
                                    b'{"note": "', timeout=10)
        assert status == 401, body
        assert b"sign in first" in body
    # a body announced over the limit: 413 even with a token, without reading it
    status, _, body = _exchange(port, b"POST /api/v1/mandates/" + M_3B.encode() +
                                b"/progress HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                                b"Bearer " + token.encode() + b"\r\nContent-Type: "
                                b"application/json\r\nContent-Length: 50000000\r\n"
                                b"Connection: close\r\n\r\n", b"{")
    assert status == 413 and _error(body) == {"status": 413, "code": "too_large", "message": (
        "the request body is 50,000,000 bytes, over the limit of 1,048,576")}


def test_a_chunked_body_over_the_limit_is_cut_short(served: tuple[int, str]) -> None:
    port, token = served
    chunk = b"a" * 65536
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST /api/v1/mandates/" + M_3B.encode() + b"/progress HTTP/1.1\r\n"
                  b"Host: 127.0.0.1\r\nAuthorization: Bearer " + token.encode() +
                  b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                  b"Connection: close\r\n\r\n")
        try:
            for _ in range(40):  # 2.5 MB at most
                s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        except OSError:
            pass  # the server answered and closed: what is wanted
        data = b""
        try:
            while part := s.recv(65536):
                data += part
        except OSError:
            pass
    assert data.startswith(b"HTTP/1.1 413"), data[:200]
    assert b'"code":"too_large"' in data


# --- caches and HSTS -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    db = str(tmp_path_factory.mktemp("site") / "site.db")
    return db, _fill(db)


def test_answers_to_signed_in_requests_are_not_stored(site: tuple[str, str]) -> None:
    db, token = site
    app = create_app(WebConfig(db=db))
    with TestClient(app, base_url="https://testserver") as client:
        anonymous = client.get(f"/{DOC}")
        assert anonymous.status_code == 200 and "cache-control" not in anonymous.headers
        assert "cache-control" not in client.get("/api/v1/overview").headers
        api = client.get("/api/v1/overview", headers={"authorization": f"Bearer {token}"})
        assert api.status_code == 200 and api.headers["cache-control"] == "no-store"
        sign_in(client, "ana")
        for path in (f"/{DOC}", "/mandates", "/api/v1/me", f"/mandate/{M_3B}"):
            r = client.get(path)
            assert r.status_code == 200 and r.headers["cache-control"] == "no-store", path
        assert r.headers["strict-transport-security"] == "max-age=31536000"
    app.state.store.dispose()


def test_no_hsts_on_plain_http_on_loopback(site: tuple[str, str]) -> None:
    app = create_app(WebConfig(db=site[0], secure_cookies=False))
    with TestClient(app) as client:
        assert "strict-transport-security" not in client.get("/").headers
    app.state.store.dispose()


# --- evidence ------------------------------------------------------------------------------
@pytest.mark.parametrize("evidence", [
    "javascript:alert(1)", "JavaScript:alert(1)", "ftp://example.org/report.pdf",
    "data:text/html,<b>x</b>", "file:///etc/passwd", "https://", "https://exa mple.org"])
def test_evidence_that_is_a_link_of_another_kind_is_refused(
        evidence: str, site: tuple[str, str]) -> None:
    store = open_store(site[0])
    with pytest.raises(MealinkError, match=r"^evidence .* is a link mealink does not follow; "
                       r"give an http\(s\) URL"):
        add_progress(store, M_3B, "ana", note="x", evidence=[evidence])
    store.dispose()


@pytest.mark.parametrize("evidence", [
    "UNEP/CMS/ScC-SC7/Doc.5", "CMS Resolution 7.9", "Note: national report 2024, section 3"])
def test_evidence_written_as_text_is_kept_and_not_linked(evidence: str,
                                                        site: tuple[str, str]) -> None:
    store = open_store(site[0])
    made = add_progress(store, M_3B, "ana", note="evidence as text", evidence=[evidence])
    assert made.evidence == (evidence,)
    assert evidence_links(store, [evidence]) == {}
    store.dispose()


def test_evidence_is_checked_on_both_engines(db_url: str) -> None:
    store = open_store(db_url)
    ingest(store, [INVENTED])
    with pytest.raises(MealinkError, match="is a link mealink does not follow"):
        add_progress(store, M_3B, "ana", note="x", evidence=["javascript:alert(1)"])
    made = add_progress(store, M_3B, "ana", note="x", evidence=[
        "CMS Decision 14.911", "UNEP/CMS/Resolution 13.905", DOC, "https://www.cms.int/x"])
    assert made.evidence == ("CMS Decision 14.911", "UNEP/CMS/Resolution 13.905", DOC,
                             "https://www.cms.int/x")
    store.dispose()


def test_evidence_is_refused_on_every_way_in(site: tuple[str, str]) -> None:
    db, token = site
    cli = subprocess.run([*CLI, "progress", "add", M_3B, "--by", "ana", "--evidence",
                          "javascript:alert(1)", "--db", db], capture_output=True, text=True,
                         timeout=60, check=False)
    assert cli.returncode == 1 and cli.stderr.strip().splitlines() == [
        "mealink: error: evidence 'javascript:alert(1)' is a link mealink does not follow; "
        "give an http(s) URL (https://...), a symbol such as 'CMS Resolution 11.10' or a "
        "document symbol as written"]
    app = create_app(WebConfig(db=db))
    with TestClient(app, base_url="https://testserver") as client:
        api = client.post(f"/api/v1/mandates/{M_3B}/progress", json={
            "note": "x", "evidence": ["javascript:alert(1)"]},
            headers={"authorization": f"Bearer {token}"})
        assert api.status_code == 400 and "a link mealink does not follow" in str(
            _error(api.content)["message"])
        csrf = sign_in(client, "ana")
        form = client.post(f"/mandate/{M_3B}/progress", data={
            "csrf_token": csrf, "note": "x", "evidence": "ftp://example.org/x"},
            follow_redirects=False)
        assert form.status_code == 400 and "a link mealink does not follow" in form.text
    app.state.store.dispose()
    store = open_store(db)
    assert not [e for e in history(store, M_3B) if e.note == "x"]
    store.dispose()


def test_evidence_links_only_to_the_web_and_to_texts_of_the_corpus(
        tmp_path: Path) -> None:
    db = str(tmp_path / "links.db")
    _fill(db)
    store = open_store(db)
    add_progress(store, M_3B, "ana", note="given", evidence=[
        "CMS Decision 14.911", "https://www.cms.int/en/document/x"])
    with store.engine.begin() as conn:  # written before evidence was checked
        conn.execute(insert(ProgressRow), [{
            "mandate_id": M_3B, "seq": 2, "author": "old", "recorded_at": history(
                store, M_3B)[0].recorded_at, "status": None, "note": "old",
            "evidence": ["javascript:alert(1)", "UNEP/CMS/ScC-SC7/Doc.5"]}])
    store.dispose()
    app = create_app(WebConfig(db=db))
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get(f"/mandate/{M_3B}").text
    app.state.store.dispose()
    assert '<a href="/cms/decision/14.910">CMS Decision 14.911</a>' in page
    assert ('<a href="https://www.cms.int/en/document/x" rel="nofollow noopener">'
            in page)
    assert "Evidence: javascript:alert(1), UNEP/CMS/ScC-SC7/Doc.5</p>" in page
    assert 'href="javascript' not in page and csrf_of is not None
