"""Actors: the bodies a paragraph asks, urges, invites, instructs or encourages to act.

An actor is found after an asking verb ("Requests the Secretariat to"), as the subject of
an addressee-first sentence ("Parties are invited to", "The Standing Committee shall ...
review"), after an embedded asking verb of the Conference's own ("Decides to encourage
Parties"), or as the agent of a passive ("guidelines to be followed by the Secretariat").
Whom an actor is asked to encourage is not an actor ("Instructs the Secretariat to
encourage Parties": the Secretariat only). Bodies thanked, consulted or
collaborated with are not actors. Actors are reported as written, without determiners and
qualifying clauses, coordinations split ("Parties, regional centres and others").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from mealink.datafiles import load_data
from mealink.languages import grammar
from mealink.models import Mention, Span
from mealink.regexes import finditer_behind, search_behind
from mealink.vocabulary import Vocabulary, vocabulary

# Stops are searched over long stretches: each pattern begins with one character (a literal
# each, or a class), which lets the regex engine skip ahead to where a match can start.
_HARD_STOP = re.compile(r",|;|:|\(|\)|\[|\]|\.(?:\s|$)|\n\s*\n")
# _SOFT_STOP and _SPLIT match from the last white space before their word (or from the
# comma): "\s+word" would read the rest of a long run of spaces from each of its spaces, and
# a leading look-behind would keep the regex engine from skipping ahead. Where the run of
# white space before the match starts is found in code (``_run_start``).
_SOFT_STOP = re.compile(
    r"\s(?:to\s*:|to\s+(?!the\b|its\b|their\b|all\b|other\b|relevant\b)[a-z]|at\s+its\b|"
    r"in\s+(?:consultation|collaboration|cooperation|coordination|partnership|line)\b|"
    r"with\s+(?:the\s+)?(?:assistance|support|help)\b|under\s+the\s+(?:guidance|auspices)\b|"
    r"as\s+appropriate\b|through\b|that\b|which\b|who\b|whose\b|where\b|when\b|whenever\b|"
    r"urgently\b|also\s+to\b|further\s+to\b|on\s+(?:a|the\s+basis)\b|if\b|"
    r"for\s+(?:the|their|its)\b)"
)


@dataclass(frozen=True, slots=True)
class _Words:
    """Patterns made of the words of ``languages.toml`` that every language shares here: the
    articles before a name and the words that join two names."""

    and_verb_tail: re.Pattern[str]  # from a run's first space: linear
    split: re.Pattern[str]
    determiner: re.Pattern[str]


@cache
def _words(lang: str = "en") -> _Words:
    """The patterns for a text of ``lang``: the articles of every text and of its language."""
    vocab = vocabulary()
    articles = [*vocab.articles["all"], *vocab.articles.get(lang, ())]
    ands = "|".join(map(re.escape, vocab.and_words))
    others = "|".join(rf"\s{re.escape(w)}\s+" for w in vocab.and_words if w != "and")
    return _Words(
        and_verb_tail=re.compile(rf"(?<!\s)\s+(?:{ands})\s*\Z"),
        split=re.compile(r",\s*(?:and\s+)?|\sand\s+(?!of\b|to\b|for\b|on\b|in\b)"
                         + (f"|{others}" if others else "")),
        determiner=re.compile(
            rf"^(?:{'|'.join(map(re.escape, sorted(articles, key=len, reverse=True)))})"
            r"\s+", re.IGNORECASE))

_ELISION = re.compile(r"^[lLdD]['’]?(?=[A-ZÀ-Ý])")
_QUALIFIER = re.compile(
    r"\s+(?:to|of|under)\s+the\s+(?:Convention|Protocol|Agreement)\b.*$|\s+that\s.*$|"
    r"\s+(?:which|who|whose|where)\s.*$|\s+within\s+(?:the|their|its)\s+(?:respective\s+)?mandates?\b.*$")
_APPOSITIVE = re.compile(r"\s*,\s*(?:notably|in particular|particularly|especially|including)\s+")
_INFINITIVE_ASK = re.compile(
    r"\bto\s+(?:also\s+)?(?:encourage|invite|request|urge|call\s+upon|call\s+on|ask|instruct)\s+",
    re.IGNORECASE)
_PASSIVE_AGENT = re.compile(r"\bto\s+be\s+(?:followed|implemented|applied|used|undertaken|"
                            r"carried\s+out)\s+by\s+", re.IGNORECASE)
# "Parties, regional centres and others to": a list that runs over commas up to "to"/":".
_LIST_TAIL = re.compile(
    r"\s*(?:[A-Za-z][\w'’-]*(?:\s+[\w'’/-]+){0,11}?\s*,\s*)*(?:and\s+)?[A-Za-z][\w'’-]*"
    r"(?:\s+[\w'’/-]+){0,13}?(?=\s+to\s+[a-z]|\s*:)")


@cache
def canonical_names() -> dict[str, str]:
    """Lower-cased written name -> canonical actor name, from the actor vocabulary."""
    return dict(vocabulary().actor_aliases)


@dataclass(frozen=True, slots=True)
class _ActorKnowledge:
    """Name patterns, each convention's groups and the tracking tool's codes (actors.toml)."""

    patterns: tuple[tuple[re.Pattern[str], str], ...]
    office: re.Pattern[str]  # "chair of the scientific council"
    offices: dict[str, str]  # lower case -> as the data writes it
    groups: dict[tuple[str, str], str]  # (convention, canonical) -> the group's canonical
    codes_written: dict[str, tuple[str, str | None]]  # written -> (code, convention)
    codes_canonical: dict[str, tuple[str, str | None]]


@cache
def _knowledge() -> _ActorKnowledge:
    data = load_data("actors.toml")
    written: dict[str, tuple[str, str | None]] = {}
    canonical: dict[str, tuple[str, str | None]] = {}
    for c in data.get("code", []):
        for w in c.get("written", []):
            written[w.lower()] = (c["code"], c.get("convention"))
        for n in c.get("canonical", []):
            canonical[n] = (c["code"], c.get("convention"))
    offices = {o.lower(): o for o in data["office"]["names"]}
    return _ActorKnowledge(
        patterns=tuple((re.compile(p["match"]), p["canonical"]) for p in data.get("pattern", [])),
        office=re.compile(rf"(?P<office>{'|'.join(map(re.escape, offices))})\s+of\s+"
                          rf"(?:the\s+)?(?P<body>.+)"),
        offices=offices,
        groups={(g["convention"], g["actor"]): g["group"] for g in data.get("group", [])},
        codes_written=written, codes_canonical=canonical)


def canonical_actor(written: str, convention: str | None = None) -> str | None:
    """The canonical name an actor is grouped under in a text of ``convention``: its alias,
    else a name pattern ("Secretariats of CBD and of other relevant MEAs" -> "Secretariats
    of other conventions"), then the convention's practice ("Executive Secretary" is the
    Secretariat's work in CMS); None when mealink does not know the body."""
    lower = " ".join(written.lower().split())
    name = canonical_names().get(lower)
    knowledge = _knowledge()
    if name is None:
        name = next((n for p, n in knowledge.patterns if p.search(lower)), None)
    if name is None and (office := knowledge.office.fullmatch(lower)):
        body = canonical_names().get(office.group("body"))
        if body is not None:  # "Chair of the Scientific Council": that body's office
            article = "" if body[0].isupper() and body.isupper() else "the "
            name = f"{knowledge.offices[office.group('office')]} of {article}{body}"
    if name is not None and convention is not None:
        name = knowledge.groups.get((convention, name), name)
    return name


def actor_code(written: str, convention: str | None = None) -> str | None:
    """The CBD Decision Tracking Tool's code for an actor ("parties", "donors",
    "inter-gov-organizations"), from the name as written, else its canonical name; None
    when the tool has no code for it (or only another convention's)."""
    lower = " ".join(written.lower().split())
    knowledge = _knowledge()
    found = knowledge.codes_written.get(lower) or knowledge.codes_written.get(
        _words().determiner.sub("", lower))
    if found is None:
        name = canonical_names().get(lower)
        found = knowledge.codes_canonical.get(name) if name is not None else None
    if found is None or (found[1] is not None and found[1] != convention):
        return None
    return found[0]


def is_actor(phrase: str, vocab: Vocabulary) -> bool:
    lower = phrase.lower()
    if lower in vocab.actor_aliases:
        return True
    heads = vocab.actor_heads
    return any(w in heads or w.rstrip("s") in heads for w in _WORD.findall(lower))


@lru_cache(maxsize=16384)
def normalise(phrase: str, lang: str = "en") -> str:
    """Drop determiners (those of every text and of ``lang``), elided articles and
    qualifying clauses; collapse whitespace. Remembered: the same few phrases ("the
    Secretariat", "Parties") come back in paragraph after paragraph."""
    s = " ".join(phrase.split()).strip(" .,;:'\"“”’*")
    for _ in range(3):
        new = _ELISION.sub("", _words(lang).determiner.sub("", s))
        if new == s:
            break
        s = new
    s = _QUALIFIER.sub("", s)
    return s.strip(" .,;:'\"“”’*")


def _that_clause_end(text: str, pos: int, end: int, vocab: Vocabulary) -> int:
    """End of the subject of 'recommends that X consider ...': the first non-NP word."""
    for w in re.finditer(r"[^\s,;:]+", text[pos:end]):
        word = w.group(0)
        lw = word.lower()
        if word[0].isupper() or lw in vocab.phrase_words or lw in vocab.actor_heads or \
                lw.rstrip("s") in vocab.actor_heads or "-" in word:
            continue
        return pos + w.start()
    return end


def _protected(text: str, pos: int, end: int, vocab: Vocabulary) -> list[tuple[int, int]]:
    """Spans of known multi-word names ('Subsidiary Body on Scientific, Technical and
    Technological Advice', 'Convention on ... Wild Fauna and Flora') not to be cut."""
    chunk = text[pos:end]
    if " and " not in chunk and "," not in chunk:
        return []
    lower = chunk.lower()  # the names pattern is lower case; same offsets unless len changes
    if len(lower) != len(chunk):
        return []
    return [(pos + m.start(), pos + m.end())
            for m in finditer_behind(vocab.long_names_pattern, lower)]


def _run_start(text: str, floor: int, pos: int) -> int:
    """Where the run of white space that ends at ``pos`` begins (not before ``floor``)."""
    while pos > floor and text[pos - 1].isspace():
        pos -= 1
    return pos


def _search_outside(pattern: re.Pattern[str], text: str, pos: int, end: int,
                    protected: list[tuple[int, int]]) -> re.Match[str] | None:
    for m in pattern.finditer(text, pos, end):
        if not any(s <= m.start() < e for s, e in protected):
            return m
    return None


def _phrase_end(text: str, pos: int, end: int, vocab: Vocabulary, that: bool,
                lang: str, protected: list[tuple[int, int]]) -> int:
    stop = end
    hard = _search_outside(_HARD_STOP, text, pos, end, protected)
    if hard:
        stop = hard.start()
        window = min(end, hard.end() + 240)  # a list of bodies is short: bound the search
        # the list must end before "to <verb>" or ":": without either, no need to try it
        tail = _LIST_TAIL.match(text, hard.end(), window) if text[stop] == "," and \
            text.find(" and ", hard.end(), window) >= 0 and \
            _TO_OR_COLON.search(text, hard.end(), window) else None
        if tail and _AND.search(tail.group(0)) and not vocab.conditions.search(tail.group(0)):
            nxt = _search_outside(_HARD_STOP, text, tail.end(), end, protected)
            stop = nxt.start() if nxt else end
    soft = _search_outside(_SOFT_STOP, text, pos, min(end, stop + 1), protected)
    if soft:
        stop = _run_start(text, pos, soft.start())
    own_grammar = grammar(lang)
    if own_grammar is not None and own_grammar.actor_stop is not None and \
            (own := own_grammar.actor_stop.search(text, pos, stop)):
        stop = own.start()
    lower = text[pos:stop].lower()
    if len(lower) == stop - pos:
        gated = vocab.conditions_lower.pattern(lower)
        cond = search_behind(gated, lower) if gated is not None else None
        if cond:
            stop = pos + cond.start()
            lower = lower[:cond.start()]
        fin = vocab.finite_bounded.search(" " + lower)  # the verb one place further
        tail = _words().and_verb_tail.search(text, pos, pos + fin.start("verb") - 1) \
            if fin else None
        if tail:
            stop = min(stop, tail.start())
    if that:
        stop = min(stop, _that_clause_end(text, pos, stop, vocab))
    return stop


def _split(text: str, start: int, end: int, protected: list[tuple[int, int]],
           vocab: Vocabulary, lang: str = "en") -> list[tuple[str, int, int]]:
    """Coordinated noun phrases, with a shared modifier kept whole ('other X and Y', 'the
    secretariats of the UNFCCC, the CBD and the Convention on Wetlands')."""
    parts: list[tuple[str, int, int]] = []
    pos = start
    for m in _words().split.finditer(text, start, end):
        cut = _run_start(text, pos, m.start())
        if any(s <= cut < e for s, e in protected):
            continue
        parts.append((text[pos:cut], pos, cut))
        pos = m.end()
    parts.append((text[pos:end], pos, end))
    merged: list[tuple[str, int, int]] = []
    for part in parts:
        words = part[0].split()
        if merged and len(words) == 1 and words[0].islower():
            prev = merged[-1][0].split()
            if len(prev) == 2 and prev[0].lower() in ("other", "relevant"):
                merged[-1] = (text[merged[-1][1]:part[2]], merged[-1][1], part[2])
                continue
        if merged and _OF_HEAD.match(merged[0][0]) and \
                not is_actor(normalise(part[0], lang), vocab):
            merged[-1] = (text[merged[-1][1]:part[2]], merged[-1][1], part[2])
            continue
        merged.append(part)
    return merged


def phrase_actors(text: str, pos: int, end: int, vocab: Vocabulary,
                  that: bool = False, lang: str = "en") -> list[Mention]:
    """The actors named by the noun phrase starting at ``pos`` (after an asking verb)."""
    while pos < end and text[pos].isspace():
        pos += 1
    m = _THAT.match(text, pos, end)
    if m:
        that = that or m.group(0).startswith("that")
        pos = m.end()
    protected = _protected(text, pos, min(end, pos + 400), vocab)
    stop = _phrase_end(text, pos, end, vocab, that, lang, protected)
    followed_by_to = bool(_TO_VERB.match(text, stop, min(end, stop + 20)) or
                          _INSERTION_TO_VERB.match(text, stop, min(end, stop + 220)))
    out: list[Mention] = []
    for raw, s, e, name in _shared_heads(_split(text, pos, stop, protected, vocab, lang),
                                         vocab, lang):
        if not name or name.startswith("to ") or \
                len(name.split()) > (24 if _OF_HEAD.match(name) else 14):
            continue
        if is_actor(name, vocab) or (followed_by_to and name[0].isupper()):
            offset = raw.find(name.split()[0])
            start = s + max(offset, 0)
            out.append(Mention(name, Span(start, min(e, start + len(raw)))))
    appositive = _APPOSITIVE.match(text, stop, end)
    if appositive:
        out += phrase_actors(text, appositive.end(), end, vocab, lang=lang)
    return out


def _shared_heads(parts: list[tuple[str, int, int]], vocab: Vocabulary, lang: str = "en"
                  ) -> list[tuple[str, int, int, str]]:
    """The parts with their names; a lone modifier takes the head of the next part
    ("intergovernmental and non-governmental organizations" -> "intergovernmental
    organizations", "non-governmental organizations"; "the Animals and Plants Committees"
    -> "Animals Committee", "Plants Committee": one committee each). In a language whose
    adjectives follow the noun, modifiers without a head take the head of the part before
    ("organisations intergouvernementales et non gouvernementales")."""
    own_grammar = grammar(lang)
    head_first = own_grammar is not None and own_grammar.head_first
    # after the head stand its adjectives in a head-first language, not a lost "to" clause
    names = [normalise(raw, lang) if head_first else
             _after_head_trimmed(normalise(raw, lang), vocab) for raw, _, _ in parts]
    if len(parts) == 1:
        return [(*parts[0], names[0])]
    if head_first:
        return _heads_before(parts, names, vocab)
    out: list[tuple[str, int, int, str]] = []
    for i, ((raw, s, e), name) in enumerate(zip(parts, names, strict=True)):
        nxt = names[i + 1].split() if i + 1 < len(names) else []
        if len(name.split()) == 1 and len(nxt) >= 2 and not is_actor(name, vocab) and \
                _is_head(nxt[-1], vocab) and not _is_head(nxt[0], vocab):
            head = nxt[-1]
            if head[0].isupper() and head.endswith("s") and not head.endswith("ss"):
                head = head[:-1]  # each of the named bodies is one
                names[i + 1] = " ".join([*nxt[:-1], head])
            name = f"{name} {head}"
        out.append((raw, s, e, name))
    return out


def _heads_before(parts: list[tuple[str, int, int]], names: list[str], vocab: Vocabulary
                  ) -> list[tuple[str, int, int, str]]:
    """Head-first coordination: a part of lower-case words naming no body takes the head
    noun of the part before ("organizaciones intergubernamentales y no gubernamentales" ->
    "organizaciones no gubernamentales")."""
    out: list[tuple[str, int, int, str]] = []
    for (raw, s, e), name in zip(parts, names, strict=True):
        words = name.split()
        prev = out[-1][3].split() if out else []
        if words and prev and len(prev) >= 2 and _is_head(prev[0], vocab) and \
                all(w.islower() for w in words) and not is_actor(name, vocab):
            name = f"{prev[0]} {name}"
        out.append((raw, s, e, name))
    return out


def _is_head(word: str, vocab: Vocabulary) -> bool:
    lw = word.lower()
    return lw in vocab.actor_heads or lw.rstrip("s") in vocab.actor_heads


def _after_head_trimmed(name: str, vocab: Vocabulary) -> str:
    """A body's name without the clause that runs on after its head word when a "to" was
    lost ("the interim Secretariat make the necessary arrangements" -> "interim
    Secretariat"): words after the last head go when the first of them is a lower-case word
    that is neither a head, nor a word names are made of, nor a participle that qualifies
    the body ("Parties concerned", "entities entrusted with ..." stay)."""
    words = name.split()
    if len(words) < 3 or name.lower() in vocab.actor_aliases:
        return name  # "Parties", "Scientific Council": nothing can run on after the head
    heads = [i for i, w in enumerate(words)
             if (lw := w.lower()) in vocab.actor_heads or lw.rstrip("s") in vocab.actor_heads]
    if not heads or heads[-1] >= len(words) - 1:
        return name
    nxt = words[heads[-1] + 1]
    if nxt.islower() and nxt not in vocab.phrase_words and nxt not in vocab.actor_heads \
            and not nxt.endswith(("ed", "ing")) and nxt not in vocab.name_prepositions:
        return " ".join(words[:heads[-1] + 1])
    return name


def subject_actors(text: str, start: int, end: int, vocab: Vocabulary,
                   lang: str = "en") -> list[Mention]:
    """The bodies named by the whole subject of an addressee-first sentence ("Parties,
    intergovernmental and non-governmental organizations and other stakeholders are
    encouraged to"): its coordinated parts, up to the first part that names no body ("The
    Secretariat, in consultation with the Standing Committee, shall")."""
    if text.find("(", start, end) >= 0 or end - start > 300:
        return []
    out: list[Mention] = []
    for raw, s, e, name in _shared_heads(_split(text, start, end, [], vocab, lang), vocab,
                                         lang):
        first = name.split()[0] if name else ""
        if not name or not is_actor(name, vocab) or (
                first.islower() and first not in vocab.phrase_words and
                not _is_head(first, vocab)):
            break
        offset = max(raw.find(name.split()[0]), 0)
        out.append(Mention(name, Span(s + offset, min(e, s + offset + len(raw)))))
    return out


def embedded_actors(text: str, start: int, end: int, vocab: Vocabulary,
                    asked: list[Mention] = (),  # type: ignore[assignment]
                    lower: str | None = None) -> list[Mention]:
    """Actors of asking verbs inside the clause ('Decides to encourage Parties', 'to be
    followed by'). Whom a body already asked must encourage or invite is not asked by the
    Conference: in "Instructs the Secretariat to encourage Parties" only the Secretariat is
    (``asked``: the actors found so far; an embedded ask after one of them is nested;
    ``lower``: the text lower-cased, when the caller has it)."""
    out: list[Mention] = []
    lower = text[start:end].lower() if lower is None else lower
    if not EMBEDDED_NEEDLES.search(lower):
        return out
    first_asked = min((a.span.start for a in asked), default=end)
    for pattern in (_INFINITIVE_ASK, _PASSIVE_AGENT):
        for m in pattern.finditer(text, start, end):
            if pattern is _INFINITIVE_ASK and m.start() > first_asked:
                continue  # a nested addressee
            out += [a for a in phrase_actors(text, m.end(), end, vocab)
                    if is_actor(a.value, vocab)]
    return out


_AND = re.compile(r"\band\s")
_TO_OR_COLON = re.compile(r"\sto\s|:")  # what _LIST_TAIL must end before
_THAT = re.compile(r"(?:that|à|a)\s+")
_TO_VERB = re.compile(r"\s+to\s+[a-z]")
_INSERTION_TO_VERB = re.compile(r"\s*,[^;:]{0,200}?,\s*to\s+[a-z]")
# "secretariats of X, Y and Z": a plural body of several named things.
_OF_HEAD = re.compile(r"\s*(?:the\s+)?(?:secretariats|members|governing\s+bodies|heads)\s+of\s",
                      re.IGNORECASE)
_WORD = re.compile(r"[\w'’-]+")
EMBEDDED_NEEDLES = re.compile(r"to (?:encourage|invite|request|urge|call|ask|instruct|also|be )")


def dedupe(actors: list[Mention]) -> list[Mention]:
    """Keep the first mention of each actor name, in order."""
    seen: set[str] = set()
    out: list[Mention] = []
    for a in actors:
        k = a.value.lower()
        if k not in seen:
            seen.add(k)
            out.append(a)
    return out
