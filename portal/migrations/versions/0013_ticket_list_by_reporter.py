"""customers' ticket lists by reporter: ticket_reporter.created_at and its index; attachments
by (workspace_id, ticket_id)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:45:00

A customer's "my tickets" list (newest or oldest first) walked the workspace's tickets in
created_at order and probed ticket_reporter for each: its cost grew with everyone else's
newer tickets. ticket_reporter now carries its ticket's created_at (a ticket's never
changes; backfilled here, written by Ticket.reporters), and the index (contact_id,
created_at, ticket_id) yields one contact's tickets in list order, so a page reads a page.
The guarded attachment lookup (workspace_id = ? AND ticket_id = ?) took the workspace_id
index on SQLite and read every attachment of the workspace; (workspace_id, ticket_id)
answers it.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket_reporter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
    op.execute("UPDATE ticket_reporter SET created_at = (SELECT ticket.created_at FROM ticket"
               " WHERE ticket.id = ticket_reporter.ticket_id)")
    with op.batch_alter_table('ticket_reporter', schema=None) as batch_op:
        batch_op.alter_column('created_at', existing_type=portal.models.base.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.create_index('ix_ticket_reporter_contact_created',
                              ['contact_id', 'created_at', 'ticket_id'], unique=False)
    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_attachment_ws_ticket', ['workspace_id', 'ticket_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_attachment_ws_ticket')
    with op.batch_alter_table('ticket_reporter', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_reporter_contact_created')
        batch_op.drop_column('created_at')
