"""The key a sentence vector is stored under: the hash of the text it was made from, so a
text shared by many paragraphs (or by two versions of a resolution) is embedded once."""

from __future__ import annotations

import hashlib

__all__ = ["text_hash"]


def text_hash(text: str) -> str:
    """The SHA-256 of a paragraph's text: the key of its sentence vector."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
