"""Extractive answers: the sentences of a few articles that answer a question best.

Pure text work, no database: the caller (portal.search.answers) hands in the text of the
articles the reader may open, best search hit first. Each text is split into paragraphs and
sentences; each sentence is scored against the question's terms with BM25 over the
sentences (the same analyser as the index: stemmed content words, stop words dropped), with
a small bonus for the better-ranked article. The best 2 to 4 sentences from at most 3
articles make the answer, in the articles' order and each article's reading order.

A sentence counts only if it holds a content word of the question, or a synonym the admins
gave one (they said the two mean the same): search may find an article through its meaning
(LSA) or a typo-tolerant match, but an answer that shares no word with the question is no
answer."""

import math
import re
from collections import Counter
from dataclasses import dataclass

from portal.search.analysis import Analyzer

SENTENCES_MIN = 2
SENTENCES_MAX = 4
ARTICLES_MAX = 3
CONTEXT_MAX = 12  # sentences of the cited articles a chat model is given
SENTENCE_CHARS_MAX = 400  # a longer "sentence" (a list, a table row) is cut at a word
RELATIVE_FLOOR = 0.3  # a sentence scoring below this share of the best one is left out
RANK_BONUS = 0.15  # the first article's sentences score this much more than the third's
K1, B = 1.2, 0.75

# a sentence ends at . ! ? (and their Arabic and CJK forms) followed by space, or at a CJK
# full stop without space; paragraphs and list items end at line breaks
_END = re.compile(r"(?<=[.!?\u061f])\s+|(?<=[\u3002\uff01\uff1f])")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Sentence:
    source: int  # index of the article in the caller's list (search rank)
    position: int  # place within its article
    text: str
    stems: tuple[str, ...]


@dataclass(frozen=True)
class Extract:
    sentences: tuple[Sentence, ...]  # reading order
    sources: tuple[int, ...]  # indexes of the cited articles, best ranked first
    context: tuple[Sentence, ...] = ()  # more of their best sentences (for a chat model)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


def split_sentences(text: str) -> list[str]:
    out = []
    for paragraph in (text or "").splitlines():
        for piece in _END.split(paragraph.strip()):
            piece = " ".join(piece.split())
            if len(piece) >= 3 and _LETTER.search(piece):
                out.append(_trim(piece))
    return out


def _trim(sentence: str) -> str:
    if len(sentence) <= SENTENCE_CHARS_MAX:
        return sentence
    cut = sentence[:SENTENCE_CHARS_MAX].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def sentences_of(texts: list[str], analyzer: Analyzer) -> list[Sentence]:
    return [Sentence(source, position, sentence, tuple(analyzer(sentence)))
            for source, text in enumerate(texts)
            for position, sentence in enumerate(split_sentences(text))]


def scored(sentences: list[Sentence], terms: set[str]) -> list[tuple[float, Sentence]]:
    """(BM25 score over the sentences, sentence) for those holding a term, best first."""
    if not sentences or not terms:
        return []
    n = len(sentences)
    average = sum(len(s.stems) for s in sentences) / n or 1.0
    frequency = Counter(t for s in sentences for t in set(s.stems) & terms)
    sources = max(s.source for s in sentences) + 1
    out = []
    for sentence in sentences:
        counts = Counter(t for t in sentence.stems if t in terms)
        if not counts:
            continue
        score = 0.0
        for term, tf in counts.items():
            idf = math.log(1 + (n - frequency[term] + 0.5) / (frequency[term] + 0.5))
            norm = K1 * (1 - B + B * len(sentence.stems) / average)
            score += idf * tf * (K1 + 1) / (tf + norm)
        score *= 1 + RANK_BONUS * (sources - 1 - sentence.source) / max(1, sources - 1)
        out.append((score, sentence))
    out.sort(key=lambda pair: (-pair[0], pair[1].source, pair[1].position))
    return out


def extract(texts: list[str], question: str, analyzer: Analyzer,
            synonyms: str = "") -> Extract | None:
    """The answer from `texts` (best hit first) to `question`, or None when no sentence
    holds a word of the question. `synonyms`: the admins' synonyms of the question's terms
    (portal.search.synonyms.extra_terms, joined), which count like its own words."""
    own = set(analyzer(question))
    if not own:
        return None
    terms = own | set(analyzer(synonyms))
    ranked = scored(sentences_of(texts, analyzer), terms)
    if not ranked:
        return None
    best = ranked[0][0]
    chosen: list[Sentence] = []
    sources: list[int] = []
    for score, sentence in ranked:
        if len(chosen) >= SENTENCES_MAX:
            break
        if score < best * RELATIVE_FLOOR and len(chosen) >= SENTENCES_MIN:
            break
        if any(c.text == sentence.text for c in chosen):  # the same line in two articles
            continue
        if sentence.source not in sources:
            if len(sources) >= ARTICLES_MAX:
                continue
            sources.append(sentence.source)
        chosen.append(sentence)
    chosen.sort(key=lambda s: (s.source, s.position))
    context = [s for _score, s in ranked if s.source in sources][:CONTEXT_MAX]
    context.sort(key=lambda s: (s.source, s.position))
    return Extract(tuple(chosen), tuple(sorted(sources)), tuple(context))
