"""Memory of two gunicorn workers with search indexes loaded (issue 11, part 3).

    python -m bench.memory                       # 1, 10 and 100 workspaces
    python -m bench.memory --workspaces 1 10 --write-doc
    python -m bench.memory --quick               # tiny: what the smoke test runs

For each size: a fresh SQLite database with N public workspaces (en-US default, de-DE
enabled, German translations in none of them), each holding the same generated long
articles (bulk-inserted rows). Workspace 1's indexes are built by the product's build;
the others get the same index stored under their own article ids (same texts, so the same
index: a rebuild per workspace would only cost minutes). Then gunicorn (2 sync workers)
serves the portal, and every workspace's search page is requested, in both locales,
until the access log shows that EACH worker has answered it (so each worker has loaded
every index it would load). Finally each worker's RSS and PSS (/proc/PID/smaps_rollup:
pages shared between the workers count half in each) are read. The reference is the bare
Flask app of bench/reference_app.py, 2 workers, measured in the same run.

The semantic side is LSA (SEARCH_EMBEDDER=lsa): a sentence-embedding model, where the
embeddings extra is installed, adds its own weights to every worker.

100 workspaces use fewer articles each (--many-articles, default 100): at 1,000 long
articles that size needs ~100k articles of text and ~100 index builds' worth of storage.
"""

import argparse
import html
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import doc
from bench.tickets_load import GUNICORN, ROOT, WORK, Server, free_port, get, portal_env

HERE = WORK / "memory"
LOCALES = ("en-US", "de-DE")
QUERY = "connect printer invoice"


# -- articles -------------------------------------------------------------------------
def _names(count: int, seed: int) -> list[str]:
    """Made-up product names, codes and jargon: what makes a real vocabulary large."""
    import random

    rng = random.Random(seed)
    cons, vow = "bcdfghjklmnprstvwz", "aeiou"
    return ["".join(rng.choice(cons) + rng.choice(vow) + (rng.choice(cons)
                                                           if rng.random() < .4 else "")
                    for _ in range(rng.randint(2, 4))) for _ in range(count)]


def long_articles(n: int, seed: int = 1, chunks=(12, 20)) -> list[tuple[str, str]]:
    """n (title, body) pairs of ~1,200 words: paragraphs of bench/search's synthetic
    articles, with 80-160 rare names each from a Zipf-like pool of 50 per article."""
    import random

    from bench.search.speed import synthetic

    rng = random.Random(seed)
    pool = synthetic(max(200, n // 2), seed)
    rare = _names(max(5000, n * 50), seed + 1)
    weights = [1 / (i + 1) ** 0.7 for i in range(len(rare))]
    out = []
    for _ in range(n):
        parts = [pool[rng.randrange(len(pool))][2] for _ in range(rng.randint(*chunks))]
        picked = rng.choices(rare, weights=weights, k=rng.randint(80, 160))
        for k in range(0, len(picked), 8):
            parts.insert(rng.randrange(len(parts) + 1), "See also " + ", ".join(
                picked[k:k + 8]) + f" (code {rng.randint(1000, 99999)}).")
        out.append((pool[rng.randrange(len(pool))][1] + f" {picked[0]}", "\n\n".join(parts)))
    return out


def short_articles(n: int) -> list[tuple[str, str]]:
    from bench.search.speed import synthetic

    return [(title, body) for _id, title, body in synthetic(n, 1)]


# -- seeding (in a child process: its own app on its own database) -------------------------
def seed(workspaces: int, articles: int, quick: bool) -> dict:
    import numpy as np
    from sqlalchemy import func, insert, select

    from portal import create_app, database
    from portal.extensions import db
    from portal.models import Article, ArticleTranslation, SearchIndex
    from portal.models.base import utcnow
    from portal.search import build, codec, store
    from portal.services import workspaces as ws_service
    from portal.tenancy import use_workspace

    texts = short_articles(articles) if quick else long_articles(articles)
    app = create_app()
    with app.app_context():
        database.upgrade()
        started = time.monotonic()
        first, slugs, ws_ids = None, [], []
        for w in range(1, workspaces + 1):
            slug = f"mem{w}"
            ws = ws_service.create_workspace(slug, f"Memory {w}", kb_access="public")
            db.session.commit()
            slugs.append(slug)
            ws_ids.append(ws.id)
            now = utcnow()
            with use_workspace(ws.id):
                conn = db.session.connection()
                ids = [row[0] for row in conn.execute(
                    insert(Article.__table__).returning(Article.__table__.c.id),
                    [{"workspace_id": ws.id, "kind": "native", "status": "published",
                      "audience": "public", "slug": f"article-{i}", "position": i,
                      "created_at": now, "updated_at": now, "published_at": now,
                      "helpful_yes": 0, "helpful_no": 0, "views": 0}
                     for i in range(len(texts))])]
                conn.execute(insert(ArticleTranslation.__table__), [
                    {"workspace_id": ws.id, "article_id": aid, "locale": "en-US",
                     "title": title[:300], "description": "", "body": body,
                     "body_html": "".join(f"<p>{html.escape(p)}</p>"
                                          for p in body.split("\n\n")),
                     "updated_at": now} for aid, (title, body) in zip(ids, texts,
                                                                       strict=True)])
                db.session.commit()
                if first is None:  # the product's own build, every locale it builds
                    build.rebuild_workspace(ws.id)
                    first = {row.locale: codec.loads(row.data) for row in db.session.scalars(
                        select(SearchIndex).where(SearchIndex.workspace_id == ws.id))}
                    first_ids = ids
                    continue
                remap = dict(zip(first_ids, ids, strict=True))
                for locale, index in first.items():
                    original = index.ids
                    index.ids = np.asarray([remap[int(i)] for i in original], dtype=np.int64)
                    store.save(ws.id, locale, index)
                    index.ids = original
                db.session.commit()
        count = size = 0
        for ws_id in ws_ids:
            with use_workspace(ws_id):
                rows = db.session.execute(select(
                    func.count(SearchIndex.id), func.sum(func.length(SearchIndex.data)))
                    .where(SearchIndex.workspace_id == ws_id)).one()
            count, size = count + rows[0], size + int(rows[1] or 0)
    return {"slugs": slugs, "indexes": count, "index_bytes": size,
            "locales_indexed": sorted(first), "seconds": time.monotonic() - started}


# -- serving and measuring ------------------------------------------------------------------
class SyncServer(Server):
    """tickets_load's Server with 2 sync workers and an access log naming the worker."""

    def __init__(self, module: str, env: dict, log: Path, access: Path):
        self.port = free_port()
        self.log = log.open("w")
        self.access = access
        access.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "-w", "2", "-k", "sync", "--threads", "1",
             "--timeout", "300",
             "-b", f"127.0.0.1:{self.port}", "--access-logfile", str(access),
             "--access-logformat", "%(p)s %(U)s?%(q)s", module],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def stop(self) -> None:
        """SIGQUIT: gunicorn's quick shutdown (measured already; no requests in flight)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)
        self.log.close()

    def workers(self) -> list[int]:
        kids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return sorted(int(pid) for pid in kids.split())

    def served(self) -> dict[str, set[int]]:
        """path -> the worker pids (gunicorn's `<pid>`) that answered it."""
        out: dict[str, set[int]] = {}
        if self.access.exists():
            for line in self.access.read_text().splitlines():
                pid, _sep, path = line.partition(" ")
                out.setdefault(path, set()).add(int(pid.strip("<>")))
        return out

    def each_worker(self, paths: list[str], tries: int = 5) -> int:
        """Have BOTH workers answer every path: a connection that has not sent its request
        yet holds the sync worker that accepted it, so the same request sent on a second
        connection meanwhile is answered by the other worker; then the first connection
        sends it too. Checked in the access log; returns the requests sent."""
        sent, workers = 0, set(self.workers())
        for path in paths:
            for _ in range(tries):
                with socket.create_connection(("127.0.0.1", self.port), timeout=60) as held:
                    time.sleep(0.05)  # accepted by one worker, which now waits for it
                    _fetch(self.port, path)
                    held.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Connection: close\r\n\r\n".encode())
                    while held.recv(65536):
                        pass
                sent += 2
                time.sleep(0.05)  # the access log is written after the answer
                if self.served().get(path, set()) >= workers:
                    break
            else:
                sys.exit(f"not every worker answered {path}")
        return sent


def _fetch(port: int, path: str) -> None:
    status, _body = get(port, path)
    if status != 200:
        print(f"  warning: {status} on {path}", file=sys.stderr)


def memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _sep, value = line.partition(":")
        fields[name] = int(value.split()[0]) / 1024
    return fields["Rss"], fields["Pss"]


def measure(server: SyncServer) -> dict:
    workers = [memory(pid) for pid in server.workers()]
    return {"workers": [{"rss": r, "pss": p} for r, p in workers],
            "rss": sum(r for r, _p in workers), "pss": sum(p for _r, p in workers),
            "master_pss": memory(server.proc.pid)[1]}


def run_size(workspaces: int, articles: int, quick: bool) -> dict:
    here = HERE / f"{'quick-' if quick else ''}n{workspaces}"
    shutil.rmtree(here, ignore_errors=True)
    here.mkdir(parents=True)
    env = {**portal_env(f"sqlite:///{here / 'bench.db'}"),
           "PORTAL_SEARCH_INDEX_DIR": str(here / "search-index"),
           "PORTAL_SEARCH_EMBEDDER": "lsa"}
    print(f"== {workspaces} workspace(s) x {articles} articles: seeding and building")
    out = subprocess.run([sys.executable, "-m", "bench.memory", "--seed-child",
                          str(workspaces), str(articles)] + (["--quick"] if quick else []),
                         cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stdout[-3000:] + out.stderr[-3000:])
    seeded = json.loads(out.stdout.strip().splitlines()[-1])
    server = SyncServer("app:app", env, here / "gunicorn.log", here / "access.log")
    try:
        server.wait("/healthz")
        paths = [f"/{loc}/{slug}/search?q={QUERY.replace(' ', '+')}"
                 for slug in seeded["slugs"] for loc in LOCALES]
        started = time.monotonic()
        sent = server.each_worker(paths)
        result = measure(server)
    finally:
        server.stop()
    files = sum(p.stat().st_size for p in (here / "search-index").rglob("*") if p.is_file())
    result.update(workspaces=workspaces, articles=articles, requests=sent,
                  search_seconds=time.monotonic() - started, index_files=files, **seeded)
    print(f"   {result['indexes']} index row(s), {_mb(result['index_bytes'])} MB in the "
          f"database; workers PSS {result['pss']:.0f} MiB, RSS {result['rss']:.0f} MiB")
    return result


def reference() -> dict:
    HERE.mkdir(parents=True, exist_ok=True)
    server = SyncServer("bench.reference_app:app", portal_env("sqlite://"),
                        HERE / "gunicorn-reference.log", HERE / "access-reference.log")
    try:
        server.wait("/page?rows=25")
        server.each_worker(["/page?rows=25"])
        return measure(server)
    finally:
        server.stop()


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f}"


def table(rows: list[dict], ref: dict) -> str:
    lines = ["| workspaces × articles | index rows (DB MB) | indexed locales | worker 1 RSS / PSS"
             " | worker 2 RSS / PSS | 2 workers RSS | 2 workers PSS | PSS vs reference |",
             "|---|---:|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        w = r["workers"]
        lines.append(
            f"| {r['workspaces']} × {r['articles']:,} | {r['indexes']} "
            f"({_mb(r['index_bytes'])}) | {', '.join(r['locales_indexed'])} | "
            + " | ".join(f"{x['rss']:.0f} / {x['pss']:.0f} MiB" for x in w[:2])
            + f" | {r['rss']:.0f} MiB | **{r['pss']:.0f} MiB** | {r['pss'] / ref['pss']:.1f}× |")
    w = ref["workers"]
    lines.append("| reference (bare Flask) | | | "
                 + " | ".join(f"{x['rss']:.0f} / {x['pss']:.0f} MiB" for x in w[:2])
                 + f" | {ref['rss']:.0f} MiB | {ref['pss']:.0f} MiB | 1.0× |")
    return "\n".join(lines)


def write_doc(body: str, load: str, command: str) -> None:
    doc.write_section("memory", "\n\n".join([
        doc.stamp(command) + f" Load average at the start: {load}.",
        "Two gunicorn sync workers after each has answered one search per workspace and "
        "locale (so each loaded every index; at 100 workspaces each keeps the 32 most "
        "recently used, SEARCH_CACHE_INDEXES). PSS counts pages shared between the workers "
        "(memory-mapped index files in the page cache) half in each: the sum is what the "
        "two workers really hold. Target: under 500 MiB for 10 workspaces of 1,000 "
        "articles.", body]), heading="Memory (issue 11)")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspaces", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--many-articles", type=int, default=100,
                        help="articles per workspace from 100 workspaces on")
    parser.add_argument("--quick", action="store_true", help="1 tiny workspace")
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--seed-child", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed_child:
        print(json.dumps(seed(*args.seed_child, quick=args.quick)))
        return {}
    sizes = [(1, 20)] if args.quick else [
        (n, args.articles if n < 100 else args.many_articles) for n in args.workspaces]
    load = doc.load_average()
    ref = {}  # measured meanwhile: its memory does not depend on the other server
    side = threading.Thread(target=lambda: ref.update(reference()))
    side.start()
    try:
        rows = [run_size(n, a, args.quick) for n, a in sizes]
    finally:
        side.join()
    if not ref:
        sys.exit("the reference was not measured")
    body = table(rows, ref)
    print(body)
    (HERE / "results.json").write_text(json.dumps({"rows": rows, "reference": ref,
                                                   "load": load}, indent=1))
    if args.write_doc:
        write_doc(body, load, "python -m bench.memory" + (" --quick" if args.quick else ""))
    return {"rows": rows, "reference": ref}


if __name__ == "__main__":
    main()
