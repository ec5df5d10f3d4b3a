"""Keyword ranking: BM25F over a title and a body field, with typo correction.

The per-term document weights are computed once at build time into one sparse matrix
(documents x terms), so a query is a sum of a few matrix columns: no loop over documents.
Field weights and length normalisation follow BM25F: each field's term frequency is
normalised by its own length, weighted, summed, then saturated once with k1."""

from collections import Counter

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse

from portal.search.analysis import MAX_TOKEN, Analyzer
from portal.search.params import Params
from portal.search.terms import Terms


class KeywordIndex:
    def __init__(self, analyzer: Analyzer, titles: list[str], bodies: list[str],
                 params: Params):
        self.analyzer = analyzer
        vocab: dict[str, int] = {}
        surface: Counter = Counter()  # surface word -> document frequency
        stem_of: dict[str, str] = {}
        rows, cols, tvals, bvals = [], [], [], []
        tlen = np.zeros(len(titles), dtype=np.float32)
        blen = np.zeros(len(titles), dtype=np.float32)
        for i, (title, body) in enumerate(zip(titles, bodies, strict=True)):
            tw, bw = analyzer.words(title), analyzer.words(body)
            tlen[i], blen[i] = len(tw), len(bw)
            counts: dict[int, list[int]] = {}
            for field, words in ((0, tw), (1, bw)):
                for word in words:
                    stem = stem_of.get(word)
                    if stem is None:
                        stem = stem_of[word] = analyzer.stem(word)
                    j = vocab.setdefault(stem, len(vocab))
                    counts.setdefault(j, [0, 0])[field] += 1
            surface.update(set(tw) | set(bw))
            for j, (tc, bc) in counts.items():
                rows.append(i)
                cols.append(j)
                tvals.append(tc)
                bvals.append(bc)
        # columns in the sorted order of the stems: a column is found by binary search
        self.vocab = Terms.of(vocab)
        order = self.vocab.columns(list(vocab))  # first-seen column -> sorted column
        n = len(titles)
        rows_a = np.asarray(rows, dtype=np.int32)
        cols_a = order[np.asarray(cols, dtype=np.int64)].astype(np.int32)
        tf_t, tf_b = np.asarray(tvals, np.float32), np.asarray(bvals, np.float32)
        p = params
        norm_t = 1 - p.b_title + p.b_title * tlen / max(float(tlen.mean()) if n else 1, 1e-9)
        norm_b = 1 - p.b_body + p.b_body * blen / max(float(blen.mean()) if n else 1, 1e-9)
        tf = p.title_weight * tf_t / norm_t[rows_a] + p.body_weight * tf_b / norm_b[rows_a]
        df = np.bincount(cols_a, minlength=len(vocab)).astype(np.float32)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        weights = idf[cols_a] * tf * (p.k1 + 1) / (tf + p.k1)
        self.matrix = sparse.csc_matrix((weights, (rows_a, cols_a)), shape=(n, len(vocab)),
                                        dtype=np.float32)
        self.df = df
        self._set_words(Terms.of(surface), surface)

    def _set_words(self, words: Terms, counts, typo: dict | None = None) -> None:
        """Surface words (sorted, for prefixes) with their document frequencies, and the
        same words grouped by length, most frequent first, for typo correction (it
        compares similar lengths only): each group's characters in one UCS-4 run, so a
        group becomes a list of str at C speed (`_length_group`)."""
        self.words = words
        if not isinstance(counts, np.ndarray):
            counts = np.asarray([counts[w] for w in words], dtype=np.int32)
        self.counts = counts
        if typo is None:
            text = list(words)
            lengths = np.asarray([len(w) for w in text], dtype=np.int64)
            # by length, then most frequent, then alphabetical (the array's own order)
            order = np.lexsort((np.arange(len(text)), -counts, lengths))
            starts = np.searchsorted(lengths[order], np.arange(MAX_TOKEN + 2))
            joined = "".join(text[i] for i in order).encode("utf-32-le")
            typo = {"typo_chars": np.frombuffer(joined, dtype="<u4").copy(),
                    "typo_counts": counts[order].astype(np.int32),
                    "typo_starts": starts.astype(np.int64)}
        self.typo = typo

    def _length_group(self, n: int) -> tuple[list[str], np.ndarray]:
        """The surface words of `n` characters, most frequent first, and their counts."""
        if n < 1 or n > MAX_TOKEN:
            return [], np.zeros(0, dtype=np.int32)
        starts = self.typo["typo_starts"]
        start, end = int(starts[n]), int(starts[n + 1])
        offset = int(np.dot(np.diff(starts[:n + 1]), np.arange(n)))  # chars before group n
        chars = self.typo["typo_chars"][offset:offset + (end - start) * n]
        return chars.view(f"<U{n}").tolist(), self.typo["typo_counts"][start:end]

    # -- storage (portal.search.codec) -------------------------------------------------
    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """What a stored index keeps: plain arrays only (vocabularies as sorted byte
        strings, see portal.search.terms), so all of it can be memory-mapped."""
        m = self.matrix
        return {}, {"data": m.data, "indices": m.indices, "indptr": m.indptr,
                    "shape": np.asarray(m.shape, dtype=np.int64), "df": self.df,
                    "vocab": self.vocab.array, "words": self.words.array,
                    "counts": self.counts, **self.typo}

    @classmethod
    def restore(cls, analyzer: Analyzer, meta: dict, arrays: dict) -> "KeywordIndex":
        index = cls.__new__(cls)
        index.analyzer = analyzer
        index.vocab = Terms(arrays["vocab"])
        shape = tuple(int(n) for n in arrays["shape"])
        index.matrix = sparse.csc_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape, copy=False)
        index.df = arrays["df"]
        index._set_words(Terms(arrays["words"]), arrays["counts"],
                         {k: v for k, v in arrays.items() if k.startswith("typo_")})
        return index

    # -- queries ---------------------------------------------------------------------
    def correct(self, word: str, p: Params) -> list[str]:
        """Vocabulary words close to an unknown `word` (most frequent first among equals)."""
        if len(word) < p.typo_min_length or word.isdigit():
            return []
        spread = 1 if len(word) < 7 else 2
        choices, counts = [], []
        for n in range(len(word) - spread, len(word) + spread + 1):
            group, group_counts = self._length_group(n)
            choices += group
            counts.append(group_counts)
        if not choices:
            return []
        counts = np.concatenate(counts)
        found = process.extract(word, choices, scorer=fuzz.ratio, score_cutoff=p.typo_cutoff,
                                limit=max(p.typo_candidates * 3, 3))
        found.sort(key=lambda m: (-m[1], -int(counts[m[2]])))
        return [m[0] for m in found[:p.typo_candidates]]

    def expand_prefix(self, prefix: str, limit: int = 8) -> list[str]:
        """Vocabulary words starting with `prefix` (for search-as-you-type), frequent first."""
        if len(prefix) < 2:
            return []
        start, end = self.words.prefix_range(prefix)
        found = [(-int(count), len(word), word) for word, count in
                 zip(self.words.decode(slice(start, end)), self.counts[start:end].tolist(),
                     strict=True) if len(word) < len(prefix) + 12]
        found.sort()  # most frequent first, then shorter, then alphabetical
        return [word for _count, _length, word in found[:limit]]

    def term_weights(self, words: list[str]) -> dict[int, float]:
        out: dict[int, float] = {}
        for word in words:
            j = self.vocab.get(self.analyzer.stem(word))
            if j is not None:
                out[j] = out.get(j, 0.0) + 1.0
        return out

    def scores(self, weights: dict[int, float]) -> np.ndarray:
        """BM25F score of every document for the given {term column: query weight}."""
        if not weights:
            return np.zeros(self.matrix.shape[0], dtype=np.float32)
        # each column's rows and weights straight from the CSC arrays, added column after
        # column in float32: what `matrix[:, cols] @ qw` computes, without building a
        # sliced matrix (scipy's indexing checks were most of it)
        m = self.matrix
        indptr, indices, data = m.indptr, m.indices, m.data
        out = np.zeros(m.shape[0], dtype=np.float32)
        for j, w in weights.items():
            start, end = int(indptr[j]), int(indptr[j + 1])
            out[indices[start:end]] += data[start:end] * np.float32(w)
        return out

    def idf(self, cols: np.ndarray) -> np.ndarray:
        n = self.matrix.shape[0]
        df = self.df[cols]
        return np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)

    def coverage(self, weights: dict[int, float], unknown: int = 0) -> np.ndarray:
        """Per document, the share of the query's idf mass it contains; `unknown` query
        words (in no document) weigh as much as a term found in none."""
        n = self.matrix.shape[0]
        if not weights:
            return np.zeros(n, dtype=np.float32)
        cols = np.fromiter(weights.keys(), dtype=np.int64)
        mass = self.idf(cols) * np.fromiter(weights.values(), dtype=np.float32)
        total = float(mass.sum()) + unknown * float(np.log(1 + (n + 0.5) / 0.5))
        present = (self.matrix[:, cols] > 0).astype(np.float32) @ mass
        return np.asarray(present).ravel() / (total or 1.0)

    def top_terms(self, rows: np.ndarray, count: int, exclude: set[int]) -> dict[int, float]:
        """The heaviest terms of some documents (pseudo-relevance feedback)."""
        if count <= 0 or len(rows) == 0:
            return {}
        mass = np.asarray(self.matrix[rows].sum(axis=0)).ravel()
        if exclude:
            mass[list(exclude)] = 0
        best = np.argsort(-mass)[:count]
        top = mass[best[0]] if len(best) else 0
        return {int(j): float(mass[j] / top) for j in best if top > 0 and mass[j] > 0}
