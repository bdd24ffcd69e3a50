"""Knowing a text that has no header: what the person ingesting it says (``--as``), a
sidecar ``NAME.meta.json`` or front matter, its file name, or its title as other texts cite
it; each answer says which evidence it used, and no two texts are merged on a weak guess.
Real texts of ../shared/realdocs, except where a test needs a text that cites a title (an
invented fixture, numbered out of any real range)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mealink import load, parse_file
from mealink.errors import LoadError
from mealink.parse.identity import file_symbol
from mealink.store import ingest, open_store
from mealink.store.corpus.status import status

MEALINK = [sys.executable, "-m", "mealink.cli"]

FILE_NAMES = [
    ("cms-res-11.28.txt", ("CMS", "Resolution 11.28")),
    ("cites-dec-17.170-rev-cop19.txt", ("CITES", "Decision 17.170 (Rev. CoP19)")),
    ("cms-dec-12.81-12.82.txt", ("CMS", "Decisions 12.81-12.82")),
    ("cites-dec-16.159-15.93-rev-cop16.txt", ("CITES", "Decisions 16.159 and 15.93 (Rev. CoP16)")),
    ("cites-res-conf-13.10.fr.txt", ("CITES", "Resolution Conf. 13.10")),
    ("cbd-dec-i-5.txt", ("CBD", "Decision I/5")),
    ("cbd-dec-xi-10.txt", ("CBD", "Decision XI/10")),
    ("vienna-dec-vc-i-3.txt", ("Vienna Convention", "Decision VC I/3")),
    ("cms-res-10.8-rev-cop14.txt", ("CMS", "Resolution 10.8 (Rev. COP14)")),
    # names that spell no whole symbol identify nothing
    ("cites-dec-nomenclature-app-iii-sc.txt", None),
    ("carpathian-dec-cop1-date-venue-cop2.txt", None),
    ("ipbes-res-panama-2012.txt", None),
    ("seed-cms-res-11.28.txt", None),
    ("cms_decisions_12_91_93.txt", None),
    ("cites_dec16_26.txt", None),
    ("aewa_mop5_renewable_docest.txt", None),
    ("cms-res-99x.txt", None),
]


@pytest.mark.parametrize(("name", "expected"), FILE_NAMES, ids=[c[0] for c in FILE_NAMES])
def test_file_names_that_spell_a_symbol(name: str, expected: tuple[str, str] | None) -> None:
    assert file_symbol(name) == expected


def test_the_file_name_identifies_a_text_without_a_header(realdocs_dir: Path) -> None:
    doc = parse_file(realdocs_dir / "cms-res-11.28.txt")
    assert (doc.symbol, doc.convention, doc.number) == ("Resolution 11.28", "CMS", "11.28")
    assert doc.identified_by == "its file name (cms-res-11.28.txt)"


def test_the_file_name_gives_way_to_the_text(realdocs_dir: Path) -> None:
    # the text prints its own symbol: the heading, not the file name, identifies it
    doc = parse_file(realdocs_dir / "cms-res-11.10.txt")
    assert doc.identified_by == "its header"


def test_a_sidecar_says_what_the_text_is(realdocs_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "future-ias.txt"
    shutil.copy(realdocs_dir / "cms-res-11.28.txt", copy)
    (tmp_path / "future-ias.meta.json").write_text(json.dumps({
        "symbol": "UNEP/CMS/Resolution 11.28",
        "title": "Future CMS Activities related to Invasive Alien Species",
        "source": "https://www.informea.org/en/decision/future-cms-activities-related-"
                  "invasive-alien-species-0"}), encoding="utf-8")
    doc = parse_file(copy)
    assert (doc.symbol, doc.convention, doc.title) == (
        "UNEP/CMS/Resolution 11.28", "CMS",
        "Future CMS Activities related to Invasive Alien Species")
    assert doc.identified_by == "its sidecar file (future-ias.meta.json)"


def test_front_matter_says_what_the_text_is(realdocs_dir: Path, tmp_path: Path) -> None:
    body = (realdocs_dir / "cms-res-11.28.txt").read_text(encoding="utf-8")
    md = tmp_path / "note.md"
    md.write_text("---\nsymbol: UNEP/CMS/Resolution 11.28\nadopted_at: COP11, Quito, "
                  "November 2014\n---\n" + body, encoding="utf-8")
    src = load(md)
    assert src.meta["symbol"] == "UNEP/CMS/Resolution 11.28"
    assert not src.text.startswith("---") and "symbol:" not in src.text
    doc = parse_file(md)
    assert (doc.symbol, doc.adopted_at, doc.identified_by) == (
        "UNEP/CMS/Resolution 11.28", "COP11, Quito, November 2014", "its front matter")


@pytest.mark.parametrize(("content", "message"), [
    ('{"symbol": "UNEP/CMS/Resolution 11.28", "titel": "x"}', "unknown key 'titel'"),
    ('{"symbol": ', "is not valid JSON (line 1"),
    ('["UNEP/CMS/Resolution 11.28"]', "must hold keys and values"),
    ('{"symbol": ""}', "'symbol' must be a non-empty text"),
])
def test_a_bad_sidecar_is_one_line_and_stores_nothing(realdocs_dir: Path, tmp_path: Path,
                                                     content: str, message: str) -> None:
    copy = tmp_path / "a.txt"
    shutil.copy(realdocs_dir / "cms-res-11.28.txt", copy)
    (tmp_path / "a.meta.json").write_text(content, encoding="utf-8")
    with pytest.raises(LoadError, match=re.escape(message)):
        load(copy)
    store = open_store(str(tmp_path / "c.db"))
    [outcome] = ingest(store, [copy]).outcomes
    assert outcome.outcome == "failed" and message in (outcome.message or "")
    assert "a.meta.json" in (outcome.message or "")
    with pytest.raises(Exception, match="not in the corpus"):
        status(store, "CMS Resolution 11.28")


def test_ingest_as_names_one_text(realdocs_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "anonymous.txt"
    shutil.copy(realdocs_dir / "cms-res-11.28.txt", copy)
    db = str(tmp_path / "c.db")
    r = subprocess.run([*MEALINK, "ingest", str(copy), "--as", "UNEP/CMS/Resolution 11.28",
                        "--db", db, "--no-embed"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    st = status(open_store(db), "CMS Resolution 11.28")
    assert (st.is_stub, st.identified_by) == (False, "given at ingest (--as)")
    r = subprocess.run([*MEALINK, "ingest", str(realdocs_dir), "--as", "CMS Resolution 11.28",
                        "--db", db], capture_output=True, text=True)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
    assert "names one text" in r.stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_two_texts_are_never_merged_on_a_file_name(realdocs_dir: Path, tmp_path: Path,
                                                   workers: int) -> None:
    """Also in one ingest whose workers parse the second before the first is stored."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    shutil.copy(realdocs_dir / "cms-res-11.28.txt", first / "cms-res-11.28.txt")
    # another real text, its header cut off, under the same file name
    body = (realdocs_dir / "cms-res-11.10.txt").read_text(encoding="utf-8")
    (second / "cms-res-11.28.txt").write_text(body[body.index("Recalling"):],
                                             encoding="utf-8")
    store = open_store(str(tmp_path / "c.db"))
    _, outcome = ingest(store, [first, second], workers=workers).outcomes
    assert outcome.outcome == "added"
    assert outcome.document_id == "cms/document/cms-res-11.28"
    assert "suggests CMS Resolution 11.28" in (outcome.message or "")
    assert status(store, "CMS Resolution 11.28").identified_by == \
        "its file name (cms-res-11.28.txt)"  # the first one keeps it


CITING = """UNEP/CMS/Resolution 14.990

TEST FIXTURE (INVENTED)

The Conference of the Parties to the Convention on the Conservation of Migratory Species of
Wild Animals,

Recalling Resolution 13.991 on “Monitoring the Fixture Species of Test Islands”,

1. Requests the Secretariat to report on the fixture species;
"""

CITED = """Monitoring the Fixture Species of Test Islands

The Conference of the Parties,

1. Urges Parties to monitor the fixture species;
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_the_title_other_texts_cite_identifies_a_text(tmp_path: Path, workers: int) -> None:
    """Also in one ingest whose workers parse the untitled text before the citing one is
    stored."""
    (tmp_path / "citing.txt").write_text(CITING, encoding="utf-8")
    (tmp_path / "untitled.txt").write_text(CITED, encoding="utf-8")
    store = open_store(str(tmp_path / "c.db"))
    ingest(store, [tmp_path / "citing.txt", tmp_path / "untitled.txt"], workers=workers)
    st = status(store, "CMS Resolution 13.991")
    assert (st.is_stub, st.state) == (False, "in force")
    assert st.identified_by == ("its title, which cms/resolution/14.990 (pre 1) gives to "
                                "CMS Resolution 13.991")


def test_a_title_two_texts_bear_identifies_nothing(realdocs_dir: Path, tmp_path: Path) -> None:
    # CMS 11.10 recalls Resolution 10.21 on "Synergies and Partnerships" and bears that title
    # itself: a text titled so is not identified as 10.21
    store = open_store(str(tmp_path / "c.db"))
    ingest(store, [realdocs_dir / "cms-res-11.10.txt"])
    (tmp_path / "untitled.txt").write_text(
        "Synergies and Partnerships\n\nThe Conference of the Parties,\n\n1. Requests the "
        "Secretariat to act;\n", encoding="utf-8")
    [outcome] = ingest(store, [tmp_path / "untitled.txt"]).outcomes
    assert outcome.document_id == "unknown/document/untitled"
    assert status(store, "CMS Resolution 10.21").is_stub
