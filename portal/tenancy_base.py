"""What the tenancy guard's modules share: its errors and the workspace-owned mixin.

portal.tenancy re-exports them; portal.tenancy_sql and portal.tenancy_references import
them from here, so that none of the three imports another in a circle.
"""

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column


class TenancyError(RuntimeError):
    """A workspace rule that the database layer refuses to break."""


class NoWorkspace(TenancyError):
    """A workspace-owned query was made without a current workspace."""


class UnscopedStatement(TenancyError):
    """A statement the guard cannot scope to the workspace; write it with the models, or opt
    out with `.execution_options(all_workspaces=True)` when it is platform work."""


class CrossWorkspaceReference(TenancyError):
    """A row would refer to a row of another workspace."""


class WorkspaceScoped:
    # active history: a change always knows the stored value (the flush check refuses moves)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True, active_history=True
    )
