"""Interoperability codecs: mealink documents to and from the standards around them.

Akoma Ntoso 3.0 (``akn_write``, ``akn_read``), InforMEA decision records (``informea``),
with XML read safely (``safexml``). Pure functions: the store-facing side is
``mealink.export``; ``read_document`` is what ingest and export call on kept bytes.
"""

from mealink.interop.sniff import (
    file_documents,
    files_read,
    iter_documents,
    read_document,
    sniff_format,
)

__all__ = ["file_documents", "files_read", "iter_documents", "read_document", "sniff_format"]
