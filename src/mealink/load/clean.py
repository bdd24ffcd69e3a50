"""Repair the damage real copies of decision texts carry, before parsing.

After ``clean_text`` these hold, and ``parse`` relies on them:

- newlines are ``\\n``; no tabs, no trailing spaces, no non-breaking or zero-width spaces;
- literal byte escapes (``\\xe2\\x80\\x99``), HTML entities (``&nbsp;``) and mojibake
  (``â€™``) are decoded to the characters they stand for;
- Markdown/HTML emphasis (``*Requests*``, ``**TITLE**``, ``<i>``) is gone, its text kept;
- ``<sup>th</sup>`` is plain ``th``; a footnote mark (``<sup>3</sup>``, ``[^3]``) is ``[3]``;
- leads and function words glued to the next word by extraction ("Recallingits",
  "inResolution") have their space back (``mealink.load.glue``).

Line structure is kept as it was: deciding which line breaks end paragraphs is the
parser's job, because that needs the vocabulary of leads and numbering.
"""

from __future__ import annotations

import html
import re

import ftfy

from mealink.load.glue import split_glued_words
from mealink.vocabulary import vocabulary

_BYTE_ESCAPES = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Typical UTF-8-read-as-cp1252 pairs: 'â€™', 'Ã©', 'Â ' ...
_MOJIBAKE = re.compile(
    "[\u00c2\u00c3\u00c5\u00e2\u00d0\u00ef][\u0080-\u00bf\u2013-\u203a\u20ac\u0152\u0153"
    "\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc]"
)
_SUP = re.compile(r"<sup>\s*([^<]{0,12}?)\s*</sup>", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_INLINE_TAG = re.compile(r"</?(?:i|b|em|strong|u|span|sub|small|font|a)(?:\s[^<>]{0,200})?>",
                         re.IGNORECASE)
_FOOTNOTE_CARET = re.compile(r"\[\^(\d{1,3}|\*)\]")
# Emphasis: an opening run of * or _ after a boundary, closed on the same paragraph.
# (The boundary before the opening run is checked after its first character, so that the
# pattern starts with a literal and the regex engine jumps from one ``*`` or ``_`` to the
# next instead of trying every position: the same matches, about 3.5 times faster.)
_EMPHASIS = re.compile(
    r"(\*(?<![\w*\\]\*)\*{0,2}|_(?<![\w*\\]_)_?)(?=[^\s*_])((?:(?!\n\s*\n)[^*_]){1,400}?)"
    r"(?<=[^\s*_])\1(?![\w*])"
)
_MD_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)
# spaces other than " " (replacing each " " by itself would cost a call per space)
_SPACES = re.compile(r"[\t\u00a0\u2007\u202f\u2000-\u200a\u3000]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# only from the start of a run: tried at every space of a long run, "[ ]+$" is quadratic
_TRAILING = re.compile(r"(?<![ ])[ ]+$", re.MULTILINE)


def _decode_escape_run(match: re.Match[str]) -> str:
    raw = bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-fA-F]{2})", match.group(0)))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def decode_byte_escapes(text: str) -> str:
    """Turn literal ``\\xe2\\x80\\x99`` runs (escaped bytes left in the text) into characters."""
    if "\\x" not in text:
        return text
    return _BYTE_ESCAPES.sub(_decode_escape_run, text)


def _sup(match: re.Match[str]) -> str:
    inner = match.group(1)
    if re.fullmatch(r"\[?\d{1,3}\]?|\*{1,3}", inner):
        return f"[{inner.strip('[]')}]"
    return inner


def strip_markup(text: str) -> str:
    """Remove Markdown emphasis and inline HTML tags, keeping their text."""
    if "<" in text:
        text = _SUP.sub(_sup, text)
        text = _BR.sub("\n", text)
        text = _INLINE_TAG.sub("", text)
    if "[^" in text:
        text = _FOOTNOTE_CARET.sub(r"[\1]", text)
    if "*" in text or "_" in text:
        # Repeat: nested emphasis (***x***, *a **b** c*) needs more than one pass.
        for _ in range(3):
            new = _EMPHASIS.sub(r"\2", text)
            if new == text:
                break
            text = new
    if "#" in text:
        text = _MD_HEADING.sub("", text)
    return text


def clean_text(text: str, fmt: str = "txt") -> str:
    """Repair encoding damage and markup; keep the line structure (see module docstring)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = decode_byte_escapes(text)
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    if _MOJIBAKE.search(text):
        text = ftfy.fix_text(
            text, uncurl_quotes=False, fix_latin_ligatures=False, fix_character_width=False,
            normalization=None,
        )
    text = strip_markup(text)
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text)
    if " \n" in text or text.endswith(" "):  # where "[ ]+$" can match at all
        text = _TRAILING.sub("", text)
    text = split_glued_words(text, vocabulary())
    return text.strip("\n ")
