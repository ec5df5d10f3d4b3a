"""guest ticket drafts: a visitor's new ticket kept until their email is confirmed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 10:00:00

Public ticket management (features.tickets = public) lets a visitor who is not signed in
open a ticket: what they typed waits in guest_ticket_draft until the one-time code emailed
to them is confirmed, then becomes the ticket and the row is deleted.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guest_ticket_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=128), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('guest_ticket_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guest_ticket_draft_expires_at'), ['expires_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_guest_ticket_draft_workspace_id'),
                              ['workspace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('guest_ticket_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guest_ticket_draft_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_guest_ticket_draft_expires_at'))
    op.drop_table('guest_ticket_draft')
