"""``GET /api/v1/diff?a=&b=``: what changed between two stored versions of a text, the same
comparison as ``mealink diff --format json``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from mealink.store.corpus.versions import diff_stored
from mealink.store.engine.database import Store
from mealink.web import schemas as s
from mealink.web.security import may_read

__all__ = ["Diff", "router"]


class DiffSide(BaseModel):
    index: int = Field(description="the paragraph's place in its version, from 0")
    label: str = Field(description="'¶5', or 'pre 3' for the third unnumbered preamble paragraph")
    kind: str
    number: str | None
    text: str
    span: list[int] = Field(description="[start, end) of the text in its version's text")


class DiffRun(BaseModel):
    op: Literal["equal", "insert", "delete"]
    text: str
    a: list[int] | None = Field(description="[start, end) in the earlier paragraph's text")
    b: list[int] | None = Field(description="[start, end) in the later paragraph's text")


class DiffChange(BaseModel):
    status: Literal["unchanged", "changed", "moved", "added", "deleted"]
    part: str = Field(description="preamble, operative or heading")
    title: str = Field(description="'¶5 → ¶6': its label in each version, '—' where absent")
    a: DiffSide | None
    b: DiffSide | None
    similarity: float
    renumbered: bool
    reordered: bool
    runs: list[DiffRun]


class Diff(BaseModel):
    a: str
    b: str
    identical: bool
    summary: str
    counts: dict[str, int]
    changes: list[DiffChange]

router = APIRouter(prefix="/api/v1", dependencies=[Depends(may_read)], responses={
    code: {"model": s.Error, "description": text} for code, text in (
        (400, "the request cannot be answered as asked"), (404, "not in the corpus"),
        (422, "a parameter is not valid"))})

Name = Annotated[str, Query(min_length=1, max_length=200,
                            description="a stable id, symbol or citation of a stored text")]


@router.get("/diff", response_model=Diff, summary="What changed between two versions")
def get_diff(request: Request, a: Name, b: Name) -> Any:
    """Paragraphs unchanged, changed, added, deleted and moved from ``a`` (the earlier
    version) to ``b``, with the word runs of each change and their spans."""
    store: Store = request.app.state.store
    return diff_stored(store, a, b).to_dict()
