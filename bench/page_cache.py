"""What the public page cache saves, in-process: the anonymous knowledge-base home and an
article page, served by the view (PORTAL_PAGE_CACHE_SECONDS=0) and from the in-process
cache, alternating request by request in one app so that drift of this shared machine hits
both alike. CPU time of the serving thread (time.thread_time) per request, medians.

    python -m bench.page_cache               # 300 requests per page and mode, 200 articles
    python -m bench.page_cache --quick       # a few requests on a tiny site (the smoke test)
    python -m bench.page_cache --write-doc   # also the "Public page cache" section of
                                             # docs/PERFORMANCE.md
    python -m bench.page_cache --profile article   # + a cProfile of that page's hits

Hits are measured twice: for a returning visitor (the test client keeps its cookies) and
for a new one (no cookies: what wrk sends; a cached page is the same for both since the
vote form carries no per-visitor token). The reference is bench/reference_app.py's page of the same
size (the one pages_load compares with), served the same way: its ratio is the in-process
counterpart of the load benchmark's, without the server's share.

Requests per second under load (wrk, gunicorn) are the page benchmark's.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.doc import load_average, stamp, write_section

SLUG = "bench"
PAGES = {"knowledge base home": f"/en-US/{SLUG}/directories",
         "article page": f"/en-US/{SLUG}/articles/article-1"}
REFERENCE = {"knowledge base home": "/home", "article page": "/article"}  # bench.reference_app
MODES = ("uncached", "cached", "new visitor", "reference")
PROFILED = {"home": "knowledge base home", "article": "article page"}
WARM_UP = 5


def build_app(tmp: Path):
    from config import TestingConfig
    from portal import create_app

    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp / 'bench.db'}"
        OUTBOX_DIR = str(tmp / "outbox")
        UPLOAD_DIR = str(tmp / "uploads")
        TESTING = False  # errors surface as responses, as in production

    return create_app(Config)


def seed(app, articles: int, folders: int = 5, index: bool = True) -> None:
    """A public knowledge base; without `index` (the quick run) no search engine is loaded,
    and with one folder of six or more articles none is needed for related articles."""
    from portal import database
    from portal.extensions import db
    from portal.jobs.worker import drain
    from portal.services import articles as article_service
    from portal.services import directories, portal_settings, workspaces
    from portal.tenancy import use_workspace

    database.upgrade()
    ws = workspaces.create_workspace(SLUG, "Bench Support")
    portal_settings.change(ws, {"features.knowledge_base": "public"})
    db.session.commit()
    paragraph = ("Reset the router, wait a minute and sign in again with the code from the "
                 "label. " * 12).strip()
    with use_workspace(ws.id):
        made = [directories.save_directory(ws, names={"en-US": f"Topic {n}"})
                for n in range(1, folders + 1)]
        for number in range(1, articles + 1):
            article_service.write(ws, locale="en-US", title=f"Article {number}",
                                  body="\n\n".join([f"## Part {p}\n\n{paragraph}"
                                                    for p in range(1, 9)]),
                                  status="published", slug=f"article-{number}",
                                  directory_id=made[number % len(made)].id)
        db.session.commit()
    if index:
        drain(app)  # the search index (related articles)


def reference_url(page: str, size: int) -> str:
    """The bare Flask page of `size` bytes and the shape of `page` (as pages_load sizes it)."""
    from bench.reference_app import app as reference

    client = reference.test_client()
    route = REFERENCE[page]
    small = len(client.get(f"{route}?rows=0").data)
    large = len(client.get(f"{route}?rows=100").data)
    return f"{route}?rows={max(0, round((size - small) / ((large - small) / 100)))}"


def measure(app, url: str, requests: int, reference: str) -> dict[str, float]:
    """Median CPU milliseconds per request in each mode, interleaved request by request."""
    from bench.reference_app import app as reference_app

    clients = {"uncached": app.test_client(), "cached": app.test_client(),
               "new visitor": app.test_client(use_cookies=False),
               "reference": reference_app.test_client()}
    for client in clients.values():
        client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for round_ in range(WARM_UP + requests):
        for mode in MODES:
            app.config["PAGE_CACHE_SECONDS"] = 0 if mode == "uncached" else 300
            start = time.thread_time()
            response = clients[mode].get(reference if mode == "reference" else url)
            spent = time.thread_time() - start
            assert response.status_code == 200, (url, response.status_code)
            if mode in ("cached", "new visitor") and round_ >= WARM_UP:
                assert response.headers["X-Page-Cache"] == "hit"
            if round_ >= WARM_UP:
                times[mode].append(spent * 1000)
    return {mode: statistics.median(values) for mode, values in times.items()}


def profile_hits(app, url: str, requests: int) -> None:
    """cProfile of `requests` hits of a new visitor (no cookies), cumulative order."""
    import cProfile
    import io
    import pstats

    client = app.test_client(use_cookies=False)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    app.config["PAGE_CACHE_SECONDS"] = 300
    for _ in range(WARM_UP):
        client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(50)
    print(out.getvalue())


def report(results: dict[str, dict[str, float]], requests: int, articles: int) -> str:
    lines = [f"In-process (Flask test client, SQLite, {articles} articles of ~1,000 words), "
             f"{requests} requests per page and mode, alternating; CPU ms per request "
             f"(median of time.thread_time); load average {load_average()}. A new visitor "
             "sends no cookie (as wrk); the reference is the bare Flask page of the same "
             "size (bench/reference_app.py) through the same test client.", "",
             "| page | uncached (view) | cached (hit) | speed-up | hit, new visitor | "
             "reference | reference / new visitor's hit |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for page, found in results.items():
        lines.append(f"| {page} | {found['uncached']:.2f} ms | {found['cached']:.2f} ms | "
                     f"{found['uncached'] / found['cached']:.1f}× | "
                     f"{found['new visitor']:.2f} ms | {found['reference']:.2f} ms | "
                     f"{found['reference'] / found['new visitor']:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a few requests, tiny site")
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--profile", choices=tuple(PROFILED),
                        help="also print a cProfile of this page's hits (a new visitor's)")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.articles = 3, 6
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder))
        with app.app_context():
            seed(app, args.articles, folders=1 if args.quick else 5, index=not args.quick)
            sizes = {page: len(app.test_client().get(url).data) for page, url in PAGES.items()}
            results = {page: measure(app, url, args.requests, reference_url(page, sizes[page]))
                       for page, url in PAGES.items()}
            if args.profile:
                profile_hits(app, PAGES[PROFILED[args.profile]], args.requests)
            from portal.extensions import db

            db.session.remove()
            db.engine.dispose()
    body = report(results, args.requests, args.articles)
    print(body)
    if args.write_doc:
        write_section("page-cache", f"{body}\n\n{stamp('python -m bench.page_cache --write-doc')}",
                      heading="Public page cache")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
