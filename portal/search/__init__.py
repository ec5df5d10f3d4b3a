"""Knowledge-base search: per workspace and locale, a keyword index and a semantic index,
fused by reciprocal rank; built by a job, stored with a version, reloaded when it changes."""


def request_reindex(workspace_id: int) -> None:
    """Queue a rebuild of the workspace's indexes (after the change has committed), unless
    one is queued and not started yet: it reads the articles when it runs, so it covers
    this change too (RQ would otherwise queue the same job id again, and an import of
    many articles would rebuild once per article). A rebuild already running may have read
    the articles before this change: then another is queued."""
    from portal.jobs import enqueue, waiting
    from portal.search.tasks import reindex_workspace

    if waiting(f"reindex-{workspace_id}"):
        return
    enqueue(reindex_workspace, workspace_id, queue_name="low",
            job_id=f"reindex-{workspace_id}")


def init_search(app) -> None:
    """Services ask for rebuilds through the app (portal.services.article_index); the
    store's hook removes a deleted workspace's unpacked indexes (portal.search.store); a
    serving process loads the sentence model at its first request (build.warm_up)."""
    from portal.search import store  # noqa: F401  (removes a deleted workspace's folders)
    from portal.services.article_index import REINDEX

    app.extensions[REINDEX] = request_reindex

    @app.before_request
    def _warm_up():
        from portal.search.build import warm_up

        warm_up(app)
