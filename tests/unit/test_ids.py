"""`as_id`: what a row id or number may be before it reaches a query."""

import pytest

from portal.models.base import ID_MAX, as_id


@pytest.mark.parametrize("raw, expected", [
    (1, 1), ("42", 42), (ID_MAX, ID_MAX), (str(ID_MAX), ID_MAX),
    (0, None), (-3, None), (ID_MAX + 1, None), ("1" * 30, None),
    (True, None), (None, None), ("", None), ("4x", None), (2.5, None), (2.0, None),
    ("\u00b2", None), ("\u0663", None), (" 7", None), ("+7", None), ("7_0", None),
    ("9" * 5000, None), ("007", 7),
])
def test_as_id(raw, expected):
    assert as_id(raw) == expected
