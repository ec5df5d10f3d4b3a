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

    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON-able settings with a "kind", arrays) for a stored index; the class's
        `restore(analyzer, meta, arrays)` makes it again (portal.search.codec)."""
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
        self.projection = None  # terms x dims of the truncated SVD (None: no reduction)

    def _word_vectorizer(self, vocabulary=None) -> TfidfVectorizer:
        return TfidfVectorizer(analyzer=self.analyzer, sublinear_tf=True,
                               max_features=self.max_features, dtype=np.float32,
                               vocabulary=vocabulary)

    def _char_vectorizer(self, vocabulary=None) -> TfidfVectorizer:
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                               lowercase=True, min_df=2, max_features=self.max_features,
                               dtype=np.float32, vocabulary=vocabulary)

    def _tfidf(self, texts: list[str], fit: bool):
        if fit:
            self.words = self._word_vectorizer()
            parts = [self.words.fit_transform(texts)]
            if self.char_ngrams:
                self.chars = self._char_vectorizer()
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
            svd = TruncatedSVD(n_components=dims, algorithm="randomized", n_iter=7,
                               random_state=0)
            with warnings.catch_warnings(action="ignore", category=RuntimeWarning):
                svd.fit(matrix)  # explained-variance ratio of a tiny collection: 0/0
            # terms x dims, C-contiguous: a query is a sparse row times this (fast)
            self.projection = np.ascontiguousarray(svd.components_.T, dtype=np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        if self.words is None:
            return np.zeros((len(texts), 1), dtype=np.float32)
        matrix = self._tfidf(texts, fit=False)
        dense = matrix @ self.projection if self.projection is not None else matrix.toarray()
        return normalize(np.asarray(dense, dtype=np.float32))

    # -- storage (portal.search.codec): fitted vectorizers as vocabularies and idf arrays,
    # rebuilt with the same settings on load (sklearn objects are never stored as such)
    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        meta = {"kind": "lsa", "dims": self.dims, "char_ngrams": self.char_ngrams,
                "max_features": self.max_features}
        arrays = {}
        for name in ("words", "chars"):
            fitted = getattr(self, name)
            meta[name] = _terms(fitted) if fitted is not None else None
            if fitted is not None:
                arrays[f"{name}_idf"] = fitted.idf_
        if self.projection is not None:
            arrays["projection"] = self.projection
        return meta, arrays

    @classmethod
    def restore(cls, analyzer: Analyzer, meta: dict, arrays: dict) -> "LsaEmbedder":
        embedder = cls(analyzer, dims=meta["dims"], char_ngrams=meta["char_ngrams"],
                       max_features=meta["max_features"])
        for name, make in (("words", embedder._word_vectorizer),
                           ("chars", embedder._char_vectorizer)):
            if meta[name] is not None:
                fitted = make(vocabulary={term: j for j, term in enumerate(meta[name])})
                fitted.idf_ = arrays[f"{name}_idf"]
                setattr(embedder, name, fitted)
        embedder.projection = arrays.get("projection")
        return embedder


def _terms(vectorizer: TfidfVectorizer) -> list[str]:
    """The fitted vocabulary as a list: the term of column j at place j."""
    ordered = sorted(vectorizer.vocabulary_.items(), key=lambda item: item[1])
    return [term for term, _column in ordered]


class SemanticIndex:
    def __init__(self, embedder: Embedder, texts: list[str]):
        self.embedder = embedder
        embedder.fit(texts)
        self.vectors = np.ascontiguousarray(
            embedder.embed(texts) if texts else np.zeros((0, 1)), dtype=np.float32)

    @classmethod
    def restore(cls, embedder: Embedder, vectors: np.ndarray) -> "SemanticIndex":
        """A stored index's side: the vectors as built, nothing fitted again."""
        index = cls.__new__(cls)
        index.embedder = embedder
        index.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        return index

    def query_vector(self, text: str) -> np.ndarray:
        return self.embedder.embed([text])[0].astype(np.float32)

    def scores(self, vector: np.ndarray) -> np.ndarray:
        if not len(self.vectors) or not np.any(vector):
            return np.zeros(len(self.vectors), dtype=np.float32)
        return self.vectors @ vector
