"""``GET /api/v1/diff?a=&b=``: what changed between two stored versions of a text, the same
comparison as ``mealink diff --format json``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from mealink.store.corpus.versions import diff_stored
from mealink.store.engine.database import Store
from mealink.web import schemas as s
from mealink.web.security import may_read

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", dependencies=[Depends(may_read)], responses={
    code: {"model": s.Error, "description": text} for code, text in (
        (400, "the request cannot be answered as asked"), (404, "not in the corpus"),
        (422, "a parameter is not valid"))})

Name = Annotated[str, Query(min_length=1, max_length=200,
                            description="a stable id, symbol or citation of a stored text")]


@router.get("/diff", response_model=s.Diff, summary="What changed between two versions")
def get_diff(request: Request, a: Name, b: Name) -> Any:
    """Paragraphs unchanged, changed, added, deleted and moved from ``a`` (the earlier
    version) to ``b``, with the word runs of each change and their spans."""
    store: Store = request.app.state.store
    return diff_stored(store, a, b).to_dict()
