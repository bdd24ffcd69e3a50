"""Readable terminal views (Rich) of parsed documents and evaluation scores."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mealink.models import Document

_KIND_STYLE = {"heading": "bold magenta", "preamble": "cyan", "operative": "green"}


def _snippet(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def document_view(doc: Document) -> Panel:
    """The document at a glance: metadata, then one row per paragraph."""
    meta = Text()
    for label, value in (("symbol", doc.symbol), ("convention", doc.convention),
                         ("title", doc.title), ("adopted", doc.adopted_at),
                         ("revision", doc.revision)):
        if value:
            meta.append(f"{label}: ", style="bold")
            meta.append(f"{value}\n")
    counts = {k: sum(p.kind == k for p in doc.paragraphs)
              for k in ("heading", "preamble", "operative")}
    meta.append(f"{counts['preamble']} preamble, {counts['operative']} operative, "
                f"{counts['heading']} heading paragraphs", style="dim")
    table = Table(show_lines=False, expand=True, pad_edge=False)
    table.add_column("¶", style="bold", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("verb / lead", no_wrap=True)
    table.add_column("actors", style="yellow")
    table.add_column("references / repeals", style="blue")
    table.add_column("text", ratio=3)
    for p in doc.paragraphs:
        refs = ", ".join(r.text for r in p.references)
        if p.repeals:
            refs += ("\n" if refs else "") + "REPEALS " + "; ".join(r.value for r in p.repeals)
        extra = []
        if p.deadline:
            extra.append(f"⏰ {p.deadline.value}")
        if p.condition:
            extra.append(f"⚑ {p.condition}")
        verb = p.verb.value if p.verb else (p.lead.value if p.lead else "")
        table.add_row(
            p.number or "",
            Text(p.kind, style=_KIND_STYLE[p.kind]),
            verb,
            ", ".join(a.value for a in p.actors),
            Text(refs, style="bold red" if p.repeals else "blue"),
            _snippet(p.text) + ("\n" + "  ".join(extra) if extra else ""),
        )
    title = doc.symbol or doc.title or doc.source
    return Panel(Group(meta, table), title=f"[bold]{title}[/]", subtitle=doc.source,
                 title_align="left")


def scores_table(rows: list[tuple[str, dict[str, float]]], total: dict[str, float],
                 targets: dict[str, float]) -> Table:
    """Per-document and corpus scores, with the targets the corpus total must reach."""
    names = list(total)
    table = Table(title="mealink eval", expand=False)
    table.add_column("document")
    for n in names:
        table.add_column(n.replace("segmentation_", "seg_").replace("_accuracy", "_acc"),
                         justify="right")
    for name, s in rows:
        table.add_row(name, *[f"{s[n]:.3f}" for n in names])
    cells = []
    for n in names:
        ok = total[n] >= targets.get(n, 0.0)
        cells.append(Text(f"{total[n]:.3f}", style="bold green" if ok else "bold red"))
    table.add_row(Text("ALL", style="bold"), *cells)
    return table


def print_docs(console: Console, docs: list[Document]) -> None:
    for d in docs:
        console.print(document_view(d))
