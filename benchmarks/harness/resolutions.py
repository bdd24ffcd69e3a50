"""Inputs of the parse benchmark: "typical resolutions" of 15-40 KB and one big text, built
deterministically (``random.Random(20261121)``) from the real corpus texts.

The corpus texts are cut at blank lines and before lines starting with a number. Leading
chunks before the first paragraph or chapeau become a text's header; chunks starting with a
preamble lead or an operative verb become preamble / operative paragraphs (their number
removed, their sub-items kept with them). A typical resolution is one real header, 2-6 real
preamble paragraphs, the chapeau and numbered operative paragraphs drawn from the real ones
until a random size is reached. See benchmarks/README.md ("Inputs").
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mealink.load.clean import clean_text
from mealink.parse import parse

SEED = 20261121

# Real texts are cut into chunks at blank lines and before lines that start with a number.
_CHUNK_SPLIT = re.compile(r"\n[ \t]*\n|\n(?=[ \t]*(?:\d{1,3}|[IVX]{1,4})[ \t]*\.)")
_LEADING_NUMBER = re.compile(r"^[ \t]*(?:\d{1,3}|[IVX]{1,4})[ \t]*\.[ \t]*\n?[ \t]*")
_SUB_ITEM = re.compile(r"^[ \t]*(?:\(?(?:[a-z]{1,2}|[ivx]{1,5})\)|[a-z]\.[ \t]|[-–•][ \t])")
_FIRST_WORDS = re.compile(r"^([A-Za-z]+)(?:[ \t]+([A-Za-z]+))?")
_CHAPEAU = re.compile(
    r"^[ \t]*(?:[IVX]{1,4}[ \t]*[.\-–][ \t]*)?(?:The|THE)[ \t]+(?:Conference|Meeting|CONFERENCE|"
    r"MEETING|Assembly|ASSEMBLY)\b.*$|^.*\brecommends\b[^\n]*$",
    re.MULTILINE,
)
# run-in texts ("...; 2. Urges ...") would put several numbered paragraphs in one: skip them
_RUN_IN = re.compile(r"[;:.,]\s+(?:\d{1,3}\.)+\s*[A-Z]")
_PREAMBLE_ADJ = {"aware", "mindful", "concerned", "conscious", "convinced", "deeply", "alarmed",
                 "cognizant", "desiring", "determined"}
_OPERATIVE_VERBS = {
    "requests", "invites", "urges", "decides", "welcomes", "notes", "adopts", "encourages",
    "calls", "takes", "recommends", "establishes", "instructs", "agrees", "approves",
    "reaffirms", "expresses", "emphasizes", "emphasises", "stresses", "recognizes",
    "recognises", "acknowledges", "endorses", "appeals", "confirms", "authorizes", "authorises",
    "directs", "requires", "recalls", "affirms", "underlines", "supports",
    "appreciates", "thanks", "commends", "entrusts", "extends", "reiterates", "highlights",
}
_ADVERBS = {"further", "also", "again", "strongly", "once", "hereby", "respectfully"}
MAX_PARA_BYTES = 2000
MIN_PARA_BYTES = 40
MAX_HEADER_BYTES = 3000
CHAPEAU_LINE = "The Conference of the Parties,"


def nbytes(text: str) -> int:
    """Size of ``text`` in bytes of UTF-8."""
    return len(text.encode("utf-8"))


def _classify(chunk: str) -> str | None:
    """'operative', 'preamble' or None from the first word(s) of a chunk (number removed)."""
    m = _FIRST_WORDS.match(chunk)
    if not m or not chunk[0].isupper():
        return None
    w1 = m.group(1).lower()
    w = (m.group(2) or "").lower() if w1 in _ADVERBS else w1
    if w.endswith("ing") or w in _PREAMBLE_ADJ:
        return "preamble"
    if w in _OPERATIVE_VERBS:
        return "operative"
    return None


@dataclass
class Pools:
    """The real pieces typical resolutions are assembled from."""

    headers: list[str]     # the header (title, symbol, meeting ...) of each real text
    preamble: list[str]    # real preamble paragraphs, number removed
    operative: list[str]   # real operative paragraphs (with their sub-items), number removed
    corpus_names: list[str]


def build_pools(corpus: Path) -> Pools:
    """Cut the real corpus texts into headers and preamble / operative paragraphs."""
    paths = sorted(corpus.glob("*.txt"))
    if not paths:
        raise SystemExit(f"no *.txt files in {corpus}")
    headers: list[str] = []
    preamble: list[str] = []
    operative: list[str] = []
    for path in paths:
        raw = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        chunks = [c.strip("\n") for c in _CHUNK_SPLIT.split(raw)]
        header: list[str] = []
        in_header = True
        last: list[str] | None = None  # the pool the previous kept chunk went to
        for chunk in chunks:
            if not chunk.strip():
                continue
            numbered = bool(_LEADING_NUMBER.match(chunk))
            body = _LEADING_NUMBER.sub("", chunk, count=1).strip()
            kind = _classify(body)
            if in_header:
                chap = _CHAPEAU.search(chunk)
                if kind is None and not numbered and not chap:
                    header.append(chunk)
                    continue
                if chap and kind is None:
                    before = chunk[:chap.start()].strip()
                    if before:
                        header.append(before)
                in_header = False
            if _SUB_ITEM.match(chunk) and last is not None and last:
                if nbytes(last[-1]) + nbytes(chunk) <= MAX_PARA_BYTES:
                    last[-1] = last[-1] + "\n" + chunk.strip()
                continue
            size_ok = MIN_PARA_BYTES <= nbytes(body) <= MAX_PARA_BYTES
            if kind is None or _RUN_IN.search(body) or not size_ok:
                last = None
                continue
            last = operative if kind == "operative" else preamble
            last.append(body)
        head = ""
        for piece in header:
            if nbytes(head) + nbytes(piece) > MAX_HEADER_BYTES:
                break
            head = f"{head}\n\n{piece}" if head else piece
        headers.append(head)
    if not operative:
        raise SystemExit(f"no operative paragraphs found in {corpus}")
    # Everything after an annex heading is kept by the parser as annex text, not parsed: a
    # piece that starts an annex (e.g. a whole French decision taken as "header") would let
    # the parser skip the rest of a long text and inflate the figures. Leave such pieces out.
    headers = [h for h in headers if not h or not _starts_annex(h + "\n\n")]
    preamble = [x for x in preamble if not _starts_annex(x + "\n\n")]
    operative = [x for x in operative if not _starts_annex(f"{CHAPEAU_LINE}\n\n1. {x}\n\n")]
    return Pools(headers, preamble, operative, [p.stem for p in paths])


def _starts_annex(piece: str) -> bool:
    """Whether the parser would read ``piece`` as the start of an annex."""
    probe = f"{piece}{CHAPEAU_LINE}\n\n1. Requests the Secretariat to report.\n"
    return bool(parse(clean_text(probe), "<probe>").annexes)


def make_resolution(rng: random.Random, pools: Pools, target: int) -> str:
    """One resolution of about ``target`` bytes: header, preamble, chapeau, numbered paragraphs."""
    parts: list[str] = []
    header = rng.choice([h for h in pools.headers if h] or [""])
    if header:
        parts.append(header)
    for para in rng.sample(pools.preamble, min(len(pools.preamble), rng.randint(2, 6))):
        parts.append(para)
    parts.append(CHAPEAU_LINE)
    size = sum(nbytes(p) + 2 for p in parts)
    n = 0
    while size < target:
        n += 1
        para = f"{n}. {rng.choice(pools.operative)}"
        parts.append(para)
        size += nbytes(para) + 2
    return "\n\n".join(parts) + "\n"


def iter_typical(pools: Pools, n: int, seed: int = SEED) -> Iterator[str]:
    """The first ``n`` typical resolutions (cleaned), made one at a time: same seed, same texts."""
    rng = random.Random(seed)
    for _ in range(n):
        # the last paragraph may overshoot by up to MAX_PARA_BYTES: stay within 15-40 KB
        yield clean_text(make_resolution(rng, pools, rng.randint(15_000, 40_000 - 2100)))


def big_text(pools: Pools, target: int, seed: int = SEED + 1) -> str:
    """One text of about ``target`` bytes: typical resolutions run together (cleaned)."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < target:
        r = make_resolution(rng, pools, rng.randint(15_000, 40_000 - 2100))
        parts.append(r)
        size += nbytes(r) + 2
    return clean_text("\n\n".join(parts))
