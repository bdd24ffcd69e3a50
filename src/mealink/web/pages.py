"""The pages people read: home, documents, a document, search, lineage, mandates, a
mandate with its history and the work plan activities that carry it out, review, signing
in and users (work plans: ``web/workplans.py``). List pages also answer as JSON or CSV
(``?format=json`` / ``?format=csv``), the same rows as the API's.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup

import mealink
from mealink.errors import MealinkError
from mealink.link.status import parse_as_of
from mealink.mandates.knowledge import STRENGTHS, knowledge
from mealink.mandates.review import annex_lines
from mealink.store.corpus.documents import (
    ParagraphPage,
    list_documents,
    overview,
    read_document,
)
from mealink.store.corpus.status import find_document
from mealink.store.corpus.status import lineage as lineage_of
from mealink.store.corpus.versions import other_versions
from mealink.store.engine.database import Store
from mealink.store.engine.reader import SqlReader
from mealink.store.mandates import MandateFilters, mandate, mandate_counts, page_mandates
from mealink.store.progress import add_progress, evidence_links, history, latest_seq
from mealink.store.review import review as review_of
from mealink.store.search.facets import Facets, facets
from mealink.store.search.find import MODES, Mode, SearchResult, find
from mealink.store.search.hits import SearchFilters
from mealink.store.synergies import overlap_report, topic_id, topic_labels
from mealink.store.users import (
    ROLES,
    add_user,
    authenticate,
    list_users,
    set_active,
    set_role,
)
from mealink.store.workplans.views import activities_for_mandate
from mealink.vocabulary import vocabulary
from mealink.web.graph import lineage_edges, lineage_svg
from mealink.web.highlight import salient_spans
from mealink.web.render import csv_response, doc_href, environment
from mealink.web.security import (
    CSRF_FIELD,
    TooManySignIns,
    check_csrf,
    current_user,
    hashing_slot,
    may_read,
    require,
    sign_in,
    sign_in_allowed,
    sign_in_failed,
    sign_in_succeeded,
    sign_out,
)
from mealink.web.security import csrf_token as session_csrf

__all__ = ["error_page", "router"]

router = APIRouter(include_in_schema=False)
PAGE = 25
Str = Annotated[str | None, Query(max_length=200)]
Num = Annotated[int, Query(ge=1, le=100_000)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page: the template with who is signed in and the form token."""
    user = current_user(request) if "session" in request.scope else None
    html = environment().get_template(template).render(
        request=request, user=user, csrf=session_csrf(request) if user else "",
        csrf_field=CSRF_FIELD, version=mealink.__version__, path=request.url.path,
        flash=request.session.pop("flash", None) if "session" in request.scope else None,
        **context)
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, code: str, message: str) -> Response:
    """The HTML page for an error; signing in is offered where it would help."""
    return render(request, "error.html", status=status, code=code, message=message,
                  status_code=status)


def _flag(value: str | None) -> bool | None:
    return {"true": True, "yes": True, "1": True, "false": False, "no": False,
            "0": False}.get((value or "").lower())


def _pages(total: int, page: int, size: int = PAGE) -> dict[str, int]:
    last = max(1, -(-total // size))
    return {"page": min(page, last), "last": last, "total": total, "size": size}


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    may_read(request)
    return render(request, "home.html", o=overview(_store(request)), today=date.today())


@router.get("/documents", response_class=HTMLResponse)
def documents(request: Request, convention: Str = None, in_force: Str = None, q: Str = None,
              page: Num = 1, format: Str = None) -> Response:
    may_read(request)
    size = 10_000 if format in ("json", "csv") else PAGE
    total, items = list_documents(_store(request), convention=convention,
                                  in_force=_flag(in_force), text=q, limit=size,
                                  offset=(page - 1) * PAGE if size == PAGE else 0)
    if format == "json":
        return JSONResponse({"total": total, "items": [d.to_dict() for d in items]})
    if format == "csv":
        return csv_response("documents", ["id", "label", "title", "convention", "type",
                                          "adopted", "state"],
                            [[d.id, d.label, d.title, d.convention, d.type, d.adopted,
                              d.state] for d in items])
    params = {"convention": convention, "in_force": in_force, "q": q}
    conventions = [c.id for c in vocabulary().conventions]
    return render(request, "documents.html", items=items, params=params,
                  conventions=conventions, pages=_pages(total, page))


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: Annotated[str | None, Query(max_length=500)] = None,
                convention: Str = None, meeting: Str = None, kind: Str = None,
                verb: Str = None, actor: Str = None, in_force: Str = None, page: Num = 1,
                mode: Str = None, format: Str = None) -> Response:
    may_read(request)
    chosen: Mode = mode if mode in MODES else "hybrid"
    params = {"q": q, "convention": convention, "meeting": meeting, "kind": kind,
              "verb": verb, "actor": actor, "in_force": in_force,
              "mode": None if chosen == "hybrid" else chosen}
    hits = SearchResult()
    fac = Facets()
    error = None
    if q and q.strip():
        conv, num = convention, None
        if meeting and ":" in meeting:
            conv_m, _, n = meeting.partition(":")
            conv = conv or conv_m
            num = int(n) if n.isdigit() else None
        f = SearchFilters(conv, None, num, kind, verb, actor, _flag(in_force))
        size = 500 if format in ("json", "csv") else PAGE
        try:  # the page's place in the query's one ranking, which find reads to its depth
            hits = find(_store(request), q, f, mode=chosen, limit=size,
                        offset=(page - 1) * PAGE if size == PAGE else 0)
            fac = facets(_store(request), q, f, total=hits.matched)
        except MealinkError as exc:
            error = exc.message
    if format == "json":
        return JSONResponse({"query": q, "mode": chosen, "total": hits.ranked,
                             "facets": fac.to_dict(), "items": [h.to_dict() for h in hits],
                             **(hits.to_dict() if q and q.strip() and not error else {})})
    if format == "csv":
        return csv_response("search", ["paragraph_id", "document", "number", "kind", "verb",
                                       "in_force", "score", "snippet"],
                            [[h.paragraph_id, h.document, h.number, h.kind, h.verb,
                              h.in_force, round(h.score, 4), h.snippet] for h in hits])
    message = hits.message if q and q.strip() and not error else None
    return render(request, "search.html", q=q or "", hits=hits, facets=fac, params=params,
                  error=error, pages=_search_pages(hits.ranked, page), mode=chosen,
                  message=message)


def _search_pages(total: int, page: int) -> dict[str, int | bool]:
    """The pager of a search: the page asked for (not moved back to the last, whose hits
    it does not show), the last page, and whether the page asked for is past it."""
    last = max(1, -(-total // PAGE))
    return {"page": page, "last": last, "total": total, "size": PAGE,
            "past": total > 0 and page > last}


def _board(counts: list[tuple[str, str | None, str, int]]) -> tuple[list[str], list[Any]]:
    statuses = [s for s in knowledge().statuses if any(c[2] == s for c in counts)]
    rows: dict[str, dict[str, Any]] = {}
    for actor, role, status, n in counts:
        row = rows.setdefault(actor, {"actor": actor, "role": role, "total": 0, "cells": {}})
        row["cells"][status] = n
        row["total"] += n
    ranked = sorted(rows.values(), key=lambda r: (-r["total"], r["actor"]))
    return statuses, ranked[:15]


@router.get("/mandates", response_class=HTMLResponse)
def mandates_page(request: Request, actor: Str = None, convention: Str = None,
                  status: Str = None, in_force: Str = "true", document: Str = None,
                  due_before: Str = None, due_after: Str = None, time_bound: Str = None,
                  strength: Str = None, page: Num = 1, format: Str = None) -> Response:
    may_read(request)
    f = MandateFilters(actor, convention, status, _flag(in_force), document, due_before,
                       due_after, _flag(time_bound), strength)
    params = {"actor": actor, "convention": convention, "status": status,
              "in_force": in_force, "document": document, "due_before": due_before,
              "due_after": due_after, "time_bound": time_bound, "strength": strength}
    export = format in ("json", "csv")
    total, items = page_mandates(_store(request), f, limit=50_000 if export else PAGE,
                                 offset=0 if export else (page - 1) * PAGE,
                                 with_text=False)
    if format == "json":
        return JSONResponse({"total": total, "items": [m.to_dict() for m in items]})
    if format == "csv":
        cols = ["id", "label", "paragraph", "actor", "role", "verb", "strength", "action",
                "deadline", "deadline_resolved", "due", "condition", "status",
                "derived_reason", "entries"]
        return csv_response("mandates", cols, [[m.to_dict()[c] for c in cols] for m in items])
    statuses, board = _board(mandate_counts(_store(request), MandateFilters(
        None, convention, None, f.in_force, document, None, None, f.time_bound, strength)))
    return render(request, "mandates.html", items=items, params=params, board=board,
                  statuses=statuses, all_statuses=list(knowledge().statuses),
                  strengths=STRENGTHS, pages=_pages(total, page))


@router.get("/mandate/{mandate_id:path}", response_class=HTMLResponse)
def mandate_page(request: Request, mandate_id: str) -> Response:
    may_read(request)
    m = mandate(_store(request), mandate_id)
    entries = history(_store(request), mandate_id)
    links = evidence_links(_store(request), (ev for e in entries for ev in e.evidence))
    return render(request, "mandate.html", m=m, entries=entries, evidence_links=links,
                  statuses=knowledge().statuses, seq=latest_seq(entries, mandate_id),
                  carried=activities_for_mandate(_store(request), mandate_id))


@router.post("/mandate/{mandate_id:path}/progress")
def mandate_progress(request: Request, mandate_id: str,
                     csrf_token: Annotated[str, Form(max_length=200)] = "",
                     status: Annotated[str, Form(max_length=20)] = "",
                     note: Annotated[str, Form(max_length=20_000)] = "",
                     evidence: Annotated[str, Form(max_length=5_000)] = "",
                     expect: Annotated[int | None, Form(ge=0)] = None) -> Response:
    user = require(request, "editor")
    check_csrf(request, csrf_token)
    add_progress(_store(request), mandate_id, user.name, status=status or None, note=note,
                 evidence=[e for e in evidence.splitlines() if e.strip()],
                 expected_seq=expect)
    request.session["flash"] = "Progress recorded."
    return RedirectResponse(f"/mandate/{mandate_id}#history", status_code=303)


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, convention: Str = None, as_of: Str = None,
                format: Str = None) -> Response:
    may_read(request)
    result, error = None, None
    if convention:
        try:
            moment = parse_as_of(as_of, "As of") if as_of else None  # named as on the form
            result = review_of(_store(request), convention, moment)
        except MealinkError as exc:
            error = exc.message
    if result is not None and format == "json":
        return JSONResponse(result.to_dict())
    if result is not None and format == "csv":
        return csv_response(f"review-{result.convention}", [
            "action", "documents", "paragraphs", "reasons", "score"],
            [[p.action, "; ".join(p.labels), p.ranges, "; ".join(p.reasons), p.score]
             for p in result.proposals])
    if result is not None and format == "annex":
        return Response("\n".join(annex_lines(result)) + "\n", media_type="text/plain; "
                        "charset=utf-8")
    conventions = [c.id for c in vocabulary().conventions]
    return render(request, "review.html", result=result, error=error, conventions=conventions,
                  params={"convention": convention, "as_of": as_of})


@router.get("/synergies", response_class=HTMLResponse)
def synergies_page(request: Request, topic: Str = None, actor: Str = None,
                   conventions: Str = None, format: Str = None) -> Response:
    may_read(request)
    params = {"topic": topic, "actor": actor, "conventions": conventions}
    names = [c.strip() for c in conventions.split(",") if c.strip()] if conventions else None
    report, error = None, None
    try:
        report = overlap_report(_store(request), topic=topic or None, actor=actor or None,
                                conventions=names)
    except MealinkError as exc:
        error = exc.message
    if report is not None and format == "json":
        return JSONResponse(report.to_dict())
    if report is not None and format == "csv":
        return csv_response("overlaps", [
            "similarity", "topics", "a_paragraph_id", "a_document", "a_paragraph", "a_actors",
            "a_action", "b_paragraph_id", "b_document", "b_paragraph", "b_actors",
            "b_action"], [[round(o.similarity, 4), "; ".join(o.topics)] + [
                v for m in (o.a, o.b) for v in (m.paragraph_id, m.document, m.number,
                                                "; ".join(m.actors), m.action)]
                for o in report.pairs])
    labels = topic_labels()
    marks = [salient_spans(o.a.action, o.a_spans, o.b.action, o.b_spans)
             for o in (report.pairs if report is not None else [])]
    return render(request, "synergies.html", report=report, error=error, params=params,
                  topics=sorted(labels.items(), key=lambda kv: kv[1].lower()),
                  chosen_topic=_topic_or_none(topic), marks=marks,
                  conventions=[c.id for c in vocabulary().conventions])


def _topic_or_none(topic: str | None) -> str | None:
    """The id of the topic asked for by id or label (to select it in the menu)."""
    try:
        return topic_id(topic) if topic and topic.strip() else None
    except MealinkError:
        return None


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: Str = "/") -> Response:
    return render(request, "signin.html", next=_safe_next(next), error=None,
                  form_csrf=session_csrf(request))


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no //host or scheme) to go back to after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.post("/sign-in")
def sign_in_post(request: Request, name: Annotated[str, Form(max_length=200)] = "",
                 password: Annotated[str, Form(max_length=1000)] = "",
                 csrf_token: Annotated[str, Form(max_length=200)] = "",
                 next: Annotated[str, Form(max_length=500)] = "/") -> Response:
    check_csrf(request, csrf_token)
    try:
        sign_in_allowed(request, name)  # before hashing: a locked name costs no Argon2
        with hashing_slot(request):
            user = authenticate(_store(request), name, password)
    except TooManySignIns as refused:
        page = render(request, "signin.html", status=429, next=_safe_next(next),
                      error=refused.message, form_csrf=session_csrf(request))
        page.headers["retry-after"] = str(refused.retry_after)
        return page
    if user is None:
        sign_in_failed(request, name)
        return render(request, "signin.html", status=401, next=_safe_next(next),
                      error="That name and password do not match an active user.",
                      form_csrf=session_csrf(request))
    sign_in_succeeded(request, name)
    sign_in(request, user)
    request.session["flash"] = f"Signed in as {user.name} ({user.role})."
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/sign-out")
def sign_out_post(request: Request,
                  csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    check_csrf(request, csrf_token)
    sign_out(request)
    return RedirectResponse("/", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request) -> Response:
    require(request, "admin")
    return render(request, "users.html", users=list_users(_store(request)), roles=ROLES)


@router.post("/admin/users")
def users_add(request: Request, name: Annotated[str, Form(max_length=200)] = "",
              role: Annotated[str, Form(max_length=20)] = "",
              password: Annotated[str, Form(max_length=1000)] = "",
              csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    require(request, "admin")
    check_csrf(request, csrf_token)
    made = add_user(_store(request), name, role, password)
    request.session["flash"] = f"User {made.name} ({made.role}) added."
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}/active")
def users_active(request: Request, name: str, active: Annotated[str, Form()] = "false",
                 csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    admin = require(request, "admin")
    check_csrf(request, csrf_token)
    if name == admin.name:
        raise MealinkError("you cannot shut yourself out; ask another admin")
    made = set_active(_store(request), name, active == "true")
    request.session["flash"] = f"{made.name} can {'now' if made.active else 'no longer'} " \
                               "sign in."
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}/role")
def users_role(request: Request, name: str, role: Annotated[str, Form(max_length=20)] = "",
               csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """An admin gives a user another role; the user's sessions end (store.users.set_role)."""
    admin = require(request, "admin")
    check_csrf(request, csrf_token)
    if name == admin.name:
        raise MealinkError("you cannot change your own role; ask another admin")
    made = set_role(_store(request), name, role)
    request.session["flash"] = f"{made.name} is now {made.role}; their sessions have ended."
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/lineage/{document_id:path}", response_class=HTMLResponse)
def lineage_page(request: Request, document_id: str, citations: Str = None,
                 format: Str = None) -> Response:
    may_read(request)
    with_citations = _flag(citations) is True
    up, down = lineage_of(_store(request), document_id, citations=with_citations, depth=3)
    edges = lineage_edges(up, down)
    if format == "json":
        return JSONResponse({"ancestors": up.to_dict(), "descendants": down.to_dict(),
                             "edges": [e.to_dict() for e in edges]})
    if format == "csv":
        return csv_response("lineage", ["source", "relation", "target", "paragraphs", "via"],
                            [[e.source_label, e.relation, e.target_label,
                              ", ".join(e.paragraphs), e.via or ""] for e in edges])
    svg = Markup(lineage_svg(up, down, doc_href))  # built escaped by graph.lineage_svg
    return render(request, "lineage.html", root=up, edges=edges, svg=svg,
                  citations=with_citations, params={"citations": citations})


@router.get("/favicon.ico")
def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/{document_id:path}", response_class=HTMLResponse)
def document_page(request: Request, document_id: str, format: Str = None,
                  lang: Annotated[str | None, Query(max_length=8)] = None) -> Response:
    may_read(request)
    key = document_id.strip("/")
    with _store(request).engine.connect() as conn:
        found, paragraph = find_document(SqlReader(conn), key)
    if found != key:  # a symbol, a citation or a paragraph id: go to the document's own page
        anchor = paragraph.rsplit("/", 1)[-1] if paragraph else None
        return RedirectResponse(doc_href(found, anchor), status_code=301 if not paragraph
                                else 302)
    page = read_document(_store(request), found, lang)
    if format == "json":
        return JSONResponse(page.to_dict())
    kinds = {m.kind for p in page.paragraphs for m in p.marks}
    contents, operative = _contents(page.paragraphs)
    return render(request, "document.html", d=page, contents=contents, operative=operative,
                  compare=other_versions(_store(request), page.id) if not page.is_stub
                  and not page.expression_of else [],
                  mandate_pages=_mandate_pages(page.paragraphs),
                  legend=[k for k in ("actor", "reference", "deadline", "condition")
                          if k in kinds])


#: a heading that opens an annex ("ANNEX", "Annex 2", "Annexe I")
_ANNEX = re.compile(r"^\s*(?:ANNEXE?|Annexe?)\b")


def _contents(paragraphs: list[ParagraphPage]) -> tuple[list[tuple[str, str, int]], str | None]:
    """The parts of a text for its table of contents, (anchor, name, paragraphs) each:
    preamble, operative part and each annex, where the text has them; and the anchor of
    the operative part to jump to."""
    parts: list[tuple[str, str, int]] = []
    counts = {k: sum(1 for p in paragraphs if p.kind == k) for k in ("preamble", "operative")}
    seen: set[str] = set()
    operative = None
    for p in paragraphs:
        if p.kind in counts and p.kind not in seen:
            seen.add(p.kind)
            name = "Preamble" if p.kind == "preamble" else "Operative part"
            parts.append((p.anchor, name, counts[p.kind]))
            if p.kind == "operative":
                operative = p.anchor
        elif p.kind == "heading" and _ANNEX.match(p.text):
            parts.append((p.anchor, " ".join(p.text.split())[:80], 0))
    return (parts if len(parts) > 1 else []), operative


def _mandate_pages(paragraphs: list[ParagraphPage]) -> dict[str, int]:
    """The page of a text's mandates list (all, in the text's order) where each
    paragraph's first mandate stands, so that "N mandates" lands on it."""
    pages: dict[str, int] = {}
    before = 0
    for p in paragraphs:
        pages[p.anchor] = before // PAGE + 1
        before += p.mandates
    return pages


