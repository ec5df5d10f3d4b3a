"""customer satisfaction: one answer per resolved ticket and reporter (issue 15, part 4)

Revision ID: 0019_csat
Revises: 0018_search_synonyms
Create Date: 2026-12-05 10:00:00

A row is written when a reporter is first asked; its score stays empty until they answer.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = '0019_csat'
down_revision = '0018_search_synonyms'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_satisfaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('score IS NULL OR (score >= 1 AND score <= 5)', name='ck_ticket_satisfaction_score'),
    sa.ForeignKeyConstraint(['agent_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'contact_id')
    )
    with op.batch_alter_table('ticket_satisfaction', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_satisfaction_ws_answered', ['workspace_id', 'answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_satisfaction_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_satisfaction_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_satisfaction_workspace_id'), ['workspace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket_satisfaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_satisfaction_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_satisfaction_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_satisfaction_contact_id'))
        batch_op.drop_index('ix_ticket_satisfaction_ws_answered')

    op.drop_table('ticket_satisfaction')
