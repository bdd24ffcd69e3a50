"""Turning library objects into HTML and CSV for the pages: the Jinja2 environment (every
value escaped unless built here as markup), annotated paragraph text, search snippets, and
CSV downloads safe to open in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.responses import Response

from mealink.link.status import PAST
from mealink.reports.tables import safe_cell
from mealink.store.corpus.documents import CitationView, Mark
from mealink.synergies.overlaps import MandateItem

__all__ = ["cited_href", "csv_response", "doc_href", "environment", "marked", "named",
           "query_url", "snippet"]

_MARK_NAMES = {"actor": "actor", "deadline": "deadline", "condition": "condition"}
#: a label that is only the name of the file a text came from (no symbol, no title)
_FILE_NAME = re.compile(r"^[\w.+~-]+\.(?:txt|md|markdown|html?|pdf|docx|json|xml)$", re.I)


def ordinal_suffix(n: int) -> str:
    """'st', 'nd', 'rd' or 'th': 1st, 2nd, 3rd, 11th, 22nd."""
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def named(label: str, convention: str | None = None) -> str:
    """What names a text on a page: its label, but never the file it came from (a text
    with neither symbol nor title is said to be one)."""
    if not _FILE_NAME.match(label.strip()):
        return label
    return f"{convention + ' text' if convention else 'Text'} without symbol or title"


def place(item: MandateItem) -> str:
    """Where a mandate of the synergies tables is ('CMS Resolution 13.5 ¶5'), its text named
    as ``named`` names it."""
    return item.where.replace(item.document, named(item.document, item.convention), 1)


def cited_href(citation: CitationView) -> str:
    """Where a citation leads: the cited text's page, its status page when only citations
    know it, or a search for what is written when mealink cannot tell which text it is."""
    if citation.target_id:
        return doc_href(citation.target_id)
    return query_url("/search", {"q": citation.written})


def doc_href(document_id: str, anchor: str | None = None) -> str:
    """The page of a document (``/cms/resolution/11.10``), optionally at a paragraph."""
    href = "/" + quote(document_id, safe="/.-_~")
    return f"{href}#{quote(anchor, safe='_()-.')}" if anchor else href


def _missing_target(m: Mark, citations: Sequence[CitationView]) -> str:
    """The status page (or search) of a reference whose text is not in the corpus."""
    for c in citations:
        if not c.in_corpus and (c.target_label or c.written) == m.title:
            return cited_href(c)
    return query_url("/search", {"q": m.title})


def marked(text: str, marks: Sequence[Mark], lead: str | None = None,
           citations: Sequence[CitationView] = ()) -> Markup:
    """A paragraph's text with its actors, references, deadlines and conditions marked up;
    references lead to the cited text, or to what is known of a text not in the corpus
    and say so. ``lead`` (a preamble's opening words) is set in italics, as printed."""
    out: list[str] = []
    pos = 0
    stripped = text.lstrip()
    if lead and stripped.startswith(lead) and not any(m.start < len(text) - len(stripped) +
                                                      len(lead) for m in marks):
        pos = len(text) - len(stripped) + len(lead)
        out.append(f'{escape(text[:pos - len(lead)])}<em class="lead-words">'
                   f'{escape(lead)}</em>')
    for m in marks:
        if m.start < pos or m.end > len(text):
            continue
        out.append(str(escape(text[pos:m.start])))
        inner = escape(text[m.start:m.end])
        if m.kind == "reference":
            if m.target:
                out.append(f'<a class="ref" href="{escape(doc_href(m.target))}" '
                           f'title="{escape(m.title)}">{inner}</a>')
            else:
                out.append(f'<a class="ref missing" href="{escape(_missing_target(m, citations))}"'
                           f' title="{escape(m.title)}: not in the corpus">{inner}<span '
                           f'class="visually-hidden"> (not in the corpus)</span></a>')
        else:
            label = _MARK_NAMES.get(m.kind, m.kind)
            title = m.title if m.kind == "actor" else label
            out.append(f'<mark class="{label}" title="{escape(label)}: {escape(title)}">'
                       f'{inner}</mark>')
        pos = m.end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def snippet(text: str, highlights: Iterable[Sequence[int]]) -> Markup:
    """A search snippet with the matched words in <mark>."""
    out: list[str] = []
    pos = 0
    for start, end in highlights:
        if start < pos:
            continue
        out.append(f"{escape(text[pos:start])}<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def query_url(path: str, params: dict[str, Any], **changes: Any) -> str:
    """``path`` with the query ``params`` changed (None drops a parameter)."""
    merged = {**params, **changes}
    kept = {k: v for k, v in merged.items() if v not in (None, "", False)}
    return path + ("?" + urlencode(kept) if kept else "")


def _csv_value(value: Any) -> Any:
    """A cell as every CSV of mealink writes it: nothing for None, true/false for a yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download; cells that a spreadsheet would run as formulas are neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        w.writerow([safe_cell(_csv_value(v)) for v in row])
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}.csv"'})


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The templates, escaping every value by default."""
    env = Environment(loader=PackageLoader("mealink.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters["marked"] = marked
    env.filters["snippet"] = snippet
    env.filters["past"] = lambda relation: PAST.get(relation, relation)
    env.filters["named"] = named
    env.filters["place"] = place
    env.filters["ordinal_suffix"] = ordinal_suffix
    env.globals["doc_href"] = doc_href
    env.globals["cited_href"] = cited_href
    env.globals["query_url"] = query_url
    return env
