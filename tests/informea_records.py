"""What the InforMEA tests share: records built from the gold corpus, the fields a record
and mealink's extension must carry, and small readers of stores and exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from mealink.export import export
from mealink.interop.frbr import interop_rules
from mealink.interop.informea import (
    EXTENSION,
)
from mealink.store import Store
from mealink.store.engine.schema import DocumentRow, SourceRow

STATUSES = sorted(set(interop_rules()["informea"]["status"].values()))
#: InforMEA's treaty names (data/interop.toml).
TREATIES = sorted(interop_rules()["informea"]["treaties"].values())
#: The keys of a paragraph in the extension.
PARAGRAPH_KEYS = {"id", "kind", "number", "parent", "inForce", "verb", "actors", "deadline",
                  "condition", "topics", "references", "text"}
#: The keys of the extension.
EXTENSION_KEYS = ["version", "id", "label", "symbol", "convention", "source", "status",
                  "inForce", "statusBy", "akn", "paragraphs", "lineage"]


# --- helpers ---------------------------------------------------------------------------------
def corpus_text(corpus_dir: Path, name: str) -> str:
    return (corpus_dir / name).read_text(encoding="utf-8")


def as_html(text: str) -> str:
    """A text as InforMEA often gives ``contents``: one ``<p>`` per paragraph."""
    return "\n".join(f"<p>{block.strip()}</p>" for block in text.split("\n\n")
                     if block.strip())


def write_json(path: Path, obj: Any) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records}


def counts_of(message: str | None) -> dict[str, int]:
    """The outcomes an InforMEA file's message counts ('3 InforMEA records: 1 updated,
    2 unchanged')."""
    head, _, tail = (message or "").partition(" InforMEA records: ")
    assert head.isdigit() and tail, message
    counts = {k: int(n) for n, k in (part.split(" ", 1) for part in tail.split(", "))}
    assert sum(counts.values()) == int(head), message
    return counts


def count(store: Store, table: type, *where: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where))
                   .scalar_one())


def texts_stored(store: Store) -> int:
    return count(store, DocumentRow, ~DocumentRow.is_stub)


def export_all(store: Store, out: Path, **kw: Any) -> list[dict[str, Any]]:
    result = export(store, "informea", every=True, output=out, **kw)
    records: list[dict[str, Any]] = read_json(out)
    assert result.items == len(records) and result.files == [str(out)]
    return records


def record(rid: str, treaty: str, number: str, contents: str, **fields: Any
           ) -> dict[str, Any]:
    """A complete InforMEA decision record, every field filled, plus an unknown one."""
    rec: dict[str, Any] = {
        "id": rid,
        "link": f"https://www.informea.org/en/decision/{rid}",
        "number": number,
        "status": "active",
        "type": "decision",
        "treaty": treaty,
        "published": "2013-03-14T00:00:00",
        "updated": "2019-06-02T10:22:31",
        "meetingId": f"{treaty}-cop16",
        "meetingTitle": "Sixteenth meeting of the Conference of the Parties",
        "meetingUrl": f"https://www.informea.org/en/event/{treaty}-cop16",
        "titles": [{"language": "en", "value": f"Decision {number}"},
                   {"language": "fr", "value": f"Décision {number} « texte »"}],
        "longTitles": [{"language": "en", "value": f"Decision {number} of the Conference"}],
        "summaries": [{"language": "en", "value": "The Parties are asked to report; "
                       "=SUM(A1) stays text."}],
        "contents": [{"language": "en", "value": contents}],
        "keywords": [{"namespace": "leo", "term": "wildlife trade"},
                     {"namespace": "informea", "term": "reporting"}],
        "files": [{"id": f"{rid}-en", "url": f"https://www.informea.org/files/{rid}-en.pdf",
                   "mimeType": "application/pdf", "language": "en",
                   "filename": f"{rid}-en.pdf"}],
        "customField": {"source": "test", "values": [1, 2.5, None, True]},
    }
    rec.update(fields)
    return rec


def fixed_records(corpus_dir: Path) -> list[dict[str, Any]]:
    """Three real decisions as InforMEA records; the CMS one's contents are HTML."""
    return [
        record("6f1e0a5c-cites-16-26", "cites", "16.26",
               corpus_text(corpus_dir, "cites_dec16_26.txt"),
               titles=[{"language": "en", "value": "Wildlife trade policy reviews"},
                       {"language": "fr", "value": "Examens des politiques commerciales "
                                                   "en matière d'espèces sauvages"}]),
        record("b7d2c9e4-sc-1-7", "stockholm", "SC-1/7",
               corpus_text(corpus_dir, "stockholm_sc1_7_poprc_informea.txt"),
               type="decision", meetingId="stockholm-cop1",
               titles=[{"language": "en", "value": "Establishment of the Persistent Organic "
                                                   "Pollutants Review Committee"},
                       {"language": "fr", "value": "Création du Comité d'étude des "
                                                   "polluants organiques persistants"}]),
        record("0c3a4b18-cms-10-8", "cms", "10.8",
               as_html(corpus_text(corpus_dir, "seed-cms-res-10.8.txt")),
               type="resolution", status="active", meetingId="cms-cop14",
               published="2024-02-17T00:00:00", link=None,
               titles=[{"language": "en", "value": "Cooperation between IPBES and CMS"},
                       {"language": "fr", "value": "Coopération entre l'IPBES et la CMS"}]),
    ]


#: For each fixed record: its convention, and a phrase one of its paragraphs holds.
FIXED_EXPECTED = {
    "6f1e0a5c-cites-16-26": ("CITES", "wildlife trade policy reviews on a voluntary basis"),
    "b7d2c9e4-sc-1-7": ("Stockholm", "Persistent Organic Pollutants Review Committee"),
    "0c3a4b18-cms-10-8": ("CMS", "communicate and liaise regularly"),
}


def check_extension(out: dict[str, Any], doc_id: str) -> None:
    """The ``mealink`` extension of one exported record, for the stored document doc_id."""
    ext = out[EXTENSION]
    assert list(ext) == EXTENSION_KEYS
    assert ext["version"] == 2 and ext["id"] == doc_id
    assert ext["paragraphs"], f"{out['id']}: no paragraphs in the extension"
    for p in ext["paragraphs"]:
        assert set(p) == PARAGRAPH_KEYS
        assert p["id"].startswith(doc_id + "/"), p["id"]
        assert p["kind"] in ("preamble", "operative", "heading"), p["kind"]
        assert isinstance(p["text"], str) and p["text"].strip()
        assert "<p>" not in p["text"] and "</p>" not in p["text"]
    assert len({p["id"] for p in ext["paragraphs"]}) == len(ext["paragraphs"])


def stored_id(store: Store, source_file: Path, rid: str) -> tuple[str, Any]:
    """The id and kept bytes of the document stored for record ``rid`` of ``source_file``."""
    with store.engine.connect() as conn:
        row = conn.execute(select(DocumentRow.id, SourceRow.data).join(
            SourceRow, SourceRow.document_id == DocumentRow.id).where(
            DocumentRow.source == f"{source_file.resolve()}#{rid}")).one()
    return row.id, row.data
