"""The settings-read benchmark on a tiny site, so bench/ cannot rot (the measurement is in
bench/settings_read.py and docs/PERFORMANCE.md)."""

import pytest

from bench import settings_read

pytestmark = pytest.mark.bench  # a smoke run: not again on PostgreSQL (scripts/run-tests.sh)


def test_benchmark_runs_and_reports_the_read(make_app, capsys):
    found = settings_read.main(["--quick"])
    assert found["hit"] > 0 and found["read alone"] > 0
    assert "goal: under 1 ms" in capsys.readouterr().out
