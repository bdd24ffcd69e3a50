"""Synergies across conventions: overlapping mandates, lead conventions on cross-cutting
issues, and assessment findings matched with mandates. The modules here are pure; the
database side is ``mealink.store.synergies``."""
