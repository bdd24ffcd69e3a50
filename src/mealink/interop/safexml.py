"""Parse XML from outside without trusting it: no DTD loaded, no entity expanded, no file
or network fetched, no tree deeper or bigger than a decision can be.

lxml's defaults resolve internal entities (so a "billion laughs" file expands in memory)
and would load an external DTD if asked; this parser turns all of that off and refuses a
document that declares entities at all, because no Akoma Ntoso file needs them.
"""

from __future__ import annotations

from lxml import etree

from mealink.errors import LoadError

__all__ = ["parse_xml"]

_PARSER_OPTIONS = {
    "resolve_entities": False, "no_network": True, "load_dtd": False, "dtd_validation": False,
    "huge_tree": False, "remove_comments": True, "remove_pis": True,
}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(**_PARSER_OPTIONS)  # type: ignore[arg-type]


def parse_xml(data: bytes, name: str) -> etree._Element:
    """The root element of ``data``; a ``LoadError`` naming ``name`` for XML that is
    malformed or declares a DTD or entities (external entities, entity-expansion bombs)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"<!DOCTYPE" in data[:65536].upper() or b"<!ENTITY" in data.upper():
        raise LoadError("declares a DTD or entities; mealink does not read XML with <!DOCTYPE> "
                        "or <!ENTITY> (they can fetch files or expand without limit)",
                        source=name)
    if not head.startswith(b"<"):
        raise LoadError("is not XML (it does not start with '<')", source=name)
    try:
        tree = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line = f" at line {exc.lineno}" if exc.lineno else ""
        raise LoadError(f"is not well-formed XML{line} ({exc.msg})", source=name) from None
    if tree.getroottree().docinfo.internalDTD is not None:  # belt and braces
        raise LoadError("declares a DTD; mealink does not read XML with <!DOCTYPE>", source=name)
    return tree
