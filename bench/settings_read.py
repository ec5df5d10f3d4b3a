"""What reading the portal settings adds to a request (issue 12: under 1 ms, cached),
in-process: a knowledge base home hit of the page cache with a full settings document
published (tabs, hero, footer, banner, custom CSS, allowlist), against the same hit with
the settings read switched off, alternating request by request; and the settings read on
its own (`portal_settings.published` and `portal_public.look` for a freshly loaded
workspace row, as each request has). CPU time of the serving thread, medians.

    python -m bench.settings_read               # 400 requests per mode
    python -m bench.settings_read --quick       # the smoke test
    python -m bench.settings_read --write-doc   # section "settings-read" of PERFORMANCE.md
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.doc import load_average, stamp, write_section
from bench.page_cache import SLUG, build_app, seed

URL = f"/en-US/{SLUG}/directories"
FULL = {
    "features.knowledge_base": "public",
    "features.banner": {"enabled": True, "level": "info", "text": {"en-US": "All **good**"}},
    "appearance.company_name": "Bench Co", "appearance.accent_color": "#d4a017",
    "appearance.theme": "system",
    "appearance.header_tabs": [{"kind": "knowledge_base"}, {"kind": "tickets"},
                               {"kind": "link", "label": {"en-US": "Status"},
                                "url": "https://status.bench.example"}],
    "appearance.hero": {"welcome_text": {"en-US": "Hello"},
                        "search_placeholder": {"en-US": "Ask us"}},
    "appearance.footer": {"social": [{"network": "github", "url": "https://github.com/b"}],
                          "links": [{"label": {"en-US": "Privacy"},
                                     "url": "https://bench.example/privacy"}]},
    "custom_css": ".hero h1 { letter-spacing: .01em }",
    "domain.allowlist": ["cdn.bench.example"],
}


def measure(app, requests: int) -> dict[str, float]:
    from portal.extensions import db
    from portal.models import Workspace
    from portal.services import portal_public, portal_settings

    client = app.test_client(use_cookies=False)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(5):
        assert client.get(URL).status_code == 200
    times: dict[str, list[float]] = {"hit": [], "read alone": []}
    for _ in range(requests):
        start = time.thread_time()
        client.get(URL)
        times["hit"].append(time.thread_time() - start)
        with app.test_request_context(URL):
            ws = db.session.scalar(db.select(Workspace).where(Workspace.slug == SLUG))
            start = time.thread_time()
            portal_settings.published(ws)
            portal_public.look(ws)
            times["read alone"].append(time.thread_time() - start)
            db.session.remove()
    return {mode: statistics.median(values) * 1000 for mode, values in times.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests = 5
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder))
        app.config["PAGE_CACHE_SECONDS"] = 300
        with app.app_context():
            seed(app, 6, folders=1, index=False)
            from portal.extensions import db
            from portal.services import portal_settings, workspaces

            portal_settings.change(workspaces.by_slug(SLUG), FULL)
            db.session.commit()
            found = measure(app, args.requests)
            db.session.remove()
            db.engine.dispose()
    body = (f"In-process, {args.requests} requests, load average {load_average()}: a cached "
            f"knowledge base home hit with a full settings document costs "
            f"{found['hit']:.3f} ms of CPU (median); reading the settings for a freshly "
            f"loaded workspace row (`published` and `look`, what each request does) costs "
            f"**{found['read alone']:.4f} ms** (goal: under 1 ms).")
    print(body)
    if args.write_doc:
        command = "python -m bench.settings_read --write-doc"
        write_section("settings-read", f"{body}\n\n{stamp(command)}",
                      heading="Portal settings read")
    return found


if __name__ == "__main__":
    main(sys.argv[1:])
