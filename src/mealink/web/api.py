"""The REST API under ``/api/v1``: documents, paragraphs, search, lineage, mandates (read
and write), review, users. Lists are paginated (``limit``, ``offset``, ``total``) and
filtered with the same names as the CLI's options; every error has one JSON shape.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from mealink.errors import MealinkError, NotFoundError
from mealink.link.status import AsOf, parse_as_of
from mealink.mandates.knowledge import knowledge
from mealink.store.corpus.documents import list_documents, overview, read_document
from mealink.store.corpus.status import document_id, in_force
from mealink.store.corpus.status import lineage as lineage_of
from mealink.store.corpus.status import status as status_of_text
from mealink.store.corpus.topics import topic_counts
from mealink.store.engine.database import Store
from mealink.store.mandates import MandateFilters, mandate, page_mandates
from mealink.store.progress import add_progress, history
from mealink.store.review import review as review_of
from mealink.store.search.facets import facets
from mealink.store.search.find import find
from mealink.store.search.hits import SearchFilters
from mealink.store.synergies import overlap_report
from mealink.store.users import add_user, list_users
from mealink.vocabulary import vocabulary
from mealink.web import schemas as s
from mealink.web.graph import lineage_edges
from mealink.web.security import check_csrf, current_user, may_read, require

__all__ = ["router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": s.Error, "description": text} for code, text in (
        (400, "the request cannot be answered as asked"),
        (401, "sign in or send an API token"), (403, "not allowed"),
        (404, "not in the corpus"), (422, "a parameter is not valid"))}
router = APIRouter(prefix="/api/v1", dependencies=[Depends(may_read)], responses=_ERRORS)

Limit = Annotated[int, Query(ge=1, le=500, description="how many items (at most 500)")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="how many items to skip")]
Text = Annotated[str | None, Query(max_length=200)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _as_of(value: str | None, name: str) -> AsOf | None:
    """A meeting or date of the query string, refused under its parameter's name."""
    return parse_as_of(value, name) if value else None


def _document(request: Request, value: str | None) -> str | None:
    """The stable id of the document a filter names: an id, a symbol or a citation
    ('CMS Res.11.10'), as the CLI and the pages take it."""
    return document_id(_store(request), value) if value and value.strip() else None


def _meeting(value: str | None) -> tuple[str | None, int | None]:
    """'COP13', 'CoP19', 'CMS:13' or '13': the convention it names (if any) and its number."""
    if value is None or not value.strip():
        return None, None
    m = _MEETING.fullmatch(value.strip())
    known = {c.id.lower(): c.id for c in vocabulary().conventions}
    conv = m.group("conv").strip() if m and m.group("conv") else None
    if m is None or (conv is not None and conv.lower() not in known):
        raise MealinkError(f"meeting {value!r}: give a meeting such as COP13, CMS:13 or 13"
                           + (f"; known conventions: {', '.join(known.values())}"
                              if m is not None else ""))
    return (known[conv.lower()] if conv else None), int(m.group("n"))


_MEETING = re.compile(r"(?:(?P<conv>[^:]+):)?\s*(?:[A-Za-z]{2,5}\s*)?(?P<n>\d{1,4})")


def mandate_filters(request: Request, actor: Text = None, convention: Text = None,
                    status: Text = None, in_force: bool | None = None, document: Text = None,
                    due_before: Text = None, due_after: Text = None,
                    time_bound: bool | None = None, strength: Text = None) -> MandateFilters:
    """The mandate filters of the query string (the same names and values as the CLI's
    options), each refused under its own name."""
    if status and status not in knowledge().statuses:
        raise MealinkError(f"status {status!r}: one of {', '.join(knowledge().statuses)}")
    _as_of(due_before, "due_before")
    _as_of(due_after, "due_after")
    return MandateFilters(actor, convention, status, in_force, _document(request, document),
                          due_before, due_after, time_bound, strength)


def search_filters(request: Request, convention: Text = None, document: Text = None,
                   meeting: Annotated[str | None, Query(
                       max_length=60, description="COP13, CMS:13 or 13")] = None,
                   kind: Text = None, verb: Text = None, actor: Text = None,
                   in_force: bool | None = None) -> SearchFilters:
    """The search filters of the query string (the values the CLI and the pages take)."""
    conv, number = _meeting(meeting)
    return SearchFilters(convention or conv, _document(request, document), number, kind,
                         verb, actor, in_force)


@router.get("/overview", response_model=s.Overview, summary="The corpus at a glance")
def get_overview(request: Request) -> Any:
    return overview(_store(request)).to_dict()


@router.get("/documents", response_model=s.Page[s.DocumentSummary], summary="Documents")
def get_documents(request: Request, convention: Text = None, type: Text = None,
                  in_force: bool | None = None, in_corpus: bool | None = True,
                  q: Text = None, limit: Limit = 50, offset: Offset = 0) -> Any:
    """Documents by convention and adoption; ``q`` looks in labels, symbols and titles;
    ``in_corpus=false`` lists texts known only from citations."""
    total, items = list_documents(_store(request), convention=convention, type=type,
                                  in_force=in_force, in_corpus=in_corpus, text=q,
                                  limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset,
            "items": [d.to_dict() for d in items]}


@router.get("/documents/{document_id:path}", response_model=s.Document,
            summary="A document with its paragraphs")
def get_document(request: Request, document_id: str,
                 lang: Annotated[str | None, Query(max_length=8, description="a language "
                                                   "it is stored in (fr, es)")] = None) -> Any:
    """By stable id (``cms/resolution/11.10``), symbol or citation; ``lang`` gives its
    expression in another language, ``expressions`` lists those stored."""
    return read_document(_store(request), document_id, lang).to_dict()


@router.get("/paragraphs/{paragraph_id:path}", response_model=s.Paragraph,
            summary="One paragraph")
def get_paragraph(request: Request, paragraph_id: str) -> Any:
    doc_id = paragraph_id.rsplit("/", 1)[0] if "/" in paragraph_id else paragraph_id
    try:
        page = read_document(_store(request), doc_id)
    except NotFoundError:
        page = None
    for p in page.paragraphs if page else ():
        if p.id == paragraph_id:
            return p.to_dict()
    raise NotFoundError(f"no paragraph {paragraph_id!r}; ids look like "
                        "'cms/resolution/11.10/para_28'")


@router.get("/search", response_model=s.SearchPage, summary="Search paragraphs")
def get_search(request: Request, q: Annotated[str, Query(min_length=1, max_length=500)],
               filters: Annotated[SearchFilters, Depends(search_filters)],
               mode: Annotated[Literal["hybrid", "semantic", "keyword"], Query(
                   description="hybrid: words and meaning fused; semantic: meaning "
                               "(sentence vectors); keyword: words")] = "hybrid",
               limit: Limit = 20, offset: Offset = 0) -> Any:
    """Ranked paragraphs, each with why it matched. Words: all must match, "phrases",
    ``-word``, ``OR``; a question in plain language works best in hybrid or semantic mode.
    Facet counts are of the paragraphs that contain the words, under the same filters;
    past 2,000 of them, estimated from a sample (``facets.sampled``) and marked ``about``.
    A paragraph below the similarity floor is left out unless it matches the words; when
    none is left, ``items`` is empty, ``nothing_close`` true and ``message`` says which
    paragraph was closest. With a quoted phrase, hybrid puts the paragraphs holding it
    first; the others carry ``why.related``. ``total`` is how many places the query's one
    ranking holds, every page together (``facets.total`` counts those holding every word);
    a page past the end is empty and its ``message`` says so."""
    store = _store(request)
    hits = find(store, q, filters, mode=mode, limit=limit, offset=offset)
    fac = facets(store, q, filters, total=hits.matched)
    return {"query": q, "mode": mode, "total": hits.ranked, "limit": limit, "offset": offset,
            "items": [h.to_dict() for h in hits], "facets": fac.to_dict(), **hits.to_dict()}


@router.get("/topics", response_model=list[s.TopicCount],
            summary="The topic vocabulary with paragraph counts per convention")
def get_topics(request: Request, min_score: Annotated[float, Query(ge=0, le=1)] = 0.3) -> Any:
    """Every topic (preferred label, broader topics, whether the label is InforMEA's LEO
    term) with how many paragraphs of each convention carry it."""
    return [c.to_dict() for c in topic_counts(_store(request), min_score=min_score)]


@router.get("/overlaps", response_model=s.Overlaps,
            summary="In-force mandates of different conventions that ask for the same work")
def get_overlaps(request: Request, topic: Text = None, actor: Text = None,
                 conventions: Annotated[str | None, Query(
                     max_length=200, description="comma separated: CMS,CBD")] = None,
                 threshold: Annotated[float | None, Query(gt=0, le=1)] = None) -> Any:
    """Pairs ranked by similarity (shared words as spans into each action), clusters
    labelled by topic, and per cross-cutting issue the conventions that address it with a
    suggested lead and its evidence."""
    names = [c.strip() for c in conventions.split(",") if c.strip()] if conventions else None
    return overlap_report(_store(request), topic=topic, actor=actor, conventions=names,
                          threshold=threshold).to_dict()


@router.get("/status/{document_id:path}", response_model=s.Status,
            summary="Whether a text or paragraph is in force, and what that rests on")
def get_status(request: Request, document_id: str, as_of: Text = None) -> Any:
    """By stable id, paragraph id, symbol or citation (``CMS Resolution 7.9``); ``as_of`` a
    meeting of the text's convention (COP14) or a date. ``in_force`` is null when it cannot
    be told (a text known only from citations: "no repeal known")."""
    return status_of_text(_store(request), document_id,
                          _as_of(as_of, "as_of")).to_dict()


@router.get("/in-force", response_model=s.Page[s.Status],
            summary="Texts in force, each with what that rests on")
def get_in_force(request: Request, convention: Text = None, as_of: Text = None,
                 include_cited: bool = False, limit: Limit = 50, offset: Offset = 0) -> Any:
    """Stored texts in force, wholly or in part; ``include_cited`` adds texts known only from
    citations that nothing known repeals ("no repeal known")."""
    rows = in_force(_store(request), convention, _as_of(as_of, "as_of"),
                    include_cited=include_cited)
    return {"total": len(rows), "limit": limit, "offset": offset,
            "items": [r.to_dict() for r in rows[offset:offset + limit]]}


@router.get("/lineage/{document_id:path}", response_model=s.Lineage,
            summary="What revised, repealed, retired and cites what around a document")
def get_lineage(request: Request, document_id: str, citations: bool = False,
                depth: Annotated[int, Query(ge=1, le=8)] = 4) -> Any:
    up, down = lineage_of(_store(request), document_id, citations=citations, depth=depth)
    return {"document_id": up.document_id, "ancestors": up.to_dict(),
            "descendants": down.to_dict(),
            "edges": [e.to_dict() for e in lineage_edges(up, down)]}


@router.get("/mandates", response_model=s.Page[s.Mandate], summary="Mandates")
def get_mandates(request: Request, filters: Annotated[MandateFilters, Depends(mandate_filters)],
                 limit: Limit = 50, offset: Offset = 0) -> Any:
    """Mandates in the texts' order; ``actor`` takes a name, an alias or a role."""
    total, items = page_mandates(_store(request), filters, limit=limit, offset=offset,
                                 with_text=False)
    return {"total": total, "limit": limit, "offset": offset,
            "items": [m.to_dict() for m in items]}


def _page(items: list[Any], limit: int, offset: int) -> dict[str, Any]:
    """A page of a list that is small enough to read whole (history, users)."""
    return {"total": len(items), "limit": limit, "offset": offset,
            "items": [i.to_dict() for i in items[offset:offset + limit]]}


@router.get("/mandates/{mandate_id:path}/progress", response_model=s.Page[s.ProgressEntry],
            summary="A mandate's progress entries, oldest first")
def get_progress(request: Request, mandate_id: str, limit: Limit = 50,
                 offset: Offset = 0) -> Any:
    mandate(_store(request), mandate_id)  # 404 for an unknown mandate
    return _page(history(_store(request), mandate_id), limit, offset)


@router.post("/mandates/{mandate_id:path}/progress", response_model=s.ProgressEntry,
             status_code=201, summary="Record progress (editors)",
             responses={409: {"model": s.Error, "description": "someone wrote since"}})
def post_progress(request: Request, mandate_id: str, entry: s.ProgressIn) -> Any:
    """Append an attributed entry (status, note, evidence). Needs the editor role: an API
    token, or a session cookie with the ``X-CSRF-Token`` header."""
    user = require(request, "editor")
    check_csrf(request, None)
    made = add_progress(_store(request), mandate_id, user.name, status=entry.status,
                        note=entry.note, evidence=entry.evidence,
                        expected_seq=entry.expected_seq)
    return JSONResponse(made.to_dict(), status_code=201)


@router.get("/mandates/{mandate_id:path}", response_model=s.MandateDetail,
            summary="A mandate with its history")
def get_mandate(request: Request, mandate_id: str) -> Any:
    m = mandate(_store(request), mandate_id)
    return {**m.to_dict(), "text": m.text,
            "history": [e.to_dict() for e in history(_store(request), mandate_id)]}


@router.get("/review", response_model=s.Review, summary="Review of decisions")
def get_review(request: Request, convention: Annotated[str, Query(min_length=1,
                                                                    max_length=60)],
               as_of: Text = None) -> Any:
    """What to repeal in full, in part, and what to consolidate, before a meeting."""
    return review_of(_store(request), convention, _as_of(as_of, "as_of")).to_dict()


@router.get("/me", response_model=s.UserOut | None, summary="Who is signed in")
def get_me(request: Request) -> Any:
    user = current_user(request)
    return user.to_dict() if user else None


@router.get("/users", response_model=s.Page[s.UserOut], summary="Users (admins)")
def get_users(request: Request, limit: Limit = 50, offset: Offset = 0) -> Any:
    require(request, "admin")
    return _page(list_users(_store(request)), limit, offset)


@router.post("/users", response_model=s.UserOut, status_code=201, summary="Add a user (admins)",
             responses={409: {"model": s.Error, "description": "the name is taken"}})
def post_user(request: Request, user: s.UserIn) -> Any:
    require(request, "admin")
    check_csrf(request, None)
    made = add_user(_store(request), user.name, user.role, user.password)
    return JSONResponse(made.to_dict(), status_code=201)
