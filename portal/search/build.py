"""Build the stored indexes of a workspace from its articles.

One index per locale that has articles (the default locale, and each enabled locale with
at least one published translation), over ALL published articles of every audience: who
may see what is decided per query (allowed ids, before ranking), so one index serves every
reader. An article without a translation in the locale is indexed in the workspace's
default locale (the same fallback the article page uses); a locale without any
translation is searched in the default locale's index (it would hold the same texts)."""

import logging
import os
import threading
from collections.abc import Callable

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Article, ArticleTranslation, Workspace
from portal.search import sentence, store
from portal.search.engine import Doc, build_index, lsa_embedder
from portal.search.params import DEFAULT, Params
from portal.services import article_content
from portal.tenancy import use_workspace

log = logging.getLogger("portal.search")


def enabled_locales(ws: Workspace) -> list[str]:
    enabled = list(ws.enabled_locales or [])
    return enabled if ws.default_locale in enabled else [ws.default_locale, *enabled]


def locales(ws: Workspace) -> list[str]:
    """The locales with an index of their own: the default one, and the enabled ones
    that have a published translation."""
    enabled = enabled_locales(ws)
    with use_workspace(ws.id):
        written = set(db.session.scalars(
            select(ArticleTranslation.locale).distinct()
            .join(Article, Article.id == ArticleTranslation.article_id)
            .where(Article.workspace_id == ws.id, Article.status == "published",
                   ArticleTranslation.locale.in_(enabled))))
    return [loc for loc in enabled if loc == ws.default_locale or loc in written]


def has_locale(ws: Workspace, locale: str) -> bool:
    """`locale in locales(ws)`, without reading every translation: the default locale
    needs no query, another enabled one the first published translation in it (the
    DISTINCT of `locales` read all 10k rows: ~8 ms per search, issue 11)."""
    if locale == ws.default_locale:
        return True
    if locale not in enabled_locales(ws):
        return False
    with use_workspace(ws.id):
        return db.session.scalar(
            select(ArticleTranslation.id)
            .join(Article, Article.id == ArticleTranslation.article_id)
            .where(Article.workspace_id == ws.id, Article.status == "published",
                   ArticleTranslation.locale == locale).limit(1)) is not None


def article_text(article: Article, locale: str, fallback: str) -> tuple[str, str]:
    """(title, plain text) of the article in `locale` (or the fallback): the description
    and the body as a reader sees it (Markdown rendered to text, file text as extracted)."""
    tr = article.translation(locale, fallback)
    if tr is None:
        return article.slug, ""
    body = article_content.html_text(tr.body_html)[1] if tr.body_html else tr.body or ""
    return tr.title, f"{tr.description}\n{body}".strip()


def published_count(ws_id: int) -> int:
    with use_workspace(ws_id):
        return db.session.scalar(select(func.count(Article.id)).where(
            Article.workspace_id == ws_id, Article.status == "published")) or 0


def params() -> Params:
    """The deployment's knobs: app.config["SEARCH_PARAMS"] (a dict) over the defaults."""
    overrides = current_app.config.get("SEARCH_PARAMS") or {}
    return DEFAULT.with_(**overrides) if overrides else DEFAULT


def _sentence_model(locale: str) -> str | None:
    """The sentence model to use for `locale` (SEARCH_EMBEDDER, see config), or None."""
    cfg = current_app.config
    reads = any(locale.lower().startswith(prefix.lower())
                for prefix in cfg.get("SEARCH_EMBEDDING_LOCALES") or ())
    return sentence_model_in_use(cfg) if reads else None


def sentence_model_in_use(cfg) -> str | None:
    """The sentence model some locale's searches use in this deployment, or None."""
    choice, model = cfg["SEARCH_EMBEDDER"], sentence.configured(cfg)
    if not cfg.get("SEARCH_EMBEDDING_LOCALES"):
        return None
    if choice == "sentence" or (choice == "auto" and sentence.available(model)):
        return model
    return None


_warmed: set[int] = set()  # the processes that have started loading the model
_warm_lock = threading.Lock()


def warm_up(app) -> None:
    """Load the sentence model in the background at a serving process's first request, so
    that its first search does not wait for PyTorch and the model (~5-7 s here). Once per
    process (pid: a forked server worker starts its own); not at import or app creation,
    which CLI commands and a forking server's master also do. The thread is not a daemon:
    a process stopped meanwhile waits for the load to end instead of being killed inside
    PyTorch (see portal.jobs.worker.finish_at_exit)."""
    pid = os.getpid()
    if pid in _warmed:
        return
    with _warm_lock:
        if pid in _warmed:
            return
        _warmed.add(pid)
    model = sentence_model_in_use(app.config) if app.config["SEARCH_WARM_UP"] else None
    if model is None:
        return

    def load():
        try:
            sentence.load_model(model)
        except Exception:  # the first search reports it as it always did
            log.warning("could not load the sentence model %s ahead of the first search",
                        model, exc_info=True)

    threading.Thread(target=load, name="sentence-model-warm-up").start()


def embedder_factory(locale: str, progress: Callable[[int], None] | None = None):
    """LSA, or the sentence model for the locales it reads; `progress` hears of every
    article the model reads (it is most of a build's time)."""
    model = _sentence_model(locale)
    if model is None:
        return lsa_embedder
    return lambda _analyzer, _params, _size: sentence.SentenceEmbedder(model,
                                                                       progress=progress)


def steps(ws: Workspace) -> int:
    """Progress units of `rebuild_workspace`: each article once per locale, and once more
    where a sentence model reads it."""
    count = published_count(ws.id)
    return sum(count * (2 if _sentence_model(loc) else 1) for loc in locales(ws))


def rebuild_workspace(workspace_id: int,
                      progress: Callable[[int], None] | None = None) -> int:
    """Build and store every locale's index; returns how many were built.
    `progress(n)` is called as documents are prepared (n per call) for progress bars."""
    ws = db.session.get(Workspace, workspace_id)
    if ws is None:
        return 0
    with use_workspace(ws.id):
        found = list(db.session.scalars(
            select(Article).where(Article.workspace_id == ws.id,
                                  Article.status == "published")
            .options(selectinload(Article.translations)).order_by(Article.id)))
        built = 0
        wanted = locales(ws)
        for locale in wanted:
            docs = []
            for article in found:
                title, text = article_text(article, locale, ws.default_locale)
                docs.append(Doc(article.id, title, text))
                if progress:
                    progress(1)
            index = build_index(docs, locale, params(), embedder_factory(locale, progress))
            store.save(ws.id, locale, index)
            built += 1
        store.drop_other_locales(ws.id, wanted)
        db.session.commit()
    return built
