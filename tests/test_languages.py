"""French and Spanish beside English (issue 21): the language of a text, told by the
function words of ``data/languages.toml``."""

from __future__ import annotations

from pathlib import Path

import pytest

from mealink.parse import detect_language

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
