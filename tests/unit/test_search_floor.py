"""The relevance floor (issue 14, section 5): the engine lists nothing for a query its
collection cannot answer, keeps the ranking of one it can (typos included), judges only
what the reader may read; the service's suggestions, related articles and the AI search
toggle (off: keyword ranking only, in every path)."""

import numpy as np
import pytest

from portal.extensions import db
from portal.models import Directory
from portal.search import build, floor, service
from portal.search.engine import MODES, Doc, build_index
from portal.search.params import DEFAULT
from portal.search.related import related
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace

DOCS = [
    Doc(1, "Reset your password",
        "Forgot your password? Use the reset link on the sign-in page; a new password "
        "needs twelve characters."),
    Doc(2, "Invoices and billing",
        "Download every invoice from the billing page. We accept credit cards and bank "
        "transfers."),
    Doc(3, "Two-factor authentication",
        "Protect the login with a second factor from an authenticator app."),
    Doc(4, "Transfer workspace ownership",
        "The owner can hand the workspace to another admin in the settings."),
    Doc(5, "Cancel a subscription", "Cancel the plan any time in the subscription settings."),
]


@pytest.fixture(scope="module")
def index():
    return build_index(DOCS, "en-US")


def ids(hits):
    return [doc_id for doc_id, _score in hits]


@pytest.mark.parametrize("mode", MODES)
def test_a_query_the_collection_cannot_answer_lists_nothing(index, mode):
    for query in ("toner cartridge", "pizza delivery time", "sourdough bread recipe"):
        ranking = index.query(query, mode)
        assert (ranking.total, ranking.hits) == (0, []), query
    # the floor off: the same index lists something for it (what the floor is for)
    off = DEFAULT.with_(floor=False)
    assert index.search("toner cartridge", "hybrid", params=off)


@pytest.mark.parametrize("mode", MODES)
def test_an_answerable_query_keeps_its_ranking_and_typos_are_still_found(index, mode):
    off = DEFAULT.with_(floor=False)
    for query, answer in (("reset password", 1), ("pasword resett", 1),
                          ("cancle subscripton", 5), ("download invoice", 2)):
        hits = index.search(query, mode)
        assert answer in ids(hits)[:2], query
        assert hits == index.search(query, mode, params=off)  # the ranking is untouched


def test_a_loose_correction_does_not_lift_a_query_over_the_floor(index):
    # the keyword side "corrects" toner to owner (rapidfuzz ratio 80): not a near miss
    assert index.query("toner", "keyword").corrected == {"toner": ["owner"]}
    assert not floor.near_miss("toner", "owner")
    assert floor.near_miss("cancle", "cancel") and floor.near_miss("resett", "reset")
    assert floor.near_miss("authentification", "authentication")
    assert index.search("toner", "keyword") == []
    assert ids(index.search("toner", "keyword", params=DEFAULT.with_(floor=False))) == [4]


def test_the_floor_judges_only_what_the_reader_may_read(index):
    hidden_answer = {2, 3, 4, 5}  # the password article is not this reader's
    assert index.search("reset password", "hybrid", allowed_ids=hidden_answer) == []
    assert index.search("reset password", "hybrid", allowed_ids={1, 2})[0][0] == 1


def test_search_as_you_type_keeps_an_unfinished_word(index):
    assert ids(index.query("reset pass", "hybrid", prefix=True).hits)[:1] == [1]
    assert ids(index.query("cancel s", "hybrid", prefix=True).hits)[:1] == [5]
    assert index.query("toner cart", "hybrid", prefix=True).hits == []


def test_best_coverage_counts_a_word_once_and_an_unknown_word_as_the_rarest(index):
    everyone = np.ones(len(index), dtype=bool)
    groups, unknown = floor.query_groups(index, "password password", {}, False, DEFAULT)
    assert unknown == 0 and floor.best_coverage(index, groups, unknown, everyone) == 1.0
    groups, unknown = floor.query_groups(index, "password zebra", {}, False, DEFAULT)
    assert unknown == 1 and floor.best_coverage(index, groups, unknown, everyone) < 0.5
    nobody = np.zeros(len(index), dtype=bool)
    assert floor.best_coverage(index, groups, unknown, nobody) == 0.0


# -- through the service: suggestions, related articles, the AI search toggle -------------
PRINTER = "Printer drivers for the office"


def publish(ws, title, body, **kw):
    with use_workspace(ws.id):
        article = articles.save(ws, locale="en-US", title=title, body=body,
                                status="published", audience="public", **kw)
        db.session.commit()
        return article


@pytest.fixture
def kb(acme):
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    with use_workspace(acme.id):
        lonely = Directory(workspace_id=acme.id, slug="lonely", names={"en-US": "Lonely"})
        db.session.add(lonely)
        db.session.commit()
        lonely_id = lonely.id
    made = {d.id: publish(acme, d.title, d.body) for d in DOCS}
    made["printer"] = publish(acme, PRINTER,
                              "Install the printer driver from the office share.",
                              directory_id=lonely_id)
    made["vpn"] = publish(acme, "Connect to the office VPN",
                          "Install the VPN client for the office network.")
    build.rebuild_workspace(acme.id)
    return made


def test_suggestions_list_nothing_below_the_floor(kb, acme):
    assert service.suggest(acme, None, "toner cartr", locale="en-US") == []
    found = service.suggest(acme, None, "reset passw", locale="en-US")
    assert found and found[0].article.id == kb[1].id


def test_related_articles_are_none_rather_than_unrelated(kb, acme):
    # alone in its directory; only another "office" article shares a word of its title
    printer = kb["printer"]
    with use_workspace(acme.id):
        shown = [a.id for a in related(acme, None, printer, PRINTER, "en-US")]
        cancel = kb[5]  # nothing else is about subscriptions or cancelling
        assert [a.id for a in related(acme, None, cancel, DOCS[4].title, "en-US")] == []
    assert set(shown) <= {kb["vpn"].id}
    vpn_hits = service.search(acme, None, PRINTER, mode="semantic", locale="en-US",
                              exclude=printer.id)
    assert printer.id not in [h.article.id for h in vpn_hits.results]


def test_ai_search_off_means_keyword_ranking_in_every_path(kb, acme):
    def answers(mode):
        got = service.search(acme, None, "reset password", mode=mode, locale="en-US")
        return got.mode, [(h.article.id, h.score) for h in got.results]

    keyword = answers("keyword")
    assert answers("hybrid") != keyword  # AI on: fused scores
    portal_settings.change(acme, {"features.ai_search": False})
    db.session.commit()
    for mode in MODES:  # the search page and the API ask with a mode
        assert answers(mode) == keyword
    typed = service.suggest(acme, None, "reset password", locale="en-US")
    assert [(h.article.id, h.score) for h in typed] == [
        (h.article.id, h.score) for h in service._run(
            acme, None, "reset password", "keyword", "en-US", 5, prefix=True).results]
    # related articles: the engine's keyword ranking of the title, nothing semantic
    title = DOCS[0].title
    related_search = service.search(acme, None, title, mode="semantic", locale="en-US",
                                    exclude=kb[1].id)
    assert related_search.mode == "keyword"
