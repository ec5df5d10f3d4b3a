"""Semantic ranking: documents and queries as dense unit vectors, ranked by cosine.

`Embedder` is the one interface callers see. The default, `LsaEmbedder`, is TF-IDF
(sublinear tf, stemmed words, optional character n-grams) reduced by truncated SVD: latent
semantic analysis, so words that occur in the same documents land near each other and a
query can match an article that says the same thing in other words. A sentence-embedding
model can replace it by implementing `fit` and `embed`."""

import warnings
from typing import Protocol

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from portal.search.analysis import Analyzer


class Embedder(Protocol):
    def fit(self, texts: list[str]) -> None: ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text (a zero row for a text with no terms)."""
        ...


class LsaEmbedder:
    def __init__(self, analyzer: Analyzer, dims: int = 200, char_ngrams: bool = False,
                 max_features: int = 200_000):
        self.analyzer = analyzer
        self.dims = dims
        self.char_ngrams = char_ngrams
        self.max_features = max_features
        self.words = None
        self.chars = None
        self.svd = None
        self.projection = None

    def _tfidf(self, texts: list[str], fit: bool):
        if fit:
            self.words = TfidfVectorizer(analyzer=self.analyzer, sublinear_tf=True,
                                         max_features=self.max_features, dtype=np.float32)
            parts = [self.words.fit_transform(texts)]
            if self.char_ngrams:
                self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                             sublinear_tf=True, lowercase=True, min_df=2,
                                             max_features=self.max_features,
                                             dtype=np.float32)
                try:
                    parts.append(self.chars.fit_transform(texts) * 0.5)
                except ValueError:  # too few documents for min_df: words alone
                    self.chars = None
        else:
            parts = [self.words.transform(texts)]
            if self.chars is not None:
                parts.append(self.chars.transform(texts) * 0.5)
        return normalize(sparse.hstack(parts).tocsr()) if len(parts) > 1 else parts[0]

    def fit(self, texts: list[str]) -> None:
        try:
            matrix = self._tfidf(texts, fit=True)
        except ValueError:  # no terms at all (empty collection or only stop words)
            self.words = None
            return
        n_docs, n_features = matrix.shape
        # a small collection gets few dimensions: LSA's point is to merge co-occurring words
        dims = min(self.dims, n_features - 1, max(2, n_docs // 3))
        if dims >= 2:
            self.svd = TruncatedSVD(n_components=dims, algorithm="randomized", n_iter=7,
                                    random_state=0)
            with warnings.catch_warnings(action="ignore", category=RuntimeWarning):
                self.svd.fit(matrix)  # explained-variance ratio of a tiny collection: 0/0
            # terms x dims, C-contiguous: a query is a sparse row times this (fast)
            self.projection = np.ascontiguousarray(self.svd.components_.T, dtype=np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        if self.words is None:
            return np.zeros((len(texts), 1), dtype=np.float32)
        matrix = self._tfidf(texts, fit=False)
        dense = matrix @ self.projection if self.svd is not None else matrix.toarray()
        return normalize(np.asarray(dense, dtype=np.float32))


class SemanticIndex:
    def __init__(self, embedder: Embedder, texts: list[str]):
        self.embedder = embedder
        embedder.fit(texts)
        self.vectors = np.ascontiguousarray(
            embedder.embed(texts) if texts else np.zeros((0, 1)), dtype=np.float32)

    def query_vector(self, text: str) -> np.ndarray:
        return self.embedder.embed([text])[0].astype(np.float32)

    def scores(self, vector: np.ndarray) -> np.ndarray:
        if not len(self.vectors) or not np.any(vector):
            return np.zeros(len(self.vectors), dtype=np.float32)
        return self.vectors @ vector
