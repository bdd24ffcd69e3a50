"""What an Akoma Ntoso export of one document is made from: the annotated ``Document`` and
what only the corpus knows of it (its id, status, the texts that changed it, where its
references lead). Built by ``mealink.export`` from the store; pure data here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from mealink.interop.frbr import WorkName
from mealink.models import Document

__all__ = ["AknAct", "AknInput"]


@dataclass(frozen=True, slots=True)
class AknAct:
    """A lineage act between this text and another: ``relation`` as mealink names it
    (repeals, revises ...), the other text's work URI, label and adoption date, and the
    paragraphs concerned (of the text acted on)."""

    relation: str
    other_uri: str
    other_label: str
    day: date | None
    paragraphs: tuple[str, ...] = ()
    source_anchor: str | None = None  # the paragraph of the acting text, when known


@dataclass(slots=True)
class AknInput:
    """One document with its corpus context."""

    doc: Document
    id: str
    label: str
    type: str
    name: WorkName
    status: str = "in force"
    in_force: bool = True
    status_by: str | None = None
    anchors: list[str] = field(default_factory=list)
    paragraph_in_force: list[bool] = field(default_factory=list)
    acted_on_by: list[AknAct] = field(default_factory=list)  # others on this text
    acts: list[AknAct] = field(default_factory=list)  # this text on others
    reference_uris: dict[tuple[int, int, int], str] = field(default_factory=dict)
    # (paragraph index, span start, span end) of a reference -> the URI it leads to
