"""The mandate commands of ``mealink``: mandates (list and digest), progress (add and show),
report progress, review. Each calls one library function and formats its result."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from mealink.choices import mandate_statuses
from mealink.cli.options import (
    AsOfOption,
    ByOption,
    DbOption,
    EvidenceOption,
    ExpectOption,
    NoteOption,
    StatusOption,
    id_column,
    out,
    print_with_ids,
    write_csv,
)
from mealink.cli.views import shorten
from mealink.errors import MealinkError

if TYPE_CHECKING:
    from rich.table import Table

    from mealink.store.mandates import MandateView

__all__ = ["register"]

MANDATE_COLUMNS = ["id", "label", "paragraph", "actor", "role", "verb", "strength", "action",
                   "deadline", "deadline_resolved", "due", "time_bound", "condition",
                   "reporting_to", "status", "derived_reason", "in_force", "entries"]


class ListFormat(StrEnum):
    """Output formats of the mandate list."""

    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class ReviewFormat(StrEnum):
    """Output formats of the review."""

    table = "table"
    json = "json"
    annex = "annex"


OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write to this file (needed for xlsx and pdf).")]

progress_app = typer.Typer(help="Record and read the progress of mandates (append-only).",
                           no_args_is_help=True)
report_app = typer.Typer(help="Reports to table at a meeting.", no_args_is_help=True)


def _status_text(v: MandateView) -> Text:
    style = {"active": "cyan", "implemented": "green", "elapsed": "yellow",
             "superseded": "dim", "retired": "dim", "require-funding": "red",
             "stagnant": "red", "inactive": "dim"}.get(v.status, "")
    t = Text(v.status, style=style)
    if v.latest is not None:
        t.append(f"\n{v.entries} entr{'y' if v.entries == 1 else 'ies'}", style="dim")
    return t


def _mandate_table(views: list[MandateView], title: str, one_actor: bool = False) -> Table:
    """Mandates as a table; in a digest (one actor) the actor column is left out."""
    from rich.table import Table
    t = Table(show_lines=True, title=title)
    id_column(t, "mandate", [v.id for v in views], style="cyan")
    if not one_actor:
        t.add_column("actor")
    t.add_column("asked", ratio=3)
    t.add_column("due", ratio=1, max_width=18)
    t.add_column("status", max_width=12)
    for v in views:
        asked = Text(shorten(v.sentence, 260))  # as the text asks it, never cut mid-word
        if v.condition:
            asked.append(f"\ncondition: {v.condition}", style="dim")
        if v.reporting_to:
            asked.append(f"\nreport to: {', '.join(v.reporting_to)}", style="dim")
        due = v.deadline.label if v.deadline else "standing"
        cells: list[str | Text] = [v.id, *([] if one_actor else [v.actor]), asked, due,
                                   _status_text(v)]
        t.add_row(*cells)
    return t


def mandates_cmd(
    actor: Annotated[str | None, typer.Option(help="Actor: a body (Secretariat, Scientific "
                                                   "Council), as written, or a role "
                                                   "(scientific body).")] = None,
    convention: Annotated[str | None, typer.Option(help="Only this convention.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status: " + ", ".join(
        mandate_statuses()) + ".")] = None,
    in_force_only: Annotated[bool | None, typer.Option(
        "--in-force/--not-in-force", help="Only mandates whose paragraph is in force, or only "
                                          "those whose paragraph is not.",
        show_default=False)] = None,
    document: Annotated[str | None, typer.Option(help="Only this document (stable id, "
                                                      "symbol or citation).")] =
        None,
    due_before: Annotated[str | None, typer.Option(help="Due by this meeting (COP15) or date "
                                                        "(2026-06-30).")] = None,
    due_after: Annotated[str | None, typer.Option(help="Due at or after this meeting or "
                                                       "date.")] = None,
    time_bound: Annotated[bool | None, typer.Option(
        "--time-bound/--standing", help="Only mandates with a deadline, or only standing "
                                        "ones.", show_default=False)] = None,
    strength: Annotated[str | None, typer.Option(help="request, urge or invite.")] = None,
    by_document: Annotated[bool, typer.Option(
        "--digest", help="Group by resolution, deadlines first (needs --actor).")] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
    db: DbOption = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] =
        ListFormat.table,
    output: OutputOption = None,
) -> None:
    """List mandates: what is asked of whom, by when, and its status."""
    from mealink.reports import write_xlsx
    from mealink.store import open_store
    from mealink.store.corpus.status import document_id
    from mealink.store.mandates import MandateFilters, digest, list_mandates

    store = open_store(db, create=False)
    if by_document:
        if not actor:
            raise MealinkError("--digest needs --actor (the body whose mandates to gather)")
        groups = digest(store, actor, convention=convention,
                        in_force=in_force_only is not False)
        views = [v for g in groups for v in g.mandates]
    else:
        if document:  # a symbol or citation as well as a stable id, as the API takes it
            document = document_id(store, document)
        filters = MandateFilters(actor, convention, status, in_force_only, document,
                                 due_before, due_after, time_bound, strength)
        views = list_mandates(store, filters, limit=limit)
    rows = [v.to_dict() for v in views]
    if fmt is ListFormat.xlsx:
        if output is None:
            raise MealinkError("--format xlsx needs --output FILE.xlsx")
        write_xlsx(output, [("Mandates", MANDATE_COLUMNS, rows)],
                   {"action": 60, "id": 40, "label": 28})
        out.print(f"{len(rows)} mandates written to {output}")
        return
    if fmt is ListFormat.json:
        _emit(json.dumps(rows, ensure_ascii=False, indent=2, default=str), output)
        return
    if fmt is ListFormat.csv:
        if output is not None:
            raise MealinkError("--format csv writes to standard output; redirect it to a file")
        write_csv(rows, MANDATE_COLUMNS)
        return
    if not views:
        out.print("No mandate matches.")
        return
    if by_document:
        for g in groups:
            print_with_ids(_mandate_table(g.mandates, f"{g.label} — {g.title or ''}",
                                          one_actor=True), [v.id for v in g.mandates])
        return
    print_with_ids(_mandate_table(views, f"{len(views)} mandates"), [v.id for v in views])


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        print(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        out.print(f"written to {output}")


def progress_add_cmd(
    mandate: Annotated[str, typer.Argument(help="The mandate's id, as `mealink mandates` "
                                                "shows it.")],
    by: ByOption,
    status: StatusOption = None,
    note: NoteOption = None,
    evidence: EvidenceOption = None,
    expect: ExpectOption = None,
    db: DbOption = None,
) -> None:
    """Append a progress entry to a mandate (entries are never changed or deleted)."""
    from mealink.store import open_store
    from mealink.store.progress import add_progress

    e = add_progress(open_store(db, create=False), mandate, by, status=status, note=note,
                     evidence=evidence or (), expected_seq=expect)
    out.print(f"entry {e.seq} recorded on {mandate} by {e.author}"
              + (f": status {e.status}" if e.status else ""))


def progress_show_cmd(
    mandate: Annotated[str, typer.Argument(help="The mandate's id.")],
    db: DbOption = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table, json or csv.")] =
        ListFormat.table,
) -> None:
    """The history of a mandate: every progress entry, oldest first."""
    from rich.table import Table

    from mealink.store import open_store
    from mealink.store.progress import history

    if fmt is ListFormat.xlsx:
        raise MealinkError("progress show writes a table, json or csv; `mealink mandates "
                           "--format xlsx` exports mandates with their latest progress")
    entries = history(open_store(db, create=False), mandate)
    rows = [e.to_dict() for e in entries]
    if fmt is ListFormat.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if fmt is ListFormat.csv:
        write_csv(rows, ["mandate", "seq", "recorded_at", "author", "status", "note",
                          "evidence", "version"])
        return
    if not entries:
        out.print(f"No progress recorded on {mandate}.")
        return
    t = Table(title=f"History of {mandate}", show_lines=True)
    for col in ("#", "on", "when", "who", "status", "note", "evidence"):
        t.add_column(col)
    for e in entries:  # "on": the version of the text it was recorded on
        t.add_row(str(e.seq), e.version or "", e.recorded_at.strftime("%Y-%m-%d %H:%M UTC"),
                  e.author, e.status or "", e.note or "", "\n".join(e.evidence))
    out.print(t)


def mandate_cmd(
    mandate_id: Annotated[str, typer.Argument(help="The mandate's id, as `mealink mandates` "
                                                   "shows it.")],
    db: DbOption = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] =
        ListFormat.table,
) -> None:
    """One mandate: what is asked, by when, its status, its latest progress and the work
    plan activities that carry it out."""
    from mealink.store import open_store
    from mealink.store.mandates import mandate
    from mealink.store.progress import history
    from mealink.store.workplans.views import activities_for_mandate

    if fmt in (ListFormat.csv, ListFormat.xlsx):
        raise MealinkError("mandate shows a table or json; `mealink mandates --format csv` "
                           "lists mandates")
    store = open_store(db, create=False)
    m = mandate(store, mandate_id)
    carried = activities_for_mandate(store, mandate_id)
    entries = history(store, mandate_id)
    if fmt is ListFormat.json:
        print(json.dumps({**m.to_dict(), "activities": [c.to_dict() for c in carried],
                          "history": [e.to_dict() for e in entries]},
                         ensure_ascii=False, indent=2, default=str))
        return
    out.print(Text(f"{m.document_label} ¶{m.paragraph or '—'} — {m.actor}", style="bold"))
    out.print(m.sentence)
    out.print(f"due: {m.deadline.label if m.deadline else 'standing'} · status: {m.status}"
              + (f" ({m.derived_reason})" if m.derived_reason else "")
              + (f" · {len(entries)} progress entr{'y' if len(entries) == 1 else 'ies'}"
                 if entries else ""))
    for e in entries:
        out.print(f"entry {e.seq} on {e.version or e.mandate_id}, "
                  f"{e.recorded_at:%Y-%m-%d}, {e.author}: "
                  + "; ".join(x for x in (e.status, e.note, ", ".join(e.evidence)) if x))
    if not carried:
        out.print("No work plan activity carries it out.")
    for c in carried:
        out.print(f"carried out by: {c.workplan_id} activity {c.activity_id} "
                  f"({c.status}): {shorten(c.text, 160)}")


def report_progress_cmd(
    actor: Annotated[str, typer.Option(help="Whose mandates: Secretariat, Scientific "
                                            "Council, ...")],
    for_meeting: Annotated[str | None, typer.Option(
        "--for", help='The meeting the report is for ("StC53", "the Standing Committee").')]
        = None,
    convention: Annotated[str | None, typer.Option(help="Only this convention.")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="progress.html, .pdf or "
                                                                ".xlsx.")] =
        Path("progress.html"),
    db: DbOption = None,
) -> None:
    """Write a progress report on one actor's mandates in force (HTML, PDF or XLSX)."""
    from mealink.reports import build_report, render_html, write_pdf, write_xlsx
    from mealink.reports.progress import COLUMNS as REPORT_COLUMNS
    from mealink.reports.progress import report_rows
    from mealink.store import open_store

    report = build_report(open_store(db, create=False), actor, for_meeting=for_meeting,
                          convention=convention)
    suffix = output.suffix.lower()
    if suffix == ".xlsx":
        write_xlsx(output, [("Progress", REPORT_COLUMNS, report_rows(report))],
                   {"action": 60, "paragraph_text": 80, "latest_note": 40})
    elif suffix in (".html", ".htm"):
        output.write_text(render_html(report), encoding="utf-8")
    elif suffix == ".pdf":
        write_pdf(render_html(report), output)
    else:
        raise MealinkError(f"--output {output}: name a .html, .pdf or .xlsx file")
    out.print(f"{report.mandates} mandates of the {actor} in {len(report.groups)} texts "
              f"written to {output}")


def review_cmd(
    convention: Annotated[str, typer.Option(help="The convention whose texts to review.")],
    as_of: AsOfOption = None,
    meetings: Annotated[Path | None, typer.Option(
        help="A TOML file of meetings and dates, added to the bundled calendar.")] = None,
    db: DbOption = None,
    fmt: Annotated[ReviewFormat, typer.Option("--format", "-f", help="table, json or annex "
                                                                     "(the draft annex).")]
        = ReviewFormat.table,
) -> None:
    """Propose decisions to delete (adopted for a period that has ended), texts to repeal in
    full, paragraphs to repeal, and texts to consolidate, each with its reasons."""
    from rich.table import Table

    from mealink.mandates.knowledge import read_meetings
    from mealink.mandates.review import annex_lines
    from mealink.store import open_store
    from mealink.store.review import review

    result = review(open_store(db, create=False), convention, as_of, read_meetings(meetings))
    if fmt is ReviewFormat.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    if fmt is ReviewFormat.annex:
        when = f" at {as_of}" if as_of else ""
        print(f"Draft annex: {result.convention} texts proposed for deletion, repeal or "
              f"consolidation{when}\n")
        print("\n".join(annex_lines(result)) or "Nothing to propose.")
        return
    if not result.proposals:
        out.print(f"Nothing to propose for {result.convention}.")
        return
    t = Table(show_lines=True, title=f"Review of {result.convention} decisions"
              + (f" as of {as_of}" if as_of else ""))
    t.add_column("proposal")
    t.add_column("text")
    t.add_column("paragraphs")
    t.add_column("why", ratio=1)
    for p in result.proposals:
        t.add_row(p.action, "\n".join(p.labels), p.ranges, "\n".join(p.reasons))
    out.print(t)


def register(app: typer.Typer) -> None:
    """Add the mandate commands to the ``mealink`` app."""
    app.command("mandates")(mandates_cmd)
    app.command("mandate")(mandate_cmd)
    progress_app.command("add")(progress_add_cmd)
    progress_app.command("show")(progress_show_cmd)
    app.add_typer(progress_app, name="progress")
    report_app.command("progress")(report_progress_cmd)
    app.add_typer(report_app, name="report")
    app.command("review")(review_cmd)
