"""The corpus commands of ``mealink``: ingest, reparse, status, lineage, in-force, refs.
Each parses its options, calls one library function and formats the result
(``--format table|json|csv``); the database is ``--db`` or ``$MEALINK_DB`` or
``mealink.db`` in the current folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from mealink.choices import DEFAULT_MAX_BYTES
from mealink.cli.options import (
    AsOfOption,
    DbOption,
    Format,
    FormatOption,
    MeetingsOption,
    out,
    progress_bar,
    write_csv,
)
from mealink.cli.search import embed_with_progress
from mealink.errors import MealinkError

if TYPE_CHECKING:
    from rich.table import Table
    from rich.tree import Tree

    from mealink.load import Skipped
    from mealink.store import FileOutcome, IngestSummary, Store
    from mealink.store.corpus.status import DocumentStatus, LineageNode

__all__ = ['register']


def _summary_table(summary: IngestSummary, db: str) -> Table:
    from rich.table import Table
    t = Table(title=f"Ingested into {db}", show_header=True, header_style="bold")
    counts = summary.counts()
    for k in counts:
        t.add_column(k, justify="right")
    t.add_row(*(str(v) for v in counts.values()))
    return t


def _printable(line: str) -> str:
    """A line as valid UTF-8 even if a file name in it still holds undecodable bytes."""
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def ingest_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (read recursively).")],
    db: DbOption = None,
    max_size: Annotated[float, typer.Option(help="Largest input accepted, in MB.")] =
        DEFAULT_MAX_BYTES / 1e6,
    force: Annotated[bool, typer.Option(help="Parse and store files again even when "
                                             "unchanged.")] = False,
    embed: Annotated[bool, typer.Option(help="Compute sentence vectors of new or changed "
                                             "paragraphs (for meaning-based search and "
                                             "overlaps); `mealink embed` does it later.")]
        = True,
    as_symbol: Annotated[str | None, typer.Option(
        "--as", help="What the one file given is, when its text does not say "
                     "('UNEP/CMS/Resolution 11.28'); recorded as given at ingest.")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", min=1, help="Processes that parse while this one stores (default: one a "
                              "CPU, up to 4, for 64 files or more; 1 parses here). What is "
                              "stored is the same.")] = None,
) -> None:
    """Parse, annotate and store resolutions and decisions; link the corpus. A text whose
    header does not say what it is is identified by --as, a sidecar NAME.meta.json or front
    matter, or its file name (cms-res-11.28.txt); each answer says which."""
    from mealink.load import iter_paths
    from mealink.store import ingest, open_store

    skips: list[Skipped] = []
    files = list(iter_paths(paths, on_skip=skips.append))  # ingest() reports the skips
    if as_symbol is not None and len(files) != 1:
        raise MealinkError(f"--as {as_symbol!r} names one text, but {len(files)} files were "
                           "given; ingest that file alone with --as")
    store = open_store(db)
    notes: list[FileOutcome] = []
    with progress_bar("ingest", describe=True) as bar:
        task = bar.add_task("", total=len(files) + len(skips))

        def tick(o: FileOutcome) -> None:
            bar.update(task, advance=1, description=Path(o.path).name[:40])
            if o.outcome in ("failed", "duplicate", "skipped") or o.message:
                notes.append(o)

        summary = ingest(store, paths, max_bytes=int(max_size * 1e6), on_file=tick,
                         force=force, as_symbol=as_symbol, workers=jobs)
    _report(summary, notes, store, embed)


def _report(summary: IngestSummary, notes: list[FileOutcome], store: Store,
            embed: bool = False) -> None:
    out.print(_summary_table(summary, store.name))
    for o in notes:  # one line each, however long: never wrapped at the terminal's width
        style = "red" if o.outcome == "failed" else "yellow"
        said = o.message or o.path  # which file a note is about, said once
        if not said.startswith(o.path):
            said = f"{o.path}: {said}"
        out.print(Text(_printable(f"{o.outcome}: {said}"), style=style), soft_wrap=True)
        for line in o.problems:  # each bad record of an InforMEA file
            out.print(Text(_printable(f"  {line}"), style=style), soft_wrap=True)
    if summary.link:
        lk = summary.link
        out.print(f"{summary.paragraphs} paragraphs stored. Corpus: {lk.documents} documents, "
                  f"{lk.stubs} more known only from citations; {lk.resolved} of "
                  f"{lk.citations} citations lead to a stored text; {lk.not_in_force} texts "
                  "no longer in force. `mealink refs --unresolved` lists what to ingest next.")
    if summary.stopped is not None:  # a database fault: its one line, after the summary
        raise summary.stopped
    if embed:
        embed_with_progress(store)  # the store as opened: its name hides a password
    if summary.counts()["failed"]:
        raise typer.Exit(1)


def reparse_cmd(db: DbOption = None) -> None:
    """Parse every stored document again from its kept original (after an upgrade)."""
    from mealink.store import open_store, reparse

    store = open_store(db)
    notes: list[FileOutcome] = []
    summary = reparse(store, on_file=lambda o: notes.append(o) if o.outcome == "failed"
                      or o.message else None)
    _report(summary, notes, store, embed=True)


_STATE_STYLE = {True: "green", False: "red", None: "yellow"}


def _status_line(st: DocumentStatus) -> Text:
    """'CMS Resolution 7.9 (its text is not in the corpus; known from citations): repealed
    as of COP14', then what it rests on, one line each."""
    what = st.paragraph_id or st.label
    line = Text()
    line.append(what, style="bold")
    if st.asked:
        line.append(f" (asked: {st.asked}, one of the texts it holds)", style="dim")
    if st.is_stub:
        line.append(" (its text is not in the corpus; known from citations)", style="dim")
    line.append(": ")
    state = st.state
    if st.state == "no repeal known":
        state = "no repeal known (text not in the corpus)"
    elif st.state == "expected to have lapsed" and st.lapsed_at:
        state = f"{st.state} at {st.lapsed_at}"
    line.append(state, style=_STATE_STYLE[st.in_force])
    if st.as_of:
        line.append(f" as of {st.as_of}")
    if st.title:
        line.append(f"\n  title: {st.title}", style="dim")
    elif not st.is_stub:
        line.append("\n  title: not in the text (a sidecar NAME.meta.json can give it)",
                    style="dim")
    for e in st.evidence:
        line.append(f"\n  {_EVIDENCE_WORD.get(e.kind, 'rests on')}: ", style="dim")
        line.append(e.text)
    if not st.is_stub and (st.adoption != "adopted" or st.adopted_by):
        who = st.adopted_by or st.adoption
        line.append(f"\n  adopted by: {who}", style="dim")
        if st.adoption_evidence:
            line.append(f" ({st.adoption_evidence})", style="dim")
    if st.identified_by:
        line.append(f"\n  identified by: {st.identified_by}", style="dim")
    return line


_EVIDENCE_WORD = {"act": "evidence", "revision": "evidence", "rule": "rule", "page": "evidence",
                  "keeps": "evidence", "adoption": "why", "citations": "known from",
                  "none": "evidence"}


def status_cmd(
    document: Annotated[str, typer.Argument(help="A symbol or citation ('CMS Resolution "
                                                 "7.9'), a stable id or a paragraph id.")],
    as_of: AsOfOption = None,
    meetings: MeetingsOption = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Tell whether a document or paragraph is in force, what ended it or will, and what
    the answer rests on (the paragraph, the rule, or that no evidence says either way)."""
    from mealink.link.status import parse_as_of
    from mealink.mandates.knowledge import read_meetings
    from mealink.store.corpus.status import status
    from mealink.store.engine.reader import open_reader

    when = parse_as_of(as_of) if as_of else None
    with open_reader(db) as reader:
        st = status(reader, document, when, read_meetings(meetings))
    if fmt is Format.json:
        print(json.dumps(st.to_dict(), ensure_ascii=False, indent=2))
    elif fmt is Format.csv:
        write_csv([{**st.to_dict(), "evidence": [e.text for e in st.evidence]}],
                   ["document_id", "label", "title", "state", "in_force", "as_of",
                    "paragraph_id", "in_corpus", "evidence", "adoption", "identified_by"])
    else:
        out.print(_status_line(st))


def _via(node: LineageNode) -> str:
    """What an edge rests on, as the tree says it: 'by its revision mark', 'para 28 of the
    acting text'."""
    if node.via is None:
        return ""
    if node.via == "revision mark":
        return "by its revision mark"
    return f"{node.via.rsplit('/', 1)[-1].replace('_', ' ')} of the acting text"


def _relation(node: LineageNode) -> str:
    scope = f" paragraphs {', '.join(node.paragraphs)} of" if node.paragraphs else ""
    return f"{node.relation}{scope}"


#: the order a text's relations are named in: what ends or changes it before what cites it
_RANK = {"revises": 1, "keeps": 2, "recalls": 3, "cites": 4}


def _by_text(children: list[LineageNode]) -> list[list[LineageNode]]:
    """The edges of a node grouped per text, so a text both repealed and cited is one
    branch: strongest relation first, texts in the order of their strongest edge."""
    groups: dict[str, list[LineageNode]] = {}
    for c in children:
        groups.setdefault(c.document_id, []).append(c)
    ranked = [sorted(g, key=lambda n: _RANK.get(n.relation or "", 0)) for g in groups.values()]
    first = {id(g[0]): i for i, g in enumerate(ranked)}
    return sorted(ranked, key=lambda g: (_RANK.get(g[0].relation or "", 0), first[id(g[0])]))


def _tree(node: LineageNode, tree: Tree | None, arrow: str,
          edges: list[LineageNode] | None = None) -> Tree:
    from rich.tree import Tree
    edges = edges or [node]
    label = Text(node.label, style="bold" if node.in_corpus else "dim")
    if len(edges) == 1 and node.relation:
        label = Text(f"{arrow} {_relation(node)} ", style="cyan") + label
    elif node.relation:
        label = Text(f"{arrow} " + ", ".join(
            f"{e.relation} (paragraphs {', '.join(e.paragraphs)})" if e.paragraphs
            else str(e.relation) for e in edges) + " ", style="cyan") + label
    label.append(f"  [{node.state}{'' if node.in_corpus else ', not in corpus'}]",
                 style="green" if node.state.startswith("in force") else
                 "yellow" if node.state == "no repeal known" else "red")
    if len(edges) == 1 and node.via:
        label.append(f"  ({_via(node)})", style="dim")
    elif len(edges) > 1 and any(e.via for e in edges):
        label.append("  (" + "; ".join(
            f"{e.relation}: {_via(e).removesuffix(' of the acting text')}"
            for e in edges if e.via) + " of the acting text)", style="dim")
    branch = tree.add(label) if tree is not None else Tree(label)
    children = [c for e in edges for c in e.children]
    for group in _by_text(children):
        _tree(group[0], branch, arrow, group)
    return branch


def lineage_cmd(
    document: Annotated[str, typer.Argument(help="A symbol, citation or stable id.")],
    citations: Annotated[bool, typer.Option("--citations", help="Also show what it recalls "
                                                                "or cites, and what cites it.")]
        = False,
    depth: Annotated[int, typer.Option(help="How many steps to follow.")] = 4,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Print what a document revises, repeals or retires (ancestors) and what revised,
    repealed or retired it (descendants), as trees."""
    from mealink.store.corpus.status import lineage
    from mealink.store.engine.reader import open_reader

    with open_reader(db) as reader:
        up, down = lineage(reader, document, citations=citations, depth=depth)
    if fmt is Format.json:
        print(json.dumps({"ancestors": up.to_dict(), "descendants": down.to_dict()},
                         ensure_ascii=False, indent=2))
        return
    if fmt is Format.csv:
        rows = []
        for root, direction in ((up, "ancestor"), (down, "descendant")):
            stack = [(root, 0)]
            while stack:
                n, level = stack.pop()
                if level:
                    rows.append({"direction": direction, "level": level, **n.to_dict()})
                stack += [(c, level + 1) for c in reversed(n.children)]
        write_csv(rows, ["direction", "level", "relation", "document_id", "label",
                          "paragraphs", "in_corpus", "state"])
        return
    out.print(Text("Ancestors (what it acts on)", style="underline"))
    out.print(_tree(up, None, "→"))
    out.print(Text("Descendants (what acted on it)", style="underline"))
    out.print(_tree(down, None, "←"))


def in_force_cmd(
    convention: Annotated[str | None, typer.Option(help="Only this convention (CMS, CBD, "
                                                        "CITES, Ramsar ...).")] = None,
    as_of: AsOfOption = None,
    include_cited: Annotated[bool, typer.Option(
        "--include-cited", help="Also list texts known only from citations that nothing "
                                "known repeals (labelled 'no repeal known').")] = False,
    meetings: MeetingsOption = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List the stored texts in force (wholly or in part), each with what that rests on."""
    from rich.table import Table

    from mealink.link.status import parse_as_of
    from mealink.mandates.knowledge import read_meetings
    from mealink.store.corpus.status import in_force
    from mealink.store.engine.reader import open_reader

    when = parse_as_of(as_of) if as_of else None
    with open_reader(db) as reader:
        rows = in_force(reader, convention, when, include_cited=include_cited,
                        meetings=read_meetings(meetings))
    if fmt is Format.json:
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    if fmt is Format.csv:
        write_csv([{**r.to_dict(), "evidence": [e.text for e in r.evidence]} for r in rows],
                   ["document_id", "label", "title", "state", "in_force", "adopted",
                    "in_corpus", "removed_paragraphs", "evidence"])
        return
    stored = sum(not r.is_stub for r in rows)
    cited = f", and {len(rows) - stored} known only from citations with no repeal known" \
        if include_cited else ""
    t = Table(title=f"In force{f' as of {when.label}' if when else ''}"
                    f"{f' ({convention})' if convention else ''}: {stored} stored texts{cited}")
    for col in ("document", "adopted", "status", "rests on"):
        t.add_column(col)
    for r in rows:
        state = r.state if not r.removed_paragraphs else \
            f"{r.state} (not paragraphs {', '.join(r.removed_paragraphs)})"
        if r.is_stub:
            state = "no repeal known (text not in the corpus)"
        why = "; ".join(e.text for e in r.evidence if e.kind != "none" or r.is_stub) or \
            "no act against it in the corpus"
        label = Text(r.label, style="" if not r.is_stub else "dim")
        if r.title:
            label.append(f"\n{r.title}", style="dim")
        t.add_row(label, r.adopted or "", state, why)
    if rows:
        coverage = sorted({e.text for r in rows for e in r.evidence
                           if e.kind == "none" and e.text.startswith("consulted")})
        t.caption = "Nothing known acts against these texts; " + "; ".join(coverage)
    out.print(t)


def refs_cmd(
    unresolved_only: Annotated[bool, typer.Option("--unresolved", help="Only cited texts "
                                                  "whose text is not in the corpus.")] = False,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List the texts the corpus cites, most cited first; with --unresolved only those not
    in the corpus: what to ingest next."""
    from rich.table import Table

    from mealink.store.corpus.status import cited
    from mealink.store.engine.reader import open_reader

    with open_reader(db) as reader:
        rows = cited(reader, unresolved_only=unresolved_only)
    if fmt is Format.json:
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    if fmt is Format.csv:
        write_csv([r.to_dict() for r in rows], ["target", "key", "count", "in_corpus",
                                                 "cited_by"])
        return
    title = f"{len(rows)} cited texts not in the corpus" if unresolved_only else \
        f"{len(rows)} cited texts ({sum(not r.in_corpus for r in rows)} not in the corpus)"
    t = Table(title=title, caption="citations: how often stored texts cite it (the same "
                                   "count with or without --unresolved); cited by: the "
                                   "texts citing it. A text citing itself or its own items "
                                   "is not counted.")
    t.add_column("cited text")
    t.add_column("citations", justify="right")
    t.add_column("in corpus")
    t.add_column("cited by")
    for r in rows:
        t.add_row(r.target, str(r.count), "yes" if r.in_corpus else "no",
                  ", ".join(r.cited_by[:4]) +
                  (f" (+{len(r.cited_by) - 4})" if len(r.cited_by) > 4 else ""))
    out.print(t)


def register(app: typer.Typer) -> None:
    """Add the corpus commands to the ``mealink`` app."""
    app.command("ingest")(ingest_cmd)
    app.command("reparse")(reparse_cmd)
    app.command("status")(status_cmd)
    app.command("lineage")(lineage_cmd)
    app.command("in-force")(in_force_cmd)
    app.command("refs")(refs_cmd)
