"""The relevance floor: a query the collection cannot answer lists nothing.

The query is judged as a whole, not each document: when its best match is good enough,
the ranking is kept as it is (cutting documents one by one lost answerable queries and
nDCG in an earlier attempt); when not, the answer is empty. The evidence, among the
documents the reader may read:

- keyword: the share of the query's idf mass that the best document holds. A word no
  document uses weighs as the rarest term; a typo "correction" counts only when it is a
  near miss (`near_miss`): the keyword side's loose corrections turn "toner" into "owner",
  which must not make "toner cartridge" look answered.
- semantic, with a sentence model only and not in keyword mode: the best cosine. LSA's
  cosine does not tell unanswerable queries apart (with character n-grams "toner
  cartridge" reaches 0.65, as high as most answered ones), so next to LSA only the keyword
  evidence counts.

The thresholds are in portal.search.params, measured in bench/search."""

import numpy as np
from rapidfuzz.distance import OSA

from portal.search.params import Params


def near_miss(typed: str, fixed: str) -> bool:
    """At most one edit (a transposition counts as one) for words up to 7 letters, two
    for longer ones: "cancle" -> "cancel", "authentification" -> "authentication", but not
    "toner" -> "owner"."""
    return OSA.distance(typed, fixed) <= (1 if len(typed) < 8 else 2)


def query_groups(index, query: str, corrected: dict[str, list[str]], prefix: bool,
                 p: Params, alternatives: dict | None = None) -> tuple[list[list[int]], int]:
    """(per query word, the keyword columns that count as that word; words found in no
    document). An unfinished last word (`prefix`) is any of the words it begins; a word
    with synonyms (`alternatives`: {word: the other terms}) is any of them too."""
    analyzer, vocab = index.analyzer, index.keyword.vocab
    words = analyzer.words(query)
    partial = len(words) - 1 if prefix and words and not query[-1:].isspace() else None
    groups, unknown = [], 0
    for i, typed in enumerate(words):
        stem = analyzer.stem(typed)
        columns = [c for c in [vocab.get(stem)] + [
            vocab.get(s) for alt in (alternatives or {}).get(typed, ()) for s in analyzer(alt)]
            if c is not None]
        if columns:
            groups.append(list(dict.fromkeys(columns)))
            continue
        if i == partial:  # the same expansions the ranking used (kept per index)
            grown = index._kept("prefixes", typed, index.keyword.expand_prefix, typed)
            columns = [c for c in (vocab.get(analyzer.stem(w)) for w in grown) if c is not None]
            if columns:
                groups.append(columns)
                continue
            if len(typed) < p.typo_min_length:  # "connect to the v": not a word yet
                continue
        fixed = [w for w in corrected.get(typed, []) if near_miss(typed, w)]
        columns = [c for c in (vocab.get(analyzer.stem(w)) for w in fixed) if c is not None]
        if columns:
            groups.append(columns)
        elif not typed.isdigit():  # a number no article has says little either way
            unknown += 1
    return groups, unknown


def best_coverage(index, groups: list[list[int]], unknown: int, mask: np.ndarray) -> float:
    """The largest share of the query's idf mass that one allowed document holds."""
    if not groups:
        return 0.0
    keyword = index.keyword
    m = keyword.matrix
    n = m.shape[0]
    rarest = float(np.log(1 + (n + 0.5) / 0.5))
    present = np.zeros(n, dtype=np.float32)
    total = unknown * rarest
    for columns in groups:
        mass = float(keyword.idf(np.asarray(columns, dtype=np.int64)).min())
        total += mass
        rows = np.unique(np.concatenate([m.indices[m.indptr[c]:m.indptr[c + 1]]
                                         for c in columns]))
        present[rows] += mass
    present[~mask] = 0
    return float(present.max()) / (total or 1.0)


def above(index, query: str, corrected: dict, prefix: bool, mode: str,
          sem_scores: np.ndarray | None, mask: np.ndarray, p: Params,
          alternatives: dict | None = None) -> bool:
    """Whether the query's best allowed match is good enough to list anything."""
    groups, unknown = query_groups(index, query, corrected, prefix, p, alternatives)
    if best_coverage(index, groups, unknown, mask) >= p.floor_coverage:
        return True
    if mode == "keyword" or sem_scores is None or not index.reads_sentences:
        return False
    allowed = sem_scores[mask]
    return bool(len(allowed)) and float(allowed.max()) >= p.floor_sentence
