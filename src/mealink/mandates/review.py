"""Review of decisions: what to repeal in full, repeal in part, or consolidate, and why.

Pure functions over what the store hands in. A document is proposed for repeal in full when
every mandate it holds is implemented, elapsed, superseded or retired and no operative
paragraph holds a standing decision of its own ("Adopts the guidelines annexed"); a
paragraph for repeal in part when its time-bound mandates are all done or elapsed; in-force
resolutions of one convention for consolidation when they cite the same texts, share the
words of their titles and their operative text overlaps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

__all__ = ["DocumentFacts", "LapsingFacts", "MandateFacts", "Proposal", "ReviewResult",
           "annex_lines", "decision_ranges", "deletions", "paragraph_ranges", "propose"]

DONE = frozenset({"implemented", "elapsed", "superseded", "retired"})
_WORD = re.compile(r"[a-z][a-z-]{2,}")
_TITLE_STOP = frozenset({"the", "and", "for", "with", "of", "on", "in", "to", "its", "their",
                         "other", "among", "between", "use", "through", "resolution",
                         "decision", "decisions", "conservation", "migratory", "species"})


@dataclass(frozen=True, slots=True)
class MandateFacts:
    """A mandate as the review sees it (status as of the review's moment)."""

    id: str
    paragraph: str | None  # number as printed ("3(b)"), None for an unnumbered paragraph
    paragraph_id: str
    status: str
    time_bound: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """An in-force document as the review sees it."""

    id: str
    label: str
    title: str | None
    type: str
    operative: tuple[tuple[str, str | None, str | None], ...]  # (paragraph id, number, verb)
    mandates: tuple[MandateFacts, ...]
    cites: frozenset[str]
    text: str  # the operative text, for overlap
    removed: frozenset[str] = frozenset()  # paragraph ids already out of force
    ends: str = "repeal"  # what its convention does to end such a text: repeal, delete, retire


@dataclass(frozen=True, slots=True)
class LapsingFacts:
    """A text adopted for the period until the next meeting (a CMS Decision), as the review
    sees it: the numbers of the decisions it holds, the meeting that adopted it, the meeting
    it lasts until, and whether that meeting came before the review's (it is then expected
    to have lapsed already) or is the one under review."""

    id: str
    label: str
    numbers: tuple[str, ...]
    adopted: str  # 'COP12'
    until: str  # 'COP13'
    lapsed: bool
    rule: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposal: ``action`` is 'repeal', 'repeal in part', 'delete' (decisions adopted
    for the period until a meeting that has come) or 'consolidate'."""

    action: str
    documents: tuple[str, ...]
    labels: tuple[str, ...]
    paragraphs: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    score: float | None = None
    ranges: str = ""  # the paragraphs as an annex writes them: "3-5 and 8"
    verb: str = "repeal"  # the convention's word: repeal, delete (Decisions), retire (CBD)

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "verb": self.verb, "documents": list(self.documents),
                "labels": list(self.labels), "paragraphs": list(self.paragraphs),
                "ranges": self.ranges, "reasons": list(self.reasons), "score": self.score}


@dataclass(slots=True)
class ReviewResult:
    """Everything the review proposes for one convention."""

    convention: str
    as_of: str | None
    proposals: list[Proposal] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"convention": self.convention, "as_of": self.as_of,
                "proposals": [p.to_dict() for p in self.proposals]}


def _label(number: str | None, paragraph_id: str) -> str:
    return number if number else paragraph_id.rsplit("/", 1)[-1]


def paragraph_ranges(numbers: Sequence[str], order: Sequence[str]) -> str:
    """'3, 4, 5 and 8' -> '3-5 and 8' (runs of consecutive paragraphs in ``order``)."""
    pos = {n: i for i, n in enumerate(order)}
    items = sorted(dict.fromkeys(numbers), key=lambda n: pos.get(n, len(pos)))
    runs: list[list[str]] = []
    for n in items:
        if runs and n in pos and runs[-1][-1] in pos and pos[n] == pos[runs[-1][-1]] + 1 \
                and "(" not in n and "(" not in runs[-1][-1]:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [r[0] if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _full_repeal(d: DocumentFacts, standing_verbs: frozenset[str]) -> Proposal | None:
    live = [m for m in d.mandates if m.paragraph_id not in d.removed]
    if not live or any(m.status not in DONE for m in live):
        return None
    with_mandates = {m.paragraph_id for m in d.mandates}
    standing = [n for pid, n, verb in d.operative if pid not in with_mandates and
                pid not in d.removed and verb in standing_verbs]
    if standing:
        return None
    counts: dict[str, int] = {}
    for m in live:
        counts[m.status] = counts.get(m.status, 0) + 1
    said = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    why = [f"all {len(live)} mandates are done or past ({said})"]
    why += sorted({m.reason for m in live if m.reason})[:3]
    return Proposal("repeal", (d.id,), (d.label,), (), tuple(why), verb=d.ends)


def _partial_repeal(d: DocumentFacts) -> Proposal | None:
    by_paragraph: dict[str, list[MandateFacts]] = {}
    for m in d.mandates:
        if m.paragraph_id not in d.removed:
            by_paragraph.setdefault(m.paragraph_id, []).append(m)
    done: list[tuple[str, MandateFacts]] = []
    for pid, ms in by_paragraph.items():
        if all(m.time_bound and m.status in DONE for m in ms):
            done.append((pid, ms[0]))
    if not done:
        return None
    order = [_label(n, pid) for pid, n, _ in d.operative]
    labels = [_label(m.paragraph, pid) for pid, m in done]
    why = [f"paragraph {_label(m.paragraph, pid)}: {m.reason or m.status}" for pid, m in done]
    labels.sort(key=lambda n: order.index(n) if n in order else len(order))
    return Proposal("repeal in part", (d.id,), (d.label,), tuple(labels), tuple(why),
                    ranges=paragraph_ranges(labels, order), verb=d.ends)


def decision_ranges(numbers: Sequence[str]) -> str:
    """'12.91, 12.92, 12.93, 12.95' -> '12.91 to 12.93 and 12.95'; '12.81, 12.82' ->
    '12.81 and 12.82' (runs of three or more consecutive decisions of one meeting)."""
    def key(n: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", n)) or (0,)

    runs: list[list[str]] = []
    for n in sorted(dict.fromkeys(numbers), key=key):
        k = key(n)
        if runs and len(k) == 2 and key(runs[-1][-1])[:-1] == k[:-1] and \
                key(runs[-1][-1])[-1] + 1 == k[-1]:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [p for r in runs for p in ([f"{r[0]} to {r[-1]}"] if len(r) > 2 else r)]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def deletions(lapsing: Sequence[LapsingFacts], kind: str = "Decisions") -> list[Proposal]:
    """One proposal per meeting the texts were adopted for: 'Decisions 12.91 to 12.93:
    expected to have lapsed at COP13; delete unless kept'."""
    groups: dict[tuple[str, str, bool], list[LapsingFacts]] = {}
    for f in lapsing:
        groups.setdefault((f.adopted, f.until, f.lapsed), []).append(f)
    out = []
    for (adopted, until, lapsed), members in sorted(
            groups.items(), key=lambda g: (int(re.sub(r"\D", "", g[0][0]) or 0), g[0][2])):
        numbers = [n for m in members for n in m.numbers]
        ranges = decision_ranges(numbers)
        word = kind if len(numbers) > 1 else kind.rstrip("s")
        when = (f"expected to have lapsed at {until}" if lapsed else
                f"adopted at {adopted} for the period until {until}")
        why = [f"{word} {ranges}: {when}; delete unless kept", members[0].rule]
        out.append(Proposal("delete", tuple(m.id for m in members),
                            tuple(m.label for m in members), tuple(numbers), tuple(why),
                            ranges=ranges, verb="delete"))
    return out


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _TITLE_STOP}


def _shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i:i + n]) for i in range(max(0, len(words) - n + 1))}


def _jaccard(a: set[Any] | frozenset[Any], b: set[Any] | frozenset[Any]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _similarity(a: DocumentFacts, b: DocumentFacts) -> tuple[float, list[str]]:
    """How much two resolutions are on one subject, and the evidence in words."""
    reasons: list[str] = []
    shared_cites = (a.cites & b.cites) - {a.id, b.id}
    cites = _jaccard(a.cites - {b.id}, b.cites - {a.id})
    if shared_cites:
        reasons.append("both cite " + ", ".join(sorted(shared_cites)[:5]))
    ta, tb = _words(a.title or ""), _words(b.title or "")
    title = _jaccard(ta, tb)
    if ta & tb:
        reasons.append("titles share " + ", ".join(f"'{w}'" for w in sorted(ta & tb)))
    text = _jaccard(_shingles(a.text), _shingles(b.text))
    words = _jaccard(_words(a.text), _words(b.text))
    if text >= 0.02:
        reasons.append(f"{text:.0%} of their operative five-word phrases are shared")
    score = 0.35 * title + 0.25 * cites + 0.25 * min(1.0, text * 4) + 0.15 * words
    return score, reasons


def _consolidations(docs: Sequence[DocumentFacts], threshold: float) -> list[Proposal]:
    resolutions = [d for d in docs if d.type == "resolution"]
    parent = {d.id: d.id for d in resolutions}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    evidence: dict[frozenset[str], tuple[float, list[str]]] = {}
    for a, b in combinations(resolutions, 2):
        score, reasons = _similarity(a, b)
        if score >= threshold and len(reasons) >= 2:
            evidence[frozenset((a.id, b.id))] = (score, reasons)
            parent[root(a.id)] = root(b.id)
    groups: dict[str, list[DocumentFacts]] = {}
    for d in resolutions:
        groups.setdefault(root(d.id), []).append(d)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        ids = tuple(sorted(d.id for d in members))
        pairs = [(k, v) for k, v in evidence.items() if k <= set(ids)]
        best = max(v[0] for _, v in pairs)
        why = [f"{' and '.join(sorted(k))}: {'; '.join(v[1])} (score {v[0]:.2f})"
               for k, v in sorted(pairs, key=lambda kv: -kv[1][0])]
        labels = tuple(next(d.label for d in members if d.id == i) for i in ids)
        out.append(Proposal("consolidate", ids, labels, (), tuple(why), round(best, 3)))
    return out


def propose(convention: str, as_of: str | None, docs: Iterable[DocumentFacts],
            standing_verbs: frozenset[str], threshold: float = 0.3,
            lapsing: Sequence[LapsingFacts] = ()) -> ReviewResult:
    """The review's proposals for the in-force documents ``docs`` of one convention, and
    the deletion of the texts ``lapsing`` adopted for a period that has ended."""
    docs = list(docs)
    result = ReviewResult(convention, as_of)
    result.proposals += deletions(lapsing)
    for d in docs:
        full = _full_repeal(d, standing_verbs)
        if full is not None:
            result.proposals.append(full)
            continue
        part = _partial_repeal(d)
        if part is not None:
            result.proposals.append(part)
    fully = {p.documents[0] for p in result.proposals if p.action == "repeal"}
    result.proposals += _consolidations([d for d in docs if d.id not in fully], threshold)
    return result


_PARTICIPLE = {"repeal": "repealed", "delete": "deleted", "retire": "retired"}
_FULL_HEADING = {"repeal": "Texts to be repealed in full:", "delete": "Decisions to be deleted:",
                 "retire": "Decisions to be retired in full:"}


def annex_lines(result: ReviewResult) -> list[str]:
    """The draft annex in the COPs' form, in each convention's words: 'Resolution 10.21',
    'Resolution 12.21 (Rev.COP14), paragraphs 3-5 and 8'; CITES and CMS Decisions are
    deleted, CBD decisions retired."""
    lines: list[str] = []
    gone = [p for p in result.proposals if p.action == "delete"]
    if gone:
        lines.append("Decisions to be deleted (adopted for a period that has ended):")
        lines += [f"- {p.reasons[0]}" for p in gone]
    full = [p for p in result.proposals if p.action == "repeal"]
    for verb in dict.fromkeys(p.verb for p in full):
        lines.append(_FULL_HEADING.get(verb, f"Texts to be {verb} in full:"))
        lines += [f"- {p.labels[0]}" for p in full if p.verb == verb]
    part = [p for p in result.proposals if p.action == "repeal in part"]
    for verb in dict.fromkeys(p.verb for p in part):
        lines.append(f"Paragraphs to be {_PARTICIPLE.get(verb, verb)}:")
        for p in part:
            if p.verb == verb:
                word = "paragraph" if len(p.paragraphs) == 1 else "paragraphs"
                lines.append(f"- {p.labels[0]}, {word} {p.ranges}")
    cons = [p for p in result.proposals if p.action == "consolidate"]
    if cons:
        lines.append("Texts to be consolidated into one:")
        lines += [f"- {' with '.join(p.labels)}" for p in cons]
    return lines
