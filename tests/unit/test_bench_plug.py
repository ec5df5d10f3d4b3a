"""The Plug benchmark (bench/plug.py) end to end on a tiny slice, so it cannot rot: 30
articles, 10 questions, 2 host page loads of each kind, the doc section written to a copy.
No timing thresholds here: the numbers live in docs/PERFORMANCE.md ("Plug")."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import plug

pytestmark = pytest.mark.bench  # a smoke run: not again on PostgreSQL (scripts/run-tests.sh)


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 21)]
    assert plug.percentile(values, 95) == 19.0
    assert plug.percentile(values, 50) == 10.0
    assert plug.percentile([3.0], 95) == 3.0


def test_questions_reword_seeded_articles_and_include_nonsense():
    asked = plug.questions(30, 10)
    assert len(asked) == 10 and len(set(asked)) == 10
    assert sum(q.split()[0] in plug.NONSENSE for q in asked) == 2
    assert sum(q.startswith("How do I ") for q in asked) >= 3


def test_quick_run_measures_everything_and_writes_its_section(make_app, tmp_path, capsys):
    if not plug.CHROMIUM.exists():
        pytest.skip(f"{plug.CHROMIUM} is missing (apt-get install chromium)")
    pytest.importorskip("playwright")
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text("# Performance\n\nHand-written text stays.\n")
    async def in_a_running_loop():  # as a test run's worker may have one (aiosmtpd ...)
        return plug.main(["--articles", "30", "--questions", "10", "--loads", "2",
                          "--work", str(tmp_path / "work"), "--write-doc", "--doc", str(doc)])

    def with_a_loop():  # a thread of its own: the test's may have a running loop already
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(in_a_running_loop())
        finally:
            loop.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        found = pool.submit(with_a_loop).result()
    size = found["size"]
    assert 1000 < size["gzip_bytes"] < size["raw_bytes"]
    pages = found["page_load"]
    for name in ("without", "with"):
        assert pages[name]["load_ms"] >= pages[name]["dcl_ms"] > 0
    assert pages["ratio_load"] > 0 and pages["loads"] == 2
    latency = found["latency"]
    for name in ("answers", "search"):
        assert latency[name]["p95_ms"] >= latency[name]["p50_ms"] > 0
    assert 0 < latency["answered"] <= 8  # the two nonsense questions get no answer
    text = doc.read_text()
    assert "Hand-written text stays." in text
    assert "## Plug (issue 15)" in text and "<!-- bench:plug -->" in text
    assert "| gzip -9 | " in text and "| answers/search | " in text
    assert "| with/without | " in text
    assert "seeded 30 articles" in capsys.readouterr().out
