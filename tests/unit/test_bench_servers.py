"""The server-settings benchmark on a tiny slice, so bench/servers.py cannot rot: 300 tickets,
the sync reference and the recommended split (pages on sync workers, one in this smoke run,
event streams on the gevent instance), one second of wrk each, two streams open. No speed
threshold here: the numbers live in docs/PERFORMANCE.md; what is asserted is that every run
served pages without errors and that the streams received the reply posted during the run."""

import shutil

import pytest

from bench import servers

pytest.importorskip("gevent", reason="the `server` extra (scripts/install-test-deps.sh)")
pytestmark = pytest.mark.bench  # a smoke run: not again on PostgreSQL (scripts/run-tests.sh)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_quick_run_serves_the_mix_and_delivers_the_reply(capsys):
    summary = servers.main(["--quick"])
    rows = {row["name"]: row for row in summary["results"]}
    assert set(rows) == {"sync-pages", "split"}
    for row in rows.values():
        assert row["rps"] > 0 and row["errors"] == 0
        assert row["p95_ms"] >= row["p50_ms"] > 0
        assert row["cpu_ms"] > 0
        assert row["post"] == ["201"]
    assert rows["sync-pages"]["streams"] == 0 and rows["sync-pages"]["ratio"] == 1.0
    split = rows["split"]
    assert split["streams"] == 2
    assert split["streams_open"] == 2 and split["streams_event"] == 2
    assert 0 < split["event_ms_max"] < 2000
    out = capsys.readouterr().out
    assert "| split: pages sync -w 1 + streams gevent -w 1 (recommended, smoke run) |" in out
    assert len(summary["load"]) == 1
