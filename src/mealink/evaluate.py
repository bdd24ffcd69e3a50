"""Score the parser against gold annotations (``NAME.txt`` + ``NAME.gold.json``).

Matching rules (also in the README):

- Gold paragraphs are matched to predicted ones by an order-preserving alignment (longest
  common subsequence) on a key: the first 30 letters and digits of the paragraph, lower-cased,
  after decoding byte escapes and HTML entities and dropping markup. Two keys match when equal
  or when the shorter (at least 1 character, for excerpts cut short) is a prefix of the longer.
- Segmentation precision/recall/F1 count matched pairs against all predicted / gold paragraphs.
- Kind, number and verb accuracy are over matched pairs (verb: pairs whose gold kind is
  operative); ``None`` equals ``None``.
- Actor, reference and repeal F1 are micro-averaged over all paragraphs: items of unmatched
  gold paragraphs count as misses, items of unmatched predicted ones as false alarms. Items
  compare after whitespace collapsing, case folding, dash unification and removal of spaces
  around '/' and '.'.
- Optional fields are scored only over the gold paragraphs that carry them (gold files
  written before a field existed are not penalised): ``deadline``, ``condition``,
  ``report_by`` and ``period`` accuracy over matched operative paragraphs (``None`` equals
  ``None``; several conditions are joined with '; '; a leading 'the' is ignored); F1 like
  the actors for ``instruments`` (named plans, articles, declarations), ``actors_canonical``
  (the names actors are grouped under, by the practice of the text's convention) and
  ``actor_codes`` (the CBD Decision Tracking Tool's codes). A score nothing counted is left
  out of the report rather than shown as 1.0.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mealink.annotate import annotate
from mealink.annotate.actors import actor_code, canonical_actor
from mealink.errors import GoldError
from mealink.load import load
from mealink.load.clean import clean_text
from mealink.models import Document
from mealink.parse import parse

KEY_LEN = 30
#: Paragraph fields scored only where a gold file annotates them.
OPTIONAL_FIELDS = ("deadline", "condition", "report_by", "period")
OPTIONAL_ITEMS = ("instruments", "actors_canonical", "actor_codes")
_ITEM_SCORES = {"actors": "actor_f1", "references": "reference_f1", "repeals": "repeal_f1",
                "instruments": "instrument_f1", "actors_canonical": "actor_group_f1",
                "actor_codes": "actor_code_f1"}
_ALNUM = re.compile(r"[^0-9a-z]+")


def key(text: str) -> str:
    """Alignment key: first letters/digits of a paragraph, markup and escapes removed."""
    return _ALNUM.sub("", clean_text(text).lower())[:KEY_LEN]


def norm_item(text: str) -> str:
    """Comparison form of an actor, reference or repeal string."""
    s = clean_text(text).casefold().replace("*", "")
    s = re.sub(r"[\u2010-\u2015\u2212]", "-", s)
    s = re.sub(r"\s*([/.])\s*", r"\1", s)
    return " ".join(s.split())


def _field_form(value: str | None) -> str:
    """Comparison form of a deadline or condition: as an item, without a leading 'the'
    (gold files write "the 20th meeting ..." or "20th meeting ..." for the same date)."""
    return re.sub(r"^the ", "", norm_item(value or ""))


def _keys_match(a: str, b: str) -> bool:
    if not a or not b:
        return a == b
    return a.startswith(b) or b.startswith(a)


def align(gold: list[str], pred: list[str]) -> list[tuple[int, int]]:
    """Order-preserving matching of gold and predicted keys (LCS)."""
    n, m = len(gold), len(pred)
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            if _keys_match(gold[i], pred[j]):
                dp[i][j] = dp[i + 1][j + 1] + 1
            else:
                dp[i][j] = max(dp[i + 1][j], dp[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if _keys_match(gold[i], pred[j]) and dp[i][j] == dp[i + 1][j + 1] + 1:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif dp[i + 1][j] >= dp[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


@dataclass
class Tally:
    """Counts behind one document's (or the corpus's) scores."""

    gold: int = 0
    pred: int = 0
    matched: int = 0
    kind_ok: int = 0
    number_ok: int = 0
    verb_total: int = 0
    verb_ok: int = 0
    fields: Counter[str] = field(default_factory=Counter)
    items: dict[str, Counter[str]] = field(default_factory=dict)
    meta: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def add_items(self, name: str, gold: Iterable[str], pred: Iterable[str], where: str) -> None:
        c = self.items.setdefault(name, Counter())
        g, p = Counter(norm_item(x) for x in gold), Counter(norm_item(x) for x in pred)
        tp = sum((g & p).values())
        c["tp"] += tp
        c["fn"] += sum(g.values()) - tp
        c["fp"] += sum(p.values()) - tp
        for x in (g - p):
            self.misses.append(f"{where}: {name} missed {x!r}")
        for x in (p - g):
            self.misses.append(f"{where}: {name} extra {x!r}")

    def merge(self, other: Tally) -> None:
        for f in ("gold", "pred", "matched", "kind_ok", "number_ok", "verb_total", "verb_ok"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        for name, c in other.items.items():
            self.items.setdefault(name, Counter()).update(c)
        self.meta.update(other.meta)
        self.fields.update(other.fields)
        self.misses += other.misses

    def scores(self) -> dict[str, float]:
        def ratio(a: int, b: int) -> float:
            return a / b if b else 1.0

        p, r = ratio(self.matched, self.pred), ratio(self.matched, self.gold)
        out = {
            "segmentation_precision": p,
            "segmentation_recall": r,
            "segmentation_f1": 2 * p * r / (p + r) if p + r else 0.0,
            "kind_accuracy": ratio(self.kind_ok, self.matched),
            "number_accuracy": ratio(self.number_ok, self.matched),
            "verb_accuracy": ratio(self.verb_ok, self.verb_total),
        }
        for name in ("actors", "references", "repeals", *OPTIONAL_ITEMS):
            if name in OPTIONAL_ITEMS and name not in self.items:
                continue  # no gold file annotates them: nothing measured
            c = self.items.get(name, Counter())
            tp, fp, fn = c["tp"], c["fp"], c["fn"]
            denom = 2 * tp + fp + fn
            out[_ITEM_SCORES[name]] = 2 * tp / denom if denom else 1.0
        for name in OPTIONAL_FIELDS:
            if self.fields[name]:
                out[f"{name}_accuracy"] = ratio(self.fields[f"{name}_ok"], self.fields[name])
        for name in ("convention", "symbol"):  # document metadata: reported, no target
            out[f"{name}_accuracy"] = ratio(self.meta[f"{name}_ok"], self.meta[name])
        return out


def load_gold(path: Path) -> dict[str, Any]:
    """Read and check one gold file."""
    try:
        gold: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GoldError(f"cannot read gold file: {exc}", source=str(path)) from None
    if not isinstance(gold.get("paragraphs"), list):
        raise GoldError("gold file has no 'paragraphs' list", source=str(path))
    return gold


def score_document(gold: dict[str, Any], doc: Document, name: str) -> Tally:
    """Compare one parsed and annotated document with its gold annotation."""
    t = Tally()
    for field_name, got in (("convention", doc.convention), ("symbol", doc.symbol)):
        if field_name in gold:
            t.meta[field_name] += 1
            if norm_item(got or "") == norm_item(gold[field_name] or ""):
                t.meta[f"{field_name}_ok"] += 1
            else:
                t.misses.append(f"{name}: {field_name} {got!r} for {gold[field_name]!r}")
    gp = gold["paragraphs"]
    pp = doc.paragraphs
    gkeys = [key(g.get("text_start", "")) for g in gp]
    pkeys = [key(doc.text[p.span.start:p.span.end][:200]) for p in pp]
    pairs = align(gkeys, pkeys)
    t.gold, t.pred, t.matched = len(gp), len(pp), len(pairs)
    matched_g = {i for i, _ in pairs}
    matched_p = {j for _, j in pairs}
    for i, g in enumerate(gp):
        if i not in matched_g:
            t.misses.append(f"{name}: paragraph missed {g.get('text_start', '')[:50]!r}")
    for j, p in enumerate(pp):
        if j not in matched_p:
            t.misses.append(f"{name}: paragraph extra {doc.text[p.span.start:p.span.end][:50]!r}")
    for i, j in pairs:
        g, p = gp[i], pp[j]
        where = f"{name} ¶{g.get('number') or i}"
        if g["kind"] == p.kind:
            t.kind_ok += 1
        else:
            t.misses.append(f"{where}: kind {p.kind!r} for {g['kind']!r}")
        if g.get("number") == p.number:
            t.number_ok += 1
        else:
            t.misses.append(f"{where}: number {p.number!r} for {g.get('number')!r}")
        if g["kind"] == "operative":
            t.verb_total += 1
            verb = p.verb.value if p.verb else None
            if verb == g.get("verb"):
                t.verb_ok += 1
            else:
                t.misses.append(f"{where}: verb {verb!r} for {g.get('verb')!r}")
            predicted = {"deadline": p.deadline.value if p.deadline else None,
                         "condition": "; ".join(c.value for c in p.conditions) or None,
                         "report_by": p.report_deadline.value if p.report_deadline else None,
                         "period": p.period.value if p.period else None}
            for fname in OPTIONAL_FIELDS:
                if fname not in g:
                    continue
                t.fields[fname] += 1
                if _field_form(predicted[fname]) == _field_form(g[fname]):
                    t.fields[f"{fname}_ok"] += 1
                else:
                    t.misses.append(f"{where}: {fname} {predicted[fname]!r} for {g[fname]!r}")
    by_pred = dict((j, i) for i, j in pairs)
    annotated = {f for g in gp for f in g}
    for name_, gfield, pfield in (("actors", "actors", "actors"),
                                  ("references", "references", "references"),
                                  ("repeals", "repeals", "repeals"),
                                  ("instruments", "instruments", "instruments"),
                                  ("actors_canonical", "actors_canonical", "actors_canonical"),
                                  ("actor_codes", "actor_codes", "actor_codes")):
        if gfield not in annotated and gfield in OPTIONAL_ITEMS:
            continue
        # an optional list counts only where the gold paragraph gives it (an extra predicted
        # paragraph counts for the items every paragraph of the file gives)
        partial = gfield in OPTIONAL_ITEMS and not all(gfield in g for g in gp)
        for i, g in enumerate(gp):
            if i not in matched_g and not (partial and gfield not in g):
                t.add_items(name_, g.get(gfield) or [], [], f"{name} ¶{g.get('number') or i}")
        for j, p in enumerate(pp):
            if partial and (j not in by_pred or gfield not in gp[by_pred[j]]):
                continue
            if pfield == "actors_canonical":
                items = [n for a in p.actors if (n := canonical_actor(a.value, doc.convention))]
            elif pfield == "actor_codes":
                items = [c for a in p.actors if (c := actor_code(a.value, doc.convention))]
            else:
                items = [str(getattr(x, "value", None) or getattr(x, "text", ""))
                         for x in getattr(p, pfield, ())]
            if j in by_pred:
                g = gp[by_pred[j]]
                t.add_items(name_, g.get(gfield) or [], items,
                            f"{name} ¶{g.get('number') or by_pred[j]}")
            else:
                t.add_items(name_, [], items, f"{name} extra ¶{p.number or j}")
    return t


def score_folder(folder: Path) -> tuple[Tally, list[tuple[str, Tally]]]:
    """Parse, annotate and score every ``NAME.txt`` beside a ``NAME.gold.json`` in
    ``folder``: the corpus total and each document's tally, in name order. A file that
    cannot be read raises its ``MealinkError``."""
    total = Tally()
    rows: list[tuple[str, Tally]] = []
    for gpath in sorted(folder.glob("*.gold.json")):
        name = gpath.name.removesuffix(".gold.json")
        gold = load_gold(gpath)
        doc = annotate(parse(load(gpath.with_name(name + ".txt")).text, name))
        tally = score_document(gold, doc, name)
        rows.append((name, tally))
        total.merge(tally)
    return total, rows
