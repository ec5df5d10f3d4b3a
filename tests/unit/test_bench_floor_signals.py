"""bench/search/floor_signals.py's fitting and scoring on made-up rows (no model needed),
so the relevance floor's signal study can be rerun as written."""

import numpy as np
import pytest

from bench.search import floor_signals as fs


def test_auc_counts_pairs_and_ties_half():
    answerable = np.array([True, True, False, False])
    assert fs.auc(np.array([0.9, 0.8, 0.1, 0.2]), answerable) == 1.0
    assert fs.auc(np.array([0.1, 0.2, 0.9, 0.8]), answerable) == 0.0
    assert fs.auc(np.array([0.5, 0.5, 0.5, 0.5]), answerable) == 0.5


def test_fit_keeps_enough_answerable_then_silences_most():
    answerable = np.array([True] * 20 + [False] * 5)
    score = np.array([0.5 + i / 100 for i in range(20)] + [0.1, 0.2, 0.3, 0.55, 0.6])
    (t,) = fs.fit([score], answerable)
    silenced, kept = fs.rates(score >= t, answerable)
    assert kept >= fs.KEEP
    assert silenced == pytest.approx(0.6)  # the three low ones; 0.55 and 0.6 hide among answers


def test_either_signal_keeps_a_query():
    keep = fs.keeps([np.array([0.1, 0.9]), np.array([0.8, 0.0])], (0.5, 0.5))
    assert keep.tolist() == [True, True]


def test_held_out_pools_both_halves():
    rows = [{"answerable": i % 5 != 0, "ndcg": 1.0, "s": (0.9 if i % 5 else 0.1) + i / 1000}
            for i in range(40)]
    res = fs.held_out(rows, ["s"])
    # each half's threshold is the lowest answerable score it saw: the other half's lowest
    # answerable query (a little lower) is lost, as held out it should be
    assert (res["silenced"], res["kept"], res["auc"]) == (1.0, 31 / 32, 1.0)
    assert res["ndcg"] == pytest.approx(31 / 32)
    assert len(res["thresholds"]) == 2
    logistic = fs.held_out(rows, ["s", "ndcg"], logistic=True)
    assert logistic["auc"] == 1.0


def test_soft_coverage_scores_each_word_by_the_closest_word_of_the_collection():
    from types import SimpleNamespace

    # a made-up embedding: "stolen" and "nicked" point the same way, "toner" elsewhere
    directions = {"stolen": [1, 0, 0], "nicked": [1, 0, 0], "phone": [0, 1, 0],
                  "mobile": [0, 0.6, 0.8], "toner": [0, 0, 1], "reset": [0, 1, 0]}

    def embed(words):
        return np.array([directions.get(w, [0.0, 0.0, 0.0]) for w in words], dtype=float)

    articles = [SimpleNamespace(title="Phone stolen", body="Reset the phone."),
                SimpleNamespace(title="Reset", body="Reset it.")]
    soft = fs._soft_coverage(articles, embed)
    assert soft("phone stolen") == (1.0, 1.0)  # every stem is in the collection
    low, mean = soft("nicked mobile")
    assert low == pytest.approx(0.6) and 0.6 < mean < 1.0  # close words, not the same
    assert soft("toner")[0] == 0.0  # nothing near it
    assert soft("the") == (0.0, 0.0)  # no content word
