"""Stored indexes: versioned rows in kb_search_index, and a per-process cache.

A rebuild writes version = newest + 1 and keeps only the two newest versions (a web
instance still reading the previous one is never left without a row). Each app keeps
{(workspace, locale): index} in app.extensions and asks the database for the newest
version at most every SEARCH_RELOAD_SECONDS (a one-row query); when it changed, it loads
the new one. The cache belongs to the app, not the module, so two apps in one process
(tests, tools) each see their own database.

Memory (issue 11, part 3): an index is loaded on its first search, not before. The row is
unpacked once per machine into a folder of array files under SEARCH_INDEX_DIR (one per
database, workspace, locale and version, written atomically; older versions' folders are
removed) and memory-mapped from there, so every worker process reads the same pages of
the OS page cache instead of holding a copy of its own. The row stays the truth: a
missing or broken folder is written again from it (another machine writes its own). A
process keeps at most SEARCH_CACHE_INDEXES indexes and drops one unused for
SEARCH_CACHE_IDLE_SECONDS (least recently used first)."""

import hashlib
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy.exc import IntegrityError

from portal.aftercommit import after_commit
from portal.extensions import db
from portal.models import SearchIndex, Workspace
from portal.models.base import utcnow
from portal.search import codec, sentence
from portal.search.engine import Index
from portal.tenancy import use_workspace

KEEP = 2
CACHE_KEY = "helpport_search_cache"
SWEEP_SECONDS = 30.0  # idle indexes are looked for at most this often
TMP_MAX_AGE = 600.0  # a half-written folder older than this was left by a dead process


@dataclass
class Cached:
    stamp: tuple      # (row id, version, built_at) of the loaded row
    index: Index
    checked: float    # time.monotonic() of the last version check
    used: float = 0.0  # time.monotonic() of the last search that asked for it


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


def drop_other_locales(ws_id: int, kept: list[str]) -> None:
    """Delete the rows of locales that no longer get an index (the caller commits)."""
    with use_workspace(ws_id):
        db.session.execute(delete(SearchIndex).where(SearchIndex.workspace_id == ws_id,
                                                     SearchIndex.locale.not_in(kept)))


def newest_stamp(ws_id: int, locale: str) -> tuple | None:
    with use_workspace(ws_id):
        row = db.session.execute(
            select(SearchIndex.id, SearchIndex.version, SearchIndex.built_at)
            .where(SearchIndex.workspace_id == ws_id, SearchIndex.locale == locale)
            .order_by(SearchIndex.version.desc()).limit(1)).first()
    return tuple(row) if row else None


def workspace_folder(ws_id: int) -> Path | None:
    """The folder of a workspace's unpacked indexes on this machine, every locale and
    version (None: SEARCH_INDEX_DIR unset)."""
    root = current_app.config.get("SEARCH_INDEX_DIR")
    if not root:
        return None
    database = hashlib.sha256(str(current_app.config["DATABASE_URL"]).encode()).hexdigest()
    return Path(root) / database[:16] / str(int(ws_id))


def folder(ws_id: int, locale: str, stamp: tuple) -> Path | None:
    """Where the row `stamp` is unpacked on this machine (None: SEARCH_INDEX_DIR unset)."""
    where = workspace_folder(ws_id)
    if where is None:
        return None
    row_id, version, built_at = stamp
    built = built_at.strftime("%Y%m%dT%H%M%S%f") if built_at else "0"
    return where / locale.replace("/", "_") / f"{int(version)}-{int(row_id)}-{built}"


@event.listens_for(Workspace, "after_delete")
def _workspace_deleted(_mapper, _connection, ws: Workspace) -> None:
    """A deleted workspace's index rows go with it (foreign key cascade); its unpacked
    folders on this machine are removed once the deletion has committed (nothing happens
    on a rollback). Another machine's folders stay until its SEARCH_INDEX_DIR is cleared:
    no process there loads them again (their rows are gone)."""
    session = inspect(ws).session
    where = workspace_folder(ws.id)
    if session is not None and where is not None:
        after_commit(session, _remove_workspace, current_app._get_current_object(),
                     ws.id, where)


def _remove_workspace(app, ws_id: int, where: Path) -> None:
    cache = app.extensions.get(CACHE_KEY, ({},))[0]
    for key in [k for k in list(cache) if k[0] == ws_id]:
        cache.pop(key, None)  # this process's copies: never asked for again
    shutil.rmtree(where, ignore_errors=True)  # a missing folder is fine


def _checked(index: Index) -> Index:
    # a stored sentence index names its model: only the configured one is ever loaded
    model = getattr(index.semantic.embedder, "reference", None)
    if model is not None and model != sentence.configured(current_app.config):
        raise codec.Stale(f"it names the sentence model {model!r}")
    return index


def _tidy(kept: Path) -> None:
    """Remove the folders of older versions next to `kept` (a process still mapping one
    keeps its pages until it lets go: unlinked files live on while mapped), half-written
    ones of dead processes, and "newer" ones left long ago (a database restored from a
    backup numbers its versions again)."""
    version = int(kept.name.split("-", 1)[0])
    for other in kept.parent.iterdir():
        try:
            old = time.time() - other.stat().st_mtime > TMP_MAX_AGE
            if other.name.startswith(".tmp-"):
                if old:
                    shutil.rmtree(other, ignore_errors=True)
            elif other != kept and (int(other.name.split("-", 1)[0]) < version or old):
                shutil.rmtree(other, ignore_errors=True)
        except (OSError, ValueError):
            continue


def _load(ws_id: int, locale: str, stamp: tuple) -> Index | None:
    where = folder(ws_id, locale, stamp)
    try:
        if where is not None and where.is_dir():
            try:
                return _checked(codec.open_folder(where))
            except codec.Stale:  # broken on disk: written again from the row below
                shutil.rmtree(where, ignore_errors=True)
        with use_workspace(ws_id):
            data = db.session.scalar(select(SearchIndex.data)
                                     .where(SearchIndex.id == stamp[0]))
        if data is None:
            return None
        if where is None:
            return _checked(codec.loads(data))
        try:
            codec.unpack(data, where)
        except OSError as exc:  # a read-only or full disk: this process's memory instead
            current_app.logger.warning("search index %s kept in memory (%s)", stamp[0], exc)
            return _checked(codec.loads(data))
        _tidy(where)
        return _checked(codec.open_folder(where))
    except Exception as exc:  # an older release's format, or not ours: missing, rebuilt
        current_app.logger.warning("search index %s is not loaded (%s); rebuilding",
                                   stamp[0], exc)
        return None


def _cache() -> tuple[dict, threading.Lock]:
    ext = current_app.extensions
    if CACHE_KEY not in ext:
        ext.setdefault(CACHE_KEY, ({}, threading.Lock(), [0.0]))
    return ext[CACHE_KEY][:2]


def reload_seconds() -> float:
    return float(current_app.config["SEARCH_RELOAD_SECONDS"])


def _evict(cache: dict, now: float) -> None:
    """Under the lock: drop indexes idle too long, then the least recently used ones
    beyond the cap. A search still using one keeps it until it is done."""
    idle = float(current_app.config["SEARCH_CACHE_IDLE_SECONDS"])
    limit = max(1, int(current_app.config["SEARCH_CACHE_INDEXES"]))
    for key, entry in list(cache.items()):
        if idle > 0 and now - entry.used > idle:
            cache.pop(key, None)
    if len(cache) > limit:
        by_use = sorted(cache.items(), key=lambda item: item[1].used)
        for key, _entry in by_use[:len(cache) - limit]:
            cache.pop(key, None)


def _sweep(now: float) -> None:
    """Evict idle indexes, at most every SWEEP_SECONDS (also when nothing new loads)."""
    swept = current_app.extensions[CACHE_KEY][2]
    if now - swept[0] < SWEEP_SECONDS:
        return
    cache, lock = _cache()
    with lock:
        swept[0] = now
        _evict(cache, now)


def current(ws_id: int, locale: str) -> Index | None:
    """The newest stored index of (workspace, locale), from the cache when it is fresh."""
    cache, lock = _cache()
    key = (ws_id, locale)
    now = time.monotonic()
    _sweep(now)
    entry = cache.get(key)
    if entry is not None and now - entry.checked < reload_seconds():
        entry.used = now
        return entry.index
    stamp = newest_stamp(ws_id, locale)
    if stamp is None:
        cache.pop(key, None)
        return None
    if entry is not None and entry.stamp == stamp:
        entry.checked = entry.used = now
        return entry.index
    with lock:  # one load per version: concurrent first searches wait for it, not each
        entry = cache.get(key)  # unpacking a copy of their own
        if entry is not None and entry.stamp == stamp:
            entry.used = now
            return entry.index
        index = _load(ws_id, locale, stamp)
        if index is None:
            return None
        cache[key] = Cached(stamp, index, now, now)
        _evict(cache, now)
    return index


def cached_version(ws_id: int, locale: str) -> int | None:
    """The version this process is serving (for tests and diagnostics)."""
    entry = _cache()[0].get((ws_id, locale))
    return entry.stamp[1] if entry else None
