"""Ranking metrics over graded labels (0 = not relevant, 1 = related, 2 = answers it).

Conventions, so the numbers in docs/PERFORMANCE.md can be recomputed by hand:
- nDCG@k: gain 2^grade - 1, discount log2(rank + 1), ideal = the labels sorted by grade.
- MRR@k: 1 / rank of the first result graded 2 (an article that answers the question);
  a merely related article does not end the customer's search.
- Recall@k: share of the articles graded 2 that appear in the top k."""

import math
import random


def dcg(grades: list[int]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def ndcg_at(ranked: list[int], labels: dict[int, int], k: int = 10) -> float:
    ideal = dcg(sorted(labels.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([labels.get(d, 0) for d in ranked[:k]]) / ideal


def mrr_at(ranked: list[int], labels: dict[int, int], k: int = 10) -> float:
    for i, d in enumerate(ranked[:k]):
        if labels.get(d, 0) >= 2:
            return 1.0 / (i + 1)
    return 0.0


def recall_at(ranked: list[int], labels: dict[int, int], k: int = 10) -> float:
    answers = {d for d, g in labels.items() if g >= 2}
    if not answers:
        return 0.0
    return len(answers & set(ranked[:k])) / len(answers)


METRICS = {"nDCG@10": ndcg_at, "MRR@10": mrr_at, "Recall@10": recall_at}


def paired_p_value(a: list[float], b: list[float], rounds: int = 10000, seed: int = 7) -> float:
    """Two-sided paired randomisation test of mean(a) - mean(b): how often randomly swapping
    each query's pair gives a difference at least as large. Small = unlikely to be luck."""
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    observed = abs(sum(diffs))
    if observed == 0:
        return 1.0
    rng = random.Random(seed)
    hits = 0
    for _ in range(rounds):
        total = sum(d if rng.random() < 0.5 else -d for d in diffs)
        if abs(total) >= observed - 1e-12:
            hits += 1
    return (hits + 1) / (rounds + 1)
