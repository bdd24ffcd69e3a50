"""Harmonised national reporting on the web: the page ``/reporting`` (the questionnaires kept
and the coverage of the answers, as HTML, JSON or CSV), a kept questionnaire as a page, a
spreadsheet or JSON, and the API under ``/api/v1/reporting``. The same library calls as
``mealink reporting``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mealink.errors import MealinkError
from mealink.reporting.questions import Template
from mealink.reporting.rules import reporting_rules
from mealink.reports.questionnaire import read_answers, write_template_xlsx
from mealink.store.engine.database import Store
from mealink.store.reporting import (
    ImportSummary,
    coverage,
    import_answers,
    make_template,
    stored_template,
    templates_of,
)
from mealink.web import schemas as s
from mealink.web import schemas_reporting as sr
from mealink.web.pages import render
from mealink.web.render import csv_response
from mealink.web.security import check_csrf, may_read, require

__all__ = ["api_router", "pages_router"]

Text = Annotated[str | None, Query(max_length=200)]
Merge = Annotated[list[str] | None, Query(
    max_length=2000, description="question ids to merge into one, comma-separated; repeat "
                                 "the parameter (or separate groups by ';') for more groups")]
Upload = Annotated[UploadFile, File(description="the answered questionnaire (.xlsx)")]
Party = Annotated[str, Form(max_length=200, description="the Party whose answers these are")]
Cycle = Annotated[str, Form(max_length=20, description="the reporting cycle: 2026")]
api_router = APIRouter(prefix="/api/v1/reporting", dependencies=[Depends(may_read)],
                       responses={code: {"model": s.Error, "description": text}
                                  for code, text in ((400, "the request cannot be answered "
                                                           "as asked"),
                                                     (404, "no such questionnaire"))})
pages_router = APIRouter(include_in_schema=False)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MANDATE_COLUMNS = ["cycle", "question", "convention", "document", "paragraph", "mandate",
                    "parties", "answers"]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _templates(store: Store) -> list[dict[str, Any]]:
    return [{"id": t, "conventions": list(c), "as_of": a, "questions": n}
            for t, c, a, n in templates_of(store)]


@api_router.get("/templates", response_model=list[sr.ReportTemplateSummary],
                summary="The national-report questionnaires kept, newest first")
def get_templates(request: Request) -> Any:
    """Each kept questionnaire: its id (a hash of its questions), conventions, as-of."""
    return _templates(_store(request))


@api_router.get("/templates/{template_id}", response_model=sr.ReportTemplate,
                summary="A kept questionnaire with its questions")
def get_template(request: Request, template_id: str) -> Any:
    """Every question with the mandates it answers, its kind of answer and why."""
    return stored_template(_store(request), template_id).to_dict()


@api_router.get("/coverage", response_model=sr.ReportCoverage,
                summary="How the Parties answered: per mandate, and per Party what is open")
def get_coverage(request: Request, convention: Text = None, cycle: Text = None) -> Any:
    """Per mandate and cycle, how many Parties answered and what; per Party, the numbers
    of the questions it left unanswered."""
    return coverage(_store(request), convention=convention or None,
                    cycle=cycle or None).to_dict()


@pages_router.get("/reporting", response_class=HTMLResponse)
def reporting_page(request: Request, convention: Text = None, cycle: Text = None,
                   format: Text = None) -> Response:
    may_read(request)
    store = _store(request)
    params = {"convention": convention, "cycle": cycle}
    result, error = None, None
    try:
        result = coverage(store, convention=convention or None, cycle=cycle or None)
    except MealinkError as exc:
        error = exc.message
    if result is not None and format == "json":
        return JSONResponse(result.to_dict())
    if result is not None and format == "csv":
        return csv_response("coverage", _MANDATE_COLUMNS, [
            [m.cycle, m.question, m.convention, m.document, m.paragraph, m.mandate_id,
             m.parties, "; ".join(f"{k}: {v}" for k, v in m.answers.items())]
            for m in result.mandates])
    return render(request, "reporting.html", templates=_templates(store), result=result,
                  error=error, params=params)


@api_router.get("/template", response_model=sr.ReportTemplate,
                summary="The questionnaire the corpus gives now for some conventions")
def get_new_template(request: Request, conventions: Annotated[str, Query(
        max_length=200, description="comma separated: CMS,CBD,Ramsar")],
                     as_of: Text = None, merge: Merge = None) -> Any:
    """Built as `mealink reporting template` builds it, not kept (reading writes nothing):
    a question per in-force mandate addressed to Parties, merged across conventions where
    the overlaps find the same work and where ``merge`` asks (question ids, comma-separated,
    repeated per group)."""
    return make_template(_store(request), conventions.split(","), as_of=as_of or None,
                         merges=_merges(merge)).to_dict()


def _merges(merge: list[str] | None) -> list[tuple[str, ...]]:
    """Groups of question ids to merge: each value one group (ids comma-separated), or
    several separated by ";" (as a page's links carry them)."""
    return [tuple(g.split(",")) for m in merge or [] for g in m.split(";") if g.strip()]


@pages_router.get("/reporting/template")
def new_template_page(request: Request, conventions: Text = None, as_of: Text = None,
                      format: Text = None, party: Text = None, merge: Merge = None
                      ) -> Response:
    """The questionnaire the corpus gives now (not kept: the import keeps it when a Party's
    answers come back), as a page, a spreadsheet or JSON."""
    may_read(request)
    t = make_template(_store(request), (conventions or "").split(","), as_of=as_of or None,
                      merges=_merges(merge))
    return _questionnaire(request, t, format, party, kept=False, params={
        "conventions": conventions, "as_of": as_of, "party": party,
        "merge": ";".join(merge or []) or None})


@pages_router.get("/reporting/templates/{template_id}")
def template_page(request: Request, template_id: str, format: Text = None,
                  party: Text = None) -> Response:
    """A kept questionnaire, print-ready; ``format=xlsx`` the spreadsheet to fill in,
    ``format=json`` its questions."""
    may_read(request)
    return _questionnaire(request, stored_template(_store(request), template_id), format,
                          party, kept=True, params={"party": party})


def _questionnaire(request: Request, t: Template, format: str | None, party: str | None, *,
                   kept: bool, params: dict[str, str | None]) -> Response:
    """A questionnaire as JSON, the spreadsheet to fill in, or a page of the site."""
    if format == "json":
        return JSONResponse(t.to_dict())
    if format == "xlsx":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "questionnaire.xlsx"
            write_template_xlsx(t, path, party or None)
            data = path.read_bytes()
        return Response(data, media_type=_XLSX, headers={
            "Content-Disposition": f'attachment; filename="questionnaire-{t.id}.xlsx"'})
    return render(request, "questionnaire.html", t=t, party=party, kept=kept, params=params,
                  kinds=reporting_rules().kinds)


def _import(request: Request, upload: UploadFile, party: str, cycle: str) -> ImportSummary:
    """A Party's answered copy, as uploaded, stored as ``mealink reporting import`` does
    (the body's size is limited before it is read: ``middleware.MAX_BODY``)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers.xlsx"
        path.write_bytes(upload.file.read())
        given = read_answers(path, Path(upload.filename or "the upload").name)
        return import_answers(_store(request), given, party, cycle)


@api_router.post("/answers", response_model=sr.ReportImport,
                 summary="Store a Party's answers and record them as progress (editors)")
def post_answers(request: Request, file: Upload, party: Party, cycle: Cycle,
                 csrf_token: Annotated[str, Form(max_length=200)] = "") -> Any:
    """The answered spreadsheet of a kept (or rebuildable) questionnaire: each new answer
    stored once and recorded as progress on every mandate its question answers; a changed
    questionnaire or a bad answer stores nothing (400, with what is wrong)."""
    require(request, "editor")
    check_csrf(request, csrf_token)
    return _import(request, file, party, cycle).to_dict()


@pages_router.post("/reporting/import")
def import_page(request: Request, file: Upload, party: Party, cycle: Cycle,
                csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """The same from the page's form; back to the coverage with what was stored."""
    require(request, "editor")
    check_csrf(request, csrf_token)
    done = _import(request, file, party, cycle)
    request.session["flash"] = (f"{done.party}, {done.cycle}: {done.added} answers stored, "
                                f"{done.unchanged} already stored, {done.progress} progress "
                                "entries.")
    return RedirectResponse(f"/reporting?cycle={done.cycle}", status_code=303)
