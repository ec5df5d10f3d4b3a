"""Search indexes and memory (issue 11, part 3): vocabularies as sorted arrays, indexes
unpacked once per machine into version folders and memory-mapped from there (rebuilt from
the database row when the folder is missing or broken), loaded on the first search only,
evicted when unused, and built only for the locales that have articles."""

import shutil
import time

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from portal.extensions import db
from portal.search import build, codec, service, store
from portal.search.engine import MODES, Doc, build_index
from portal.search.semantic import char_ngrams
from portal.search.terms import Terms
from portal.services import articles
from portal.tenancy import use_workspace
from tests.factories import make_contact
from tests.threads import at_once

DOCS = [
    Doc(1, "Reset your password", "Use the reset link on the sign-in page to pick a new one."),
    Doc(2, "Export reports to CSV", "Open a report and choose Export, then CSV."),
    Doc(3, "Invite teammates", "Send invitations from the members page of the account."),
    Doc(4, "Passwort zurücksetzen", "Den Link auf der Anmeldeseite nutzen, Grüße."),
]


def publish(ws, title, body, locale="en-US", article=None):
    with use_workspace(ws.id):
        saved = articles.save(ws, locale=locale, title=title, body=body, status="published",
                              **({"article": article} if article is not None else {}))
        db.session.commit()
        return saved


def folders(app, ws_id, locale="en-US"):
    where = store.folder(ws_id, locale, (1, 1, None)).parent
    return sorted(p.name for p in where.iterdir()) if where.is_dir() else []


@pytest.fixture
def fresh_cache(app):
    store._cache()[0].clear()  # a process that has not searched yet, on a new machine
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"], ignore_errors=True)
    yield
    store._cache()[0].clear()


def test_terms_find_columns_prefixes_and_unicode():
    terms = Terms.of(["zebra", "apple", "grüße", "app", "apple"])
    assert list(terms) == ["app", "apple", "grüße", "zebra"]
    assert terms.columns(["apple", "nope", "zebra", "grüße", "x" * 200]).tolist() == \
        [1, -1, 3, 2, -1]
    assert "app" in terms and "ap" not in terms and 5 not in terms
    assert terms.decode(slice(*terms.prefix_range("app"))) == ["app", "apple"]
    assert terms.prefix_range("q") == (3, 3)
    empty = Terms.of([])
    assert len(empty) == 0 and empty.columns(["a"]).tolist() == [-1]


def test_character_ngrams_are_sklearns():
    sklearn = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()
    for text in ["Grüße  aus\tKöln", "a b cd", "", "Printer CONNECTS over wi-fi!"]:
        assert char_ngrams(text) == sklearn(text)


@pytest.mark.parametrize("locale", ["en-US", "de-DE"])
def test_an_unpacked_folder_is_mapped_and_ranks_like_the_built_index(tmp_path, locale,
                                                                      monkeypatch):
    monkeypatch.setattr(codec, "MAP_MIN_BYTES", 0)  # every array mapped, the empty ones too
    built = build_index(DOCS * 5, locale)  # 20 documents: LSA with character n-grams
    codec.unpack(codec.dumps(built), tmp_path / "v1")
    loaded = codec.open_folder(tmp_path / "v1")
    assert isinstance(loaded.semantic.embedder.projection, np.memmap)
    assert loaded.semantic.embedder.projection.dtype == np.float16
    assert not list(tmp_path.glob(".tmp-*"))
    for query in ["reset password", "pasword", "export csv", "invit", "zurucksetzen"]:
        for mode in MODES:
            for prefix in (False, True):
                assert loaded.query(query, mode, prefix=prefix) == \
                    built.query(query, mode, prefix=prefix), (query, mode, prefix)


def test_the_vocabularies_are_arrays_not_dicts():
    meta, arrays = build_index(DOCS * 5, "en-US").state()
    assert set(meta["keyword"]) == set()  # no word lists in the JSON
    assert arrays["keyword.vocab"].dtype.kind == "S"
    assert arrays["embedder.chars"].dtype.kind == "S"
    assert "chars" not in str(meta["embedder"].get("chars"))


def test_the_first_search_loads_and_a_rebuild_alone_does_not(app, acme, fresh_cache):
    publish(acme, "Printer setup", "Connect the printer over wifi.")
    build.rebuild_workspace(acme.id)
    store._cache()[0].clear()
    assert store.cached_version(acme.id, "en-US") is None
    assert folders(app, acme.id) == []  # nothing unpacked before a search needs it
    index = store.current(acme.id, "en-US")
    assert index.search("printer", "keyword")
    assert len(folders(app, acme.id)) == 1


def test_a_missing_or_broken_folder_is_written_again_from_the_row(app, acme, fresh_cache):
    article = publish(acme, "Printer setup", "Connect the printer over wifi.")
    build.rebuild_workspace(acme.id)
    first = store.current(acme.id, "en-US").search("printer")
    stamp = store.newest_stamp(acme.id, "en-US")
    where = store.folder(acme.id, "en-US", stamp)
    for damage in ("remove", "break"):
        store._cache()[0].clear()  # another process on this machine, or a restart
        if damage == "remove":
            for path in where.iterdir():
                path.unlink()
            where.rmdir()
        else:
            (where / "meta.npy").write_bytes(b"not an array")
        assert store.current(acme.id, "en-US").search("printer") == first
        assert (where / "meta.npy").is_file()
    assert first[0][0] == article.id


def test_a_second_process_maps_the_folder_without_reading_the_row(app, acme, fresh_cache,
                                                                  monkeypatch):
    publish(acme, "Printer setup", "Connect the printer over wifi.")
    build.rebuild_workspace(acme.id)
    assert store.current(acme.id, "en-US") is not None
    store._cache()[0].clear()

    def no_unpack(*_args):
        raise AssertionError("the folder exists: nothing to unpack")

    monkeypatch.setattr(codec, "unpack", no_unpack)
    assert store.current(acme.id, "en-US").search("printer", "keyword")


def test_a_new_version_removes_the_older_folder(app, acme, fresh_cache):
    publish(acme, "Printer setup", "Connect the printer over wifi.")
    build.rebuild_workspace(acme.id)
    store.current(acme.id, "en-US")
    old = folders(app, acme.id)
    publish(acme, "Scanner setup", "Connect the scanner over wifi.")
    build.rebuild_workspace(acme.id)
    assert store.current(acme.id, "en-US").search("scanner", "keyword")
    new = folders(app, acme.id)
    assert len(old) == len(new) == 1
    assert old[0].startswith("1-") and new[0].startswith("2-")


def test_least_recently_used_indexes_are_evicted(app, acme, globex, fresh_cache):
    for ws in (acme, globex):
        publish(ws, "Printer setup", "Connect the printer over wifi.")
        build.rebuild_workspace(ws.id)
    app.config["SEARCH_CACHE_INDEXES"] = 1
    try:
        store.current(acme.id, "en-US")
        assert store.cached_version(acme.id, "en-US") is not None
        assert store.current(globex.id, "en-US") is not None
        assert store.cached_version(acme.id, "en-US") is None  # the cap let it go
        assert store.cached_version(globex.id, "en-US") is not None
    finally:
        app.config["SEARCH_CACHE_INDEXES"] = 32
    # an evicted index comes back on its next search
    assert store.current(acme.id, "en-US").search("printer", "keyword")


def test_idle_indexes_are_evicted(app, acme, globex, fresh_cache, monkeypatch):
    for ws in (acme, globex):
        publish(ws, "Printer setup", "Connect the printer over wifi.")
        build.rebuild_workspace(ws.id)
    monkeypatch.setattr(store, "SWEEP_SECONDS", 0.0)
    monkeypatch.setitem(app.config, "SEARCH_CACHE_IDLE_SECONDS", 0.2)
    store.current(acme.id, "en-US")
    time.sleep(0.3)
    store.current(globex.id, "en-US")  # any search sweeps
    assert store.cached_version(acme.id, "en-US") is None
    assert store.cached_version(globex.id, "en-US") is not None


def test_only_locales_with_articles_get_an_index(app, acme, fresh_cache, monkeypatch):
    article = publish(acme, "Printer setup", "Connect the printer over wifi.")
    assert build.rebuild_workspace(acme.id) == 1
    assert build.locales(acme) == ["en-US"]
    assert store.newest_stamp(acme.id, "de-DE") is None
    rebuilds = []
    real = build.rebuild_workspace
    monkeypatch.setattr(build, "rebuild_workspace",
                        lambda ws_id, *a: rebuilds.append(ws_id) or real(ws_id, *a))
    reader = make_contact(acme)
    for _ in range(2):  # German readers search the default locale's index, no rebuild
        result = service.search(acme, reader, "printer", locale="de-DE")
        assert [hit.article.id for hit in result.results] == [article.id]
    assert rebuilds == []
    publish(acme, "Drucker einrichten", "Den Drucker über WLAN verbinden.", locale="de-DE",
            article=article)
    assert real(acme.id) == 2
    assert store.current(acme.id, "de-DE").search("drucker", "keyword")


def test_concurrent_first_searches_unpack_one_folder(app, acme, fresh_cache, monkeypatch):
    publish(acme, "Printer setup", "Connect the printer over wifi.")
    build.rebuild_workspace(acme.id)
    store._cache()[0].clear()
    ws_id = acme.id
    unpacked = []
    real = codec.unpack

    def counted(data, where):
        unpacked.append(where)
        time.sleep(0.1)
        real(data, where)

    monkeypatch.setattr(codec, "unpack", counted)

    served, failures = at_once(
        app, lambda: store.current(ws_id, "en-US").search("printer", "keyword"))
    assert failures == [] and len(unpacked) == 1
    assert len(served) == 8 and all(s == served[0] and s for s in served)


def test_a_deleted_workspaces_folders_go_after_the_commit(app, fresh_cache):
    """Deleting a workspace removes its unpacked indexes (every locale) and this process's
    copies once the deletion has committed; a rolled-back deletion keeps them, and a
    workspace that never searched (no folder) is deleted without error."""
    from portal.models import Workspace
    from tests.factories import make_workspace

    ws, other = make_workspace(), make_workspace()
    for each in (ws, other):
        publish(each, "Printer setup", "Connect the printer over wifi.")
        build.rebuild_workspace(each.id)
        db.session.commit()
        assert store.current(each.id, "en-US").search("printer")
    ws_id, where = ws.id, store.workspace_folder(ws.id)
    assert where.is_dir() and store.workspace_folder(other.id).is_dir()

    db.session.delete(ws)
    db.session.flush()
    db.session.rollback()
    assert where.is_dir() and (ws_id, "en-US") in store._cache()[0]

    db.session.delete(db.session.get(Workspace, ws_id))
    db.session.commit()
    assert not where.exists() and (ws_id, "en-US") not in store._cache()[0]
    assert store.workspace_folder(other.id).is_dir()  # the other workspace's stay
    assert store.current(other.id, "en-US").search("printer")

    never = make_workspace()
    db.session.delete(never)
    db.session.commit()
    assert db.session.get(Workspace, never.id) is None
