"""The memory benchmark on one tiny workspace, so bench/ cannot rot: two real gunicorn
workers each answer the workspace's searches, then their memory is read."""

import pytest

from bench import memory

pytestmark = pytest.mark.bench  # a smoke run: not again on PostgreSQL (scripts/run-tests.sh)


def test_benchmark_loads_the_index_in_both_workers_and_reports_their_memory(capsys):
    result = memory.main(["--quick"])
    row, ref = result["rows"][0], result["reference"]
    assert row["workspaces"] == 1 and row["articles"] == 20
    assert row["locales_indexed"] == ["en-US"]  # no German translation: no German index
    assert row["index_files"] > 0  # unpacked for memory-mapping
    assert len(row["workers"]) == len(ref["workers"]) == 2
    for measured in (row, ref):
        assert all(0 < w["pss"] <= w["rss"] for w in measured["workers"])
        assert measured["pss"] == sum(w["pss"] for w in measured["workers"])
    # requests: both workers answered each of the 2 search pages (2 locales)
    assert row["requests"] >= 4
    out = capsys.readouterr().out
    assert "| 1 × 20 |" in out and "reference (bare Flask)" in out
