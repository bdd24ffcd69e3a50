"""A comparison of two versions as a reader reads it: Markdown (inserted words in ``**``,
deleted in ``~~``) and HTML (inserted words underlined in ``<ins>``, deleted struck through
in ``<del>``, every text escaped), the preamble and the operative part under their own
headings, each paragraph under its labels in both versions ("¶5 → ¶6")."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from mealink.versions.align import DocumentDiff, ParagraphChange
from mealink.versions.words import Run

__all__ = ["PARTS", "html_document", "html_fragment", "markdown", "pieces"]

#: the heading each part of a text is shown under
PARTS = {"preamble": "Preamble", "operative": "Operative part", "heading": "Headings"}
_MD_SPECIAL = re.compile(r"([\\`*_~\[\]<>#|])")


def pieces(change: ParagraphChange) -> list[tuple[str, str]]:
    """The paragraph as (op, text) pieces in reading order, spaces included where its
    version has them: what every format marks up. An added or deleted paragraph is one
    piece; an unchanged or moved one, one equal piece."""
    if not change.runs:
        side = change.b or change.a
        op = {"added": "insert", "deleted": "delete"}.get(change.status, "equal")
        return [(op, side.text)] if side else []
    assert change.a is not None and change.b is not None
    out: list[tuple[str, str]] = []
    for run in change.runs:
        if out and _spaced(run, change.a.text, change.b.text):
            out.append(("space", " "))
        out.append((run.op, run.text))
    return out


def _spaced(run: Run, a: str, b: str) -> bool:
    """Whether the run's version has white space before it."""
    text, span = (a, run.a) if run.op == "delete" else (b, run.b)
    return span is not None and span.start > 0 and text[span.start - 1].isspace()


def _parts(diff: DocumentDiff) -> Iterator[tuple[str | None, list[ParagraphChange]]]:
    """The changes in order, grouped by part; a heading stays in the part it stands in."""
    part: str | None = None
    group: list[ParagraphChange] = []
    for c in diff.changes:
        if c.part != "heading" and c.part != part:
            if group:
                yield part, group
            part, group = c.part, []
        group.append(c)
    if group:
        yield part, group


def _status(c: ParagraphChange) -> str:
    extra = [w for w, on in (("renumbered", c.renumbered and c.status == "changed"),
                             ("reordered", c.reordered and c.status == "changed")) if on]
    return c.status + (f", {' and '.join(extra)}" if extra else "")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def markdown(diff: DocumentDiff) -> str:
    """The comparison as Markdown."""
    lines = [f"# {_md(diff.a_label)} → {_md(diff.b_label)}", "", diff.summary(), ""]
    for part, group in _parts(diff):
        lines += [f"## {PARTS[part or 'heading']}", ""]
        for c in group:
            lines += [f"### {c.title} ({_status(c)})", ""]
            body = []
            for op, text in pieces(c):
                t = _md(text) if op != "space" else " "
                body.append({"insert": f"**{t}**", "delete": f"~~{t}~~"}.get(op, t))
            lines += ["".join(body), ""]
    return "\n".join(lines)


def html_fragment(diff: DocumentDiff) -> str:
    """The comparison as an HTML section (escaped), for a page or a file."""
    e = html.escape
    out = [f'<section class="diff"><p class="diff-summary">{e(diff.summary())}</p>']
    for part, group in _parts(diff):
        out.append(f"<h2>{e(PARTS[part or 'heading'])}</h2>")
        for c in group:
            words = "".join(f"<{tag}>{e(text)}</{tag}>" if tag else e(text)
                            for op, text in pieces(c)
                            for tag in ({"insert": "ins", "delete": "del"}.get(op),))
            out.append(f'<article class="diff-{c.status}"><h3>{e(c.title)} '
                       f'<span class="diff-status">{e(_status(c))}</span></h3>'
                       f"<p>{words}</p></article>")
    out.append("</section>")
    return "\n".join(out)


_STYLE = ("body{font-family:serif;max-width:48em;margin:2em auto;line-height:1.5}"
          "ins{text-decoration:underline;background:#e6ffe6}"
          "del{text-decoration:line-through;background:#ffe6e6}"
          ".diff-status{font-weight:normal;font-size:80%;color:#555}")


def html_document(diff: DocumentDiff) -> str:
    """The comparison as a complete HTML file."""
    title = html.escape(f"{diff.a_label} → {diff.b_label}")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{_STYLE}</style></head>\n<body><h1>{title}</h1>\n"
            f"{html_fragment(diff)}\n</body></html>\n")
