"""A decision as an Akoma Ntoso 3.0 ``statement`` (AKN4UN habits), valid against the
official OASIS schema.

Layout: ``meta`` (FRBR identification, lifecycle, analysis, references, mealink's
proprietary record), ``preface`` (docNumber, docTitle), ``preamble`` (enacting formula and
one ``container`` per preambular paragraph), ``mainBody`` (numbered ``paragraph`` elements,
sub-paragraphs as ``list``/``point``), ``conclusions`` (the adoption). Actors, references,
deadlines and conditions are marked inline where they do not overlap; every annotation (named
instruments too), with its offsets, is also in ``otherAnalysis`` under mealink's namespace,
so that ``akn_read`` gives the same document back.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from mealink.annotate.actors import canonical_actor
from mealink.annotate.topics import topic_vocabulary
from mealink.interop.akn_model import AknAct, AknInput
from mealink.interop.frbr import interop_rules, language3, slug
from mealink.interop.offsets import Locator, Region
from mealink.models import Document, Mention, Paragraph
from mealink.vocabulary import vocabulary

__all__ = ["AKN", "ML", "akn_bytes", "akn_tree"]

AKN: str = interop_rules()["akn"]["namespace"]
ML: str = interop_rules()["akn"]["analysis_namespace"]
_NSMAP = {None: AKN, "mealink": ML}
#: When two inline marks overlap, the earlier kind wins (the analysis keeps them all).
_MARK_ORDER = ("reference", "deadline", "actor", "condition")


def _a(tag: str) -> str:
    return f"{{{AKN}}}{tag}"


def _m(tag: str) -> str:
    return f"{{{ML}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: Any
         ) -> etree._Element:
    el = etree.SubElement(parent, _a(tag), {k.rstrip("_"): str(v) for k, v in attrs.items()
                                            if v is not None})
    if text is not None:
        el.text = text
    return el


class _Ids:
    """Unique eIds within one document."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, wanted: str) -> str:
        eid, n = wanted, 2
        while eid in self.used:
            eid, n = f"{wanted}-{n}", n + 1
        self.used.add(eid)
        return eid


def _label(number: str | None) -> str | None:
    """The last level of a mealink number, as printed: '3(a)' -> '(a)', '12' -> '12.'."""
    if not number:
        return None
    if number.endswith(")") and "(" in number:
        return number[number.rindex("("):]
    return number if number.endswith(".") else f"{number}."


def _local(number: str | None) -> str:
    lab = _label(number) or ""
    return slug(lab) if lab else ""


def _placement(doc: Document) -> int:
    """Index of the first paragraph of the main body: the first operative one (all of them
    when none is operative, since the main body may not be empty)."""
    for i, p in enumerate(doc.paragraphs):
        if p.kind == "operative":
            return i
    return 0


class _Writer:
    def __init__(self, inp: AknInput) -> None:
        self.inp = inp
        self.doc = inp.doc
        self.ids = _Ids()
        self.eids: list[str] = [""] * len(self.doc.paragraphs)
        self.note_eids: dict[int, str] = {}
        self.children: dict[int, list[int]] = {}
        for i, p in enumerate(self.doc.paragraphs):
            if p.parent is not None:
                self.children.setdefault(p.parent, []).append(i)
        self.names = {a.value: canonical_actor(a.value, self.doc.convention)
                      for p in self.doc.paragraphs for a in p.actors}
        self.actor_tlcs: dict[str, str] = {}
        self.topic_tlcs: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.locator: Locator | None = None

    # --- identifiers ------------------------------------------------------------------
    def _count(self, key: str) -> int:
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]

    def _assign(self, main_from: int) -> None:
        """eIds of every paragraph, then the regions annotations are located in."""
        regions: list[Region] = []
        for i, p in enumerate(self.doc.paragraphs):
            if p.parent is not None:
                parent = self.eids[p.parent]
                local = _local(p.number) or str(self.children[p.parent].index(i) + 1)
                tag = "point" if p.kind == "operative" and \
                    self.doc.paragraphs[p.parent].kind == "operative" else "item"
                eid = self.ids.take(f"{parent}__list_1__{tag}_{local}")
            elif p.kind == "heading":
                eid = self.ids.take(f"{'formula' if i < main_from else 'hcontainer'}_"
                                    f"{self._count('heading')}")
            elif p.kind == "operative":
                local = _local(p.number)
                eid = self.ids.take(f"para_{local}" if local else
                                    f"para_nn_{self._count('para_nn')}")
            else:
                where = "preamble__" if i < main_from else ""
                eid = self.ids.take(f"{where}container_{self._count('container')}")
            self.eids[i] = eid
            regions.append(Region(eid, p.body, p.text))
        for i, p in enumerate(self.doc.paragraphs):
            for k, f in enumerate(p.footnotes, start=1):
                eid = self.ids.take(f"{self.eids[i]}__authorialNote_{k}")
                self.note_eids[id(f)] = eid
                regions.append(Region(eid, f.span, " ".join(f.text.split())))
        for k, f in enumerate(self.doc.footnotes, start=1):
            eid = f"note_{k}"
            self.note_eids[id(f)] = eid
            regions.append(Region(eid, f.span, " ".join(f.text.split())))
        self.locator = Locator(self.doc, regions)

    def _where(self, m: Mention | Any, own: str) -> dict[str, str]:
        assert self.locator is not None
        found = self.locator.locate(m.span)
        if found is None:
            return {}
        key, s, e = found
        out = {"at": f"{s} {e}"}
        if key != own:
            out["in"] = key
        return out

    # --- body -------------------------------------------------------------------------
    def _inline(self, parent: etree._Element, i: int, p: Paragraph) -> None:
        """``p``'s text into ``parent``, with non-overlapping annotations marked."""
        own = self.eids[i]
        marks: list[tuple[int, int, int, str, dict[str, str]]] = []

        def add(kind: str, m: Any, tag: str, attrs: dict[str, str]) -> None:
            w = self._where(m, own)
            if "at" in w and "in" not in w:
                s, e = (int(x) for x in w["at"].split())
                if e > s:
                    marks.append((s, e, _MARK_ORDER.index(kind), tag, attrs))

        for r in p.references:
            uri = self.inp.reference_uris.get((i, r.span.start, r.span.end))
            if uri:
                add("reference", r, "ref", {"href": uri})
        if p.deadline:
            add("deadline", p.deadline, "inline", {"name": "deadline"})
        for a in p.actors:
            add("actor", a, "role", {"refersTo": "#" + self._actor_tlc(a.value)})
        for c in p.conditions:
            add("condition", c, "inline", {"name": "condition"})
        kept: list[tuple[int, int, str, dict[str, str]]] = []
        for s, e, _, tag, attrs in sorted(marks, key=lambda t: (t[2], t[0])):
            if all(e <= ks or s >= ke for ks, ke, _, _ in kept):
                kept.append((s, e, tag, attrs))
        kept.sort()
        text = p.text
        pos = 0
        last: etree._Element | None = None
        parent.text = ""
        for s, e, tag, attrs in kept:
            gap = text[pos:s]
            if last is None:
                parent.text = (parent.text or "") + gap
            else:
                last.tail = (last.tail or "") + gap
            last = _sub(parent, tag, text[s:e], **attrs)
            pos = e
        rest = text[pos:]
        if last is None:
            parent.text = (parent.text or "") + rest
        else:
            last.tail = (last.tail or "") + rest
        for f in p.footnotes:
            note = _sub(parent, "authorialNote", marker=f.marker or "*", placement="bottom",
                        eId=self.note_eids[id(f)])
            _sub(note, "p", " ".join(f.text.split()))

    def _topics_attr(self, p: Paragraph) -> str | None:
        return " ".join("#" + self._topic_tlc(t.id) for t in p.topics) or None

    def _block(self, parent: etree._Element, i: int) -> None:
        """Paragraph ``i`` (and its sub-paragraphs) as an element of ``parent``."""
        p = self.doc.paragraphs[i]
        eid = self.eids[i]
        kids = self.children.get(i, [])
        refers = self._topics_attr(p)
        if p.kind == "heading":
            if parent.tag in (_a("preamble"),):
                name = "enactingFormula" if vocabulary().chapeau_pattern.match(p.text) \
                    else "heading"
                el = _sub(parent, "formula", name=name, eId=eid)
                self._inline(_sub(el, "p"), i, p)
            else:
                el = _sub(parent, "hcontainer", name="heading", eId=eid)
                self._inline(_sub(el, "heading"), i, p)
            return
        if p.kind == "operative" or parent.tag in (_a("list"),):
            tag = "point" if parent.tag == _a("list") else "paragraph"
            el = _sub(parent, tag, eId=eid, refersTo=refers)
            if p.number:
                _sub(el, "num", _label(p.number))
            if kids and all(self._as_point(k) for k in kids):
                lst = _sub(el, "list", eId=f"{eid}__list_1")
                self._inline(_sub(_sub(lst, "intro"), "p"), i, p)
                for k in kids:
                    self._block(lst, k)
            else:
                content = _sub(el, "content")
                self._inline(_sub(content, "p"), i, p)
                if kids:
                    self._items(content, kids, eid)
            return
        el = _sub(parent, "container", name="preambular", eId=eid, refersTo=refers)
        if p.number:
            _sub(el, "p", _label(p.number), class_="num")
        self._inline(_sub(el, "p"), i, p)
        if kids:
            self._items(el, kids, eid)

    def _as_point(self, k: int) -> bool:
        return self.doc.paragraphs[k].kind == "operative"

    def _items(self, parent: etree._Element, kids: list[int], owner: str) -> None:
        """Sub-paragraphs of a preambular paragraph (or mixed ones) as a ``blockList``."""
        lst = _sub(parent, "blockList", eId=f"{owner}__list_1")
        for k in kids:
            p = self.doc.paragraphs[k]
            item = _sub(lst, "item", eId=self.eids[k], refersTo=self._topics_attr(p))
            if p.number:
                _sub(item, "num", _label(p.number))
            self._inline(_sub(item, "p"), k, p)
            if self.children.get(k):
                self._items(item, self.children[k], self.eids[k])

    # --- references (TLCs) -------------------------------------------------------------
    def _actor_tlc(self, written: str) -> str:
        name = self.names.get(written) or written
        return self.actor_tlcs.setdefault(name, f"actor-{slug(name)}")

    def _topic_tlc(self, topic: str) -> str:
        return self.topic_tlcs.setdefault(topic, f"topic-{slug(topic)}")

    def _references(self, meta: etree._Element) -> None:
        inp = self.inp
        refs = _sub(meta, "references", source="#mealink")
        _sub(refs, "original", eId="original", href=inp.name.expression(self.doc.language),
             showAs=inp.label)
        for n, act in enumerate(inp.acted_on_by, start=1):
            _sub(refs, "passiveRef", eId=f"passiveRef_{n}", href=act.other_uri + "/!main",
                 showAs=act.other_label)
        for n, act in enumerate(inp.acts, start=1):
            _sub(refs, "activeRef", eId=f"activeRef_{n}", href=act.other_uri + "/!main",
                 showAs=act.other_label)
        conv = self.doc.convention or "unknown"
        _sub(refs, "TLCOrganization", eId="mealink", href="/akn/ontology/organization/int/"
             "mealink", showAs="mealink")
        _sub(refs, "TLCOrganization", eId=slug(conv), href=f"/akn/ontology/organization/int/"
             f"{slug(conv)}", showAs=conv)
        body = inp.name.author.rsplit("-", 1)[-1].upper()
        _sub(refs, "TLCOrganization", eId=inp.name.author, href=f"/akn/ontology/organization/"
             f"int/{inp.name.author}", showAs=f"{conv} {body}")
        roles: dict[str, str] = {}  # two spellings of one actor ('Parties', 'parties'): one role
        for name, eid in sorted(self.actor_tlcs.items(), key=lambda t: (t[1], t[0])):
            roles.setdefault(eid, name)
        for eid, name in roles.items():
            _sub(refs, "TLCRole", eId=eid, href=f"/akn/ontology/role/int/{eid[6:]}",
                 showAs=name)
        concepts = topic_vocabulary().concepts
        for topic, eid in sorted(self.topic_tlcs.items(), key=lambda t: t[1]):
            concept = concepts.get(topic)
            _sub(refs, "TLCConcept", eId=eid, href=f"/akn/ontology/concept/int/mealink/"
                 f"{slug(topic)}", showAs=concept.label if concept else topic)
        _sub(refs, "TLCEvent", eId="adoption", href=f"/akn/ontology/event/int/"
             f"{inp.name.author}-{inp.name.date_part}", showAs=self.doc.adopted_at or "adoption")

    # --- meta -------------------------------------------------------------------------
    def _identification(self, meta: etree._Element) -> None:
        inp, name, lang = self.inp, self.inp.name, self.doc.language
        ident = _sub(meta, "identification", source="#mealink")
        day = name.frbr_date
        date_name = "adoption" if name.day else "unknown"
        work = _sub(ident, "FRBRWork")
        _sub(work, "FRBRthis", value=name.work() + "/!main")
        _sub(work, "FRBRuri", value=name.work())
        if self.doc.symbol:
            _sub(work, "FRBRalias", value=self.doc.symbol, name="symbol")
        _sub(work, "FRBRalias", value=inp.id, name="mealink")
        _sub(work, "FRBRdate", date=day, name=date_name)
        _sub(work, "FRBRauthor", href="#" + name.author)
        _sub(work, "FRBRcountry", value=interop_rules()["akn"]["country"])
        _sub(work, "FRBRsubtype", value=inp.type)
        _sub(work, "FRBRnumber", value=self.doc.number or name.number_slug)
        if self.doc.title:
            _sub(work, "FRBRname", value=self.doc.title)
        expr = _sub(ident, "FRBRExpression")
        _sub(expr, "FRBRthis", value=name.expression(lang) + "/!main")
        _sub(expr, "FRBRuri", value=name.expression(lang))
        _sub(expr, "FRBRdate", date=day, name=date_name)
        _sub(expr, "FRBRauthor", href="#" + name.author)
        _sub(expr, "FRBRlanguage", language=language3(lang))
        man = _sub(ident, "FRBRManifestation")
        _sub(man, "FRBRthis", value=name.manifestation(lang))
        _sub(man, "FRBRuri", value=name.expression(lang) + ".akn")
        _sub(man, "FRBRdate", date=day, name=date_name)
        _sub(man, "FRBRauthor", href="#mealink")

    def _lifecycle(self, meta: etree._Element) -> None:
        life = _sub(meta, "lifecycle", source="#mealink")
        _sub(life, "eventRef", eId="e_adoption", date=self.inp.name.frbr_date,
             source="#original", type="generation", refersTo="#adoption")
        events = interop_rules()["akn"]["events"]
        for n, act in enumerate(self.inp.acted_on_by, start=1):
            if act.relation in events and act.day is not None:
                _sub(life, "eventRef", eId=f"e_{n}", date=act.day.isoformat(),
                     source=f"#passiveRef_{n}", type=events[act.relation])

    def _modifications(self, analysis: etree._Element, tag: str, acts: list[AknAct],
                       prefix: str) -> None:
        """Repeals as ``textualMod`` elements: what this text repealed (active) or what
        repealed it (passive), each from a source to its destinations."""
        events = interop_rules()["akn"]["events"]
        repeals = [(n, a) for n, a in enumerate(acts, start=1)
                   if events.get(a.relation) == "repeal"]
        if not repeals:
            return
        mods = _sub(analysis, tag)
        for n, act in repeals:
            mod = _sub(mods, "textualMod", type="repeal", eId=f"{prefix}_{n}")
            if tag == "activeModifications":
                _sub(mod, "source", href="#" + self._eid_of(act.source_anchor))
                targets = self._destinations(act)
            else:
                _sub(mod, "source", href=f"#passiveRef_{n}")
                targets = ["#" + self._eid_of(self._anchor_for(para)) if para else "#original"
                           for para in act.paragraphs or ("",)]
            for dest in targets:
                _sub(mod, "destination", href=dest)

    def _analysis(self, meta: etree._Element) -> None:
        analysis = _sub(meta, "analysis", source="#mealink")
        self._modifications(analysis, "activeModifications", self.inp.acts, "amod")
        self._modifications(analysis, "passiveModifications", self.inp.acted_on_by, "pmod")
        other = _sub(analysis, "otherAnalysis", source="#mealink")
        for i, p in enumerate(self.doc.paragraphs):
            self._paragraph_analysis(other, i, p)

    def _destinations(self, act: AknAct) -> list[str]:
        if not act.paragraphs:
            return [act.other_uri + "/!main"]
        return [f"{act.other_uri}/!main~para_{slug(p)}" for p in act.paragraphs]

    def _anchor_for(self, number: str) -> str | None:
        for anchor, p in zip(self.inp.anchors, self.doc.paragraphs, strict=False):
            if p.number == number:
                return anchor
        return None

    def _eid_of(self, anchor: str | None) -> str:
        if anchor is None or anchor not in self.inp.anchors:
            return "original"
        return self.eids[self.inp.anchors.index(anchor)]

    def _paragraph_analysis(self, parent: etree._Element, i: int, p: Paragraph) -> None:
        own = self.eids[i]
        el = etree.SubElement(parent, _m("paragraph"), {"href": "#" + own, "kind": p.kind})
        if p.number is not None:
            el.set("number", p.number)
        if p.depth:
            el.set("depth", str(p.depth))
        if p.embedded_in is not None:  # a draft quoted for another body to adopt
            el.set("embeddedIn", "#" + self.eids[p.embedded_in])
        if self.inp.paragraph_in_force and not self.inp.paragraph_in_force[i]:
            el.set("inForce", "false")

        def mention(tag: str, m: Mention | None, **extra: str) -> etree._Element | None:
            if m is None:
                return None
            e = etree.SubElement(el, _m(tag), {"value": m.value, **extra,
                                               **self._where(m, own)})
            return e

        mention("lead", p.lead)
        mention("leadVerb", p.lead_verb)
        mention("verb", p.verb)
        for m in p.other_verbs:
            mention("otherVerb", m)
        for m in p.actors:
            canon = self.names.get(m.value)
            mention("actor", m, **({"canonical": canon} if canon else {}),
                    refersTo="#" + self._actor_tlc(m.value))
        for r in p.references:
            attrs = {"value": r.text, "type": r.type, "identifier": r.identifier,
                     **({"convention": r.convention} if r.convention else {}),
                     **({"inFootnote": "true"} if r.in_footnote else {}),
                     **self._where(r, own)}
            uri = self.inp.reference_uris.get((i, r.span.start, r.span.end))
            if uri:
                attrs["href"] = uri
            etree.SubElement(el, _m("reference"), attrs)
        for x in p.instruments:
            etree.SubElement(el, _m("instrument"), {
                "value": x.text, "kind": x.kind, **({"id": x.id} if x.id else {}),
                **({"convention": x.convention} if x.convention else {}),
                **self._where(x, own)})
        for m in p.repeals:
            mention("repeal", m)
        mention("deadline", p.deadline)
        mention("reportBy", p.report_deadline)
        mention("period", p.period)
        for m in p.conditions:
            mention("condition", m)
        for t in p.topics:
            te = etree.SubElement(el, _m("topic"), {"id": t.id, "score": repr(t.score),
                                                    "refersTo": "#" + self._topic_tlc(t.id)})
            for m in t.triggers:
                etree.SubElement(te, _m("trigger"), {"value": m.value, **self._where(m, own)})

    def _proprietary(self, meta: etree._Element) -> None:
        inp, doc = self.inp, self.doc
        prop = _sub(meta, "proprietary", source="#mealink")
        attrs = {"id": inp.id, "label": inp.label, "type": inp.type, "source": doc.source,
                 "language": doc.language, "status": inp.status,
                 "inForce": "true" if inp.in_force else "false"}
        for key, value in (("symbol", doc.symbol), ("convention", doc.convention),
                           ("number", doc.number), ("revision", doc.revision),
                           ("title", doc.title), ("adoptedAt", doc.adopted_at),
                           ("adoption", doc.adoption), ("adoptedBy", doc.adopted_by),
                           ("adoptionEvidence", doc.adoption_evidence),
                           ("identifiedBy", doc.identified_by),
                           ("pageStatus", doc.page_status),
                           ("statusBy", inp.status_by)):
            if value is not None:
                attrs[key] = value
        rec = etree.SubElement(prop, _m("document"), attrs)
        for f in doc.footnotes:
            etree.SubElement(rec, _m("footnote"), {"eId": self.note_eids[id(f)],
                                                   "marker": f.marker or "",
                                                   "text": " ".join(f.text.split())})

    # --- the whole --------------------------------------------------------------------
    def tree(self) -> etree._Element:
        doc, inp = self.doc, self.inp
        main_from = _placement(doc)
        self._assign(main_from)
        root = etree.Element(_a("akomaNtoso"), nsmap=_NSMAP)  # type: ignore[arg-type]
        names = interop_rules()["akn"]["names"]
        statement = _sub(root, "statement", name=names.get(inp.type, "decision"))
        meta = _sub(statement, "meta")
        preface = _sub(statement, "preface")
        _sub(_sub(preface, "p", class_="symbol"), "docNumber", doc.symbol or inp.label)
        if doc.title:
            _sub(_sub(preface, "p", class_="title"), "docTitle", doc.title)
        tops = [i for i, p in enumerate(doc.paragraphs) if p.parent is None]
        pre = [i for i in tops if i < main_from]
        if pre:
            preamble = _sub(statement, "preamble")
            for i in pre:
                self._block(preamble, i)
        body = _sub(statement, "mainBody")
        for i in tops:
            if i >= main_from:
                self._block(body, i)
        if not tops:
            _sub(body, "p")
        conclusions = _sub(statement, "conclusions")
        adoption = _sub(conclusions, "container", name="adoption", eId="container_adoption")
        p = _sub(adoption, "p")
        _sub(p, "event", doc.adopted_at or "Adoption not stated", refersTo="#adoption")
        if inp.name.day:
            _sub(p, "date", inp.name.day.isoformat(), date=inp.name.day.isoformat(),
                 refersTo="#adoption").tail = ""
        # meta last: the analysis and the TLCs know what the body used
        self._identification(meta)
        self._lifecycle(meta)
        self._analysis(meta)
        self._references(meta)
        self._proprietary(meta)
        return root


def akn_tree(inp: AknInput) -> etree._Element:
    """The ``akomaNtoso`` element of one document."""
    return _Writer(inp).tree()


def akn_bytes(inp: AknInput) -> bytes:
    """The document as an indented UTF-8 Akoma Ntoso file."""
    return etree.tostring(akn_tree(inp), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)
