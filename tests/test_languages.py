"""French and Spanish beside English (issue 21): the language of a text, told by the
function words of ``data/languages.toml``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mealink.annotate import annotate
from mealink.annotate.actors import canonical_actor
from mealink.annotate.references import find_references
from mealink.cli import TARGETS
from mealink.evaluate import load_gold, score_folder
from mealink.link.identifiers import DocKey, citation_keys
from mealink.models import Document, Paragraph
from mealink.parse import detect_language, parse
from mealink.pipeline import parse_file
from mealink.store import ingest, open_store
from mealink.vocabulary import vocabulary

# Short sentences in the shapes of the treaties' drafting, each with its language.
SENTENCES = [
    ("Exhorte les Parties à fournir des informations au Secrétariat.", "fr"),
    ("Prie le Secrétariat de faire rapport sur la mise en œuvre de la présente résolution "
     "à la 20e session de la Conférence des Parties.", "fr"),
    ("CHARGE le Comité permanent d'examiner les rapports des Parties sur le commerce.", "fr"),
    ("Insta a las Partes a que presenten sus informes a la Secretaría para el 31 de marzo.",
     "es"),
    ("Encarga a la Secretaría que, sujeto a la disponibilidad de fondos externos, prepare un "
     "informe sobre el comercio de especies.", "es"),
    ("El Comité Permanente deberá examinar las respuestas y formular recomendaciones.", "es"),
    ("Requests the Secretariat to report to the Standing Committee on the implementation of "
     "this Decision.", "en"),
    ("Urges Parties and range States to submit their reports to the Secretariat.", "en"),
    # too few function words of any language: the default, English
    ("Décide.", "en"),
    ("Secretaría", "en"),
]


@pytest.mark.parametrize(("sentence", "language"), SENTENCES)
def test_language_of_a_sentence(sentence: str, language: str) -> None:
    assert detect_language(sentence) == language


REAL_LANGUAGES = [
    ("cites-res-conf-13.10.fr.txt", "fr"),
    ("cites-dec-19.211-19.212.fr.txt", "fr"),
    ("cites-dec-19.30-19.31.es.txt", "es"),
    ("cites-dec-19.30-19.31.txt", "en"),
    ("cites-res-conf-13.3.txt", "en"),
    ("cms-res-11.10.txt", "en"),
    ("cbd-dec-x-46.txt", "en"),  # an English text under a French label ('COP Décision')
]


@pytest.mark.parametrize(("name", "language"), REAL_LANGUAGES)
def test_language_of_a_real_text(realdocs_dir: Path, name: str, language: str) -> None:
    assert detect_language((realdocs_dir / name).read_text(encoding="utf-8")) == language


# --- gold files of French and Spanish texts, scored at the English targets ----------------

LANGUAGES = Path(__file__).parent / "gold" / "languages"
#: the real texts among them: byte-for-byte copies of ../shared/realdocs/
REAL_GOLD = ("cites-res-conf-13.10.fr", "cites-dec-19.211-19.212.fr", "cites-dec-19.30-19.31.es")


def test_gold_files_cover_four_french_and_two_spanish_texts() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(LANGUAGES.glob("*.txt"))]
    found = [detect_language(t) for t in texts]
    assert found.count("fr") >= 4 and found.count("es") >= 2, found
    assert len(texts) == len(list(LANGUAGES.glob("*.gold.json")))


def test_gold_real_texts_are_the_real_texts(realdocs_dir: Path) -> None:
    for name in REAL_GOLD:
        mine = (LANGUAGES / f"{name}.txt").read_bytes()
        assert mine == (realdocs_dir / f"{name}.txt").read_bytes(), name


def test_gold_written_texts_carry_no_real_symbol() -> None:
    for gold_path in sorted(LANGUAGES.glob("*.gold.json")):
        gold = load_gold(gold_path)
        if gold_path.name.removesuffix(".gold.json") in REAL_GOLD:
            continue
        assert gold["symbol"] is None and "Written for the tests" in gold["notes"]


@pytest.fixture(scope="module")
def language_scores() -> dict[str, float]:
    total, rows = score_folder(LANGUAGES)
    assert len(rows) == 11
    return total.scores()


@pytest.mark.parametrize("measure", sorted(TARGETS))
def test_french_and_spanish_texts_reach_the_english_targets(
        language_scores: dict[str, float], measure: str) -> None:
    assert language_scores[measure] >= TARGETS[measure], (measure, language_scores[measure])


@pytest.mark.parametrize("measure", ["actor_group_f1", "deadline_accuracy",
                                     "condition_accuracy"])
def test_french_and_spanish_canonical_actors_deadlines_and_conditions(
        language_scores: dict[str, float], measure: str) -> None:
    assert language_scores[measure] >= 0.95, (measure, language_scores[measure])


# --- the real sentences of the French and Spanish realdocs --------------------------------

def _paragraph(doc: Document, start: str) -> Paragraph:
    return next(p for p in doc.paragraphs if p.text.startswith(start))


# file, paragraph start, verb, actors (English canonical names), deadline, condition
REAL_SENTENCES = [
    ("cites-res-conf-13.10.fr.txt", "RECOMMANDE aux Parties", "recommend", ["Parties"],
     None, None),
    ("cites-res-conf-13.10.fr.txt", "de consulter l'organe", "recommend", ["Parties"],
     None, "si possible et s'il y a lieu"),
    ("cites-res-conf-13.10.fr.txt", "CHARGE le Secrétariat CITES", "instruct", ["Secretariat"],
     None, None),
    ("cites-dec-19.211-19.212.fr.txt", "Le Secrétariat communique", "communicate",
     ["Secretariat"], None, None),
    ("cites-dec-19.211-19.212.fr.txt", "Le Comité pour les animaux examine", "examine",
     ["Animals Committee"], None, "s’il y est lieu"),
    ("cites-dec-19.30-19.31.es.txt", "La Secretaria deberá:", None, ["Secretariat"],
     None, None),
    ("cites-dec-19.30-19.31.es.txt", "publicar una Notificación", "publish", ["Secretariat"],
     None, None),
    ("cites-dec-19.30-19.31.es.txt", "facilitar al Comité Permanente", "provide",
     ["Secretariat"], None, None),
    ("cites-dec-19.30-19.31.es.txt", "El Comité Permanente deberá examinar", "examine",
     ["Standing Committee"], "20ª reunión de la Conferencia de las Partes", "según proceda"),
]


@pytest.mark.parametrize(("name", "start", "verb", "actors", "deadline", "condition"),
                         REAL_SENTENCES)
def test_real_sentence(realdocs_dir: Path, name: str, start: str, verb: str | None,
                       actors: list[str], deadline: str | None, condition: str | None) -> None:
    doc = parse_file(realdocs_dir / name)
    p = _paragraph(doc, start)
    assert p.kind == "operative"
    assert (p.verb.value if p.verb else None) == verb
    assert [canonical_actor(a.value, doc.convention) for a in p.actors] == actors
    assert (p.deadline.value if p.deadline else None) == deadline
    assert ("; ".join(c.value for c in p.conditions) or None) == condition


def test_a_french_citation_list_gives_the_keys_of_the_english_one(realdocs_dir: Path) -> None:
    """'RAPPELANT les décisions 10.54, 10.76 et 10.86' cites what 'Decisions 10.54, 10.76 and
    10.86' would."""
    doc = parse_file(realdocs_dir / "cites-res-conf-13.10.fr.txt")
    p = _paragraph(doc, "RAPPELANT")
    keys = [k for r in p.references
            for k in citation_keys(r.type, r.identifier, r.text, doc.convention, r.convention)]
    assert [k.id for k in keys] == [k.id for k in _keys("Decisions 10.54, 10.76 and 10.86",
                                                        "CITES")]


def _keys(written: str, convention: str) -> list[DocKey]:
    vocab = vocabulary()
    refs = find_references(written, 0, len(written), vocab)
    return [k for r in refs
            for k in citation_keys(r.type, r.identifier, r.text, convention, r.convention)]


# French or Spanish citation, its English form, the convention of the citing text
CITATIONS = [
    ("Résolution Conf. 13.10 (Rev. CoP14)", "Resolution Conf. 13.10 (Rev. CoP14)", "CITES"),
    ("Résolution Conf. 11.3 (Rev. CdP19)", "Resolution Conf. 11.3 (Rev. CoP19)", "CITES"),
    ("Resolución Conf. 12.6 (Rev. CoP18)", "Resolution Conf. 12.6 (Rev. CoP18)", "CITES"),
    ("la décision XIV/11", "decision XIV/11", "CBD"),
    ("la decisión XIV/11", "decision XIV/11", "CBD"),
    ("la Resolución 11.10", "Resolution 11.10", "CMS"),
    ("la Decisión 19.30", "Decision 19.30", "CITES"),
    ("las decisiones 19.30 y 19.31", "Decisions 19.30 and 19.31", "CITES"),
    ("les décisions 10.54, 10.76 et 10.86", "Decisions 10.54, 10.76 and 10.86", "CITES"),
]


@pytest.mark.parametrize(("written", "english", "convention"), CITATIONS)
def test_citation_gives_the_english_key(written: str, english: str, convention: str) -> None:
    mine = _keys(written, convention)
    assert mine and mine == _keys(english, convention)


def test_spanish_list_of_citations_names_each_in_the_singular() -> None:
    text = "TENIENDO EN CUENTA las decisiones 19.30 y 19.31;"
    refs = find_references(text, 0, len(text), vocabulary())
    assert [r.text for r in refs] == ["decisión 19.30", "decisión 19.31"]


# --- parse and ingest accept the real texts ----------------------------------------------

@pytest.mark.parametrize("name", [f"{n}.txt" for n in REAL_GOLD])
def test_parse_accepts_the_real_text(realdocs_dir: Path, name: str) -> None:
    doc = parse_file(realdocs_dir / name)  # refuses a text that is not a decision
    assert doc.language == name.rsplit(".", 2)[-2]
    assert any(p.kind == "operative" and p.actors for p in doc.paragraphs)


def test_ingest_stores_the_real_texts(db_url: str, realdocs_dir: Path) -> None:
    store = open_store(db_url)
    try:
        summary = ingest(store, [realdocs_dir / f"{n}.txt" for n in REAL_GOLD])
    finally:
        store.dispose()
    assert [(o.outcome, o.document_id) for o in summary.outcomes] == [
        ("added", "cites/resolution/13.10"), ("added", "cites/decision/19.211"),
        ("added", "cites/decision/19.30")]


def test_cli_parse_reads_the_spanish_text(realdocs_dir: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "mealink.cli", "parse", "--json",
                          str(realdocs_dir / "cites-dec-19.30-19.31.es.txt")],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["language"] == "es"
    verbs = [p["verb"] for p in doc["paragraphs"] if p["kind"] == "operative"]
    assert verbs == [None, "publish", "provide", "examine"]


# --- the drafting forms of issue 21 still not read before: passives, a second asking verb,
# --- the convention named in its language, symbols joined by "et"/"y" --------------------

def _operative(body: str, opening: str) -> Paragraph:
    """Paragraph 2 of a short text of the language of ``opening`` (an enacting formula and
    paragraph 1): ``body``."""
    doc = annotate(parse(f"Texte\n\n{opening}\n\n2. {body}\n"))
    assert doc.language == ("fr" if opening == _FR else "es")
    return next(p for p in doc.paragraphs if p.number == "2")


_FR = ("La Conférence des Parties à la Convention,\n\n1. Décide de garder cette question à "
       "l'étude pour les Parties et le Secrétariat;")
_ES = ("La Conferencia de las Partes en la Convención,\n\n1. Decide mantener en examen esta "
       "cuestión para las Partes y la Secretaría;")
# body, opening of the text, verb (English key), actors (English canonical names)
ASKING_FORMS = [
    ("Les Parties sont invitées à désigner un correspondant national;", _FR, "invite",
     ["Parties"]),
    ("Le Secrétariat est prié de faire rapport au Comité permanent;", _FR, "request",
     ["Secretariat"]),
    ("Les Parties sont instamment priées de protéger les sites connus;", _FR, "urge",
     ["Parties"]),
    ("Le Comité permanent est chargé d'examiner les rapports des Parties;", _FR, "instruct",
     ["Standing Committee"]),
    ("Les Parties sont également encouragées à coopérer avec le Secrétariat;", _FR,
     "encourage", ["Parties"]),
    ("Se pide a la Secretaría que prepare un informe sobre el comercio;", _ES, "request",
     ["Secretariat"]),
    ("Se invita a las Partes a designar un coordinador nacional;", _ES, "invite", ["Parties"]),
    ("Se insta a las Partes a que protejan los refugios conocidos;", _ES, "urge", ["Parties"]),
    ("Se encarga al Comité Permanente que examine los progresos realizados;", _ES, "instruct",
     ["Standing Committee"]),
    ("Il est demandé aux Parties de désigner un correspondant national;", _FR, "request",
     ["Parties"]),
    ("Il est demandé au Secrétariat de faire rapport au Comité permanent;", _FR, "request",
     ["Secretariat"]),
    ("Il est recommandé aux Parties de protéger les sites connus;", _FR, "recommend",
     ["Parties"]),
    ("Las Partes son invitadas a designar un coordinador nacional;", _ES, "invite",
     ["Parties"]),
    ("La Secretaría es instada a preparar un informe sobre el comercio;", _ES, "urge",
     ["Secretariat"]),
    ("El Comité Permanente es encargado de examinar los progresos realizados;", _ES,
     "instruct", ["Standing Committee"]),
    ("Se solicita a las Partes que comuniquen la información disponible;", _ES, "request",
     ["Parties"]),
    ("Las Partes deberían comunicar a la Secretaría la información disponible;", _ES,
     "communicate", ["Parties"]),
    ("Prie le Secrétariat de préparer un rapport et invite les Parties à fournir des "
     "informations;", _FR, "request", ["Secretariat", "Parties"]),
    ("Prie le Secrétariat de préparer un rapport, invite les Parties à le commenter et charge "
     "le Comité permanent de l'examiner;", _FR, "request",
     ["Secretariat", "Parties", "Standing Committee"]),
    ("Pide a la Secretaría que prepare un informe y pide al Comité Permanente que lo examine;",
     _ES, "request", ["Secretariat", "Standing Committee"]),
    ("Pide a la Secretaría que prepare un informe, e invita a las Partes a que lo examinen;",
     _ES, "request", ["Secretariat", "Parties"]),
]


@pytest.mark.parametrize(("body", "opening", "verb", "actors"), ASKING_FORMS)
def test_french_and_spanish_asking_forms_read_as_english(body: str, opening: str, verb: str,
                                                         actors: list[str]) -> None:
    p = _operative(body, opening)
    assert p.kind == "operative"
    assert (p.verb.value if p.verb else None) == verb
    assert [canonical_actor(a.value, None) for a in p.actors] == actors


def test_a_french_impersonal_of_a_verb_that_asks_no_body_names_no_actor() -> None:
    """'Il est rappelé aux Parties que' recalls, it asks nothing: only the passive forms of
    asking verbs follow 'Il est' (``impersonal_passive``), so the Parties are no actor."""
    p = _operative("Il est rappelé aux Parties que la Convention s'applique aux hybrides;", _FR)
    assert (p.verb.value if p.verb else None, p.actors) == (None, [])


def test_a_spanish_impersonal_request_without_lead_opens_an_operative_paragraph() -> None:
    """'Se alienta a las Partes ...' under a page's label is operative, as 'Parties are
    encouraged to ...' is (it was a preamble paragraph without verb)."""
    doc = annotate(parse("19.940 & 19.941 Tiburones\n\nDirigida a:\nPartes\nSe alienta a las "
                         "Partes que exportan aletas a verificar el origen legal de cada "
                         "cargamento y a comunicar las incautaciones a la Secretaría.\n"))
    p = next(p for p in doc.paragraphs if p.text.startswith("Se alienta"))
    assert (p.kind, p.verb.value if p.verb else None) == ("operative", "encourage")
    assert [canonical_actor(a.value, None) for a in p.actors] == ["Parties"]


# enacting formula, the convention it names
CONVENTION_NAMES = [
    ("La Conférence des Parties à la Convention sur le commerce international des espèces de "
     "faune et de flore sauvages menacées d'extinction,", "CITES"),
    ("La Conferencia de las Partes en la Convención sobre el Comercio Internacional de "
     "Especies Amenazadas de Fauna y Flora Silvestres,", "CITES"),
    ("La Conférence des Parties à la Convention sur la conservation des espèces migratrices "
     "appartenant à la faune sauvage,", "CMS"),
    ("La Conferencia de las Partes en la Convención sobre la Conservación de las Especies "
     "Migratorias de Animales Silvestres,", "CMS"),
    ("La Conférence des Parties à la Convention sur la diversité biologique,", "CBD"),
    ("La Conferencia de las Partes en el Convenio sobre la Diversidad Biológica,", "CBD"),
    ("La Conférence des Parties contractantes à la Convention relative aux zones humides "
     "d'importance internationale,", "Ramsar"),
    ("La Conferencia de las Partes Contratantes en la Convención relativa a los Humedales de "
     "Importancia Internacional,", "Ramsar"),
]


@pytest.mark.parametrize(("chapeau", "convention"), CONVENTION_NAMES)
def test_a_convention_named_in_french_or_spanish(chapeau: str, convention: str) -> None:
    doc = annotate(parse(f"Texte\n\n{chapeau}\n\n1. Décide de garder la question à l'étude;\n"))
    assert doc.convention == convention


# heading, the symbol read from it (as English 'Decisions 19.30 and 19.31' gives
# 'Decisions 19.30-19.31')
JOINED_SYMBOLS = [
    ("Décisions 19.30 et 19.31 Rapport mondial", "Décisions 19.30-19.31"),
    ("Decisiones 19.30 y 19.31 Informe mundial", "Decisiones 19.30-19.31"),
    ("Décisions 19.30 à 19.33 Rapport mondial", "Décisions 19.30-19.33"),
    ("Decisiones 19.30 a 19.33 Informe mundial", "Decisiones 19.30-19.33"),
    ("Decisions 19.30 and 19.31 Global report", "Decisions 19.30-19.31"),
]


@pytest.mark.parametrize(("heading", "symbol"), JOINED_SYMBOLS)
def test_symbols_joined_by_et_or_y_read_as_english_and(heading: str, symbol: str) -> None:
    doc = parse(f"{heading}\n\nLa Conférence des Parties\n\n1. Prie le Secrétariat de faire "
                "rapport.\n")
    assert doc.symbol == symbol
