"""Searches run on gunicorn's threads at once: stemming and the first load of an index must
be right and single under concurrency (issue 11, part 0)."""

import sys
import threading
import time

import pytest
import snowballstemmer

from portal.search import analysis, build, store
from portal.services import articles
from portal.tenancy import use_workspace
from tests.threads import at_once

BASES = ["connect", "nation", "relate", "happy", "generous", "print", "organ", "sensitiv",
         "drucker", "verbind", "zahl", "rechnung", "abonn", "hoffnung", "schnell"]
ENDINGS = ["", "s", "ing", "ed", "ness", "ational", "ization", "fulness", "iveness",
           "ungen", "lich", "keit", "heiten", "isch", "ern", "est", "ly", "ements"]
WORDS = [b + e for b in BASES for e in ENDINGS] + [f"w{n}ization" for n in range(600)]


@pytest.fixture
def fast_switching():
    """Threads swap every microsecond, so a shared stemmer's state would be interleaved."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.parametrize("lang", ["english", "german"])
def test_sixteen_threads_stem_as_one_thread_would(lang, fast_switching, monkeypatch):
    monkeypatch.setattr(analysis, "_stems", {})  # every thread stems, none reads a cache
    alone = snowballstemmer.stemmer(lang)
    expected = [alone.stemWord(w) for w in WORDS]
    results, failures = {}, []

    def work(n):
        try:
            words = WORDS[n % 7:] + WORDS[:n % 7]  # threads meet the words in other orders
            got = [analysis.stem_word(lang, w) for w in words]
            results[n] = got[len(WORDS) - n % 7:] + got[:len(WORDS) - n % 7]
        except Exception as exc:  # noqa: BLE001  (the old shared stemmer raised IndexError)
            failures.append(repr(exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert all(results[n] == expected for n in range(16))


def test_the_stem_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr(analysis, "_stems", {})
    monkeypatch.setattr(analysis, "STEM_CACHE_MAX", 10)
    stems = [analysis.stem_word("english", w) for w in WORDS[:50]]
    assert len(analysis._stems["english"]) == 10
    assert stems == [snowballstemmer.stemmer("english").stemWord(w) for w in WORDS[:50]]


def test_concurrent_first_searches_load_the_index_once(app, acme, monkeypatch):
    with use_workspace(acme.id):
        articles.save(acme, locale="en-US", title="Printer setup", status="published",
                      body="Connect the printer over wifi.", audience="public")
    build.rebuild_workspace(acme.id)
    store._cache()[0].clear()  # a process that has not searched yet
    ws_id = acme.id  # read here: `acme` belongs to this thread's session
    loads = []
    real_load = store._load

    def slow_load(ws_id, locale, stamp):
        loads.append(stamp)
        time.sleep(0.2)  # unpacking a large index takes a while
        return real_load(ws_id, locale, stamp)

    monkeypatch.setattr(store, "_load", slow_load)
    served, failures = at_once(app, lambda: store.current(ws_id, "en-US"))
    assert failures == []
    assert len(loads) == 1
    assert len(served) == 8 and all(index is served[0] for index in served)
    assert served[0].search("printer", "keyword")
