"""The synergy commands of ``mealink``: topics, overlaps, findings. Each calls one library
function and formats its result for a terminal, JSON, HTML or a spreadsheet."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from mealink.cli.options import DbOption, Format, out, write_csv
from mealink.cli.views import shorten
from mealink.errors import MealinkError

if TYPE_CHECKING:
    from mealink.store.findings import FindingsReport
    from mealink.store.synergies import OverlapReport

__all__ = ["register"]

class ReportFormat(StrEnum):
    """Formats of the overlap report."""

    table = "table"
    json = "json"
    html = "html"
    xlsx = "xlsx"


OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write to this file (needed for xlsx).")]


def topics_cmd(
    db: DbOption = None,
    min_score: Annotated[float, typer.Option(help="Count a paragraph's topic from this "
                                                  "score (0-1).")] = 0.3,
    in_force_only: Annotated[bool | None, typer.Option(
        "--in-force/--not-in-force", help="Only paragraphs in force, or only those that "
                                          "are not.", show_default=False)] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] =
        Format.table,
) -> None:
    """List the topics of the vocabulary with how many paragraphs of each convention carry
    them."""
    from rich.table import Table

    from mealink.store import open_store
    from mealink.store.corpus.topics import topic_counts

    counts = topic_counts(open_store(db, create=False), min_score=min_score,
                          in_force=in_force_only)
    if fmt is Format.json:
        print(json.dumps([c.to_dict() for c in counts], ensure_ascii=False, indent=2))
        return
    if fmt is Format.csv:
        write_csv(({**c.to_dict(), "broader": "; ".join(c.broader),
                     "by_convention": "; ".join(f"{k} {v}" for k, v in c.by_convention.items())}
                    for c in counts),
                   ["id", "label", "broader", "leo", "paragraphs", "by_convention"])
        return
    t = Table(title=f"Topics ({sum(1 for c in counts if c.paragraphs)} of {len(counts)} "
                    "found in the corpus)", show_lines=False)
    t.add_column("topic")
    t.add_column("paragraphs", justify="right")
    t.add_column("by convention", ratio=1)
    names = {c.id: c.label for c in counts}
    for c in counts:
        label = Text(c.label, style="bold" if c.paragraphs else "dim")
        if c.broader:
            label.append(f"\n  under {', '.join(names.get(b, b) for b in c.broader)}",
                         style="dim")
        t.add_row(label, str(c.paragraphs),
                  ", ".join(f"{k} {v}" for k, v in c.by_convention.items()) or "—")
    out.print(t)


def _print_overlaps(report: OverlapReport) -> None:
    from rich.table import Table
    if not report.pairs:
        out.print(f"No overlapping mandates among the {report.mandates} in-force mandates "
                  f"compared (cosine ≥ {report.threshold:.2f}).")
    t = Table(title=f"{len(report.pairs)} overlapping pairs of in-force mandates, most "
                    "similar first", show_lines=True)
    t.add_column("sim", justify="right")
    t.add_column("first mandate", ratio=1)
    t.add_column("second mandate", ratio=1)
    for o in report.pairs:
        cells = []
        for m, spans in ((o.a, o.a_spans), (o.b, o.b_spans)):
            cell = Text(f"{m.where} ({', '.join(m.actors)})\n", style="cyan")
            body = Text(m.action)
            for s, e in spans:
                body.stylize("bold yellow", s, e)
            cell.append_text(body)
            cells.append(cell)
        t.add_row(f"{o.similarity:.2f}", *cells)
    if report.pairs:
        out.print(t)
    for n, c in enumerate(report.clusters, start=1):
        out.print(Text(f"Cluster {n}: {c.label or 'no common topic'} — "
                       f"{', '.join(c.conventions)}", style="bold"))
        for m in c.members:
            out.print(f"  {m.where} ({', '.join(m.actors)})")
    for i in report.issues:
        line = Text(f"{i.label}: ", style="bold")
        line.append(", ".join(f"{s.convention} {s.mandates}" for s in i.shares))
        line.append(" — ")
        if i.lead:
            line.append(f"suggested lead {i.lead}", style="green")
            line.append(f" ({'; '.join(i.evidence)})")
        else:
            line.append("; ".join(i.evidence), style="dim")
        out.print(line)


def overlaps_cmd(
    topic: Annotated[str | None, typer.Option(help="Only mandates on this topic (id or "
                                                   "label; narrower topics included).")] = None,
    actor: Annotated[str | None, typer.Option(help="Only mandates addressed to this actor or "
                                                   "kind of actor (Secretariat).")] = None,
    conventions: Annotated[str | None, typer.Option(help="Only these conventions, comma "
                                                         "separated (CMS,CBD,CITES).")] = None,
    threshold: Annotated[float | None, typer.Option(help="Least cosine between two actions "
                                                         "(default from synergies.toml).")]
        = None,
    db: DbOption = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] =
        ReportFormat.table,
    output: OutputOption = None,
) -> None:
    """Find in-force mandates of different conventions that ask for the same work, their
    clusters, and a suggested lead convention per cross-cutting issue."""
    from mealink.reports.synergies import render_overlaps_html, write_overlaps_xlsx
    from mealink.store import open_store
    from mealink.store.synergies import overlap_report, topic_labels

    names = [c.strip() for c in conventions.split(",") if c.strip()] if conventions else None
    report = overlap_report(open_store(db, create=False), topic=topic, actor=actor,
                            conventions=names, threshold=threshold)
    if fmt is ReportFormat.xlsx:
        if output is None:
            raise MealinkError("--format xlsx needs --output FILE.xlsx")
        write_overlaps_xlsx(report, output)
        out.print(f"Wrote {output}: {len(report.pairs)} pairs, {len(report.clusters)} "
                  f"clusters, {len(report.issues)} issues.")
        return
    if fmt is ReportFormat.table:
        _print_overlaps(report)
        return
    body = (json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
            if fmt is ReportFormat.json else render_overlaps_html(report, topic_labels()))
    if output is None:
        print(body)
    else:
        output.write_text(body, encoding="utf-8")
        out.print(f"Wrote {output}.")


findings_app = typer.Typer(help="Assessment findings (IPBES) and the mandates they bear on.",
                           no_args_is_help=True)


def _print_findings(report: FindingsReport) -> None:
    for f in report.links:
        head = Text(f"Finding {f.label}", style="bold")
        if f.topics:
            head.append(f" ({', '.join(f.topic_labels)})", style="dim")
        out.print(head)
        out.print(Text(shorten(f.text, 300), style="dim"))
        if not f.mandates:
            out.print("  bears on no in-force mandate above the threshold")
        for m, sim in f.mandates:
            out.print(Text(f"  {sim:.2f}  {m.where} ({', '.join(m.actors)}): "
                           f"{shorten(m.action, 120)}"))
    out.print(Text("\nDraft recommendations for the Scientific Council", style="bold"))
    for line in report.recommendations:
        out.print(f"- {line}")


@findings_app.command("match")
def findings_match_cmd(
    assessment: Annotated[str | None, typer.Option(help="Only this assessment (its id).")]
        = None,
    convention: Annotated[str | None, typer.Option(help="Only mandates of this convention.")]
        = None,
    db: DbOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] =
        Format.table,
) -> None:
    """Link each finding to the in-force mandates and topics it bears on, and draft the
    recommendations the Scientific Council would consider."""
    from mealink.store import open_store
    from mealink.store.findings import match_findings

    report = match_findings(open_store(db, create=False), assessment=assessment,
                            convention=convention)
    if fmt is Format.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    elif fmt is Format.csv:
        write_csv(report.rows(), ["assessment", "finding", "topics", "similarity",
                                   "document", "paragraph", "paragraph_id", "actors",
                                   "action"])
    else:
        _print_findings(report)


def register(app: typer.Typer) -> None:
    """Add the synergy commands to the ``mealink`` app."""
    app.command("topics")(topics_cmd)
    app.command("overlaps")(overlaps_cmd)
    app.add_typer(findings_app, name="findings")
