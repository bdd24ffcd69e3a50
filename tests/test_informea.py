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
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from mealink.cli import app
from mealink.errors import LoadError
from mealink.export import export
from mealink.export.documents import select_documents
from mealink.interop.frbr import interop_rules
from mealink.interop.informea import (
    EXTENSION,
    RECORD_FIELDS,
    base_record,
    read_records,
    split_records,
)
from mealink.store import Store, ingest, open_store
from mealink.store.engine.schema import DocumentRow, ParagraphRow, SourceRow
from mealink.store.users import add_user
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import CORPUS, INVENTED
from tests.webapp import PASSWORD, sign_in

#: InforMEA's decision statuses, as mealink writes them (data/interop.toml).
STATUSES = sorted(set(interop_rules()["informea"]["status"].values()))
#: InforMEA's treaty names (data/interop.toml).
TREATIES = sorted(interop_rules()["informea"]["treaties"].values())
#: The keys of a paragraph in the extension.
PARAGRAPH_KEYS = {"id", "kind", "number", "parent", "inForce", "verb", "actors", "deadline",
                  "condition", "topics", "references", "text"}
#: The keys of the extension.
EXTENSION_KEYS = ["version", "id", "label", "symbol", "convention", "source", "status",
                  "inForce", "statusBy", "akn", "paragraphs", "lineage"]


# --- helpers ---------------------------------------------------------------------------------
def corpus_text(corpus_dir: Path, name: str) -> str:
    return (corpus_dir / name).read_text(encoding="utf-8")


def as_html(text: str) -> str:
    """A text as InforMEA often gives ``contents``: one ``<p>`` per paragraph."""
    return "\n".join(f"<p>{block.strip()}</p>" for block in text.split("\n\n")
                     if block.strip())


def write_json(path: Path, obj: Any) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records}


def counts_of(message: str | None) -> dict[str, int]:
    """The outcomes an InforMEA file's message counts ('3 InforMEA records: 1 updated,
    2 unchanged')."""
    head, _, tail = (message or "").partition(" InforMEA records: ")
    assert head.isdigit() and tail, message
    counts = {k: int(n) for n, k in (part.split(" ", 1) for part in tail.split(", "))}
    assert sum(counts.values()) == int(head), message
    return counts


def count(store: Store, table: type, *where: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where))
                   .scalar_one())


def texts_stored(store: Store) -> int:
    return count(store, DocumentRow, ~DocumentRow.is_stub)


def export_all(store: Store, out: Path, **kw: Any) -> list[dict[str, Any]]:
    result = export(store, "informea", every=True, output=out, **kw)
    records: list[dict[str, Any]] = read_json(out)
    assert result.items == len(records) and result.files == [str(out)]
    return records


def record(rid: str, treaty: str, number: str, contents: str, **fields: Any
           ) -> dict[str, Any]:
    """A complete InforMEA decision record, every field filled, plus an unknown one."""
    rec: dict[str, Any] = {
        "id": rid,
        "link": f"https://www.informea.org/en/decision/{rid}",
        "number": number,
        "status": "active",
        "type": "decision",
        "treaty": treaty,
        "published": "2013-03-14T00:00:00",
        "updated": "2019-06-02T10:22:31",
        "meetingId": f"{treaty}-cop16",
        "meetingTitle": "Sixteenth meeting of the Conference of the Parties",
        "meetingUrl": f"https://www.informea.org/en/event/{treaty}-cop16",
        "titles": [{"language": "en", "value": f"Decision {number}"},
                   {"language": "fr", "value": f"Décision {number} « texte »"}],
        "longTitles": [{"language": "en", "value": f"Decision {number} of the Conference"}],
        "summaries": [{"language": "en", "value": "The Parties are asked to report; "
                       "=SUM(A1) stays text."}],
        "contents": [{"language": "en", "value": contents}],
        "keywords": [{"namespace": "leo", "term": "wildlife trade"},
                     {"namespace": "informea", "term": "reporting"}],
        "files": [{"id": f"{rid}-en", "url": f"https://www.informea.org/files/{rid}-en.pdf",
                   "mimeType": "application/pdf", "language": "en",
                   "filename": f"{rid}-en.pdf"}],
        "customField": {"source": "test", "values": [1, 2.5, None, True]},
    }
    rec.update(fields)
    return rec


def fixed_records(corpus_dir: Path) -> list[dict[str, Any]]:
    """Three real decisions as InforMEA records; the CMS one's contents are HTML."""
    return [
        record("6f1e0a5c-cites-16-26", "cites", "16.26",
               corpus_text(corpus_dir, "cites_dec16_26.txt"),
               titles=[{"language": "en", "value": "Wildlife trade policy reviews"},
                       {"language": "fr", "value": "Examens des politiques commerciales "
                                                   "en matière d'espèces sauvages"}]),
        record("b7d2c9e4-sc-1-7", "stockholm", "SC-1/7",
               corpus_text(corpus_dir, "stockholm_sc1_7_poprc_informea.txt"),
               type="decision", meetingId="stockholm-cop1",
               titles=[{"language": "en", "value": "Establishment of the Persistent Organic "
                                                   "Pollutants Review Committee"},
                       {"language": "fr", "value": "Création du Comité d'étude des "
                                                   "polluants organiques persistants"}]),
        record("0c3a4b18-cms-10-8", "cms", "10.8",
               as_html(corpus_text(corpus_dir, "seed-cms-res-10.8.txt")),
               type="resolution", status="active", meetingId="cms-cop14",
               published="2024-02-17T00:00:00", link=None,
               titles=[{"language": "en", "value": "Cooperation between IPBES and CMS"},
                       {"language": "fr", "value": "Coopération entre l'IPBES et la CMS"}]),
    ]


#: For each fixed record: its convention, and a phrase one of its paragraphs holds.
FIXED_EXPECTED = {
    "6f1e0a5c-cites-16-26": ("CITES", "wildlife trade policy reviews on a voluntary basis"),
    "b7d2c9e4-sc-1-7": ("Stockholm", "Persistent Organic Pollutants Review Committee"),
    "0c3a4b18-cms-10-8": ("CMS", "communicate and liaise regularly"),
}


def check_extension(out: dict[str, Any], doc_id: str) -> None:
    """The ``mealink`` extension of one exported record, for the stored document doc_id."""
    ext = out[EXTENSION]
    assert list(ext) == EXTENSION_KEYS
    assert ext["version"] == 2 and ext["id"] == doc_id
    assert ext["paragraphs"], f"{out['id']}: no paragraphs in the extension"
    for p in ext["paragraphs"]:
        assert set(p) == PARAGRAPH_KEYS
        assert p["id"].startswith(doc_id + "/"), p["id"]
        assert p["kind"] in ("preamble", "operative", "heading"), p["kind"]
        assert isinstance(p["text"], str) and p["text"].strip()
        assert "<p>" not in p["text"] and "</p>" not in p["text"]
    assert len({p["id"] for p in ext["paragraphs"]}) == len(ext["paragraphs"])


def stored_id(store: Store, source_file: Path, rid: str) -> tuple[str, Any]:
    """The id and kept bytes of the document stored for record ``rid`` of ``source_file``."""
    with store.engine.connect() as conn:
        row = conn.execute(select(DocumentRow.id, SourceRow.data).join(
            SourceRow, SourceRow.document_id == DocumentRow.id).where(
            DocumentRow.source == f"{source_file.resolve()}#{rid}")).one()
    return row.id, row.data


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


# --- 6. a derived record for a text not from InforMEA ---------------------------------------
@pytest.fixture(scope="module")
def invented_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The invented fixtures, ingested once (SQLite)."""
    store = open_store(str(tmp_path_factory.mktemp("invented") / "corpus.db"))
    summary = ingest(store, [INVENTED])
    assert not [o for o in summary.outcomes if o.outcome == "failed"], summary.outcomes
    yield store
    store.dispose()


def test_derived_record_of_a_cms_resolution(invented_store: Store, tmp_path: Path) -> None:
    """A resolution read from a text file: every InforMEA field in order, InforMEA's
    treaty and status words, the operative text in contents, topics as keywords; without
    the extension, the same record less ``mealink``."""
    [doc_id] = select_documents(invented_store, ["CMS Resolution 13.905"])
    export(invented_store, "informea", [doc_id], output=tmp_path / "one.json")
    [rec] = read_json(tmp_path / "one.json")
    assert list(rec) == [*RECORD_FIELDS, EXTENSION]
    assert (rec["id"], rec["treaty"], rec["number"]) == (doc_id, "cms", "13.905")
    assert rec["status"] == "active" and rec["type"] == "resolution"
    assert rec["published"] == "2020-02-22T00:00:00" and rec["meetingId"] == "cms-cop13"
    with invented_store.engine.connect() as conn:
        first_operative = conn.execute(select(ParagraphRow.text).where(
            ParagraphRow.document_id == doc_id, ParagraphRow.kind == "operative").order_by(
            ParagraphRow.seq).limit(1)).scalar_one()
    assert first_operative.startswith("Requests Parties")
    assert first_operative in rec["contents"][0]["value"]
    assert rec["contents"][0]["language"] == "en"
    assert rec["keywords"] and all(set(k) == {"namespace", "term"} and k["term"]
                                   for k in rec["keywords"])
    assert {"namespace": "mealink-topics", "term": "invasive alien species"} in rec["keywords"]
    check_extension(rec, doc_id)

    export(invented_store, "informea", [doc_id], output=tmp_path / "bare.json",
           extension=False)
    [bare] = read_json(tmp_path / "bare.json")
    assert list(bare) == list(RECORD_FIELDS)
    assert bare == base_record(rec)


def test_every_derived_record_speaks_informea(invented_store: Store, tmp_path: Path) -> None:
    """Each stored fixture exports with the InforMEA fields in order, a treaty name and a
    status of InforMEA's vocabulary, and an extension for its own document."""
    records = export_all(invented_store, tmp_path / "all.json")
    assert len(records) == texts_stored(invented_store) > 5
    for rec in records:
        assert list(rec) == [*RECORD_FIELDS, EXTENSION], rec["id"]
        assert rec["treaty"] in TREATIES, (rec["id"], rec["treaty"])
        assert rec["status"] in STATUSES, (rec["id"], rec["status"])
        assert rec["contents"][0]["value"].strip()
        check_extension(rec, rec["id"])


# --- 7. the command and the API -------------------------------------------------------------
def test_cli_exports_informea_and_refuses_what_it_cannot(invented_store: Store,
                                                         tmp_path: Path) -> None:
    """``mealink export informea --all -o FILE`` writes a JSON array of every text;
    asked for nothing, or twice, it exits non-zero with one line."""
    db = str(invented_store.engine.url.database)
    runner = CliRunner()
    out = tmp_path / "records.json"
    ok = runner.invoke(app, ["export", "informea", "--all", "-o", str(out), "--db", db])
    assert ok.exit_code == 0, ok.output
    records = read_json(out)
    assert len(records) == texts_stored(invented_store)
    assert all(EXTENSION in r for r in records)
    assert f"exported {len(records)} documents as informea" in ok.stderr
    bare = tmp_path / "bare.json"
    ok = runner.invoke(app, ["export", "--format", "informea", "--all", "--no-extension",
                             "-o", str(bare), "--db", db])
    assert ok.exit_code == 0, ok.output
    assert read_json(bare) == [base_record(r) for r in records]

    for args, says in [
        (["export", "--format", "informea"], "or give --all"),
        (["export", "informea"], "or give --all"),
        (["export", "informea", "cms/resolution/13.905", "--all"], "not both"),
        (["export", "informea", "CMS Resolution 99.99"], "is not in the corpus"),
    ]:
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code != 0, args
        message = str(result.exception or result.output)
        assert says in message and "\n" not in message.strip(), (args, message)


@pytest.fixture(scope="module")
def private_site(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path
                 ) -> Iterator[tuple[TestClient, dict[str, Any], str]]:
    """A private mealink (reading needs signing in) over the invented fixtures and one InforMEA
    record, with one reader: the client, the record and its document's id."""
    folder = tmp_path_factory.mktemp("web")
    db = str(folder / "corpus.db")
    store = open_store(db)
    rec = fixed_records(corpus_dir)[0]
    src = write_json(folder / "informea.json", [rec])
    summary = ingest(store, [INVENTED, src])
    assert not [o for o in summary.outcomes if o.outcome == "failed"], summary.outcomes
    doc_id, _ = stored_id(store, src, rec["id"])
    add_user(store, "rita", "reader", PASSWORD)
    store.dispose()
    web = create_app(WebConfig(db=db, read="signed-in"))
    with TestClient(web, base_url="https://testserver") as client:
        yield client, rec, doc_id
    web.state.store.dispose()


def test_api_gives_a_document_as_an_informea_record(
        private_site: tuple[TestClient, dict[str, Any], str]) -> None:
    """``/api/v1/documents/{id}.informea.json``: refused until signed in, then the record
    with the extension (a derived one, and an imported one field for field); an unknown
    document is a 404 in the API's error shape."""
    client, imported, imported_id = private_site
    path = "/api/v1/documents/cms/resolution/13.905.informea.json"
    client.cookies.clear()
    refused = client.get(path)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "sign_in_required"
    sign_in(client, "rita")

    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    rec = r.json()
    assert list(rec) == [*RECORD_FIELDS, EXTENSION] and rec["id"] == "cms/resolution/13.905"
    check_extension(rec, "cms/resolution/13.905")
    by_symbol = client.get("/api/v1/documents/UNEP/CMS/Resolution 13.905.informea.json")
    assert by_symbol.status_code == 200 and by_symbol.json() == rec

    got = client.get(f"/api/v1/documents/{imported_id}.informea.json")
    assert got.status_code == 200
    assert base_record(got.json()) == imported
    check_extension(got.json(), imported_id)

    missing = client.get("/api/v1/documents/cms/resolution/99.99.informea.json")
    assert missing.status_code == 404
    body = missing.json()
    assert set(body) == {"error"} and body["error"]["code"] == "not_found"
    assert "cms/resolution/99.99" in body["error"]["message"]
    assert "\n" not in body["error"]["message"]


def test_derived_record_link_leads_to_the_document_page(
        private_site: tuple[TestClient, dict[str, Any], str]) -> None:
    """The ``link`` the API fills in (from its own address) opens the document's page in
    the same application."""
    client = private_site[0]
    sign_in(client, "rita")
    rec = client.get("/api/v1/documents/cms/resolution/13.905.informea.json").json()
    assert rec["link"] and rec["link"].startswith("https://testserver/")
    page = client.get(rec["link"])
    assert page.status_code == 200, (rec["link"], page.status_code)
    assert "CMS Resolution 13.905" in page.text


# --- reading records: what the parse of contents must not depend on --------------------------
def _paragraph_texts(folder: Path, records: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Ingest ``records`` as one file into a fresh SQLite store in ``folder``; each
    record's exported paragraph texts, by record id."""
    folder.mkdir(exist_ok=True)
    store = open_store(str(folder / "corpus.db"))
    [outcome] = ingest(store, [write_json(folder / "records.json", records)]).outcomes
    assert outcome.outcome == "added", outcome
    exported = export_all(store, folder / "out.json")
    store.dispose()
    return {r["id"]: [p["text"] for p in r[EXTENSION]["paragraphs"]] for r in exported}


def test_short_html_contents_are_read_as_html(tmp_path: Path, corpus_dir: Path) -> None:
    """InforMEA gives ``contents`` as HTML; a decision of three ``<p>`` paragraphs reads
    as the same paragraphs as its plain text."""
    text = corpus_text(corpus_dir, "stockholm_sc1_7_poprc_informea.txt")
    paragraphs = "\n\n".join(line for line in text.splitlines() if line.strip())
    assert as_html(paragraphs).count("<p>") == 3
    plain = _paragraph_texts(tmp_path / "plain", [
        record("sc-1-7", "stockholm", "SC-1/7", paragraphs)])
    html = _paragraph_texts(tmp_path / "html", [
        record("sc-1-7", "stockholm", "SC-1/7", as_html(paragraphs))])
    assert len(plain["sc-1-7"]) == 3
    assert html["sc-1-7"] == plain["sc-1-7"]


def test_records_without_a_number_are_each_their_own_document(tmp_path: Path,
                                                              corpus_dir: Path) -> None:
    """Two different decisions of one treaty in one file, neither numbered: two
    documents, not one document and a 'duplicate'."""
    got = _paragraph_texts(tmp_path / "both", [
        {"id": "sc-1-7", "treaty": "stockholm", "contents": [{"language": "en", "value":
            corpus_text(corpus_dir, "stockholm_sc1_7_poprc_informea.txt")}]},
        {"id": "new-pops", "treaty": "stockholm", "contents": [{"language": "en", "value":
            corpus_text(corpus_dir, "stockholm_new_pops_workprog_informea.txt")}]}])
    assert sorted(got) == ["new-pops", "sc-1-7"]


@pytest.mark.parametrize("rid", ["res-10-8.json", "res-10-8.html", "res-10-8.md"])
def test_the_record_id_does_not_change_how_contents_are_read(
        tmp_path: Path, corpus_dir: Path, rid: str) -> None:
    """A record id that ends like a file name (``.json``, ``.html``) is only a name: the
    contents read as the same paragraphs as under a plain id."""
    text = corpus_text(corpus_dir, "seed-cms-res-10.8.txt")
    plain = _paragraph_texts(tmp_path / "plain", [record("res-10-8", "cms", "10.8", text)])
    named = _paragraph_texts(tmp_path / "named", [record(rid, "cms", "10.8", text)])
    assert named[rid] == plain["res-10-8"]


def test_derived_records_import_back_to_the_same_texts(tmp_path: Path, corpus_dir: Path
                                                      ) -> None:
    """Records mealink derived for texts read from files (the corpus and the invented fixtures) are
    ingested into an empty store as the same documents, with the same paragraphs."""
    first = open_store(str(tmp_path / "first.db"))
    ingest(first, [INVENTED, corpus_dir])
    records = export_all(first, tmp_path / "derived.json")
    second = open_store(str(tmp_path / "second.db"))
    [outcome] = ingest(second, [tmp_path / "derived.json"]).outcomes
    assert outcome.outcome == "added", outcome
    again = {r[EXTENSION]["id"]: r[EXTENSION] for r in export_all(second, tmp_path / "2.json")}

    def shape(ext: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(p["id"], p["kind"], p["number"], p["verb"], p["text"], p["actors"])
                for p in ext["paragraphs"]]

    assert sorted(again) == sorted(r["id"] for r in records)
    assert [r["id"] for r in records if shape(r[EXTENSION]) != shape(again[r["id"]])] == []
    first.dispose()
    second.dispose()


# --- 8. the round trip of real texts: export, import, export gives the same records ---------
def test_real_texts_round_trip_to_identical_records(tmp_path: Path, realdocs_dir: Path) -> None:
    """The real texts (``realdocs``), stored from their files and exported as records; those
    records ingested into an empty store and exported again: the same file, byte for byte
    (labels, symbols and ids included), and a third generation too. Among them are texts
    with no title and texts with no symbol, each still named as it was."""
    first = open_store(str(tmp_path / "first.db"))
    ingest(first, [realdocs_dir])
    gen1 = export_all(first, tmp_path / "gen1.json")
    first.dispose()
    assert len(gen1) > 30
    assert any(not r["titles"] for r in gen1), "no text without a title"
    assert any(r[EXTENSION]["symbol"] is None for r in gen1), "no text without a symbol"
    untitled = [r for r in gen1 if not r["titles"] and r[EXTENSION]["symbol"] is None]
    assert untitled, "no text with neither title nor symbol"
    assert all(r[EXTENSION]["label"].endswith(".txt") for r in untitled)  # its file's name
    for n in (2, 3):
        store = open_store(str(tmp_path / f"gen{n}.db"))
        [outcome] = ingest(store, [tmp_path / f"gen{n - 1}.json"]).outcomes
        assert outcome.outcome == "added", outcome
        export_all(store, tmp_path / f"gen{n}.json")
        store.dispose()
        again = read_json(tmp_path / f"gen{n}.json")
        changed = {r[EXTENSION]["id"]: {k: (r[EXTENSION][k], o[EXTENSION][k])
                                        for k in r[EXTENSION] if r[EXTENSION][k] != o[EXTENSION][k]}
                   for r, o in zip(gen1, again, strict=False) if r != o}
        assert changed == {} and len(again) == len(gen1)
        assert (tmp_path / f"gen{n}.json").read_bytes() == (tmp_path / "gen1.json").read_bytes()


# --- 9. property: mutated records never crash, good ones kept, bad ones named --------------
#: Short real decisions (gold corpus), each its own document: (file, treaty, number).
_PROPERTY_TEXTS = [
    ("cites_dec16_26.txt", "cites", "16.26"),
    ("stockholm_sc1_7_poprc_informea.txt", "stockholm", "SC-1/7"),
    ("stockholm_new_pops_workprog_informea.txt", "stockholm", ""),
    ("rotterdam_crc_sccp_informea.txt", "rotterdam", ""),
]
_SCALARS = ("link", "number", "status", "type", "published", "updated", "meetingId",
            "meetingTitle", "meetingUrl")
_LISTS = ("titles", "longTitles", "summaries", "contents", "keywords", "files")
_JSON_KINDS: dict[str, Any] = {"string": "text", "number": 7, "float": 2.5, "bool": True,
                               "null": None, "list": ["x"], "object": {"value": "x"}}


def _property_record(i: int) -> dict[str, Any]:
    name, treaty, number = _PROPERTY_TEXTS[i]
    return record(f"rec-{i}", treaty, number, corpus_text(CORPUS, name))


def _wrong_kinds(key: str) -> list[str]:
    """The JSON kinds a key must not hold (the README's rules)."""
    if key == "id":
        return ["float", "bool", "null", "list", "object"]
    if key == "treaty":  # null is InforMEA's word for a body with no treaty (IPBES)
        return ["number", "float", "bool", "list", "object"]
    if key in _LISTS:
        return ["string", "number", "float", "bool", "null", "object"]
    return ["number", "float", "bool", "list", "object"]  # the scalar fields


def _bad(rec: dict[str, Any], how: str, key: str, kind: str) -> Any:
    """One record made bad: a key dropped, a field of a wrong kind, wrongly nested."""
    out = json.loads(json.dumps(rec))
    if how == "drop":
        del out[key]
    elif how == "kind":
        out[key] = _JSON_KINDS[kind]
    elif how == "item":  # an item of a list field that is not an object
        out[key] = [*out[key][:1], _JSON_KINDS[kind]] if kind != "object" else out[key]
    elif how == "value":  # a language value of the wrong kind
        out[key] = [{"language": "en", "value": _JSON_KINDS[kind]}]
    elif how == "wrap":
        return [out]
    elif how == "scalar":
        return _JSON_KINDS[kind]
    return out


_BAD = st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(["id", "treaty", "contents"]), st.just("")),
    st.sampled_from(["id", "treaty", *_SCALARS, *_LISTS]).flatmap(
        lambda key: st.tuples(st.just("kind"), st.just(key), st.sampled_from(_wrong_kinds(key)))),
    st.tuples(st.just("item"), st.sampled_from(["titles", "contents", "keywords", "files"]),
              st.sampled_from(["string", "number", "null", "list"])),
    st.tuples(st.just("value"), st.sampled_from(["titles", "summaries", "contents"]),
              st.sampled_from(["number", "bool", "null", "list", "object"])),
    st.tuples(st.just("wrap"), st.just(""), st.just("")),
    st.tuples(st.just("scalar"), st.just(""), st.sampled_from(list(_JSON_KINDS))),
)
_HARMLESS = st.one_of(
    st.just(("keep", "", "")),
    st.tuples(st.just("null"), st.sampled_from(_SCALARS), st.just("")),
    st.tuples(st.just("drop"), st.sampled_from(["link", "titles", "summaries", "keywords",
                                                "files", "number", "meetingUrl"]), st.just("")),
    st.tuples(st.just("extra"), st.sampled_from(["extra", "note", "x-y"]),
              st.sampled_from(list(_JSON_KINDS))),
)
#: For each of the texts: left good (perhaps changed harmlessly), or made bad.
MUTATIONS = st.tuples(*[st.tuples(st.booleans(), _BAD, _HARMLESS)
                        for _ in _PROPERTY_TEXTS])


def _harmless(rec: dict[str, Any], how: str, key: str, kind: str) -> dict[str, Any]:
    out = dict(rec)
    if how == "null":
        out[key] = None
    elif how == "drop":
        del out[key]
    elif how == "extra":
        out[key] = _JSON_KINDS[kind]
    return out


@seed(20261122)
@settings(max_examples=30, deadline=None, derandomize=True)
@given(mutations=MUTATIONS)
def test_mutated_records_keep_the_good_and_name_the_bad(
        corpus_dir: Path, mutations: tuple[tuple[bool, tuple[str, str, str],
                                                 tuple[str, str, str]], ...]) -> None:
    """Valid records, some made bad (a key dropped, a field of another kind, a list item or
    language value of the wrong kind, a record wrapped in a list or replaced by a scalar),
    ingested as one file: no exception escapes, every good record is stored field for
    field, every bad one is named in a line of its own by its place (and id)."""
    records: list[Any] = []
    good: dict[str, dict[str, Any]] = {}
    bad: list[int] = []
    for i, (make_bad, broken, harmless) in enumerate(mutations):
        rec = _property_record(i)
        if make_bad:
            records.append(_bad(rec, *broken))
            bad.append(i + 1)
        else:
            records.append(_harmless(rec, *harmless))
            good[rec["id"]] = records[-1]
    with tempfile.TemporaryDirectory() as folder:
        d = Path(folder)
        src = write_json(d / "records.json", records)
        store = open_store(str(d / "corpus.db"))
        try:
            [outcome] = ingest(store, [src]).outcomes
            exported = by_id([base_record(r) for r in export_all(store, d / "out.json")])
        finally:
            store.dispose()
    assert exported == good
    named = [int(re.match(rf"{re.escape(str(src))}: record (\d+)[ :]", line)[1])  # type: ignore[index]
             for line in outcome.problems]
    assert named == bad, (outcome.problems, mutations)
    assert all("\n" not in line for line in outcome.problems)
    assert outcome.outcome == ("failed" if bad else "added"), outcome
