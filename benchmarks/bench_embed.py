"""Ingest with embeddings, and embedding alone, with the full encoder and with the static
table (issue 18): 100 resolutions of 20 numbered operative paragraphs each (2,000), built
from real sentences of the corpus and ../shared/realdocs, each ingested into a fresh SQLite
store and embedded as `mealink ingest` does; then both models on the same distinct texts
in the same run (texts/s). Each numbered paragraph is the start of a real operative
paragraph up to a comma followed by the rest of another after a comma, so that the 2,000
are distinct texts. With --paragraphs N, the store benchmark's generated corpus of N
paragraphs, its wording varied as the synergies benchmark varies it (nearly every text
distinct), instead of the 100 resolutions (the 100,000-paragraph figure of the README).

Usage: .venv/bin/python benchmarks/bench_embed.py [--paragraphs N] [--skip-full]

The resolutions carry invented symbols (CMS Resolution 14.901 to 14.1000, 900 added to the
number as in tests/fixtures/invented), a real header's shape and real preamble and operative
paragraphs drawn with seed 20261206; they exist only in a temporary folder.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import cli
from harness.corpus import SEED as CORPUS_SEED
from harness.corpus import generate_from
from harness.resolutions import CHAPEAU_LINE, build_pools
from harness.timing import Meter
from synergies_corpus import vary_corpus

from mealink.semantic.encoder import Encoder
from mealink.semantic.static import StaticEncoder, TextEncoder
from mealink.store import ingest, open_store
from mealink.store.search.vectors import embed_paragraphs

SEED = 20261206
RESOLUTIONS = 100
NUMBERED = 20
#: more real texts for the sentence pools (the gold corpus alone holds 53 operative paragraphs)
REALDOCS = Path(__file__).resolve().parents[2] / "shared" / "realdocs"


def write_resolutions(folder: Path, corpus: Path) -> int:
    """100 resolutions of 20 numbered paragraphs into ``folder``; the paragraphs written."""
    pools = build_pools(corpus)
    more = build_pools(REALDOCS) if REALDOCS.is_dir() else pools
    operative, preamble = pools.operative + more.operative, pools.preamble + more.preamble
    # a paragraph's clauses up to one of its commas, then another's after one of its
    # commas: the text starts with a real lead and stays one paragraph (a sentence led by a
    # verb, "Requests ...", would start a paragraph of its own)
    single = [p.strip() for p in operative if "\n" not in p.strip() and ", " in p]
    heads = sorted({p[:m.start()] for p in single for m in re.finditer(", ", p)
                    if m.start() > 30})
    tails = sorted({p[m.end():] for p in single for m in re.finditer(", ", p)
                    if len(p) - m.end() > 30 and p[m.end()].islower()})
    rng = random.Random(SEED)
    for i in range(RESOLUTIONS):
        parts = ["Convention on the Conservation of Migratory Species of Wild Animals",
                 f"UNEP/CMS/Resolution 14.{901 + i}",
                 "Adopted by the Conference of the Parties at its 14th Meeting "
                 "(Samarkand, February 2024)"]
        parts += rng.sample(preamble, rng.randint(2, 6))
        parts.append(CHAPEAU_LINE)
        # 2,000 distinct texts (the pools hold about a hundred paragraphs, which the store
        # would embed once)
        parts += [f"{n}. {rng.choice(heads)}, {rng.choice(tails)}"
                  for n in range(1, NUMBERED + 1)]
        (folder / f"cms-res-14.{901 + i}.txt").write_text("\n\n".join(parts) + "\n",
                                                           encoding="utf-8")
    return RESOLUTIONS * NUMBERED


def ingest_and_embed(url: str, folder: Path, model: TextEncoder, log: Any) -> dict[str, Any]:
    """Ingest ``folder`` into a fresh store at ``url``, then embed with ``model`` (the store
    is switched to it first, as `mealink embed --model` does on an empty store)."""
    store = open_store(url)
    try:
        embed_paragraphs(store, model=model)  # records the model on the empty store
        with Meter(children=True) as m_ing:
            summary = ingest(store, [folder])
        with Meter(children=True) as m_emb:
            done = embed_paragraphs(store)
        total = m_ing.wall + m_emb.wall
        res = {"paragraphs": summary.paragraphs, "ingest_s": round(m_ing.wall, 2),
               "embed_s": round(m_emb.wall, 2), "embedded": done.embedded,
               "model": done.model, "total_s": round(total, 2),
               "paragraphs_per_s": round(summary.paragraphs / total, 1),
               "embedded_per_s": round(done.embedded / m_emb.wall, 1) if m_emb.wall else None,
               "others_busy_cpus": round(max(m_ing.others, m_emb.others), 2)}
        log(f"  {done.model}: {res}")
        return res
    finally:
        store.dispose()


def texts_per_s(model: TextEncoder, texts: list[str]) -> dict[str, Any]:
    """Embedding alone: texts per second of ``model`` on ``texts`` (loaded first)."""
    model.encode(["warm-up"])
    with Meter() as m:
        model.encode(texts)
    return {"texts": len(texts), "seconds": round(m.wall, 2),
            "texts_per_s": round(len(texts) / m.wall, 1),
            "others_busy_cpus": round(m.others, 2)}


def main() -> None:
    ap = cli.parser(__doc__)
    cli.add_real_texts(ap)
    ap.add_argument("--paragraphs", type=int, default=None,
                    help="a generated corpus of N paragraphs instead of the 100 resolutions")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--skip-full", action="store_true",
                    help="do not ingest with the full encoder (slow at 100,000 paragraphs)")
    args = ap.parse_args()
    log = cli.progress_log()
    out = args.out or Path(__file__).resolve().parent / (
        "results-embed.json" if args.paragraphs is None
        else f"results-embed-{args.paragraphs}.json")
    res: dict[str, Any] = {"load_at_start": os.getloadavg(), "engine": "sqlite",
                           "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        if args.paragraphs is None:
            res["numbered_paragraphs"] = write_resolutions(folder, args.corpus)
            res["corpus"] = "100 resolutions x 20 numbered paragraphs"
        else:
            _, corpus = generate_from(args.corpus, args.examples, folder, args.paragraphs, log)
            log("varying the wording, as the synergies benchmark does ...")
            varied = vary_corpus(folder, CORPUS_SEED, log)
            res["corpus"] = (f"generated, {corpus.docs} documents, {corpus.paragraphs} "
                             f"paragraphs, {varied['varied']} varied")
        models: list[tuple[str, TextEncoder]] = [("static", StaticEncoder())]
        if not args.skip_full:
            models.append(("full", Encoder()))
        for name, model in models:
            log(f"ingest + embed, {name} ...")
            url = str(Path(tmp) / f"{name}.db")
            res[f"ingest_{name}"] = ingest_and_embed(url, folder, model, log)
        store = open_store(str(Path(tmp) / "static.db"))
        from sqlalchemy import text

        with store.engine.connect() as conn:
            texts = [r[0] for r in conn.execute(text(
                "SELECT DISTINCT text FROM paragraphs WHERE kind != 'heading'"))]
        store.dispose()
        sample = texts if args.paragraphs is None else random.Random(SEED).sample(
            texts, min(len(texts), 1000))
        log(f"embedding alone, {len(sample)} distinct paragraph texts ...")
        res["alone_static"] = texts_per_s(StaticEncoder(), texts)
        res["alone_full"] = texts_per_s(Encoder(), sample)
        log(f"  static {res['alone_static']}, full {res['alone_full']}")
    res["load_at_end"] = os.getloadavg()
    out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print("| measure | static | full encoder |")
    print("|---|---:|---:|")
    for key in ("ingest_static", "ingest_full"):
        if key not in res:
            res[key] = {}
    s, f = res["ingest_static"], res["ingest_full"]
    print(f"| ingest + embed, paragraphs/s | {s.get('paragraphs_per_s')} | "
          f"{f.get('paragraphs_per_s', '—')} |")
    print(f"| — ingest s / embed s | {s.get('ingest_s')} / {s.get('embed_s')} | "
          f"{f.get('ingest_s', '—')} / {f.get('embed_s', '—')} |")
    print(f"| embedding alone, texts/s | {res['alone_static']['texts_per_s']} "
          f"({res['alone_static']['texts']} texts) | {res['alone_full']['texts_per_s']} "
          f"({res['alone_full']['texts']} texts) |")
    print(f"\nload average at start {res['load_at_start']}, at end {res['load_at_end']}")


if __name__ == "__main__":
    main()
