"""A text's lineage as a graph: the table of edges and an inline, accessible SVG picture.

Pure functions over the two trees that ``mealink.store.corpus.status.lineage`` returns, so the web
page, the API and the tests draw the same picture from the same data. The picture reads from
left to right: what the text acts on, the text, what acts on it; every arrow points from the
text that acts to the text acted on.
"""

from __future__ import annotations

import re
import textwrap
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from mealink.link.lineage import REMOVALS
from mealink.link.status import PAST

if TYPE_CHECKING:
    from mealink.store.corpus.status import LineageNode

__all__ = ["MAX_PER_COLUMN", "LineageEdge", "lineage_edges", "lineage_svg"]

#: Documents drawn in one column at most; the rest become one "+N more" box.
MAX_PER_COLUMN = 25

# Layout, in viewBox units (px when drawn at natural size).
_MARGIN = 16
_HEADER = 30            # room for the column headings
_NODE_W = 200
_GAP_X = 170            # between columns: room for the edge labels
_GAP_Y = 16
_PAD_Y = 9
_LABEL_LINE = 17        # 13px label text
_SMALL_LINE = 15        # 12px state text
_LABEL_CHARS = 24       # what fits in a box, at a generous average glyph width
_EDGE_CHARS = 22        # what fits between two columns
_MAX_PORTS = 6          # edges spread along a box side; more meet at its middle
_SCOPE_ITEMS = 3        # paragraph numbers shown on an edge before "+N"

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_TEXT = "#1f2937"
_MUTED = "#4b5563"
_BORDER = "#6b7280"

#: Relation family -> (stroke colour, dash pattern or ""); colours at least 4.5:1 on white.
_FAMILIES: dict[str, tuple[str, str]] = {
    "removal": ("#b42318", ""),
    "revision": ("#1d4ed8", ""),
    "citation": ("#5f6368", "6 4"),
}
_PASSIVE = {**PAST, "recalls": "recalled", "cites": "cited"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class LineageEdge:
    """One act between two texts: ``source`` <relation> ``target``, e.g. "CMS Resolution 11.10
    repeals CMS Resolution 7.9", limited to ``paragraphs`` of the target when given."""

    source_id: str
    source_label: str
    relation: str
    target_id: str
    target_label: str
    paragraphs: tuple[str, ...] = ()
    via: str | None = None  # the acting paragraph's id, or "revision mark"

    def to_dict(self) -> dict[str, Any]:
        return {"source_id": self.source_id, "source_label": self.source_label,
                "relation": self.relation, "target_id": self.target_id,
                "target_label": self.target_label, "paragraphs": list(self.paragraphs),
                "via": self.via}


def _walk(root: LineageNode) -> Iterator[tuple[LineageNode, LineageNode]]:
    """Every (parent, child) pair of a tree, breadth-first, children in their given order."""
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for child in node.children:
            yield node, child
            queue.append(child)


def lineage_edges(ancestors: LineageNode, descendants: LineageNode) -> list[LineageEdge]:
    """Every edge of both lineage trees once, oriented "source acts on target": the ancestors'
    edges breadth-first, then the descendants'; a document met in several branches gives
    its edges once."""
    edges: dict[tuple[str, str, str, tuple[str, ...]], LineageEdge] = {}
    for acts_down, tree in ((True, ancestors), (False, descendants)):
        for parent, child in _walk(tree):
            src, tgt = (parent, child) if acts_down else (child, parent)
            edge = LineageEdge(src.document_id, src.label, child.relation or "relates to",
                               tgt.document_id, tgt.label, child.paragraphs, child.via)
            edges.setdefault((edge.source_id, edge.relation, edge.target_id, edge.paragraphs),
                             edge)
    return list(edges.values())


def _family(relation: str) -> str:
    if relation in REMOVALS:
        return "removal"
    return "revision" if relation == "revises" else "citation"


def _state_colour(state: str) -> str:
    if "part" in state:
        return "#8a4b00"
    if state.startswith("in force"):
        return "#166534"
    if state == "replaced":
        return _FAMILIES["revision"][0]
    if state in ("expected to have lapsed", "not adopted"):
        return _FAMILIES["removal"][0]
    return _FAMILIES["removal"][0] if state in _PASSIVE.values() else _MUTED


def _clean(text: str) -> str:
    """Text made safe for XML: characters XML 1.0 forbids dropped, then escaped."""
    return str(escape(_CONTROL.sub("", text)))


def _fit(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars - 1].rstrip() + "…"


def _wrap(text: str, chars: int, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of ``chars``, the last ending in "…" if cut."""
    out = textwrap.wrap(" ".join(text.split()), width=chars, max_lines=lines, placeholder="…",
                        break_on_hyphens=False)
    return out or [""]


def _scope(paragraphs: tuple[str, ...], most: int) -> str:
    """Paragraph numbers shortened: three or more consecutive ones as a range ("4–7"), at
    most ``most`` items, then "+N"."""
    items: list[str] = []
    run: list[int] = []

    def flush() -> None:
        items.extend([f"{run[0]}–{run[-1]}"] if len(run) > 2 else [str(n) for n in run])
        run.clear()

    for p in paragraphs:
        if not p.isdigit():
            flush()
            items.append(p)
            continue
        if run and int(p) != run[-1] + 1:
            flush()
        run.append(int(p))
    flush()
    if len(items) > most:
        return ", ".join(items[:most]) + f" +{len(items) - most}"
    return ", ".join(items)


def _edge_text(edge: LineageEdge) -> str:
    """'repeals', or 'repeals ¶4, 6' with as many paragraph numbers as fit between columns."""
    if not edge.paragraphs:
        return _fit(edge.relation, _EDGE_CHARS)
    for most in range(_SCOPE_ITEMS, 0, -1):
        text = f"{edge.relation} ¶{_scope(edge.paragraphs, most)}"
        if len(text) <= _EDGE_CHARS:
            return text
    return _fit(text, _EDGE_CHARS)


def _edge_title(edge: LineageEdge) -> str:
    scope = f" (paragraphs {', '.join(edge.paragraphs)})" if edge.paragraphs else ""
    return f"{edge.source_label} {edge.relation} {edge.target_label}{scope}"


@dataclass(slots=True)
class _Box:
    """A drawn document (or the "+N more" box of a column) and where it stands."""

    node: LineageNode | None
    column: int
    more: int = 0
    x: int = 0
    y: int = 0


def _layout(ancestors: LineageNode, descendants: LineageNode,
            ) -> tuple[dict[str, _Box], dict[int, list[_Box]]]:
    """Each document once, in the column of the first depth it is met at (ancestors to the
    left, negative; descendants to the right); a column holds ``MAX_PER_COLUMN`` at most and
    counts the rest, whose branches are not followed."""
    root = _Box(ancestors, 0)
    boxes: dict[str, _Box] = {ancestors.document_id: root,
                              descendants.document_id: root}
    columns: dict[int, list[_Box]] = {0: [root]}
    hidden: dict[str, int] = {}
    for sign, tree in ((-1, ancestors), (1, descendants)):
        queue: deque[tuple[LineageNode, int]] = deque([(tree, 0)])
        while queue:
            node, depth = queue.popleft()
            for child in node.children:
                cid = child.document_id
                if cid in hidden:
                    continue
                if cid not in boxes:
                    col = sign * (depth + 1)
                    column = columns.setdefault(col, [])
                    if len(column) >= MAX_PER_COLUMN:
                        hidden[cid] = col
                        continue
                    boxes[cid] = _Box(child, col)
                    column.append(boxes[cid])
                queue.append((child, depth + 1))
    for col in hidden.values():
        column = columns[col]
        if column[-1].node is not None:
            column.append(_Box(None, col))
        column[-1].more += 1
    return boxes, columns


def _node_lines(box: _Box) -> tuple[list[str], list[tuple[str, str]]]:
    """The label lines, and the small lines under them with their class."""
    if box.node is None:
        return [f"+{box.more} more"], [("see the table", "note")]
    small = [(_fit(box.node.state, _LABEL_CHARS + 4), "state")] if box.node.state else []
    if not box.node.in_corpus:
        small.append(("not in corpus", "stub-note"))
    return _wrap(box.node.label, _LABEL_CHARS, 2), small


def _node_svg(box: _Box, height: int, is_root: bool, href: Callable[[str], str]) -> str:
    """A rounded box with the label and, smaller, the state; a link when in the corpus."""
    node = box.node
    labels, small = _node_lines(box)
    in_corpus = node is not None and node.in_corpus
    classes = " ".join(["node"] + ["root"] * is_root + ["stub"] * (node is not None
                                                                     and not in_corpus)
                       + ["more"] * (node is None))
    if node is None:
        title = f"{box.more} more texts, not drawn: see the table"
    else:
        title = f"{node.label} — {node.state}" + ("" if in_corpus else ", not in corpus")
    fill = "#fff7e0" if is_root else "#ffffff" if in_corpus else "#f9fafb"
    stroke, width = (_TEXT, 2.5) if is_root else (_BORDER, 1.25)
    dash = "" if in_corpus else ' stroke-dasharray="5 3"'
    parts = [f'<g class="{classes}"><title>{_clean(title)}</title>',
             f'<rect x="{box.x}" y="{box.y}" width="{_NODE_W}" height="{height}" rx="8" '
             f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>']
    y = box.y + (height - len(labels) * _LABEL_LINE - len(small) * _SMALL_LINE) // 2
    cx = box.x + _NODE_W // 2
    weight = ' font-weight="600"' if is_root or node is None else ""
    for line in labels:
        parts.append(f'<text class="label" x="{cx}" y="{y + 13}" text-anchor="middle" '
                     f'font-size="13"{weight} fill="{_TEXT}">{_clean(line)}</text>')
        y += _LABEL_LINE
    for line, cls in small:
        colour = _state_colour(line) if cls == "state" else _MUTED
        style = ' font-style="italic"' if cls == "stub-note" else ""
        parts.append(f'<text class="{cls}" x="{cx}" y="{y + 12}" text-anchor="middle" '
                     f'font-size="12"{style} fill="{colour}">{_clean(line)}</text>')
        y += _SMALL_LINE
    parts.append("</g>")
    svg = "".join(parts)
    if node is not None and in_corpus:
        return f'<a href="{_clean(href(node.document_id))}">{svg}</a>'
    return svg


def _ends(src: _Box, tgt: _Box) -> tuple[int, int]:
    """The x where an edge leaves its source and reaches its target: facing sides, or the
    outer sides when both stand in one column (met at the same depth by two branches)."""
    if tgt.column == src.column:
        x = src.x + (_NODE_W if src.column > 0 else 0)
        return x, x
    rightwards = tgt.column > src.column
    return src.x + (_NODE_W if rightwards else 0), tgt.x + (0 if rightwards else _NODE_W)


def _ports(ends: list[tuple[_Box, int, _Box, int]], height: int) -> list[tuple[int, int]]:
    """The y of both ends of every edge: the few edges meeting one side of a box spread over
    its height, in the order of their other ends, so fans and opposite pairs do not overlap;
    a crowd of them meets at the middle, where their arrowheads merge into one."""
    sides: dict[tuple[int, int, int], tuple[_Box, list[tuple[int, int, int, int]]]] = {}
    for i, (src, sx, tgt, tx) in enumerate(ends):
        sides.setdefault((src.x, src.y, sx), (src, []))[1].append((tgt.y, tx, i, 0))
        sides.setdefault((tgt.x, tgt.y, tx), (tgt, []))[1].append((src.y, sx, i, 1))
    ys = [[0, 0] for _ in ends]
    for box, side in sides.values():
        side.sort()
        for k, (_, _, i, end) in enumerate(side):
            ys[i][end] = (box.y + height // 2 if not 1 < len(side) <= _MAX_PORTS else
                          box.y + 10 + round(k * (height - 20) / (len(side) - 1)))
    return [(a, b) for a, b in ys]


def _edge_svg(edge: LineageEdge, src: _Box, tgt: _Box, ends: tuple[int, int, int, int],
              prefix: str) -> tuple[str, str]:
    """The path of one edge (with its title) and its label, drawn later above all paths.

    The label stands on the line next to the document farther from the root, so the labels
    of a fan of edges line up with the boxes instead of piling up where the edges meet."""
    family = _family(edge.relation)
    colour, dash = _FAMILIES[family]
    sx, sy, tx, ty = ends
    if sx == tx:    # both in one column: an arc on the outer side
        side = -1 if src.column < 0 else 1
        bulge = sx + side * 60
        d = f"M{sx},{sy} C{bulge},{sy} {bulge},{ty} {tx},{ty}"
        lx, ly, anchor = sx + side * 50, (sy + ty) // 2, "end" if side < 0 else "start"
    else:
        rightwards = tx > sx
        mx = (sx + tx) // 2
        d = f"M{sx},{sy} C{mx},{sy} {mx},{ty} {tx},{ty}"
        if abs(tgt.column) > abs(src.column):
            lx, ly, anchor = tx + (-14 if rightwards else 14), ty, "end" if rightwards else "start"
        elif abs(src.column) > abs(tgt.column):
            lx, ly, anchor = sx + (8 if rightwards else -8), sy, "start" if rightwards else "end"
        else:
            lx, ly, anchor = mx, (sy + ty) // 2, "middle"
    text = _edge_text(edge)
    w = round(len(text) * 6.4) + 8
    left = {"start": lx - 4, "end": lx - w + 4, "middle": lx - w // 2}[anchor]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    path = (f'<g class="edge {family}"><title>{_clean(_edge_title(edge))}</title>'
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.6"{dash_attr} '
            f'marker-end="url(#{prefix}-arrow-{family})"/></g>')
    label = (f'<g class="edge-label {family}"><rect x="{left}" y="{ly - 8}" width="{w}" '
             f'height="16" rx="3" fill="#ffffff"/><text x="{lx}" y="{ly + 4}" '
             f'text-anchor="{anchor}" font-size="12" fill="{colour}">{_clean(text)}</text></g>')
    return path, label


def _summary(ancestors: LineageNode, descendants: LineageNode) -> str:
    """'Lineage of CMS Resolution 11.10: repeals 3 texts, revised by 1' (direct acts only)."""
    phrases: list[str] = []
    for acts, tree in ((True, ancestors), (False, descendants)):
        by_relation: dict[str, dict[str, None]] = {}
        for child in tree.children:
            by_relation.setdefault(child.relation or "relates to", {})[child.document_id] = None
        for relation, ids in by_relation.items():
            n = len(ids)
            if acts:
                phrases.append(f"{relation} {n} text{'' if n == 1 else 's'}")
            else:
                phrases.append(f"{_PASSIVE.get(relation, relation)} by {n}")
    what = ", ".join(phrases) if phrases else "no text known to act on it or be acted on by it"
    return f"Lineage of {ancestors.label}: {what}"


def _prefix(document_id: str) -> str:
    """An id prefix from the document, so several pictures can share one page."""
    return "lineage-" + (re.sub(r"[^a-z0-9]+", "-", document_id.lower()).strip("-") or "x")


def lineage_svg(ancestors: LineageNode, descendants: LineageNode,
                href: Callable[[str], str]) -> str:
    """An inline SVG of the lineage: the text in the middle, what it acts on to the left and
    what acts on it to the right, by depth; documents in the corpus link to ``href(id)``.
    Deterministic, self-contained (no script, no external resource) and scaled by viewBox."""
    boxes, columns = _layout(ancestors, descendants)
    pid = _prefix(ancestors.document_id)
    height = 2 * _PAD_Y + max(len(labels) * _LABEL_LINE + len(small) * _SMALL_LINE
                              for col in columns.values() for b in col
                              for labels, small in [_node_lines(b)])
    first, last = min(columns), max(columns)
    tallest = max(len(col) for col in columns.values())
    body = tallest * height + (tallest - 1) * _GAP_Y
    headers = first < 0 or last > 0
    top = _MARGIN + (_HEADER if headers else 0)
    for col_no, col in columns.items():
        x = _MARGIN + (col_no - first) * (_NODE_W + _GAP_X)
        y = top + (body - (len(col) * height + (len(col) - 1) * _GAP_Y)) // 2
        for box in col:
            box.x, box.y = x, y
            y += height + _GAP_Y
    width = 2 * _MARGIN + (last - first + 1) * _NODE_W + (last - first) * _GAP_X
    total_h = top + body + _MARGIN

    all_edges = lineage_edges(ancestors, descendants)
    edges = [e for e in all_edges if e.source_id in boxes and e.target_id in boxes]
    linked = [(boxes[e.source_id], boxes[e.target_id]) for e in edges]
    xs = [_ends(src, tgt) for src, tgt in linked]
    ys = _ports([(src, sx, tgt, tx) for (src, tgt), (sx, tx) in zip(linked, xs, strict=True)],
                height)
    paths: list[str] = []
    labels: list[str] = []
    for e, (src, tgt), (sx, tx), (sy, ty) in zip(edges, linked, xs, ys, strict=True):
        path, label = _edge_svg(e, src, tgt, (sx, sy, tx, ty), pid)
        paths.append(path)
        labels.append(label)

    title = f"Lineage of {ancestors.label}"
    desc = _summary(ancestors, descendants) + "."
    drawn = sum(1 for col in columns.values() for b in col if b.node is not None) - 1
    total = len({i for e in all_edges for i in (e.source_id, e.target_id)}
                - {ancestors.document_id})
    if drawn < total:
        desc += f" {drawn} of {total} related texts drawn; all are listed in the table."
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="{pid}" class="lineage" role="group" '
           f'aria-labelledby="{pid}-title {pid}-desc" viewBox="0 0 {width} {total_h}" '
           f'width="{width}" height="{total_h}" preserveAspectRatio="xMidYMin meet" '
           f'font-family="{_FONT}">',
           f'<title id="{pid}-title">{_clean(title)}</title>',
           f'<desc id="{pid}-desc">{_clean(desc)}</desc>',
           "<defs>"]
    for family, (colour, _) in _FAMILIES.items():
        out.append(f'<marker id="{pid}-arrow-{family}" viewBox="0 0 10 10" refX="10" refY="5" '
                   f'markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" '
                   f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    out.append("</defs>")
    out.append(f'<rect class="background" x="0" y="0" width="{width}" height="{total_h}" '
               f'fill="#ffffff"/>')
    if headers:
        out.append('<g class="headings">')
        for side, text in ((-1, "Texts it acts on"), (1, "Texts acting on it")):
            cols = [c for c in columns if c * side > 0]
            if cols:
                lefts = [_MARGIN + (c - first) * (_NODE_W + _GAP_X) for c in cols]
                cx = (min(lefts) + max(lefts) + _NODE_W) // 2
                arrow = "← " if side < 0 else ""
                tail = " →" if side > 0 else ""
                out.append(f'<text x="{cx}" y="{_MARGIN + 14}" text-anchor="middle" '
                           f'font-size="13" fill="{_MUTED}">{arrow}{text}{tail}</text>')
        out.append("</g>")
    out.append('<g class="edges">' + "".join(paths) + "</g>")
    out.append('<g class="edge-labels">' + "".join(labels) + "</g>")
    out.append('<g class="nodes">')
    for col_no in sorted(columns):
        out.extend(_node_svg(b, height, b is columns[0][0], href) for b in columns[col_no])
    out.append("</g></svg>")
    return "\n".join(out)
