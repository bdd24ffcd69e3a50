"""Would overlaps change with static vectors? The in-force mandates of ../shared/realdocs,
the gold corpus (the seeds among them) and examples/ are ingested; their overlap pairs
(`mealink overlaps`) are found with the full encoder's vectors, as today, and with the
static table's, at thresholds from 0.6 to 0.9 (0.75 is the default); the script prints how
many pairs each finds and how many both find.
Usage: .venv/bin/python benchmarks/eval_static_overlaps.py"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DEFAULT_CORPUS, DEFAULT_EXAMPLES, REPO

from mealink.semantic.encoder import encoder
from mealink.semantic.static import static_encoder
from mealink.store import ingest, open_store
from mealink.store.synergies import mandate_items
from mealink.synergies.overlaps import MandateItem, find_overlaps
from mealink.synergies.rules import synergy_rules

if TYPE_CHECKING:
    from numpy.typing import NDArray

REALDOCS = REPO.parent / "shared" / "realdocs"
THRESHOLDS = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9]


def pair_keys(items: list[MandateItem], vectors: NDArray[np.float32], threshold: float
              ) -> set[tuple[str, str]]:
    """The overlap pairs, each as its two mandates' keys in order."""
    return {(min(p.a.key, p.b.key), max(p.a.key, p.b.key))
            for p in find_overlaps(items, vectors, threshold, words=False)}


def main() -> None:
    rules = synergy_rules()
    t = rules.overlap_threshold
    res: dict[str, object] = {"load_at_start": os.getloadavg(), "threshold": t}
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "o.db"))
        ingest(store, [p for p in (REALDOCS, DEFAULT_CORPUS, DEFAULT_EXAMPLES) if p.is_dir()])
        items = mandate_items(store, rules=rules)
        actions = [i.action for i in items]
        full_vectors = encoder().encode(actions)
        static_vectors = static_encoder().encode(actions)
        store.dispose()
    rows = []
    for th in THRESHOLDS:
        full = pair_keys(items, full_vectors, th)
        static = pair_keys(items, static_vectors, th)
        rows.append({"threshold": th, "full": len(full), "static": len(static),
                     "both": len(full & static)})
    res.update({"mandates": len(items), "by_threshold": rows,
                "load_at_end": os.getloadavg()})
    out = Path(__file__).resolve().parent / "results-static-overlaps.json"
    out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
