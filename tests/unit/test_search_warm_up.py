"""A serving process loads the sentence model at its first request, in the background, so
its first search does not wait for PyTorch and the model (portal.search.build.warm_up)."""

import threading

from portal.search import build, sentence


def warm_up_threads():
    return [t for t in threading.enumerate() if t.name == "sentence-model-warm-up"]


def test_the_first_request_loads_the_model_once(app, client, monkeypatch):
    loaded = []
    monkeypatch.setattr(build, "_warmed", set())
    monkeypatch.setitem(app.config, "SEARCH_EMBEDDER", "sentence")
    monkeypatch.setattr(sentence, "load_model", loaded.append)
    client.get("/healthz")
    for thread in warm_up_threads():
        thread.join(10)
    client.get("/healthz")
    for thread in warm_up_threads():
        thread.join(10)
    assert loaded == [sentence.configured(app.config)]


def test_nothing_is_loaded_where_searches_use_lsa(app, client, monkeypatch):
    loaded = []
    monkeypatch.setattr(build, "_warmed", set())
    monkeypatch.setattr(sentence, "load_model", loaded.append)
    assert app.config["SEARCH_EMBEDDER"] == "lsa"
    client.get("/healthz")
    assert warm_up_threads() == [] and loaded == []
    monkeypatch.setitem(app.config, "SEARCH_EMBEDDER", "auto")
    monkeypatch.setitem(app.config, "SEARCH_EMBEDDING_LOCALES", [])
    monkeypatch.setattr(build, "_warmed", set())
    client.get("/healthz")
    assert warm_up_threads() == [] and loaded == []


def test_a_model_that_cannot_load_leaves_the_request_alone(app, client, monkeypatch, caplog):
    def broken(_reference):
        raise sentence.EmbeddingsUnavailable("no model here")

    monkeypatch.setattr(build, "_warmed", set())
    monkeypatch.setitem(app.config, "SEARCH_EMBEDDER", "sentence")
    monkeypatch.setattr(sentence, "load_model", broken)
    assert client.get("/healthz").status_code == 200
    for thread in warm_up_threads():
        thread.join(10)
    assert "could not load the sentence model" in caplog.text


def test_the_setting_turns_it_off(app, client, monkeypatch):
    loaded = []
    monkeypatch.setattr(build, "_warmed", set())
    monkeypatch.setitem(app.config, "SEARCH_EMBEDDER", "sentence")
    monkeypatch.setitem(app.config, "SEARCH_WARM_UP", False)
    monkeypatch.setattr(sentence, "load_model", loaded.append)
    client.get("/healthz")
    assert warm_up_threads() == [] and loaded == []


def test_the_model_a_deployment_uses(monkeypatch):
    """SEARCH_EMBEDDER as the config documents it: "sentence" always, "auto" when the model
    is installed, anything else (LSA) never; and none without a locale it reads."""
    def uses(choice, installed=True, locales=("en",)):
        monkeypatch.setattr(sentence, "available", lambda _reference: installed)
        return build.sentence_model_in_use({"SEARCH_EMBEDDER": choice, "SEARCH_EMBEDDING_MODEL":
                                            "model-dir", "SEARCH_EMBEDDING_LOCALES": locales})

    assert uses("sentence") == uses("auto") == uses("sentence", installed=False) == "model-dir"
    assert uses("auto", installed=False) is None
    assert uses("lsa") is None and uses("LSA ") is None
    assert uses("auto", locales=[]) is None
