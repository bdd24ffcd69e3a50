"""The two engines of ``bench_tantivy.py`` side by side: the tantivy index built from the
store's paragraph texts (analysed as close to FTS5's ``porter unicode61 remove_diacritics 2``
as tantivy goes), mealink's FTS5 queries translated into tantivy's, and the steps timed on
each engine (FTS5 through the harness's statements)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.queries import FTS5_COUNT, FTS5_TOP20, fts5_alone
from harness.timing import Meter
from sqlalchemy import text

from mealink.semantic.terms import content_words
from mealink.store import Store
from mealink.store.search.keyword import fts5_query

try:
    import tantivy
except ImportError as exc:  # a tool of this benchmark only, not a dependency of mealink
    raise SystemExit(f"tantivy does not import ({exc}); install it with "
                     '.venv/bin/pip install -e ".[bench]"') from None

__all__ = ["TANTIVY_BUILD", "Engines", "analyzer", "any_words", "build_tantivy", "capped_any_words"]

TOKENIZER = "mealink_en"
#: the build the binding reports ("tantivy v0.27.0, index_format v7")
TANTIVY_BUILD: str | None = getattr(tantivy, "__version__", None)

# --------------------------------------------------------------------------- tantivy


def analyzer() -> tantivy.TextAnalyzer:
    """The closest tantivy has to ``porter unicode61 remove_diacritics 2``."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .filter(tantivy.Filter.stemmer("english"))
            .build())


def build_tantivy(paragraphs: Sequence[tuple[int, str]], folder: Path,
                  heap: int = 400_000_000) -> tuple[tantivy.Index, dict[str, Any]]:
    """A fresh tantivy index of ``paragraphs`` in ``folder`` (one indexing thread): the text
    field analyzed like FTS5's, the rowid as a fast field; the index and its build figures."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("text", stored=False, tokenizer_name=TOKENIZER, index_option="position")
    sb.add_integer_field("rowid", stored=False, indexed=False, fast=True)
    schema = sb.build()
    index = tantivy.Index(schema, path=str(folder), reuse=False)
    index.register_tokenizer(TOKENIZER, analyzer())
    with Meter() as meter:
        writer = index.writer(heap_size=heap, num_threads=1)
        for pk, t in paragraphs:
            writer.add_document(tantivy.Document(text=t, rowid=pk))
        writer.commit()
        writer.wait_merging_threads()
    index.reload()
    files = [p for p in folder.rglob("*") if p.is_file()]
    return index, {**meter.as_dict(), "heap_bytes": heap, "threads": 1,
                   "segments": index.searcher().num_segments,
                   "docs": index.searcher().num_docs,
                   "index_bytes": sum(p.stat().st_size for p in files), "files": len(files)}


_FTS5_TOKEN = re.compile(r'\s*(?:(?P<phrase>"(?:[^"]|"")*")(?P<star>\*)?'
                         r'|(?P<op>AND|OR|NOT)(?=[\s(")]|$)|(?P<open>\()|(?P<close>\)))')


class Translator:
    """FTS5 query expressions (as ``fts5_query`` writes them) as tantivy queries: FTS5's
    precedence (NOT, then AND and juxtaposition, then OR), quoted terms through the
    analyzer."""

    def __init__(self, schema: tantivy.Schema, an: tantivy.TextAnalyzer,
                 field: str = "text") -> None:
        self.schema, self.an, self.field = schema, an, field

    def query(self, expr: str) -> tantivy.Query:
        toks: list[tuple[str, str]] = []
        pos = 0
        while pos < len(expr.rstrip()):
            m = _FTS5_TOKEN.match(expr, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot read the FTS5 query {expr!r} at {pos}")
            pos = m.end()
            if m.group("phrase"):
                toks.append(("star" if m.group("star") else "phrase", m.group("phrase")))
            elif m.group("op"):
                toks.append(("op", m.group("op")))
            else:
                toks.append(("open" if m.group("open") else "close", ""))
        self._toks, self._i = toks, 0
        q = self._or()
        if self._i != len(toks):
            raise ValueError(f"trailing tokens in the FTS5 query {expr!r}")
        return q

    def _peek(self) -> tuple[str, str] | None:
        return self._toks[self._i] if self._i < len(self._toks) else None

    def _or(self) -> tantivy.Query:
        parts = [self._and()]
        while self._peek() == ("op", "OR"):
            self._i += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, p) for p in parts])

    def _and(self) -> tantivy.Query:
        parts = [self._not()]
        while True:
            nxt = self._peek()
            if nxt == ("op", "AND"):
                self._i += 1
            elif nxt is None or nxt[0] in ("close",) or nxt == ("op", "OR"):
                break
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, p) for p in parts])

    def _not(self) -> tantivy.Query:
        q = self._primary()
        while self._peek() == ("op", "NOT"):
            self._i += 1
            q = tantivy.Query.boolean_query([(tantivy.Occur.Must, q),
                                             (tantivy.Occur.MustNot, self._primary())])
        return q

    def _primary(self) -> tantivy.Query:
        tok = self._peek()
        if tok is None:
            raise ValueError("the FTS5 query ends too early")
        self._i += 1
        kind, value = tok
        if kind == "open":
            q = self._or()
            if self._peek() != ("close", ""):
                raise ValueError("unbalanced parenthesis in the FTS5 query")
            self._i += 1
            return q
        if kind in ("phrase", "star"):
            words: list[str | tuple[int, str]] = list(
                self.an.analyze(value[1:-1].replace('""', '"')))
            if not words:
                return tantivy.Query.empty_query()
            if kind == "star":  # a prefix: the last word's analyzed form as a prefix
                if len(words) == 1:
                    return tantivy.Query.regex_query(self.schema, self.field,
                                                     re.escape(str(words[0])) + ".*")
                return tantivy.Query.phrase_prefix_query(self.schema, self.field, words)
            if len(words) == 1:
                return tantivy.Query.term_query(self.schema, self.field, str(words[0]))
            return tantivy.Query.phrase_query(self.schema, self.field, words)
        raise ValueError(f"unexpected {kind} {value!r} in the FTS5 query")

# --------------------------------------------------------------------------- queries


def any_words(q: str) -> str:
    """The any-word form of a query: its content words joined by OR (mealink's relaxed
    form; quotes dropped, so a phrase gives its words too)."""
    words = content_words(q.replace('"', " "))
    return " OR ".join(words) if words else q


def capped_any_words(store: Store, q: str) -> str:
    """mealink's capped any-word form (rarest words first within the budget of
    ``data/search.toml``; its word counts are held per store, counted here beforehand)."""
    from mealink.store.search import find as find_module

    words = content_words(q.replace('"', " "))
    capped: str | None = find_module._capped(store, " ".join(words))
    return capped or any_words(q)


def fts5_page(store: Store, q: str) -> None:
    """FTS5 alone for a page: the top 20, then the count (the harness's two statements)."""
    fts5_alone(store, q, FTS5_TOP20)
    fts5_alone(store, q, FTS5_COUNT)


class Engines:
    """The timed steps on both engines, and the untimed answers they are checked with."""

    def __init__(self, store: Store, index: tantivy.Index) -> None:
        self.store = store
        self.index = index
        self.searcher = index.searcher()  # loaded once, not per query
        self.tr = Translator(index.schema, analyzer())

    def rowids(self, hits: Sequence[tuple[Any, tantivy.DocAddress]]) -> list[int]:
        """The rowids of tantivy's hits, read from the fast field."""
        values = self.searcher.fast_field_values("rowid", [a for _, a in hits])
        return [int(v) for v in values if v is not None]

    # tantivy: build the query from the user's query, as fts5_alone does for FTS5
    def t_query(self, q: str) -> tantivy.Query:
        return self.tr.query(fts5_query(q))

    def t_top20(self, q: str) -> list[int]:
        hits = self.searcher.search(self.t_query(q), limit=20, count=False).hits
        return self.rowids(hits)

    def t_count(self, q: str) -> int:
        # limit=0 panics in tantivy ("Limit must be greater than 0"): one hit and the count
        res = self.searcher.search(self.t_query(q), limit=1, count=True)
        return int(res.count or 0)  # type: ignore[attr-defined]

    def t_top20_count(self, q: str) -> tuple[list[int], int]:
        res = self.searcher.search(self.t_query(q), limit=20, count=True)
        return self.rowids(res.hits), int(res.count or 0)  # type: ignore[attr-defined]

    def t_ranked(self, q: str, n: int) -> list[int]:
        """Every one of the ``n`` matches, best first (ties: in rowid order)."""
        hits = self.searcher.search(self.t_query(q), limit=max(n, 1), count=False).hits
        return self.rowids(hits)

    # FTS5: the harness's statements, answers read directly
    def f_top20(self, q: str) -> list[int]:
        with self.store.engine.connect() as conn:
            return [int(r[0]) for r in conn.execute(text(FTS5_TOP20), {"q": fts5_query(q)})]

    def f_count(self, q: str) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(text(FTS5_COUNT), {"q": fts5_query(q)}).scalar() or 0)

    def f_ranked(self, q: str) -> list[int]:
        """Every match, best first (ties: in rowid order), as FTS5_TOP20 orders them."""
        with self.store.engine.connect() as conn:
            return [int(r[0]) for r in conn.execute(
                text(FTS5_TOP20.replace(" LIMIT 20", "")), {"q": fts5_query(q)})]

    def timed_steps(self, q: str, anyq: str, capped: str) -> dict[str, Callable[[], Any]]:
        s = self.store
        return {
            "fts5_top20": lambda: fts5_alone(s, q, FTS5_TOP20),
            "tantivy_top20": lambda: self.t_top20(q),
            "fts5_count": lambda: fts5_alone(s, q, FTS5_COUNT),
            "tantivy_count": lambda: self.t_count(q),
            "fts5_top20_count": lambda: fts5_page(s, q),
            "tantivy_top20_count": lambda: self.t_top20_count(q),
            "fts5_any_top20": lambda: fts5_alone(s, anyq, FTS5_TOP20),
            "tantivy_any_top20": lambda: self.t_top20(anyq),
            "fts5_any_capped_top20": lambda: fts5_alone(s, capped, FTS5_TOP20),
            "tantivy_query_only": lambda: self.t_query(q),
        }
