"""article follow: subscriptions to articles, Publish & Notify runs, installed snap-ins,
and an outbox email's own sender name and headers

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 21:45:00

Existing workspaces have no snap-in installed; existing emails keep the workspace's name as
sender and no extra headers.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_article_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('article_id', 'contact_id')
    )
    with op.batch_alter_table('kb_article_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_subscription_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_article_subscription_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_article_subscription_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('kb_article_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.Text(), nullable=False),
    sa.Column('due_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kb_article_notification', schema=None) as batch_op:
        batch_op.create_index('ix_kb_article_notification_due', ['sent_at', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_article_notification_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_article_notification_workspace_id'), ['workspace_id'], unique=False)

    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snap_ins', sa.JSON(), server_default='[]', nullable=False))

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('headers')
        batch_op.drop_column('from_name')

    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.drop_column('snap_ins')

    with op.batch_alter_table('kb_article_notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_notification_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_kb_article_notification_article_id'))
        batch_op.drop_index('ix_kb_article_notification_due')

    op.drop_table('kb_article_notification')
    with op.batch_alter_table('kb_article_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_subscription_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_kb_article_subscription_contact_id'))
        batch_op.drop_index(batch_op.f('ix_kb_article_subscription_article_id'))

    op.drop_table('kb_article_subscription')
