"""The lightweight tables that quick commands read through (``store/engine/tables.py``)
name only columns that ``schema.py`` declares, each with the type it is declared with, so a
renamed or retyped column cannot silently read back wrong (a date as a string, a boolean as
0/1) in ``mealink status``."""

from __future__ import annotations

import pytest
from sqlalchemy import TableClause

from mealink.store.engine import tables
from mealink.store.engine.schema import Base

LIGHT = [getattr(tables, n) for n in tables.__all__ if isinstance(getattr(tables, n),
                                                                   TableClause)]


def test_every_lightweight_table_is_checked() -> None:
    assert sorted(t.name for t in LIGHT) == ["citations", "document_keys", "documents",
                                             "edges", "paragraphs"]


@pytest.mark.parametrize("light", LIGHT, ids=lambda t: t.name)
def test_each_column_is_the_schemas_with_its_type(light: TableClause) -> None:
    declared = Base.metadata.tables[light.name].columns
    for col in light.columns:
        assert col.name in declared, f"{light.name}.{col.name} is not in schema.py"
        assert type(col.type) is type(declared[col.name].type), \
            f"{light.name}.{col.name}: {col.type!r} here, {declared[col.name].type!r} there"


def test_a_wrong_type_is_caught() -> None:
    from sqlalchemy import Integer, column, table

    wrong = table("documents", column("adopted_on", Integer))
    with pytest.raises(AssertionError, match="adopted_on"):
        test_each_column_is_the_schemas_with_its_type(wrong)
