"""The tables that quick read paths query (``mealink status``, a text's lineage, the meeting
calendar) as lightweight Core constructs, so those commands run without the ORM: importing
``sqlalchemy.orm`` and declaring every mapped class of ``schema.py`` costs a command about a
tenth of a second at start. Only the columns read are named; each carries the type its
value is read back with (a date, a boolean), and ``tests/test_tables.py`` holds every name
and type to ``schema.py``'s, which stays the one definition of the database."""

from __future__ import annotations

import hashlib

from sqlalchemy import Boolean, Date, Integer, String, Text, column, table

__all__ = ["citations", "document_keys", "documents", "edges", "paragraphs", "text_hash"]


def text_hash(text: str) -> str:
    """The SHA-256 of a paragraph's text: the key of its sentence vector."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


documents = table(
    "documents", column("id", String), column("work_id", String),
    column("convention", String), column("type", String), column("revision", String),
    column("label", String), column("symbol", String), column("title", Text),
    column("adopted_at", Text), column("meeting", Integer), column("adopted_on", Date),
    column("is_stub", Boolean), column("status", String), column("adoption", String),
    column("adopted_by", Text), column("adoption_evidence", Text),
    column("identified_by", Text), column("page_status", Text),
    column("expression_of", String))

document_keys = table("document_keys", column("key", String), column("document_id", String))

edges = table(
    "edges", column("pk", Integer), column("source_id", String),
    column("paragraph_id", String), column("relation", String), column("target_key", String),
    column("target_id", String), column("paragraphs", Text), column("derived", Boolean))

citations = table(
    "citations", column("pk", Integer), column("document_id", String),
    column("paragraph_pk", Integer), column("written", Text), column("type", String),
    column("identifier", Text), column("target_key", String),
    column("target_label", String), column("target_id", String))

paragraphs = table(
    "paragraphs", column("pk", Integer), column("id", String), column("document_id", String),
    column("anchor", String), column("number", String), column("aligned_to", String))
