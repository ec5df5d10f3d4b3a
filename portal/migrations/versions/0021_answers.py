"""answers from the knowledge base: each question asked, the answer given, its sources
and the asker's rating

Revision ID: 0021_answers
Revises: 0020_webhooks
Create Date: 2026-12-04 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = '0021_answers'
down_revision = '0020_webhooks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('source_ids', sa.JSON(), nullable=False),
    sa.Column('generated', sa.Boolean(), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kb_answer', schema=None) as batch_op:
        batch_op.create_index('ix_kb_answer_ws_time', ['workspace_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_answer_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_answer_workspace_id'), ['workspace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kb_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_answer_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_kb_answer_contact_id'))
        batch_op.drop_index('ix_kb_answer_ws_time')

    op.drop_table('kb_answer')
