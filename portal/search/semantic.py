"""Semantic ranking: documents and queries as dense unit vectors, ranked by cosine.

`Embedder` is the one interface callers see. The default, `LsaEmbedder`, is TF-IDF
(sublinear tf, stemmed words, optional character n-grams) reduced by truncated SVD: latent
semantic analysis, so words that occur in the same documents land near each other and a
query can match an article that says the same thing in other words. A sentence-embedding
model can replace it by implementing `fit` and `embed`."""

import re
import warnings
from typing import Protocol

import numpy as np
from scipy import sparse

from portal.search.analysis import Analyzer
from portal.search.params import DEFAULT
from portal.search.terms import Terms


class Embedder(Protocol):
    def fit(self, texts: list[str]) -> None: ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text (a zero row for a text with no terms)."""
        ...

    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON-able settings with a "kind", arrays) for a stored index; the class's
        `restore(analyzer, meta, arrays)` makes it again (portal.search.codec)."""
        ...


_SPACES = re.compile(r"\s\s+")  # as sklearn's char_wb analyzer collapses them
CHAR_WEIGHT = 0.5  # of the character n-gram part next to the word part
FEW_ROWS = 16  # up to this many texts (queries) read only their terms' projection rows


class LsaEmbedder:
    """Fitted with sklearn's vectorizers; what is kept of them (and stored) is each
    vocabulary as a sorted array (portal.search.terms) with its idf array, and the
    projection as float16 rows in the same order. Texts are weighed here exactly as
    TfidfVectorizer(sublinear_tf=True) does, so no dict of terms is ever held."""

    def __init__(self, analyzer: Analyzer, dims: int = 200, char_ngrams: bool = False,
                 max_features: int = DEFAULT.word_features,
                 char_features: int = DEFAULT.char_features,
                 char_text: int = DEFAULT.char_text):
        self.analyzer = analyzer
        self.dims = dims
        self.char_ngrams = char_ngrams
        self.max_features = max_features
        self.char_features = char_features
        self.char_text = char_text
        self.words: Terms | None = None
        self.chars: Terms | None = None
        self.words_idf = self.chars_idf = None
        self.projection = None  # terms x dims of the truncated SVD (None: no reduction)

    def _fit_part(self, vectorizer, texts: list[str]):
        """(sorted terms, idf in their order, tf-idf matrix of `texts` in their order)."""
        matrix = vectorizer.fit_transform(texts).tocsc()
        fitted = _terms(vectorizer)
        terms = Terms.of(fitted)
        where = terms.columns(fitted)  # sklearn's column -> ours (the same when sorted)
        idf = np.zeros(len(terms), dtype=np.float32)
        idf[where] = vectorizer.idf_
        if not np.array_equal(where, np.arange(len(where))):
            matrix = matrix[:, np.argsort(where)]
        return terms, idf, matrix.tocsr()

    def fit_embed(self, texts: list[str]) -> np.ndarray:
        """Fit on `texts` and return their vectors (one tf-idf pass for both). sklearn is
        imported here only: a web process that only searches never loads it (~70 MB)."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        try:
            self.words, self.words_idf, matrix = self._fit_part(TfidfVectorizer(
                analyzer=self.analyzer, sublinear_tf=True, max_features=self.max_features,
                dtype=np.float32), texts)
        except ValueError:  # no terms at all (empty collection or only stop words)
            self.words = None
            return self.embed(texts)
        if self.char_ngrams:
            try:
                self.chars, self.chars_idf, chars = self._fit_part(TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                    lowercase=True, min_df=2, max_features=self.char_features,
                    dtype=np.float32), [t[:self.char_text] for t in texts])
                matrix = normalize(sparse.hstack([matrix, chars * CHAR_WEIGHT]).tocsr())
            except ValueError:  # too few documents for min_df: words alone
                self.chars = None
        n_docs, n_features = matrix.shape
        # a small collection gets few dimensions: LSA's point is to merge co-occurring words
        dims = min(self.dims, n_features - 1, max(2, n_docs // 3))
        if dims >= 2:
            svd = TruncatedSVD(n_components=dims, algorithm="randomized", n_iter=7,
                               random_state=0)
            with warnings.catch_warnings(action="ignore", category=RuntimeWarning):
                svd.fit(matrix)  # explained-variance ratio of a tiny collection: 0/0
            # terms x dims in half precision (a query reads only its terms' rows)
            self.projection = np.ascontiguousarray(svd.components_.T, dtype=np.float16)
        return self._project(matrix)

    def fit(self, texts: list[str]) -> None:
        self.fit_embed(texts)

    def _tfidf(self, texts: list[str]) -> sparse.csr_matrix:
        matrix = _weigh(self.words, self.words_idf, [self.analyzer(t) for t in texts])
        if self.chars is None:
            return matrix
        chars = _weigh(self.chars, self.chars_idf,
                       [char_ngrams(t[:self.char_text]) for t in texts])
        return normalize(sparse.hstack([matrix, chars * CHAR_WEIGHT]).tocsr())

    def _project(self, matrix: sparse.csr_matrix) -> np.ndarray:
        if self.projection is None:
            dense = matrix.toarray()
        elif matrix.shape[0] <= FEW_ROWS:  # only the rows of the terms present
            dense = np.zeros((matrix.shape[0], self.projection.shape[1]), dtype=np.float32)
            for i in range(matrix.shape[0]):
                row = matrix.getrow(i)
                if row.nnz:
                    rows = np.asarray(self.projection[row.indices], dtype=np.float32)
                    dense[i] = row.data.astype(np.float32) @ rows
        else:
            dense = matrix @ np.asarray(self.projection, dtype=np.float32)
        return normalize(np.asarray(dense, dtype=np.float32))

    def embed(self, texts: list[str]) -> np.ndarray:
        if self.words is None:
            return np.zeros((len(texts), 1), dtype=np.float32)
        return self._project(self._tfidf(texts))

    # -- storage (portal.search.codec): vocabularies, idf and projection as plain arrays
    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        meta = {"kind": "lsa", "dims": self.dims, "char_ngrams": self.char_ngrams,
                "max_features": self.max_features, "char_features": self.char_features,
                "char_text": self.char_text}
        arrays = {}
        for name in ("words", "chars"):
            terms = getattr(self, name)
            meta[name] = terms is not None
            if terms is not None:
                arrays[name] = terms.array
                arrays[f"{name}_idf"] = getattr(self, f"{name}_idf")
        if self.projection is not None:
            arrays["projection"] = self.projection
        return meta, arrays

    @classmethod
    def restore(cls, analyzer: Analyzer, meta: dict, arrays: dict) -> "LsaEmbedder":
        embedder = cls(analyzer, dims=meta["dims"], char_ngrams=meta["char_ngrams"],
                       max_features=meta["max_features"],
                       char_features=meta["char_features"], char_text=meta["char_text"])
        for name in ("words", "chars"):
            if meta[name]:
                setattr(embedder, name, Terms(arrays[name]))
                setattr(embedder, f"{name}_idf", arrays[f"{name}_idf"])
        embedder.projection = arrays.get("projection")
        return embedder


def char_ngrams(text: str, low: int = 3, high: int = 5) -> list[str]:
    """sklearn's analyzer="char_wb" n-grams of `text` (lowercased, each word padded with
    one space), without importing sklearn."""
    out = []
    for word in _SPACES.sub(" ", text.lower()).split():
        word = f" {word} "
        for n in range(low, high + 1):
            out.extend(word[i:i + n] for i in range(max(1, len(word) - n + 1)))
            if len(word) <= n:  # a short word is counted once
                break
    return out


def normalize(matrix):
    """Rows scaled to unit length (zero rows stay zero), dense or sparse CSR."""
    if sparse.issparse(matrix):
        matrix = matrix.tocsr()
        data = matrix.data.astype(np.float32)
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=matrix.shape[0]))
        norms[norms == 0] = 1.0
        return sparse.csr_matrix((data / norms[rows].astype(np.float32), matrix.indices,
                                  matrix.indptr), shape=matrix.shape)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def _terms(vectorizer) -> list[str]:
    """The fitted vocabulary as a list: the term of column j at place j."""
    ordered = sorted(vectorizer.vocabulary_.items(), key=lambda item: item[1])
    return [term for term, _column in ordered]


def _weigh(terms: Terms, idf: np.ndarray, token_lists: list[list[str]]) -> sparse.csr_matrix:
    """Sublinear tf x idf, each row L2-normalised (TfidfVectorizer's defaults), over the
    terms of the vocabulary; other tokens are ignored."""
    indptr, indices, data = [0], [], []
    for tokens in token_lists:
        columns = terms.columns(tokens)
        columns, counts = np.unique(columns[columns >= 0], return_counts=True)
        weights = (1 + np.log(counts)) * idf[columns]
        norm = float(np.sqrt(np.dot(weights, weights)))
        indices.append(columns)
        data.append(weights / norm if norm else weights)
        indptr.append(indptr[-1] + len(columns))
    return sparse.csr_matrix(
        (np.concatenate(data).astype(np.float32) if data else np.zeros(0, np.float32),
         np.concatenate(indices).astype(np.int32) if indices else np.zeros(0, np.int32),
         np.asarray(indptr, dtype=np.int32)), shape=(len(token_lists), len(terms)))


class SemanticIndex:
    """One vector per document, or, with an embedder that reads documents in passages
    (`embed_documents`, the sentence model), one per passage: `starts` is then each
    document's first row, and a document's score combines its passages' (`combine`)."""

    def __init__(self, embedder: Embedder, texts: list[str],
                 docs: list[tuple[str, str]] | None = None):
        self.embedder = embedder
        self.starts = None
        fit_embed = getattr(embedder, "fit_embed", None)
        if fit_embed is not None:
            vectors = fit_embed(texts) if texts else np.zeros((0, 1))
        else:
            embedder.fit(texts)
            if docs is not None and hasattr(embedder, "embed_documents"):
                vectors, self.starts = embedder.embed_documents(docs) if docs else (
                    np.zeros((0, 1)), np.zeros(0, dtype=np.int64))
            else:
                vectors = embedder.embed(texts) if texts else np.zeros((0, 1))
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)

    @classmethod
    def restore(cls, embedder: Embedder, vectors: np.ndarray,
                starts: np.ndarray | None = None) -> "SemanticIndex":
        """A stored index's side: the vectors as built, nothing fitted again."""
        index = cls.__new__(cls)
        index.embedder = embedder
        index.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index.starts = None if starts is None else np.asarray(starts, dtype=np.int64)
        return index

    def arrays(self) -> dict[str, np.ndarray]:
        """What a stored index keeps of this side (portal.search.engine.Index.state)."""
        if self.starts is None:
            return {"vectors": self.vectors}
        return {"vectors": self.vectors, "passage_starts": self.starts}

    def __len__(self) -> int:
        return len(self.vectors) if self.starts is None else len(self.starts)

    def query_vector(self, text: str) -> np.ndarray:
        return self.embedder.embed([text])[0].astype(np.float32)

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """One score per document."""
        if not len(self.vectors) or not np.any(vector):
            return np.zeros(len(self), dtype=np.float32)
        scores = self.vectors @ vector
        return scores if self.starts is None else self.embedder.combine(scores, self.starts)

    def document_vectors(self, rows: np.ndarray) -> np.ndarray:
        """One vector per document row (of passages: their normalised mean)."""
        if self.starts is None:
            return self.vectors[rows]
        ends = np.append(self.starts[1:], len(self.vectors))
        return normalize(np.stack([self.vectors[self.starts[r]:ends[r]].mean(axis=0)
                                   for r in rows]))
