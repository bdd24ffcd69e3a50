"""Exports through the API, by URL suffix as datasette does: a document as Akoma Ntoso
(``/api/v1/documents/{id}.akn.xml``) or as an InforMEA record (``.informea.json``), and the
corpus tables (``/api/v1/export/{table}.csv``) streamed as they are read. The same library
calls as ``mealink export``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from mealink.export import akn_export_bytes, akn_file_name
from mealink.export.documents import StoredDocument, iter_stored, select_documents
from mealink.export.informea import informea_record
from mealink.export.tables import csv_chunks, table_columns
from mealink.store.engine.database import Store
from mealink.web import schemas as s
from mealink.web.security import may_read

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", dependencies=[Depends(may_read)], responses={
    code: {"model": s.Error, "description": text} for code, text in (
        (400, "the request cannot be answered as asked"), (404, "not in the corpus"))})


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _one(store: Store, document_id: str) -> StoredDocument:
    return next(iter_stored(store, select_documents(store, [document_id])))


@router.get("/documents/{document_id:path}.akn.xml", summary="A document as Akoma Ntoso 3.0",
            response_class=Response, responses={200: {"content": {"application/akn+xml": {}}}})
def get_document_akn(request: Request, document_id: str) -> Response:
    """The ``statement`` of ``mealink export akn``, valid against the OASIS schema."""
    sd = _one(_store(request), document_id)
    return Response(akn_export_bytes(sd), media_type="application/akn+xml", headers={
        "content-disposition": f'inline; filename="{akn_file_name(sd.akn.id)}"'})


@router.get("/documents/{document_id:path}.informea.json",
            summary="A document as an InforMEA decision record")
def get_document_informea(request: Request, document_id: str) -> Any:
    """The record with mealink's extension (``mealink``: paragraphs, actors, lineage)."""
    return informea_record(_one(_store(request), document_id),
                           str(request.base_url).rstrip("/"))


@router.get("/export/{table}.csv", summary="A table of the corpus as CSV",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}}})
def get_table_csv(request: Request, table: str, document: str | None = None
                  ) -> StreamingResponse:
    """``documents``, ``paragraphs``, ``mandates`` or ``references``: one row per item under
    its stable id, streamed; ``document`` keeps the rows of one text."""
    store = _store(request)
    table_columns(table)  # an unknown table is a 400 before the response starts
    scope = select_documents(store, [document]) if document else None
    return StreamingResponse(csv_chunks(store, table, scope),
                             media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="mealink-{table}.csv"'})
