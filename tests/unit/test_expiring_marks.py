"""The in-process Redis stand-in's marks (portal.extensions.ExpiringMarks): what
`SET key 1 NX EX seconds` answers, without the emulated protocol; kb view counts use them
when no Redis is configured, and they are emptied with the stand-in's database."""

import pytest

from portal import extensions
from portal.extensions import ExpiringMarks


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(extensions.time, "monotonic", lambda: now[0])
    return now


def test_a_key_is_set_once_until_it_expires(clock):
    marks = ExpiringMarks()
    assert marks.add("a", 10) is True
    assert marks.add("a", 10) is False
    assert marks.add("b", 10) is True
    clock[0] += 9.9
    assert marks.add("a", 10) is False
    clock[0] += 0.2
    assert marks.add("a", 10) is True  # expired: set again, for another 10 s
    assert marks.add("a", 10) is False
    marks.clear()
    assert len(marks) == 0 and marks.add("a", 10) is True


def test_expired_keys_are_swept_as_the_set_grows(clock):
    marks = ExpiringMarks()
    for n in range(1024):
        assert marks.add(f"old-{n}", 5)
    clock[0] += 6
    assert marks.add("new", 5)  # the 1,025th: the sweep drops the 1,024 expired ones
    assert len(marks) == 1
    for n in range(1023):
        marks.add(f"live-{n}", 60)
    assert len(marks) == 1024
    marks.add("one-more", 60)  # nothing expired: all kept, the next sweep at twice that
    assert len(marks) == 1025


def test_the_stand_in_empties_its_marks_with_its_database(app):
    conn = extensions.redis_connection()
    if not hasattr(conn, "marks"):
        pytest.skip("a real Redis is configured")
    conn.marks.add("k", 60)
    conn.set("other", 1)
    conn.flushdb()
    assert len(conn.marks) == 0 and conn.get("other") is None
    conn.marks.add("k", 60)
    conn.flushall()
    assert len(conn.marks) == 0
