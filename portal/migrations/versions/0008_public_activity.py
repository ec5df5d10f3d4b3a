"""public activity: ticket.public_updated_at, the last change customers can see

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:00:00

Customers' pages, API and "updated" sort used `ticket.updated_at`, which an internal note
also moves. Existing tickets get the time of their newest public event (their creation
time when they have none).
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_updated_at', portal.models.base.UTCDateTime(),
                                      nullable=True))

    ticket = sa.table('ticket', sa.column('id', sa.Integer()),
                      sa.column('created_at', portal.models.base.UTCDateTime()),
                      sa.column('public_updated_at', portal.models.base.UTCDateTime()))
    event = sa.table('ticket_event', sa.column('ticket_id', sa.Integer()),
                     sa.column('created_at', portal.models.base.UTCDateTime()),
                     sa.column('public', sa.Boolean()))
    newest_public = (sa.select(sa.func.max(event.c.created_at))
                     .where(event.c.ticket_id == ticket.c.id, event.c.public.is_(sa.true()))
                     .scalar_subquery())
    op.execute(ticket.update().values(
        public_updated_at=sa.func.coalesce(newest_public, ticket.c.created_at)))

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.alter_column('public_updated_at', existing_type=portal.models.base.UTCDateTime(),
                              nullable=False)
        batch_op.create_index('ix_ticket_ws_public_updated_id',
                              ['workspace_id', 'public_updated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_ws_public_updated_id')
        batch_op.drop_column('public_updated_at')
