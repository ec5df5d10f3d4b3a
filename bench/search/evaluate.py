"""Relevance of the search engine against the hand-labelled set, next to a BM25 baseline.

    python -m bench.search.evaluate               # print the table
    python -m bench.search.evaluate --write-doc   # and update docs/PERFORMANCE.md
    python -m bench.search.evaluate --sweep       # also try the engine's tuning knobs

Systems: "bm25" is SQLite FTS5 `bm25()` over title and body (in-memory, porter stemmer,
equal column weights, the query's words joined with OR) -- what a team gets for free from
the database; keyword / semantic / hybrid are portal.search's modes with their defaults.
With the embeddings extra, "semantic (sentence)" / "hybrid (sentence)" score an article by its
best passage (the engine's default) and "... (sentence, first passage)" by its first passage
only, on the same index (issue 14: what reading whole articles changes)."""

import argparse
import copy
import json
import re
import sqlite3
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench.search import report
from bench.search.metrics import METRICS, paired_p_value

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
KINDS = ("plain", "paraphrase", "typo")
UNANSWERABLE = "unanswerable"  # no labels: the right answer is no result (the floor)
ENGINE_MODES = ("keyword", "semantic", "hybrid")
SENTENCE_MODES = ("semantic", "hybrid")
K = 10
TUNED = "hybrid (tuned)"
SENTENCE = "hybrid (sentence)"
NO_FLOOR = "hybrid (no floor)"
FIRST = " (sentence, first passage)"  # suffix of the sentence systems that read one passage
# a query whose answer (an article graded 2) is longer than this many words: the long
# guides of issue 14, which the sentence model reads in several passages
LONG_WORDS = 300
LONG = "long answer"


@dataclass
class Article:
    id: int
    locale: str
    slug: str
    title: str
    body: str


def load_articles(locale: str = "en-US") -> list[Article]:
    rows = [json.loads(line) for line in (DATA / "articles.jsonl").read_text("utf-8").splitlines()]
    return [Article(r["id"], r["locale"], r["slug"], r["title"], r["body"])
            for r in rows if r["locale"] == locale]


def load_queries(locale: str = "en-US") -> list[dict]:
    """The labelled queries; `long` marks those answered by an article of more than
    LONG_WORDS words."""
    rows = [json.loads(line) for line in (DATA / "queries.jsonl").read_text("utf-8").splitlines()]
    long_ids = {a.id for a in load_articles(locale) if len(a.body.split()) > LONG_WORDS}
    out = []
    for r in rows:
        if r["locale"] == locale:
            r["labels"] = {int(k): v for k, v in r["labels"].items()}
            r["long"] = any(g == 2 and d in long_ids for d, g in r["labels"].items())
            out.append(r)
    return out


# -- the baseline ------------------------------------------------------------------------
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class Bm25Baseline:
    """SQLite FTS5 with its built-in Okapi BM25 (k1 1.2, b 0.75). Lower bm25() is better."""

    def __init__(self, articles: list[Article], tokenizer: str = "porter unicode61",
                 weights: tuple[float, float] = (1.0, 1.0)):
        self.db = sqlite3.connect(":memory:")
        self.db.execute(f"CREATE VIRTUAL TABLE docs USING fts5(title, body, "
                        f"tokenize='{tokenizer}')")
        self.db.executemany("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
                            [(a.id, a.title, a.body) for a in articles])
        self.db.commit()
        self.weights = weights

    @staticmethod
    def match_expression(query: str) -> str:
        words = _WORD.findall(query.lower())
        return " OR ".join(f'"{w}"' for w in words)

    def search(self, query: str, limit: int = K) -> list[tuple[int, float]]:
        expr = self.match_expression(query)
        if not expr:
            return []
        rows = self.db.execute(
            "SELECT rowid, bm25(docs, ?, ?) FROM docs WHERE docs MATCH ? "
            "ORDER BY bm25(docs, ?, ?) LIMIT ?",
            (*self.weights, expr, *self.weights, limit)).fetchall()
        return [(rowid, -score) for rowid, score in rows]


# -- the engine ----------------------------------------------------------------------------
def engine_available() -> bool:
    try:
        from portal.search import engine  # noqa: F401
    except ImportError:
        return False
    return True


def build_engine(articles: list[Article], locale: str = "en-US", params=None,
                 sentence_model: bool = False):
    from portal.search.engine import Doc, build_index, lsa_embedder
    from portal.search.params import DEFAULT

    docs = [Doc(a.id, a.title, a.body) for a in articles]
    factory = lsa_embedder
    if sentence_model:
        from portal.search.sentence import SentenceEmbedder

        def factory(_analyzer, _params, _size):
            return SentenceEmbedder()
    return build_index(docs, locale, params or DEFAULT, factory)


def first_passage_only(index):
    """The same sentence index scoring each article by its first passage only, as the
    model read articles before issue 14 (one vector of the article's beginning): a view
    sharing the model and the keyword side, whose semantic vectors are the first rows
    of each article's passages (`starts`, kept by index format 4). Bench-only: the
    product's default is unchanged."""
    semantic = copy.copy(index.semantic)
    semantic.vectors = index.semantic.vectors[index.semantic.starts]
    semantic.starts = None  # one vector per article: its score is that passage's
    view = copy.copy(index)
    view.__dict__.pop("_cached", None)  # caches of its own
    view.__dict__.pop("_cached_lock", None)
    view.semantic = semantic
    return view


def sentence_available(locale: str) -> bool:
    """The embeddings extra is installed and its model reads this locale (English)."""
    if not locale.lower().startswith("en") or not engine_available():
        return False
    from portal.search import sentence

    return sentence.available()


def parse_params(pairs: list[str]):
    """['char_ngrams=true', 'typo_cutoff=70'] -> the engine's Params with those overrides."""
    from portal.search.params import DEFAULT

    changes = {}
    for pair in pairs:
        key, value = pair.split("=", 1)
        current = getattr(DEFAULT, key)  # AttributeError names an unknown knob
        if isinstance(current, bool):
            changes[key] = value.lower() in ("1", "true", "yes")
        else:
            changes[key] = type(current)(value)
    return DEFAULT.with_(**changes)


# -- evaluation ------------------------------------------------------------------------------
def run(search, queries: list[dict]) -> list[dict]:
    """Per query: the ranked ids (what is listed, after the relevance floor) and each
    metric. `search(query) -> [(id, score)]`."""
    out = []
    for q in queries:
        ranked = [doc_id for doc_id, _score in search(q["query"])][:K]
        row = {"id": q["id"], "kind": q["kind"], "long": q.get("long", False),
               "ranked": ranked, "listed": bool(ranked)}
        for name, fn in METRICS.items():
            row[name] = fn(ranked, q["labels"], K)
        out.append(row)
    return out


def summarise(per_query: list[dict]) -> dict:
    """{'all' | kind: {metric: mean, "kept": share with a result, "n"}} over the answerable
    queries ('all' = every answerable one), and {'unanswerable': {"silent": share with no
    result, "n"}}. A metric is a mean over answerable queries only, of what is listed
    after the floor (a query the floor empties scores 0)."""
    answerable = [r for r in per_query if r["kind"] != UNANSWERABLE]
    groups = {"all": answerable}
    for kind in KINDS:
        groups[kind] = [r for r in answerable if r["kind"] == kind]
    groups[LONG] = [r for r in answerable if r.get("long")]
    out = {g: {m: (statistics.fmean(r[m] for r in rows) if rows else 0.0)
               for m in METRICS}
           | {"n": len(rows), "kept": share(r["listed"] for r in rows)}
           for g, rows in groups.items()}
    silent = [r for r in per_query if r["kind"] == UNANSWERABLE]
    out[UNANSWERABLE] = {"n": len(silent), "silent": share(not r["listed"] for r in silent)}
    return out


def share(flags) -> float | None:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else None


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def floor_table(results: dict) -> str:
    """Markdown: per system, the share of unanswerable queries with no result, of
    answerable ones keeping at least one, and nDCG@10 over the answerable (after the
    floor)."""
    first = next(iter(results.values()))["summary"]
    lines = [f"| system | unanswerable with no result (n={first[UNANSWERABLE]['n']}) | "
             f"answerable keeping a result (n={first['all']['n']}) | nDCG@10 answerable |",
             "|---|---|---|---|"]
    for name, res in results.items():
        s = res["summary"]
        lines.append(f"| {name} | {percent(s[UNANSWERABLE]['silent'])} | "
                     f"{percent(s['all']['kept'])} | {s['all']['nDCG@10']:.3f} |")
    return "\n".join(lines)


def systems(articles: list[Article], locale: str = "en-US", params=None,
            tuned: list[str] | None = None) -> dict:
    """name -> search function; the engine's modes only when it is importable; with `tuned`
    knob overrides, also "hybrid (tuned)" on an index built with them."""
    out = {}
    # FTS5 ships an English (Porter) stemmer only; German gets plain unicode61 tokens
    tokenizer = "porter unicode61" if locale.startswith("en") else "unicode61"
    base = Bm25Baseline(articles, tokenizer)
    out["bm25 (FTS5)"] = lambda q: base.search(q, K)
    if engine_available():
        index = build_engine(articles, locale, params=params)
        for mode in ENGINE_MODES:
            out[mode] = (lambda m: lambda q: index.search(q, mode=m, limit=K))(mode)
        # the same index without the relevance floor: what it costs and what it silences
        no_floor = index.params.with_(floor=False)
        out[NO_FLOOR] = lambda q: index.search(q, mode="hybrid", limit=K, params=no_floor)
        if tuned:
            p = parse_params(tuned)
            tuned_index = build_engine(articles, locale, params=p)
            out[TUNED] = lambda q: tuned_index.search(q, mode="hybrid", limit=K, params=p)
        if sentence_available(locale):
            st_index = build_engine(articles, locale, params=params, sentence_model=True)
            first = first_passage_only(st_index)
            for mode in SENTENCE_MODES:
                out[f"{mode} (sentence)"] = (
                    lambda m: lambda q: st_index.search(q, mode=m, limit=K))(mode)
            for mode in SENTENCE_MODES:
                out[mode + FIRST] = (lambda m: lambda q: first.search(q, mode=m, limit=K))(mode)
    return out


def evaluate(locale: str = "en-US", queries: list[dict] | None = None, params=None,
             tuned: list[str] | None = None, articles: list[Article] | None = None) -> dict:
    """Every system over `articles` (default: the locale's whole collection; the smoke
    test passes a slice, as the sentence model's reading of them is most of the time)."""
    articles = load_articles(locale) if articles is None else articles
    queries = load_queries(locale) if queries is None else queries
    results = {}
    for name, search in systems(articles, locale, params, tuned).items():
        per_query = run(search, queries)
        results[name] = {"summary": summarise(per_query), "per_query": per_query}
    return results


def quality_table(results: dict, metric_names=tuple(METRICS)) -> str:
    """Markdown: one row per system, columns metric x group."""
    groups = ("all", *KINDS)
    first = next(iter(results.values()))["summary"]
    head = ["system"] + [f"{m} {g} (n={first[g]['n']})" if m == metric_names[0] else f"{m} {g}"
                         for g in groups for m in metric_names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, res in results.items():
        s = res["summary"]
        cells = [name] + [f"{s[g][m]:.3f}" for g in groups for m in metric_names]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def compact_table(results: dict) -> str:
    """Markdown: the floor table, then rows = system, columns = nDCG@10 / MRR@10 /
    Recall@10 / share keeping a result, per group of answerable queries."""
    groups = ("all", *KINDS, LONG)
    first = next(iter(results.values()))["summary"]
    lines = ["\n**relevance floor** (a query the articles cannot answer should list "
             "nothing)\n", floor_table(results)]
    for g in groups:
        label = {"all": "all answerable",
                 LONG: f"{LONG} (answered by an article of more than {LONG_WORDS} words)"
                 }.get(g, g)
        lines.append(f"\n**{label}** ({first[g]['n']} queries)\n")
        lines.append("| system | nDCG@10 | MRR@10 | Recall@10 | keeps a result |")
        lines.append("|---|---|---|---|---|")
        for name, res in results.items():
            s = res["summary"][g]
            lines.append(f"| {name} | {s['nDCG@10']:.3f} | {s['MRR@10']:.3f} | "
                         f"{s['Recall@10']:.3f} | {percent(s['kept'])} |")
    return "\n".join(lines)


def in_group(row: dict, group: str) -> bool:
    """An answerable query's row in `group`: "all", a kind, LONG, or "short answer"."""
    if row["kind"] == UNANSWERABLE:
        return False
    if group == LONG:
        return bool(row.get("long"))
    if group == "short answer":
        return not row.get("long")
    return group == "all" or row["kind"] == group


def versus_baseline(results: dict, system: str = "hybrid",
                    baseline: str = "bm25 (FTS5)",
                    groups: tuple[str, ...] = ("all", *KINDS)) -> list[dict]:
    """Relative nDCG@10 gain of `system` over the baseline per group, with a paired p."""
    out = []

    def of(g: str, rows: list[dict]) -> list[float]:
        return [r["nDCG@10"] for r in rows if in_group(r, g)]

    for g in groups:
        a = of(g, results[system]["per_query"])
        b = of(g, results[baseline]["per_query"])
        if not a:
            continue
        mean_a, mean_b = statistics.fmean(a), statistics.fmean(b)
        wins = sum(x > y + 1e-9 for x, y in zip(a, b, strict=True))
        losses = sum(y > x + 1e-9 for x, y in zip(a, b, strict=True))
        out.append({"group": g, "n": len(a), "system": mean_a, "baseline": mean_b,
                    "gain": (mean_a / mean_b - 1) if mean_b else float("inf"),
                    "wins": wins, "losses": losses, "p": paired_p_value(a, b)})
    return out


def gain_table(rows: list[dict], system: str = "hybrid", baseline: str = "BM25") -> str:
    lines = [f"| group | {baseline} nDCG@10 | {system} nDCG@10 | relative gain | "
             "queries better / worse | paired p |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['group']} ({r['n']}) | {r['baseline']:.3f} | {r['system']:.3f} | "
                     f"{r['gain']:+.1%} | {r['wins']} / {r['losses']} | {r['p']:.3f} |")
    return "\n".join(lines)


PASSAGE_GROUPS = ("all", *KINDS, LONG, "short answer")


def passages_versus_first(results: dict) -> dict:
    """Per sentence mode: nDCG@10 of scoring an article by its best passage against
    scoring it by its first passage (the model's view before issue 14), per group with
    a paired p."""
    return {mode: versus_baseline(results, f"{mode} (sentence)", mode + FIRST,
                                  PASSAGE_GROUPS)
            for mode in SENTENCE_MODES
            if f"{mode} (sentence)" in results and mode + FIRST in results}


def passages_text(rows_by_mode: dict) -> str:
    return "\n\n".join(f"`{mode} (sentence)`:\n\n"
                       + gain_table(rows, "best passage", "first passage")
                       for mode, rows in rows_by_mode.items())


# -- parameter sweep -------------------------------------------------------------------------
SWEEP = {
    # query-time knobs: the index is built once
    "rrf_k": [10, 30, 60, 100],
    "semantic_weight": [0.5, 0.75, 1.0, 1.5],
    "prf_docs": [0, 3, 5],
    "semantic_min": [0.0, 0.1, 0.15, 0.25],
    "typo_cutoff": [70.0, 80.0, 90.0],
    "title_fuzzy_weight": [0.0, 0.25, 0.5],
    "keyword_coverage": [0.0, 0.3, 0.5, 0.75],
}
SWEEP_BUILD = {
    # build-time knobs: one index per value
    "title_weight": [1.0, 2.0, 3.0, 5.0],
    "dims": [16, 24, 32, 200],  # the engine caps dims at n_docs // 3 (47 here)
    "char_ngrams": [False, True],
}


def sweep(locale: str = "en-US") -> list[dict]:
    """One knob at a time around the defaults: hybrid nDCG@10 overall and per kind."""
    from portal.search.params import DEFAULT

    articles = load_articles(locale)
    queries = load_queries(locale)
    rows = []

    def score(index, params):
        per_query = run(lambda q: index.search(q, mode="hybrid", limit=K, params=params),
                        queries)
        s = summarise(per_query)
        return {g: s[g]["nDCG@10"] for g in ("all", *KINDS)}

    base_index = build_engine(articles, locale, DEFAULT)
    for knob, values in SWEEP.items():
        if not hasattr(DEFAULT, knob):
            continue
        for v in values:
            params = DEFAULT.with_(**{knob: v})
            rows.append({"knob": knob, "value": v, **score(base_index, params)})
    for knob, values in SWEEP_BUILD.items():
        if not hasattr(DEFAULT, knob):
            continue
        for v in values:
            params = DEFAULT.with_(**{knob: v})
            rows.append({"knob": knob, "value": v,
                         **score(build_engine(articles, locale, params), params)})
    return rows


# -- held-out check of the sentence side's two knobs -------------------------------------------
SENTENCE_GRID = {"sentence_keyword_coverage": [0.0, 0.3, 0.5, 0.75],
                 "sentence_correction": [70.0, 80.0, 90.0, 101.0]}  # 101: never


def crossval(locale: str = "en-US") -> list[dict]:
    """Two folds (odd / even query number): pick the hybrid (sentence) knobs on one fold,
    score them on the other, next to BM25 on the same held-out queries. Shows whether the
    gain over the baseline comes from tuning on the queries it is scored on."""
    import itertools

    from portal.search.params import DEFAULT

    articles = load_articles(locale)
    queries = load_queries(locale)
    index = build_engine(articles, locale, sentence_model=True)
    base = Bm25Baseline(articles)
    names = list(SENTENCE_GRID)
    settings = [dict(zip(names, values, strict=True))
                for values in itertools.product(*SENTENCE_GRID.values())]
    folds = [[q for i, q in enumerate(queries) if i % 2 == parity] for parity in (0, 1)]

    def score(setting, subset):
        p = DEFAULT.with_(**setting)
        return run(lambda q: index.search(q, mode="hybrid", limit=K, params=p), subset)

    held_out, baseline, chosen = [], [], []
    for train, test in ((folds[0], folds[1]), (folds[1], folds[0])):
        best = max(settings, key=lambda st: summarise(score(st, train))["all"]["nDCG@10"])
        held_out += score(best, test)
        baseline += run(lambda q: base.search(q, K), test)
        chosen.append(best)
    name = "hybrid (sentence), held out"
    both = {name: {"per_query": held_out}, "bm25 (FTS5)": {"per_query": baseline}}
    return [{"chosen": chosen, "gains": versus_baseline(both, name)}]


def crossval_text(result: list[dict]) -> str:
    res = result[0]
    chosen = "; ".join(", ".join(f"{k}={v}" for k, v in c.items()) for c in res["chosen"])
    return (f"Knobs chosen on each half (odd / even queries): {chosen}.\n\n"
            + gain_table(res["gains"], "hybrid (sentence), held out"))


def sweep_table(rows: list[dict]) -> str:
    lines = ["| knob | value | all | plain | paraphrase | typo |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['knob']} | {r['value']} | {r['all']:.3f} | {r['plain']:.3f} | "
                     f"{r['paraphrase']:.3f} | {r['typo']:.3f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Search relevance vs a BM25 baseline")
    parser.add_argument("--locales", nargs="+", default=["en-US", "de-DE"])
    parser.add_argument("--write-doc", action="store_true",
                        help="replace the 'Search quality' block of docs/PERFORMANCE.md")
    parser.add_argument("--sweep", action="store_true",
                        help="also sweep the engine's knobs (on the first locale)")
    parser.add_argument("--tuned", nargs="*", default=[],
                        help="knob overrides for an extra 'hybrid (tuned)' row, "
                             "e.g. char_ngrams=true typo_cutoff=70")
    parser.add_argument("--json", type=Path, default=report.RESULTS / "search-quality.json")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    out = {}
    for locale in args.locales:
        results = evaluate(locale, tuned=args.tuned)
        table = compact_table(results)
        gains = versus_baseline(results) if "hybrid" in results else None
        tuned_gains = versus_baseline(results, TUNED) if TUNED in results else None
        sentence_gains = versus_baseline(results, SENTENCE) if SENTENCE in results else None
        passage_gains = passages_versus_first(results) or None
        print(f"\n## {locale}\n{table}")
        for rows, name in ((gains, "hybrid"), (tuned_gains, TUNED),
                           (sentence_gains, SENTENCE)):
            if rows:
                print("\n" + gain_table(rows, name))
        if passage_gains:
            print("\nBest passage against first passage only:\n\n"
                  + passages_text(passage_gains))
        out[locale] = {"results": results, "table": table, "gains": gains,
                       "tuned_gains": tuned_gains, "tuned": args.tuned,
                       "sentence_gains": sentence_gains, "passage_gains": passage_gains}
    sweep_rows = held_out = None
    if args.sweep and engine_available():
        sweep_rows = sweep(args.locales[0])
        print("\n" + sweep_table(sweep_rows))
    if args.sweep and sentence_available(args.locales[0]):
        held_out = crossval(args.locales[0])
        print("\n" + crossval_text(held_out))
    print(f"\n({time.perf_counter() - started:.1f} s)")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    keys = ("results", "gains", "tuned_gains", "sentence_gains", "passage_gains", "tuned")
    args.json.write_text(json.dumps({loc: {k: v[k] for k in keys} for loc, v in out.items()}
                                    | {"sweep": sweep_rows, "held_out": held_out}, indent=1))
    if args.write_doc:
        report.write_section("search-quality",
                             report.quality_section(out, sweep_rows, held_out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
