"""The sign-in timing benchmark on a few requests, so bench/ cannot rot. No timing here:
the measurement lives in bench/otp_timing.py and docs/PERFORMANCE.md."""

import pytest

from bench import otp_timing

pytestmark = pytest.mark.bench  # a smoke run: not again on PostgreSQL (scripts/run-tests.sh)


def test_benchmark_runs_and_reports_both_medians(make_app, capsys):
    result = otp_timing.main(["--requests", "4"])
    assert set(result) == {"known_ms", "unknown_ms", "difference_ms", "noise_ms"}
    assert result["known_ms"] > 0 and result["unknown_ms"] > 0
    assert "requests each: 4" in capsys.readouterr().out
