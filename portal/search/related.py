"""The "Related articles" box of an article page: other readable articles of the same
directory first, then those semantic search finds similar to its title -- only when the
other articles pass the relevance floor for that title (portal.search.floor, judged
without the article itself): no related articles rather than unrelated ones. With AI
search off that search ranks by keywords (service._allowed_mode). The search engine is
imported only when the directory does not fill the box (it is slow to import)."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Contact, Workspace
from portal.services import article_lists

LIMIT = 5


def related(ws: Workspace, reader: Contact | None, article: Article, title: str,
            locale: str, limit: int = LIMIT) -> list[Article]:
    found = article_lists.same_directory(ws, reader, article, limit)
    if len(found) >= limit:
        return found
    from portal.search import service

    try:
        hits = service.search(ws, reader, title, mode="semantic", locale=locale,
                              limit=limit, exclude=article.id).results
    except Exception:  # related articles are a nicety: never fail the page for them
        db.session.rollback()
        hits = []
    known = {a.id for a in found} | {article.id}
    wanted = [hit.article.id for hit in hits if hit.article.id not in known]
    wanted = wanted[:limit - len(found)]
    if wanted:  # results carry ids and slugs: the articles themselves, in their order
        loaded = {a.id: a for a in db.session.scalars(
            select(Article).where(Article.id.in_(wanted)))}
        found.extend(loaded[i] for i in wanted if i in loaded)
    return found
