"""One parser reads every number mealink takes from the environment: the store's waits
(0 = no limit) and the web application's settings (greater than 0)."""

from __future__ import annotations

import pytest

from mealink.environment import env_number


@pytest.mark.parametrize(("raw", "zero", "want"), [
    (None, True, 7.0),  # unset: the default
    ("  ", False, 7.0),  # blank: the default
    ("2.5", False, 2.5),
    (" 30 ", True, 30.0),
    ("0", True, 0.0),  # a wait of 0 means no limit
    ("0", False, None),  # a count of threads or days may not be 0
    ("-1", True, None),
    ("ten", True, None),
    ("nan", True, None),
    ("inf", True, None),
])
def test_a_number_from_the_environment(monkeypatch: pytest.MonkeyPatch, raw: str | None,
                                       zero: bool, want: float | None) -> None:
    if raw is None:
        monkeypatch.delenv("MEALINK_X", raising=False)
    else:
        monkeypatch.setenv("MEALINK_X", raw)
    assert env_number("MEALINK_X", 7.0, zero=zero) == want
