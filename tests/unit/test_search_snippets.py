"""Snippets find the query's words without stemming the article: the same words the
analyser's own spans find, in English and German, marked and escaped; and the LSA query
vector computed directly equals the embedder's."""

import json
from pathlib import Path

import numpy as np
import pytest

from portal.search import snippets
from portal.search.analysis import Analyzer
from portal.search.engine import Doc, build_index
from portal.search.params import DEFAULT

DATA = Path(__file__).resolve().parents[2] / "bench" / "search" / "data"


def _lines(name):
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line]


@pytest.mark.parametrize("locale", ["en-US", "de-DE"])
def test_matches_are_exactly_the_words_whose_stem_is_asked_for(locale):
    """Against the slow definition (stem every word) on the relevance set's articles and
    queries: no word missed, none extra."""
    analyzer = Analyzer(locale)
    articles = [a for a in _lines("articles.jsonl") if a["locale"] == locale][::2]
    queries = [q for q in _lines("queries.jsonl") if q["locale"] == locale]
    compared = marked = 0
    for query in queries:
        stems = set(analyzer(query["query"]))
        pattern = snippets.matcher(stems, analyzer)
        for article in articles:
            text = " ".join(f"{article['title']}\n{article['body']}".split())
            expected = [(s, e) for stem, s, e in analyzer.spans(text) if stem in stems]
            assert snippets.matches(text, stems, analyzer, pattern) == expected, \
                (query["query"], article["slug"])
            compared += 1
            marked += len(expected)
    assert compared > 300 and marked > 50


@pytest.mark.parametrize("locale, query, text, marked", [
    ("de-DE", "haus", "Alle Häuser und das HAUS.", ["Häuser", "HAUS"]),
    ("de-DE", "strasse", "Die Straße ist gesperrt.", ["Straße"]),
    ("de-DE", "gross", "Das Paket ist größer.", ["größer"]),
    ("en-US", "happiness", "A happy customer is happily served.", ["happy"]),
    ("en-US", "dies", "The battery is dying, it died.", ["dying", "died"]),
    ("en-US", "connection", "Connected, connecting; reconnect.", ["Connected", "connecting"]),
])
def test_words_whose_stem_changed_their_letters_are_still_marked(locale, query, text,
                                                                 marked):
    analyzer = Analyzer(locale)
    stems = set(analyzer(query))
    html = str(snippets.snippet(text, stems, analyzer))
    assert [part.split("</mark>")[0] for part in html.split("<mark>")[1:]] == marked


def test_snippet_is_escaped_and_marks_the_best_window():
    analyzer = Analyzer("en-US")
    text = ("<script>alert(1)</script> filler " * 40 + "reset the password here, "
            "password reset link " + "more filler words " * 40)
    html = str(snippets.snippet(text, set(analyzer("password reset")), analyzer))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<mark>") == 4 and html.startswith("… ") and html.endswith(" …")


def test_a_long_article_is_scanned_not_stemmed(monkeypatch):
    """100k characters with one match: a handful of stems, not one per word."""
    analyzer = Analyzer("en-US")
    calls = []
    real = Analyzer.stem
    monkeypatch.setattr(Analyzer, "stem", lambda self, w: calls.append(w) or real(self, w))
    text = "lorem ipsum dolor sit amet " * 3000 + "the invoice is ready " + "tail " * 5000
    html = str(snippets.snippet(text, {"invoic"}, analyzer))
    assert "<mark>invoice</mark>" in html
    assert len(calls) < 10


def test_no_match_shows_the_beginning():
    analyzer = Analyzer("en-US")
    html = str(snippets.snippet("First words of the article. " * 20, {"zebra"}, analyzer))
    assert html.startswith("First words") and "<mark>" not in html


def test_lsa_query_vector_equals_the_embedders():
    articles = [a for a in _lines("articles.jsonl") if a["locale"] == "en-US"]
    docs = [Doc(i, a["title"], a["body"]) for i, a in enumerate(articles)]
    index = build_index(docs, "en-US", DEFAULT.with_(char_ngrams_below=0, dims=40))
    assert index.semantic.embedder.chars is None  # the direct path applies
    for q in _lines("queries.jsonl")[:60]:
        words = index.analyzer.words(q["query"])
        text = " ".join(words)
        direct, via = index._lsa_vector(text), index.semantic.query_vector(text)
        assert direct.dtype == np.float32
        np.testing.assert_allclose(direct, via, atol=1e-5)
        for _twice in range(2):  # each word's columns found, then kept: the same vector
            np.testing.assert_array_equal(index._lsa_vector(text, words), direct)
        kept = index._lsa_vector(text, words)
        if words:  # kept per index, read-only, whatever the order of the words
            assert index._lsa_vector(text, words[::-1]) is kept
            assert not kept.flags.writeable
    assert not index._lsa_vector("zzqx").any()


@pytest.mark.parametrize("text", [
    "Printer_setup: PRINTERS, printed re-print reprint print3d 3print _print printer.",
    "Print, print; PRINTING print",
    "Drucker-Einrichtung: Drücken Sie PRINT und printer.",  # not ASCII: the other path
])
def test_ascii_text_finds_the_same_words_as_the_case_blind_pattern(text):
    """ASCII text is scanned lower-cased, without the look-behind; the words found are the
    ones the case-blind pattern finds (underscores, digits and hyphens as word edges)."""
    analyzer = Analyzer("en-US")
    stems = set(analyzer("printer print"))
    pattern = snippets.matcher(stems, analyzer)
    slow = [(s, e) for stem, s, e in analyzer.spans(text) if stem in stems]
    found = snippets.matches(text, stems, analyzer, pattern)
    assert found == slow and found
    assert list(snippets._candidates(text, pattern)) == \
        [m.span() for m in pattern.regex.finditer(text)]


def test_verdicts_are_kept_only_for_the_stems_the_pattern_was_made_for():
    """A pattern keeps each word's verdict across the hits of a search; asked with other
    stems (an equal set too) it judges afresh, so a verdict never crosses queries."""
    analyzer = Analyzer("en-US")
    stems = set(analyzer("print"))
    pattern = snippets.matcher(stems, analyzer)
    text = "Printer, print, printing: PRINTS. Printers print."
    first = snippets.matches(text, stems, analyzer, pattern)
    assert first == [(s, e) for stem, s, e in analyzer.spans(text) if stem in stems]
    assert pattern.known and snippets.matches(text, stems, analyzer, pattern) == first
    other = set(analyzer("printer"))  # found by the same prefix "print", other verdicts
    assert snippets.matches(text, other, analyzer, pattern) == \
        [(s, e) for stem, s, e in analyzer.spans(text) if stem in other]
    assert pattern.verdicts(set(stems), analyzer) == {}
    assert pattern.verdicts(stems, Analyzer("de-DE")) == {}
