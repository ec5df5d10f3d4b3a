"""Relevance floor (issue 14 part 5): new whole-query signals for the sentence-model index,
checked held out as in docs/PERFORMANCE.md ("Held-out check of other whole-query signals").

    python -m bench.search.floor_signals [--top 3] [--json out.json]

en-US only (the packaged sentence model reads English); needs the embeddings extra. Per
query, on the hybrid (sentence) index with the floor off, the signals are:

- coverage: the floor's keyword signal (`floor.best_coverage`, near-miss corrections only);
- best cosine: the best article's semantic score (the floor's sentence signal today);
- sentence@k: (a) the best cosine of the query to one sentence (`extract.split_sentences`
  of the title and body) of the k best hybrid hits; sentence@all over every article;
- centroid, top-20 mean: (b) typicality, the cosine to the mean of all passage vectors and
  the mean of the 20 best passage cosines;
- title floors: (b) label-free thresholds: each article's title read as a query against
  the OTHER articles (its best article score, its top-20 passage mean); the query is
  silenced below the 5th percentile of the titles' values. Nothing is fitted on labels;
- soft min, soft idf: (d, session 9) word-level coverage: each content word of the query
  scores 1 when its stem occurs in the collection, else its best cosine to any word the
  collection uses (each embedded alone); the weakest word, and the idf-weighted mean
  (a word the collection never uses weighs as its rarest word).

Held out: thresholds are fitted on alternate lines of the queries (answerable and
unanswerable together) for >= 95 % answerable kept on that half, then the most silenced
(ties: the most kept); scored on the other half; the halves swapped and pooled. "a or b"
keeps a query when either signal reaches its threshold (both thresholds fitted together);
"logistic" is a logistic regression on the named signals (standardised), its probability
thresholded the same way. nDCG@10 is over the answerable held-out queries of the hybrid
(sentence) ranking, an emptied answer scoring 0. AUC (answerable vs unanswerable) needs no
fitting for one signal; for a logistic mix it is of the pooled held-out probabilities."""

import argparse
import json
import os
import statistics
import sys

import numpy as np

from bench.search import evaluate
from bench.search.metrics import ndcg_at

KEEP = 0.95
PERCENTILE = 5
TOP_PASSAGES = 20


def features(top: tuple[int, ...] = (1, 3, 10)) -> tuple[list[dict], dict]:
    """Per en-US query: kind, nDCG@10 of the hybrid (sentence) ranking without the floor,
    and every signal; and the label-free title thresholds."""
    from portal.search import floor
    from portal.search.extract import split_sentences

    articles = evaluate.load_articles("en-US")
    queries = evaluate.load_queries("en-US")
    index = evaluate.build_engine(articles, "en-US", sentence_model=True)
    p = index.params
    no_floor = p.with_(floor=False)
    semantic = index.semantic
    embed = semantic.embedder.embed
    passages = semantic.vectors
    owner = np.repeat(np.arange(len(semantic.starts)),
                      np.diff(np.append(semantic.starts, len(passages))))
    centroid = passages.mean(axis=0)
    centroid /= np.linalg.norm(centroid)
    row_of = {int(d): i for i, d in enumerate(index.ids)}
    sentences = [split_sentences(a.title + "\n" + a.body) for a in articles]
    sentence_vectors = embed([s for group in sentences for s in group])
    titled_vectors = embed([f"{a.title}. {s}" for a, group in zip(articles, sentences, strict=True)
                            for s in group])
    sentence_owner = np.repeat(np.arange(len(sentences)), [len(g) for g in sentences])
    article_row = np.array([row_of[a.id] for a in articles])  # article order -> index row
    sentence_row = article_row[sentence_owner]
    mask = np.ones(len(index.ids), dtype=bool)

    def top_mean(cosines: np.ndarray) -> float:
        return float(np.sort(cosines)[-TOP_PASSAGES:].mean())

    # (b) the titles as pseudo-queries against the other articles
    title_best, title_top = [], []
    for a, tv in zip(articles, embed([a.title for a in articles]), strict=True):
        own = row_of[a.id]
        doc = semantic.embedder.combine(passages @ tv, semantic.starts)
        doc[own] = -np.inf
        title_best.append(float(doc.max()))
        title_top.append(top_mean((passages @ tv)[owner != own]))
    thresholds = {"title best": float(np.percentile(title_best, PERCENTILE)),
                  "title top-20": float(np.percentile(title_top, PERCENTILE))}

    soft = _soft_coverage(articles, embed)
    rows = []
    for q in queries:
        text = q["query"]
        ranked = [d for d, _s in index.search(text, mode="hybrid", limit=10, params=no_floor)]
        words, _w, _stems, corrected, _unknown = index._terms(text, p, False)
        groups, unknown = floor.query_groups(index, text, corrected, False, p)
        row = {"id": q["id"], "kind": q["kind"], "query": text,
               "answerable": q["kind"] != evaluate.UNANSWERABLE,
               "ndcg": ndcg_at(ranked, q["labels"], 10),
               "coverage": floor.best_coverage(index, groups, unknown, mask)}
        row["soft min"], row["soft idf"] = soft(text)
        qv = index._query_vector(text, words, corrected, p) if words else None
        if qv is None or not np.any(qv):
            rows.append(row | {k: 0.0 for k in ("best cosine", "centroid", "top-20 mean",
                                                "sentence@all", "titled sentence@3")
                               } | {f"sentence@{k}": 0.0 for k in top})
            continue
        cos = passages @ qv
        row["best cosine"] = float(semantic.scores(qv).max())
        row["centroid"] = float(centroid @ qv)
        row["top-20 mean"] = top_mean(cos)
        sent = sentence_vectors @ qv
        row["sentence@all"] = float(sent.max())
        for k in top:
            hits = {row_of[d] for d in ranked[:k]}
            chosen = np.isin(sentence_row, list(hits))
            row[f"sentence@{k}"] = float(sent[chosen].max()) if chosen.any() else 0.0
        titled = titled_vectors @ qv
        hits = {row_of[d] for d in ranked[:3]}
        chosen = np.isin(sentence_row, list(hits))
        row["titled sentence@3"] = float(titled[chosen].max()) if chosen.any() else 0.0
        rows.append(row)
    return rows, thresholds


def _soft_coverage(articles, embed):
    """(d): query text -> (soft min, soft idf); see the module's docstring."""
    from portal.search.analysis import Analyzer

    analyzer = Analyzer("en-US")
    vocab = sorted({w for a in articles for w in analyzer.words(f"{a.title} {a.body}")
                    if w.isalpha() and len(w) > 2})
    stems = {analyzer.stem(w) for w in vocab}
    vectors = embed(vocab)
    df: dict[str, int] = {}
    for a in articles:
        for stem in set(analyzer(f"{a.title} {a.body}")):
            df[stem] = df.get(stem, 0) + 1
    n = len(articles)
    closest: dict[str, float] = {}

    def word_score(word: str) -> float:
        if analyzer.stem(word) in stems:
            return 1.0
        if word not in closest:
            closest[word] = float((vectors @ embed([word])[0]).max())
        return closest[word]

    def soft(text: str) -> tuple[float, float]:
        words = analyzer.words(text)
        if not words:
            return 0.0, 0.0
        scores = np.array([word_score(w) for w in words])
        weights = np.array([np.log((n + 1) / (df.get(analyzer.stem(w), 0) + 0.5))
                            for w in words])
        return float(scores.min()), float((scores * weights).sum() / weights.sum())

    return soft


# -- held-out fitting ------------------------------------------------------------------------
def rates(keep: np.ndarray, answerable: np.ndarray) -> tuple[float, float]:
    """(unanswerable silenced, answerable kept)."""
    return float(np.mean(~keep[~answerable])), float(np.mean(keep[answerable]))


def candidates(values: np.ndarray, most: int = 80) -> np.ndarray:
    """Thresholds worth trying: every distinct value (at most `most` quantiles), and one
    below them all (keep everything)."""
    distinct = np.unique(values)
    if len(distinct) > most:
        distinct = np.unique(np.quantile(values, np.linspace(0, 1, most)))
    return np.append(distinct, -np.inf)


def fit(signals: list[np.ndarray], answerable: np.ndarray) -> tuple:
    """Thresholds (one per signal; a query is kept when any signal reaches its own) with
    >= KEEP of the answerable kept and then the most silenced, ties to the most kept."""
    best, best_key = None, None
    grids = [candidates(s) for s in signals]
    for t in np.array(np.meshgrid(*grids)).reshape(len(signals), -1).T:
        keep = np.zeros(len(answerable), dtype=bool)
        for s, v in zip(signals, t, strict=True):
            keep |= s >= v
        silenced, kept = rates(keep, answerable)
        if kept < KEEP:
            continue
        key = (silenced, kept)
        if best_key is None or key > best_key:
            best, best_key = tuple(t), key
    return best


def keeps(signals: list[np.ndarray], thresholds: tuple) -> np.ndarray:
    keep = np.zeros(len(signals[0]), dtype=bool)
    for s, v in zip(signals, thresholds, strict=True):
        keep |= s >= v
    return keep


def auc(score: np.ndarray, answerable: np.ndarray) -> float:
    """P(an answerable query scores above an unanswerable one), ties half."""
    pos, neg = score[answerable], score[~answerable]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def logistic_scores(X: np.ndarray, answerable: np.ndarray, train: np.ndarray,
                    test: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    mean, std = X[train].mean(axis=0), X[train].std(axis=0) + 1e-9
    model = LogisticRegression(C=1.0, class_weight="balanced")
    model.fit((X[train] - mean) / std, answerable[train])
    return model.predict_proba((X - mean) / std)[:, 1]


def held_out(rows: list[dict], names: list[str], logistic: bool = False) -> dict:
    """Pooled held-out (silenced, kept, nDCG@10, AUC) of a rule on `names`."""
    answerable = np.array([r["answerable"] for r in rows])
    ndcg = np.array([r["ndcg"] for r in rows])
    X = np.array([[r[n] for n in names] for r in rows], dtype=float)
    halves = np.arange(len(rows)) % 2
    keep = np.zeros(len(rows), dtype=bool)
    pooled_score = np.zeros(len(rows))
    chosen = []
    for half in (0, 1):
        train, test = halves == half, halves != half
        if logistic:
            score = logistic_scores(X, answerable, train, test)
            signals = [score]
            pooled_score[test] = score[test]
        else:
            signals = [X[:, i] for i in range(len(names))]
        t = fit([s[train] for s in signals], answerable[train])
        chosen.append(t)
        keep[test] = keeps([s[test] for s in signals], t)
    silenced, kept = rates(keep, answerable)
    score = pooled_score if logistic else (X[:, 0] if len(names) == 1 else None)
    return {"silenced": silenced, "kept": kept,
            "ndcg": float(np.mean(np.where(keep, ndcg, 0.0)[answerable])),
            "auc": None if score is None else auc(score, answerable),
            "thresholds": [[round(float(v), 3) for v in t] for t in chosen]}


def in_sample(rows: list[dict], names: list[str]) -> tuple[float, float]:
    """The best the rule can do fitted on all queries (an upper bound, not a result)."""
    answerable = np.array([r["answerable"] for r in rows])
    signals = [np.array([r[n] for r in rows], dtype=float) for n in names]
    return rates(keeps(signals, fit(signals, answerable)), answerable)


def fixed(rows: list[dict], rule) -> dict:
    answerable = np.array([r["answerable"] for r in rows])
    keep = np.array([rule(r) for r in rows])
    silenced, kept = rates(keep, answerable)
    ndcg = np.array([r["ndcg"] for r in rows])
    return {"silenced": silenced, "kept": kept,
            "ndcg": float(np.mean(np.where(keep, ndcg, 0.0)[answerable])), "auc": None}


RULES = [  # (label, signals, logistic)
    ("coverage or best cosine (the current rule, refitted)", ["coverage", "best cosine"], False),
    ("best cosine alone", ["best cosine"], False),
    ("(a) sentence@1 alone", ["sentence@1"], False),
    ("(a) sentence@3 alone", ["sentence@3"], False),
    ("(a) sentence@10 alone", ["sentence@10"], False),
    ("(a) sentence@all alone", ["sentence@all"], False),
    ("(a) titled sentence@3 alone (\"title. sentence\")", ["titled sentence@3"], False),
    ("(b) centroid cosine alone", ["centroid"], False),
    ("(b) top-20 passage mean alone", ["top-20 mean"], False),
    ("(c) coverage or sentence@3", ["coverage", "sentence@3"], False),
    ("(c) coverage or sentence@10", ["coverage", "sentence@10"], False),
    ("(c) coverage or top-20 mean", ["coverage", "top-20 mean"], False),
    ("(c) best cosine or sentence@3", ["best cosine", "sentence@3"], False),
    ("(c) logistic (coverage, best cosine, sentence@3)",
     ["coverage", "best cosine", "sentence@3"], True),
    ("(c) logistic (coverage, best cosine, sentence@3, top-20 mean, centroid)",
     ["coverage", "best cosine", "sentence@3", "top-20 mean", "centroid"], True),
    ("(d) soft min alone", ["soft min"], False),
    ("(d) soft idf alone", ["soft idf"], False),
    ("(d) best cosine or soft idf", ["best cosine", "soft idf"], False),
    ("(d) logistic (best cosine, soft min, soft idf, coverage)",
     ["best cosine", "soft min", "soft idf", "coverage"], True),
]


def analyse(rows: list[dict], titles: dict) -> list[dict]:
    out = [{"rule": "no floor"} | fixed(rows, lambda r: True),
           {"rule": "current rule as shipped (coverage 0.3 or cosine 0.35)"}
           | fixed(rows, lambda r: r["coverage"] >= 0.3 or r["best cosine"] >= 0.35)]
    for label, names, logistic in RULES:
        res = held_out(rows, names, logistic)
        if not logistic:
            res["in_sample"] = in_sample(rows, names)
        out.append({"rule": label} | res)
    # (b) label-free: the titles' 5th percentile, nothing fitted (held out by construction)
    tb, tt = titles["title best"], titles["title top-20"]
    out.append({"rule": f"(b) best cosine >= titles' p{PERCENTILE} ({tb:.3f}), label-free"}
               | fixed(rows, lambda r: r["best cosine"] >= tb))
    out.append({"rule": f"(b) top-20 mean >= titles' p{PERCENTILE} ({tt:.3f}), label-free"}
               | fixed(rows, lambda r: r["top-20 mean"] >= tt))
    out.append({"rule": f"(c) coverage 0.3 or best cosine >= titles' p{PERCENTILE}, "
                        "label-free cosine"}
               | fixed(rows, lambda r: r["coverage"] >= 0.3 or r["best cosine"] >= tb))
    return out


def table(results: list[dict]) -> str:
    lines = ["| signal (en-US, hybrid sentence) | AUC | held out: silenced / kept / nDCG@10 "
             "| fitted on all (bound) |", "|---|---|---|---|"]
    for r in results:
        a = "–" if r.get("auc") is None else f"{r['auc']:.3f}"
        bound = r.get("in_sample")
        b = "–" if bound is None else f"{bound[0]:.0%} / {bound[1]:.0%}"
        lines.append(f"| {r['rule']} | {a} | {r['silenced']:.0%} / {r['kept']:.0%} / "
                     f"{r['ndcg']:.3f} | {b} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the per-query signals and results here")
    args = parser.parse_args(argv)
    if not evaluate.sentence_available("en-US"):
        print("the embeddings extra (sentence model) is not installed", file=sys.stderr)
        return 1
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows, titles = features()
    results = analyse(rows, titles)
    n_ans = sum(r["answerable"] for r in rows)
    print(f"{n_ans} answerable, {len(rows) - n_ans} unanswerable en-US queries; "
          f"title thresholds {titles}")
    print(table(results))
    para = [r for r in rows if r["kind"] in ("paraphrase", evaluate.UNANSWERABLE)]
    pa = np.array([r["answerable"] for r in para])
    print("\nAUC paraphrases vs unanswerable: " + ", ".join(
        f"{n} {auc(np.array([r[n] for r in para]), pa):.3f}"
        for n in ("coverage", "best cosine", "sentence@1", "sentence@3", "sentence@10",
                  "sentence@all", "titled sentence@3", "centroid", "top-20 mean",
                  "soft min", "soft idf")))
    print("medians answerable / unanswerable: " + ", ".join(
        f"{n} {statistics.median(r[n] for r in rows if r['answerable']):.3f} / "
        f"{statistics.median(r[n] for r in rows if not r['answerable']):.3f}"
        for n in ("best cosine", "sentence@3", "top-20 mean", "centroid")))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"queries": rows, "titles": titles, "results": results}, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
