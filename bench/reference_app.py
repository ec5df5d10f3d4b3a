"""The reference for page timings: a bare Flask app that renders a Jinja template of a
similar size and shape as the page measured (a layout, a form and a table of rows; an
article; a list of directories and links) or answers JSON, with no database, no sessions
and no extensions. Served by gunicorn with the same flags as the portal, it tells how fast
this machine is right now; portal numbers are quoted as ratios against it.

    gunicorn -w 2 --threads 4 -b 127.0.0.1:PORT bench.reference_app:app
    GET /page?rows=N      a ticket table of N rows (tickets_load and pages_load size N to
                          match the page measured)
    GET /article?rows=N   an article of N paragraphs
    GET /home?rows=N      a knowledge-base home: search form, N directory cards and N links
    GET /json?rows=N      a JSON list of N ticket summaries
    POST /json?rows=N     the same, 201, after parsing and checking a JSON ticket body
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, abort, jsonify, render_template, request

app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))

STAGES = ("open", "in_progress", "awaiting_customer", "resolved", "closed")
START = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = ("the export needs a valid token before the report shows totals for every account "
         "so check the settings page and try the sync again after the next invoice").split()


def _rows(default: int = 25) -> int:
    return max(0, min(int(request.args.get("rows", default)), 5000))


def _items(rows: int) -> list[dict]:
    return [{"number": 10_000 - i, "title": f"Billing portal shows wrong totals ({i})",
             "stage": STAGES[i % len(STAGES)], "priority": "normal",
             "updated_at": START - timedelta(hours=7 * i)} for i in range(rows)]


def _sentence(i: int, words: int = 60) -> str:
    return " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(words)).capitalize() + "."


@app.get("/page")
def page():
    return render_template("reference.html", title="Tickets", items=_items(_rows()),
                           stages=STAGES)


@app.get("/article")
def article():
    rows = _rows(10)
    related = [{"slug": f"related-{i}", "title": _sentence(i, 6)} for i in range(5)]
    return render_template("reference_article.html", title=_sentence(rows, 7),
                           paragraphs=[_sentence(i) for i in range(rows)], related=related,
                           updated=START, token="x" * 90)


@app.get("/home")
def home():
    rows = _rows(10)
    directories = [{"slug": f"d{i}", "name": _sentence(i, 3), "description": _sentence(i, 6),
                    "count": i + 3} for i in range(rows)]
    articles = [{"slug": f"a{i}", "title": _sentence(i, 7), "summary": _sentence(i, 12)}
                for i in range(rows)]
    return render_template("reference_home.html", title="How can we help?",
                           directories=directories, articles=articles)


def _summaries(rows: int) -> list[dict]:
    return [{**item, "updated_at": item["updated_at"].isoformat(), "url": f"/t/{item['number']}"}
            for item in _items(rows)]


@app.get("/json")
def json_list():
    return jsonify(tickets=_summaries(_rows()), next_cursor="c" * 40)


@app.post("/json")
def json_create():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not str(data.get("title", "")).strip():
        abort(422)
    return jsonify(title=data["title"], tickets=_summaries(_rows())), 201
