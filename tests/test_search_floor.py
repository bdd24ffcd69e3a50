"""Search says when nothing is close, on SQLite and PostgreSQL, with the real model.

The collection is the one the retrieval queries were judged on (the invented fixtures and
the gold corpus); the off-topic queries (tests/data/off_topic.toml) are on subjects none of
its texts addresses. Each of them gets "no paragraph is close" in every mode, from the
library, the CLI, the web page and the API; the floor keeps what matches the words; a
quoted phrase comes first in hybrid mode and the hits without it say they are only related.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, text
from typer.testing import CliRunner

from mealink.cli import app
from mealink.semantic.floor import nothing_close_message, similarity_floor, words_share
from mealink.semantic.int8 import Int8Matrix
from mealink.semantic.terms import contains_phrase, word_share
from mealink.store import Store, ingest, open_store
from mealink.store.search import meaning as meaning_module
from mealink.store.search.find import MODES, SearchResult, find, keyword_ranking
from mealink.store.search.hits import Closest, SearchFilters
from mealink.store.search.meaning import meaning_of
from mealink.store.search.vectors import embed_paragraphs, vector_index
from mealink.web.app import create_app
from mealink.web.security import WebConfig
from tests.conftest import INVENTED, REPO, make_db
from tests.model import ENCODER

OFF_TOPIC = tomllib.loads((REPO / "tests" / "data" / "off_topic.toml").read_text("utf-8"))
QUERIES = [q["text"] for q in OFF_TOPIC["query"]]
FLOOR = similarity_floor()
PHRASE = '"Liaison Group"'


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def collection(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               corpus_dir: Path) -> Iterator[tuple[Store, str]]:
    """The judged collection, embedded, once per engine; and its database URL."""
    gen = make_db(request.param, tmp_path_factory.mktemp("floor"), request)
    url = next(gen)
    store = open_store(url)
    summary = ingest(store, [INVENTED, corpus_dir])
    assert not [o for o in summary.outcomes if o.outcome == "failed"]
    embed_paragraphs(store, model=ENCODER)
    yield store, url
    store.dispose()
    for _ in gen:
        pass


@pytest.fixture(scope="module")
def store(collection: tuple[Store, str]) -> Store:
    return collection[0]


def texts_of(store: Store, ids: list[str]) -> dict[str, str]:
    with store.engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, text FROM paragraphs WHERE id IN :ids")
                                 .bindparams(bindparam("ids", expanding=True)),
                                 {"ids": ids}).all())


# --- the off-topic queries --------------------------------------------------------------

@pytest.mark.parametrize("query", OFF_TOPIC["query"] + OFF_TOPIC["near"],
                         ids=lambda q: q["text"])
def test_off_topic_words_are_in_no_text(query: dict[str, Any], corpus_dir: Path) -> None:
    files = [*corpus_dir.glob("*.txt"), *(p for p in INVENTED.iterdir()
                                          if p.name != "README.md")]
    for word in query["absent"]:
        pattern = re.compile(r"\b" + re.escape(word).replace(r"\ ", r"\s+") + r"s?\b", re.I)
        holding = [p.name for p in files if pattern.search(p.read_text("utf-8", "replace"))]
        assert not holding, f"{word!r} is in {holding}"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("query", QUERIES)
def test_off_topic_query_finds_nothing_close(store: Store, query: str, mode: str) -> None:
    result = find(store, query, mode=mode)  # type: ignore[arg-type]
    assert result == [] and result.nothing_close and result.ranked == 0
    assert result.floor == FLOOR
    assert result.closest is not None and result.closest.similarity < FLOOR
    assert result.message == (
        f"No paragraph is close to '{query}' (the closest, {result.closest.name}, is at "
        f"similarity {result.closest.similarity:.2f}, below the floor {FLOOR:.2f}).")


def test_bycatch_says_the_same_in_every_mode(store: Store) -> None:
    messages = {find(store, "bycatch", mode=m).message for m in MODES}  # type: ignore[arg-type]
    assert len(messages) == 1
    (message,) = messages
    assert message is not None
    assert re.fullmatch(r"No paragraph is close to 'bycatch' \(the closest, .+ (¶\S+|"
                        r"paragraph \d+), is at similarity 0\.\d\d, below the floor "
                        r"0\.\d\d\)\.", message), message


def test_filters_are_named_in_the_message(store: Store) -> None:
    result = find(store, "bycatch", SearchFilters(convention="CMS"))
    assert result.message is not None
    assert result.message.startswith("No paragraph is close to 'bycatch' with these filters")
    assert result.closest is not None and result.closest.paragraph_id.startswith("cms/")


def test_a_close_query_says_nothing_of_the_kind(store: Store) -> None:
    result = find(store, "invasive alien species on islands")
    assert result and not result.nothing_close and result.message is None
    assert result.to_dict() == {"nothing_close": False, "message": None, "floor": FLOOR,
                                "closest": None}
    past_the_end = find(store, "invasive alien species on islands", offset=5000)
    assert past_the_end == [] and not past_the_end.nothing_close


def test_words_alone_say_when_meaning_would_find_something(store: Store) -> None:
    # "microbeads" is in no text; the paragraphs on microplastics are close to it
    words = find(store, "microbeads", mode="keyword")
    assert words == [] and words.closest is not None and words.closest.similarity >= FLOOR
    assert words.message == (
        f"No paragraph contains the words of 'microbeads'; by meaning the closest, "
        f"{words.closest.name}, is at similarity {words.closest.similarity:.2f}: search by "
        "meaning, or by words and meaning, to see it.")
    assert find(store, "microbeads", mode="semantic")[0].paragraph_id == \
        words.closest.paragraph_id


def test_filters_that_exclude_everything_are_named(store: Store) -> None:
    result = find(store, "bycatch", SearchFilters(convention="NO-SUCH-CONVENTION"))
    assert result == [] and result.closest is None
    assert result.message == "No paragraph passes these filters, so none is close to 'bycatch'."


def test_without_sentence_vectors_words_answer_alone(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "words.db"))
    try:
        ingest(store, [INVENTED / "cms-res-13.905.txt"])
        assert find(store, "invasive", mode="hybrid")
        result = find(store, "bycatch", mode="hybrid")
        assert result == [] and result.floor is None and result.closest is None
        assert result.message == (
            "No paragraph contains the words of 'bycatch' (closeness in meaning was not "
            "measured: the paragraphs have no sentence vectors).")
    finally:
        store.dispose()


@pytest.mark.parametrize(("closest", "name"), [
    (Closest("cms/resolution/11.10/para_5", "CMS Resolution 11.10", "5", "operative", 0.2),
     "CMS Resolution 11.10 ¶5"),
    (Closest("cms/resolution/13.905/pre_3", "CMS Resolution 13.905", None, "preamble", 0.2),
     "CMS Resolution 13.905, preamble paragraph 3"),
])
def test_the_closest_paragraph_is_named_as_a_reader_cites_it(closest: Closest,
                                                             name: str) -> None:
    assert closest.name == name


@pytest.mark.parametrize(("similarity", "shown"), [(0.21, "0.21"), (0.3351, "0.335"),
                                                   (0.336, "0.336")])
def test_a_similarity_never_prints_as_the_floor(similarity: float, shown: str) -> None:
    message = nothing_close_message("q", closest="X ¶1", similarity=similarity, floor=0.34,
                                    filtered=False)
    assert message == (f"No paragraph is close to 'q' (the closest, X ¶1, is at similarity "
                       f"{shown}, below the floor 0.34).")


# --- what the floor keeps and drops -------------------------------------------------------

def test_semantic_hits_are_at_or_above_the_floor(store: Store) -> None:
    hits = find(store, "Parties", mode="semantic", limit=200)
    assert hits and all(h.why and h.why.similarity is not None and h.why.similarity >= FLOOR
                        for h in hits)


def test_hybrid_keeps_what_holds_every_word_below_the_floor(store: Store) -> None:
    # one word against long paragraphs: many hold it at a low cosine; they stay in hybrid
    hits = find(store, "Parties", mode="hybrid", limit=200)
    low = [h for h in hits if h.why and h.why.similarity is not None
           and h.why.similarity < FLOOR]
    assert low and all(h.why and h.why.keyword_rank for h in low)
    assert len(find(store, "Parties", mode="semantic", limit=200)) < len(hits)


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_a_question_keeps_only_close_or_mostly_matching_paragraphs(store: Store,
                                                                   mode: str) -> None:
    question = "how are countries supposed to share their data and experience with one another?"
    every = find(store, question, mode=mode, limit=200, floor=-1)  # type: ignore[arg-type]
    kept = find(store, question, mode=mode, limit=200)  # type: ignore[arg-type]
    assert 0 < len(kept) < len(every)
    texts = texts_of(store, [h.paragraph_id for h in kept])
    share = words_share()
    for h in kept:
        assert h.why is not None
        close = h.why.similarity is not None and h.why.similarity >= FLOOR
        assert close or word_share(question, texts[h.paragraph_id]) > share, h.paragraph_id


# --- quoted phrases -------------------------------------------------------------------------

def test_hybrid_puts_the_phrase_first_and_labels_the_rest(store: Store) -> None:
    hits = find(store, PHRASE, mode="hybrid", limit=200)
    related = [i for i, h in enumerate(hits) if h.why and h.why.related]
    holding = [i for i, h in enumerate(hits) if h.why and not h.why.related]
    assert holding and related, "both kinds are expected for this phrase"
    assert max(holding) < min(related), "every paragraph with the phrase comes first"
    texts = texts_of(store, [h.paragraph_id for h in hits])
    for h in hits:
        assert h.why is not None
        if h.why.related:
            assert h.why.related == "related: does not contain “Liaison Group”"
            assert h.why.lacks == ("Liaison Group",)
            assert not contains_phrase(texts[h.paragraph_id], "Liaison Group")
            assert h.why.similarity is not None and h.why.similarity >= FLOOR
        else:
            assert contains_phrase(texts[h.paragraph_id], "Liaison Group")
    # the first ones are exactly what the words alone find
    words_only = find(store, PHRASE, mode="keyword", limit=200)
    assert {h.paragraph_id for h in hits[:len(holding)]} == \
        {h.paragraph_id for h in words_only}


def test_semantic_mode_labels_hits_without_the_phrase(store: Store) -> None:
    hits = find(store, PHRASE, mode="semantic", limit=50)
    texts = texts_of(store, [h.paragraph_id for h in hits])
    assert any(h.why and h.why.related for h in hits)
    for h in hits:
        assert h.why is not None
        assert bool(h.why.related) != contains_phrase(texts[h.paragraph_id], "Liaison Group")


def test_a_phrase_no_text_holds_gets_only_labelled_related_hits(store: Store) -> None:
    # "mitigation" is in the texts, close to the phrase in meaning; "bycatch" is not
    hits = find(store, '"bycatch mitigation"', limit=100)
    assert hits and all(h.why and h.why.lacks == ("bycatch mitigation",)
                        and h.why.similarity is not None and h.why.similarity >= FLOOR
                        for h in hits)
    result = find(store, '"bycatch"')
    assert result == [] and result.message is not None
    assert result.message.startswith("No paragraph is close to '\"bycatch\"' (the closest")


# --- the CLI, the web page and the API ----------------------------------------------------

def cli(url: str, *args: str) -> Result:
    """``mealink search ARGS --db URL``, run in this process (the model is loaded already)."""
    return CliRunner().invoke(app, ["search", *args, "--db", url], env={"COLUMNS": "160"})


def test_cli_says_nothing_is_close_in_one_line(collection: tuple[Store, str]) -> None:
    store, url = collection
    expected = find(store, "bycatch").message
    r = cli(url, "bycatch")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [expected] and r.stderr == ""
    r = cli(url, "bycatch", "--mode", "keyword", "-f", "json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []
    assert r.stderr.splitlines() == [expected]
    r = cli(url, "bycatch", "-f", "csv")
    assert r.exit_code == 0 and r.stdout.splitlines()[0].startswith("paragraph_id,")
    assert len(r.stdout.splitlines()) == 1 and r.stderr.splitlines() == [expected]


def test_cli_as_a_user_runs_it_exits_0_with_one_line(collection: tuple[Store, str]) -> None:
    store, url = collection
    r = subprocess.run([sys.executable, "-m", "mealink.cli", "search", "bycatch", "--db", url],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [find(store, "bycatch").message] and r.stderr == ""


def test_cli_says_which_hits_lack_the_phrase(collection: tuple[Store, str]) -> None:
    r = cli(collection[1], PHRASE, "--limit", "60", "--no-why")
    assert r.exit_code == 0 and "related: does not contain “Liaison Group”" in r.stdout
    r = cli(collection[1], PHRASE, "--limit", "60", "-f", "json")
    assert r.exit_code == 0 and r.stderr == ""
    hits = json.loads(r.stdout)
    lacking = [h for h in hits if h["why"]["lacks_phrases"]]
    assert lacking and all(h["why"]["related"].startswith("related: does not contain")
                           for h in lacking)
    first = [bool(h["why"]["lacks_phrases"]) for h in hits]
    assert first == sorted(first), "the hits holding the phrase come first"


@pytest.fixture(scope="module")
def client(collection: tuple[Store, str]) -> Iterator[TestClient]:
    app = create_app(WebConfig(db=collection[1]))
    with TestClient(app, base_url="https://testserver") as c:
        yield c
    app.state.store.dispose()


def test_search_page_shows_the_sentence_instead_of_hits(client: TestClient,
                                                        store: Store) -> None:
    expected = find(store, "bycatch").message
    assert expected is not None
    html = client.get("/search", params={"q": "bycatch"}).text
    shown = expected.replace("'", "&#39;")
    assert f'<p class="nothing-close" role="status">{shown}</p>' in html
    assert '<ol class="hits"' not in html and "Nothing matches" not in html
    page = client.get("/search", params={"q": "bycatch", "format": "json"}).json()
    assert page["items"] == [] and page["nothing_close"] and page["message"] == expected


def test_search_page_labels_hits_without_the_phrase(client: TestClient) -> None:
    html = client.get("/search", params={"q": PHRASE}).text
    assert '<strong class="related">related: does not contain “Liaison Group”</strong>' in html


def test_api_returns_an_empty_page_with_the_message(client: TestClient, store: Store) -> None:
    r = client.get("/api/v1/search", params={"q": "bycatch", "mode": "semantic"})
    assert r.status_code == 200
    body = r.json()
    result: SearchResult = find(store, "bycatch", mode="semantic")
    assert body["items"] == [] and body["nothing_close"] is True
    assert body["message"] == result.message and body["floor"] == FLOOR
    assert result.closest is not None
    assert body["closest"]["paragraph_id"] == result.closest.paragraph_id
    assert body["closest"]["similarity"] < FLOOR
    assert {"total", "limit", "offset", "query", "mode", "facets"} <= set(body)
    found = client.get("/api/v1/search", params={"q": "invasive alien species"}).json()
    assert found["items"] and found["nothing_close"] is False and found["message"] is None
    assert found["closest"] is None
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["SearchPage"]
    assert {"nothing_close", "message", "floor", "closest"} <= set(schema["properties"])


def test_a_keyword_query_compares_only_its_hits_until_it_must_name_the_closest(
        store: Store) -> None:
    query = "cooperation on migratory species"
    hits, strict = keyword_ranking(store, query, None, 100)
    assert len(hits) > len(strict) > 0  # any-word hits: the ones held to the floor
    every = meaning_of(store, query, None, None)
    assert every.top(1) and every.compared_every_row
    some = meaning_of(store, query, None, None)
    some.prefetch(pid for pid, _ in hits)
    assert not some.compared_every_row
    for pid, _ in hits:
        mine, whole = some.similarity(pid), every.similarity(pid)
        assert (mine is None) == (whole is None), pid
        assert mine == whole, pid  # exact alone or among all: the same number
    assert not some.compared_every_row and every.compared_every_row
    assert some.top(1) == every.top(1)  # the closest of all needs every row
    assert some.compared_every_row


def test_rows_estimated_in_int8_give_the_answers_of_the_float32_product(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Which estimate rules rows out changes no answer: every hit, score and similarity is
    the same with the int8 copy of the vectors as with the float32 product."""
    queries = ["invasive alien species", "bycatch of seabirds in fisheries",
               "cooperation on migratory species", "climate change adaptation"]

    def answers() -> list[list[tuple[str, float, float | None]]]:
        meaning_module._ESTIMATORS.clear()
        return [[(h.paragraph_id, h.score, h.why.similarity if h.why else None)
                 for h in find(store, q, mode=mode, limit=20)]
                for q in queries for mode in ("semantic", "hybrid")]

    def kind() -> object:
        return type(getattr(meaning_module.estimator(store.name, vector_index(store)),
                            "__self__", None))

    monkeypatch.setattr(meaning_module, "INT8_FROM", 0)
    served = store.name in meaning_module._INT8_KEPT  # the web client's server keeps it
    meaning_module.forget_int8(store)
    try:
        by_float32 = answers()  # a command: the float32 product, whatever the size
        assert kind() is not Int8Matrix
        meaning_module.keep_int8(store)  # a server
        by_int8 = answers()
        assert kind() is Int8Matrix
    finally:
        (meaning_module.keep_int8 if served else meaning_module.forget_int8)(store)
    assert all(by_int8) and by_int8 == by_float32


def test_a_server_without_its_int8_copy_answers_by_the_float32_product(
        store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """If onnxruntime cannot make the int8 copy, the server says so in its log and answers
    the same by the float32 product."""
    query = "invasive alien species"
    served = store.name in meaning_module._INT8_KEPT
    meaning_module.forget_int8(store)
    try:
        want = [(h.paragraph_id, h.score) for h in find(store, query, mode="semantic")]

        def broken(matrix: object) -> None:
            raise RuntimeError("out of memory")

        monkeypatch.setattr(meaning_module, "INT8_FROM", 0)
        monkeypatch.setattr(meaning_module, "Int8Matrix", broken)
        meaning_module.keep_int8(store)
        with caplog.at_level("WARNING", logger="mealink.search"):
            got = [(h.paragraph_id, h.score) for h in find(store, query, mode="semantic")]
        assert got == want and want
        assert "no int8 copy of the sentence vectors (out of memory)" in caplog.text
    finally:
        (meaning_module.keep_int8 if served else meaning_module.forget_int8)(store)


def test_the_closest_few_are_the_first_of_the_closest_many(store: Store) -> None:
    """A query asked for its closest 20, then its closest 3 (the closest of all, for the
    nothing-close message), answers the 3 from the 20: the same as asking for 3 alone."""
    query = "migratory species and climate change"
    asked = meaning_of(store, query, None, None)
    many = asked.top(20)
    assert len(many) == 20
    assert asked.top(3) == many[:3] == meaning_of(store, query, None, None).top(3)
    filtered = meaning_of(store, query, SearchFilters(convention="CMS"), None)
    assert filtered.top(2) == filtered.top(10)[:2] == \
        meaning_of(store, query, SearchFilters(convention="CMS"), None).top(2)
