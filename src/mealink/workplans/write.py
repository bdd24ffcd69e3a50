"""A work plan written as YAML or CSV in the layout ``read_plan`` reads back, so that a
draft can be edited in a spreadsheet or a text editor and imported."""

from __future__ import annotations

import csv
import io
from typing import Any

import yaml

from mealink.workplans.model import FIELDS, LIST_FIELDS, WorkPlan, plan_rules

__all__ = ["plan_csv", "plan_yaml"]


def plan_yaml(plan: WorkPlan, extra: dict[str, dict[str, Any]] | None = None) -> str:
    """The plan as YAML: name, description and activities; ``extra`` adds fields per
    activity id that ``workplan import`` passes over (a draft's lead evidence)."""
    doc: dict[str, Any] = {"name": plan.name}
    if plan.description:
        doc["description"] = plan.description
    if plan.notes:
        doc["notes"] = list(plan.notes)
    doc["activities"] = [{**{k: v for k, v in a.to_dict().items() if v not in (None, [])},
                          **(extra or {}).get(a.id, {})} for a in plan.activities]
    out: str = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=96)
    return out


def plan_csv(plan: WorkPlan) -> str:
    """The plan as CSV, one row per activity, several values of a cell joined by '; '."""
    names = plan_rules().first_names
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([names[f] for f in FIELDS])
    for a in plan.activities:
        d = a.to_dict()
        w.writerow(["; ".join(d[f]) if f in LIST_FIELDS else (d[f] or "") for f in FIELDS])
    return buf.getvalue()
