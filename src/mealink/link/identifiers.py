"""One identifier per text, whatever form a citation takes.

``citation_keys`` turns a citation as the annotator found it ("CMS Res.10.25",
"decision IX/4 of CBD", "Resolution Conf. 13.10 (Rev. CoP19)", "UNEP/CBD/COP/DEC/XI/12")
into ``DocKey`` values; ``document_keys`` does the same for a parsed document. Two forms of
the same text give equal keys: zero padding is dropped ("12.04" = "12.4"), the meeting is
written one way ("Rev. CoP14" = "Rev.COP14" within CITES), prefixes name the convention
("UNEP/CMS/Resolution 11.10" = CMS "Resolution 11.10"); roman and arabic meeting numbers
are kept apart ("X/2" is not "10/2"). The knowledge is in ``data/numbering.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from mealink.numbering import TYPE_WORD, Numbering, Shape, numbering, type_word

__all__ = ["DocKey", "Numbering", "citation_keys", "document_keys", "group_label", "numbering",
           "parse_key", "parse_keys", "type_word"]

TYPES = ("resolution", "decision", "recommendation")
_REVISION = re.compile(r"\(?\s*Rev\.\s?(?P<body>[A-Za-z-]+?)\s?(?P<n>\d{1,2})\s*\)?")
_WS = re.compile(r"\s+")
_ZEROS = re.compile(r"(?<!\d)0+(?=\d)")
_RANGE = re.compile(r"^(?P<a>.+?)\s*(?:-|–|\bto\b)\s*(?P<b>[\w./-]+)$")
# items of a list: "12.7 and 12.26", "16.159 & 15.93 (Rev. CoP16)", "12.5, 12.6"
_LIST = re.compile(r"\s*(?:&|\band\b|,|\bet\b|\by\b)\s*")


def _meeting_int(s: str | None) -> int | None:
    if not s:
        return None
    if s.isdigit():
        return int(s)
    # here, not at the top: reading a stored key (``mealink status``) needs no parser
    from mealink.parse.markers import roman_value

    return roman_value(s)


def group_label(keys: list[DocKey] | tuple[DocKey, ...]) -> str:
    """How people cite a document that holds several texts: 'CMS Decisions 13.1 to 13.3',
    'CITES Decisions 19.30 and 19.31', 'CITES Decisions 16.159 and 15.93 (Rev.CoP16)'."""
    if len(keys) == 1:
        return keys[0].label
    first = keys[0]
    one = first.label
    body = one[len(first.convention) + 1:]
    type_word = body.split(" ", 1)[0]
    numbers = [k.number + (f" (Rev.{k.revision})" if k.revision else "") for k in keys]
    works = {re.sub(r"\d+$", "", k.number) for k in keys}
    joined = f"{numbers[0]} to {numbers[-1]}" if len(keys) > 2 and len(works) == 1 and \
        not any(k.revision for k in keys) else \
        (" and ".join(numbers) if len(keys) == 2 else ", ".join(numbers[:-1]) + " and " +
         numbers[-1])
    prefix = body[len(type_word):].split(first.number, 1)[0]  # "Conf. " of a CITES label
    return f"{first.convention} {type_word}s{prefix}{joined}"


@dataclass(frozen=True, slots=True)
class DocKey:
    """What identifies a text: convention, type, canonical number and revision.

    ``meeting`` (the number of the meeting that adopted it, when the number tells) is carried
    along for ordering but is not part of the identity.
    """

    convention: str
    type: str
    number: str
    revision: str | None = None
    meeting: int | None = field(default=None, compare=False)

    @property
    def work(self) -> DocKey:
        """The same text without its revision: what all its versions share."""
        return replace(self, revision=None)

    @property
    def id(self) -> str:
        """The stable id: ``cms/resolution/11.10``, ``cbd/decision/XIV-11``,
        ``cms/resolution/12.21-rev-cop14``."""
        conv = self.convention.lower().replace(" ", "-")
        num = _WS.sub("", self.number).replace("/", "-")
        rev = f"-rev-{self.revision.lower()}" if self.revision else ""
        return f"{conv}/{self.type}/{num}{rev}"

    @property
    def label(self) -> str:
        """How people cite it: 'CMS Resolution 11.10', 'CITES Resolution Conf. 13.10 (Rev.
        CoP19)', 'CBD Decision XIV/11'."""
        if self.type == "document":
            return self.number
        shape_label = numbering().labels.get((self.convention, self.type))
        body = shape_label.format(number=self.number) if shape_label else \
            f"{self.type.capitalize()} {self.number}"
        rev = f" (Rev.{self.revision})" if self.revision else ""
        return f"{self.convention} {body}{rev}"


def _format(shape: Shape, m: re.Match[str]) -> str:
    parts = {k: (str(int(v)) if v.isdigit() else v.upper()) for k, v in m.groupdict().items()
             if v is not None}
    return shape.format.format(**parts)


def _revision(text: str, convention: str) -> tuple[str, str | None]:
    """The identifier without its revision suffix, and the revision as the convention writes
    its meetings ('Rev. CoP19' -> 'CoP19' in CITES, 'COP14' in CMS)."""
    m = _REVISION.search(text)
    if not m:
        return text, None
    nb = numbering()
    written = nb.revision_meetings.get(m.group("body"), m.group("body"))  # "CdP" -> "CoP"
    body = nb.meetings.get(convention, written)
    if body.upper() != written.upper():
        body = written.upper()
    return (text[:m.start()] + text[m.end():]).strip(), f"{body}{int(m.group('n'))}"


def _generic(number: str) -> str:
    return _ZEROS.sub("", _WS.sub(" ", number).strip())


def _key(convention: str, type_: str, ident: str, revision_text: str) -> DocKey:
    """The key of ``ident`` under ``convention``: its shape when one matches, else the
    identifier with spaces collapsed and zero padding dropped."""
    _, revision = _revision(revision_text, convention) if revision_text else (ident, None)
    for shape in numbering().shapes:
        if shape.convention == convention and type_ in shape.types:
            m = shape.pattern.fullmatch(ident)
            if m:
                return DocKey(convention, type_, _format(shape, m), revision,
                              _meeting_int(m.groupdict().get("meeting")))
    return DocKey(convention, type_, _generic(ident), revision)


def _shape_owners(type_: str, ident: str) -> list[str]:
    out: list[str] = []
    for shape in numbering().shapes:
        if type_ in shape.types and not shape.named_only and shape.convention not in out \
                and shape.pattern.fullmatch(ident):
            out.append(shape.convention)
    return out


def _named(text: str) -> str | None:
    nb = numbering()
    m = nb.aliases.search(text)
    return nb.alias_owner[m.group(0)] if m else None


def _expand(ident: str) -> list[str]:
    """'SC-4/10–SC-4/18' -> SC-4/10 ... SC-4/18; '14.10-14.12' -> 14.10, 14.11, 14.12 (at
    most 60 items, else the range is kept as written); '12.7 and 12.26' -> 12.7, 12.26 (a
    list, not a range)."""
    items = [i for i in _LIST.split(ident) if i.strip()]
    if len(items) > 1:
        return [x for i in items for x in _expand(i.strip())]
    m = _RANGE.match(ident)
    if not m:
        return [ident]
    a, b = m.group("a"), m.group("b")
    ma, mb = re.search(r"(\d+)$", a), re.search(r"(\d+)$", b)
    if not ma or not mb:
        return [ident]
    head_a, head_b = a[:ma.start()], b[:mb.start()]
    if head_b and head_b != head_a:
        return [ident]
    lo, hi = int(ma.group(1)), int(mb.group(1))
    if not 0 < hi - lo <= 60:
        return [ident]
    return [f"{head_a}{n}" for n in range(lo, hi + 1)]


def _symbol_key(symbol: str) -> DocKey | None:
    for shape, type_ in numbering().symbols:
        m = shape.pattern.search(symbol)
        if m:
            return DocKey(shape.convention, type_, _format(shape, m), None,
                          _meeting_int(m.groupdict().get("meeting")))
    return None


def citation_keys(type_: str, identifier: str, written: str,
                  context: str | None, body: str | None = None) -> list[DocKey]:
    """Keys of what a citation names. ``type_`` and ``identifier`` are the annotator's
    (``Reference.type``, ``.identifier``), ``written`` the citation as written (it may name
    the convention), ``context`` the convention of the citing text, ``body`` the one the text
    names right after the citation (``Reference.convention``), which wins over the shape of
    the number. A range gives one key per item; an identifier whose convention cannot be
    told gives none."""
    if type_ == "document":
        key = _symbol_key(identifier)
        if key:
            return [key]
        owner = _named(identifier) or context
        return [DocKey(owner, "document", _WS.sub("", identifier))] if owner else []
    ident, _ = _revision(identifier, context or "")
    ident = _WS.sub(" ", ident).strip().rstrip(".,;")
    named = _named(written) or body
    keys: list[DocKey] = []
    for item in _expand(ident):
        if named:
            conv: str | None = named
        else:
            owners = _shape_owners(type_, item)
            conv = context if context in owners else owners[0] if owners else context
        if conv is None:
            continue
        keys.append(_key(conv, type_, item, identifier))
    return keys


_SYMBOL_NUMBER = re.compile(rf"(?:{TYPE_WORD.pattern}\.?\s+)(?P<num>.+?)\s*$", re.I)


def document_keys(convention: str | None, symbol: str | None, number: str | None,
                  revision: str | None) -> list[DocKey]:
    """Keys of a parsed document, its own first: one per decision of a grouped document
    ('Decisions 14.10-14.12' gives 14.10, 14.11 and 14.12; 'Decisions 16.159 and 15.93 (Rev.
    CoP16)' gives 16.159 and 15.93 (Rev.CoP16): a revision mark belongs to the number it
    follows). Empty when neither symbol nor number identify it."""
    if convention is None or (symbol is None and number is None):
        return []
    if symbol:
        key = _symbol_key(symbol)
        if key:
            return [replace(key, revision=_revision(symbol, key.convention)[1])]
    type_ = type_word(symbol or "") or numbering().default_types.get(convention, "decision")
    text = symbol or number or ""
    m = _SYMBOL_NUMBER.search(text)
    ident = (m.group("num") if m else (number or text)).strip().rstrip("*.,;")
    items = [i.strip() for i in _LIST.split(ident) if i.strip()]
    if len(items) > 1 and any(_REVISION.search(i) for i in items):
        keys = []
        for item in items:
            bare = _WS.sub(" ", _revision(item, convention)[0]).strip()
            keys += [_key(convention, type_, x, item) for x in _expand(bare)]
        return keys
    ident = _WS.sub(" ", _revision(ident, convention)[0]).strip().rstrip("*.,;")
    rev_text = symbol or ""
    if revision and not _REVISION.search(rev_text):
        rev_text = f"(Rev.{revision.removeprefix('Rev.').strip()})"
    return [_key(convention, type_, item, rev_text) for item in _expand(ident)]


#: the short type words a user may type after a convention's name ('CMS Res.11.10')
_SHORT_TYPES = {"res": "resolution", "dec": "decision", "rec": "recommendation"}
_SHORT_TYPE = re.compile(r"(res|dec|rec)\.\s*(?=\d)", re.I)


def parse_keys(text: str) -> list[DocKey]:
    """Every key what a user types may mean: ``parse_key``'s first, then, when the text names
    no convention ('Decision 19.30'), the same number under each other convention whose
    numbering has that shape (CITES and CMS both number decisions '19.30')."""
    first = parse_key(text)
    keys = [first] if first is not None else []
    text = _WS.sub(" ", text).strip()
    tw = TYPE_WORD.search(text)
    if tw is None or _named(text) or _symbol_key(text):
        return keys
    type_ = type_word(text) or "decision"
    ident, _ = _revision(text[tw.end():].strip(), "")
    items = _expand(_WS.sub(" ", ident).strip().rstrip(".,;"))
    for owner in _shape_owners(type_, items[0]) if items else []:
        more = citation_keys(type_, text[tw.end():].strip(), text, owner, body=owner)
        if more and more[0] not in keys:
            keys.append(more[0])
    return keys


def parse_key(text: str, context: str | None = None) -> DocKey | None:
    """A key from what a user types: a citation ('CMS Resolution 7.9', 'Resolution Conf.
    13.10 (Rev. CoP19)', 'decision XIV/11', 'CBD XIV/11') or a symbol ('UNEP/EA.3/Res.7')."""
    text = _WS.sub(" ", text).strip()
    key = _symbol_key(text)
    if key:
        return replace(key, revision=_revision(text, key.convention)[1])
    tw = TYPE_WORD.search(text)
    if tw:
        keys = citation_keys(type_word(text) or "decision", text[tw.end():].strip(), text,
                             context)
        return keys[0] if keys else None
    nb = numbering()
    m = nb.aliases.search(text)
    if m:
        conv = nb.alias_owner[m.group(0)]
        ident = (text[:m.start()] + text[m.end():]).strip().lstrip("/ ")
        short = _SHORT_TYPE.match(ident)  # 'CMS Res.11.10', as the README writes it
        kind = _SHORT_TYPES[short.group(1).lower()] if short else \
            nb.default_types.get(conv, "decision")
        keys = citation_keys(kind, ident[short.end():] if short else ident, text, conv)
        return keys[0] if keys else None
    return None
