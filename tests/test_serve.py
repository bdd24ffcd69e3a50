"""`mealink serve` as a user starts it: real processes on a real port, one or several
workers, and one clear line when the port is taken."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from mealink.store import ingest, open_store
from tests.conftest import INVENTED
from tests.webapp import free_port

CLI = [sys.executable, "-m", "mealink.cli"]


def _get(url: str, deadline: float) -> tuple[int, str]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, r.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_pages_and_api(tmp_path: Path, workers: int) -> None:
    db = str(tmp_path / "serve.db")
    store = open_store(db)
    ingest(store, [INVENTED])
    store.dispose()
    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--db", db, "--port", str(port), "--workers",
                             str(workers)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        status, html = _get(f"{base}/cms/resolution/13.905", time.monotonic() + 30)
        assert status == 200 and "CMS Resolution 13.905" in html
        for _ in range(10):  # several connections: whichever worker takes them answers
            status, body = _get(f"{base}/api/v1/documents?limit=1", time.monotonic() + 5)
            assert status == 200 and '"total"' in body
        taken = subprocess.run([*CLI, "serve", "--db", db, "--port", str(port),
                                "--workers", str(workers)],
                               capture_output=True, text=True, timeout=60, check=False)
        assert taken.returncode == 1
        assert taken.stderr.strip().splitlines() == [
            f"mealink: error: cannot listen on 127.0.0.1:{port}: Address already in use; "
            "choose another --port or --host"]
    finally:
        proc.terminate()
        proc.wait(20)
    assert proc.returncode in (0, -15), proc.stderr.read() if proc.stderr else ""


@pytest.mark.parametrize(("variable", "value", "line"), [
    ("MEALINK_SESSION_DAYS", "two weeks",
     "MEALINK_SESSION_DAYS='two weeks': give a number of days greater than 0"),
    ("MEALINK_SESSION_IDLE_HOURS", "0",
     "MEALINK_SESSION_IDLE_HOURS='0': give a number of hours greater than 0"),
    ("MEALINK_SESSION_DAYS", "nan",
     "MEALINK_SESSION_DAYS='nan': give a number of days greater than 0"),
])
def test_a_bad_setting_is_one_line_and_no_database(tmp_path: Path, variable: str, value: str,
                                                   line: str) -> None:
    db = tmp_path / "never.db"
    done = subprocess.run([*CLI, "serve", "--db", str(db), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, variable: value})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"mealink: error: {line}"]
    assert not db.exists()  # refused before anything was created
