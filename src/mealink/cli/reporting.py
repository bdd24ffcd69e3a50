"""The national reporting commands of ``mealink``: reporting template (build and keep the
questionnaire), reporting import (a Party's answers), reporting coverage. Each calls one
library function and formats its result."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mealink.cli.options import (
    AsOfOption,
    DbOption,
    Format,
    FormatOption,
    id_column,
    out,
    print_with_ids,
    write_csv,
)
from mealink.errors import MealinkError

if TYPE_CHECKING:
    pass

__all__ = ["register"]

reporting_app = typer.Typer(help="Harmonised national reporting: one questionnaire for "
                                 "several conventions, answers, coverage.",
                            no_args_is_help=True)


class TemplateFormat(StrEnum):
    """Formats of the questionnaire."""

    xlsx = "xlsx"
    html = "html"
    json = "json"


def template_cmd(
    conventions: Annotated[str, typer.Option(help="The conventions whose mandates it asks "
                                                  "about, comma-separated: CMS,CBD,Ramsar.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    as_of: AsOfOption = None,
    party: Annotated[str | None, typer.Option(help="The Party the copy is for (written on "
                                                   "it; the questions are the same).")] = None,
    fmt: Annotated[TemplateFormat, typer.Option("--format", "-f", help="xlsx, html or json.")]
        = TemplateFormat.xlsx,
    merge: Annotated[list[str] | None, typer.Option(
        help="Merge these questions into one, by their ids, comma-separated (q-…,q-…); "
             "repeat for more groups. The ids are those of the template built without it "
             "(its 'question id' column and its list of questions that may ask the "
             "same).")] = None,
    db: DbOption = None,
) -> None:
    """Build the national report questionnaire for the mandates in force addressed to
    Parties, keep it, and write it for the Parties to fill in."""
    from mealink.reporting.answers import check_party
    from mealink.reports.questionnaire import render_template_html, write_template_xlsx
    from mealink.store import open_store
    from mealink.store.reporting import make_template, save_template

    party = check_party(party) if party is not None else None  # before anything is kept
    store = open_store(db, create=False)
    t = make_template(store, conventions.split(","), as_of=as_of,
                      merges=[tuple(m.split(",")) for m in merge or []])
    save_template(store, t)
    if fmt is TemplateFormat.xlsx:
        write_template_xlsx(t, output, party)
    elif fmt is TemplateFormat.html:
        output.write_text(render_template_html(t, party), encoding="utf-8")
    else:
        output.write_text(json.dumps({**t.to_dict(), "party": party}, ensure_ascii=False,
                                     indent=2) + "\n", encoding="utf-8")
    merged = sum(1 for q in t.questions if len(q.conventions) > 1)
    out.print(f"template {t.id}: {len(t.questions)} questions ({merged} answering mandates "
              f"of several conventions) in {len(t.topics)} topics written to {output}")
    if t.may_merge:
        n = len(t.may_merge)
        out.print(f"{n} {'pair' if n == 1 else 'pairs'} of questions may ask the same work "
                  "(below the overlap threshold, not merged; read both, then --merge ID,ID):")
        for m in t.may_merge:
            out.print(f"  {m.a} ({m.a_where}) and {m.b} ({m.b_where}): cosine "
                      f"{m.similarity:.2f}", markup=False, highlight=False)


def import_cmd(
    answers: Annotated[Path, typer.Argument(help="The filled-in questionnaire (.xlsx).")],
    party: Annotated[str, typer.Option(help="The Party whose answers these are.")],
    cycle: Annotated[str, typer.Option(help="The reporting cycle: a year or a label "
                                            "(2026).")],
    db: DbOption = None,
) -> None:
    """Store a Party's answers and record each as progress on every mandate it answers
    (an answer imported again is not stored again)."""
    from mealink.reports.questionnaire import read_answers
    from mealink.store import open_store
    from mealink.store.reporting import import_answers

    store = open_store(db, create=False)
    s = import_answers(store, read_answers(answers), party, cycle)
    out.print(f"{s.party}, {s.cycle} (template {s.template_id}): {s.added} answers stored, "
              f"{s.unchanged} already stored, {s.progress} progress entries, "
              f"{s.blank} questions unanswered")


def coverage_cmd(
    convention: Annotated[str | None, typer.Option(help="Only questions answering this "
                                                        "convention's mandates.")] = None,
    cycle: Annotated[str | None, typer.Option(help="Only this reporting cycle.")] = None,
    parties: Annotated[bool, typer.Option("--parties", help="The per-Party table (what is "
                                                           "unanswered) instead of the "
                                                           "per-mandate one.")] = False,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Per mandate, how many Parties answered and what; with --parties, per Party, what is
    unanswered."""
    from rich.table import Table

    from mealink.store import open_store
    from mealink.store.reporting import coverage

    c = coverage(open_store(db, create=False), convention=convention, cycle=cycle)
    if fmt is Format.json:
        print(json.dumps(c.to_dict(), ensure_ascii=False, indent=2))
        return
    if parties:
        rows = [p.to_dict() for p in c.parties]
        cols = ["party", "cycle", "template", "questions", "answered", "unanswered"]
    else:
        rows = [{**m.to_dict(), "answers": "; ".join(f"{k}: {v}" for k, v in
                                                     m.answers.items())} for m in c.mandates]
        cols = ["cycle", "question", "convention", "document", "paragraph", "mandate",
                "parties", "answers"]
    if fmt is Format.csv:
        write_csv(rows, cols)
        return
    if not rows:
        raise MealinkError("no answers are stored" + (f" for cycle {cycle}" if cycle else "")
                           + "; `mealink reporting import` stores a Party's answers")
    if parties:
        t = Table(title="Coverage per Party")
        for col in cols:
            t.add_column(col, overflow="fold")
        for p in c.parties:
            t.add_row(p.party, p.cycle, p.template_id, str(p.questions), str(p.answered),
                      ", ".join(map(str, p.unanswered)) or "none")
        out.print(t)
        return
    t = Table(title="Coverage per mandate")
    t.add_column("cycle")
    t.add_column("no.", justify="right")
    t.add_column("asked in", ratio=1)
    id_column(t, "mandate", [m.mandate_id for m in c.mandates], style="cyan")
    t.add_column("Parties", justify="right")
    t.add_column("answers")
    for m in c.mandates:
        t.add_row(m.cycle, str(m.question), m.document + (f" ¶{m.paragraph}" if m.paragraph
                                                         else ""), m.mandate_id,
                  str(m.parties), ", ".join(f"{k}: {v}" for k, v in m.answers.items()))
    print_with_ids(t, [m.mandate_id for m in c.mandates])


def register(app: typer.Typer) -> None:
    """Add the reporting commands to the ``mealink`` app."""
    reporting_app.command("template")(template_cmd)
    reporting_app.command("import")(import_cmd)
    reporting_app.command("coverage")(coverage_cmd)
    app.add_typer(reporting_app, name="reporting")
