"""Knowledge-base search: per workspace and locale, a keyword index and a semantic index,
fused by reciprocal rank; built by a job, stored with a version, reloaded when it changes."""


def request_reindex(workspace_id: int) -> None:
    """Queue a rebuild of the workspace's indexes (after the change has committed)."""
    from portal.jobs import enqueue
    from portal.search.tasks import reindex_workspace

    enqueue(reindex_workspace, workspace_id, queue_name="low",
            job_id=f"reindex-{workspace_id}")


def init_search(app) -> None:
    """Services ask for rebuilds through the app (portal.services.article_index); the
    store's hook removes a deleted workspace's unpacked indexes (portal.search.store)."""
    from portal.search import store  # noqa: F401  (removes a deleted workspace's folders)
    from portal.services.article_index import REINDEX

    app.extensions[REINDEX] = request_reindex
