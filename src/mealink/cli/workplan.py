"""The work plan commands of ``mealink``: workplan import, draft, progress, history, show,
list and report. Each calls one library function and formats its result."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from mealink.cli.options import (
    AsOfOption,
    ByOption,
    DbOption,
    EvidenceOption,
    ExpectOption,
    NoteOption,
    StatusOption,
    err,
    id_column,
    out,
    print_with_ids,
    write_csv,
)
from mealink.cli.views import shorten
from mealink.errors import MealinkError

if TYPE_CHECKING:
    from rich.table import Table

    from mealink.store.workplans.views import PlanView

__all__ = ["register"]

app = typer.Typer(help="Joint work plans between conventions: import, draft, record "
                       "progress, report.", no_args_is_help=True)


class ShowFormat(StrEnum):
    """Output formats of a plan."""

    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class DraftFormat(StrEnum):
    """Output formats of a draft."""

    table = "table"
    yaml = "yaml"
    csv = "csv"
    json = "json"


PlanArgument = Annotated[str, typer.Argument(help="The work plan's id, as `mealink workplan "
                                                  "list` shows it.")]
OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write to this file (needed for xlsx).")]


def _activities(n: int) -> str:
    return f"{n} activit{'y' if n == 1 else 'ies'}"


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="The plan: .csv, .xlsx, .yaml or .yml.")],
    name: Annotated[str | None, typer.Option(help="The plan's name (default: the YAML's "
                                                  "name, else the file's name).")] = None,
    plan_id: Annotated[str | None, typer.Option("--id", help="The plan's id (default: made "
                                                             "from its name). Importing "
                                                             "under the same id replaces "
                                                             "its activities by id.")]
        = None,
    strict: Annotated[bool, typer.Option(help="Refuse the whole plan if a reference names "
                                              "no stored paragraph.")] = False,
    db: DbOption = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="table or json.")] =
        ShowFormat.table,
) -> None:
    """Import a joint work plan; each reference to a mandating paragraph is resolved to a
    stored paragraph or reported as unresolved."""
    from mealink.store import open_store
    from mealink.store.workplans.plans import import_plan
    from mealink.workplans.read import read_plan

    if fmt in (ShowFormat.csv, ShowFormat.xlsx):
        raise MealinkError("workplan import reports as a table or json")
    plan = read_plan(file, name)
    result = import_plan(open_store(db, create=False), plan, plan_id=plan_id, strict=strict)
    if fmt is ShowFormat.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    parts = [f"{len(v)} {k}" for k, v in (("added", result.added),
                                            ("replaced", result.replaced),
                                            ("unchanged", result.unchanged),
                                            ("marked removed", result.removed)) if v]
    out.print(f"Work plan {result.plan_id} ({result.name}): {', '.join(parts)}; "
              f"{len(result.resolved)} references resolved, {len(result.unresolved)} "
              "unresolved.")
    if result.previous is not None:
        source, at = result.previous
        out.print(f"It replaces the version imported {'from ' + source + ' ' if source else ''}"
                  f"on {at:%Y-%m-%d %H:%M} UTC (progress on activities is kept; give --id "
                  "to store a different plan beside it).")
    for u in result.unresolved:
        err.print(f"unresolved: {u.line(result.source)}", soft_wrap=True, markup=False)
    if result.unresolved:
        err.print("Correct them in the file and import it again: activities are replaced by "
                  "id and their progress is kept (--strict refuses a plan with any).",
                  soft_wrap=True, markup=False)


@app.command("draft")
def draft_cmd(
    conventions: Annotated[str, typer.Option(help="The conventions of the plan, comma "
                                                  "separated (CMS,CITES).")],
    topic: Annotated[str | None, typer.Option(help="Only mandates on this topic (id or "
                                                   "label).")] = None,
    as_of: AsOfOption = None,
    name: Annotated[str | None, typer.Option(help="The draft's name.")] = None,
    save: Annotated[str | None, typer.Option(help="Store the draft as a work plan with "
                                                  "this id.")] = None,
    db: DbOption = None,
    fmt: Annotated[DraftFormat, typer.Option("--format", "-f", help="Output format; yaml "
                                                                    "and csv can be edited "
                                                                    "and imported.")] =
        DraftFormat.table,
    output: OutputOption = None,
) -> None:
    """Draft a joint work plan from overlapping in-force mandates: one activity per cluster
    holding mandates of two or more of the conventions, with its lead and timetable."""
    from mealink.store import open_store
    from mealink.store.workplans.plans import import_plan
    from mealink.store.workplans.views import draft_from_store
    from mealink.workplans.write import plan_csv, plan_yaml

    names = [c.strip() for c in conventions.split(",") if c.strip()]
    store = open_store(db, create=False)
    plan, drafts = draft_from_store(store, names, topic=topic, as_of=as_of, name=name)
    if save:
        if not drafts:
            raise MealinkError(f"nothing to save: {plan.notes[0]}")
        result = import_plan(store, plan, plan_id=save)
        err.print(f"saved as work plan {result.plan_id}: {_activities(len(drafts))}")
    if fmt is DraftFormat.table:
        for note in plan.notes:
            out.print(note)
        for d in drafts:
            a = d.activity
            out.print(Text(f"{a.id} {d.topic or ''}", style="bold"))
            out.print(f"  {shorten(a.text, 300)}")
            out.print(f"  lead: {a.lead or 'none suggested'}"
                      f"{' (' + '; '.join(d.lead_evidence) + ')' if d.lead_evidence else ''}")
            out.print(f"  timetable: {a.timetable}")
            for m in d.members:
                out.print(f"  - {m.where} ({', '.join(m.actors)})")
        return
    extra = {d.activity.id: {"topic": d.topic, "lead_evidence": list(d.lead_evidence)}
             for d in drafts}
    body = {DraftFormat.yaml: lambda: plan_yaml(plan, extra),
            DraftFormat.csv: lambda: plan_csv(plan),
            DraftFormat.json: lambda: json.dumps(
                {"name": plan.name, "notes": list(plan.notes),
                 "activities": [d.to_dict() for d in drafts]},
                ensure_ascii=False, indent=2) + "\n"}[fmt]()
    if output is None:
        print(body, end="")
    else:
        output.write_text(body, encoding="utf-8")
        out.print(f"Wrote {output}: {_activities(len(drafts))}.")


@app.command("progress")
def progress_cmd(
    plan: PlanArgument,
    activity: Annotated[str, typer.Argument(help="The activity's id in the plan.")],
    by: ByOption,
    status: StatusOption = None,
    note: NoteOption = None,
    evidence: EvidenceOption = None,
    expect: ExpectOption = None,
    db: DbOption = None,
) -> None:
    """Append a progress entry to an activity (entries are never changed or deleted)."""
    from mealink.store import open_store
    from mealink.store.workplans.progress import add_activity_progress

    e = add_activity_progress(open_store(db, create=False), plan, activity, by,
                              status=status, note=note, evidence=evidence or (),
                              expected_seq=expect)
    out.print(f"entry {e.seq} recorded on activity {activity} of {plan} by {e.author}"
              + (f": status {e.status}" if e.status else ""))


@app.command("history")
def history_cmd(
    plan: PlanArgument,
    activity: Annotated[str, typer.Argument(help="The activity's id in the plan.")],
    db: DbOption = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="table, json or csv.")] =
        ShowFormat.table,
) -> None:
    """The history of an activity: every progress entry, oldest first."""
    from rich.table import Table

    from mealink.store import open_store
    from mealink.store.workplans.progress import activity_history

    entries = activity_history(open_store(db, create=False), plan, activity)
    rows = [e.to_dict() for e in entries]
    if fmt is ShowFormat.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if fmt in (ShowFormat.csv, ShowFormat.xlsx):
        write_csv(rows, ["workplan", "activity", "seq", "recorded_at", "author", "status",
                         "note", "evidence"])
        return
    if not entries:
        out.print(f"No progress recorded on activity {activity} of {plan}.")
        return
    t = Table(title=f"History of activity {activity} of {plan}", show_lines=True)
    for col in ("#", "when", "who", "status", "note", "evidence"):
        t.add_column(col, overflow="fold")
    for e in entries:
        t.add_row(str(e.seq), e.recorded_at.strftime("%Y-%m-%d %H:%M UTC"), e.author,
                  e.status or "", e.note or "", "\n".join(e.evidence))
    out.print(t)


def _plan_table(p: PlanView) -> Table:
    from rich.table import Table
    t = Table(title=f"{p.name} ({p.id}) as of {p.as_of}", show_lines=True)
    for col, kw in (("id", {"no_wrap": True}), ("activity", {"ratio": 3}), ("lead", {}),
                    ("mandated by", {"ratio": 2}), ("timetable", {}), ("status", {})):
        t.add_column(col, **kw)
    for a in p.activities:
        refs = Text()
        for lk in a.links:
            if lk.problem:
                refs.append(f"{lk.written} — unresolved: {lk.problem}\n", style="red")
            else:
                refs.append(f"{lk.label}\n")
        status = Text(a.status + (" (removed)" if a.removed else ""))
        if a.overdue:
            status.append("\noverdue", style="bold red")
        if a.entries:
            status.append(f"\n{a.entries} entr{'y' if a.entries == 1 else 'ies'}", style="dim")
        when = (a.timetable or "—") + (f"\n{a.due}" if a.due and str(a.due) != a.timetable
                                       else "")
        t.add_row(a.id, shorten(a.text, 300), a.lead or "", refs, when, status)
    return t


@app.command("show")
def show_cmd(
    plan: PlanArgument,
    as_of: Annotated[str | None, typer.Option(help="Overdue as of this date (2026-06-30) "
                                                   "or meeting of the lead's convention "
                                                   "(COP15); default today.")] = None,
    db: DbOption = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] =
        ShowFormat.table,
    output: OutputOption = None,
) -> None:
    """A work plan: each activity with its mandates, timetable, status and progress."""
    from mealink.reports.workplans import write_plan_xlsx
    from mealink.store import open_store
    from mealink.store.workplans.views import ROW_COLUMNS, plan_view

    p = plan_view(open_store(db, create=False), plan, as_of)
    if fmt is ShowFormat.xlsx:
        if output is None:
            raise MealinkError("--format xlsx needs --output FILE.xlsx")
        write_plan_xlsx([p], output)
        out.print(f"{_activities(len(p.activities))} written to {output}")
    elif fmt is ShowFormat.json:
        print(json.dumps(p.to_dict(), ensure_ascii=False, indent=2))
    elif fmt is ShowFormat.csv:
        write_csv([a.row() for a in p.activities], ROW_COLUMNS)
    else:
        out.print(_plan_table(p))


@app.command("list")
def list_cmd(
    as_of: Annotated[str | None, typer.Option(help="Count overdue activities as of this "
                                                   "date or meeting; default today.")] = None,
    db: DbOption = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="table, json or csv.")] =
        ShowFormat.table,
) -> None:
    """The stored work plans with their activities per status and how many are overdue."""
    from rich.table import Table

    from mealink.store import open_store
    from mealink.store.workplans.views import list_plans

    plans = list_plans(open_store(db, create=False), as_of)
    rows = [{"id": p.id, "name": p.name, "activities": sum(1 for a in p.activities
                                                           if not a.removed),
             "by_status": "; ".join(f"{k} {v}" for k, v in p.counts.items()),
             "overdue": len(p.overdue), "updated_at": p.updated_at.isoformat()}
            for p in plans]
    if fmt is ShowFormat.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt in (ShowFormat.csv, ShowFormat.xlsx):
        write_csv(rows, ["id", "name", "activities", "by_status", "overdue", "updated_at"])
    elif not rows:
        out.print("No work plan stored; `mealink workplan import FILE` adds one.")
    else:
        t = Table(title="Work plans" + (f" (overdue as of {as_of})" if as_of else ""))
        ids = [p.id for p in plans]
        id_column(t, "id", ids, style="cyan")
        for col in ("name", "activities", "by status", "overdue"):
            t.add_column(col)
        for r in rows:
            t.add_row(str(r["id"]), str(r["name"]), str(r["activities"]),
                      str(r["by_status"]), str(r["overdue"]))
        print_with_ids(t, ids)


@app.command("report")
def report_cmd(
    plan: PlanArgument,
    as_of: Annotated[str | None, typer.Option(help="Overdue as of this date or meeting; "
                                                   "default today.")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="workplan.html, .pdf or "
                                                                ".xlsx.")] =
        Path("workplan.html"),
    db: DbOption = None,
) -> None:
    """Write a work plan's progress report to table at a meeting (HTML, PDF or XLSX)."""
    from mealink.reports.progress import write_pdf
    from mealink.reports.workplans import render_plan_html, write_plan_xlsx
    from mealink.store import open_store
    from mealink.store.workplans.views import plan_view

    p = plan_view(open_store(db, create=False), plan, as_of)
    suffix = output.suffix.lower()
    if suffix == ".xlsx":
        write_plan_xlsx([p], output)
    elif suffix in (".html", ".htm"):
        output.write_text(render_plan_html(p), encoding="utf-8")
    elif suffix == ".pdf":
        write_pdf(render_plan_html(p), output)
    else:
        raise MealinkError(f"--output {output}: name a .html, .pdf or .xlsx file")
    out.print(f"{_activities(len(p.activities))} of {p.id}, {len(p.overdue)} overdue as of "
              f"{p.as_of}, written to {output}")


def register(root: typer.Typer) -> None:
    """Add the work plan commands to the ``mealink`` app."""
    root.add_typer(app, name="workplan")
