"""Link: identifiers, citations, lineage edges and in-force rules (pure; the store applies
them to the whole corpus).

``citation_keys`` / ``document_keys`` normalise identifiers, ``document_links`` finds what a
document cites, repeals and retires, ``status_of`` tells whether a text is in force.
"""

from mealink.link.identifiers import DocKey, citation_keys, document_keys, parse_key
from mealink.link.lineage import Citation, DocumentLinks, Edge, document_links
from mealink.link.scopes import expand_paragraphs
from mealink.link.status import AsOf, Status, parse_as_of, status_of

__all__ = ["AsOf", "Citation", "DocKey", "DocumentLinks", "Edge", "Status", "citation_keys",
           "document_keys", "document_links", "expand_paragraphs", "parse_as_of", "parse_key",
           "status_of"]
