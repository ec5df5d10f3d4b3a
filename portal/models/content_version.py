"""`Workspace.content_version`: one number per workspace that changes, in the same
transaction, with every write that changes what its public pages show (articles, their
translations, directories, publishing, audiences, the workspace's name, locales, domain and
settings, a new search index, which changes "Related articles", search synonyms). Cached
pages are keyed by it (portal.web.page_cache), so an edit is seen at once on every instance
and worker, whatever cache they use, with nothing to delete.

It is bumped here, by session events, rather than by each service: a write through any
service, the admin, an import or a job cannot forget it. Counters that pages show only in
"Popular articles" (views, votes) do not bump it: that list may be PAGE_CACHE_SECONDS old.
"""

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Delete, Update

from portal.models.kb import Article, ArticleTranslation, Directory, SearchIndex, SearchSynonym
from portal.models.workspace import Workspace
from portal.tenancy import current_workspace_id

CONTENT = (Article, ArticleTranslation, Directory, SearchSynonym)  # synonyms change results
ADDED_ONLY = (SearchIndex,)  # a new index changes related articles; old ones are pruned
COUNTERS = frozenset({"views", "helpful_yes", "helpful_no"})  # of Article
NOT_CONTENT = COUNTERS | {"content_version", "webhook_events"}  # no page shows those
CONTENT_TABLES = frozenset(model.__table__.name for model in CONTENT)


def _changed(obj) -> bool:
    """Whether a persistent object has a change other than a counter."""
    return any(attr.key not in NOT_CONTENT and attr.history.has_changes()
               for attr in inspect(obj).attrs)


def _workspace_of(obj) -> int | None:
    if isinstance(obj, Workspace):
        return obj.id
    found = obj.workspace_id
    if found is None and isinstance(obj, ArticleTranslation) and obj.article is not None:
        found = obj.article.workspace_id
    return found if found is not None else current_workspace_id()


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session: Session, _flush_context, _instances) -> None:
    changed = {_workspace_of(obj) for obj in session.new if isinstance(obj, CONTENT + ADDED_ONLY)}
    changed |= {_workspace_of(obj) for obj in session.deleted if isinstance(obj, CONTENT)}
    changed |= {_workspace_of(obj) for obj in session.dirty
                if isinstance(obj, CONTENT + (Workspace,)) and _changed(obj)}
    changed.discard(None)
    for workspace_id in changed:
        ws = session.get(Workspace, workspace_id)
        if ws is not None and ws not in session.deleted and inspect(ws).persistent:
            ws.content_version = Workspace.content_version + 1  # SQL: no lost update


@event.listens_for(Session, "do_orm_execute")
def _bump_on_statement(state: ORMExecuteState) -> None:
    """UPDATE and DELETE statements on content tables bypass the flush: bump here, in the
    same transaction (an UPDATE of counters only does not count)."""
    statement = state.statement
    if not isinstance(statement, Update | Delete):
        return
    if getattr(statement.table, "name", None) not in CONTENT_TABLES:
        return
    if isinstance(statement, Update):
        columns = {getattr(column, "key", column) for column in statement._values or ()}
        if columns and columns <= COUNTERS:  # none known (a bulk by rows): bump
            return
    bump = update(Workspace).values(content_version=Workspace.content_version + 1)
    workspace_id = current_workspace_id()
    if workspace_id is not None and not state.execution_options.get("all_workspaces"):
        bump = bump.where(Workspace.id == workspace_id)
    state.session.execute(bump)
