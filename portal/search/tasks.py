"""Search jobs."""


def reindex_workspace(workspace_id: int) -> int:
    """Rebuild every locale's index of the workspace; returns how many were built."""
    from portal.search.build import rebuild_workspace

    return rebuild_workspace(workspace_id)
