"""The page cache benchmark on a tiny site, so bench/ cannot rot. No timing here: the
measurement lives in bench/page_cache.py and docs/PERFORMANCE.md."""

import pytest

from bench import page_cache

pytestmark = pytest.mark.bench  # a smoke run: not again on PostgreSQL (scripts/run-tests.sh)


def test_benchmark_runs_and_reports_both_modes_of_both_pages(make_app, capsys):
    results = page_cache.main(["--quick"])
    assert set(results) == set(page_cache.PAGES)
    for found in results.values():
        assert found["uncached"] > 0 and found["cached"] > 0
        assert found["new visitor"] > 0 and found["reference"] > 0
    out = capsys.readouterr().out
    assert "| article page |" in out and "| knowledge base home |" in out
    assert "reference / new visitor's hit" in out
