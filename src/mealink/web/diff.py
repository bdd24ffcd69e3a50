"""The page ``/diff?a=&b=``: two stored versions of a text compared, inserted words
underlined and deleted ones struck through; without both names, the form that asks for
them. ``?format=json`` and ``?format=markdown`` give the same comparison as the API and the
CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from markupsafe import Markup

from mealink.store.corpus.versions import diff_stored
from mealink.store.engine.database import Store
from mealink.versions import html_fragment, markdown
from mealink.web.pages import render
from mealink.web.security import may_read

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Str = Annotated[str | None, Query(max_length=200)]


@router.get("/diff", response_class=HTMLResponse)
def diff_page(request: Request, a: Str = None, b: Str = None, format: Str = None
              ) -> Response:
    may_read(request)
    if not (a and a.strip() and b and b.strip()):
        return render(request, "diff.html", diff=None, a=a or "", b=b or "", body=None)
    store: Store = request.app.state.store
    diff = diff_stored(store, a, b)
    if format == "json":
        return JSONResponse(diff.to_dict())
    if format == "markdown":
        return PlainTextResponse(markdown(diff), media_type="text/markdown; charset=utf-8")
    body = Markup(html_fragment(diff))  # every text escaped by versions.render
    return render(request, "diff.html", diff=diff, a=a, b=b, body=body)
