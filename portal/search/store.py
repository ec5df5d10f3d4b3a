"""Stored indexes: versioned rows in kb_search_index, and a per-process cache.

A rebuild writes version = newest + 1 and keeps only the two newest versions (a web
instance still reading the previous one is never left without a row). Each app keeps
{(workspace, locale): index} in app.extensions and asks the database for the newest
version at most every SEARCH_RELOAD_SECONDS (a one-row query); when it changed, it loads
the new one. The cache belongs to the app, not the module, so two apps in one process
(tests, tools) each see their own database."""

import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import SearchIndex
from portal.models.base import utcnow
from portal.search import codec, sentence
from portal.search.engine import Index
from portal.tenancy import use_workspace

KEEP = 2
CACHE_KEY = "helpport_search_cache"


@dataclass
class Cached:
    stamp: tuple      # (row id, version, built_at) of the loaded row
    index: Index
    checked: float    # time.monotonic() of the last version check


def save(ws_id: int, locale: str, index: Index) -> int:
    """Store `index` as the newest version; returns the version. The caller commits."""
    data = codec.dumps(index)
    with use_workspace(ws_id):
        for _attempt in range(3):
            newest = db.session.scalar(select(func.max(SearchIndex.version)).where(
                SearchIndex.workspace_id == ws_id, SearchIndex.locale == locale)) or 0
            try:
                with db.session.begin_nested():
                    db.session.add(SearchIndex(workspace_id=ws_id, locale=locale,
                                               version=newest + 1, built_at=utcnow(),
                                               documents=len(index), data=data))
            except IntegrityError:  # another build took this version: take the next
                continue
            db.session.execute(delete(SearchIndex).where(
                SearchIndex.workspace_id == ws_id, SearchIndex.locale == locale,
                SearchIndex.version <= newest + 1 - KEEP))
            return newest + 1
    raise RuntimeError("could not store the search index")


def newest_stamp(ws_id: int, locale: str) -> tuple | None:
    with use_workspace(ws_id):
        row = db.session.execute(
            select(SearchIndex.id, SearchIndex.version, SearchIndex.built_at)
            .where(SearchIndex.workspace_id == ws_id, SearchIndex.locale == locale)
            .order_by(SearchIndex.version.desc()).limit(1)).first()
    return tuple(row) if row else None


def _load(ws_id: int, row_id: int) -> Index | None:
    with use_workspace(ws_id):
        data = db.session.scalar(select(SearchIndex.data).where(SearchIndex.id == row_id))
    if data is None:
        return None
    try:
        index = codec.loads(data)
        # a stored sentence index names its model: only the configured one is ever loaded
        model = getattr(index.semantic.embedder, "reference", None)
        if model is not None and model != sentence.configured(current_app.config):
            raise codec.Stale(f"it names the sentence model {model!r}")
        return index
    except Exception as exc:  # an older release's pickle, or not ours: missing, rebuilt
        current_app.logger.warning("search index %s is not loaded (%s); rebuilding",
                                   row_id, exc)
        return None


def _cache() -> tuple[dict, threading.Lock]:
    ext = current_app.extensions
    if CACHE_KEY not in ext:
        ext.setdefault(CACHE_KEY, ({}, threading.Lock()))
    return ext[CACHE_KEY]


def reload_seconds() -> float:
    return float(current_app.config["SEARCH_RELOAD_SECONDS"])


def current(ws_id: int, locale: str) -> Index | None:
    """The newest stored index of (workspace, locale), from the cache when it is fresh."""
    cache, lock = _cache()
    key = (ws_id, locale)
    now = time.monotonic()
    entry = cache.get(key)
    if entry is not None and now - entry.checked < reload_seconds():
        return entry.index
    stamp = newest_stamp(ws_id, locale)
    if stamp is None:
        cache.pop(key, None)
        return None
    if entry is not None and entry.stamp == stamp:
        entry.checked = now
        return entry.index
    with lock:  # one load per version: concurrent first searches wait for it, not each
        entry = cache.get(key)  # unpacking a copy of their own
        if entry is not None and entry.stamp == stamp:
            return entry.index
        index = _load(ws_id, stamp[0])
        if index is None:
            return None
        cache[key] = Cached(stamp, index, now)
    return index


def cached_version(ws_id: int, locale: str) -> int | None:
    """The version this process is serving (for tests and diagnostics)."""
    entry = _cache()[0].get((ws_id, locale))
    return entry.stamp[1] if entry else None
