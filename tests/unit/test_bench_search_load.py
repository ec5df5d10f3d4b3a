"""The search load benchmark (bench/search_load.py) runs end to end on a tiny slice, so it
cannot rot: seeding (reused when present), gunicorn, wrk cycling through the queries with
a signed-in quarter, the reference, and the doc section. No timing thresholds here: the
numbers live in docs/PERFORMANCE.md ("Search under load")."""

import json
import subprocess
import sys

import pytest

from bench import search_load
from bench.search_load import request_lines
from bench.tickets_load import ROOT, WORK


@pytest.fixture(scope="module")
def quick_site():
    """The quick run's seeded site (bench.search_load.seeded), made once for both smoke runs
    of this module: the load run reuses it (it reuses a seed of the last hour), the
    in-process profile copies its database."""
    _env, db, seed_file = search_load.seeded(True, search_load.QUICK_ARTICLES)
    return db, seed_file


def test_request_lines_cycle_queries_and_sign_in_every_fourth():
    seed = {"slug": "sb", "api_token": "tok", "cookie": "c=1"}
    lines = request_lines("hybrid", ["reset password", "invoice", "sso", "export csv"], seed)
    assert lines[0] == ("/api/v1/workspaces/sb/articles/search?q=reset%20password"
                        "&mode=hybrid&limit=10")
    assert [line.count("\t") for line in lines] == [0, 0, 0, 1]
    assert lines[3].endswith("\tAuthorization: Bearer tok")
    typed = request_lines("suggest", ["reset password"] * 4, seed)
    assert typed[0].startswith("/en-US/sb/search/suggest?q=reset") and "c=1" in typed[3]


@pytest.mark.bench
def test_quick_run_measures_every_target_and_writes_its_section(tmp_path, quick_site):
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text("# Performance\n\nHand-written text stays.\n")
    done = subprocess.run([sys.executable, "-m", "bench.search_load", "--quick",
                           "--write-doc", "--doc", str(doc)], cwd=ROOT, capture_output=True,
                          text=True, timeout=240)  # a loaded machine: 60 s was not always enough
    assert done.returncode == 0, done.stderr[-2000:]
    assert "reusing the seed" in done.stdout  # the module's site: seeded once
    summary = json.loads((WORK / "results-search-load.json").read_text())
    assert summary["articles"] == search_load.QUICK_ARTICLES
    assert [r["name"] for r in summary["results"]] == ["keyword", "hybrid", "suggest",
                                                        "reference"]
    for row in summary["results"]:
        assert row["rps"] > 0 and row["p95_ms"] >= row["p50_ms"] > 0 and row["cpu_ms"] > 0
        assert row["errors"] == 0, row
        assert row["bytes"] > 300  # JSON with results, not an error body
    text = doc.read_text()
    assert "Hand-written text stays." in text
    assert "## Search under load (issue 11)" in text and "<!-- bench:search-load -->" in text
    assert "| API search JSON, hybrid |" in text and "load average" in text


def test_in_process_profile_measures_every_target(tmp_path, quick_site):
    """bench/search/cpu.py (CPU and statements per search request, in-process) on the
    module's tiny seeded site (it works on a copy): every target answers 200 and gets a row."""
    from bench.tickets_load import portal_env

    db, seed = quick_site
    env = {**portal_env(f"sqlite:///{db}"), "PORTAL_SEARCH_EMBEDDER": "lsa",
           "PORTAL_SEARCH_INDEX_DIR": str(tmp_path / "index")}
    done = subprocess.run([sys.executable, "-m", "bench.search.cpu", "--db", str(db),
                           "--seed", str(seed), "--requests", "5", "--no-result-cache"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert [row.split("|")[1].strip() for row in rows[1:]] == ["keyword", "hybrid", "suggest"]
    assert "load average" in done.stdout
