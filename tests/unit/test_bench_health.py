"""The health-check latency benchmark on a few requests, so bench/ cannot rot. No timing
asserted here: the numbers live in bench/health_latency.py's output and the report."""

import pytest

from bench import health_latency

pytestmark = pytest.mark.bench  # a smoke run: not again on PostgreSQL (scripts/run-tests.sh)


def test_benchmark_runs_and_reports_medians(make_app, capsys):
    result = health_latency.main(["--requests", "5"])
    assert set(result) == {"reference_ms", "healthz_ms", "readyz_ms", "healthz_ratio",
                           "readyz_ratio"}
    assert all(value > 0 for value in result.values())
    assert "requests each: 5" in capsys.readouterr().out
