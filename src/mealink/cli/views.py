"""Readable terminal views (Rich) of parsed documents and evaluation scores."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from rich.panel import Panel
    from rich.table import Table

    from mealink.models import Document, Paragraph

_KIND_STYLE = {"heading": "bold magenta", "preamble": "cyan", "operative": "green"}
_SCORE_LABELS = {
    "segmentation_precision": "seg P", "segmentation_recall": "seg R", "segmentation_f1": "seg F1",
    "kind_accuracy": "kind", "number_accuracy": "number", "verb_accuracy": "verb",
    "actor_f1": "actor F1", "reference_f1": "ref F1", "repeal_f1": "repeal F1",
    "convention_accuracy": "conv", "symbol_accuracy": "symbol", "instrument_f1": "instr F1",
    "deadline_accuracy": "deadline", "condition_accuracy": "cond",
    "actor_group_f1": "group F1", "actor_code_f1": "code F1",
    "report_by_accuracy": "report by", "period_accuracy": "period",
}


def shorten(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` characters at a word boundary, with an ellipsis
    when anything was left out (never half a word)."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space > width // 2:  # a very long word is cut rather than dropped whole
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def _snippet(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _details(p: Paragraph) -> Text:
    """Actors, references, named instruments, repeals, deadlines, period and condition of
    one paragraph, one per line."""
    out = Text()
    parts: list[tuple[str, str, str]] = []
    if p.actors:
        parts.append(("→ ", ", ".join(a.value for a in p.actors), "yellow"))
    if p.references:
        parts.append(("cites ", ", ".join(r.text for r in p.references), "blue"))
    if p.instruments:
        parts.append(("names ", ", ".join(i.text for i in p.instruments), "cyan"))
    if p.repeals:
        parts.append(("REPEALS ", "; ".join(r.value for r in p.repeals), "bold red"))
    if p.deadline:
        parts.append(("by ", p.deadline.value, "magenta"))
    if p.report_deadline and p.report_deadline != p.deadline:
        parts.append(("report by ", p.report_deadline.value, "magenta"))
    if p.period:
        parts.append(("period ", p.period.value, "dim"))
    if p.condition:
        parts.append(("if ", p.condition, "dim"))
    for i, (label, value, style) in enumerate(parts):
        out.append(("\n" if i else "") + label, style="dim")
        out.append(value, style=style)
    return out


def document_view(doc: Document) -> Panel:
    """The document at a glance: metadata, then one row per paragraph."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    meta = Text()
    who = doc.adopted_by or doc.adoption
    for label, value in (("symbol", doc.symbol), ("identified by", doc.identified_by),
                         ("convention", doc.convention), ("title", doc.title),
                         ("adopted", doc.adopted_at), ("revision", doc.revision),
                         ("adopted by", f"{who} ({doc.adoption_evidence})"
                          if doc.adoption_evidence else who)):
        if value:
            meta.append(f"{label}: ", style="bold")
            meta.append(f"{value}\n")
    counts = {k: sum(p.kind == k for p in doc.paragraphs)
              for k in ("heading", "preamble", "operative")}
    meta.append(f"{counts['preamble']} preamble, {counts['operative']} operative, "
                f"{counts['heading']} heading paragraphs", style="dim")
    table = Table(expand=True, pad_edge=False, show_edge=False)
    table.add_column("¶", style="bold", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("verb", no_wrap=True)
    table.add_column("text", ratio=3, overflow="fold")
    table.add_column("asked of · cites · due · if", ratio=2, overflow="fold")
    for p in doc.paragraphs:
        verb = p.verb.value if p.verb else ""
        table.add_row(p.number or "", Text(p.kind, style=_KIND_STYLE[p.kind]), verb,
                      _snippet(p.text), _details(p))
    title = doc.symbol or doc.title or doc.source
    return Panel(Group(meta, table), title=f"[bold]{title}[/]", subtitle=doc.source,
                 title_align="left")


def summary_table(total: dict[str, float], targets: dict[str, float]) -> Table:
    """The corpus scores, one measure a row, with its target and whether it is met."""
    from rich.table import Table
    table = Table(title="mealink eval", pad_edge=False)
    table.add_column("measure")
    table.add_column("score", justify="right")
    table.add_column("target", justify="right")
    table.add_column("met", justify="center")
    for name, value in total.items():
        target = targets.get(name)
        met = "" if target is None else ("yes" if value >= target else "NO")
        table.add_row(name.replace("_", " "), f"{value:.3f}",
                      "" if target is None else f"≥ {target:.2f}",
                      Text(met, style="bold green" if met == "yes" else "bold red"))
    return table


def scores_table(rows: list[tuple[str, dict[str, float]]], total: dict[str, float],
                 targets: dict[str, float]) -> Table:
    """Per-document and corpus scores, the corpus row green where it meets its target."""
    from rich.table import Table
    names = [n for n in total if n not in ("segmentation_precision", "segmentation_recall")]
    table = Table(title="mealink eval", pad_edge=False)
    table.add_column("document", overflow="ellipsis", no_wrap=True, max_width=32)
    for n in names:
        table.add_column(_SCORE_LABELS.get(n, n), justify="right", no_wrap=True)
    for name, s in rows:
        table.add_row(name, *[f"{s[n]:.2f}" if n in s else "–" for n in names])
    cells = []
    for n in names:
        style = ("bold green" if total[n] >= targets[n] else "bold red") if n in targets \
            else "bold"
        cells.append(Text(f"{total[n]:.3f}", style=style))
    table.add_row(Text("ALL", style="bold"), *cells)
    return table
