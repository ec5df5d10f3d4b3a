"""Reciprocal-rank fusion: each ranking gives a document weight / (k + rank); the sums
order the fused list. Ranks, not scores, are fused, so BM25 and cosine need no common
scale; a larger k flattens the advantage of the very first places."""

import numpy as np


def rrf(rankings: list[np.ndarray], k: float = 60.0,
        weights: list[float] | None = None) -> dict[int, float]:
    """{row: fused score} over rankings given as arrays of row numbers, best first."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if weight == 0:
            continue
        for rank, row in enumerate(ranking.tolist(), start=1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return fused


def top_rows(scores: np.ndarray, mask: np.ndarray, depth: int,
             minimum: float = 0.0) -> np.ndarray:
    """Rows with score > minimum allowed by `mask`, best first, at most `depth` of them:
    argpartition keeps it linear in the collection size."""
    candidates = np.flatnonzero(mask & (scores > minimum))
    if len(candidates) > depth:
        part = np.argpartition(-scores[candidates], depth - 1)[:depth]
        candidates = candidates[part]
    order = np.lexsort((candidates, -scores[candidates]))  # ties: lower row first
    return candidates[order]
