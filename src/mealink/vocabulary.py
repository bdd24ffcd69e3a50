"""The knowledge the rules use, loaded once from the TOML data files in ``mealink/data``.

Code holds the mechanism, the data files hold the knowledge: adding a verb, an actor, a
convention or a French form is a data change. ``vocabulary()`` returns one frozen
``Vocabulary`` with the compiled patterns, built on first use and cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import compress
from typing import Any

from mealink.datafiles import load_data
from mealink.errors import VocabularyError
from mealink.regexes import outside
from mealink.wordforms import Form, english_forms, fold_accents, strip_accented


@dataclass(frozen=True, slots=True)
class VerbForm:
    """One written form of a verb ("requests", "taking note") and what it is."""

    base: str
    form: Form
    asks: bool
    that: bool
    action: bool = False  # what a body is to do, in one language only ("communique")


@dataclass(frozen=True, slots=True)
class Convention:
    """A convention (or other body) whose decisions mealink reads."""

    id: str
    meeting: str
    names: tuple[str, ...]
    symbols: tuple[str, ...]
    symbol_pattern: re.Pattern[str]
    number_pattern: re.Pattern[str] | None = None
    number_format: str = ""
    document: str = "Decision"


def bounded(body: str, word: str) -> re.Pattern[str]:
    """``(?<![WORD])BODY`` as ``[^WORD]BODY``: run on " " + text, a match's groups (those of
    ``body``, named) are where the look-behind form finds them, plus one. The regex engine
    then jumps from one character outside ``word`` to the next instead of trying the
    look-behind at every position (most positions are inside a word): about 1.5 times
    faster on paragraphs. Exact when every match of ``body`` starts with a character of
    ``word`` and ends in a look-ahead refusing one: consuming the character before a match
    can then only hide a match starting where the previous one ended, and none can."""
    return re.compile(outside(word) + body)


@dataclass(frozen=True, slots=True)
class WordGate:
    """Alternatives of one pattern, each written with one of some literal words: for a text,
    the pattern made of only those alternatives whose words occur in it (or None).

    An alternative cannot match where none of its words occurs, so leaving it out changes no
    match, while a short alternation runs many times faster than the full one. An alternative
    written with none of the words needs one of the ``otherwise`` ones instead (e.g. a digit,
    for ``\\d``); in a text that is not ASCII, where such a class matches more, it is kept
    whenever any word occurs.
    """

    words: tuple[str, ...]  # the words, then the ``otherwise`` ones
    alternatives: tuple[str, ...]
    needs: tuple[frozenset[int], ...]  # indices of the words each alternative needs
    otherwise: frozenset[int]
    before: str  # what the pattern has before the alternation
    after: str  # and after it
    compiled: dict[tuple[int, ...], re.Pattern[str]]  # by the words present

    def pattern(self, lower: str) -> re.Pattern[str] | None:
        """The pattern for matching in ``lower`` (lower-case text), None when nothing can match."""
        present = tuple(compress(range(len(self.words)), map(lower.__contains__, self.words)))
        if not present:
            return None
        if self.otherwise and not lower.isascii():
            present = tuple(sorted({*present, *self.otherwise}))
        try:
            return self.compiled[present]
        except KeyError:
            alts = [alt for alt, need in zip(self.alternatives, self.needs, strict=True)
                    if need.intersection(present)]
            pattern = re.compile(f"{self.before}(?:{'|'.join(alts) or '(?!)'}){self.after}")
            self.compiled[present] = pattern
            return pattern


def word_gate(patterns: list[str], words: list[str], before: str, after: str,
               otherwise: tuple[str, ...] = ()) -> WordGate:
    """A gate over ``patterns`` (a space matches any whitespace run), the words of each
    being those of ``words`` (lower case) written in it, else those of ``otherwise``."""
    every = (*words, *otherwise)
    rest = frozenset(range(len(words), len(every)))
    needs = []
    for p in patterns:
        need = frozenset(i for i, w in enumerate(words) if w in p.lower()) or rest
        if not need:
            raise VocabularyError(f"{p!r} is written with none of the words {words}")
        needs.append(need)
    alternatives = tuple("(?:" + p.replace(" ", r"\s+") + ")" for p in patterns)
    return WordGate(every, alternatives, tuple(needs), rest, before, after, {})


@dataclass(frozen=True, slots=True)
class Meetings:
    """The bodies whose meetings a deadline names ("COP12", "the 77th meeting of the Standing
    Committee", "its 14th meeting") and the words that number them (``clauses.toml``).

    ``body`` values are short names ("COP", "StC"); ``ADOPTING`` ("COP") stands for a
    convention's adopting meeting whatever its own word for it (COP, CoP, MOP).
    """

    body_of_name: dict[str, str]  # lower-cased name -> body
    body_names: re.Pattern[str]  # the names, case-insensitive (for the "its" look-back)
    abbreviation: re.Pattern[str]  # "COP12", "CMS COP 12", "StC56": groups conv, abbr, n
    body_of_abbreviation: dict[str, str]  # lower-cased abbreviation -> body
    ordinals: dict[str, int]  # "fifteenth" -> 15, "vingtième" -> 20
    ordinal: re.Pattern[str]  # "14th", "20e", "20ª" (group n), or a word (group word)
    relative: frozenset[str]  # "next", "forthcoming" ...


#: the body of a convention's adopting meetings in ``Meetings``
ADOPTING = "COP"


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Everything the parser and annotators know, with compiled patterns."""

    verb_forms: dict[str, VerbForm]
    #: the forms of each language other than English alone ("fr", "es": ``verbs.toml``),
    #: looked up before the English ones in a text of that language
    verb_forms_own: dict[str, dict[str, VerbForm]]
    lead_pattern: re.Pattern[str]
    lead_pattern_lang: dict[str, re.Pattern[str]]  # by language other than English
    base_lead_pattern: re.Pattern[str]  # "Decide", "Also decide" after "We, ..."
    plural_chapeaus: tuple[str, ...]
    finite_pattern: re.Pattern[str]
    finite_lower: re.Pattern[str]
    #: ``finite_lower`` matching the character before a verb instead of looking behind at it,
    #: to run on " " + lower-cased text (``bounded``): the same verbs, found faster
    finite_bounded: re.Pattern[str]
    actor_aliases: dict[str, str]
    actor_roles: dict[str, str]
    actor_heads: frozenset[str]
    phrase_words: frozenset[str]
    name_prepositions: frozenset[str]  # "organizations within the United Nations system"
    long_names_pattern: re.Pattern[str]
    conditions: re.Pattern[str]
    conditions_lower: WordGate
    deadlines: WordGate
    deadline_cues: tuple[str, ...]
    context_cues: frozenset[str]
    past_participles: frozenset[str]
    period_cues: tuple[str, ...]
    period_range_head: re.Pattern[str]  # what stands before a range's last year ("2015-")
    period_lead: re.Pattern[str]
    report_verb: re.Pattern[str]  # "report", "submit a report" ...
    report_opener: re.Pattern[str]  # what before it makes it a verb ("to ", "; ", "and ")
    meetings: Meetings
    conventions: tuple[Convention, ...]
    convention_names_pattern: re.Pattern[str]
    convention_long_names: re.Pattern[str]
    convention_long_owner: dict[str, int]
    reference_types: dict[str, str]
    reference_singulars: dict[str, str]  # "decisiones" -> "decisión"
    reference_pattern: re.Pattern[str]
    qualifier_pattern: re.Pattern[str]
    reference_type_lower: re.Pattern[str]
    symbol_pattern: re.Pattern[str]
    meeting_document_pattern: re.Pattern[str]
    identifier_pattern: re.Pattern[str]
    list_continuation_pattern: re.Pattern[str]
    chapeau_pattern: re.Pattern[str]
    body_pattern: re.Pattern[str]
    article_starts: tuple[str, ...]
    apparatus_pattern: re.Pattern[str]
    cover_label_pattern: re.Pattern[str]
    clause_connectives: tuple[str, ...]  # "and in this context requests"
    clause_conjunctions: tuple[str, ...]  # ", decides", "and requests", "et prie"
    glue_lead_words: frozenset[str]  # single lead words: "Recallingits" is split after them
    glue_function_words: frozenset[str]  # "inResolution", "theSecretariat"
    #: before a body's name: "all" in every text ("the", "aux"), then by language ("al")
    articles: dict[str, tuple[str, ...]]
    and_words: tuple[str, ...]  # "and", "et", "y"
    conjoined: re.Pattern[str]  # what joins two hedges into one: " and ", " ou "


def alternation(words: list[str]) -> str:
    """A regex matching any of ``words`` (longest first), built as a trie so that Python's
    regex engine does not try hundreds of alternatives one by one at every position."""
    trie: dict[str, Any] = {}
    for word in set(words):
        node = trie
        for ch in " ".join(word.lower().split()):
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict[str, Any]) -> str:
    branches = []
    end = "" in node
    for ch in sorted(k for k in node if k):
        piece = r"\s+" if ch == " " else re.escape(ch)
        branches.append(piece + _trie_pattern(node[ch]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and not end else "(?:" + "|".join(branches) + ")"
    return body + "?" if end else body


def _build_verbs(data: dict[str, Any]) -> tuple[dict[str, VerbForm],
                                                dict[str, dict[str, VerbForm]]]:
    """Written form -> verb, for English texts, and for the texts of each other language of
    ``verbs.toml`` (``[verbs_fr]``, ``[verbs_es]``: that language's forms first). The finite
    forms and participles of another language that are not ``action`` verbs are known in
    every text too (they open leads whatever the language detected). Returns the forms of
    English texts and those of each other language alone."""
    verb_forms: dict[str, VerbForm] = {}
    for base, entry in data["verbs"].items():
        asks, that = bool(entry.get("asks")), bool(entry.get("that"))
        for form, kind in english_forms(base, entry):
            verb_forms.setdefault(form.lower(), VerbForm(base, kind, asks, that))
    kinds: tuple[tuple[str, Form], ...] = (("finite", "finite"), ("participle", "participle"),
                                           ("infinitive", "base"), ("passive", "past"))
    own: dict[str, dict[str, VerbForm]] = {}
    for table, entries in data.items():
        if not table.startswith("verbs_"):
            continue
        forms = own.setdefault(table.removeprefix("verbs_"), {})
        for base, entry in entries.items():
            asks, action = bool(entry.get("asks")), bool(entry.get("action"))
            for written, form_kind in kinds:
                for form in entry.get(written, []):
                    for variant in {form, fold_accents(form), strip_accented(form)}:
                        forms.setdefault(variant.lower(),
                                         VerbForm(base, form_kind, asks, False, action))
        for form, vf in forms.items():  # (a passive is read only in its language's texts)
            if vf.form not in ("base", "past") and not vf.action:
                verb_forms.setdefault(form, vf)
    return verb_forms, own


_NEVER = re.compile(r"(?!)")


def _convention(c: dict[str, Any]) -> Convention:
    """A convention entry with its symbol pattern compiled once."""
    symbols = "|".join(c["symbols"])
    number = c.get("number", {})
    return Convention(
        c["id"], c["meeting"], tuple(c["names"]), tuple(c["symbols"]),
        re.compile(rf"(?<![\w/])(?:{symbols})") if symbols else _NEVER,
        re.compile(number["pattern"]) if number else None, number.get("format", ""),
        c.get("document", "Decision"),
    )


def _convention_names(entries: list[dict[str, Any]]) -> re.Pattern[str]:
    """One pattern for the acronyms and symbols of every convention, so one pass over a text
    counts them all: each ends with an empty group named after its convention ('c3_0' is
    convention 3's first), which ``m.lastgroup`` tells. (One flat alternation, each branch
    starting with its first letter, lets the regex engine skip the branches that cannot
    match at a glance; a group around each convention's branches would not.)"""
    alts = []
    for i, c in enumerate(entries):
        names = [re.escape(n) for n in c["names"] if n.isupper()] + list(c["symbols"])
        alts += [f"(?:{n})(?P<c{i}_{j}>)" for j, n in enumerate(names)]
    return re.compile(rf"(?<![\w/-])(?:{'|'.join(alts)})")


def _convention_long_names(entries: list[dict[str, Any]]) -> tuple[re.Pattern[str],
                                                                     dict[str, int]]:
    """The spelled-out names of the conventions, to run on lower-cased text, and which
    convention (index) each name belongs to."""
    owner = {" ".join(n.lower().split()): i for i, c in enumerate(entries)
             for n in c["names"] if not n.isupper()}
    return re.compile(rf"(?<![\w-])(?:{alternation(list(owner))})(?![\w-])"), owner


def with_ordinals(patterns: list[str], words: dict[str, Any], lang: str = "en") -> list[str]:
    """``patterns`` with ``{ordinal}`` standing for one ordinal of ``lang`` ("14th",
    "fifteenth"; "20e", "vingtième") and ``{ordinals}`` for a list of them ("77th and 78th",
    "52nd, 53rd and 54th"); the English ones are known in every language."""
    suffixes = [*words["suffixes"], *words.get(f"suffixes_{lang}", [])]
    names = [*words["ordinals"], *words.get(f"ordinals_{lang}", [])]
    one = rf"(?:\d{{1,2}}(?:{'|'.join(suffixes)})|{'|'.join(names)})"
    many = rf"{one}(?:(?:,|,? and) {one})*"
    return [p.replace("{ordinals}", many).replace("{ordinal}", one) for p in patterns]


def _meetings(clauses: dict[str, Any], conventions: list[str]) -> Meetings:
    """The meeting bodies of ``clauses.toml`` compiled; ``conventions`` are the ids that may
    stand before an abbreviation ("CBD COP15")."""
    body_of_name: dict[str, str] = {}
    body_of_abbreviation: dict[str, str] = {}
    for b in clauses["meeting_body"]:
        for n in b["names"]:
            body_of_name[n.lower()] = b["body"]
        for a in b["abbreviations"]:
            body_of_abbreviation[a.lower()] = b["body"]
    abbreviations = list({a for b in clauses["meeting_body"] for a in b["abbreviations"]})
    words = clauses["meeting_words"]
    suffixes = [w for key, ws in words.items() if key.startswith("suffixes") for w in ws]
    return Meetings(
        body_of_name=body_of_name,
        body_names=re.compile(rf"(?<![\w-])(?:{alternation(list(body_of_name))})(?![\w-])",
                              re.IGNORECASE),
        abbreviation=re.compile(
            rf"(?:(?P<conv>{alternation(conventions)})\s+)?(?P<abbr>{alternation(abbreviations)})"
            r"[ .-]?(?P<n>\d{1,2})\b", re.IGNORECASE),
        body_of_abbreviation=body_of_abbreviation,
        ordinals={w: i for key, ws in words.items() if key.startswith("ordinals")
                  for i, w in enumerate(ws, 1)},
        ordinal=re.compile(rf"(?P<n>\d{{1,2}})(?:{alternation(suffixes)})(?!\w)"
                           r"|(?P<word>[^\W\d_]+)"),
        relative=frozenset(words["relative"]),
    )


def _build(verbs: dict[str, Any], leads: dict[str, Any], actors: dict[str, Any],
           clauses: dict[str, Any], conventions: dict[str, Any],
           references: dict[str, Any], languages: dict[str, Any]) -> Vocabulary:
    verb_forms, own_forms = _build_verbs(verbs)
    finite = [f for f, v in verb_forms.items() if v.form == "finite"]
    lead_words = [f for f, v in verb_forms.items() if v.form in ("finite", "participle")]
    openers: list[str] = list(leads["preamble"]["openers"])
    for key, words in leads["preamble"].items():  # openers_fr, openers_es ...
        if key.startswith("openers_"):
            openers += [v for w in words for v in (w, fold_accents(w), strip_accented(w))]
    prefixes = alternation(leads["lead"]["prefixes"])
    suffixes = alternation(leads["lead"]["suffixes"])
    complements = alternation(leads["lead"]["complements"])

    def leads_of(words: list[str]) -> re.Pattern[str]:
        # A lead: optional adverbs, the verb (or opener), optional "also" and complement.
        return re.compile(
            rf"(?P<lead>(?:(?:{prefixes})\s+){{0,2}}(?P<verb>{alternation(words)})"
            rf"(?:\s+(?:{suffixes}))?(?:\s+(?:{complements}))?)(?![\w-])",
            re.IGNORECASE,
        )

    lead_pattern = leads_of(lead_words + openers)
    # in a text of another language, also its forms written like an English base form
    # ("Invite", "Encourage", "Decide"), which are no lead in an English text
    lead_pattern_lang = {
        lang: leads_of(lead_words + openers + [
            f for f, v in forms.items() if v.form in ("finite", "participle") and not v.action
            and verb_forms.get(f) is not v])
        for lang, forms in own_forms.items()}
    base = [f for f, v in verb_forms.items() if v.form == "base"]
    base_lead_pattern = re.compile(
        rf"(?P<lead>(?:(?:{prefixes})\s+){{0,2}}(?P<verb>{alternation(base)}))(?![\w-])",
        re.IGNORECASE,
    )
    finite_pattern = re.compile(rf"(?<![\w-])(?P<verb>{alternation(finite)})(?![\w-])",
                                re.IGNORECASE)
    # The same, case-sensitive, to run on lower-cased text (several times faster).
    finite_lower = re.compile(rf"(?<![\w-])(?P<verb>{alternation(finite)})(?![\w-])")
    if not all(" ".join(f.split())[:1].isalpha() for f in finite):
        raise VocabularyError("verbs.toml: a finite verb form must start with a letter")
    finite_bounded = bounded(rf"(?P<verb>{alternation(finite)})(?![\w-])", r"\w-")

    aliases: dict[str, str] = {}
    for entry in actors["actor"]:
        for alias in [entry["name"], *entry.get("aliases", [])]:
            aliases[alias.lower()] = entry["name"]
    roles = {entry["name"]: entry["role"] for entry in actors["actor"]}
    and_words = alternation(languages["conjunctions"]["and"])  # "and", "et", "y"
    long_names = [a for a in aliases if re.search(rf"[, ](?:{and_words}|,)", a.lower())
                  or "," in a]
    long_names += [n for c in conventions["convention"] for n in c["names"] if " and " in n
                   or "," in n]
    long_names += [b for b in leads["chapeau"]["bodies"] if " and " in b or "," in b]
    long_names_pattern = re.compile(rf"(?<![\w-])(?:{alternation(long_names)})(?![\w-])")

    ws = r"\s+"

    def union(patterns: list[str]) -> str:
        return "|".join("(?:" + p.replace(" ", ws) + ")" for p in patterns)

    types: dict[str, str] = {}
    for canonical, words in references["types"].items():
        for w in words:
            types[w.replace("\\", "").lower()] = canonical
    ident = references["identifier"]
    identifier = (
        f"{ident['prefix']}(?:{'|'.join(ident['core'])}){ident['part']}{ident['revision']}"
    ).replace(" ", r"\s?")
    type_alt = "|".join(sorted((w for ws in references["types"].values() for w in ws),
                               key=len, reverse=True))
    # Matching starts at the type word (fast: the engine can skip to its first letters); a
    # convention or meeting written before it ("CMS", "CBD COP12", "UNEP/CMS/") is found by
    # ``qualifier_pattern`` in the text just before.
    reference_pattern = re.compile(
        rf"(?:(?<!\w)|(?<=[a-z])(?=[A-Z]))(?P<type>{type_alt})(?:(?<=\.)|(?![\w]))\s*"
        rf"(?P<id>{identifier})(?![\w/]){ident['of_convention']}",
        re.IGNORECASE,
    )
    qualifier_pattern = re.compile(rf"(?<![\w/])(?:{ident['qualifier']})\Z",
                                   re.IGNORECASE)
    sym = references["symbol"]
    symbol_pattern = re.compile(
        rf"(?<![A-Za-z/.-]){sym['first']}(?:[./][A-Za-z0-9]+)*(?:/{sym['segment']})+"
        rf"(?:-{sym['first']}(?:[./][A-Za-z0-9]+)*(?:/{sym['segment']})+)*"
    )
    chapeau = leads["chapeau"]
    bodies = alternation(chapeau["bodies"] + [strip_accented(b) for b in chapeau["bodies"]])
    articles = "|".join(re.escape(a) for a in chapeau["articles"])
    # "The Conference of the Parties [to the Convention on ...|serving as ...][,]"
    # (possessive runs of white space after the body: with "\s*,?(?=[ ]*...)", the lazy body
    # and a long run of spaces after it took the cube of the run's length)
    chapeau_pattern = re.compile(
        rf"(?:{articles})\s*(?:{bodies})(?:\s+(?:to|of|serving\s+as)\s+[^,;:.\n]{{0,160}}?)?"
        rf"(?:\s*+,)?[ ]*+(?=\n|$)|(?:{articles})\s*(?:{bodies})(?:\s+(?:to|of|serving\s+as)"
        rf"\s+[^,;:.\n]{{0,160}}?)?\s*,",
        re.IGNORECASE,
    )
    apparatus = leads["apparatus"]
    apparatus_pattern = re.compile("|".join(f"(?:{p})" for p in apparatus["lines"]))
    cover_label_pattern = re.compile(
        rf"(?:{'|'.join(apparatus['cover_labels'])})\s*:", re.IGNORECASE
    )
    long_conv = _convention_long_names(conventions["convention"])
    ands = and_words
    joins = [*languages["conjunctions"]["and"], *languages["conjunctions"]["or"]]
    # Single lead words of four letters or more ("Recalling", "requests", "Aware"): glued to
    # the next word by extraction they are split back (mealink.load.glue).
    glue_words = frozenset(w.lower() for w in lead_words + openers + leads["lead"]["prefixes"]
                           if " " not in w and len(w) >= 4 and w.isalpha())
    body_pattern = re.compile(rf"(?:{articles})\s*(?:{bodies})(?![\w-])", re.IGNORECASE)
    return Vocabulary(
        articles={k: tuple(v) for k, v in languages["articles"].items()},
        and_words=tuple(languages["conjunctions"]["and"]),
        conjoined=re.compile(rf"\s+(?:{alternation(joins)})\s+\Z"),
        chapeau_pattern=chapeau_pattern,
        body_pattern=body_pattern,
        # What a chapeau or an addressee-first sentence starts with: "The ", "THE\n", "L'".
        article_starts=tuple({f"{a}{sep}" for a in chapeau["articles"] for a in (a, a.upper())
                              for sep in (("",) if a.endswith("'") else (" ", "\n"))}),
        apparatus_pattern=apparatus_pattern,
        cover_label_pattern=cover_label_pattern,
        clause_connectives=tuple(leads["clause"]["connectives"]),
        clause_conjunctions=tuple(leads["clause"]["conjunctions"]),
        glue_lead_words=glue_words,
        glue_function_words=frozenset(leads["glue"]["function_words"]),
        verb_forms=verb_forms,
        verb_forms_own=own_forms,
        lead_pattern=lead_pattern,
        lead_pattern_lang=lead_pattern_lang,
        base_lead_pattern=base_lead_pattern,
        plural_chapeaus=tuple(leads["chapeau"]["plural"]),
        finite_pattern=finite_pattern,
        finite_lower=finite_lower,
        finite_bounded=finite_bounded,
        actor_aliases=aliases,
        actor_roles=roles,
        actor_heads=frozenset(w.lower() for w in actors["heads"]["words"]),
        phrase_words=frozenset(actors["phrase"]["words"]),
        name_prepositions=frozenset(actors["phrase"]["prepositions"]),
        long_names_pattern=long_names_pattern,
        conditions=re.compile(rf"(?<!\w)(?:{union(clauses['conditions'])})(?!\w)", re.I),
        conditions_lower=word_gate([c.lower() for c in clauses["conditions"]],
                                    clauses["condition_words"], r"(?<!\w)", r"(?!\w)"),
        deadlines=word_gate(with_ordinals(clauses["deadlines"], clauses["meeting_words"]),
                             clauses["deadline_words"], r"(?<!\w)", r"(?!\w)",
                             otherwise=tuple("0123456789")),
        deadline_cues=tuple(" " + c for c in clauses["deadline_cues"]),
        context_cues=frozenset(" " + c for c in clauses["context_cues"]),
        past_participles=frozenset(clauses["past_participles"]),
        period_cues=tuple(sorted((" " + c for c in clauses["period_cues"]), key=len,
                                 reverse=True)),
        period_range_head=re.compile(
            rf"(?<![\w-])(?:{union(clauses['period_range_heads'])})\Z"),
        period_lead=re.compile(rf"(?<![\w-])(?:{clauses['period_lead'].replace(' ', ws)})"
                               r"\s+\Z", re.IGNORECASE),
        report_verb=re.compile(rf"(?<![\w-])(?:{alternation(clauses['report_verbs'])})"
                               r"(?![\w-])", re.IGNORECASE),
        report_opener=re.compile(
            rf"(?:(?<![\w-])(?:{alternation(clauses['report_openers'])})\s+|[;:,().]\s*)\Z",
            re.IGNORECASE),
        meetings=_meetings(clauses, [c["id"] for c in conventions["convention"]] + ["UNEP"]),
        conventions=tuple(_convention(c) for c in conventions["convention"]),
        convention_names_pattern=_convention_names(conventions["convention"]),
        convention_long_names=long_conv[0],
        convention_long_owner=long_conv[1],
        reference_types=types,
        reference_singulars=dict(references.get("plurals", {})),
        reference_pattern=reference_pattern,
        qualifier_pattern=qualifier_pattern,
        # a trie finds the same longest type word as the longest-first alternation, faster
        reference_type_lower=re.compile(alternation(list(types))),
        symbol_pattern=symbol_pattern,
        meeting_document_pattern=re.compile(references["meeting_document"]["pattern"]),
        identifier_pattern=re.compile(identifier),
        # The next item of a list of identifiers: ', 8.11', ' and 9.6', ' on Title, 12.26'.
        list_continuation_pattern=re.compile(
            rf"(?:\s+on\s+[^,;()]{{1,160}}?|,\s+entitled\s+[“\"][^”\"]{{1,200}}[”\"],?)?"
            rf"(?P<sep>\s*,\s*(?:(?:{ands})\s+)?|\s+(?:{ands})\s+|\s*[–-]\s*|"
            rf"\s+to\s+)(?P<id>{identifier})(?![\w/])"),
    )


@cache
def vocabulary() -> Vocabulary:
    """The package's vocabulary, built once per process."""
    return _build(
        load_data("verbs.toml"), load_data("leads.toml"), load_data("actors.toml"),
        load_data("clauses.toml"),
        load_data("conventions.toml"), load_data("references.toml"),
        load_data("languages.toml"),
    )


def verb_form(word: str, lang: str = "en") -> VerbForm | None:
    """Look up a written verb form (case-insensitive, whitespace-normalised)."""
    vocab = vocabulary()
    key = " ".join(word.lower().split())
    own = vocab.verb_forms_own.get(lang)
    found = own.get(key) if own is not None else None
    return found if found is not None else vocab.verb_forms.get(key)
