"""Stored search indexes are data only: an `.npz` archive of numeric arrays and JSON that
loads with `allow_pickle=False` and ranks exactly like the index that was built; a pickle
in the column (an older release's, or one planted by someone who can write the database)
is never unpickled but treated as stale and rebuilt."""

import io
import json
import pickle
import zipfile

import numpy as np
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import SearchIndex
from portal.models.base import utcnow
from portal.search import build, codec, service, store
from portal.search.engine import MODES, Doc, build_index
from portal.services import articles
from portal.tenancy import use_workspace
from tests.factories import make_contact

DOCS = [
    Doc(1, "Reset your password", "Use the reset link on the sign-in page to pick a new one."),
    Doc(2, "Export reports to CSV", "Open a report and choose Export, then CSV."),
    Doc(3, "Invite teammates", "Send invitations from the members page of the account."),
    Doc(4, "Passwort zurücksetzen", "Den Link auf der Anmeldeseite nutzen."),
]
QUERIES = ["reset password", "pasword", "export csv", "invit", "members account", "zzz"]
RAN = []  # what a planted payload would append to if it were ever unpickled


def _planted_effect():
    RAN.append("code ran")
    return "not an index"


class Payload:
    def __reduce__(self):
        return (_planted_effect, ())


def archive(meta: dict, arrays: dict) -> bytes:
    """An archive laid out as codec.dumps lays it out, with metadata of the test's choice."""
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize("locale", ["en-US", "de-DE"])
def test_a_stored_index_ranks_exactly_like_the_built_one(locale):
    built = build_index(DOCS, locale)
    loaded = codec.loads(codec.dumps(built))
    for query in QUERIES:
        for mode in MODES:
            for prefix in (False, True):
                assert loaded.query(query, mode, prefix=prefix) == \
                    built.query(query, mode, prefix=prefix), (query, mode, prefix)
    assert loaded.search("reset", allowed_ids={2, 3}) == built.search("reset",
                                                                       allowed_ids={2, 3})


def test_an_empty_index_is_stored_too():
    loaded = codec.loads(codec.dumps(build_index([], "en-US")))
    assert len(loaded) == 0 and loaded.search("anything") == []


def test_the_stored_bytes_are_numeric_arrays_and_json_only():
    data = codec.dumps(build_index(DOCS, "en-US"))
    assert data.startswith(codec.ZIP_MAGIC)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:  # refuses object arrays
        for name in arrays.files:
            assert arrays[name].dtype.kind in "biufS", (name, arrays[name].dtype)


@pytest.mark.parametrize("data", [
    pickle.dumps(Payload()),
    pickle.dumps(build_index(DOCS[:2], "en-US").ids),  # a pickle of plain data: still refused
    b"PK\x03\x04 not really a zip",
    b"",
])
def test_anything_else_is_stale_and_never_unpickled(data):
    with pytest.raises(codec.Stale):
        codec.loads(data)
    assert RAN == []


def test_an_archive_of_another_format_is_stale():
    meta, arrays = build_index(DOCS, "en-US").state()
    with pytest.raises(codec.Stale):
        codec.loads(archive({**meta, "format": 1}, arrays))


def plant(ws, data: bytes) -> int:
    """What someone with write access to the table could do: a newer row with `data`."""
    with use_workspace(ws.id):
        newest = db.session.scalar(select(func.max(SearchIndex.version)).where(
            SearchIndex.workspace_id == ws.id, SearchIndex.locale == "en-US")) or 0
        db.session.add(SearchIndex(workspace_id=ws.id, locale="en-US", version=newest + 1,
                                   built_at=utcnow(), documents=1, data=data))
        db.session.commit()
    return newest + 1


def test_a_planted_pickle_in_the_database_is_not_run_but_rebuilt(app, acme, caplog):
    with use_workspace(acme.id):
        article = articles.save(acme, locale="en-US", title="Reset your password",
                                body="Use the reset link.", status="published")
        db.session.commit()
    build.rebuild_workspace(acme.id)
    planted = plant(acme, pickle.dumps(Payload()))
    assert store.current(acme.id, "en-US") is None  # stale: not loaded
    assert RAN == []
    assert "is not loaded" in caplog.text
    reader = make_contact(acme)
    result = service.search(acme, reader, "reset password", locale="en-US")  # rebuilds
    assert RAN == []
    assert [hit.article.id for hit in result.results] == [article.id]
    assert store.cached_version(acme.id, "en-US") == planted + 1


def test_a_stored_index_naming_another_sentence_model_is_not_loaded(app, acme, caplog):
    """The model is read from disk when a query is embedded: a planted row must not choose
    which files that is."""
    meta, arrays = build_index(DOCS, "en-US").state()
    meta["embedder"] = {"kind": "sentence", "reference": "/somewhere/else", "batch_size": 8}
    arrays = {k: v for k, v in arrays.items() if not k.startswith("embedder.")}
    data = archive(meta, arrays)
    assert codec.loads(data).semantic.embedder.reference == "/somewhere/else"
    plant(acme, data)
    assert store.current(acme.id, "en-US") is None
    assert "names the sentence model '/somewhere/else'" in caplog.text
