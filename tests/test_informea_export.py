"""InforMEA records out: the record derived for a text that did not come from InforMEA, the
command and the API that give it, how a record's contents are read, the round trip of real
texts, and mutated records that must never crash an import (fixed seed).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from mealink.cli import app
from mealink.export import export
from mealink.export.documents import select_documents
from mealink.interop.informea import (
    EXTENSION,
    RECORD_FIELDS,
    base_record,
)
from mealink.store import Store, ingest, open_store
from mealink.store.engine.schema import ParagraphRow
from mealink.store.users import add_user
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import CORPUS, INVENTED
from tests.informea_records import (
    STATUSES,
    TREATIES,
    as_html,
    by_id,
    check_extension,
    corpus_text,
    export_all,
    fixed_records,
    read_json,
    record,
    stored_id,
    texts_stored,
    write_json,
)
from tests.webapp import PASSWORD, sign_in


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
