"""portal settings document: draft and publish history; Workspace.settings becomes the
published document

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 18:15:00

Workspace.settings held flat keys (kb_access, tickets_enabled, attachment_max_bytes,
attachment_extensions, reopen_window_days, logo_url); it now holds the published portal
settings document (portal.schemas.portal_settings), and those keys move into it:
features.knowledge_base, features.tickets (true -> private, false -> off), tickets.*,
appearance.logo. The custom domain column stays (lookups use it) and is copied into
domain.custom_portal_url. Downgrade puts the flat keys back.
"""
import json

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TICKET_KEYS = ("attachment_max_bytes", "attachment_extensions", "reopen_window_days")


def _loaded(value):
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def nested(flat: dict, custom_domain) -> dict:
    """The document for a workspace's old flat settings (what is absent stays absent:
    the reader gives defaults)."""
    if "features" in flat or "appearance" in flat:
        return flat  # already a document
    doc: dict = {}
    features = {}
    if flat.get("kb_access") in ("off", "private", "public"):
        features["knowledge_base"] = flat["kb_access"]
    if isinstance(flat.get("tickets_enabled"), bool):
        features["tickets"] = "private" if flat["tickets_enabled"] else "off"
    if features:
        doc["features"] = features
    tickets = {key: flat[key] for key in TICKET_KEYS if key in flat}
    if tickets:
        doc["tickets"] = tickets
    if isinstance(flat.get("logo_url"), str) and flat["logo_url"]:
        doc["appearance"] = {"logo": flat["logo_url"]}
    if custom_domain:
        doc["domain"] = {"custom_portal_url": f"https://{custom_domain}"}
    return doc


def flat(doc: dict) -> dict:
    found = {}
    features = doc.get("features") or {}
    if "knowledge_base" in features:
        found["kb_access"] = features["knowledge_base"]
    if "tickets" in features:
        found["tickets_enabled"] = features["tickets"] != "off"
    found.update({key: value for key, value in (doc.get("tickets") or {}).items()
                  if key in TICKET_KEYS})
    logo = (doc.get("appearance") or {}).get("logo")
    if logo:
        found["logo_url"] = logo
    return found


def _rewrite(convert) -> None:
    conn = op.get_bind()
    workspace = sa.table("workspace", sa.column("id", sa.Integer), sa.column("settings", sa.JSON),
                         sa.column("custom_domain", sa.String))
    for row in conn.execute(sa.select(workspace.c.id, workspace.c.settings,
                                      workspace.c.custom_domain)).all():
        conn.execute(workspace.update().where(workspace.c.id == row.id)
                     .values(settings=convert(_loaded(row.settings), row.custom_domain)))


def upgrade():
    op.create_table(
        'portal_settings_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('workspace_id'),
    )
    op.create_table(
        'portal_settings_publish',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.Column('published_by', sa.String(length=200), nullable=False),
        sa.Column('published_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('workspace_id', 'version'),
    )
    for table in ('portal_settings_draft', 'portal_settings_publish'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f'ix_{table}_workspace_id', ['workspace_id'])
    _rewrite(nested)


def downgrade():
    _rewrite(lambda doc, _domain: flat(doc))
    for table in ('portal_settings_draft', 'portal_settings_publish'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_workspace_id')
    op.drop_table('portal_settings_publish')
    op.drop_table('portal_settings_draft')
