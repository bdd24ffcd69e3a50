"""The synergies benchmark's corpus: the generated store corpus with its wording varied, so
that nearly every paragraph text is distinct, ingested into a SQLite file kept in the work
folder.

**The corpus** is the harness's generator (``harness/corpus.py``, seed 20261122), run into
``--workdir`` and kept there. That generator builds 100,000 paragraphs
out of the ~350 real paragraphs of 43 real texts, so verbatim it holds only ~1,500 distinct
paragraph texts (1,394 in 20,006 paragraphs): the embeddings are keyed by text, and the
full embed would take seconds, measuring nothing. So every generated document then gets its
wording varied, deterministically (``random.Random`` seeded per file): in each paragraph's
own text, after its lead verb (top-level paragraphs without one, often chapeaux, and
headings are left alone), an inserted phrase (", in particular in the Sahel,", ", with
due regard to national circumstances," ...) and common words swapped for synonyms
("relevant" -> "pertinent", "cooperation" -> "collaboration" ...). Each varied document is
parsed again and kept only if it yields the same paragraphs (kinds, count) and the same
identifier; otherwise its verbatim text stays. Nearly every paragraph text is then distinct,
with realistic lengths, and copies of one real paragraph remain close in meaning (so the
overlap search has many true close pairs: more than a real corpus would). ``--verbatim``
skips this step.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path
from typing import Any

from harness.corpus import SEED, doc_id, fresh_folder, generate_from, ingest_measured
from harness.db import read_only, remove_sqlite, scalar, sqlite_bytes
from harness.provenance import source_digest
from harness.timing import Log

from mealink import load_bytes, parse_source
from mealink.errors import MealinkError
from mealink.models import Document

ATTEMPTS = 4  # draws of a document's variation before its verbatim text is kept

# --------------------------------------------------------------------------- varied corpus


#: Common words of the treaty register and synonyms that keep the sentence grammatical.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "relevant": ("pertinent", "applicable"), "appropriate": ("suitable", "adequate"),
    "ensure": ("make sure", "guarantee"), "including": ("inter alia", "among others"),
    "implementation": ("application", "execution"), "activities": ("actions", "work"),
    "develop": ("elaborate", "prepare"), "strengthen": ("reinforce", "enhance"),
    "enhance": ("strengthen", "improve"), "cooperation": ("collaboration", "partnership"),
    "information": ("data", "knowledge"), "further": ("additional", "more"),
    "consider": ("examine", "look into"), "promote": ("foster", "advance"),
    "important": ("essential", "significant"), "measures": ("steps", "actions"),
    "provide": ("supply", "offer"), "assess": ("evaluate", "appraise"),
    "establish": ("set up", "create"), "countries": ("nations", "States"),
    "conservation": ("protection", "preservation"), "efforts": ("endeavours", "work"),
    "identify": ("determine", "pinpoint"), "facilitate": ("enable", "ease"),
    "organizations": ("bodies", "institutions"), "progress": ("advances", "headway"),
    "guidance": ("advice", "direction"), "issues": ("matters", "questions"),
    "possible": ("feasible", "practicable"), "urgent": ("pressing", "immediate"),
    "significant": ("considerable", "substantial"), "available": ("accessible", "existing"),
    "practices": ("approaches", "methods"), "effective": ("efficient", "successful"),
    "regarding": ("concerning", "on"), "also": ("likewise", "moreover"),
    "within": ("inside", "in"), "management": ("stewardship", "governance"),
}
_SYNONYM = re.compile(r"\b(" + "|".join(sorted(SYNONYMS, key=len, reverse=True)) + r")\b")
_FRAMES = ("in particular in {region}", "with due regard to {concern}",
           "in cooperation with {partner}", "where appropriate and by {year}",
           "taking into account {concern}", "as a matter of priority in {region}",
           "with the support of {partner}", "no later than {year}")
_FILL: dict[str, tuple[str, ...]] = {
    "region": ("Africa", "the Arctic", "small island developing States", "the Mediterranean",
               "Central Asia", "the Pacific", "Latin America and the Caribbean",
               "South-East Asia", "the Sahel", "the Baltic Sea", "the Andes", "the Caspian"),
    "concern": ("national circumstances", "gender equality", "the precautionary approach",
                "the best available science", "available resources", "local livelihoods",
                "the needs of developing countries", "food security", "human health",
                "the rights of indigenous peoples", "ecosystem resilience", "water security"),
    "partner": ("relevant international organizations", "the private sector", "academia",
                "regional fisheries bodies", "non-governmental organizations",
                "development banks", "the scientific community", "regional seas programmes",
                "local authorities", "youth networks", "customs authorities",
                "national statistical offices"),
    "year": tuple(str(y) for y in range(2025, 2041)),
}


def _phrase(rng: random.Random) -> str:
    """One inserted phrase, a frame filled with a region, concern, partner or year."""
    frame = rng.choice(_FRAMES)
    return frame.format(**{k: rng.choice(v) for k, v in _FILL.items()})


#: the end of a sentence followed by a run of spaces: lines joined (a chapeau may follow)
_JOINED = re.compile(r"[;.:]\s{2,}\S")


def own_regions(doc: Document) -> list[tuple[int, int, bool]]:
    """Per paragraph, the stretch of its own words, and whether words may be added at its
    end.

    The stretch runs from after its lead ("Requests", "Noting" ...; a sub-item's from its
    body's start) to its body's end, the next paragraph inside it, or the end of its
    sentence when more text runs on after it on the same line ("...this Review;   The
    Conference of the Parties ... RECOMMENDS"), whichever comes first. Headings and
    top-level paragraphs without a lead (often a chapeau: "Parties are invited to:") are
    left alone. Words may be added at the end only before a final full stop or semicolon:
    not before a colon, which may end a chapeau ("RECOMMENDS that the Parties:"), nor after
    a trailing "; and", nor where the stretch was cut.
    """
    starts = sorted(p.span.start for p in doc.paragraphs)
    out = []
    for p in doc.paragraphs:
        if p.kind == "heading" or (p.lead is None and p.parent is None):
            continue
        begin = p.lead.span.end if p.lead else p.body.start
        end = min([p.body.end, *(s for s in starts if begin < s < p.body.end)])
        joined = _JOINED.search(doc.text, begin, end)
        end_ok = joined is None and doc.text[begin:end].rstrip()[-1:] in (".", ";")
        end = joined.start() + 1 if joined else end
        if end - begin >= 12:
            out.append((begin, end, end_ok))
    return out


def _insertion(text: str, begin: int, end: int, end_ok: bool, rng: random.Random,
               phrase: str) -> tuple[int, int, str] | None:
    """An edit adding ``phrase`` at a comma inside a line of text[begin:end], or before
    its final punctuation when ``end_ok``; None when there is no such place."""
    spots = [("comma", begin + m.start()) for m in re.finditer(", (?=\\S)", text[begin:end])]
    if end_ok:
        at_end = end
        while at_end > begin and text[at_end - 1] in " \n\t.;:,":
            at_end -= 1
        spots.append(("end", at_end))
    if not spots:
        return None
    kind, pos = rng.choice(spots)
    if kind == "comma":
        return pos, pos + 2, f", {phrase}, "
    return pos, pos, f", {phrase}"


def vary_text(text: str, doc: Document, rng: random.Random) -> str:
    """``text`` with every paragraph's own words varied: one or two inserted phrases and
    about half of its synonym-table words swapped."""
    edits: list[tuple[int, int, str]] = []
    for begin, end, end_ok in own_regions(doc):
        for _ in range(2 if rng.random() < 0.3 else 1):
            edit = _insertion(text, begin, end, end_ok, rng, _phrase(rng))
            if edit is not None:
                edits.append(edit)
        for m in _SYNONYM.finditer(text, begin, end):
            if rng.random() < 0.5:
                edits.append((m.start(), m.end(), rng.choice(SYNONYMS[m.group(1)])))
    edits.sort()
    out: list[str] = []
    pos = 0
    for start, stop, new in edits:
        if start < pos:  # overlaps the previous edit: leave it out
            continue
        out.append(text[pos:start])
        out.append(new)
        pos = stop
    out.append(text[pos:])
    return "".join(out)


def _shape(doc: Document) -> list[tuple[str, str | None, int | None]]:
    """What must not change when a text is varied: kind, number and parent of each paragraph."""
    return [(p.kind, p.number, p.parent) for p in doc.paragraphs]


def vary_corpus(folder: Path, seed: int, log: Log) -> dict[str, Any]:
    """Vary the wording of every generated document in ``folder`` (see the docstring): up
    to ATTEMPTS different draws, the first that parses to the same paragraphs and id is
    kept."""
    t0 = time.perf_counter()
    files = sorted(folder.glob("*.txt"))
    varied = kept = retried = 0
    for i, f in enumerate(files, 1):
        data = f.read_bytes()
        try:
            src = load_bytes(data, str(f))
            doc = parse_source(src)
        except MealinkError:
            kept += 1
            continue
        for attempt in range(ATTEMPTS):
            new = vary_text(src.text, doc, random.Random(f"{seed}-vary-{f.name}-{attempt}"))
            try:
                doc2 = parse_source(load_bytes(new.encode("utf-8"), str(f)))
            except MealinkError:
                continue
            if _shape(doc2) == _shape(doc) and doc_id(doc2) == doc_id(doc):
                f.write_text(new, encoding="utf-8")
                varied += 1
                retried += attempt > 0
                break
        else:
            kept += 1
        if i % 2000 == 0:
            log(f"  varied {i}/{len(files)} documents")
    return {"documents": len(files), "varied": varied, "varied_on_a_later_attempt": retried,
            "kept_verbatim": kept, "seconds": time.perf_counter() - t0}


def change_one_paragraph(path: Path, serial: int, rng: random.Random
                         ) -> dict[str, Any] | None:
    """Reword one paragraph of a stored document (an insertion no other text has); None
    when the document has no paragraph where the insertion fits."""
    text = path.read_text(encoding="utf-8")
    doc = parse_source(load_bytes(text.encode("utf-8"), str(path)))
    phrase = f"and to report back no later than {2041 + serial}"
    regions = own_regions(doc)
    rng.shuffle(regions)
    edit = next((e for e in (_insertion(text, b, e, ok, rng, phrase) for b, e, ok in regions)
                 if e is not None), None)
    if edit is None:
        return None
    start, stop, new = edit
    path.write_text(text[:start] + new + text[stop:], encoding="utf-8")
    return {"file": path.name, "offset": start, "inserted": new.strip(", ")}


def db_paths(workdir: Path, target: int) -> tuple[Path, Path, Path]:
    """The database, the build record and the documents' folder for a corpus size."""
    return (workdir / f"synergies-{target}.db", workdir / f"synergies-{target}.json",
            workdir / f"synergies-docs-{target}")


def corpus_counts(db: Path) -> dict[str, Any]:
    """What the database holds, counted in SQL."""
    with read_only(db) as con:
        def one(sql: str) -> int:
            return scalar(con, sql)
        per_conv = dict(con.execute(
            "SELECT coalesce(convention, '(none)'), count(*) FROM paragraphs "
            "GROUP BY 1 ORDER BY 2 DESC").fetchall())
        return {
            "documents": one("SELECT count(*) FROM documents WHERE NOT is_stub"),
            "paragraphs": one("SELECT count(*) FROM paragraphs"),
            "paragraphs_not_heading": one("SELECT count(*) FROM paragraphs "
                                          "WHERE kind != 'heading'"),
            "distinct_paragraph_texts": one("SELECT count(DISTINCT text_hash) FROM paragraphs "
                                            "WHERE kind != 'heading'"),
            "mandates": one("SELECT count(*) FROM mandates"),
            "distinct_mandate_actions": one("SELECT count(DISTINCT action) FROM mandates"),
            "embeddings": one("SELECT count(*) FROM embeddings"),
            "paragraph_vectors": one("SELECT count(*) FROM paragraphs p JOIN embeddings e "
                                     "ON e.text_hash = p.text_hash"),
            "paragraphs_per_convention": per_conv,
            "db_bytes": sqlite_bytes(db),
        }


def build_database(workdir: Path, target: int, corpus_dir: Path, examples: Path,
                   verbatim: bool, log: Log) -> dict[str, Any]:
    """Generate (and vary) the corpus into the work folder and ingest it into a fresh
    SQLite file; what was done, with timings."""
    db, _meta, docs = db_paths(workdir, target)
    remove_sqlite(db)
    templates, corpus = generate_from(corpus_dir, examples, fresh_folder(docs), target, log)
    log(f"{corpus.docs} documents, {corpus.paragraphs:,} paragraphs in {corpus.seconds:.0f} s")
    vary = None
    if not verbatim:
        log("varying the wording of every document ...")
        vary = vary_corpus(docs, SEED, log)
        log(f"varied {vary['varied']} documents ({vary['kept_verbatim']} kept verbatim) in "
            f"{vary['seconds']:.0f} s")
    log(f"ingesting into {db} ...")
    summary, meter = ingest_measured(db, docs, log)
    return {"target_paragraphs": target, "seed": SEED, "templates": templates,
            "generated_documents": corpus.docs, "generated_paragraphs": corpus.paragraphs,
            "generate_s": corpus.seconds, "varied": vary, "ingest_s": meter.wall,
            "ingest_meter": meter.as_dict(), "outcomes": summary.counts(),
            "source_digest": source_digest(), "built": time.strftime("%Y-%m-%d %H:%M:%S %z")}
