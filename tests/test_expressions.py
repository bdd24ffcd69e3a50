"""One work in several languages: a text and its translation are one work with an
expression per language (not two documents, not a duplicate), their paragraphs aligned, and
its mandates counted once. The real pair is CITES Decisions 19.30-19.31 in English and
Spanish (``../shared/realdocs``); the French pairs are written for the tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealink.export.tables import iter_rows
from mealink.store import ingest, open_store
from mealink.store.engine.schema import DocumentRow, MandateRow, ParagraphRow
from mealink.store.mandates import digest, list_mandates
from tests.conftest import REPO

PAIRS = REPO / "tests" / "fixtures" / "invented-languages"
EN, ES = "cites-dec-19.30-19.31.txt", "cites-dec-19.30-19.31.es.txt"


def _rows(url: str) -> tuple[list[DocumentRow], list[ParagraphRow]]:
    store = open_store(url)
    with Session(store.engine) as session:
        docs = list(session.scalars(select(DocumentRow).where(~DocumentRow.is_stub)
                                    .order_by(DocumentRow.id)))
        paras = list(session.scalars(select(ParagraphRow).order_by(ParagraphRow.pk)))
        session.expunge_all()
    store.dispose()
    return docs, paras


@pytest.mark.parametrize("order", [(EN, ES), (ES, EN)])
def test_the_real_pair_is_one_work_in_two_languages(db_url: str, realdocs_dir: Path,
                                                    order: tuple[str, str]) -> None:
    store = open_store(db_url)
    summary = ingest(store, [realdocs_dir / order[0], realdocs_dir / order[1]])
    got = [(Path(o.path).name, o.outcome) for o in summary.outcomes]
    assert got == [(order[0], "added"), (order[1], "added")], summary.outcomes
    if order[0] == ES:  # the English text, stored second, becomes the primary
        assert "now its expression" in (summary.outcomes[1].message or "")
    # the batch says where each file is stored now
    assert {Path(o.path).name: o.document_id for o in summary.outcomes} == {
        EN: "cites/decision/19.30", ES: "cites/decision/19.30@es"}
    store.dispose()
    docs, paras = _rows(db_url)
    # whichever came first, the English text is the primary (its mandates are counted)
    assert [(d.id, d.language, d.expression_of) for d in docs] == [
        ("cites/decision/19.30", "en", None),
        ("cites/decision/19.30@es", "es", "cites/decision/19.30")]
    assert docs[0].work_id == docs[1].work_id
    # the evidence that they are one work says what was compared, never a guess
    evidence = docs[1].expression_evidence or ""
    assert "19.30" in evidence and "19.31" in evidence and "CITES" in evidence
    # every operative paragraph of the Spanish text links to its English counterpart
    first = {p.id: p for p in paras if p.document_id == "cites/decision/19.30"}
    second = [p for p in paras if p.document_id == docs[1].id and p.kind == "operative"]
    assert second and all(p.aligned_to in first and p.aligned_by for p in second)
    # the Standing Committee's decision (19.31) is aligned with the Standing Committee's
    sc = [p for p in second if "Permanente deberá examinar" in p.text]
    assert len(sc) == 1 and "Standing Committee shall review" in first[sc[0].aligned_to].text


def test_mandates_are_counted_once_per_work(db_url: str, realdocs_dir: Path,
                                            tmp_path: Path) -> None:
    alone = open_store(str(tmp_path / "alone.db"))
    ingest(alone, [realdocs_dir / EN])
    once = len(list_mandates(alone))
    alone.dispose()
    assert once >= 2
    store = open_store(db_url)
    ingest(store, [realdocs_dir / EN, realdocs_dir / ES])
    assert len(list_mandates(store)) == once
    # the digest of the Secretariat and the Standing Committee: one text, asked once
    for actor in ("Secretariat", "Standing Committee"):
        groups = digest(store, actor)
        assert [g.document_id for g in groups] == ["cites/decision/19.30"], actor
    with store.engine.connect() as conn:
        assert not conn.execute(select(MandateRow.id).where(
            MandateRow.document_id.like("%@%"))).first()
    # the tables tell the expression from the work
    docs = {r["id"]: r for r in iter_rows(store, "documents")}
    assert docs["cites/decision/19.30@es"]["expression_of"] == "cites/decision/19.30"
    assert docs["cites/decision/19.30"]["expression_of"] is None
    spanish = [r for r in iter_rows(store, "paragraphs", ["cites/decision/19.30@es"])
               if r["kind"] == "operative"]
    assert spanish and all(r["aligned_to"].startswith("cites/decision/19.30/") for r in spanish)
    store.dispose()


def test_ingesting_the_pair_again_changes_nothing(tmp_path: Path, realdocs_dir: Path) -> None:
    folder = tmp_path / "pair"
    folder.mkdir()
    for name in (EN, ES):
        shutil.copy(realdocs_dir / name, folder / name)
    store = open_store(str(tmp_path / "c.db"))
    ingest(store, [folder])
    again = ingest(store, [folder])
    assert [o.outcome for o in again.outcomes] == ["unchanged", "unchanged"]
    store.dispose()


LIGHT = ["cms-res-13.920.txt", "cms-res-13.920.fr.txt", "cms-res-13.920.es.txt"]


def test_a_work_in_three_languages_has_one_primary_and_two_expressions(db_url: str) -> None:
    store = open_store(db_url)
    summary = ingest(store, [PAIRS / n for n in LIGHT])
    assert [o.outcome for o in summary.outcomes] == ["added"] * 3, summary.outcomes
    assert [o.document_id for o in summary.outcomes] == [
        "cms/resolution/13.920", "cms/resolution/13.920@fr", "cms/resolution/13.920@es"]
    mandates = list_mandates(store)
    assert {m.document_id for m in mandates} == {"cms/resolution/13.920"}
    store.dispose()
    docs, paras = _rows(db_url)
    assert {d.work_id for d in docs} == {"cms/resolution/13.920"}
    # the same anchor in every language: swap the document part and you have its counterpart
    fr = {p.id: (p.aligned_to, p.aligned_by) for p in paras
          if p.document_id == "cms/resolution/13.920@fr"}
    assert fr["cms/resolution/13.920@fr/para_1"] == ("cms/resolution/13.920/para_1", "number")
    assert fr["cms/resolution/13.920@fr/para_3(b)"] == ("cms/resolution/13.920/para_3(b)",
                                                         "number")
    assert fr["cms/resolution/13.920@fr/pre_2"] == (
        "cms/resolution/13.920/pre_2", "order, length and shared 12.921")


def test_the_english_text_stored_after_becomes_the_primary(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "c.db"))
    ingest(store, [PAIRS / LIGHT[1], PAIRS / LIGHT[2]])  # French first, then Spanish
    assert len(list_mandates(store)) == len([m for m in list_mandates(store)
                                             if m.document_id == "cms/resolution/13.920"])
    summary = ingest(store, [PAIRS / LIGHT[0]])
    assert summary.outcomes[0].outcome == "added"
    assert "(es, fr) is now its expression" in (summary.outcomes[0].message or "")
    english = list_mandates(store)
    store.dispose()
    docs, paras = _rows(str(tmp_path / "c.db"))
    assert [(d.id, d.language) for d in docs] == [
        ("cms/resolution/13.920", "en"), ("cms/resolution/13.920@es", "es"),
        ("cms/resolution/13.920@fr", "fr")]
    # the mandates are the English text's, as if it had come first
    alone = open_store(str(tmp_path / "alone.db"))
    ingest(alone, [PAIRS / LIGHT[0]])
    assert [m.id for m in english] == [m.id for m in list_mandates(alone)]
    alone.dispose()
    assert all(p.aligned_to for p in paras if p.document_id.endswith("@fr")
               and p.kind == "operative")


def test_the_cli_says_which_file_became_the_primary(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mealink.cli import app

    db = str(tmp_path / "c.db")
    run = CliRunner().invoke
    assert run(app, ["ingest", str(PAIRS / LIGHT[1]), "--db", db, "--no-embed"]).exit_code == 0
    r = run(app, ["ingest", str(PAIRS / LIGHT[0]), "--db", db, "--no-embed"],
            env={"COLUMNS": "100"})
    assert r.exit_code == 0, r.output
    said = [line for line in r.stdout.splitlines() if line.startswith("added: ")]
    assert said == [f"added: {PAIRS / LIGHT[0]}: the primary text of its work (English): the "
                    "text stored before (fr) is now its expression"]


def test_a_primary_stored_again_aligns_its_expressions_again(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    for n in LIGHT[:2]:
        shutil.copy(PAIRS / n, folder / n)
    store = open_store(str(tmp_path / "c.db"))
    ingest(store, [folder / LIGHT[0], folder / LIGHT[1]])
    # a new first recital: the English pre_1 is now another paragraph, the old one pre_2
    en = folder / LIGHT[0]
    en.write_text(en.read_text(encoding="utf-8").replace(
        "Concerned that", "Noting the report of 40 range States on light at night,\n\n"
        "Concerned that"), encoding="utf-8")
    assert ingest(store, [en]).outcomes[0].outcome == "updated"
    store.dispose()
    _, paras = _rows(str(tmp_path / "c.db"))
    text_of = {q.id: q.text for q in paras}
    fr = {q.text[:10]: q for q in paras if q.document_id.endswith("@fr")}
    assert text_of[fr["Préoccupée"].aligned_to or ""].startswith("Concerned that")
    assert fr["Préoccupée"].id == "cms/resolution/13.920@fr/pre_2"


# Shapes of paragraphs the two languages of one text come in (CITES Decisions 19.30-19.31 in
# English and Spanish, realdocs; CMS Resolution 13.920 of the tests): (kind, number, text)
# of each side, and the pairs expected as (first index, second index, rule).
SC_EN = ("The Standing Committee shall review the responses to the Notification and the "
         "findings and recommendations of the Secretariat, consult with the Animals and Plants "
         "Committees as appropriate and make recommendations to the 20th meeting of the "
         "Conference of the Parties.")
SC_ES = ("El Comité Permanente deberá examinar las respuestas a la Notificación, así como las "
         "conclusiones y recomendaciones formuladas por la Secretaría, consultar con los "
         "Comités de Fauna y de Flora según proceda y formular recomendaciones a la 20ª "
         "reunión de la Conferencia de las Partes.")
A_EN = ("issue a Notification to the Parties providing the pilot World Wildlife Trade Report, "
        "seeking feedback and views on such a report and the potential utility and drawbacks "
        "of producing such a report periodically; and")
B_EN = ("provide the responses received from the Notification to the Standing Committee and "
        "present findings and make recommendations for consideration by the Standing "
        "Committee.")
RUN_IN_ES = ("La Secretaria deberá: a) publicar una Notificación a las Partes en la que se "
             "presente la edición piloto del Informe mundial sobre el comercio de fauna y flora "
             "silvestres y se soliciten opiniones y puntos de vista sobre ese informe y la "
             "posible utilidad de la elaboración periódica del informe, así como sobre los "
             "posibles obstáculos; y b) facilitar al Comité Permanente las respuestas a la "
             "Notificación recibidas y presentar sus conclusiones y formular recomendaciones "
             "para que sean examinadas por el Comité Permanente.")
ALIGNED = [
    pytest.param(  # numbers printed on one page only: order, length and the shared "20"
        [("operative", None, "The Secretariat shall:"), ("operative", "(a)", A_EN),
         ("operative", "(b)", B_EN), ("operative", None, SC_EN)],
        [("operative", "19.30", RUN_IN_ES), ("operative", "19.31", SC_ES)],
        [(0, 0, "items a), b) run in"), (1, 0, "items a), b) run in"),
         (2, 0, "items a), b) run in"),
         (3, 1, "order, length and shared 20")], id="run-in items against items set out"),
    pytest.param(  # '3(a)' and '(a)' are one number; a chapeau read as a heading still pairs
        [("operative", "3", "Invites Parties to:"),
         ("operative", "3(a)", "monitor the number of birds killed by collision with lit "
          "buildings during migration; and")],
        [("heading", None, "Invite les Parties à :"),
         ("operative", "(a)", "surveiller le nombre d'oiseaux tués par collision avec des "
          "bâtiments éclairés pendant la migration ; et")],
        [(0, 0, "order and length"), (1, 1, "number")], id="sub-paragraph numbers"),
    pytest.param(  # different printed numbers never pair, however alike
        [("operative", "1", "Urges Parties to reduce artificial light at night."),
         ("operative", "2", "Requests the Scientific Council to prepare guidelines.")],
        [("operative", "2", "Prie le Conseil scientifique d'élaborer des lignes directrices."),
         ("operative", "3", "Prie le Secrétariat de soutenir des ateliers.")],
        [(1, 0, "number")], id="different numbers"),
]


@pytest.mark.parametrize(("first", "second", "expected"), ALIGNED)
def test_paragraphs_align_by_number_then_by_order_and_length(
        first: list[tuple[str, str | None, str]], second: list[tuple[str, str | None, str]],
        expected: list[tuple[int, int, str]]) -> None:
    from mealink.link.expressions import Para, align

    got = align([Para(*p) for p in first], [Para(*p) for p in second])
    assert sorted((a.first, a.second, a.rule) for a in got) == sorted(expected)


def test_a_translation_whose_numbers_were_guessed_is_not_called_the_same_work() -> None:
    from mealink.link.expressions import expression_evidence

    en = ("en", "CMS", "CMS Resolution 13.920", "its header")
    fr = ("fr", "CMS", "CMS Resolution 13.920", "its heading")
    keys = ["cms/resolution/13.920"]
    assert expression_evidence(en, fr, keys, keys) is not None
    guessed = ("fr", "CMS", "x", "its file name (cms-res-13.920.fr.txt)")
    assert expression_evidence(en, guessed, keys, keys) is None
    assert expression_evidence(en, fr, keys, ["cms/resolution/13.921"]) is None
    assert expression_evidence(en, ("fr", "CITES", "x", "its heading"), keys, keys) is None
    assert expression_evidence(en, ("en", "CMS", "x", "its heading"), keys, keys) is None


# Written for the tests: a later resolution that repeals CMS Resolution 13.920 in part.
REPEALS = """UNEP/CMS/Resolution 14.921

LIGHT POLLUTION: A REVIEW

Adopted by the Conference of the Parties at its 14th Meeting (Samarkand, February 2024)

1. Requests the Secretariat to keep the guidelines on lighting under review;

2. Repeals paragraph 4 of Resolution 13.920.
"""


def test_an_expression_follows_its_primary_in_status_and_lineage(db_url: str,
                                                                  tmp_path: Path) -> None:
    from mealink.store.corpus.status import lineage, status

    later = tmp_path / "cms-res-14.921.txt"
    later.write_text(REPEALS, encoding="utf-8")
    store = open_store(db_url)
    ingest(store, [*(PAIRS / n for n in LIGHT), later])
    fr = status(store, "cms/resolution/13.920@fr")
    en = status(store, "cms/resolution/13.920")
    assert (fr.state, fr.in_force) == (en.state, en.in_force) == ("in force in part", True)
    gone = status(store, "cms/resolution/13.920@fr/para_4")
    assert gone.in_force is False
    assert status(store, "cms/resolution/13.920@es/para_1").in_force is True
    ancestors, descendants = lineage(store, "cms/resolution/13.920@es")
    assert ancestors.document_id == descendants.document_id == "cms/resolution/13.920"
    assert [c.document_id for c in descendants.children] == ["cms/resolution/14.921"]
    store.dispose()
    _, paras = _rows(db_url)
    in_force = {p.id: p.in_force for p in paras}
    assert not in_force["cms/resolution/13.920@fr/para_4"]
    assert in_force["cms/resolution/13.920@fr/para_3(a)"]


def test_akoma_ntoso_gives_one_work_with_an_expression_per_language(tmp_path: Path) -> None:
    from lxml import etree

    from mealink.export import akn_export_bytes
    from mealink.export.documents import iter_stored

    store = open_store(str(tmp_path / "c.db"))
    ingest(store, [PAIRS / n for n in LIGHT])
    ids = ["cms/resolution/13.920", "cms/resolution/13.920@fr", "cms/resolution/13.920@es"]
    ns = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
    got = []
    for sd in iter_stored(store, ids):  # each written and checked against the schema
        root = etree.fromstring(akn_export_bytes(sd))
        work = root.find(".//a:FRBRWork/a:FRBRuri", ns).get("value")  # type: ignore[union-attr]
        lang = root.find(".//a:FRBRExpression/a:FRBRlanguage", ns).get("language")  # type: ignore[union-attr]
        eids = [e.get("eId") for e in root.iter(f"{{{ns['a']}}}paragraph")]
        got.append((work, lang, eids))
    store.dispose()
    assert len({w for w, _, _ in got}) == 1
    assert [lang for _, lang, _ in got] == ["eng", "fra", "spa"]
    assert got[0][2] and got[0][2] == got[1][2] == got[2][2]  # the same ids in every language


def test_reparse_keeps_the_work_and_its_expressions(tmp_path: Path) -> None:
    from mealink.store import reparse

    url = str(tmp_path / "c.db")
    store = open_store(url)
    ingest(store, [PAIRS / n for n in reversed(LIGHT)])  # Spanish, French, then English
    before = _rows(url)
    summary = reparse(store)
    assert [o.outcome for o in summary.outcomes] == ["updated"] * 3, summary.outcomes
    store.dispose()
    after = _rows(url)
    assert [(d.id, d.language, d.expression_of) for d in after[0]] == \
        [(d.id, d.language, d.expression_of) for d in before[0]]
    assert [(p.id, p.aligned_to, p.aligned_by) for p in after[1]] == \
        [(p.id, p.aligned_to, p.aligned_by) for p in before[1]]


def test_an_informea_record_holds_the_work_once_with_its_languages(tmp_path: Path) -> None:
    import json

    from mealink.export import export

    store = open_store(str(tmp_path / "c.db"))
    ingest(store, [PAIRS / n for n in LIGHT])
    out = tmp_path / "records.json"
    export(store, "informea", every=True, output=out)
    store.dispose()
    records = json.loads(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in records] == ["cms/resolution/13.920"]
    assert [t["language"] for t in records[0]["titles"]] == ["en", "es", "fr"]
    contents = {c["language"]: c["value"] for c in records[0]["contents"]}
    assert "Exhorte les Parties" in contents["fr"] and "Insta a las Partes" in contents["es"]
