"""The Plug widget's costs (issue 15, section 7), in one run on one machine:

1. size: `GET /plug/<slug>/plug.js` (Plug on, the six languages enabled), raw and gzip -9;
2. a host page's load time: a static page (http.server on 127.0.0.1) loaded in Debian's
   chromium without the script and with `<script src="<live app>/plug/<slug>/plug.js"
   defer>`, alternating, a fresh browser context (empty cache) per load; medians of the
   Navigation Timing `domContentLoadedEventEnd` and `loadEventEnd`, and with/without;
3. answer latency: N synthetic articles (bench.search_seed, the search index built), then
   M questions (seeded titles and sentences reworded, a fifth nonsense) through
   `POST /api/v1/workspaces/<slug>/answers`, each followed by the same question through the
   customer search API (`articles/search`, hybrid, 5 results: what an answer searches),
   the reference; wall-clock p50/p95 of each and answers/search. The search result cache is
   off, so every request ranks.

    python -m bench.plug                        # 10,000 articles, 200 questions, 15 loads
    python -m bench.plug --articles 30 --questions 10 --loads 2 --work /tmp/x   # smoke
    python -m bench.plug --write-doc            # section "plug" of docs/PERFORMANCE.md

The seeded database is kept in instance/bench/plug-<N>.db and reused by the next run.
"""

import argparse
import gzip
import json
import logging
import math
import os
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.doc import DOC, RESULTS, load_average, stamp, write_section

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; never `playwright install`
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
HITS = 5  # portal.search.answers.HITS: the results an answer reads
NONSENSE = ("zorbly", "quaxe", "flimmer", "grodnik", "vexturn", "plonk", "skiv", "morrow",
            "blatch", "ingle", "trasp", "wivven")
HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title>
<style>body{{font:16px/1.5 sans-serif;margin:0 auto;max-width:50rem;padding:1rem}}</style>
</head><body><header><h1>Our shop</h1><nav><a href="/a">Products</a> <a href="/b">About</a>
</nav></header><main>{paragraphs}</main>{script}</body></html>"""
TIMING = """() => { const n = performance.getEntriesByType('navigation')[0];
  return n && n.loadEventEnd > 0 ? [n.domContentLoadedEventEnd, n.loadEventEnd] : null; }"""


def build_app(work: Path):
    from config import TestingConfig
    from portal import create_app

    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{work / 'bench.db'}"
        SEARCH_INDEX_DIR = str(work / "search-index")
        OUTBOX_DIR = str(work / "outbox")
        UPLOAD_DIR = str(work / "uploads")
        SEARCH_RESULT_CACHE = 0  # every question ranked, answers and reference alike
        ANSWERS_LIMIT_PER_ADDRESS = "1000000 per minute"
        TESTING = False  # errors surface as responses, as in production

    return create_app(Config)


def seed(app, articles: int) -> str:
    """The search bench workspace with `articles` articles and its index (reused when
    already there), Plug on; its slug."""
    from bench import search_seed
    from portal import database
    from portal.extensions import db
    from portal.services import portal_settings, workspaces

    with app.app_context(), app.test_request_context():
        database.upgrade()
        search_seed.seed(articles)
        ws = workspaces.by_slug(search_seed.SLUG)
        portal_settings.change(ws, {"features.plug": True, "features.knowledge_base": "public",
                                    "domain.allowlist": ["plug.localhost"]})
        db.session.commit()
        assert len(ws.enabled_locales) == 6, ws.enabled_locales
    return search_seed.SLUG


def script_size(app, slug: str) -> dict:
    response = app.test_client().get(f"/plug/{slug}/plug.js")
    assert response.status_code == 200, response.status_code
    body = response.get_data()
    return {"raw_bytes": len(body), "gzip_bytes": len(gzip.compress(body, compresslevel=9))}


def questions(articles: int, count: int, seed_value: int = 7) -> list[str]:
    """Seeded titles and sentences reworded (the seeder's own generator, so no database
    read), and one in five nonsense."""
    from bench.search.speed import synthetic

    rng = random.Random(seed_value)
    docs = synthetic(articles, 1)
    out: list[str] = []
    while len(out) < count:  # each question once: a repeat would be a cached search
        if len(out) % 5 == 4:
            asked = " ".join(rng.sample(NONSENSE, rng.randint(2, 4))) + "?"
        elif len(out) % 2:
            _number, title, _body = rng.choice(docs)
            asked = f"How do I {title[0].lower()}{title[1:]}?"
        else:
            _number, _title, body = rng.choice(docs)
            words = rng.choice(body.split(". ")).replace("\n", " ").split()[:14]
            if len(words) > 5:
                del words[rng.randrange(len(words))]  # reworded: a word dropped
            asked = "Why " + " ".join(words).rstrip(".") + "?"
        if asked not in out:
            out.append(asked)
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def answer_latency(app, slug: str, asked: list[str]) -> dict:
    """Each question as an answer, then as the reference search (interleaved, so a noisy
    stretch of the machine hits both); milliseconds."""
    from urllib.parse import quote

    client = app.test_client(use_cookies=False)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.15"
    ask_url = f"/api/v1/workspaces/{slug}/answers"
    search_url = f"/api/v1/workspaces/{slug}/articles/search?mode=hybrid&limit={HITS}&q="
    for question in ("warm up the search index", "another warm up"):  # index loaded
        client.post(ask_url, json={"question": question})
        client.get(search_url + quote(question))
    times: dict[str, list[float]] = {"answers": [], "search": []}
    answered = 0
    for question in asked:
        start = time.perf_counter()
        response = client.post(ask_url, json={"question": question})
        times["answers"].append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (response.status_code, response.get_data()[:300])
        answered += response.get_json()["answer"] is not None
        start = time.perf_counter()
        response = client.get(search_url + quote(question))
        times["search"].append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (response.status_code, response.get_data()[:300])
    out = {name: {"p50_ms": statistics.median(v), "p95_ms": percentile(v, 95)}
           for name, v in times.items()}
    out["answered"] = answered
    out["ratio_p50"] = out["answers"]["p50_ms"] / out["search"]["p50_ms"]
    out["ratio_p95"] = out["answers"]["p95_ms"] / out["search"]["p95_ms"]
    return out


class _Serve:
    """A threaded HTTP server of ours on 127.0.0.1 (stopped by `close`)."""

    def __init__(self, server):
        self.server = server
        self.port = server.server_port
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def host_pages(script_url: str) -> _Serve:
    paragraphs = "".join(f"<p>Paragraph {n} of the shop's page, with a little text in it, "
                         f"as a product page has.</p>" for n in range(1, 21))
    pages = {"/plain": HOST_PAGE.format(paragraphs=paragraphs, script=""),
             "/plug": HOST_PAGE.format(paragraphs=paragraphs,
                                       script=f'<script src="{script_url}" defer></script>')}
    pages = {path: html.encode() for path, html in pages.items()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    return _Serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))


def page_load(app, slug: str, loads: int) -> dict:
    """Medians (ms) of DOMContentLoaded and load for the host page without and with the
    script, `loads` of each, alternating which goes first."""
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    live = _Serve(make_server("127.0.0.1", 0, app, threaded=True))
    host = host_pages(f"http://127.0.0.1:{live.port}/plug/{slug}/plug.js")
    runs: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}

    def browse() -> None:
        """Playwright's sync API refuses a thread with a running asyncio loop (a test run's
        worker may have one): the browser is driven from a thread of its own."""
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=CHROMIUM_ARGS)

            def load(path: str):
                context = browser.new_context()
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{host.port}{path}")
                page.wait_for_function(TIMING)
                found = page.evaluate(TIMING)
                if path == "/plug":
                    assert page.locator("[data-helpport-plug]").count() == 1
                context.close()
                return found

            load("/plug")  # warm-up: the browser, the app's first request
            for i in range(loads):
                order = (("without", "/plain"), ("with", "/plug"))
                for name, path in order if i % 2 == 0 else order[::-1]:
                    runs[name].append(load(path))
            browser.close()

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(browse).result()
    finally:
        host.close()
        live.close()
    out = {name: {"dcl_ms": statistics.median(r[0] for r in rows),
                  "load_ms": statistics.median(r[1] for r in rows)}
           for name, rows in runs.items()}
    out["ratio_dcl"] = out["with"]["dcl_ms"] / out["without"]["dcl_ms"]
    out["ratio_load"] = out["with"]["load_ms"] / out["without"]["load_ms"]
    out["loads"] = loads
    return out


def table(found: dict, command: str) -> str:
    size, pages, latency = found["size"], found["page_load"], found["latency"]
    return "\n".join([
        stamp(command),
        f"Load average at the start: {found['load_average']}. Seeded: {found['articles']} "
        f"articles (bench.search_seed), {found['questions']} questions "
        f"({latency['answered']} answered), the six languages enabled.",
        "",
        "| plug.js | bytes |", "|---|---:|",
        f"| raw | {size['raw_bytes']} |",
        f"| gzip -9 | {size['gzip_bytes']} |",
        "",
        f"Host page in chromium, {pages['loads']} alternating loads each, fresh context "
        "(Navigation Timing, medians):",
        "",
        "| host page | DOMContentLoaded ms | load ms |", "|---|---:|---:|",
        f"| without the script | {pages['without']['dcl_ms']:.1f} | "
        f"{pages['without']['load_ms']:.1f} |",
        f"| with plug.js (defer) | {pages['with']['dcl_ms']:.1f} | "
        f"{pages['with']['load_ms']:.1f} |",
        f"| with/without | {pages['ratio_dcl']:.2f} | {pages['ratio_load']:.2f} |",
        "",
        "Answer latency in-process (test client, wall clock, search result cache off), each "
        "question asked, then searched (the reference):",
        "",
        "| endpoint | p50 ms | p95 ms |", "|---|---:|---:|",
        f"| POST answers | {latency['answers']['p50_ms']:.1f} | "
        f"{latency['answers']['p95_ms']:.1f} |",
        f"| GET articles/search (hybrid, limit {HITS}) | {latency['search']['p50_ms']:.1f} | "
        f"{latency['search']['p95_ms']:.1f} |",
        f"| answers/search | {latency['ratio_p50']:.2f} | {latency['ratio_p95']:.2f} |",
    ])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description="The Plug widget's size, page-load and "
                                                 "answer-latency benchmark.")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--loads", type=int, default=15, help="host page loads of each kind")
    parser.add_argument("--work", type=Path, help="where the seeded database lives "
                                                   "(default instance/bench/plug-<N>)")
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")  # a shared machine: one core for the math
    work = args.work or RESULTS / f"plug-{args.articles}"
    work.mkdir(parents=True, exist_ok=True)
    found = {"articles": args.articles, "questions": args.questions,
             "load_average": load_average()}
    app = build_app(work)
    app.logger.setLevel(logging.WARNING)  # no line per request
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    start = time.perf_counter()
    slug = seed(app, args.articles)
    print(f"seeded {args.articles} articles in {time.perf_counter() - start:.0f} s", flush=True)
    with app.app_context():
        found["size"] = script_size(app, slug)
        print("plug.js:", found["size"], flush=True)
        start = time.perf_counter()
        found["page_load"] = page_load(app, slug, args.loads)
        print(f"page loads in {time.perf_counter() - start:.0f} s", flush=True)
        print("page load:", json.dumps(found["page_load"]), flush=True)
        found["latency"] = answer_latency(app, slug, questions(args.articles, args.questions))
        print("latency:", json.dumps(found["latency"]), flush=True)
    (work / "results-plug.json").write_text(json.dumps(found, indent=2))
    command = "python -m bench.plug" + (f" --articles {args.articles}"
                                        if args.articles != 10_000 else "")
    text = table(found, command)
    print(text)
    if args.write_doc:
        write_section("plug", text, args.doc, heading="Plug (issue 15)")
    return found


if __name__ == "__main__":
    main()
