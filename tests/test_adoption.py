"""Who adopted a text: the convention's governing body, a subsidiary body, nobody yet (a
draft), or another body; what in the text says so; and what follows for status, mandates
and review. Cases are real texts of the gold corpus and of ../shared/realdocs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mealink import parse_file
from mealink.store import Store, ingest, open_store
from mealink.store.corpus.status import status
from mealink.store.mandates import MandateFilters, list_mandates
from mealink.store.review import review
from tests.conftest import make_db

# (file, folder, adoption, body as named (None: not named), words the evidence quotes)
CASES = [
    ("wcbpo_res3_cms_huemul.txt", "corpus", "other body",
     "6th World Conference on Birds of Prey and Owls", "Resolution 3 from the 6th World"),
    ("ramsar_dr12_3_studylib.txt", "corpus", "draft", None, "Draft Resolution"),
    ("cbd_sbstta14_rec17_kb.txt", "corpus", "subsidiary body",
     "Subsidiary Body on Scientific, Technical and Technological Advice", "enacting formula"),
    ("rotterdam_crc_sccp_informea.txt", "corpus", "subsidiary body",
     "Chemical Review Committee", "enacting formula"),
    ("unfccc_draft_cmp5_scribd_ocr.txt", "corpus", "draft", None, "Draft"),
    ("seed-cms-res-11.10.txt", "corpus", "adopted", "Conference of the Parties",
     "Adopted by the Conference of the Parties at its 11th Meeting"),
    ("cms-res-1.3.txt", "realdocs", "adopted",
     "Conference of the Parties to the Convention on the Conservation of Migratory Species "
     "of Wild Animals", "enacting formula"),
    ("ipbes-res-panama-2012.txt", "realdocs", "adopted",
     "plenary meeting to determine the modalities and institutional arrangements for IPBES",
     "Adopted by the plenary meeting"),
    ("cites-dec-16.15.txt", "realdocs", "adopted", "Conference of the Parties",
     "COP meeting: Sixteenth meeting of the Conference of the Parties"),
    ("vienna-dec-vc-v-2.txt", "realdocs", "adopted", "Conference of the Parties",
     "in Decision VC V/2 of its Fifth Meeting"),
    # nothing names the body: the symbol is the convention's own, and the answer says so
    ("cms-dec-12.81-12.82.txt", "realdocs", "adopted", None, "assumed from its symbol"),
]


@pytest.mark.parametrize(("name", "folder", "kind", "body", "quoted"), CASES,
                         ids=[c[0] for c in CASES])
def test_who_adopted_it(corpus_dir: Path, realdocs_dir: Path, name: str, folder: str,
                        kind: str, body: str | None, quoted: str) -> None:
    doc = parse_file((corpus_dir if folder == "corpus" else realdocs_dir) / name)
    assert (doc.adoption, doc.adopted_by) == (kind, body)
    assert doc.adoption_evidence is not None and quoted in doc.adoption_evidence


def test_another_bodys_resolution_is_no_conventions_resolution(corpus_dir: Path) -> None:
    doc = parse_file(corpus_dir / "wcbpo_res3_cms_huemul.txt")  # it names CMS in its text
    assert doc.convention is None and doc.symbol == "Resolution 3"


def test_a_number_only_heading_over_sbstta_is_a_recommendation(corpus_dir: Path) -> None:
    doc = parse_file(corpus_dir / "cbd_sbstta14_rec17_kb.txt")
    assert (doc.symbol, doc.convention) == ("Recommendation XIV/17", "CBD")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def mixed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
          corpus_dir: Path) -> Iterator[Store]:
    """A draft, two subsidiary bodies' texts, another body's and adopted texts."""
    gen = make_db(request.param, tmp_path_factory.mktemp("adoption"), request)
    store = open_store(next(gen))
    names = ["wcbpo_res3_cms_huemul.txt", "ramsar_dr12_3_studylib.txt",
             "cbd_sbstta14_rec17_kb.txt", "cbd_sbstta11_rec_devchm.txt",
             "ramsar_res6_7.txt", "seed-cms-res-11.10.txt"]
    summary = ingest(store, [corpus_dir / n for n in names])
    assert not [o for o in summary.outcomes if o.outcome == "failed"]
    yield store
    store.dispose()
    for _ in gen:
        pass


@pytest.mark.parametrize(("asked", "why"), [
    ("Ramsar Draft Resolution XII.3", "a draft, not an adopted text"),
    ("CBD Recommendation XIV/17", "a text of the Subsidiary Body on Scientific, Technical and "
                                  "Technological Advice, not of the Conference of the Parties"),
    ("unknown/document/wcbpo-res3-cms-huemul", "a text of the 6th World Conference on Birds of "
                                               "Prey and Owls, not of a convention's governing"),
])
def test_a_text_that_was_not_adopted_is_not_in_force(mixed: Store, asked: str, why: str
                                                     ) -> None:
    st = status(mixed, asked)
    assert (st.state, st.in_force) == ("not adopted", False)
    assert why in st.evidence[0].text


def test_what_a_draft_or_a_recommendation_asks_is_no_mandate_in_force(mixed: Store) -> None:
    ms = list_mandates(mixed, MandateFilters(in_force=None))
    not_adopted = [m for m in ms if not m.document_id.startswith(("cms/", "ramsar/resolution/VI"))]
    assert not_adopted  # they ask things ...
    assert all(not m.in_force and m.status == "not-adopted" for m in not_adopted)
    live = list_mandates(mixed, MandateFilters(in_force=True))
    assert {m.document_id for m in live} <= {"cms/resolution/11.10", "ramsar/resolution/VI.7"}


def test_a_draft_is_not_reviewed(mixed: Store) -> None:
    proposals = review(mixed, "Ramsar", "COP13").proposals
    assert all("XII.3" not in label for p in proposals for label in p.labels)


def test_drafts_and_recommendations_are_left_out_of_the_synergies(mixed: Store) -> None:
    from mealink.store.synergies import mandate_items

    documents = {i.document_id for i in mandate_items(mixed)}
    assert documents and documents <= {"cms/resolution/11.10", "ramsar/resolution/VI.7"}
