"""InforMEA decision records in and out: a record read in is stored as its own document
(source key FILE#RECORD-ID, its JSON kept) and written out field for field with mealink's
``mealink`` extension; a text that did not come from InforMEA gets a derived record.

Store tests run on SQLite and PostgreSQL where the engine matters (round trip, re-ingest,
bad input); the property test and the command/API tests use SQLite. Texts are the gold
corpus's (``tests.conftest.CORPUS``) and the invented fixtures.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mealink.errors import LoadError
from mealink.interop.informea import (
    EXTENSION,
    base_record,
    read_records,
    split_records,
)
from mealink.store import ingest, open_store
from mealink.store.engine.schema import DocumentRow, ParagraphRow, SourceRow
from tests.conftest import CORPUS, INVENTED
from tests.informea_records import (
    FIXED_EXPECTED,
    STATUSES,
    TREATIES,
    by_id,
    check_extension,
    count,
    counts_of,
    export_all,
    fixed_records,
    stored_id,
    texts_stored,
    write_json,
)


# --- 1. round trip of complete records, both engines ----------------------------------------
def test_records_round_trip_field_for_field(db_url: str, tmp_path: Path, corpus_dir: Path
                                            ) -> None:
    """Every field of every record comes back identical (extra keys, nulls, order
    included); each record is its own document, known as FILE#ID with its JSON kept; the
    extension describes that document's paragraphs."""
    records = fixed_records(corpus_dir)
    src = write_json(tmp_path / "decisions.json", records)
    store = open_store(db_url)
    summary = ingest(store, [src])
    [outcome] = summary.outcomes
    assert outcome.outcome == "added", outcome
    assert counts_of(outcome.message) == {"added": 3}
    assert texts_stored(store) == 3

    exported = by_id(export_all(store, tmp_path / "out.json"))
    assert sorted(exported) == sorted(r["id"] for r in records)
    for rec in records:
        out = exported[rec["id"]]
        assert base_record(out) == rec
        assert list(base_record(out)) == list(rec), "field order changed"
        doc_id, kept = stored_id(store, src, rec["id"])
        assert json.loads(bytes(kept).decode("utf-8")) == rec
        check_extension(out, doc_id)
        convention, phrase = FIXED_EXPECTED[rec["id"]]
        assert out[EXTENSION]["convention"] == convention
        assert any(phrase in p["text"] for p in out[EXTENSION]["paragraphs"]), phrase
    store.dispose()


# --- 2. a second generation is a fixpoint ---------------------------------------------------
def test_exported_records_read_back_to_the_same_file(tmp_path: Path, corpus_dir: Path
                                                     ) -> None:
    """Export, ingest that export into a fresh store, export again: the same JSON, the
    extension included (the record is kept with only what of the extension names the text:
    symbol, convention, source; the rest is rebuilt on the way out)."""
    first_store = open_store(str(tmp_path / "first.db"))
    ingest(first_store, [write_json(tmp_path / "decisions.json", fixed_records(corpus_dir))])
    first = export_all(first_store, tmp_path / "gen1.json")
    second_store = open_store(str(tmp_path / "second.db"))
    [outcome] = ingest(second_store, [tmp_path / "gen1.json"]).outcomes
    assert outcome.outcome == "added", outcome
    second = export_all(second_store, tmp_path / "gen2.json")
    assert second == first
    assert (tmp_path / "gen2.json").read_text(encoding="utf-8") == \
        (tmp_path / "gen1.json").read_text(encoding="utf-8")
    with second_store.engine.connect() as conn:
        kept = [json.loads(bytes(d).decode("utf-8"))
                for d in conn.execute(select(SourceRow.data)).scalars()]
    assert all(set(r[EXTENSION]) <= {"symbol", "convention", "source"} for r in kept)
    assert {r["id"]: r[EXTENSION] for r in kept} == {
        r["id"]: {k: r[EXTENSION][k] for k in ("symbol", "convention", "source")
                  if r[EXTENSION][k]} for r in first}
    kept = [base_record(r) for r in kept]
    assert sorted(kept, key=lambda r: r["id"]) == sorted(
        (base_record(r) for r in first), key=lambda r: r["id"])
    first_store.dispose()
    second_store.dispose()


# --- 3. property: any record's base fields round-trip --------------------------------------
_LEAD = re.compile(r"^(?:\d+\.\s+)?\**(?:Requests|Recalling|Urges|Encourages|Invites|"
                   r"Decides|Noting|Notes|Welcomes|Recognizing|Further recognizing|"
                   r"Acknowledging|Instructs|Calls on|Adopts|Aware|Concerned|Emphasizing)\b")


def _paragraph_lines() -> list[str]:
    """Real preamble and operative paragraphs of the seed decisions, one per line."""
    lines: list[str] = []
    for f in sorted(CORPUS.glob("seed-*.txt")):
        lines += [line.strip() for line in f.read_text(encoding="utf-8").splitlines()
                  if _LEAD.match(line.strip()) and 40 < len(line.strip()) < 700]
    return lines


LINES = _paragraph_lines()  # empty without the corpus: the test is skipped then
SAFE_ID = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=24)
ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
            "éèêàçùüöñÅØßœÉ’‘“”\"'«»=+-@.,;:()/&<>")
TEXT = st.builds(lambda head, rest: head + rest,
                 st.sampled_from(["", "=", "+", "-", "@", '"', "'"]),
                 st.text(ALPHABET, max_size=30))
LANG = st.sampled_from(["en", "fr", "es", "ar", "ru", "zh"])
LANG_VALUES = st.lists(st.fixed_dictionaries({"language": LANG, "value": TEXT}), max_size=3)
URL = st.one_of(st.none(), SAFE_ID.map(lambda s: f"https://www.informea.org/en/{s}"))
STAMP = st.one_of(st.none(), st.datetimes(datetime(1972, 1, 1), datetime(2035, 12, 31)).map(
    lambda d: d.replace(microsecond=0).isoformat()))
CONTENTS = st.lists(st.sampled_from(LINES), min_size=2, max_size=6, unique=True).map(
    "\n\n".join)
RECORD = st.fixed_dictionaries(
    {
        "id": SAFE_ID,
        "link": URL,
        "number": st.one_of(st.none(), st.from_regex(r"\A[0-9]{1,2}\.[0-9]{1,3}\Z"), TEXT),
        "status": st.one_of(st.sampled_from(STATUSES), TEXT),
        "type": st.one_of(st.sampled_from(["decision", "resolution", "recommendation"]),
                          TEXT),
        "treaty": st.sampled_from(TREATIES),
        "published": STAMP,
        "updated": STAMP,
        "meetingId": st.one_of(st.none(), SAFE_ID),
        "meetingTitle": st.one_of(st.none(), TEXT),
        "meetingUrl": URL,
        "titles": LANG_VALUES,
        "longTitles": LANG_VALUES,
        "summaries": LANG_VALUES,
        "contents": CONTENTS.map(lambda text: [{"language": "en", "value": text}]),
        "keywords": st.lists(st.fixed_dictionaries({
            "namespace": st.one_of(st.sampled_from(["leo", "informea"]), TEXT),
            "term": TEXT}), max_size=3),
        "files": st.lists(st.fixed_dictionaries({
            "id": SAFE_ID, "url": URL, "mimeType": st.sampled_from(
                ["application/pdf", "text/html", "application/msword"]),
            "language": LANG, "filename": TEXT}), max_size=3),
    },
    optional={"customField": st.one_of(st.none(), TEXT, st.lists(TEXT, max_size=2))},
)



def _number_key(rec: dict[str, Any]) -> object:
    """Records with one number are one decision (the text, not the treaty, may name the
    convention); records without a number are all different."""
    number = (rec["number"] or "").strip()
    return number if number else object()


RECORDS = st.lists(RECORD, min_size=1, max_size=3, unique_by=(
    lambda r: r["id"], lambda r: r["contents"][0]["value"], _number_key))


@seed(20261121)
@settings(max_examples=25, deadline=None, derandomize=True)
@given(records=RECORDS)
def test_any_record_round_trips(corpus_dir: Path, records: list[dict[str, Any]]) -> None:
    """Generated records (random ids, treaties, statuses, texts with accents, quotes and
    formula-like starts; contents made of real paragraphs), ingested together into a fresh
    store: each is stored, and exported with every base field as it was given."""
    with tempfile.TemporaryDirectory() as folder:
        d = Path(folder)
        store = open_store(str(d / "corpus.db"))
        try:
            [outcome] = ingest(store, [write_json(d / "records.json", records)]).outcomes
            assert outcome.outcome == "added", outcome
            assert counts_of(outcome.message) == {"added": len(records)}
            exported = by_id(export_all(store, d / "out.json"))
        finally:
            store.dispose()
    assert sorted(exported) == sorted(r["id"] for r in records)
    for rec in records:
        out = exported[rec["id"]]
        assert base_record(out) == rec
        assert out[EXTENSION]["paragraphs"]


# --- 4. re-ingest: unchanged, then only the changed record ----------------------------------
def test_reingest_is_idempotent_and_replaces_only_the_changed_record(
        db_url: str, tmp_path: Path, corpus_dir: Path) -> None:
    """The same file again changes nothing; one record's title changed: that record's
    document alone is stored again, the others keep their rows."""
    records = fixed_records(corpus_dir)
    src = write_json(tmp_path / "decisions.json", records)
    store = open_store(db_url)
    assert ingest(store, [src]).outcomes[0].outcome == "added"

    def state() -> dict[str, tuple[Any, ...]]:
        with store.engine.connect() as conn:
            rows = conn.execute(select(DocumentRow.source, DocumentRow.id,
                                       DocumentRow.updated_at, DocumentRow.title).where(
                ~DocumentRow.is_stub)).all()
        return {r.source.rsplit("#", 1)[1]: (r.id, r.updated_at, r.title) for r in rows}

    before, paragraphs = state(), count(store, ParagraphRow)
    [again] = ingest(store, [src]).outcomes
    assert again.outcome == "unchanged" and counts_of(again.message) == {"unchanged": 3}
    assert state() == before and count(store, ParagraphRow) == paragraphs

    changed = records[1]["id"]
    records[1]["titles"][0]["value"] = "Persistent Organic Pollutants Review Committee"
    write_json(src, records)
    [update] = ingest(store, [src]).outcomes
    assert update.outcome == "updated"
    assert counts_of(update.message) == {"updated": 1, "unchanged": 2}
    after = state()
    assert set(after) == set(before) and count(store, ParagraphRow) == paragraphs
    for rid in after:
        if rid == changed:
            assert after[rid][0] == before[rid][0], "the document changed its id"
            assert after[rid][1] > before[rid][1]
            assert after[rid][2] == "Persistent Organic Pollutants Review Committee"
        else:
            assert after[rid] == before[rid], f"{rid} was stored again"
    _, kept = stored_id(store, src, changed)
    assert json.loads(bytes(kept).decode("utf-8")) == records[1]
    store.dispose()


# --- 5. bad input: each bad record named in one line, the good ones kept --------------------
def _good(rid: str = "good-1", fixture: str = "cms-res-13.905.txt", treaty: str = "cms",
          number: str = "13.905") -> dict[str, Any]:
    return {"id": rid, "treaty": treaty, "number": number, "contents": [{
        "language": "en", "value": (INVENTED / fixture).read_text("utf-8")}]}


def _without(rec: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k != key}


def _mixed_file() -> tuple[list[Any], list[str], list[str]]:
    """A file of three good records among bad ones of every kind: the records, the ids
    of the good ones, and what must be said of the bad ones (one line each, in order)."""
    cites = _good("good-cites", "cites-dec-19.930.txt", "cites", "19.930")
    ramsar = _good("good-ramsar", "ramsar-res-xiv-907.txt", "ramsar", "XIV.907")
    records: list[Any] = [
        _good(),
        _without(_good("no-treaty"), "treaty"),
        cites,
        _good("titles-text") | {"titles": "Decision 13.905"},
        5,
        _without(_good("no-contents"), "contents"),
        _good("empty-1") | {"contents": []},
        _good("notes-1") | {"contents": [{"language": "en", "value":
                                          "Shopping list: milk, bread, eggs."}]},
        _without(_good(), "id"),
        [ramsar],
        _good("good-1", "cites-res-conf-13.910-rev-cop19.txt", "cites", "13.910"),
        _good("wrong-types") | {"number": 13.905},
        _good("nested") | {"contents": [[{"language": "en", "value": "x"}]]},
        ramsar,
    ]
    says = [
        "record 2 (id no-treaty): 'treaty' is missing",
        "record 4 (id titles-text): 'titles' is not a list but a string",
        "record 5: is not an object but a number",
        "record 6 (id no-contents): 'contents' is missing",
        "record 7 (id empty-1): 'contents' holds no text",
        "record 8 (id notes-1): no preamble or operative paragraphs found",
        "record 9: 'id' is missing",
        "record 10: is not an object but a list",
        "record 11 (id good-1): the same id as record 1",
        "record 12 (id wrong-types): 'number' is not a string but a number",
        "record 13 (id nested): 'contents' item 1 is not an object but a list",
    ]
    return records, ["good-1", "good-cites", "good-ramsar"], says


def test_bad_records_are_named_one_line_each_and_the_good_ones_kept(
        db_url: str, tmp_path: Path) -> None:
    """A file of good and bad records: each good one is stored (field for field), each
    bad one is named in a line of its own (its place, its id when it has one, what is
    wrong), and the file counts as failed. Ingested again, the good ones are unchanged
    and the same lines come back."""
    records, good, says = _mixed_file()
    src = write_json(tmp_path / "bad.json", records)
    store = open_store(db_url)
    for _ in range(2):
        [outcome] = ingest(store, [src]).outcomes
        assert outcome.outcome == "failed", outcome
        assert outcome.message is not None and "\n" not in outcome.message
        assert outcome.message.startswith(f"{src}: 14 InforMEA records: "), outcome.message
        assert len(outcome.problems) == len(says), outcome.problems
        for line, said in zip(outcome.problems, says, strict=True):
            assert "\n" not in line
            assert line.startswith(f"{src}: {said}"), (line, said)
        assert texts_stored(store) == len(good)
    kept = by_id([base_record(r) for r in export_all(store, tmp_path / "out.json")])
    assert sorted(kept) == sorted(good)
    assert kept["good-1"] == records[0] and kept["good-ramsar"] == records[-1]
    store.dispose()


def _command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``mealink ARGS`` as a user runs it (a real process, bounded in time)."""
    return subprocess.run([sys.executable, "-m", "mealink.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300, check=False)


def test_ingest_command_names_each_bad_record_and_keeps_the_good_ones(tmp_path: Path) -> None:
    """``mealink ingest bad.json``: exit 1, the file's line, then one line per bad record
    (never wrapped, however long the path), no traceback; the good records are stored."""
    records, good, says = _mixed_file()
    folder = tmp_path / ("a-folder-with-a-rather-long-name-" * 3)
    folder.mkdir()
    src = write_json(folder / "bad.json", records)
    db = tmp_path / "corpus.db"
    run = _command("ingest", str(src), "--db", str(db), "--no-embed", cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert f"failed: {src}: 14 InforMEA records: 3 added, 11 failed" in lines, run.stdout
    named = [line.strip() for line in lines if line.strip().startswith(f"{src}: record ")]
    assert len(named) == len(says), run.stdout
    for line, said in zip(named, says, strict=True):
        assert line.startswith(f"{src}: {said}"), (line, said)
    store = open_store(str(db))
    assert sorted(r["id"] for r in export_all(store, tmp_path / "out.json")) == sorted(good)
    store.dispose()


@pytest.mark.parametrize(("data", "says"), [
    pytest.param(b'[{"id": "a", "treaty": "cms", "contents": [', "is not valid JSON",
                 id="cut-short"),
    pytest.param(b"treaty: cms\nid: a\n", "is not valid JSON", id="not-json"),
    pytest.param(b'{"value": {"id": "a", "treaty": "cms", "contents": []}}',
                 "'value' is not a list of records but an object", id="odata-value-object"),
    pytest.param(b'[[{"id": "a", "treaty": "cms", "contents": []}]]',
                 "records in a list inside the list", id="list-of-lists"),
    pytest.param(b'"treaty"', "is not valid JSON", id="a-string"),
    pytest.param(b'{"treaty": {"id": "a", "treaty": "cms", "contents": []}}',
                 "has no 'text' or 'content' field", id="object-of-records"),
])
def test_ingest_command_refuses_a_file_that_holds_no_records_in_one_line(
        tmp_path: Path, data: bytes, says: str) -> None:
    """A file that is not JSON, or JSON of another shape: exit 1 and one line naming the
    file and what is wrong, nothing stored."""
    src = tmp_path / ("records-of-a-meeting-with-a-long-name-" * 2 + ".json")
    src.write_bytes(data)
    db = tmp_path / "corpus.db"
    run = _command("ingest", str(src), "--db", str(db), "--no-embed", cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    named = [line for line in run.stdout.splitlines() if str(src) in line]
    assert len(named) == 1, run.stdout
    assert named[0].startswith(f"failed: {src}: ") and says in named[0], named[0]
    store = open_store(str(db))
    assert texts_stored(store) == 0
    store.dispose()


@pytest.mark.parametrize(("data", "expected"), [
    pytest.param(b'[{"text": "1. Requests the Secretariat to report."}]', None,
                 id="list-of-other-objects"),
    pytest.param(b'{"value": [{"title": "x"}]}', None, id="odata-of-other-objects"),
    pytest.param(b"[]", None, id="empty-list"),
    pytest.param(b'{"treaty": "cms", "text": "Requests"}', None, id="text-naming-a-treaty"),
    pytest.param(b"[1, 2, 3]", None, id="numbers"),
    pytest.param(b"Recalling Resolution 8.1,", None, id="not-json"),
    pytest.param(b'[{"id": "a", "treaty": "cms", "contents": [{"value": "Urges"}]}]',
                 [{"id": "a", "treaty": "cms", "contents": [{"value": "Urges"}]}],
                 id="one-record-in-a-list"),
    pytest.param(b'\xef\xbb\xbf{"value": [{"id": "a", "treaty": "cms", "contents": '
                 b'[{"language": "en", "value": "Urges"}]}]}',
                 [{"id": "a", "treaty": "cms", "contents": [{"language": "en", "value": "Urges"}]}],
                 id="odata-answer-with-bom"),
])
def test_read_records_takes_only_informea_records(data: bytes, expected: Any) -> None:
    """JSON that is not InforMEA records is not taken for them (it is read as text)."""
    got = read_records(data, "x.json")
    assert (None if got is None else [r for _, r in got.records]) == expected
    assert got is None or got.problems == []


def test_read_records_names_what_is_wrong_with_each_record() -> None:
    """Records missing what a record needs, or with a field of the wrong type, are named
    with their place and id; the others are read."""
    data = json.dumps([
        {"id": "a", "treaty": "cms", "contents": [{"language": "en", "value": "Urges"}]},
        {"id": "b", "treaty": "cms"},
        {"text": "b"},
        {"id": "c", "treaty": 7, "contents": []},
        {"id": ["d"], "treaty": "cms", "contents": []},
        {"id": "e", "treaty": "cms", "contents": [{"language": "en", "value": None}]},
        {"id": "f", "treaty": "cms", "contents": [], "keywords": ["wildlife"]},
        {"id": "g", "treaty": "cms", "contents": [{"value": "Urges"}], "mealink": {"symbol": 1}},
        {"id": 8, "treaty": "cms", "contents": [{"value": "Urges"}], "link": None,
         "files": []},
    ]).encode()
    got = read_records(data, "x.json")
    assert got is not None and got.total == 9
    assert [(n, r["id"]) for n, r in got.records] == [(1, "a"), (9, 8)]
    assert [str(p) for p in got.problems] == [
        "record 2 (id b): 'contents' is missing",
        "record 3: 'id' is missing",
        "record 4 (id c): 'treaty' is not a string but a number",
        "record 5: 'id' is not a string but a list",
        "record 6 (id e): 'contents' item 1: 'value' is not a string but null",
        "record 7 (id f): 'keywords' item 1 is not an object but a string",
        "record 8 (id g): 'mealink': 'symbol' is not a string but a number",
    ]
    with pytest.raises(LoadError, match=r"^x\.json: record 2 \(id b\): 'contents' is "):
        split_records(data, "x.json")
