"""idempotency keys: the first answer to a POST sent with an Idempotency-Key

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 23:50:00.000000
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'principal', 'key', name='uq_idempotency_key')
    )
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_key_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_idempotency_key_workspace_id'), ['workspace_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_key_workspace_id'))
        batch_op.drop_index('ix_idempotency_key_created_at')

    op.drop_table('idempotency_key')
