"""Where an annotation sits, said so that it survives export and import: in which paragraph
(or footnote) and at which offsets of its text as mealink stores it (whitespace collapsed).

A ``Mention``'s span points into ``Document.text`` as read, hard line wraps and all; a
paragraph's ``text`` is that stretch with whitespace collapsed. ``Locator`` turns the one
into the other, so an Akoma Ntoso file can carry the offsets and a reader can rebuild the
span in a text made of the paragraphs alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from mealink.models import Document, Span

__all__ = ["Locator", "Region", "collapsed_offset"]


def collapsed_offset(raw: str, k: int) -> int:
    """The offset in ``" ".join(raw.split())`` of the character at ``raw[k]``."""
    prefix = raw[:k]
    words = prefix.split()
    out = len(" ".join(words))
    if words and prefix[-1].isspace():
        out += 1
    return out


@dataclass(frozen=True, slots=True)
class Region:
    """A stretch of ``Document.text`` whose collapsed text is exported: a paragraph body or a
    footnote, named by the ``key`` of the element that holds it."""

    key: str
    span: Span
    text: str


class Locator:
    """Maps spans of one document to (region key, start, end) in the region's text."""

    def __init__(self, doc: Document, regions: list[Region]) -> None:
        self.doc = doc
        self.regions = regions

    def locate(self, span: Span) -> tuple[str, int, int] | None:
        """The region holding ``span`` and the offsets in its text; None when no exported
        text holds it (a label in the page header, say)."""
        for r in self.regions:
            if r.span.start <= span.start and span.end <= r.span.end:
                raw = self.doc.text[r.span.start:r.span.end]
                s = collapsed_offset(raw, span.start - r.span.start)
                e = collapsed_offset(raw, span.end - r.span.start)
                want = " ".join(self.doc.text[span.start:span.end].split())
                if r.text[s:e] != want:  # the region's text is not the stretch verbatim
                    found = _nearest(r.text, want, s)
                    if found is None:
                        continue
                    s, e = found, found + len(want)
                return r.key, s, e
        return None


def _nearest(text: str, want: str, around: int) -> int | None:
    """The start of the occurrence of ``want`` in ``text`` nearest to ``around``."""
    if not want:
        return None
    best: int | None = None
    i = text.find(want)
    while i >= 0:
        if best is None or abs(i - around) < abs(best - around):
            best = i
        i = text.find(want, i + 1)
    return best
