"""The lineage graph: every edge once and the right way round, and an SVG picture that parses,
is accessible, escapes what it shows, is deterministic and stays bounded on large graphs.
The trees are invented, so their texts are numbered 900 and above (no real symbol).

Regenerate the golden picture after an intended change with
``MEALINK_UPDATE_GOLDEN=1 pytest tests/test_graph.py`` and look at it before committing it.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from lxml import etree

from mealink.store.corpus.status import LineageNode
from mealink.web.graph import MAX_PER_COLUMN, LineageEdge, lineage_edges, lineage_svg
from tests.conftest import REPO

NS = "{http://www.w3.org/2000/svg}"
GOLDEN = REPO / "tests" / "golden" / "lineage_11_10.svg"
Trees = tuple[LineageNode, LineageNode]


def href(document_id: str) -> str:
    return f"/documents/{document_id}"


def res(number: str, relation: str | None = None, *children: LineageNode,
        paragraphs: tuple[str, ...] = (), state: str = "in force", in_corpus: bool = True,
        kind: str = "resolution", label: str | None = None) -> LineageNode:
    """A CMS text as ``lineage()`` gives it: 'CMS Resolution 11.910 (Rev.COP13)' has the id
    cms/resolution/11.910-rev-cop13."""
    ident = number.lower().replace(" (rev.", "-rev-").rstrip(")")
    return LineageNode(f"cms/{kind}/{ident}", label or f"CMS {kind.title()} {number}", relation,
                       paragraphs, in_corpus, state, list(children))


def cms_11_10() -> Trees:
    """Resolution 11.910 repeals 7.909, 8.911 and 9.901 (8.911 having repealed two paragraphs of a
    recommendation that is not in the corpus) and is revised at COP13, that at COP14."""
    return (res("11.910", None,
                res("7.909", "repeals", state="repealed"),
                res("8.911", "repeals",
                    res("7.902", "repeals", paragraphs=("4", "6"), state="in force in part",
                        in_corpus=False, kind="recommendation"),
                    state="repealed"),
                res("9.901", "repeals", state="repealed"),
                state="replaced"),
            res("11.910", None,
                res("11.910 (Rev.COP13)", "revises",
                    res("11.910 (Rev.COP14)", "revises"), state="replaced"),
                state="replaced"))


def shared_branch() -> Trees:
    """7.909 met twice among the ancestors (repealed by 11.910, retired in part by 8.911), with the
    same stub under both."""
    return (res("11.910", None,
                res("7.909", "repeals", res("5.902", "repeals", in_corpus=False, state="repealed",
                                          kind="recommendation"), state="repealed"),
                res("8.911", "repeals",
                    res("7.909", "retires", res("5.902", "repeals", in_corpus=False,
                                              state="repealed", kind="recommendation"),
                        paragraphs=("3",), state="repealed"),
                    state="repealed")),
            res("11.910"))


def both_branches() -> Trees:
    """Two resolutions of one meeting citing each other: 11.909 is ancestor and descendant."""
    return (res("11.910", None, res("11.909", "cites")),
            res("11.910", None, res("11.909", "recalls")))


def cited_by(n: int) -> Trees:
    """A text cited by ``n`` others, every seventh of them not in the corpus."""
    return (res("11.910"),
            res("11.910", None, *(LineageNode(f"cbd/decision/xiv-{900 + i}",
                                              f"CBD Decision XIV/{900 + i}", "cites", (),
                                              i % 7 != 0, "in force")
                                  for i in range(n))))


def alone() -> Trees:
    return res("11.910"), res("11.910")


CASES: dict[str, Callable[[], Trees]] = {
    "cms_11_10": cms_11_10, "shared_branch": shared_branch, "both_branches": both_branches,
    "cited_by_300": lambda: cited_by(300), "alone": alone}

Row = tuple[str, str, str, tuple[str, ...]]


@pytest.mark.parametrize(("case", "expected"), [
    ("cms_11_10", [
        ("cms/resolution/11.910", "repeals", "cms/resolution/7.909", ()),
        ("cms/resolution/11.910", "repeals", "cms/resolution/8.911", ()),
        ("cms/resolution/11.910", "repeals", "cms/resolution/9.901", ()),
        ("cms/resolution/8.911", "repeals", "cms/recommendation/7.902", ("4", "6")),
        ("cms/resolution/11.910-rev-cop13", "revises", "cms/resolution/11.910", ()),
        ("cms/resolution/11.910-rev-cop14", "revises", "cms/resolution/11.910-rev-cop13", ())]),
    ("shared_branch", [
        ("cms/resolution/11.910", "repeals", "cms/resolution/7.909", ()),
        ("cms/resolution/11.910", "repeals", "cms/resolution/8.911", ()),
        ("cms/resolution/7.909", "repeals", "cms/recommendation/5.902", ()),
        ("cms/resolution/8.911", "retires", "cms/resolution/7.909", ("3",))]),
    ("both_branches", [
        ("cms/resolution/11.910", "cites", "cms/resolution/11.909", ()),
        ("cms/resolution/11.909", "recalls", "cms/resolution/11.910", ())]),
    ("alone", []),
])
def test_edges_once_and_oriented(case: str, expected: list[Row]) -> None:
    got = [(e.source_id, e.relation, e.target_id, e.paragraphs)
           for e in lineage_edges(*CASES[case]())]
    assert got == expected


def test_edge_labels_and_dict() -> None:
    edge = lineage_edges(*cms_11_10())[3]
    assert edge == LineageEdge("cms/resolution/8.911", "CMS Resolution 8.911", "repeals",
                               "cms/recommendation/7.902", "CMS Recommendation 7.902", ("4", "6"))
    assert edge.to_dict() == {
        "source_id": "cms/resolution/8.911", "source_label": "CMS Resolution 8.911",
        "relation": "repeals", "target_id": "cms/recommendation/7.902",
        "target_label": "CMS Recommendation 7.902", "paragraphs": ["4", "6"], "via": None}
    assert len(lineage_edges(*cited_by(300))) == 300


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode("utf-8"))


def nodes(root: etree._Element) -> list[etree._Element]:
    return [g for g in root.iter(f"{NS}g") if "node" in (g.get("class") or "").split()]


def classed(root: etree._Element, cls: str) -> list[etree._Element]:
    return [g for g in root.iter(f"{NS}g") if cls in (g.get("class") or "").split()]


@pytest.mark.parametrize("case", sorted(CASES))
def test_svg_is_accessible_and_scalable(case: str) -> None:
    root = parse(lineage_svg(*CASES[case](), href))
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "group"  # its links stay reachable by screen readers
    ids = {el.get("id"): el for el in root.iter()}
    labelled = [ids[i] for i in (root.get("aria-labelledby") or "").split()]
    assert [el.tag for el in labelled] == [f"{NS}title", f"{NS}desc"]
    assert labelled[0].text == "Lineage of CMS Resolution 11.910"
    box = [int(v) for v in (root.get("viewBox") or "").split()]
    assert box[:2] == [0, 0] and box[2] > 0 and box[3] > 0
    # natural size in the attributes (the page's CSS scales it down); no inline style,
    # which the Content-Security-Policy would refuse
    assert [root.get("width"), root.get("height")] == [str(box[2]), str(box[3])]
    assert root.get("style") is None and not list(root.iter(f"{NS}style"))
    assert all(int(el.get("font-size") or 13) >= 12 for el in root.iter(f"{NS}text"))
    assert all(g.find(f"{NS}title") is not None for g in nodes(root))
    assert not list(root.iter(f"{NS}script")) and "<script" not in lineage_svg(
        *CASES[case](), href)


@pytest.mark.parametrize(("case", "summary"), [
    ("cms_11_10", "Lineage of CMS Resolution 11.910: repeals 3 texts, replaced by 1."),
    ("shared_branch", "Lineage of CMS Resolution 11.910: repeals 2 texts."),
    ("both_branches", "Lineage of CMS Resolution 11.910: cites 1 text, recalled by 1."),
    ("cited_by_300", "Lineage of CMS Resolution 11.910: cited by 300. 25 of 300 related texts "
                     "drawn; all are listed in the table."),
    ("alone", "Lineage of CMS Resolution 11.910: no text known to act on it or be acted on "
              "by it."),
])
def test_svg_description(case: str, summary: str) -> None:
    assert parse(lineage_svg(*CASES[case](), href)).findtext(f"{NS}desc") == summary


@pytest.mark.parametrize(("case", "drawn", "links"), [
    ("cms_11_10", 7, 6),
    ("shared_branch", 4, 3),
    ("both_branches", 2, 2),
    ("alone", 1, 1),
])
def test_each_document_once_and_links_only_in_corpus(case: str, drawn: int, links: int) -> None:
    ancestors, descendants = CASES[case]()
    root = parse(lineage_svg(ancestors, descendants, href))
    titles = [g.findtext(f"{NS}title") or "" for g in nodes(root)]
    assert len(titles) == drawn == len(set(titles))
    anchors = list(root.iter(f"{NS}a"))
    assert len(anchors) == links
    in_corpus = {n.document_id for tree in (ancestors, descendants) for n in walk(tree)
                 if n.in_corpus}
    assert {a.get("href") for a in anchors} == {href(i) for i in in_corpus}
    for stub in classed(root, "stub"):
        parent = stub.getparent()
        assert parent is not None and parent.tag != f"{NS}a"
        assert "not in corpus" in [t.text for t in stub.iter(f"{NS}text")]
    assert len(classed(root, "root")) == 1


def walk(node: LineageNode) -> list[LineageNode]:
    return [node, *(n for c in node.children for n in walk(c))]


def test_edges_drawn_with_their_relation_family() -> None:
    root = parse(lineage_svg(*cms_11_10(), href))
    families = [g.get("class") for g in classed(root, "edge")]
    assert families == ["edge removal"] * 4 + ["edge revision"] * 2
    assert lineage_edges(*cms_11_10())[0].relation == "repeals"
    cites = classed(parse(lineage_svg(*both_branches(), href)), "citation")
    paths = [g.find(f"{NS}path") for g in cites if g.get("class") == "edge citation"]
    assert len(paths) == 2 and all(p is not None and p.get("stroke-dasharray") for p in paths)
    assert [g.findtext(f"{NS}title") for g in classed(root, "edge")][3] == (
        "CMS Resolution 8.911 repeals CMS Recommendation 7.902 (paragraphs 4, 6)")


@pytest.mark.parametrize(("paragraphs", "label"), [
    ((), "repeals"),
    (("4", "6"), "repeals ¶4, 6"),
    (("4", "5"), "repeals ¶4, 5"),
    (("1", "2", "3", "4"), "repeals ¶1–4"),
    (("1", "2", "3", "4", "7", "9", "12(a)"), "repeals ¶1–4, 7, 9 +1"),
    (("2(a)", "2(b)", "2(c)", "2(d)", "2(e)"), "repeals ¶2(a), 2(b) +3"),
])
def test_edge_label_shortens_the_paragraph_scope(paragraphs: tuple[str, ...],
                                                 label: str) -> None:
    trees = (res("11.910", None, res("7.909", "repeals", paragraphs=paragraphs)), res("11.910"))
    root = parse(lineage_svg(*trees, href))
    assert [g.findtext(f"{NS}text") for g in classed(root, "edge-label")] == [label]


def test_labels_are_escaped_and_long_ones_shortened() -> None:
    hostile = "<script>alert(1)</script> & co\x0b, a resolution with a very long title indeed"
    trees = (res("11.910", None, res("7.909", "repeals", label=hostile, state="<b>gone</b>")),
             res("11.910"))
    svg = lineage_svg(*trees, lambda i: f"/documents/{i}?a=1&b=<2>")
    root = parse(svg)
    assert "<script" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert all(etree.QName(el).localname not in ("script", "b") for el in root.iter()
               if isinstance(el.tag, str))
    node = next(g for g in nodes(root) if "root" not in (g.get("class") or ""))
    assert node.findtext(f"{NS}title") == hostile.replace("\x0b", "") + " — <b>gone</b>"
    lines = [t.text or "" for t in node.iter(f"{NS}text") if t.get("class") == "label"]
    assert len(lines) == 2 and lines[-1].endswith("…") and "".join(lines) != hostile
    assert "/documents/cms/resolution/11.910?a=1&b=<2>" in {a.get("href")
                                                           for a in root.iter(f"{NS}a")}


@pytest.mark.parametrize("case", sorted(CASES))
def test_svg_is_deterministic(case: str) -> None:
    trees = CASES[case]()
    assert lineage_svg(*trees, href) == lineage_svg(*trees, href) == lineage_svg(
        *CASES[case](), href)


def test_large_columns_are_capped() -> None:
    root = parse(lineage_svg(*cited_by(300), href))
    drawn = nodes(root)
    assert len(drawn) == 1 + MAX_PER_COLUMN + 1
    more = classed(root, "more")
    assert len(more) == 1 and more[0].findtext(f"{NS}text") == "+275 more"
    assert len(classed(root, "edge")) == MAX_PER_COLUMN
    assert len(list(root.iter(f"{NS}a"))) == 1 + sum(1 for i in range(25) if i % 7)
    assert int((root.get("viewBox") or "").split()[3]) < 3000


def test_several_pictures_on_one_page_keep_distinct_ids() -> None:
    a = parse(lineage_svg(*cms_11_10(), href))
    b = parse(lineage_svg(res("7.909"), res("7.909"), href))
    ids_a = {el.get("id") for el in a.iter() if el.get("id")}
    ids_b = {el.get("id") for el in b.iter() if el.get("id")}
    assert ids_a and ids_b and not ids_a & ids_b


def test_golden_svg() -> None:
    got = lineage_svg(*cms_11_10(), href) + "\n"
    if os.environ.get("MEALINK_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(got, encoding="utf-8")
    assert GOLDEN.is_file(), f"no golden file {GOLDEN}; run with MEALINK_UPDATE_GOLDEN=1"
    assert got == GOLDEN.read_text(encoding="utf-8")
