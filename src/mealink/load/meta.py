"""What is known of a text from outside it: front matter at the top of a Markdown or text
file, or a sidecar file ``NAME.meta.json`` beside it.

A copy of a resolution often lacks its header (the seed copy of CMS Resolution 11.28 has no
symbol, no title, no adoption line); whoever keeps the copy can say what it is:

    ---
    symbol: UNEP/CMS/Resolution 11.28
    title: Future CMS Activities related to Invasive Alien Species
    source: https://www.cms.int/...
    ---

or the same keys in ``cms-res-11.28.meta.json``. Known keys are ``symbol``, ``title``,
``convention``, ``adopted_at`` and ``source``; anything else is refused in one line, so a
misspelt key is not silently ignored. Front matter is read with PyYAML (``safe_load``).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from mealink.errors import LoadError

__all__ = ["KEYS", "front_matter", "read_sidecar", "sidecar_path"]

#: the keys a sidecar or front matter may give
KEYS = ("symbol", "title", "convention", "adopted_at", "source")
_OPEN = "---\n"


def _checked(data: object, where: str, said_by: str) -> dict[str, str]:
    if not isinstance(data, dict):
        raise LoadError(f"must hold keys and values ({', '.join(KEYS)})", source=where)
    out: dict[str, str] = {}
    for key, value in data.items():
        if key not in KEYS:
            raise LoadError(f"unknown key {key!r}; give any of {', '.join(KEYS)}", source=where)
        if not isinstance(value, str | int | float) or not str(value).strip():
            raise LoadError(f"{key!r} must be a non-empty text", source=where)
        out[str(key)] = " ".join(str(value).split())
    if out:
        out["from"] = said_by
    return out


def front_matter(text: str, name: str) -> tuple[dict[str, str], str]:
    """The front matter of a text (``---`` lines around YAML keys at its very start) and the
    text without it; ({}, text) when there is none."""
    if not text.startswith(_OPEN):
        return {}, text
    end = text.find("\n---", len(_OPEN) - 1)
    if end < 0 or end > 4000:
        return {}, text
    block = text[len(_OPEN):end + 1]
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise LoadError(f"its front matter is not valid YAML{where}", source=name) from None
    rest_start = text.find("\n", end + 1)
    rest = text[rest_start + 1:] if rest_start >= 0 else ""
    return _checked(data or {}, f"{name} (front matter)", "its front matter"), rest


SIDECAR_MAX_BYTES = 1_000_000


def sidecar_path(path: Path) -> Path | None:
    """The sidecar of ``path``: ``NAME.meta.json`` (stem) or ``NAME.txt.meta.json``."""
    for candidate in (path.with_name(path.stem + ".meta.json"),
                      path.with_name(path.name + ".meta.json")):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> dict[str, str]:
    """What the sidecar beside ``path`` says of it ({} when there is none)."""
    side = sidecar_path(path)
    if side is None:
        return {}
    try:
        with side.open("rb") as f:  # a few fields: read no more than the limit allows
            raw = f.read(SIDECAR_MAX_BYTES + 1)
        if len(raw) > SIDECAR_MAX_BYTES:
            raise LoadError(f"is larger than {SIDECAR_MAX_BYTES // 1_000_000} MB; a sidecar "
                            "holds a few fields of what is known of its text", source=str(side))
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"cannot be read: {exc}", source=str(side)) from None
    except json.JSONDecodeError as exc:
        raise LoadError(f"is not valid JSON (line {exc.lineno}, column {exc.colno}): "
                        f"{exc.msg}", source=str(side)) from None
    return _checked(data, str(side), f"its sidecar file ({side.name})")
