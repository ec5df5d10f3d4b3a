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


def fused_order(rankings: list[np.ndarray], k: float = 60.0,
                weights: list[float] | None = None,
                size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`rrf` sorted best first (ties: lower row first), as (rows, scores) arrays: the same
    sums, added in the same order (each ranking in turn, from 0.0), without a dict and a
    sort in Python. `size`: more than the largest row (the collection size); the sums are
    kept in a dense array of that many places, which costs less than np.unique's sort."""
    weights = weights or [1.0] * len(rankings)
    used = [(np.asarray(r, dtype=np.int64), w) for r, w in zip(rankings, weights, strict=True)
            if w != 0 and len(r)]
    if not used:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    if size is None:
        size = max(int(r.max()) for r, _w in used) + 1
    sums = np.zeros(size, dtype=np.float64)
    seen = np.zeros(size, dtype=bool)
    for ranking, weight in used:  # a row is in a ranking once: `+=` adds each share once
        sums[ranking] += weight / (k + np.arange(1, len(ranking) + 1, dtype=np.float64))
        seen[ranking] = True
    unique = np.flatnonzero(seen)
    fused = sums[unique]
    order = np.lexsort((unique, -fused))
    return unique[order], fused[order]


def top_rows(scores: np.ndarray, mask: np.ndarray, depth: int,
             minimum: float = 0.0) -> np.ndarray:
    """Rows with score > minimum allowed by `mask`, best first, at most `depth` of them:
    argpartition keeps it linear in the collection size."""
    return top_of(scores, np.flatnonzero(mask & (scores > minimum)), depth)


def top_of(scores: np.ndarray, candidates: np.ndarray, depth: int) -> np.ndarray:
    """The best `depth` of `candidates` (row numbers, ascending) by score, best first (ties:
    lower row first); `top_rows` once the candidates are known."""
    if len(candidates) > depth:
        part = np.argpartition(-scores[candidates], depth - 1)[:depth]
        candidates = candidates[part]
    order = np.lexsort((candidates, -scores[candidates]))  # ties: lower row first
    return candidates[order]
