"""The in-memory search engine: `build_index(docs, locale) -> Index`, `Index.search(...)`.

Independent of the database, so the relevance benchmark and the latency benchmark run it
on plain data; portal.search.build feeds it articles and portal.search.store keeps it.

Modes: "keyword" (BM25F with typo correction), "semantic" (cosine of LSA vectors or, with
the embeddings extra, a sentence model's), "hybrid" (both, fused by reciprocal rank; the
default). Visibility is a row mask applied before ranking, so hidden documents never take
a place or count in a total."""

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from portal.search import floor
from portal.search.analysis import Analyzer, normalise
from portal.search.fusion import fused_order, top_of, top_rows
from portal.search.keyword import KeywordIndex
from portal.search.params import DEFAULT, Params
from portal.search.semantic import Embedder, LsaEmbedder, SemanticIndex
from portal.search.sentence import EmbeddingsUnavailable, SentenceEmbedder

log = logging.getLogger(__name__)

MODES = ("hybrid", "keyword", "semantic")
QUERY_MAX = 1000
# the stored layout (portal.search.codec): a stored index of another format is never
# loaded but rebuilt. 1 was a pickle (loading one could run code); 2 is data only; 3 keeps
# vocabularies as sorted arrays (memory-mappable) and the LSA projection in float16; 4
# keeps a sentence model's vectors per passage (portal.search.sentence)
FORMAT = 4
EMBEDDERS = {"lsa": LsaEmbedder, "sentence": SentenceEmbedder}  # stored "kind" -> class
MASKS_MAX = 64  # visibility masks an index keeps (one per audience set and visible set)
WORDS_MAX = 4096  # typo corrections and prefix expansions an index keeps, of each kind
VECTORS_MAX = 1024  # LSA query vectors an index keeps (800 bytes each)


@dataclass
class Doc:
    id: int
    title: str
    body: str = ""  # plain text (description and body)


@dataclass
class Ranking:
    total: int                       # allowed documents that match at all
    hits: list[tuple[int, float]]    # (doc id, score), best first, at most `limit`
    stems: set[str] = field(default_factory=set)  # terms to highlight (after correction)
    corrected: dict[str, list[str]] = field(default_factory=dict)  # unknown word -> used


def lsa_embedder(analyzer: Analyzer, params: Params, size: int | None = None) -> Embedder:
    small = size is not None and size < params.char_ngrams_below
    return LsaEmbedder(analyzer, dims=params.dims, char_ngrams=params.char_ngrams or small,
                       max_features=params.word_features,
                       char_features=params.char_features, char_text=params.char_text)


class Index:
    def __init__(self, docs: list[Doc], locale: str, params: Params = DEFAULT,
                 embedder_factory=lsa_embedder):
        self.locale = locale
        self.params = params
        self.analyzer = Analyzer(locale)
        self.ids = np.asarray([d.id for d in docs], dtype=np.int64)
        self._set_titles([d.title for d in docs])
        self.keyword = KeywordIndex(self.analyzer, self.titles, [d.body for d in docs], params)
        # the title twice: it says what the article is about more densely than the body
        texts = [f"{d.title}\n{d.title}\n{d.body}" for d in docs]
        # a factory takes (analyzer, params, collection size) and returns an Embedder
        self.semantic = SemanticIndex(embedder_factory(self.analyzer, params, len(docs)), texts,
                                      [(d.title, d.body) for d in docs])

    def _set_titles(self, titles: list[str]) -> None:
        self.titles = titles
        self._titles_norm = [normalise(t) for t in titles]

    # -- storage (portal.search.codec) -----------------------------------------------
    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Everything a search needs, as JSON-able metadata and plain numeric arrays."""
        kw_meta, kw_arrays = self.keyword.state()
        emb_meta, emb_arrays = self.semantic.embedder.state()
        meta = {"format": FORMAT, "locale": self.locale, "params": asdict(self.params),
                "titles": self.titles, "keyword": kw_meta, "embedder": emb_meta}
        arrays = {"ids": self.ids, **self.semantic.arrays(),
                  **{f"keyword.{k}": v for k, v in kw_arrays.items()},
                  **{f"embedder.{k}": v for k, v in emb_arrays.items()}}
        return meta, arrays

    @classmethod
    def restore(cls, meta: dict, arrays: dict[str, np.ndarray]) -> "Index":
        def part(prefix: str) -> dict[str, np.ndarray]:
            return {k.removeprefix(prefix): v for k, v in arrays.items()
                    if k.startswith(prefix)}

        index = cls.__new__(cls)
        index.locale = meta["locale"]
        index.params = Params(**meta["params"])
        index.analyzer = Analyzer(index.locale)
        index.ids = arrays["ids"]
        index._set_titles(list(meta["titles"]))
        index.keyword = KeywordIndex.restore(index.analyzer, meta["keyword"], part("keyword."))
        kind = EMBEDDERS[meta["embedder"]["kind"]]
        embedder = kind.restore(index.analyzer, meta["embedder"], part("embedder."))
        index.semantic = SemanticIndex.restore(embedder, arrays["vectors"],
                                               arrays.get("passage_starts"))
        return index

    @property
    def reads_sentences(self) -> bool:
        return getattr(self.semantic.embedder, "reads_sentences", False)

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, allowed_ids) -> np.ndarray:
        if allowed_ids is None:
            return np.ones(len(self.ids), dtype=bool)
        if not allowed_ids:
            return np.zeros(len(self.ids), dtype=bool)
        return np.isin(self.ids, np.fromiter(allowed_ids, dtype=np.int64))

    # -- per-version caches: a new index version is a new object, so nothing kept here
    # outlives the version it was computed from. Shared by threads: values are never
    # modified once kept.
    def cache_get(self, kind: str, key):
        return self.__dict__.get("_cached", {}).get(kind, {}).get(key)

    def cache_put(self, kind: str, key, value, limit: int) -> None:
        """Keep `value` under (kind, key): up to `limit` per kind, the oldest dropped."""
        if limit <= 0:
            return
        caches = self.__dict__.setdefault("_cached", {})
        with self.__dict__.setdefault("_cached_lock", threading.Lock()):
            entries = caches.setdefault(kind, {})
            while len(entries) >= limit:
                entries.pop(next(iter(entries)))
            entries[key] = value

    def cached_mask(self, key, allowed_ids: Callable[[], set[int]]) -> np.ndarray:
        """The row mask of `allowed_ids()`, made once per `key` for this index. The key
        must change whenever the allowed set may (the service uses the audiences and a
        digest of the visible ids)."""
        mask = self.cache_get("masks", key)
        if mask is None:
            mask = self.mask(allowed_ids())
            mask.flags.writeable = False
            self.cache_put("masks", key, mask, MASKS_MAX)
        return mask

    def _kept(self, kind: str, key, compute, *args) -> list:
        """`compute(*args)` (a list of words), kept for this index under (kind, key): the
        typo corrections and prefix expansions of words asked before (each scans a part of
        the vocabulary; search-as-you-type asks the same prefixes again and again)."""
        found = self.cache_get(kind, key)
        if found is None:
            found = tuple(compute(*args))
            self.cache_put(kind, key, found, WORDS_MAX)
        return list(found)

    def _words(self, words: list[str]) -> list[tuple[str, int | None, tuple | None]]:
        """(stem, keyword column or None, LSA columns or None) of each query word, kept for
        this index (WORDS_MAX words): a search with a query not seen before mostly asks
        for words asked before, and finding a column is a binary search over encoded
        terms (the words not kept yet are looked up together). The LSA columns are those
        of `analyzer(word)`: the analyser of words joined by spaces gives each word's
        terms in turn."""
        found = [self.cache_get("words", w) for w in words]
        if None not in found:
            return found
        new = list(dict.fromkeys(w for w, f in zip(words, found, strict=True) if f is None))
        emb = self.semantic.embedder
        lsa = isinstance(emb, LsaEmbedder) and emb.words is not None
        terms = [self.analyzer(w) for w in new]
        columns = emb.words.columns([t for ts in terms for t in ts]).tolist() if lsa else []
        made, at = {}, 0
        for w, ts in zip(new, terms, strict=True):
            stem = self.analyzer.stem(w)
            made[w] = (stem, self.keyword.vocab.get(stem),
                       tuple(columns[at:at + len(ts)]) if lsa else None)
            at += len(ts)
            self.cache_put("words", w, made[w], WORDS_MAX)
        return [f if f is not None else made[w] for w, f in zip(words, found, strict=True)]

    def search(self, query: str, mode: str = "hybrid", limit: int = 10,
               allowed_ids: set[int] | None = None, params: Params | None = None
               ) -> list[tuple[int, float]]:
        return self.query(query, mode, limit, allowed_ids, params).hits

    def query(self, query: str, mode: str = "hybrid", limit: int = 10,
              allowed_ids: set[int] | None = None, params: Params | None = None,
              prefix: bool = False, allowed_mask: np.ndarray | None = None,
              floor_query: tuple[str, dict] | None = None) -> Ranking:
        """Rank the allowed documents for `query`. `prefix`: the last word may be
        unfinished (search-as-you-type) and also matches the words it begins.
        `allowed_mask` (a row mask, e.g. from `cached_mask`) replaces `allowed_ids`.
        `floor_query`: (the query as typed, {stem: its synonyms}) when `query` is that
        query with synonyms added: the floor judges the typed words, each with its own."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        p = params or self.params
        query = query[:QUERY_MAX]
        words, weights, stems, corrected, unknown = self._terms(query, p, prefix)
        if not words or not len(self.ids):
            return Ranking(0, [], stems, corrected)
        mask = allowed_mask if allowed_mask is not None else self.mask(allowed_ids)
        if not mask.any():
            return Ranking(0, [], stems, corrected)
        depth = max(p.depth, limit)
        kw_scores = sem_scores = covered = None
        if mode in ("keyword", "hybrid"):
            kw_scores = self._keyword_scores(weights, query, p, unknown or bool(corrected))
        coverage = (p.sentence_keyword_coverage if self.reads_sentences
                    else p.keyword_coverage)
        if mode == "hybrid" and not prefix and coverage > 0:
            covered = self.keyword.coverage(weights, unknown) >= coverage
        if mode in ("semantic", "hybrid"):
            qv = self._query_vector(query, words, corrected, p)
            sem_scores = self.semantic.scores(qv)
        typed, alts = floor_query or (query, {})
        if p.floor and not floor.above(self, typed, corrected, prefix, mode, sem_scores,
                                       mask, p, alts):
            return Ranking(0, [], stems, corrected)  # nothing answers it well enough
        if p.prf_docs > 0:
            first = self._rank(mode, kw_scores, sem_scores, mask, depth, p,
                               covered)[0][:p.prf_docs]
            if len(first):
                if sem_scores is not None and p.prf_weight:
                    centroid = self.semantic.document_vectors(first).mean(axis=0)
                    qv = qv + p.prf_weight * centroid
                    qv = qv / (np.linalg.norm(qv) or 1.0)
                    sem_scores = self.semantic.scores(qv.astype(np.float32))
                if kw_scores is not None and p.prf_terms:
                    extra = self.keyword.top_terms(first, p.prf_terms, set(weights))
                    if extra:
                        more = {j: w * p.prf_term_weight for j, w in extra.items()}
                        kw_scores = kw_scores + self.keyword.scores(more)
        rows, scores, total = self._rank(mode, kw_scores, sem_scores, mask, depth, p, covered)
        hits = [(int(self.ids[r]), float(s)) for r, s in zip(rows[:limit], scores[:limit],
                                                              strict=True)]
        return Ranking(total, hits, stems, corrected)

    # -- internals -----------------------------------------------------------------
    def _query_vector(self, query: str, words: list[str], corrected: dict,
                      p: Params) -> np.ndarray:
        """The query on the semantic side. LSA reads the analysed words after correction.
        A sentence model reads the query as typed (a "correction" of a word no article
        uses may change its meaning) and, when a word was a near miss of an article word,
        also the corrected text: the mean of both directions."""
        try:
            if not self.reads_sentences:
                return self._lsa_vector(" ".join(words), words)
            texts = [query]
            near = {w: fix for w, fix in corrected.items()
                     if fuzz.ratio(w, fix[0]) >= p.sentence_correction}
            if near:
                texts.append(" ".join(" ".join(near.get(w, [w]))
                                      for w in self.analyzer.words(query)))
            vectors = self.semantic.embedder.embed(texts)
            mean = vectors.mean(axis=0)
            return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
        except EmbeddingsUnavailable:
            log.warning("sentence-embedding model unavailable: keyword ranking only")
            return np.zeros(self.semantic.vectors.shape[1], dtype=np.float32)

    def _lsa_vector(self, text: str, words: list[str] | None = None) -> np.ndarray:
        """LSA's query vector computed directly from the stored vocabulary, idf and the
        projection rows of the query's terms: what the embedder gives (sublinear tf, idf,
        l2, projection), without building a sparse matrix for one row. Character n-grams
        or no projection: the embedder itself. `words`: the analysed words `text` joins
        (their columns are kept per word, `_words`)."""
        emb = self.semantic.embedder
        if not isinstance(emb, LsaEmbedder) or emb.words is None or emb.chars is not None \
                or emb.projection is None:
            return self.semantic.query_vector(text)
        if words is None:
            return self._lsa_columns_vector(emb.words.columns(list(self.analyzer(text))))
        # the vector of these columns, kept for this index (read-only): a query asked
        # again, or with other stop words, punctuation or case, or by another audience
        key = tuple(sorted(c for info in self._words(words) for c in info[2] if c >= 0))
        vector = self.cache_get("vectors", key)
        if vector is None:
            vector = self._lsa_columns_vector(np.asarray(key, dtype=np.int64))
            vector.flags.writeable = False
            self.cache_put("vectors", key, vector, VECTORS_MAX)
        return vector

    def _lsa_columns_vector(self, cols: np.ndarray) -> np.ndarray:
        """`_lsa_vector` of the query's LSA columns (-1: not in the vocabulary)."""
        emb = self.semantic.embedder
        cols, counts = np.unique(cols[cols >= 0], return_counts=True)
        if not len(cols):
            return np.zeros(emb.projection.shape[1], dtype=np.float32)
        weights = (1 + np.log(counts.astype(np.float32))) \
            * np.asarray(emb.words_idf, dtype=np.float32)[cols]
        weights /= np.linalg.norm(weights)
        vector = weights @ np.asarray(emb.projection[cols], dtype=np.float32)
        norm = np.linalg.norm(vector)
        return (vector / norm if norm else vector).astype(np.float32)

    def _terms(self, query: str, p: Params, prefix: bool):
        """Query words after typo correction, their keyword weights, the stems to
        highlight, the corrections made, and how many words stayed unknown."""
        words = self.analyzer.words(query)
        known = [info[1] is not None for info in self._words(words)]
        out, corrected, unknown = [], {}, 0
        partial = words[-1] if prefix and words and not query[-1:].isspace() else None
        for i, typed in enumerate(words):
            if partial is not None and i == len(words) - 1:
                grown = self._kept("prefixes", typed, self.keyword.expand_prefix, typed)
                if grown:
                    out.extend(grown)
                    continue
            if known[i] or typed.isdigit():
                out.append(typed)
                continue
            fixed = self._kept("corrections", (typed, p.typo_min_length, p.typo_cutoff,
                                               p.typo_candidates), self.keyword.correct, typed, p)
            if fixed:
                corrected[typed] = fixed
                out.extend(fixed)
            else:
                out.append(typed)  # unknown: the semantic side may still place it
                unknown += 1
        # KeywordIndex.term_weights, from the kept columns (the same order of terms)
        weights: dict[int, float] = {}
        stems = set()
        for stem, column, _lsa in self._words(out):
            stems.add(stem)
            if column is not None:
                weights[column] = weights.get(column, 0.0) + 1.0
        return out, weights, stems, corrected, unknown

    def _keyword_scores(self, weights, query: str, p: Params, typo: bool) -> np.ndarray:
        scores = self.keyword.scores(weights)
        if typo and p.title_fuzzy_weight > 0 and len(query.strip()) >= 4:
            found = process.extract(normalise(query[:200]), self._titles_norm,
                                    scorer=fuzz.token_set_ratio,
                                    score_cutoff=p.title_fuzzy_cutoff, limit=p.depth)
            if found:
                best = float(scores.max()) or 1.0
                scores = scores.copy()
                for _title, similarity, row in found:
                    scores[row] += p.title_fuzzy_weight * best * similarity / 100
        return scores

    def _rank(self, mode, kw_scores, sem_scores, mask, depth, p: Params, covered=None):
        """(rows best first, their scores, total matches) for the mode. In hybrid,
        `covered` (a row mask) limits the keyword side to documents holding enough of
        the query."""
        if mode == "keyword":
            rows = top_rows(kw_scores, mask, depth)
            return rows, kw_scores[rows], int(np.count_nonzero(mask & (kw_scores > 0)))
        if mode == "semantic":
            rows = top_rows(sem_scores, mask, depth, p.semantic_min)
            total = int(np.count_nonzero(mask & (sem_scores > p.semantic_min)))
            return rows, sem_scores[rows], total
        if covered is not None:
            kw_scores = np.where(covered, kw_scores, 0)
        # each side's allowed matches found once, for its ranking and for the total
        kw_found = kw_scores > 0
        kw_found &= mask
        sem_found = sem_scores > p.semantic_min
        sem_found &= mask
        kw_rows = top_of(kw_scores, np.flatnonzero(kw_found), depth)
        sem_rows = top_of(sem_scores, np.flatnonzero(sem_found), depth)
        rows, scores = fused_order([kw_rows, sem_rows], k=p.rrf_k,
                                   weights=[p.keyword_weight, p.semantic_weight],
                                   size=len(mask))
        kw_found |= sem_found
        return rows, scores, int(np.count_nonzero(kw_found))


def build_index(docs: list[Doc], locale: str, params: Params = DEFAULT,
                embedder_factory=lsa_embedder) -> Index:
    """A searchable index of `docs` for `locale` ('en-US', 'de-DE'; others read English)."""
    return Index(docs, locale, params, embedder_factory)
