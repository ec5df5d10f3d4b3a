"""Every tuning knob of the search engine in one place (the relevance benchmark sets them).

Build-time knobs change the stored index (field weights, length normalisation, LSA
dimensions); query-time knobs can be changed per search (`Index.search(params=...)`)."""

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Params:
    # BM25F (build time)
    k1: float = 1.2
    b_title: float = 0.4
    b_body: float = 0.75
    title_weight: float = 3.0
    body_weight: float = 1.0
    # LSA (build time)
    dims: int = 200
    char_ngrams: bool = False
    # character n-grams help paraphrases and typos on small collections but cost ~5x build
    # time and memory: used automatically below this many documents (bench/search results)
    char_ngrams_below: int = 10_000
    # caps on what LSA keeps (its stored projection is terms x dims): the most frequent
    # words and character n-grams, n-grams read from the first characters of each text.
    # Uncapped, 1,000 long articles kept 250k terms (a 200 MB projection per locale)
    word_features: int = 50_000
    char_features: int = 20_000
    char_text: int = 20_000
    # typo tolerance (query time)
    typo_min_length: int = 4       # shorter words are never corrected
    typo_cutoff: float = 70.0      # rapidfuzz ratio a correction must reach (swept: 70 best)
    typo_candidates: int = 1       # vocabulary words one unknown word may become
    # bonus (x best BM25 score) for a fuzzy title match; off: it scanned every title and
    # changed no nDCG@10 on the relevance set (docs/PERFORMANCE.md)
    title_fuzzy_weight: float = 0.0
    title_fuzzy_cutoff: float = 85.0  # only when a query word was unknown
    # ranking and fusion (query time)
    depth: int = 100               # candidates each side contributes to the fusion
    semantic_min: float = 0.15     # cosine a semantic match must exceed (and for totals)
    rrf_k: float = 60.0
    keyword_weight: float = 1.0
    semantic_weight: float = 1.0
    # hybrid only: a document enters the keyword ranking when it holds at least this share
    # of the query's weight (idf; a word no article uses counts as the rarest), so words
    # that match by accident stop pushing the meaning matches down. Worth it next to a
    # sentence model (paraphrases 0.36 -> 0.69 nDCG@10); next to LSA, which cannot take
    # over those queries, it lost German paraphrases: off (docs/PERFORMANCE.md)
    keyword_coverage: float = 0.0
    sentence_keyword_coverage: float = 0.75
    # a sentence model also reads the corrected query when a correction is at least this
    # close (rapidfuzz ratio); looser "corrections" of words no article uses would change
    # the meaning of a paraphrase
    sentence_correction: float = 80.0
    # relevance floor (query time, portal.search.floor): a query lists nothing unless its
    # best allowed match holds `floor_coverage` of its idf mass (near-miss typo corrections
    # only) or, with a sentence model outside keyword mode, reaches `floor_sentence` cosine.
    # Measured on bench/search's 25 unanswerable and 82 answerable English questions
    # (unanswerable silenced / answerable kept, hybrid): coverage 0.3 -> 52 % / 78 %,
    # 0.5 -> 84 % / 60 %; with the sentence model 0.3 + cosine 0.35 -> 44 % / 91 %,
    # 0.3 + 0.3 -> 32 % / 99 %. No setting reaches both targets (80 % / 95 %): the
    # paraphrases look like unanswerable questions to these signals; 0.3 / 0.35 keep
    # most answers. Held out (thresholds fitted on half the queries), the z-score, gaps,
    # spread of the semantic scores and logistic mixes with coverage did no better
    # (docs/PERFORMANCE.md, "relevance floor")
    floor: bool = True
    floor_coverage: float = 0.3
    floor_sentence: float = 0.35
    # pseudo-relevance feedback (query time; 0 documents = off)
    prf_docs: int = 0              # top fused documents taken as relevant
    prf_weight: float = 0.5        # Rocchio weight of their mean vector (semantic side)
    prf_terms: int = 0             # expansion terms added to the keyword query
    prf_term_weight: float = 0.3

    def with_(self, **changes) -> "Params":
        return replace(self, **changes)


DEFAULT = Params()
