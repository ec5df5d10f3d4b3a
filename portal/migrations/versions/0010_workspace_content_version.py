"""workspace.content_version: bumped by every write that changes what public pages show,
so that cached pages of the old version are never served again (portal.web.page_cache)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 06:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workspace') as batch_op:
        batch_op.add_column(sa.Column('content_version', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('workspace') as batch_op:
        batch_op.drop_column('content_version')
