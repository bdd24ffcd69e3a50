"""Corpora for the store, mandates, web, export and synergies benchmarks: documents
generated deterministically (``random.Random(20261122)``) from the real texts.

The real texts are the ``*.txt`` files of the shared corpus and the examples (txt, md, html).
Every generated document is one real text (as mealink loads it: cleaned plain text) with its
identity changed - the last number of its symbol rewritten ("UNEP/CMS/Resolution 11.10" ->
"UNEP/CMS/Resolution 11.1234"), or, for texts without a symbol, only a file name of its
own, since those get their id from the file name - and about a quarter of its top-level
preamble and operative paragraphs swapped for paragraphs of the same kind from other texts,
so no two documents share their decision text (the store would keep such copies once).
Each generated document is parsed once while it is generated, with the calls ``ingest``
uses, to know its id, its fingerprint and its paragraph count: generation stops as soon as
the documents hold the requested number of paragraphs, and a document the store would
refuse as a duplicate is never written.
"""

from __future__ import annotations

import random
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.db import analyze
from harness.timing import Log, Meter
from mealink import load, load_bytes, parse_source
from mealink.errors import MealinkError
from mealink.link.lineage import document_links
from mealink.models import Document
from mealink.store.corpus.records import fallback_id, fingerprint

SEED = 20261122
FULL_PARAGRAPHS = 100_000
QUICK_PARAGRAPHS = 10_000
MIX_SHARE = 0.25  # share of top-level paragraphs replaced by one from another text


@dataclass
class Template:
    """One real text as mealink loads it, with what the generator rewrites."""

    name: str
    text: str
    symbol: str | None
    #: (start, end, kind, number) of top-level preamble / operative paragraphs, in order
    units: list[tuple[int, int, str, str | None]]


@dataclass
class Corpus:
    """The generated documents (already written to ``folder``) and what they hold."""

    folder: Path
    docs: int = 0
    paragraphs: int = 0
    bytes: int = 0
    skipped: int = 0
    templates: int = 0
    per_template: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def real_files(corpus: Path, examples: Path) -> list[Path]:
    """The real texts the generator starts from: the corpus's ``*.txt`` and the examples."""
    files = sorted(corpus.glob("*.txt"))
    if examples.is_dir():
        files += sorted(p for p in examples.iterdir()
                        if p.suffix in (".txt", ".md", ".html") and p.name != "README.md")
    return files


def _units(doc: Document) -> list[tuple[int, int, str, str | None]]:
    """The top-level preamble and operative paragraphs of ``doc``, not nested in one another."""
    out: list[tuple[int, int, str, str | None]] = []
    end = -1
    for p in doc.paragraphs:
        if p.parent is None and p.kind in ("preamble", "operative") and p.span.start >= end:
            out.append((p.span.start, p.span.end, p.kind, p.number))
            end = p.span.end
    return out


def build_templates(files: Sequence[Path]) -> list[Template]:
    """One template per real text that parses (a text mealink refuses is left out)."""
    out = []
    for f in files:
        src = load(f)
        try:
            doc = parse_source(src)
        except MealinkError:
            continue
        out.append(Template(f.stem, src.text, doc.symbol, _units(doc)))
    return out


#: a decision number as written: "11.10", "XIV.7", "BS-VI/2", "15/8" (parsers take <= 3 digits)
_NUMBER = re.compile(r"(?<![\w.])((?:[A-Z]+-)?(?:\d{1,2}|[IVXLC]{1,6})[./])(\d{1,3})(?![\w/])")
_BARE_NUMBER = re.compile(r"(?<= )(\d{1,3})(?=\D*$)")
MAX_NUMBER = 999


def identity(t: Template) -> tuple[dict[str, int], int] | None:
    """What to rewrite in ``t`` to give it a new symbol: {prefix: first number} and the
    width of its range ('Decisions 12.91-12.93': ({'12.': 91}, 2)), or None without one."""
    if not t.symbol:
        return None
    found = [(m.group(1), int(m.group(2))) for m in _NUMBER.finditer(t.symbol)]
    if not found:
        bare = _BARE_NUMBER.search(t.symbol)
        return ({"": int(bare.group(1))}, 0) if bare else None
    prefix = found[0][0]
    nums = [n for p, n in found if p == prefix]
    return {prefix: min(nums)}, max(nums) - min(nums)


def renumber(t: Template, text_: str, use: int) -> str | None:
    """``text_`` with ``t``'s own number(s) rewritten for its ``use``-th copy
    ('UNEP/CMS/Resolution 11.10' -> 'UNEP/CMS/Resolution 11.<n>'); None when the
    numbers (at most 3 digits) are used up."""
    ident = identity(t)
    if ident is None or t.symbol is None:
        return text_
    firsts, width = ident
    new_first = 1 + (use - 1) * (width + 1)
    if new_first + width > MAX_NUMBER:
        return None
    (prefix, first), = firsts.items()
    if prefix == "":
        new_symbol = _BARE_NUMBER.sub(str(new_first), t.symbol)
        return text_.replace(t.symbol, new_symbol)

    def sub(m: re.Match[str]) -> str:
        n = int(m.group(2))
        if m.group(1) == prefix and first <= n <= first + width:
            return prefix + str(new_first + n - first)
        return m.group(0)
    return _NUMBER.sub(sub, text_)


_LEADING_NUMBER = re.compile(r"^\s*(\d{1,3})(\s*\.)")


def make_document(rng: random.Random, t: Template, pools: dict[str, list[str]],
                  use: int) -> str | None:
    """One generated text: template ``t`` with a new identity and about a quarter of its
    top-level paragraphs (at least one) swapped for paragraphs of the same kind from the
    other texts; None when ``t``'s numbers are used up."""
    body = t.text
    units = [u for u in t.units if pools[u[2]]]
    chosen = {i for i in range(len(units)) if rng.random() < MIX_SHARE}
    if units and not chosen:
        chosen = {rng.randrange(len(units))}
    pieces: list[str] = []
    pos = 0
    for i, (start, end, kind, number) in enumerate(units):
        if i not in chosen:
            continue
        repl = rng.choice(pools[kind])
        m = _LEADING_NUMBER.match(repl)
        if m and number and number.isdigit():
            repl = repl[:m.start(1)] + number + repl[m.end(1):]
        pieces.append(body[pos:start])
        pieces.append(repl)
        pos = end
    pieces.append(body[pos:])
    return renumber(t, "".join(pieces), use)


def generate(folder: Path, templates: list[Template], target: int, seed: int = SEED,
             log: Callable[[str], None] = print) -> Corpus:
    """Write generated documents into ``folder`` until they hold ``target`` paragraphs."""
    t0 = time.perf_counter()
    rng = random.Random(seed)
    pools: dict[str, list[str]] = {"preamble": [], "operative": []}
    for t in templates:
        for start, end, kind, _ in t.units:
            pools[kind].append(t.text[start:end])
    corpus = Corpus(folder, templates=len(templates))
    ids: set[str] = set()
    prints: set[str] = set()
    serial = 0
    uses: dict[str, int] = {}
    active = list(templates)
    while corpus.paragraphs < target:
        if not active:
            raise RuntimeError(f"the templates are used up at {corpus.paragraphs} paragraphs")
        t = active[serial % len(active)]
        serial += 1
        uses[t.name] = use = uses.get(t.name, 0) + 1
        text_ = make_document(rng, t, pools, use)
        if text_ is None:  # its numbers are used up
            active.remove(t)
            continue
        path = folder / f"d{serial:06d}_{t.name}.txt"
        data = text_.encode("utf-8")
        try:
            doc = parse_source(load_bytes(data, str(path)))
        except MealinkError:
            corpus.skipped += 1
            continue
        key = doc_id(doc)
        fp = fingerprint(doc)
        if key in ids or fp in prints or not doc.paragraphs:
            corpus.skipped += 1  # the store would keep it once: don't write it
            if uses[t.name] > 50 and corpus.per_template.get(t.name, 0) < uses[t.name] / 2:
                active.remove(t)  # this text makes mostly duplicates: leave it
            continue
        ids.add(key)
        prints.add(fp)
        path.write_bytes(data)
        corpus.docs += 1
        corpus.paragraphs += len(doc.paragraphs)
        corpus.bytes += len(data)
        corpus.per_template[t.name] = corpus.per_template.get(t.name, 0) + 1
        if corpus.docs % 2000 == 0:
            log(f"  generated {corpus.docs} documents, {corpus.paragraphs} paragraphs")
    corpus.seconds = time.perf_counter() - t0
    return corpus


def doc_id(doc: Document) -> str:
    """The id the store gives a parsed document."""
    links = document_links(doc)
    return links.keys[0].id if links.keys else fallback_id(doc)


def fresh_folder(folder: Path) -> Path:
    """``folder``, emptied (created when missing)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def generate_from(corpus: Path, examples: Path, folder: Path, target: int,
                  log: Log) -> tuple[int, Corpus]:
    """Build the templates from the real texts and generate documents into ``folder`` until
    they hold ``target`` paragraphs; (the number of templates, the corpus)."""
    templates = build_templates(real_files(corpus, examples))
    log(f"generating documents from {len(templates)} real texts until they hold "
        f"{target:,} paragraphs ...")
    return len(templates), generate(folder, templates, target, log=log)


def ingest_progress(log: Log, start: Callable[[], float]) -> Callable[[Any], None]:
    """An ``on_file`` callback for ``ingest`` that says every 2,000 files how far it got
    (``start`` gives the seconds elapsed)."""
    count = [0]

    def on_file(_o: Any) -> None:
        count[0] += 1
        if count[0] % 2000 == 0:
            log(f"  {count[0]} files ingested ({start():.0f} s)")
    return on_file


def ingest_measured(db: Path, docs: Path, log: Log) -> tuple[Any, Meter]:
    """Store the documents of ``docs`` in the SQLite file ``db`` with mealink's ``ingest``
    (the workers' CPU counted), analyse it for the planner as a user's store would be, and
    log the outcome; (the ingest summary, its meter)."""
    from mealink.store import ingest, open_store

    store = open_store(str(db))
    try:
        with Meter(children=True) as meter:
            summary = ingest(store, [docs], on_file=ingest_progress(log, meter.elapsed))
            analyze(store)
    finally:
        store.dispose()
    log(f"ingested {summary.paragraphs:,} paragraphs in {meter.wall:.0f} s "
        f"({summary.counts()})")
    return summary, meter
