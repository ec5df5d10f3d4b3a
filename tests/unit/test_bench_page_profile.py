"""The page profile on tiny sizes, so bench/ cannot rot. No timing is judged here: the
measurement lives in bench/page_profile.py and docs/PERFORMANCE.md."""

import pytest

from bench import page_profile

pytestmark = pytest.mark.bench  # a smoke run: not again on PostgreSQL (scripts/run-tests.sh)


def test_profile_runs_and_reports_every_page(make_app, capsys):
    result = page_profile.main(["--quick"])
    assert set(result) == set(page_profile.PAGES)
    for page, row in result.items():
        # at least the caller's session and the page's rows (the API's lookup brings the
        # workspace too: two statements for its ticket list)
        assert row["ms"] > 0 and row["statements"] >= 2, page
    # a new reader's view is one UPDATE more than a reader counted already
    assert result["article_new_reader"]["statements"] == \
        result["article_anonymous"]["statements"] + 1
    out = capsys.readouterr().out
    assert "| ticket_list | 2 |" in out and "| page | statements |" in out
