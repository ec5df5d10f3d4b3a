"""The in-memory search engine on plain data: analysis, keyword, semantic, fusion, snippets."""


import numpy as np
import pytest

from portal.search.analysis import Analyzer
from portal.search.engine import MODES, Doc, build_index
from portal.search.fusion import fused_order, rrf, top_of, top_rows
from portal.search.params import DEFAULT
from portal.search.snippets import snippet

HELP = [
    Doc(1, "Reset your password",
        "Forgot your password? Use the reset link on the sign-in page; a new password "
        "needs twelve characters."),
    Doc(2, "Invoices and billing",
        "Download every invoice from the billing page. We accept credit cards and bank "
        "transfers."),
    Doc(3, "Two-factor authentication",
        "Protect the login with a second factor from an authenticator app."),
    Doc(4, "Change your email address",
        "Update the email address of the account in the profile settings."),
    Doc(5, "Shipping times", "Parcels leave the warehouse within two days; delivery takes a week."),
    Doc(6, "Cancel a subscription", "Cancel the plan any time in the subscription settings."),
]


@pytest.fixture(scope="module")
def helpdesk():
    return build_index(HELP, "en-US")


def ids(hits):
    return [doc_id for doc_id, _score in hits]


def test_english_stemming_and_stop_words():
    analyze = Analyzer("en-US")
    assert analyze("The invoices were downloaded") == analyze("invoice downloading")
    assert analyze("the of and is to") == []
    assert analyze("Connecting CONNECTED connection") == ["connect"] * 3


def test_german_stemming_stop_words_and_folding():
    analyze = Analyzer("de-DE")
    assert analyze("Rechnungen herunterladen") == analyze("die Rechnung herunterlade")
    assert analyze("und der die das ist nicht") == []
    assert analyze("Straße") == analyze("STRASSE")
    assert analyze("Häuser") == analyze("Haus")


def test_german_index_finds_inflected_forms():
    index = build_index([Doc(1, "Passwort zurücksetzen", "So setzen Sie Ihr Passwort zurück."),
                         Doc(2, "Rechnungen", "Alle Rechnungen finden Sie im Kundenkonto.")],
                        "de-DE")
    assert ids(index.search("rechnung", "keyword")) == [2]
    assert ids(index.search("Passwörter", "keyword")) == [1]


def test_stop_words_only_finds_nothing(helpdesk):
    for mode in MODES:
        ranking = helpdesk.query("the and of to", mode)
        assert (ranking.total, ranking.hits) == (0, [])


def test_typo_is_corrected_against_the_vocabulary(helpdesk):
    ranking = helpdesk.query("pasword", "keyword")
    assert ranking.corrected == {"pasword": ["password"]}
    assert ids(ranking.hits)[0] == 1
    assert "password" in ranking.stems
    assert ids(helpdesk.search("subscripton cancelation", "hybrid"))[0] == 6


def test_short_words_are_not_corrected(helpdesk):
    assert helpdesk.query("ap", "keyword").corrected == {}


def test_title_boost_puts_the_title_match_first():
    docs = [Doc(1, "Getting started", "An invoice is sent monthly. Your invoice lists "
                "each seat."),
            Doc(2, "Invoice", "Where to find it in the portal."),
            Doc(3, "Seats", "Add and remove seats.")]
    index = build_index(docs, "en-US")
    assert ids(index.search("invoice", "keyword")) == [2, 1]


def test_semantic_matches_an_article_sharing_no_word_with_the_query():
    """LSA: 'refund' and 'money back' occur together in some articles, so a query with only
    'money back' reaches the refund article that never says either word."""
    docs = [
        Doc(1, "Refund policy", "A refund is issued to the original card within ten days."),
        Doc(2, "Getting money back", "Want your money back? Ask for a refund of the order."),
        Doc(3, "Money back guarantee", "Thirty days money back: the refund goes to your card."),
        Doc(4, "Shipping", "Parcels ship from our warehouse by courier."),
        Doc(5, "Delivery tracking", "Track the parcel with the courier's tracking number."),
        Doc(6, "Courier pick-up", "The courier collects the parcel at the warehouse door."),
        Doc(7, "Passwords", "Reset a forgotten password from the sign-in page."),
        Doc(8, "Sign-in", "Sign in with your email and password."),
    ]
    index = build_index(docs, "en-US")
    query = "money back"
    assert not set(Analyzer("en-US")(query)) & set(Analyzer("en-US")(docs[0].title
                                                                      + docs[0].body))
    assert 1 not in ids(index.search(query, "keyword"))
    semantic = ids(index.search(query, "semantic", limit=3))
    assert 1 in semantic
    assert not {4, 5, 6, 7, 8} & set(semantic)
    assert 1 in ids(index.search(query, "hybrid", limit=3))


def test_rrf_fuses_by_rank():
    fused = rrf([np.array([1, 2, 3]), np.array([3, 1])], k=60)
    assert sorted(fused, key=lambda r: -fused[r]) == [1, 3, 2]
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    weighted = rrf([np.array([1]), np.array([2])], k=1, weights=[1.0, 3.0])
    assert weighted[2] > weighted[1]


def test_fused_order_is_rrf_sorted_to_the_last_bit():
    """The fused ranking without a dict: the same rows in the same order (ties: lower row
    first) and the same sums, for random rankings, depths, k and weights (zero included)."""
    rng = np.random.default_rng(5)
    for _case in range(500):
        rankings = [rng.permutation(150)[:rng.integers(0, 100)] for _side in range(2)]
        k = float(rng.choice([1.0, 10.0, 60.0, 60.5]))
        weights = [float(rng.choice([0.0, 0.5, 1.0, 1.3])), float(rng.choice([0.0, 1.0, 2.7]))]
        fused = rrf(rankings, k=k, weights=weights)
        expected = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
        rows, scores = fused_order(rankings, k=k, weights=weights)
        assert list(zip(rows.tolist(), scores.tolist(), strict=True)) == expected
        # the sums kept in a dense array of the collection's size: the same to the bit
        rows, scores = fused_order(rankings, k=k, weights=weights, size=150)
        assert list(zip(rows.tolist(), scores.tolist(), strict=True)) == expected


def test_keyword_scores_are_the_sparse_products(helpdesk):
    """Columns gathered from the CSC arrays: what scipy's `matrix[:, cols] @ weights`
    gives, to the last bit (float32, columns added in the order given)."""
    kw = helpdesk.keyword
    for words in (["password"], ["reset", "password", "link"], ["invoice", "zzz"], []):
        weights = kw.term_weights(words * 2)
        if weights:
            cols = np.fromiter(weights.keys(), dtype=np.int64)
            qw = np.fromiter(weights.values(), dtype=np.float32)
            expected = np.asarray(kw.matrix[:, cols] @ qw).ravel()
        else:
            expected = np.zeros(kw.matrix.shape[0], dtype=np.float32)
        got = kw.scores(weights)
        assert got.dtype == np.float32 and got.tobytes() == expected.tobytes()


def test_corrections_and_prefixes_are_kept_per_index(monkeypatch):
    helpdesk = build_index(HELP, "en-US")
    calls = []
    for name in ("correct", "expand_prefix"):
        real = getattr(type(helpdesk.keyword), name)
        monkeypatch.setattr(type(helpdesk.keyword), name,
                            lambda self, *a, real=real, name=name:
                            calls.append(name) or real(self, *a))
    first = helpdesk.query("subscripton warehuose", "keyword")
    again = helpdesk.query("subscripton warehuose", "keyword")
    assert first.corrected == again.corrected == {"subscripton": ["subscription"],
                                                  "warehuose": ["warehouse"]}
    assert first.hits == again.hits and calls == ["correct", "correct"]
    typed = [helpdesk.query("cancel subscr", "hybrid", prefix=True) for _twice in range(2)]
    assert typed[0].hits == typed[1].hits and calls.count("expand_prefix") == 1
    strict = helpdesk.query("subscripton", "keyword",
                            params=helpdesk.params.with_(typo_cutoff=99))
    assert strict.corrected == {} and calls.count("correct") == 3  # other knobs: asked


def test_query_words_are_kept_per_index_with_the_same_terms(helpdesk):
    """Each query word's stem and columns are found once per index (`_words`): the keyword
    weights are KeywordIndex.term_weights' (the same terms in the same order) and a query
    answers the same the first time and with its words kept."""
    fresh = build_index(HELP, "en-US")
    for query in ["reset password password", "Invoices & billing!", "pasword resett",
                  "zzz qqq", "two-factor authenticator app login"]:
        words, weights, stems, _corrected, _unknown = fresh._terms(query, DEFAULT, False)
        assert list(weights.items()) == list(fresh.keyword.term_weights(words).items())
        assert stems == {fresh.analyzer.stem(w) for w in words}
        for mode in MODES:
            assert fresh.query(query, mode) == helpdesk.query(query, mode) == \
                fresh.query(query, mode), (query, mode)
    assert fresh.cache_get("words", "password")[0] == "password"


def test_top_rows_respects_mask_and_depth():
    scores = np.array([0.5, 0.9, 0.0, 0.7, 0.8], dtype=np.float32)
    mask = np.array([True, False, True, True, True])
    assert top_rows(scores, mask, 2).tolist() == [4, 3]
    assert top_rows(scores, mask, 10).tolist() == [4, 3, 0]


def test_top_of_known_candidates_is_top_rows():
    """Ties (few distinct scores) included: the same rows in the same order."""
    rng = np.random.default_rng(11)
    for _case in range(300):
        scores = rng.integers(0, 6, 400).astype(np.float32) / 4
        mask = rng.random(400) < 0.7
        depth = int(rng.integers(1, 120))
        candidates = np.flatnonzero(mask & (scores > 0.25))
        assert top_of(scores, candidates, depth).tolist() == \
            top_rows(scores, mask, depth, 0.25).tolist()


def test_hybrid_ranking_and_total_are_both_sides_fused():
    """`_rank` finds each side's matches once: the rows, fused scores and total of each
    side's `top_rows` fused, for random scores with ties and masks."""
    index = build_index(HELP, "en-US")
    p = DEFAULT
    rng = np.random.default_rng(12)
    for _case in range(200):
        kw = (rng.integers(0, 4, 300) * rng.random()).astype(np.float32)
        sem = (rng.integers(-2, 8, 300) / 20).astype(np.float32)
        mask = rng.random(300) < 0.8
        depth = int(rng.integers(1, 150))
        rows, scores, total = index._rank("hybrid", kw, sem, mask, depth, p)
        want_rows, want_scores = fused_order(
            [top_rows(kw, mask, depth), top_rows(sem, mask, depth, p.semantic_min)],
            k=p.rrf_k, weights=[p.keyword_weight, p.semantic_weight])
        assert rows.tolist() == want_rows.tolist()
        assert scores.tolist() == want_scores.tolist()
        assert total == int(np.count_nonzero(mask & ((kw > 0) | (sem > p.semantic_min))))


def test_hybrid_ranks_what_either_side_finds(helpdesk):
    hybrid = ids(helpdesk.search("password", "hybrid"))
    assert hybrid[0] == 1
    assert set(ids(helpdesk.search("password", "keyword"))) <= set(hybrid)


def test_allowed_ids_filter_before_ranking_in_every_mode(helpdesk):
    for mode in MODES:
        full = helpdesk.query("password login", mode)
        assert 1 in ids(full.hits)
        hidden = helpdesk.query("password login", mode, allowed_ids={2, 3, 4, 5, 6})
        assert 1 not in ids(hidden.hits)
        assert hidden.total < full.total
        assert helpdesk.query("password", mode, allowed_ids=set()).total == 0


def test_prf_and_weights_are_knobs(helpdesk):
    tuned = helpdesk.params.with_(prf_docs=2, prf_terms=3, rrf_k=10, semantic_weight=0.5)
    assert ids(helpdesk.search("password", "hybrid", params=tuned))[0] == 1
    only_keyword = helpdesk.params.with_(semantic_weight=0.0)
    assert ids(helpdesk.search("invoice", "hybrid", params=only_keyword)) == \
        ids(helpdesk.search("invoice", "keyword"))


def test_prefix_matches_an_unfinished_word(helpdesk):
    assert ids(helpdesk.query("subscr", "hybrid", prefix=True).hits)[0] == 6
    assert ids(helpdesk.query("reset pass", "keyword", prefix=True).hits)[0] == 1


@pytest.mark.parametrize("query", ["", " ", "x" * 1000, "😀🔥", "' OR 1=1; DROP TABLE x --",
                                   "%_\\", "<script>alert(1)</script>", "\u200b\u0301",
                                   "a" * 5000])
def test_odd_queries_never_fail(helpdesk, query):
    for mode in MODES:
        ranking = helpdesk.query(query, mode, limit=5)
        assert ranking.total >= len(ranking.hits)


def test_empty_collection():
    index = build_index([], "en-US")
    assert index.search("anything") == []
    single = build_index([Doc(9, "Only one", "one article here")], "en-US")
    assert ids(single.search("article")) == [9]


def test_snippet_marks_matches_and_escapes_html():
    analyzer = Analyzer("en-US")
    text = "Use <b>the</b> reset link & your passwords <script>x</script> stay safe."
    html = str(snippet(text, set(analyzer("password reset")), analyzer))
    assert "<mark>reset</mark>" in html
    assert "<mark>passwords</mark>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&amp;" in html and "<b>" not in html


def test_snippet_picks_the_passage_with_the_matches():
    analyzer = Analyzer("en-US")
    text = "filler words " * 100 + "the invoice is here" + " more filler" * 100
    html = str(snippet(text, set(analyzer("invoice")), analyzer, width=80))
    assert "<mark>invoice</mark>" in html
    assert html.startswith("… ") and html.endswith(" …")
    assert len(html) < 140
    assert str(snippet("", {"x"}, analyzer)) == ""


def test_coverage_is_the_share_of_the_query_weight_a_document_holds(helpdesk):
    kw = helpdesk.keyword
    weights = kw.term_weights(["password", "invoice"])
    cover = kw.coverage(weights)
    # doc 1 holds "password", doc 2 "invoice", nobody both; the idfs are close to equal
    assert 0.3 < cover[0] < 0.7 and 0.3 < cover[1] < 0.7
    assert cover[2:].max() == 0
    assert kw.coverage(kw.term_weights(["password"]))[0] == pytest.approx(1.0)
    # a word no article uses weighs like the rarest term: one known word of three is little
    assert kw.coverage(kw.term_weights(["password"]), unknown=2)[0] < 0.4


def test_hybrid_keeps_a_keyword_match_only_when_it_covers_the_query(helpdesk):
    # "password" is in doc 1, the other two words in no article: an incidental match
    # the keyword side alone, through fusion
    # (the relevance floor off: it would list nothing for this query at all)
    no_meaning = DEFAULT.with_(semantic_weight=0.0, keyword_coverage=0.5, floor=False)
    query = "password zebra quokka"
    assert ids(helpdesk.search(query, "hybrid", params=no_meaning)) == []
    everything = no_meaning.with_(keyword_coverage=0.0)
    assert ids(helpdesk.search(query, "hybrid", params=everything)) == [1]
    # the keyword mode itself is plain BM25F and still finds it
    assert ids(helpdesk.search(query, "keyword", params=DEFAULT.with_(floor=False))) == [1]
    # a query the document covers is kept
    assert ids(helpdesk.search("reset password", "hybrid", params=no_meaning))[0] == 1
