"""Target 1 of the synergies benchmark, embedding: the full ``embed_paragraphs`` over the
stored corpus (texts per second, the model's share of the time, tokens per text), then a
re-ingest after rewording one paragraph in a few documents, after which only the new or
changed texts may be embedded again."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.corpus import SEED
from harness.timing import Log, Meter, percentile
from synergies_corpus import change_one_paragraph


def texts_by_source(store: Any) -> tuple[dict[str, str], dict[str, str]]:
    """hash -> text of everything ``embed_paragraphs`` embeds (the same rule), apart:
    the paragraph texts (headings aside) and the mandate actions."""
    from sqlalchemy import select

    from mealink.store.engine.schema import MandateRow, ParagraphRow
    from mealink.store.engine.vector_keys import text_hash

    paragraphs: dict[str, str] = {}
    actions: dict[str, str] = {}
    with store.engine.connect() as conn:
        for h, t in conn.execute(select(ParagraphRow.text_hash, ParagraphRow.text).where(
                ParagraphRow.kind != "heading", ParagraphRow.text_hash.is_not(None))):
            paragraphs.setdefault(h, t)
        for (action,) in conn.execute(select(MandateRow.action).distinct()):
            actions.setdefault(text_hash(action), action)
    return paragraphs, actions


def wanted_texts(store: Any) -> dict[str, str]:
    """hash -> text of everything ``embed_paragraphs`` embeds."""
    paragraphs, actions = texts_by_source(store)
    return {**actions, **paragraphs}


def token_stats(texts: Sequence[str], max_tokens: int) -> dict[str, Any]:
    """WordPiece tokens per text ([CLS] and [SEP] included), before truncation."""
    from importlib import resources

    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(resources.files("mealink.data").joinpath(
        "minilm/tokenizer.json").read_text(encoding="utf-8"))
    tok.no_truncation()
    tok.no_padding()
    counts = [len(e.ids) for e in tok.encode_batch(list(texts))] if texts else [0]
    return {"texts": len(texts), "mean": statistics.fmean(counts),
            "p50": percentile(counts, 50), "p95": percentile(counts, 95), "max": max(counts),
            "over_limit": sum(1 for c in counts if c > max_tokens),
            "tokens_after_truncation": sum(min(c, max_tokens) for c in counts),
            "limit": max_tokens}


def timed_encoder() -> Any:
    """An ``Encoder`` (same class, same model) that adds up the seconds spent in
    ``encode``, so the model's share of ``embed_paragraphs`` can be told apart."""
    from mealink.semantic.encoder import Encoder

    class TimedEncoder(Encoder):
        seconds = 0.0
        calls = 0

        def encode(self, texts: list[str], *, batch_size: int = 32,
                   on_batch: Any = None) -> Any:
            t0 = time.perf_counter()
            try:
                return super().encode(texts, batch_size=batch_size, on_batch=on_batch)
            finally:
                self.seconds += time.perf_counter() - t0
                self.calls += 1

    return TimedEncoder()


def run_embed(store: Any, enc: Any, log: Log, label: str) -> dict[str, Any]:
    """``embed_paragraphs`` timed, with progress on stderr."""
    from mealink.store.search.vectors import embed_paragraphs

    enc.seconds, enc.calls = 0.0, 0
    last = [0.0]
    with Meter(children=True) as meter:
        def progress(done: int, total: int) -> None:
            now = meter.elapsed()
            if done == total or now - last[0] >= 30:
                last[0] = now
                rate = done / now if now else 0.0
                eta = (total - done) / rate if rate else float("nan")
                log(f"  {label}: {done:,}/{total:,} texts, {rate:.0f}/s, ETA {eta / 60:.1f} min")
        summary = embed_paragraphs(store, model=enc, on_progress=progress)
    return {"embedded": summary.embedded, "kept": summary.kept, "dropped": summary.dropped,
            "seconds": meter.wall, "encode_seconds": enc.seconds,
            "texts_per_s": summary.embedded / meter.wall if meter.wall else float("nan"),
            "meter": meter.as_dict()}


def phase_embed(db: Path, log: Log) -> tuple[dict[str, Any], Any]:
    """Target 1a: the full embed of the stored corpus; (results, the encoder)."""
    from sqlalchemy import text

    from mealink.semantic.encoder import MAX_TOKENS
    from mealink.store import open_store
    from mealink.store.search.vectors import embed_paragraphs

    store = open_store(str(db))
    try:
        paragraphs, actions = texts_by_source(store)
        wanted = {**actions, **paragraphs}
        with store.engine.connect() as conn:
            have = {r[0] for r in conn.execute(text("SELECT text_hash FROM embeddings"))}
        todo = [t for h, t in wanted.items() if h not in have]
        log(f"{len(wanted):,} distinct texts to embed ({len(have):,} already have a vector); "
            "counting tokens ...")
        tokens = token_stats(todo, MAX_TOKENS)
        tokens["paragraph_texts"] = token_stats(list(paragraphs.values()), MAX_TOKENS)
        tokens["mandate_actions"] = token_stats(
            [t for h, t in actions.items() if h not in paragraphs], MAX_TOKENS)
        enc = timed_encoder()
        t0 = time.perf_counter()
        enc.encode(["warm-up: load the model"])
        load_s = time.perf_counter() - t0
        log(f"model loaded in {load_s:.2f} s; mean {tokens['mean']:.0f} tokens/text; "
            "embedding ...")
        res = run_embed(store, enc, log, "embed")
        res.update({"model_load_s": load_s, "tokens": tokens, "already_embedded": len(have),
                    "tokens_per_s": tokens["tokens_after_truncation"] / res["seconds"]
                    if res["seconds"] else float("nan"),
                    "model_share": res["encode_seconds"] / res["seconds"]
                    if res["seconds"] else float("nan")})
        log(f"embedded {res['embedded']:,} texts in {res['seconds']:.0f} s = "
            f"{res['texts_per_s']:.1f} texts/s (model {res['model_share']:.0%} of the time)")
        again = embed_paragraphs(store, model=enc)  # nothing left: must be a no-op
        res["second_call_embedded"] = again.embedded
    finally:
        store.dispose()
    return res, enc


def phase_reingest(db: Path, docs: Path, n_changed: int, enc: Any, log: Log
                   ) -> dict[str, Any]:
    """Target 1b: reword one paragraph in ``n_changed`` documents, ingest the folder
    again, embed again; only the new texts may be embedded."""
    from mealink.store import ingest, open_store

    store = open_store(str(db))
    try:
        before = set(wanted_texts(store))
        files = sorted(docs.glob("*.txt"))
        rng = random.Random(f"{SEED}-reingest-{time.time_ns()}")
        changes: list[dict[str, Any]] = []
        for f in rng.sample(files, len(files)):  # documents where no insertion fits: the next
            change = change_one_paragraph(f, len(changes), rng)
            if change is not None:
                changes.append(change)
            if len(changes) == n_changed:
                break
        log(f"reworded one paragraph in {len(changes)} documents; ingesting the folder "
            f"({len(files):,} files) again ...")
        with Meter(children=True) as m_ing:
            summary = ingest(store, [docs])
        after = set(wanted_texts(store))
        new, gone = after - before, before - after
        log(f"ingest again: {summary.counts()} in {m_ing.wall:.1f} s; {len(new)} texts are "
            f"new, {len(gone)} gone; embedding again ...")
        res = run_embed(store, enc, log, "re-embed")
    finally:
        store.dispose()
    outcomes = summary.counts()
    only_new = (res["embedded"] == len(new) and res["dropped"] == len(gone)
                and outcomes["updated"] == len(changes) and outcomes["added"] == 0
                and outcomes["failed"] == 0)
    log(f"re-embed: {res['embedded']} embedded (expected {len(new)}), {res['kept']:,} kept, "
        f"{res['dropped']} dropped (expected {len(gone)}) in {res['seconds']:.2f} s")
    return {"changed_documents": len(changes), "changes": changes, "ingest_s": m_ing.wall,
            "ingest_outcomes": outcomes, "ingest_meter": m_ing.as_dict(),
            "expected_new_texts": len(new), "expected_dropped_texts": len(gone),
            "embed": res, "only_new_embedded": only_new}
