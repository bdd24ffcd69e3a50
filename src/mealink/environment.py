"""Numbers read from the environment (waits, limits, sizes): one parser, so that every
setting refuses the same bad values (not a number, infinite, negative) and each caller
says in its own line what the setting wants."""

from __future__ import annotations

import math
import os

__all__ = ["env_number"]


def env_number(var: str, default: float, *, zero: bool) -> float | None:
    """The number ``$var`` holds, or ``default`` when it is unset or blank; None when it is
    not a finite number, is negative, or is 0 where ``zero`` is not allowed."""
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        return None
    return value
