"""The languages mealink reads (``data/languages.toml``): the function words that tell them
apart, and how a text in French or Spanish writes what the English patterns of the parser
find (a body named as subject of "deberá" or of a French present tense, where the name of a
body asked to act ends, adjectives after the noun).

The verbs, leads, actors, hedges and meetings of each language are data beside the English
ones in the other files (``verbs.toml``, ``leads.toml``, ``actors.toml``, ``clauses.toml``);
this module holds what only makes sense per language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from mealink.datafiles import load_data
from mealink.errors import VocabularyError
from mealink.vocabulary import (
    Vocabulary,
    alternation,
    bounded,
    vocabulary,
    with_ordinals,
    word_gate,
)
from mealink.wordforms import fold_accents

__all__ = ["Grammar", "Languages", "grammar", "languages", "vocabulary_for"]


@dataclass(frozen=True, slots=True)
class Languages:
    """The languages mealink reads and the function words that tell them apart."""

    words: dict[str, tuple[str, ...]]  # language code -> its function words
    default: str
    sample: int  # how many leading characters are read
    min_count: int
    ratio: int


@cache
def languages() -> Languages:
    """The languages of ``languages.toml``, read once per process."""
    data = load_data("languages.toml")
    detect = data["detect"]
    words = {code: tuple(ws) for code, ws in data["words"].items()}
    if detect["default"] not in words:
        raise VocabularyError("languages.toml: the default language has no words")
    return Languages(words, detect["default"], int(detect["sample"]), int(detect["min_count"]),
                     int(detect["ratio"]))


@dataclass(frozen=True, slots=True)
class Grammar:
    """How a language other than English writes what the English patterns of the parser
    find: a body named as subject of a modal or present-tense verb, where the name of a body
    asked to act ends, and whether adjectives follow the noun."""

    #: what follows a body named as subject, tried in order: "<modal>:" (group ``verb``,
    #: empty: the items carry the verbs), "<modal> <action>" and "<present tense>" (group
    #: ``action``, with group ``verb`` None)
    subject_verbs: tuple[re.Pattern[str], ...]
    #: the passive of an asking verb after a body named as subject (group ``verb``: "Les
    #: Parties sont invitées à" = "Parties are invited to"), tried before ``subject_verbs``
    passive: re.Pattern[str] | None
    #: an asking verb without subject at the start of a sentence, the body asked after it
    #: (group ``verb``: "Se pide a la Secretaría que" = "The Secretariat is requested to";
    #: its passive: "Il est demandé aux Parties de" = "Parties are requested to")
    impersonal: re.Pattern[str] | None
    actor_stop: re.Pattern[str] | None
    head_first: bool


def _words(table: dict[str, Any], key: str) -> str:
    """The words of ``table[key]``, with their forms without accents, as one alternation."""
    return alternation([v for w in table.get(key, []) for v in (w, fold_accents(w))])


@cache
def _grammars() -> dict[str, Grammar]:
    """The ``[grammar.LANG]`` tables of ``languages.toml`` compiled, with the verbs of that
    language (``Vocabulary.verb_forms_own``)."""
    vocab = vocabulary()
    out: dict[str, Grammar] = {}
    for lang, g in load_data("languages.toml").get("grammar", {}).items():
        modals = alternation([v for m in g.get("modals", []) for v in (m, fold_accents(m))])
        own = vocab.verb_forms_own.get(lang, {})
        patterns = []
        if g.get("modals"):
            patterns.append(rf"(?<![\w-])(?:{modals})(?:\s*,[^;:]{{1,160}})?\s*:(?P<verb>)"
                            r"(?P<action>)")
            patterns.append(rf"(?<![\w-])(?:{modals})(?:\s*,[^,;]{{1,160}},)?\s+(?P<verb>)?"
                            r"(?P<action>[^\W\d_]+)(?![\w-])")
        if g.get("present_as_modal"):
            present = [f for f, v in own.items() if v.form == "finite"]
            patterns.append(rf"(?<![\w-])(?P<verb>)?(?P<action>{alternation(present)})"
                            r"(?![\w-])")
        passive = None
        if g.get("passive_auxiliaries"):
            forms = alternation([f for f, v in own.items() if v.form == "past"])
            # "à", "de" as whole words; "d'" before the next word with no space
            after = "|".join(
                [rf"(?:{alternation([w])})(?![\w-])" for w in g.get("passive_after", [])
                 if not w.endswith(("'", "’"))] +
                [alternation([w]) for w in g.get("passive_after", []) if w.endswith(("'", "’"))])
            adverbs = rf"(?:(?:{_words(g, 'passive_adverbs')})\s+)?" \
                if g.get("passive_adverbs") else ""
            passive = (rf"(?<![\w-])(?:{_words(g, 'passive_auxiliaries')})\s+{adverbs}"
                       rf"(?P<verb>{forms})\s+(?:{after or '(?!)'})")
        impersonal = None
        # "Se pide a": a finite asking verb; "Il est demandé aux": the passive of one. The
        # lookaheads keep each opening to its own forms, so that one group names the verb.
        openings, verbs = [], []
        for key, form in (("impersonal", "finite"), ("impersonal_passive", "past")):
            if g.get(key):
                asking = alternation([f for f, v in own.items() if v.form == form and v.asks])
                adverbs = rf"(?:(?:{_words(g, 'passive_adverbs')})\s+)?" \
                    if form == "past" and g.get("passive_adverbs") else ""
                openings.append(rf"(?:{alternation(g[key])})\s+{adverbs}"
                                rf"(?=(?:{asking})(?![\w-]))")
                verbs.append(asking)
        if openings:
            impersonal = rf"\s*(?:{'|'.join(openings)})(?P<verb>{'|'.join(verbs)})(?![\w-])"
        try:
            out[lang] = Grammar(
                subject_verbs=tuple(re.compile(p, re.IGNORECASE) for p in patterns),
                passive=re.compile(passive, re.IGNORECASE) if passive else None,
                impersonal=re.compile(impersonal, re.IGNORECASE) if impersonal else None,
                actor_stop=re.compile(g["actor_stop"]) if g.get("actor_stop") else None,
                head_first=bool(g.get("head_first")))
        except re.error as exc:
            raise VocabularyError(f"languages.toml: grammar of {lang!r}: {exc}") from exc
    return out


def grammar(lang: str) -> Grammar | None:
    """The grammar of a text of ``lang``; None for English (the parser's own patterns) and
    for a language ``languages.toml`` says nothing of."""
    return _grammars().get(lang) if lang != "en" else None


@cache
def vocabulary_for(lang: str) -> Vocabulary:
    """The vocabulary the parser and annotators read a text of ``lang`` with: the package's,
    with the lead pattern of that language (``Vocabulary.lead_pattern_lang``) and its
    hedges and deadlines besides the English ones (``clauses.toml``: ``conditions_fr``,
    ``deadlines_es`` ...) and its own asking verbs among the finite verbs that open a second
    clause ("Prie le Secrétariat de ... et invite les Parties à ...": "invite" is an English
    base form, no finite verb in an English text) and the words that open such a clause in
    that language ("y pide"); for English, the package's own."""
    vocab = vocabulary()
    leads = vocab.lead_pattern_lang.get(lang)
    if leads is None:
        return vocab
    clauses = load_data("clauses.toml")
    hedges = [*clauses["conditions"], *clauses.get(f"conditions_{lang}", [])]
    hedge_words = [*clauses["condition_words"], *clauses.get(f"condition_words_{lang}", [])]
    due = with_ordinals([*clauses["deadlines"], *clauses.get(f"deadlines_{lang}", [])],
                        clauses["meeting_words"], lang)
    due_words = [*clauses["deadline_words"], *clauses.get(f"deadline_words_{lang}", [])]
    union = "|".join("(?:" + p.replace(" ", r"\s+") + ")" for p in hedges)
    own_grammar = load_data("languages.toml").get("grammar", {}).get(lang, {})
    finite = alternation([f for f, v in (*vocab.verb_forms.items(),
                                         *vocab.verb_forms_own.get(lang, {}).items())
                          if v.form == "finite" and not v.action])
    return replace(
        vocab, lead_pattern=leads,
        finite_pattern=re.compile(rf"(?<![\w-])(?P<verb>{finite})(?![\w-])", re.IGNORECASE),
        finite_lower=re.compile(rf"(?<![\w-])(?P<verb>{finite})(?![\w-])"),
        finite_bounded=bounded(rf"(?P<verb>{finite})(?![\w-])", r"\w-"),
        clause_conjunctions=(*vocab.clause_conjunctions,
                             *own_grammar.get("clause_conjunctions", [])),
        conditions=re.compile(rf"(?<!\w)(?:{union})(?!\w)", re.IGNORECASE),
        conditions_lower=word_gate([c.lower() for c in hedges], hedge_words, r"(?<!\w)",
                                   r"(?!\w)"),
        deadlines=word_gate(due, due_words, r"(?<!\w)", r"(?!\w)",
                            otherwise=tuple("0123456789")))
