"""Topics: the vocabulary shipped as data, the matcher, the scores and the wiring into annotate.

The table rows are sentences of the kind resolutions are made of, each asserting the topics
found and, for near-misses, the topics that must not be ("alien" alone, "trade-offs",
"financial rules", a hedge on funding, the name of a convention).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from mealink import parse_text
from mealink.annotate.topics import (
    TopicVocabulary,
    find_topics,
    inherit,
    load_topic_vocabulary,
    topic_vocabulary,
)
from mealink.errors import VocabularyError
from mealink.models import Topic
from mealink.serialize import paragraph_to_dict


def topics(text: str) -> dict[str, Topic]:
    return {t.id: t for t in find_topics(text, 0, len(text))}


# (what the row shows, text, topics that must be found, topics that must not)
CASES: list[tuple[str, str, set[str], set[str]]] = [
    ("label, with an eradication trigger",
     "Urges Parties to prevent the introduction of invasive alien species and to eradicate "
     "established populations on islands of importance for seabirds;",
     {"invasive-alien-species", "marine-and-coastal"}, {"wildlife-trade"}),
    ("'alien' alone is not a topic",
     "Noting that such an approach is not alien to the practice of the Convention;",
     set(), {"invasive-alien-species"}),
    ("older word order and acronym",
     "Aware that alien invasive species (IAS) threaten island-breeding birds;",
     {"invasive-alien-species"}, set()),
    ("'ias' in lower case is not the acronym",
     "Recalling the work of the ias working group;", set(), {"invasive-alien-species"}),
    ("by-catch spelled with a hyphen", "Concerned about the by-catch of marine turtles in "
     "longline fisheries;", {"bycatch", "marine-and-coastal"}, set()),
    ("bycatch spelled as one word", "Requests the Scientific Council to review bycatch "
     "mitigation measures;", {"bycatch"}, set()),
    ("bycatch spelled as two words", "Noting the by catch of seabirds;", {"bycatch"}, set()),
    ("'trade' in 'trade-offs' is not wildlife trade",
     "Recognizing the trade-offs between renewable energy deployment and the conservation of "
     "migratory birds;", {"renewable-energy", "migratory-species"}, {"wildlife-trade"}),
    ("the World Trade Organization is not wildlife trade",
     "Welcoming the cooperation with the World Trade Organization;", set(),
     {"wildlife-trade"}),
    ("trade in live animals is", "Concerned that the growing trade in live animals and "
     "plants increases the risk of introductions;", {"wildlife-trade"}, set()),
    ("'noise' as a figure of speech is not underwater noise",
     "Noting that the noise surrounding the negotiations should not delay action;", set(),
     {"underwater-noise"}),
    ("underwater noise and a trigger", "Requests Parties to assess the impacts of "
     "anthropogenic underwater noise from seismic surveys on cetaceans;",
     {"underwater-noise", "marine-and-coastal"}, set()),
    ("the financial rules of the Secretariat are not about finance",
     "Requests the Executive Secretary to apply the financial rules of the Secretariat;",
     set(), {"finance"}),
    ("a hedge on funding is not about finance",
     "Requests the Secretariat, subject to the availability of funding, to organize a "
     "workshop;", set(), {"finance"}),
    ("external funding as a hedge", "The Secretariat shall, subject to external funding, "
     "prepare a report;", set(), {"finance"}),
    ("finding money is", "Invites donors to provide financial resources and to support "
     "resource mobilisation for developing countries;", {"finance"}, set()),
    ("institutional fragmentation is not habitat fragmentation",
     "Aware of the fragmentation of efforts among international organizations;", set(),
     {"habitat-loss-and-fragmentation"}),
    ("habitat loss and fragmentation", "Concerned about the loss and fragmentation of "
     "habitats along flyways;", {"habitat-loss-and-fragmentation", "migratory-species"},
     set()),
    ("names of conventions are not their subjects",
     "Welcoming the cooperation of the Convention on International Trade in Endangered "
     "Species of Wild Fauna and Flora, the Convention on Wetlands and the United Nations "
     "Framework Convention on Climate Change;", set(),
     {"wildlife-trade", "wetlands", "climate-change"}),
    ("wild meat is bushmeat; unsustainable use is overexploitation",
     "Concerned about the unsustainable use of aquatic wild meat;",
     {"bushmeat", "overexploitation"}, {"sustainable-use"}),
    ("marine litter and ghost gear", "Urges Parties to reduce marine litter, including "
     "abandoned, lost or otherwise discarded fishing gear;", {"marine-debris"}, {"bycatch"}),
    ("protected areas in the singular", "Encourages the establishment of a protected area "
     "network;", {"protected-areas"}, set()),
    ("marine protected areas are not also protected areas in general",
     "Encourages Parties to designate marine protected areas for sharks;",
     {"marine-protected-areas", "marine-and-coastal"}, {"protected-areas"}),
    ("capacity-building with a hyphen", "Invites Parties to undertake capacity-building "
     "activities and training;", {"capacity-building"}, set()),
    ("POPs in its own case", "Decides to list new POPs in Annex A;",
     {"persistent-organic-pollutants"}, set()),
    ("'pops' is not the acronym", "A window pops up when the form is sent;", set(),
     {"persistent-organic-pollutants"}),
    ("a document symbol is not the acronym", "Noting document UNEP/POPS/COP.8/INF/25;",
     set(), {"persistent-organic-pollutants"}),
    ("French labels", "Invite les Parties à lutter contre les espèces exotiques "
     "envahissantes et les changements climatiques;",
     {"invasive-alien-species", "climate-change"}, set()),
    ("French with its accents lost to encoding damage", "Invite les Parties  lutter contre "
     "les espces exotiques envahissantes;", {"invasive-alien-species"}, set()),
    ("a hard line wrap inside a phrase", "Aware that invasive alien\nspecies spread along "
     "shipping routes;", {"invasive-alien-species"}, set()),
    ("an en dash in a hyphenated label", "Welcoming the work of IPBES at the science–policy "
     "interface;", {"science-policy-interface"}, set()),
    ("ozone-depleting substances", "Urges Parties to phase out hydrochlorofluorocarbons;",
     {"ozone-layer"}, {"climate-change"}),
    ("traditional knowledge and IPLCs", "Respects the traditional knowledge, innovations and "
     "practices of indigenous peoples and local communities;",
     {"traditional-knowledge", "indigenous-peoples-and-local-communities"}, set()),
    ("illegal killing", "Condemns the poaching and illegal killing of migratory birds;",
     {"illegal-killing", "migratory-species"}, set()),
    ("wildlife disease", "Concerned about outbreaks of avian influenza in wild birds;",
     {"wildlife-disease"}, set()),
    ("hazardous wastes", "Recalling the environmentally sound management of hazardous "
     "wastes and other wastes;", {"hazardous-wastes", "chemicals-and-waste"}, set()),
    ("information exchange", "Encourages Parties to use the clearing-house mechanism;",
     {"information-exchange"}, set()),
    ("cooperation and synergies", "Requests the Secretariat to develop a joint work plan "
     "and to avoid duplication of work among the biodiversity-related conventions;",
     {"cooperation-and-synergies"}, set()),
    ("national reporting", "Requests Parties to include this information in their national "
     "reports;", {"national-reporting"}, set()),
    ("connectivity", "Stresses the importance of ecological connectivity and of migration "
     "corridors;", {"ecological-connectivity"}, set()),
    ("conservation and sustainable use as boilerplate",
     "Recalling the objective of the conservation and sustainable use of biological "
     "diversity;", set(), {"sustainable-use"}),
    ("a procedural paragraph has no topic", "Decides to convene its next meeting in 2026;",
     set(), set()),
]


@pytest.mark.parametrize(("text", "found", "absent"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_topics_found_and_not_found(text: str, found: set[str], absent: set[str]) -> None:
    got = set(topics(text))
    assert found <= got, f"missing {found - got}"
    assert not absent & got, f"unexpected {absent & got}"


def test_a_paragraph_with_no_expected_topic_has_none() -> None:
    for name, text, found, _ in CASES:
        if not found:
            assert topics(text) == {}, name


def test_triggers_have_the_vocabulary_phrase_and_the_span_of_the_words() -> None:
    text = ("Recalling that Protected Areas and by-catch\nmitigation matter;\n"
            "Urges Parties to phase out POPs and invasive  alien species.")
    start = text.index("Urges")
    found = {t.id: t for t in find_topics(text, start, len(text))}
    assert set(found) == {"persistent-organic-pollutants", "invasive-alien-species"}
    (pops,) = found["persistent-organic-pollutants"].triggers
    assert pops.value == "POPs" and text[pops.span.start:pops.span.end] == "POPs"
    (ias,) = found["invasive-alien-species"].triggers
    assert ias.value == "invasive alien species"
    assert text[ias.span.start:ias.span.end] == "invasive  alien species"
    whole = {t.id: t for t in find_topics(text, 0, len(text))}
    (pa,) = whole["protected-areas"].triggers
    assert (pa.value, text[pa.span.start:pa.span.end]) == ("protected areas", "Protected Areas")
    (bc,) = whole["bycatch"].triggers
    assert (bc.value, text[bc.span.start:bc.span.end]) == ("bycatch", "by-catch")


def test_spans_hold_where_lower_casing_changes_the_length_of_the_text() -> None:
    text = "İstanbul: Parties address Invasive Alien Species and POPs."
    assert len(text.lower()) != len(text)
    found = {t.id: t for t in find_topics(text, 3, len(text))}
    assert set(found) == {"invasive-alien-species", "persistent-organic-pollutants"}
    (ias,) = found["invasive-alien-species"].triggers
    assert text[ias.span.start:ias.span.end] == "Invasive Alien Species"


def test_the_longest_phrase_wins_and_its_words_count_once() -> None:
    (ias,) = topics("Aware that invasive alien species spread;")["invasive-alien-species"].triggers
    assert ias.value == "invasive alien species"  # not also "alien species", "invasive alien"
    found = topics("Concerned by marine plastic pollution;")
    assert set(found) == {"marine-debris"}  # not "pollution" nor "marine pollution"
    # a name that is a trigger of two concepts counts for both, and its words for nothing else
    found = topics("Welcoming the report of the Intergovernmental Panel on Climate Change;")
    assert set(found) == {"climate-change", "science-policy-interface"}
    assert [m.value for m in found["climate-change"].triggers] == [
        "Intergovernmental Panel on Climate Change"]
    assert found["climate-change"].score == pytest.approx(0.3)


def test_scores_combine_evidence_and_saturate() -> None:
    one = topics("Noting invasive alien species;")["invasive-alien-species"]
    assert one.score == pytest.approx(0.6)
    twice = topics("Noting invasive alien species and invasive alien species;")
    assert twice["invasive-alien-species"].score == pytest.approx(1 - 0.4 * 0.7)
    distinct = topics("Noting invasive alien species and biosecurity;")
    assert distinct["invasive-alien-species"].score == pytest.approx(1 - 0.4 * 0.7)
    many = topics("Noting invasive alien species, alien species, invasive species, "
                  "biosecurity, eradication and reinvasion;")["invasive-alien-species"]
    assert 0.95 < many.score < 1
    trigger = topics("Noting biosecurity;")["invasive-alien-species"]
    assert trigger.score == pytest.approx(0.3)


def test_topics_are_sorted_by_score_then_id() -> None:
    text = "Noting climate change, bycatch and the wind farms of migratory birds;"
    found = find_topics(text, 0, len(text))
    assert [t.id for t in found] == ["bycatch", "climate-change", "migratory-species",
                                     "renewable-energy"]


def test_inherit_merges_the_parents_topics_at_a_reduced_score() -> None:
    parent = [Topic("invasive-alien-species", 0.6), Topic("climate-change", 0.3)]
    own = [Topic("invasive-alien-species", 0.3)]
    merged = {t.id: t for t in inherit(own, parent, 0.5)}
    assert merged["invasive-alien-species"].score == pytest.approx(1 - 0.7 * 0.7)
    assert merged["climate-change"].score == pytest.approx(0.15)
    assert merged["climate-change"].triggers == ()


def test_sub_paragraphs_inherit_their_parents_topics_and_headings_have_none() -> None:
    doc = parse_text(
        "Recalling decision XIV/11 on invasive alien species;\n\n"
        "The Conference of the Parties,\n\n"
        "A. Invasive alien species and climate change\n\n"
        "1. Encourages Parties to address invasive alien species through:\n\n"
        "(a) border controls and quarantine;\n\n"
        "(b) eradication programmes on islands;\n\n"
        "2. Requests the Secretariat to report to the next meeting;")
    by_number = {p.number: p for p in doc.paragraphs if p.kind == "operative"}
    assert [p.kind for p in doc.paragraphs if p.topics] == ["preamble"] + ["operative"] * 3
    headings = [p for p in doc.paragraphs if p.kind == "heading"]
    assert [h.number for h in headings] == [None, "A"]
    assert not any(h.topics for h in headings)  # "A. Invasive alien species ..." included
    (a,) = by_number["1(a)"].topics
    assert (a.id, a.triggers) == ("invasive-alien-species", ())
    assert a.score == pytest.approx(0.5 * 0.6)
    (b,) = by_number["1(b)"].topics
    assert b.score == pytest.approx(1 - (1 - 0.3) * (1 - 0.3))
    assert [m.value for m in b.triggers] == ["eradication"]
    assert by_number["2"].topics == []


def test_paragraph_dict_gives_topics_with_label_rounded_score_and_spans() -> None:
    doc = parse_text("The Conference of the Parties,\n\n"
                     "1. Urges Parties to reduce bycatch and by-catch of seabirds;")
    p = next(p for p in doc.paragraphs if p.kind == "operative")
    out = paragraph_to_dict(p)
    assert out["topics"] == [
        {"id": "bycatch", "label": "bycatch", "score": 0.72, "triggers": ["bycatch", "bycatch"]},
        {"id": "marine-and-coastal", "label": "marine and coastal biodiversity", "score": 0.3,
         "triggers": ["seabirds"]}]
    spans = out["spans"]["topics"]
    assert [[doc.text[s:e] for s, e in t] for t in spans] == [["bycatch", "by-catch"],
                                                               ["seabirds"]]


# --- the vocabulary ------------------------------------------------------------------------

def test_the_shipped_vocabulary_is_sound() -> None:
    vocab = topic_vocabulary()
    assert isinstance(vocab, TopicVocabulary) and vocab is topic_vocabulary()
    assert 30 <= len(vocab.concepts) <= 45
    for c in vocab.concepts.values():
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", c.id) and c.label
        assert isinstance(c.leo, bool)
        for b in c.broader:
            assert c.id in vocab.concepts[b].narrower
        for r in c.related:
            assert c.id in vocab.concepts[r].related
    threats = vocab.concepts["threats-to-biodiversity"]
    assert {"invasive-alien-species", "bycatch", "habitat-loss-and-fragmentation"} <= \
        set(threats.narrower)
    assert {"finance", "capacity-building", "technology-transfer"} <= \
        set(vocab.concepts["means-of-implementation"].narrower)
    assert vocab.ancestors("marine-debris") == ("pollution", "threats-to-biodiversity")
    assert vocab.label("bushmeat") == "bushmeat"


def minimal(**concept_a: Any) -> dict[str, Any]:
    a = {"id": "a", "label": "alpha topic", "alt": ["alpha"], "triggers": ["aleph"],
         "broader": [], "related": [], **concept_a}
    b = {"id": "b", "label": "beta topic", "broader": ["a"]}
    return {"concept": [a, b]}


def test_a_loader_accepts_a_parsed_dict_and_derives_narrower_and_related() -> None:
    vocab = load_topic_vocabulary({**minimal(related=["b"]), "ignore": {"phrases": ["alpha beta"]}})
    assert vocab.concepts["a"].narrower == ("b",)
    assert vocab.concepts["b"].related == ("a",)
    assert [t.id for t in find_topics("alpha and aleph", 0, 15, vocab)] == ["a"]
    assert find_topics("the alpha beta", 0, 14, vocab) == []  # ignored


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("unknown broader", minimal(broader=["zz"]),
     "concept 'a', field 'broader': unknown concept 'zz'"),
    ("cycle", minimal(broader=["b"]), "field 'broader': cycle a -> b -> a"),
    ("names itself", minimal(related=["a"]), "concept 'a', field 'related': names itself"),
    ("bad id", minimal(id="Alpha Topic"), "field 'id': 'Alpha Topic' is not a kebab-case id"),
    ("unknown field", minimal(leo_label="x"), "concept 'a': unknown field 'leo_label'"),
    ("leo not a boolean", minimal(leo="yes"), "concept 'a', field 'leo': must be true or false"),
    ("alt not a list", minimal(alt="alpha"), "concept 'a', field 'alt': must be a list"),
    ("missing label", minimal(label=None), "concept 'a', field 'label': missing"),
    ("a label of two concepts", {"concept": [{"id": "a", "label": "same"},
                                             {"id": "b", "label": "x", "alt": ["Same"]}]},
     "concept 'b', field 'alt': 'Same' is already a label of concept 'a'"),
    ("a phrase listed twice", minimal(triggers=["aleph", "aleph"]),
     "concept 'a', field 'triggers': 'aleph' is listed twice"),
    ("not a phrase", minimal(triggers=[" - "]), "concept 'a', field 'triggers': ' - ' is not"),
    ("weight out of range", {**minimal(), "scoring": {"trigger": 1.5}},
     "[scoring], field 'trigger': 1.5 must be a number in [0, 1]"),
    ("unknown weight", {**minimal(), "scoring": {"labels": 0.5}}, "unknown field 'labels'"),
    ("ignored phrase of a concept", {**minimal(), "ignore": {"phrases": ["aleph"]}},
     "'aleph' is a phrase of concept 'a'"),
    ("duplicate id", {"concept": [{"id": "a", "label": "x"}, {"id": "a", "label": "y"}]},
     "concept 'a', field 'id': defined twice"),
    ("no concepts", {"concept": []}, "no [[concept]] entries"),
]


@pytest.mark.parametrize(("data", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_vocabulary_fails_with_one_line_naming_the_place(data: dict[str, Any],
                                                                message: str) -> None:
    with pytest.raises(VocabularyError) as err:
        load_topic_vocabulary(data)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_bad_file_fails_with_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text('[[concept]]\nid = "a"\nlabel = "x"\nbroader = ["b"]\n', encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"^topics\.toml: concept 'a', field 'broader'"):
        load_topic_vocabulary(path)
    path.write_text('[[concept]]\nid = "a\n', encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"^topics\.toml: cannot read") as err:
        load_topic_vocabulary(str(path))
    assert "\n" not in str(err.value)


# --- properties ----------------------------------------------------------------------------

PIECES = st.sampled_from([
    "invasive alien species", "Invasive Alien\nSpecies", "alien", "by-catch", "bycatch", "POPs",
    "pops", "climate change", "Convention on Wetlands", "wetlands", "trade-offs", "İ", "ß",
    "science–policy interface", "espèces exotiques envahissantes", "espces", "’", "-", " ",
    "\n", ", ", "; ", "(IAS)", "UNEP/POPS/", "capacity-\nbuilding", "marine litter", "Article 8(j)",
    "REDD+", "funding", "subject to the availability of funding", "protected area", "s",
])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=40).map("".join)


@seed(20261121)
@settings(max_examples=300, deadline=None, derandomize=True)
@given(TEXT, st.integers(0, 400), st.integers(0, 400))
def test_spans_stay_inside_scores_are_in_range_and_results_repeat(text: str, a: int,
                                                                  b: int) -> None:
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    found = find_topics(text, start, end)
    assert found == find_topics(text, start, end)
    assert found == sorted(found, key=lambda t: (-t.score, t.id))
    vocab = topic_vocabulary()
    for t in found:
        assert t.id in vocab.concepts
        assert 0 < t.score <= 1
        assert t.triggers
        for m in t.triggers:
            assert start <= m.span.start < m.span.end <= end
            assert re.search(r"\w", text[m.span.start:m.span.end])
