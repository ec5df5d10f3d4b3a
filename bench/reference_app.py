"""The reference for ticket page timings: a bare Flask app that renders a Jinja template of
a similar size and shape (a layout, a form and a table of rows), with no database, no
sessions and no extensions. Served by gunicorn with the same flags as the portal, it tells
how fast this machine is right now; portal numbers are quoted as ratios against it.

    gunicorn -w 2 --threads 4 -b 127.0.0.1:PORT bench.reference_app:app
    GET /page?rows=N   (N rows; tickets_load picks N so that the size matches the list page)
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, render_template, request

app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))

STAGES = ("open", "in_progress", "awaiting_customer", "resolved", "closed")
START = datetime(2026, 1, 1, tzinfo=UTC)


@app.get("/page")
def page():
    rows = max(0, min(int(request.args.get("rows", 25)), 1000))
    items = [{"number": 10_000 - i, "title": f"Billing portal shows wrong totals ({i})",
              "stage": STAGES[i % len(STAGES)], "priority": "normal",
              "updated_at": START - timedelta(hours=7 * i)} for i in range(rows)]
    return render_template("reference.html", items=items, stages=STAGES)
