"""Glued words put back apart, and what mealink knows of actors: groups, offices, codes.

Rows are shapes from real copies (CBD pages 'requeststhe', AEWA 'inResolution 4.14') and
words that must stay whole although they begin with a lead ("Awareness", "Notingham").
"""

from __future__ import annotations

import random

import pytest

from mealink.annotate.actors import actor_code, canonical_actor
from mealink.load.clean import clean_text
from mealink.load.glue import split_glued_words
from mealink.vocabulary import vocabulary

GLUED = [
    ("Recallingits decision", "Recalling its decision"),
    ("Notingwith appreciation", "Noting with appreciation"),
    ("1.Requeststhe Secretariat", "1.Requests the Secretariat"),
    ("and further requeststhe Executive Secretary", "and further requests the Executive Secretary"),
    ("Awareof the need", "Aware of the need"),
    ("Urgesall Parties", "Urges all Parties"),
    ("as highlighted inResolution 4.14", "as highlighted in Resolution 4.14"),
    ("welcomes theSecretariat's work", "welcomes the Secretariat's work"),
]
WHOLE = [
    "Awareness of the issue", "Furthermore, the Parties", "Notingham Forest",
    "Notwithstanding the above", "Reiterates its call", "Considering the report",
    "the iPhone application", "McDonald Islands", "UNEP/CMS/Resolution 11.10",
    "Panthera pardus", "Requested by the Parties",
]


@pytest.mark.parametrize(("glued", "apart"), GLUED)
def test_glued_words_are_split(glued: str, apart: str) -> None:
    assert split_glued_words(glued, vocabulary()) == apart


@pytest.mark.parametrize("text", WHOLE)
def test_words_stay_whole(text: str) -> None:
    assert split_glued_words(text, vocabulary()) == text


def test_clean_puts_the_spaces_back() -> None:
    assert clean_text("Recallingits decision,\n1.Requeststhe Secretariat") == \
        "Recalling its decision,\n1.Requests the Secretariat"


def test_splitting_only_inserts_spaces() -> None:
    """Property (fixed seed): whatever the text, splitting adds spaces and nothing else."""
    rng = random.Random(16)
    words = ["Recalling", "its", "Requests", "the", "Awareness", "of", "in", "Resolution",
             "Noting", "with", "Parties", "x", "1.", ";", "\n"]
    vocab = vocabulary()
    for _ in range(300):
        text = "".join(rng.choice(words) + rng.choice(["", " ", ""]) for _ in range(12))
        out = split_glued_words(text, vocab)
        assert out.replace(" ", "") == text.replace(" ", "")
        i = 0
        for j, ch in enumerate(out):  # every space put in follows a lead or function word
            if i < len(text) and text[i] == ch:
                i += 1
                continue
            assert ch == " "
            word = out[:j].split()[-1].lower().lstrip("0123456789.;")
            assert any(word.endswith(w) for w in vocab.glue_lead_words |
                       vocab.glue_function_words), (text, out)


CANONICAL = [  # (written, convention, canonical)
    ("Executive Secretary", "CMS", "Secretariat"),  # CMS practice (actors.toml [[group]])
    ("Executive Secretary", "CBD", "Executive Secretary"),
    ("national focal points", "CMS", "National focal points"),
    ("Parties", "CMS", "Parties"),
    ("Secretariats of CBD and of other relevant MEAs", "CMS", "Secretariats of other conventions"),
    ("Secretariat of the Convention", "CMS", "Secretariat"),
    ("Chair of the Scientific Council", "CMS", "Chair of the Scientific Council"),
    ("Bureau of the Standing Committee", "CITES", "Bureau of the Standing Committee"),
    ("Governments", "CBD", "Governments"),
    ("other Governments", "CBD", "non-Parties"),
    ("observers", None, "Observers"),
    ("the ministry of fisheries of the moon", None, None),  # unknown: no canonical name
]


@pytest.mark.parametrize(("written", "convention", "canonical"), CANONICAL)
def test_canonical_actor(written: str, convention: str | None, canonical: str | None) -> None:
    assert canonical_actor(written, convention) == canonical


CODES = [  # the CBD Decision Tracking Tool's codes
    ("Parties", "CBD", "parties"),
    ("Governments", "CBD", "governments"),
    ("other Governments", "CBD", "other-governments"),
    ("Executive Secretary", "CBD", "executive-secretary"),
    ("Executive Secretary", "CMS", None),  # the tool's code is CBD's Executive Secretary
    ("intergovernmental organizations", "CBD", "inter-gov-organizations"),
    ("the private sector", "CBD", "private-sector"),
    ("donors", None, "donors"),
    ("SBSTTA", "CBD", "SBSTTA"),
    ("Global Environment Facility", "CBD", "GEF"),
    ("Standing Committee", "CITES", None),
]


@pytest.mark.parametrize(("written", "convention", "code"), CODES)
def test_actor_code(written: str, convention: str | None, code: str | None) -> None:
    assert actor_code(written, convention) == code
