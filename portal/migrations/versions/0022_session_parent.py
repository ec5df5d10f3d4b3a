"""customer sessions remember the web session a Plug token came from (issue 15)

Revision ID: 0022_session_parent
Revises: 0021_answers
Create Date: 2026-12-06 10:00:00

Signing out of the portal (or ending that session from the session list) revokes the
tokens the widget was given from it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_session_parent'
down_revision = '0021_answers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_customer_session_parent_id'), ['parent_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('customer_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_session_parent_id'))
        batch_op.drop_column('parent_id')
