"""``mealink search`` (paragraphs by words, meaning or both, with why each matched) and
``mealink embed`` (the sentence vectors search by meaning reads)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from mealink.choices import EMBED_MODELS
from mealink.cli.options import DbOption, Format, FormatOption, out, progress_bar, write_csv
from mealink.errors import MealinkError

if TYPE_CHECKING:
    from mealink.store import Store
    from mealink.store.search.hits import Hit

__all__ = ['embed_with_progress', 'register']


def search_cmd(
    query: Annotated[str, typer.Argument(help='A question in plain language, or words (all '
                                              'must match), "a phrase", -word to exclude, OR '
                                              "between alternatives.")],
    convention: Annotated[str | None, typer.Option(help="Only this convention.")] = None,
    document: Annotated[str | None, typer.Option(help="Only this document (stable id).")] =
        None,
    meeting: Annotated[str | None, typer.Option(help="Only texts adopted at this meeting "
                                                     "(COP11 or 11).")] = None,
    kind: Annotated[str | None, typer.Option(help="preamble, operative or heading.")] = None,
    verb: Annotated[str | None, typer.Option(help="Main verb in base form (request, urge).")]
        = None,
    actor: Annotated[str | None, typer.Option(help="Addressed actor (Secretariat, Parties, "
                                                   "Scientific Council).")] = None,
    in_force_only: Annotated[bool | None, typer.Option(
        "--in-force/--not-in-force", help="Only paragraphs in force, or only those that are "
                                          "not.", show_default=False)] = None,
    limit: Annotated[int, typer.Option(min=1, help="Number of hits.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Hits to skip first: --offset 20 shows "
                                                   "the next page of 20.")] = 0,
    mode: Annotated[str, typer.Option(help="hybrid (words and meaning, fused), semantic "
                                           "(meaning: sentence vectors) or keyword (words).")]
        = "hybrid",
    why: Annotated[bool, typer.Option(help="Show why each paragraph matched.")] = True,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Search paragraphs, best first, with filters and highlighted snippets.

    A paragraph whose meaning is not close to the query (below the similarity floor) is
    left out unless it matches the query's words; when none is left, one line says so and
    names the closest paragraph (with --format json or csv: an empty list or table on
    stdout, that line on stderr). With a "quoted phrase", paragraphs holding it come first;
    the others say "related: does not contain" it."""
    from rich.table import Table

    from mealink.store import open_store
    from mealink.store.search.find import MODES, find
    from mealink.store.search.hits import SearchFilters

    if mode not in MODES:
        raise MealinkError(f"--mode {mode!r}: give hybrid, semantic or keyword")
    if kind and kind not in ("preamble", "operative", "heading"):
        raise MealinkError(f"--kind {kind!r}: give preamble, operative or heading")
    number = None
    if meeting:
        digits = "".join(c for c in meeting if c.isdigit())
        if not digits:
            raise MealinkError(f"--meeting {meeting!r}: give a meeting such as COP11 or 11")
        number = int(digits)
    filters = SearchFilters(convention, document, number, kind, verb, actor, in_force_only)
    hits = find(open_store(db, create=False), query, filters, limit=limit, offset=offset,
                mode=mode)
    if fmt is not Format.table:
        # stdout keeps its shape (a JSON list, a CSV table: empty when nothing is close);
        # the sentence that says why goes to stderr, one line
        if fmt is Format.json:
            print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        else:
            write_csv([{**h.to_dict(), **_why_cells(h)} for h in hits],
                       ["paragraph_id", "document", "kind", "verb", "in_force", "score",
                        "similarity", "shared_terms", "topics", "snippet", "related"])
        if hits.message:
            print(hits.message, file=sys.stderr)
        return
    if not hits:
        print(hits.message or "No paragraph matches.")
        return
    first = offset + 1
    t = Table(show_lines=True, title=f"Paragraphs {first:,}-{offset + len(hits):,} of "
                                     f"{hits.ranked:,} for {query!r}")
    t.add_column("paragraph")
    t.add_column("text", ratio=1)
    for h in hits:
        snip = Text(h.snippet)
        for s, e in h.highlights:
            snip.stylize("bold yellow", s, e)
        where = Text(h.paragraph_id, style="cyan")
        if not h.in_force:
            where.append("\nnot in force", style="red")
        if h.why is not None and h.why.related:  # shown with --no-why too
            snip.append(f"\n{h.why.related}", style="italic")
        if why and h.why is not None:
            snip.append(f"\n{_why_line(h)}", style="dim")
        t.add_row(where, snip)
    out.print(t)


def embed_cmd(db: DbOption = None, model: Annotated[str | None, typer.Option(
        help=f"Sentence-vector model: {' or '.join(EMBED_MODELS)}. 'static' embeds thousands "
             "of texts a second and search re-ranks its closest hits with the full encoder; "
             "a change of model embeds every text again and then drops the former "
             "model's vectors. Default: the store's model (full when never chosen).")]
        = None) -> None:
    """Compute the sentence vectors of paragraphs that have none (after `ingest --no-embed`),
    or of every paragraph with another model (--model)."""
    from mealink.store import open_store

    if model is not None and model not in EMBED_MODELS:
        raise MealinkError(f"--model {model!r}: use one of {', '.join(EMBED_MODELS)}")
    embed_with_progress(open_store(db), model)


def _why_cells(h: Hit) -> dict[str, Any]:
    w = h.why
    if w is None:
        return {}
    return {"similarity": None if w.similarity is None else round(w.similarity, 3),
            "shared_terms": list(w.shared_terms), "topics": list(w.topics),
            "related": w.related or ""}


def _why_line(h: Hit) -> str:
    """'similarity 0.71 · words: alien, islands · topics: invasive-alien-species'."""
    w = h.why
    if w is None:
        return ""
    parts = []
    if w.similarity is not None:
        parts.append(f"similarity {w.similarity:.2f}")
    if w.shared_terms:
        parts.append("words: " + ", ".join(w.shared_terms))
    if w.topics:
        parts.append("topics: " + ", ".join(w.topics))
    return " · ".join(parts) or "close in meaning"


def embed_with_progress(store: Store, model: str | None = None) -> None:
    """Embed what has no vector yet (with ``model``, by name: the store's by default), with
    a progress bar on stderr and one summary line."""
    from mealink.semantic.models import by_name, name_of
    from mealink.store.search.vectors import embed_paragraphs

    with progress_bar("embed") as bar:
        task = bar.add_task("", total=None)
        done = embed_paragraphs(store, model=by_name(model) if model else None,
                                on_progress=lambda n, total: bar.update(
                                    task, completed=n, total=total))
    out.print(f"Sentence vectors ({name_of(done.model)}): {done.embedded} paragraphs embedded, "
              f"{done.kept} kept from before, {done.dropped} no longer used dropped.")
    if done.former is not None:
        out.print(f"The store is now searched with the {name_of(done.model)} model instead of "
                  f"{name_of(done.former)}: {done.replaced} vectors of {name_of(done.former)} "
                  "dropped.")


def register(app: typer.Typer) -> None:
    """Add ``search`` and ``embed`` to the ``mealink`` app."""
    app.command("search")(search_cmd)
    app.command("embed")(embed_cmd)
